"""What changed between two versions of a project's grids.

Every grid present in either version gets one status:

- **unchanged**: same code, identical geometry;
- **boundary changed**: same code, different geometry (a re-division kept the
  code because the footprint was essentially unchanged, see
  :mod:`gridgis.codes.registry`);
- **split**: a code gone in the later version whose area went to two or more
  grids, and each grid made from it;
- **merged**: a new code made from two or more earlier grids, and each of those;
- **new**: a new code with no predecessor, or replacing exactly one grid;
- **retired**: a code gone with no successor, or replaced by exactly one grid.

Predecessors and successors are found by overlap (at least
:data:`gridgis.codes.registry.LINK_SHARE` of the smaller grid), so a diff
between any two versions works, not only neighbouring ones.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgis.codes.registry import LINK_SHARE
from gridgis.crs import metric_crs_for

STATUSES = ("new", "split", "merged", "boundary changed", "retired", "unchanged")
DIFF_COLUMNS = [
    "grid_code",
    "status",
    "kind",
    "level",
    "admin_code",
    "name",
    "area_before_km2",
    "area_after_km2",
    "predecessors",
    "successors",
]


def diff_grids(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.DataFrame:
    """Classify every grid of two versions as new, split, merged, changed, retired or unchanged.

    Parameters
    ----------
    before, after : GeoDataFrame
        Grids (``grid_code``, ``kind``, ``level``, ``admin_code``, ``name``,
        geometry) at the earlier and the later version.

    Returns
    -------
    DataFrame
        One row per grid code, columns :data:`DIFF_COLUMNS`, ordered by status
        (as in :data:`STATUSES`) and code.

    Examples
    --------
    >>> diff = diff_grids(reader.read_layer("grids", version=2),
    ...                   reader.read_layer("grids", version=3))  # doctest: +SKIP
    """
    reference = after if len(after) else before
    if reference.empty:
        return pd.DataFrame(columns=DIFF_COLUMNS)
    metric = metric_crs_for(reference)
    before = before.set_index("grid_code", drop=False)
    after = after.set_index("grid_code", drop=False)
    area_before = _areas_km2(before, metric)
    area_after = _areas_km2(after, metric)

    common = before.index.intersection(after.index)
    gone = before.index.difference(after.index)
    added = after.index.difference(before.index)
    same = shapely.equals_exact(
        before.loc[common].geometry.to_numpy(), after.loc[common].geometry.to_numpy(), 0.0
    )
    successors = _links(before.loc[gone], after, metric)
    predecessors = _links(after.loc[added], before, metric)
    # Reverse links so that kept grids also show what they absorbed or gave away.
    predecessors_of_kept: dict[str, list[str]] = {}
    for old, new_codes in successors.items():
        for new in new_codes:
            predecessors_of_kept.setdefault(new, []).append(old)
    successors_of_kept: dict[str, list[str]] = {}
    for new, old_codes in predecessors.items():
        for old in old_codes:
            successors_of_kept.setdefault(old, []).append(new)

    rows = []
    for code in common:
        rows.append(
            _row(
                after.loc[code],
                "unchanged" if same[common.get_loc(code)] else "boundary changed",
                area_before.get(code),
                area_after.get(code),
                predecessors_of_kept.get(code, []),
                successors_of_kept.get(code, []),
            )
        )
    for code in gone:
        nexts = successors.get(code, [])
        if len(nexts) >= 2:
            status = "split"
        elif len(nexts) == 1 and len(predecessors.get(nexts[0], [])) >= 2:
            status = "merged"
        else:
            status = "retired"
        rows.append(_row(before.loc[code], status, area_before.get(code), None, [], nexts))
    for code in added:
        previous = predecessors.get(code, [])
        if len(previous) >= 2:
            status = "merged"
        elif len(previous) == 1 and len(successors.get(previous[0], [])) >= 2:
            status = "split"
        else:
            status = "new"
        rows.append(_row(after.loc[code], status, None, area_after.get(code), previous, []))
    frame = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    frame["order"] = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
    return frame.sort_values(["order", "grid_code"]).drop(columns="order").reset_index(drop=True)


def _areas_km2(grids: gpd.GeoDataFrame, metric: pyproj.CRS) -> dict[str, float]:
    if grids.empty:
        return {}
    areas = shapely.area(grids.geometry.to_crs(metric).to_numpy()) / 1e6
    return dict(zip(grids.index, np.round(areas, 6), strict=True))


def _links(
    sources: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, metric: pyproj.CRS
) -> dict[str, list[str]]:
    """Map each source code to the target codes it overlaps substantially."""
    if sources.empty or targets.empty:
        return {}
    source_geometry = sources.geometry.to_crs(metric).to_numpy()
    target_geometry = targets.geometry.to_crs(metric).to_numpy()
    polygonal = np.isin(shapely.get_type_id(target_geometry), (3, 6))
    tree = shapely.STRtree(target_geometry)
    source_index, target_index = tree.query(source_geometry, predicate="intersects")
    keep = polygonal[target_index] & (
        targets["level"].to_numpy()[target_index] == sources["level"].to_numpy()[source_index]
    )
    source_index, target_index = source_index[keep], target_index[keep]
    shared = shapely.area(
        shapely.intersection(source_geometry[source_index], target_geometry[target_index])
    )
    smaller = np.minimum(
        shapely.area(source_geometry[source_index]), shapely.area(target_geometry[target_index])
    )
    linked = shared >= LINK_SHARE * smaller
    result: dict[str, list[str]] = {}
    for s, t in zip(source_index[linked], target_index[linked], strict=True):
        result.setdefault(sources.index[s], []).append(targets.index[t])
    return {code: sorted(set(codes)) for code, codes in result.items()}


def _row(
    grid: pd.Series,
    status: str,
    area_before: float | None,
    area_after: float | None,
    predecessors: list[str],
    successors: list[str],
) -> dict[str, object]:
    return {
        "grid_code": grid["grid_code"],
        "status": status,
        "kind": grid.get("kind"),
        "level": grid.get("level"),
        "admin_code": grid.get("admin_code"),
        "name": grid.get("name"),
        "area_before_km2": area_before,
        "area_after_km2": area_after,
        "predecessors": " ".join(sorted(set(predecessors))),
        "successors": " ".join(sorted(set(successors))),
    }
