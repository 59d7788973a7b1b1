"""The change table of a filing: one row per grid change, with the people and units it moves.

Pure: frames in, frame out. The rows are those of
:func:`gridgis.changes.diff_grids` between the filing's two versions, less the
unchanged grids, each with:

- the change (new, split, merged, boundary changed, retired), its
  predecessors and successors, and its area before and after in km²;
- the enterprises moved in (assigned to the grid at the later version and not
  at the earlier one) and moved out (the reverse);
- the staff changes: who serves the grid at the later version and did not at
  the earlier one, and the reverse. A person serves a grid directly (the
  roster's 网格编码) or through its village (a village's people serve every
  base grid of the village).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from gridgis.changes import STATUSES

#: The change types a filing lists (every status but unchanged).
CHANGE_TYPES = tuple(status for status in STATUSES if status != "unchanged")

CHANGE_COLUMNS = [
    "grid_code",
    "change",
    "kind",
    "level",
    "admin_code",
    "name",
    "predecessors",
    "successors",
    "area_before_km2",
    "area_after_km2",
    "enterprises_in",
    "enterprises_out",
    "staff_in",
    "staff_out",
]


def change_table(
    diff: pd.DataFrame,
    *,
    grids_before: pd.DataFrame,
    grids_after: pd.DataFrame,
    assignments_before: pd.DataFrame,
    assignments_after: pd.DataFrame,
    staff_before: pd.DataFrame,
    staff_after: pd.DataFrame,
) -> pd.DataFrame:
    """Return one row per changed grid: the change, lineage, areas, enterprises and staff.

    Parameters
    ----------
    diff : DataFrame
        :func:`gridgis.changes.diff_grids` of the two versions.
    grids_before, grids_after : DataFrame
        The grids at each version (``grid_code``, ``level``, ``admin_code``).
    assignments_before, assignments_after : DataFrame
        ``enterprise_id`` and ``grid_code`` at each version (may be empty).
    staff_before, staff_after : DataFrame
        The roster at each version: ``staff_id``, ``name``, ``role``,
        ``place_level``, ``grid_code``, ``village_code`` (may be empty).

    Returns
    -------
    DataFrame
        Columns :data:`CHANGE_COLUMNS`, in the diff's order (by change, then code).

    Examples
    --------
    >>> table = change_table(diff, grids_before=old, grids_after=new,  # doctest: +SKIP
    ...                      assignments_before=a0, assignments_after=a1,
    ...                      staff_before=s0, staff_after=s1)
    """
    changed = diff[diff["status"] != "unchanged"].rename(columns={"status": "change"})
    codes = changed["grid_code"].tolist()
    units_before = _units_by_grid(assignments_before, codes)
    units_after = _units_by_grid(assignments_after, codes)
    people_before = _people_by_grid(staff_before, grids_before, codes)
    people_after = _people_by_grid(staff_after, grids_after, codes)
    table = changed.reset_index(drop=True)
    table["enterprises_in"] = [
        len(units_after.get(c, set()) - units_before.get(c, set())) for c in codes
    ]
    table["enterprises_out"] = [
        len(units_before.get(c, set()) - units_after.get(c, set())) for c in codes
    ]
    table["staff_in"] = [_names(people_after.get(c, {}), people_before.get(c, {})) for c in codes]
    table["staff_out"] = [_names(people_before.get(c, {}), people_after.get(c, {})) for c in codes]
    return table.reindex(columns=CHANGE_COLUMNS)


def _units_by_grid(assignments: pd.DataFrame, codes: Iterable[str]) -> dict[str, set[str]]:
    """Return the enterprises assigned to each of the given grids."""
    if assignments.empty or "grid_code" not in assignments.columns:
        return {}
    wanted = assignments[assignments["grid_code"].isin(list(codes))]
    grouped = wanted.groupby("grid_code")["enterprise_id"]
    return {str(code): set(ids.astype(str)) for code, ids in grouped}


def _people_by_grid(
    staff: pd.DataFrame, grids: pd.DataFrame, codes: Iterable[str]
) -> dict[str, dict[str, str]]:
    """Who serves each of the given grids: staff id -> "name（role）"."""
    if staff.empty or grids.empty:
        return {}
    label = staff["name"].astype(str) + "（" + staff["role"].astype(str) + "）"
    people = staff.assign(label=label)
    found: dict[str, dict[str, str]] = {}
    direct = people[people["place_level"] == "grid"]
    for code, rows in direct.groupby("grid_code"):
        found.setdefault(str(code), {}).update(zip(rows["staff_id"], rows["label"], strict=True))
    base = grids[(grids["level"] == "base") & grids["grid_code"].isin(list(codes))]
    by_village = people[people["place_level"] == "village"].groupby("village_code")
    village_people = {
        str(village): dict(zip(rows["staff_id"], rows["label"], strict=True))
        for village, rows in by_village
    }
    for code, village in zip(base["grid_code"], base["admin_code"], strict=True):
        found.setdefault(str(code), {}).update(village_people.get(str(village), {}))
    return found


def _names(now: dict[str, str], then: dict[str, str]) -> str:
    return "；".join(sorted(label for key, label in now.items() if key not in then))
