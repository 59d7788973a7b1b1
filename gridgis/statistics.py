"""The grid statistics table (网格化统计表, Appendix A sample table 2), counted.

Pure: grids, admin units, assignments and staff in, :class:`GridStatistics`
out; :mod:`gridgis.render.statistics` lays it out as the sample table.

How each number is counted (also in the README, "stats"):

- **横向属地网格数量**: the current territorial base grids. Beside it, the
  villages and communities they cover, told apart by the village code's
  last three digits as the national statistical division codes number them:
  001–199 a community (居委会), 200–399 a village (村委会), any other number a
  residential or other area (居民区等, such as 400–599 for virtual units).
- **纵向行业（专属）网格数量**: the current sector grids.
- **纳入网格化监管范围的生产经营单位数量**, counted over the last
  ``gridgis assign`` (one assignment per enterprise of the ledger it read):

  - 台账内 (in the ledger): every assignment: the assign's ``rows N``;
  - 已录入系统并落格 (entered and placed): assignments to a territorial or a
    sector grid: the assign's ``T + S``;
  - 租赁厂房、废弃厂房: units of the ledger marked as a rented or an abandoned
    plant (a unit marked both counts once).

- **Rows.** A unit placed in a territorial grid counts for the grid's
  township or street; a unit in a sector grid for the grid's department; an
  unplaced unit, in the ledger column only, for the township of the village
  its point lies in, else of the village the ledger declares, else for a row
  "未能确定所属乡镇" that appears only when such units exist. So the rows add
  up to the top block, and the top block to the conservation line.
- **People.** A township row names the people the roster places at the
  township itself, each with the title (``张三（副县长）``); its 网格管理员
  column adds how many 网格员 serve its villages and grids, full- and
  part-time. A department row names the department's people.
- **Functional areas.** A chemical park, development zone or farm run as its
  own township-level unit has a township code in the range 400-599 of the
  statistical division code (类似乡级单位). Such a unit gets a 功能区 row after
  the departments, counted and staffed as a township row is, instead of a
  township row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from gridgis.admin import township_kind
from gridgis.staff import GRID_MEMBER

__all__ = [
    "PEOPLE_ROLES",
    "GridStatistics",
    "StatisticsRow",
    "UnitCounts",
    "count_statistics",
    "is_functional_area",
    "village_kind",
]

#: The people columns of block 2, by role (网格管理员 is the guideline's word
#: for 网格员 in this table).
PEOPLE_ROLES: tuple[str, ...] = ("挂点领导", "网格安全监管责任人", "直接监管责任人", GRID_MEMBER)


@dataclass(frozen=True)
class UnitCounts:
    """Units under grid supervision, counted three ways."""

    in_ledger: int = 0
    placed: int = 0
    rented_or_abandoned: int = 0

    def __add__(self, other: UnitCounts) -> UnitCounts:
        return UnitCounts(
            self.in_ledger + other.in_ledger,
            self.placed + other.placed,
            self.rented_or_abandoned + other.rented_or_abandoned,
        )


@dataclass(frozen=True)
class StatisticsRow:
    """One row of block 2: a township or street, a department, or a functional area.

    Attributes
    ----------
    kind : str
        ``township``, ``department``, ``area`` or ``unknown``.
    code : str
        The township code or the department number.
    name : str
        As printed.
    people : dict
        Role (of :data:`PEOPLE_ROLES`) → the text of its cell (may be "").
    units : UnitCounts
    territorial_grids, sector_grids : int
        The grids the row stands for.
    """

    kind: str
    code: str
    name: str
    people: Mapping[str, str]
    units: UnitCounts
    territorial_grids: int = 0
    sector_grids: int = 0


@dataclass(frozen=True)
class GridStatistics:
    """The whole table: block 1's numbers and block 2's rows."""

    county_code: str
    county_name: str
    territorial_grids: int
    communities: int
    villages: int
    other_areas: int
    sector_grids: int
    units: UnitCounts
    rows: list[StatisticsRow] = field(default_factory=list)
    territorial_units: int = 0
    sector_units: int = 0
    unassigned_units: int = 0


def is_functional_area(township_code: str) -> bool:
    """Say whether a township-level code is a functional area (part 400-599, 类似乡级单位).

    Examples
    --------
    >>> [is_functional_area(c) for c in ("640122001", "640122101", "640122400")]
    [False, False, True]
    """
    part = township_code[6:9]
    kind = township_kind(int(part)) if part.isdigit() else None
    return kind is not None and kind[0] == "other"


def village_kind(code: str) -> str:
    """Say whether a village code is a community, a village or another area.

    Examples
    --------
    >>> [village_kind(c) for c in ("640122001001", "640122101204", "640122101401")]
    ['community', 'village', 'other']
    """
    number = int(code[-3:]) if code[-3:].isdigit() else -1
    if 1 <= number <= 199:
        return "community"
    if 200 <= number <= 399:
        return "village"
    return "other"


def count_statistics(
    grids: pd.DataFrame,
    admin_units: pd.DataFrame,
    assignments: pd.DataFrame,
    staff: pd.DataFrame,
    departments: Mapping[int, str],
) -> GridStatistics:
    """Count the statistics table of a project.

    Parameters
    ----------
    grids : DataFrame
        Current grids: ``grid_code``, ``kind``, ``level``, ``admin_code``,
        ``department``, ``name``.
    admin_units : DataFrame
        ``code``, ``name``, ``level``.
    assignments : DataFrame
        One row per enterprise of the last assign: ``grid_code``, ``kind``
        (territorial, sector or missing), ``department``, ``located_village``,
        ``declared_village``, and ``rented_or_abandoned`` (bool).
    staff : DataFrame
        The roster as stored (may be empty: the people columns are then empty).
    departments : Mapping
        Department number → name.

    Returns
    -------
    GridStatistics

    Examples
    --------
    >>> import pandas as pd
    >>> admin = pd.DataFrame({"code": ["640122", "640122100", "640122100201"],
    ...     "name": ["贺兰县", "金山镇", "红星村"], "level": ["county", "township", "village"]})
    >>> grids = pd.DataFrame({"grid_code": ["G1", "S1"], "kind": ["territorial", "sector"],
    ...     "level": ["base", "county"], "admin_code": ["640122100201", "640122"],
    ...     "department": [None, 1], "name": ["红星村第1网格", "应急"]})
    >>> units = pd.DataFrame({"grid_code": ["G1", "S1", None],
    ...     "kind": ["territorial", "sector", None],
    ...     "department": [None, 1, None], "located_village": ["640122100201", None, None],
    ...     "declared_village": [None, None, "640122100201"],
    ...     "rented_or_abandoned": [True, False, False]})
    >>> table = count_statistics(grids, admin, units, pd.DataFrame(), {1: "县应急管理局"})
    >>> table.units, [(r.name, r.units.in_ledger, r.units.placed) for r in table.rows]
    ... # doctest: +NORMALIZE_WHITESPACE
    (UnitCounts(in_ledger=3, placed=2, rented_or_abandoned=1),
     [('金山镇', 2, 1), ('县应急管理局', 1, 1)])
    """
    names = dict(zip(admin_units["code"].astype(str), admin_units["name"], strict=True))
    levels = dict(zip(admin_units["code"].astype(str), admin_units["level"], strict=True))
    county = admin_units[admin_units["level"] == "county"]
    county_code = str(county["code"].iloc[0]) if len(county) else ""
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    sector = grids[grids["kind"] == "sector"]
    kinds = pd.Series(base["admin_code"].astype(str).unique(), dtype=object).map(village_kind)

    unit_rows = _unit_rows(assignments, grids, levels)
    row_units = {
        key: UnitCounts(
            int(group["ledger"].sum()), int(group["placed"].sum()), int(group["rent"].sum())
        )
        for key, group in unit_rows.groupby("row_key", sort=False)
    }
    rows: list[StatisticsRow] = []
    areas: list[StatisticsRow] = []
    townships = admin_units[admin_units["level"] == "township"].sort_values("code")
    for code, name in zip(townships["code"].astype(str), townships["name"], strict=True):
        functional = is_functional_area(code)
        (areas if functional else rows).append(
            StatisticsRow(
                "area" if functional else "township",
                code,
                str(name),
                _township_people(staff, code),
                row_units.get(f"township:{code}", UnitCounts()),
                territorial_grids=int((base["admin_code"].astype(str).str[:9] == code).sum()),
            )
        )
    numbers = sorted(
        {int(n) for n in pd.to_numeric(sector.get("department"), errors="coerce").dropna()}
        | {int(n) for n in _numbers(staff, "department_number")}
        | {int(key.split(":")[1]) for key in row_units if key.startswith("department:")}
    )
    for number in numbers:
        own = sector[pd.to_numeric(sector["department"], errors="coerce") == number]
        name = departments.get(number) or (str(own["name"].iloc[0]) if len(own) else str(number))
        rows.append(
            StatisticsRow(
                "department",
                str(number),
                name,
                _department_people(staff, number),
                row_units.get(f"department:{number}", UnitCounts()),
                sector_grids=len(own),
            )
        )
    rows.extend(areas)
    if "unknown" in row_units:
        rows.append(StatisticsRow("unknown", "", "未能确定所属乡镇", {}, row_units["unknown"]))
    total = sum((row.units for row in rows), UnitCounts())
    placed_kind = assignments["kind"] if len(assignments) else pd.Series(dtype=object)
    return GridStatistics(
        county_code=county_code,
        county_name=str(names.get(county_code, county_code)),
        territorial_grids=len(base),
        communities=int((kinds == "community").sum()),
        villages=int((kinds == "village").sum()),
        other_areas=int((kinds == "other").sum()),
        sector_grids=len(sector),
        units=total,
        rows=rows,
        territorial_units=int((placed_kind == "territorial").sum()),
        sector_units=int((placed_kind == "sector").sum()),
        unassigned_units=int(placed_kind.isna().sum()),
    )


def _numbers(frame: pd.DataFrame, column: str) -> list[int]:
    if frame.empty or column not in frame.columns:
        return []
    return [int(n) for n in pd.to_numeric(frame[column], errors="coerce").dropna()]


def _unit_rows(
    assignments: pd.DataFrame, grids: pd.DataFrame, levels: Mapping[str, str]
) -> pd.DataFrame:
    """Give each assignment the key of the block-2 row it counts for."""
    if assignments.empty:
        return pd.DataFrame(columns=["row_key", "ledger", "placed", "rent"])
    township_of_grid = dict(
        zip(grids["grid_code"].astype(str), grids["admin_code"].astype(str).str[:9], strict=True)
    )
    kind = assignments["kind"]
    grid_township = assignments["grid_code"].astype(object).map(township_of_grid)
    department = pd.to_numeric(assignments["department"], errors="coerce").astype("Int64")

    def township_of(column: str) -> pd.Series:
        village = assignments[column].astype(object)
        township = village.where(village.map(levels) == "village").astype(str).str[:9]
        return township.where(village.map(levels) == "village")

    unplaced = township_of("located_village").fillna(township_of("declared_village"))
    key = pd.Series("unknown", index=assignments.index, dtype=object)
    key[kind == "territorial"] = "township:" + grid_township[kind == "territorial"].astype(str)
    key[kind == "sector"] = "department:" + department[kind == "sector"].astype(str)
    no_grid = kind.isna() & unplaced.notna()
    key[no_grid] = "township:" + unplaced[no_grid].astype(str)
    return pd.DataFrame(
        {
            "row_key": key,
            "ledger": 1,
            "placed": kind.isin(["territorial", "sector"]).astype(int),
            "rent": assignments["rented_or_abandoned"].fillna(False).astype(bool).astype(int),
        }
    )


def _named(people: pd.DataFrame) -> str:
    """``张三（副县长）、李四``: names with titles, in roster order."""
    parts = []
    for name, title in zip(people["name"], people.get("title", [None] * len(people)), strict=True):
        if not isinstance(name, str) or not name:
            continue
        parts.append(f"{name}（{title}）" if isinstance(title, str) and title else name)
    return "、".join(parts)


def _township_people(staff: pd.DataFrame, township_code: str) -> dict[str, str]:
    if staff.empty:
        return dict.fromkeys(PEOPLE_ROLES, "")
    own = staff[
        (staff["place_level"] == "township") & (staff["township_code"].astype(str) == township_code)
    ]
    cells = {role: _named(own[own["role"] == role]) for role in PEOPLE_ROLES}
    members = staff[
        (staff["role"] == GRID_MEMBER)
        & staff["place_level"].isin(["village", "grid"])
        & (staff["township_code"].astype(str) == township_code)
    ]
    if len(members):
        duty = members["duty"].astype(object)
        summary = (
            f"村（社区）网格员 {len(members)} 名（专职 {int((duty == '专职').sum())} 名、"
            f"兼职 {int((duty == '兼职').sum())} 名）"
        )
        cells[GRID_MEMBER] = "；".join(part for part in (cells[GRID_MEMBER], summary) if part)
    return cells


def _department_people(staff: pd.DataFrame, number: int) -> dict[str, str]:
    if staff.empty:
        return dict.fromkeys(PEOPLE_ROLES, "")
    own = staff[
        (staff["place_level"] == "department")
        & (pd.to_numeric(staff["department_number"], errors="coerce") == number)
    ]
    return {role: _named(own[own["role"] == role]) for role in PEOPLE_ROLES}
