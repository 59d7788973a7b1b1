"""Routing hazard reports: each to its grid, that grid's people, a department, and a time limit.

Step 1 and 2 of Appendix B's work loop (docs/domain.md, "The work loop"): a
report found on patrol reaches the grid office of the place, and is handed on
to the department responsible where the sector line (条) has it. For each row
of a reports file, :func:`route_reports` decides:

- **the place**, in this order: the unit named by its USCC (where the last
  ``assign`` put it: its sector grid, else the base grid its point lies in), a
  grid code given in the row, the point, else the township, village and
  address matched as ``assign``'s fallback matches them
  (:class:`gridgis.locate.GridFinder`). A place must lead to exactly one
  grid: a point outside the county, an address matching a village of several
  grids (the candidates are named), an unknown USCC or grid code is a bad row;
- **the people**: the grid's 网格员 and 网格长 (for a sector grid, its
  department's);
- **the department**: a unit's sector grid's department; else the department
  the category belongs to (``data/hazards.toml``); else none, and the
  territorial grid (块) handles it;
- **the time limit**: the day found plus the days of its level (一般, 重大);
- **the state**: 登记, or 已办结 at once when it was fixed on the spot (当场整改).

Every problem of every row is collected; the caller refuses the whole file if
there is any, the way a roster with a bad row is refused (:mod:`gridgis.staff`).
Rows already imported (same content) are recognised and skipped, so importing
a file again changes nothing. Reports without an id get ``YH-YYYYMMDD-NNN``,
numbered per day found after the ids the project already has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridgis.hazards.settings import HazardSettings
from gridgis.hazards.states import (
    CLOSED,
    REGISTERED,
    canonical_level,
    deadline_dates,
    parse_dates,
    yes_no,
)
from gridgis.locate import GridFinder
from gridgis.render.labels import HAZARD_LABELS, HAZARD_ROUTES
from gridgis.staff import GRID_MEMBER

__all__ = ["REPORT_COLUMNS", "RoutedReports", "route_reports"]

#: Columns of a routed report (the ``hazards`` layer, besides its point), in order.
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "found_at",
    "found_date",
    "reporter",
    "description",
    "category",
    "level",
    "fixed_on_spot",
    "located_by",
    "lon",
    "lat",
    "address",
    "uscc",
    "enterprise_id",
    "enterprise_name",
    "grid_code",
    "grid_name",
    "village_code",
    "village",
    "township_code",
    "township",
    "department",
    "department_name",
    "routing",
    "members",
    "grid_head",
    "deadline",
    "status",
    "status_date",
    "handler",
    "result",
    "closed_date",
    "digest",
    "source",
    "source_row",
)
_ID_PREFIX = "YH"
_GRID_HEAD = "网格长"


@dataclass(frozen=True)
class RoutedReports:
    """What :func:`route_reports` made of a reports file.

    Attributes
    ----------
    reports : DataFrame
        The new reports, :data:`REPORT_COLUMNS` and ``position`` (the row in
        the file), in the file's order.
    events : DataFrame
        Their first changes of state: 登记, and 已办结 the same day for a
        hazard fixed on the spot (``position``, ``report_id``, ``seq``,
        ``status``, ``previous_status``, ``date``, ``handler``, ``result``,
        ``reason``).
    skipped : DataFrame
        Rows already in the project with the same content: ``position``, ``report_id``.
    problems : DataFrame
        ``position``, ``kind`` and ``detail``, one per problem; the file is
        refused when there is any.
    """

    reports: pd.DataFrame
    events: pd.DataFrame
    skipped: pd.DataFrame
    problems: pd.DataFrame


class _Problems:
    """Problems collected over whole columns: a mask, a kind, a detail per flagged row."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series | np.ndarray, kind: str, detail: pd.Series | str) -> None:
        # A mask over some of the rows counts for those rows only.
        if isinstance(mask, pd.Series):
            mask = mask.reindex(self.index, fill_value=False)
        flagged = np.asarray(mask, dtype=bool)
        if not flagged.any():
            return
        if isinstance(detail, pd.Series):
            text: pd.Series | str = detail.reindex(self.index)[flagged]
        else:
            text = detail
        self.parts.append(
            pd.DataFrame(
                {"position": self.index[flagged], "kind": kind, "detail": text}, dtype=object
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["position", "kind", "detail"])
        return pd.concat(self.parts, ignore_index=True)


def route_reports(
    rows: pd.DataFrame,
    finder: GridFinder,
    settings: HazardSettings,
    *,
    today: dt.date,
    existing: pd.DataFrame,
    source: str,
) -> RoutedReports:
    """Check and route the rows of a reports file.

    Parameters
    ----------
    rows : DataFrame
        One row per report, indexed by position in the file: ``source_row``,
        and as text ``report_id``, ``found_at``, ``reporter``,
        ``description``, ``category``, ``level``, ``fixed_on_spot``,
        ``result``, ``grid_code``; and the place columns of
        :func:`gridgis.io.place_tables.normalise_places` (``lon``, ``lat``
        in CGCS2000, ``lon_input``, ``lat_input``, ``township``, ``village``,
        ``address``, ``uscc``, ``uscc_valid``, ``name``).
    finder : GridFinder
        The project's grids, people and assignments.
    settings : HazardSettings
        Time limits and category departments.
    today : datetime.date
        No hazard may be found after it.
    existing : DataFrame
        The project's current reports: ``report_id`` and ``digest``.
    source : str
        The file's name, kept with each report.

    Returns
    -------
    RoutedReports
    """
    problems = _Problems(rows.index)
    found, bad_found = parse_dates(rows["found_at"])
    problems.add(rows["found_at"].isna(), "missing_found", "no time found (发现时间)")
    problems.add(
        bad_found, "bad_date", "发现时间 " + rows["found_at"].astype(str) + " is not a date"
    )
    future = (found.dt.normalize() > pd.Timestamp(today)).fillna(False)
    problems.add(
        future, "future_date", found.dt.strftime("发现时间 %Y-%m-%d") + f" is after today ({today})"
    )
    problems.add(rows["reporter"].isna(), "missing_reporter", "no reporter (上报人)")
    problems.add(rows["description"].isna(), "missing_description", "no description (隐患描述)")
    level = rows["level"].map(canonical_level).astype(object)
    problems.add(
        level.isna(),
        "bad_level",
        "隐患等级 " + rows["level"].fillna("(empty)").astype(str) + " is not 一般 or 重大",
    )
    on_spot, bad_spot = yes_no(rows["fixed_on_spot"])
    problems.add(bad_spot, "bad_yes_no", "当场整改 must be 是 or 否")
    place = _place(rows, finder, problems)
    department, routing = _department(rows, place, finder, settings)
    grid_codes = place["grid_code"]
    digest = _digests(rows, found)
    report_id, skipped = _identify(rows, found, digest, existing, problems)
    deadline = deadline_dates(found, level, settings.deadlines, on_spot)
    found_date = found.dt.strftime("%Y-%m-%d")
    on_spot_result = rows["result"].fillna(HAZARD_LABELS["on_spot_result"])
    reports = pd.DataFrame(
        {
            "position": rows.index,
            "report_id": report_id,
            "found_at": found.dt.strftime("%Y-%m-%d %H:%M").str.replace(" 00:00", "", regex=False),
            "found_date": found_date,
            "reporter": rows["reporter"],
            "description": rows["description"],
            "category": rows["category"],
            "level": level,
            "fixed_on_spot": on_spot.astype(bool),
            "located_by": place["located_by"],
            "lon": place["lon"],
            "lat": place["lat"],
            "address": rows["address"],
            "uscc": rows["uscc"],
            "enterprise_id": place["enterprise_id"],
            "enterprise_name": place["enterprise_name"],
            "grid_code": grid_codes,
            "grid_name": place["grid_name"],
            "village_code": place["village_code"],
            "village": place["village"],
            "township_code": place["township_code"],
            "township": place["township"],
            "department": department,
            "department_name": department.map(finder.department_name).astype(object),
            "routing": routing,
            "members": finder.role_names(grid_codes, GRID_MEMBER),
            "grid_head": finder.role_names(grid_codes, _GRID_HEAD),
            "deadline": deadline.dt.strftime("%Y-%m-%d"),
            "status": np.where(on_spot, CLOSED, REGISTERED),
            "status_date": found_date,
            "handler": pd.Series(None, index=rows.index, dtype=object),
            "result": on_spot_result.where(on_spot, None),
            "closed_date": found_date.where(on_spot, None),
            "digest": digest,
            "source": source,
            "source_row": rows["source_row"],
        },
        index=rows.index,
    )
    refused = problems.frame()
    keep = ~rows.index.isin(refused["position"]) & ~rows.index.isin(skipped["position"])
    reports = reports[keep]
    return RoutedReports(
        reports=reports.reset_index(drop=True),
        events=_first_events(reports),
        skipped=skipped,
        problems=refused,
    )


def _place(rows: pd.DataFrame, finder: GridFinder, problems: _Problems) -> pd.DataFrame:
    """Decide each row's grid: by its unit, a grid code, its point, else its names and address."""
    index = rows.index
    none = pd.Series(None, index=index, dtype=object)
    place = pd.DataFrame(
        {
            "located_by": none,
            "grid_code": none,
            "enterprise_id": none,
            "enterprise_name": none,
            "kind": none,
            "department": pd.Series(np.nan, index=index),
            "rules_reason": none,
            "lon": rows["lon"],
            "lat": rows["lat"],
        },
        index=index,
    )
    by_unit = rows["uscc"].notna()
    problems.add(
        by_unit & (rows["uscc_valid"] == False),  # noqa: E712 (None is "no code")
        "invalid_uscc",
        "统一社会信用代码 " + rows["uscc"].astype(str) + " is not a valid code",
    )
    if by_unit.any():
        _by_unit(rows[by_unit], finder, place, problems)
    by_grid = ~by_unit & rows["grid_code"].notna()
    if by_grid.any():
        codes = rows.loc[by_grid, "grid_code"].str.upper()
        known = finder.grid_places(codes)["known"]
        place.loc[by_grid, "grid_code"] = codes.where(known, None)
        place.loc[by_grid, "located_by"] = "grid"
        problems.add(
            by_grid & ~known.reindex(index, fill_value=True),
            "unknown_grid",
            "网格编码 " + rows["grid_code"].astype(str) + " is not a current grid of the project",
        )
    rest = ~by_unit & ~by_grid
    if rest.any():
        located = finder.locate(rows.loc[rest, ["lon", "lat", "township", "village", "address"]])
        place.loc[rest, "grid_code"] = located["grid_code"]
        place.loc[rest, "located_by"] = located["method"].map(
            {"spatial": "point", "address": "address"}
        )
        unplaced = pd.Series(False, index=index)
        unplaced[rest] = located["grid_code"].isna().to_numpy()
        detail = pd.Series("", index=index, dtype=object)
        reason = located["reason"].fillna(
            "no place (经度/纬度, 地址, 统一社会信用代码 or 网格编码)"
        )
        candidates = located["candidates"].fillna("")
        detail[rest] = (
            reason + candidates.where(candidates == "", "（候选网格 " + candidates + "）")
        ).to_numpy()
        problems.add(unplaced, "no_grid", detail)
    described = finder.grid_places(place["grid_code"].fillna(""))
    for column in ("grid_name", "village_code", "village", "township_code", "township"):
        place[column] = described[column]
    if by_unit.any():
        # A unit in a sector grid is supervised by the department's grid, but
        # it stands in a village: the township of its point (or its assigned
        # base grid) is where it counts.
        for column in ("village_code", "village", "township_code", "township"):
            place.loc[by_unit, column] = place.loc[by_unit, column].where(
                place.loc[by_unit, column].notna(), place.loc[by_unit, f"unit_{column}"]
            )
    return place


def _by_unit(
    rows: pd.DataFrame, finder: GridFinder, place: pd.DataFrame, problems: _Problems
) -> None:
    """Place rows naming a unit by USCC where the last assign put the unit."""
    units = finder.enterprises(rows["uscc"].dropna().unique())
    for column in ("village_code", "village", "township_code", "township"):
        place[f"unit_{column}"] = None
    codes = rows["uscc"]
    known = codes.isin(units["query"])
    problems.add(
        ~known & (rows["uscc_valid"] != False),  # noqa: E712
        "unknown_uscc",
        "统一社会信用代码 " + codes.astype(str) + " is not among the project's enterprises",
    )
    if units.empty:
        return
    territorial = units["kind"] == "territorial"
    grid = units["assigned_grid"].where(
        ~territorial, units["base_grid_code"].fillna(units["assigned_grid"])
    )
    units = units.assign(grid=grid)
    grids_per_code = units.groupby("query")["grid"].nunique(dropna=False)
    first = units.drop_duplicates("query").set_index("query")
    matched = codes[known]
    where = matched.index
    place.loc[where, "grid_code"] = matched.map(first["grid"]).to_numpy()
    place.loc[where, "located_by"] = "uscc"
    place.loc[where, "enterprise_id"] = matched.map(first["enterprise_id"]).to_numpy()
    place.loc[where, "enterprise_name"] = matched.map(first["name"]).to_numpy()
    place.loc[where, "kind"] = matched.map(first["kind"]).to_numpy()
    place.loc[where, "department"] = matched.map(first["department"]).astype("float64").to_numpy()
    place.loc[where, "rules_reason"] = matched.map(first["assigned_reason"]).to_numpy()
    place.loc[where, "lon"] = matched.map(first["lon"]).astype("float64").to_numpy()
    place.loc[where, "lat"] = matched.map(first["lat"]).astype("float64").to_numpy()
    for column in ("village_code", "village", "township_code", "township"):
        place.loc[where, f"unit_{column}"] = matched.map(first[f"base_{column}"]).to_numpy()
    ambiguous = codes.map(grids_per_code).fillna(1) > 1
    problems.add(
        ambiguous,
        "ambiguous_uscc",
        "统一社会信用代码 " + codes.astype(str) + " names units in different grids; give the point",
    )
    unplaced = known & codes.map(first["grid"]).isna()
    problems.add(
        unplaced,
        "unit_without_grid",
        "单位 "
        + codes.map(first["name"]).astype(str)
        + " has no grid: "
        + codes.map(first["assigned_reason"]).fillna("unassigned").astype(str),
    )


def _department(
    rows: pd.DataFrame, place: pd.DataFrame, finder: GridFinder, settings: HazardSettings
) -> tuple[pd.Series, pd.Series]:
    """Return each report's department and why: its unit's sector grid, else its category."""
    sector = (place["kind"] == "sector").to_numpy()
    category = rows["category"].map(settings.category)
    by_category = category.map(lambda found: found[1] if found else np.nan).astype("float64")
    department = pd.Series(
        np.where(sector, place["department"].astype("float64"), by_category), index=rows.index
    ).astype("Int64")
    sector_text = pd.Series(
        [
            HAZARD_ROUTES["sector"].format(grid=grid, reason=reason or "")
            for grid, reason in zip(place["grid_name"], place["rules_reason"], strict=True)
        ],
        index=rows.index,
        dtype=object,
    )
    category_text = pd.Series(
        [
            HAZARD_ROUTES["category"].format(
                category=found[0], department=finder.department_name(found[1]) or found[1]
            )
            if found
            else None
            for found in category
        ],
        index=rows.index,
        dtype=object,
    )
    routing = sector_text.where(sector, category_text)
    return department, routing.where(routing.notna(), None)


def _digests(rows: pd.DataFrame, found: pd.Series) -> pd.Series:
    """Fingerprint each report's content, to recognise it when imported again."""
    point = (
        rows["lon_input"].map("{:.6f}".format) + "," + rows["lat_input"].map("{:.6f}".format)
    ).where(rows["lon_input"].notna() & rows["lat_input"].notna(), "")
    parts = [
        found.dt.strftime("%Y-%m-%d %H:%M").fillna(""),
        *(
            rows[name].fillna("").astype(str)
            for name in (
                "reporter",
                "description",
                "category",
                "uscc",
                "grid_code",
                "township",
                "village",
                "address",
            )
        ),
        point,
    ]
    text = parts[0].str.cat(parts[1:], sep="|")
    # One digest per report; hashlib has no vectorised form.
    return pd.Series(
        [hashlib.sha256(value.encode("utf-8")).hexdigest()[:16] for value in text],
        index=rows.index,
        dtype=object,
    )


def _identify(
    rows: pd.DataFrame,
    found: pd.Series,
    digest: pd.Series,
    existing: pd.DataFrame,
    problems: _Problems,
) -> tuple[pd.Series, pd.DataFrame]:
    """Give every report its id; find rows already imported and ids already taken."""
    given = rows["report_id"]
    stored = dict(zip(existing["digest"], existing["report_id"], strict=False))
    stored_ids = dict(zip(existing["report_id"], existing["digest"], strict=False))
    earlier = digest.map(stored).astype(object)
    # A row imported before, with its id or without one, is recognised by its content.
    seen = earlier.notna() & (given.isna() | (given == earlier))
    skipped = pd.DataFrame({"position": rows.index[seen], "report_id": earlier[seen].to_numpy()})
    taken = given.notna() & given.isin(list(stored_ids)) & ~seen
    problems.add(
        taken,
        "id_taken",
        "隐患编号 " + given.astype(str) + " is already a report with other content; "
        "feedback goes in with 'gridgis hazards update'",
    )
    fresh = ~seen
    repeated_id = fresh & given.notna() & given.duplicated(keep=False) & given.notna()
    problems.add(
        repeated_id, "duplicate_id", "隐患编号 " + given.astype(str) + " is used by two rows"
    )
    repeated = fresh & digest.duplicated(keep="first")
    first_row = rows["source_row"].groupby(digest).transform("first")
    problems.add(repeated, "duplicate_report", "the same report as row " + first_row.astype(str))
    return _new_ids(given, found, fresh, existing["report_id"]), skipped


def _new_ids(given: pd.Series, found: pd.Series, fresh: pd.Series, stored: pd.Series) -> pd.Series:
    """``YH-YYYYMMDD-NNN`` for rows without an id, numbered after every id of that day."""
    day = found.dt.strftime("%Y%m%d")
    pattern = rf"^{_ID_PREFIX}-(\d{{8}})-(\d+)$"
    used = pd.concat([stored.astype(object), given.dropna()], ignore_index=True).astype(str)
    numbers = used.str.extract(pattern)
    last = numbers.dropna().astype({1: "int64"}).groupby(0)[1].max()
    needs = fresh & given.isna() & day.notna()
    counted = needs.astype("int64").groupby(day.where(needs)).cumsum().fillna(0)
    start = day.map(last).fillna(0).astype("int64")
    number = (start + counted).astype("int64")
    made = (_ID_PREFIX + "-" + day.fillna("") + "-" + number.astype(str).str.zfill(3)).where(
        needs, None
    )
    return given.where(given.notna(), made).astype(object)


def _first_events(reports: pd.DataFrame) -> pd.DataFrame:
    """Return the record's first rows: 登记 for every report, 已办结 for those fixed on the spot."""
    registered = pd.DataFrame(
        {
            "position": reports["position"],
            "report_id": reports["report_id"],
            "seq": 1,
            "status": REGISTERED,
            "previous_status": None,
            "date": reports["found_date"],
            "handler": [
                "；".join(str(name) for name in (grid, department) if isinstance(name, str))
                for grid, department in zip(
                    reports["grid_name"], reports["department_name"], strict=True
                )
            ],
            "result": None,
            "reason": None,
        }
    )
    spot = reports[reports["fixed_on_spot"].astype(bool)]
    closed = pd.DataFrame(
        {
            "position": spot["position"],
            "report_id": spot["report_id"],
            "seq": 2,
            "status": CLOSED,
            "previous_status": REGISTERED,
            "date": spot["found_date"],
            "handler": spot["reporter"],
            "result": spot["result"],
            "reason": None,
        }
    )
    events = pd.concat([registered, closed], ignore_index=True)
    return events.sort_values(["position", "seq"], kind="stable").reset_index(drop=True)
