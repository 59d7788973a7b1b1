"""Sector rules: which enterprises go to county-level sector grids, and why.

The guideline sends units that are large, high-spec or high-risk, or too much
for their territorial grid to supervise, to **county-level sector grids**
(行业专属网格) run by the department responsible for their sector, so that
supervisory capacity matches supervisory load (shared/DOMAIN.md). This module
holds the pure steps of that routing; the project store and the CLI call them.

* :func:`load_rules` reads the rules (``data/rules.toml``, format in
  ``docs/rules.md``) into a :class:`Rules` value. Errors name the file, the
  line and the key.
* :func:`flag_sector_units` applies the unit rules, in this order:
  ``large_scale`` (大型企业 by the 2017 statistical size classes),
  ``risk_level`` (重大/较大 风险), ``major_hazard`` (重大危险源 一级-四级) and
  ``uscc_list`` (an explicit list). Every flagged unit carries each rule that
  fired, a Chinese reason with the values behind it, and its department.
* :func:`capacity_match` moves the highest-risk units of over-capacity
  territorial grids to their sector grids: a grid's load is the sum of its
  units' risk weights, its capacity its grid members times the capacity per
  member.
* :func:`build_sector_grids` makes (or updates) one county-level sector grid
  per department with units, coded ``CCCCCC 000 9DD SSS``.
* :func:`conservation_line` states that every ledger row ended in exactly one
  place: a territorial grid, a sector grid, or unassigned with a reason.

Two choices worth knowing (``docs/rules.md`` says more):

* A flagged unit whose 行业 is missing or not in ``departments.toml`` has no
  department to take it. It **stays in its territorial grid**, with the rules
  that fired and a ``route_problem`` saying why it was not moved: leaving it
  unassigned would take it out of every grid, the opposite of what the rules
  are for.
* A county-level sector grid's **jurisdiction is the whole county**; its
  geometry only marks where its units are: the union of the 100 m cells
  (2 x :data:`UNIT_RADIUS_M`) of a metric raster that hold them, a MultiPolygon, so the grids layer
  keeps one polygonal geometry type in the GeoPackage and in QGIS.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from stdnum.cn import uscc as stdnum_uscc

# The TOML reader of the code scheme: it names the file, the line and the key
# in every error, and rules files should report errors the same way.
from gridgis.codes import (
    CodeScheme,
    Department,
    GridCode,
    _KeyPath,
    _toml_type,
    _TomlFile,
    default_scheme,
    next_sequences,
)
from gridgis.crs import CGCS2000, gauss_kruger_crs
from gridgis.errors import CodeError, InputDataError
from gridgis.paths import DATA_DIR

logger = logging.getLogger(__name__)

__all__ = [
    "CAPACITY_GRID_COLUMNS",
    "DEFAULT_RULES_PATH",
    "FLAG_COLUMNS",
    "MOVE_COLUMNS",
    "RISK_LEVELS",
    "RULE_LABELS",
    "RULE_ORDER",
    "SECTOR_GRID_COLUMNS",
    "UNIT_RADIUS_M",
    "CapacityMatch",
    "Rules",
    "SizeClass",
    "build_sector_grids",
    "capacity_match",
    "conservation_line",
    "flag_sector_units",
    "load_rules",
    "parse_rules",
    "risk_weights",
]

DEFAULT_RULES_PATH = DATA_DIR / "rules.toml"

#: The unit rules, in the order they are reported; the first that fires is a
#: unit's primary rule. The order follows the guideline's wording ("large,
#: high-spec or high-risk"), then the county's own list.
RULE_ORDER: tuple[str, ...] = ("large_scale", "risk_level", "major_hazard", "uscc_list")
#: The rule of a unit moved by :func:`capacity_match`.
OVER_CAPACITY = "over_capacity"
#: Chinese names of the rules, for tables and maps.
RULE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "large_scale": "大型企业",
        "risk_level": "高风险",
        "major_hazard": "重大危险源",
        "uscc_list": "指定名单",
        OVER_CAPACITY: "超出网格监管能力",
    }
)
#: The four-colour risk levels (red, orange, yellow, blue), as the ledger reader writes them.
RISK_LEVELS: tuple[str, ...] = ("重大", "较大", "一般", "低")
_GRADE_LABELS: Mapping[int, str] = MappingProxyType({1: "一级", 2: "二级", 3: "三级", 4: "四级"})
#: The size class name that says the 2017 measures do not cover a sector.
NO_SIZE_CLASS = "none"
#: Half the side of the raster cell that marks a unit in a sector grid's
#: geometry, metres. A 100 m cell is about a factory site, and is still
#: visible at the county-wide zoom of the supervision map.
UNIT_RADIUS_M = 50.0
#: Most raster cells one sector grid's geometry is built from. A department
#: with more occupied cells gets cells twice as large, as often as needed:
#: the geometry stays drawable and its cost bounded (a million units took
#: 49 s at 100 m; at most 20,000 cells take about a second).
MAX_SECTOR_CELLS = 20_000
# Loads are compared with this slack: weights may be decimals (0.1 + 0.2 ...),
# and a sum that drifts by 1e-15 must not move one more unit.
_TOLERANCE = 1e-9

FLAG_COLUMNS: tuple[str, ...] = (
    "flagged",
    "rule",
    "rules",
    "reason",
    "department",
    "department_name",
    "to_sector",
    "route_problem",
)
MOVE_COLUMNS: tuple[str, ...] = (
    "enterprise_id",
    "from_grid",
    "department",
    "risk",
    "weight",
    "rule",
    "reason",
)
CAPACITY_GRID_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "units",
    "members",
    "members_source",
    "capacity",
    "load",
    "moved_units",
    "moved_load",
    "load_after",
    "over_capacity",
    "reason",
)
SECTOR_GRID_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "kind",
    "level",
    "admin_code",
    "name",
    "sequence",
    "department",
    "load",
    "load_kind",
    "units",
    "geometry",
)


# --------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeClass:
    """The "large" thresholds of one row of the 2017 statistical size classes.

    国家统计局《统计上大中小微型企业划分办法(2017)》: "大型、中型和小型企业须同时满足所列指标的
    下限，否则下划一档", so a unit is large only when it meets every threshold given.

    Attributes
    ----------
    name : str
        Its key in the rules file, such as ``industry``.
    label : str
        The measures' name for it, such as ``工业``.
    employees : int or None
        Least 从业人员 (persons) of a large unit; ``None`` when not an indicator.
    revenue : float or None
        Least 营业收入 (万元) of a large unit; ``None`` when not an indicator.
    note : str
        Said in every reason, e.g. an indicator the ledger lacks.
    """

    name: str
    label: str
    employees: int | None
    revenue: float | None
    note: str = ""

    def describe(self) -> str:
        """Return the standard in words, for reasons.

        Examples
        --------
        >>> SizeClass("industry", "工业", 1000, 40000.0).describe()
        '工业大型标准：从业人员 ≥1000 人且营业收入 ≥40000 万元'
        """
        parts = []
        if self.employees is not None:
            parts.append(f"从业人员 ≥{self.employees} 人")
        if self.revenue is not None:
            parts.append(f"营业收入 ≥{_number_text(self.revenue)} 万元")
        text = f"{self.label}大型标准：{'且'.join(parts)}"
        return f"{text}；{self.note}" if self.note else text


# eq=False: compared by identity, like CodeScheme; it holds read-only mappings.
@dataclass(frozen=True, eq=False)
class Rules:
    """Sector rules, loaded and checked by :func:`load_rules`.

    Attributes
    ----------
    source : str
        Where they were loaded from, for messages.
    enabled : tuple of str
        The unit rules that apply, in :data:`RULE_ORDER`.
    size_classes : Mapping
        Size class name -> :class:`SizeClass`.
    sector_size_class : Mapping
        Sector (行业) -> size class name, or ``None`` where the 2017 measures
        do not cover the sector.
    default_size_class : str or None
        Size class of sectors not listed; ``None``: such units are not judged.
    risk_levels : tuple of str
        Risk levels that send a unit to its sector grid.
    major_hazard_grades : tuple of int
        Major hazard grades (1 = 一级 ... 4 = 四级) that do.
    major_hazard_unknown_grade : bool
        Whether a major hazard source of unknown grade does.
    usccs : frozenset of str
        Unified social credit codes sent to their sector grid whatever else.
    risk_weights : Mapping
        Risk level -> weight in a grid's load.
    unknown_risk_weight : float
        Weight of a unit without a (recognised) risk level.
    members_per_grid : int
        Grid members of a grid the staff roster does not cover.
    capacity_per_member : float
        Load one grid member can supervise.
    """

    source: str
    enabled: tuple[str, ...]
    size_classes: Mapping[str, SizeClass]
    sector_size_class: Mapping[str, str | None]
    default_size_class: str | None
    risk_levels: tuple[str, ...]
    major_hazard_grades: tuple[int, ...]
    major_hazard_unknown_grade: bool
    usccs: frozenset[str]
    risk_weights: Mapping[str, float]
    unknown_risk_weight: float
    members_per_grid: int
    capacity_per_member: float

    def size_class_for(self, sector: str) -> SizeClass | None:
        """Return the size class of a sector, or ``None`` when it has none."""
        name = self.sector_size_class.get(sector, self.default_size_class)
        return None if name is None else self.size_classes[name]


def load_rules(
    path: str | Path | None = None,
    *,
    departments: Mapping[int, Department] | None = None,
    departments_source: str | None = None,
) -> Rules:
    """Load and check sector rules.

    Parameters
    ----------
    path : str or Path, optional
        The rules TOML file. Default: ``data/rules.toml``.
    departments : Mapping, optional
        Department number -> :class:`~gridgis.codes.Department`; the sector
        names in the rules must be theirs. Default: the departments of the
        default code scheme (``data/departments.toml``).
    departments_source : str, optional
        Where the departments came from, for messages.

    Returns
    -------
    Rules

    Raises
    ------
    ConfigError
        If the file cannot be read, is not TOML, has an unknown key, a value of
        the wrong type or out of range, a sector that no department holds, a
        department sector without a size class, an unknown risk level or an
        invalid USCC. The message names the file, the line (when it can be
        found) and the key.

    Examples
    --------
    >>> rules = load_rules()
    >>> rules.risk_levels, rules.size_class_for("建材").employees
    (('重大', '较大'), 1000)
    """
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    toml = _TomlFile.read(path, "rules file")
    return _build_rules(toml, departments, departments_source)


def parse_rules(
    text: str,
    *,
    source: str = "<rules>",
    departments: Mapping[int, Department] | None = None,
    departments_source: str | None = None,
) -> Rules:
    """Build sector rules from TOML text, as :func:`load_rules` does from a file.

    Parameters
    ----------
    text : str
        The rules, in the format of ``docs/rules.md``.
    source : str, optional
        A name for the text in messages.
    departments : Mapping, optional
        As in :func:`load_rules`.
    departments_source : str, optional
        As in :func:`load_rules`.

    Returns
    -------
    Rules

    Raises
    ------
    ConfigError
        As :func:`load_rules`.
    """
    return _build_rules(_TomlFile(text, source), departments, departments_source)


def _build_rules(
    toml: _TomlFile,
    departments: Mapping[int, Department] | None,
    departments_source: str | None,
) -> Rules:
    if departments is None:
        scheme = default_scheme()
        departments = scheme.departments
        departments_source = departments_source or scheme.departments_source
    departments_source = departments_source or "the departments file"
    owner = _sector_owner(departments)

    data = toml.data
    toml.keys(data, (), required=(*RULE_ORDER, "capacity"))
    enabled: list[str] = []

    large = toml.table(data["large_scale"], ("large_scale",))
    toml.keys(
        large,
        ("large_scale",),
        required=("size_class", "sectors"),
        optional=("enabled", "default_size_class"),
    )
    size_classes = _read_size_classes(toml, large)
    sector_size_class, default_size_class = _read_sector_classes(
        toml, large, size_classes, owner, departments_source
    )
    if _boolean(toml, large.get("enabled", True), ("large_scale", "enabled")):
        enabled.append("large_scale")

    risk = toml.table(data["risk_level"], ("risk_level",))
    toml.keys(risk, ("risk_level",), required=("levels",), optional=("enabled",))
    levels = _strings(toml, risk["levels"], ("risk_level", "levels"))
    for index, level in enumerate(levels):
        if level not in RISK_LEVELS:
            raise toml.error(
                ("risk_level", "levels", index),
                f"unknown risk level {level!r}; use {', '.join(RISK_LEVELS)}",
            )
    if _boolean(toml, risk.get("enabled", True), ("risk_level", "enabled")):
        enabled.append("risk_level")

    hazard = toml.table(data["major_hazard"], ("major_hazard",))
    toml.keys(
        hazard, ("major_hazard",), required=("grades",), optional=("enabled", "unknown_grade")
    )
    grades_value = hazard["grades"]
    if not isinstance(grades_value, list):
        raise toml.error(
            ("major_hazard", "grades"),
            f"must be an array of integers, not {_toml_type(grades_value)}",
        )
    grades: list[int] = []
    for index, grade_value in enumerate(grades_value):
        grade = toml.integer(grade_value, ("major_hazard", "grades", index), minimum=1)
        if grade > 4:
            raise toml.error(
                ("major_hazard", "grades", index),
                f"major hazard grades run from 1 (一级) to 4 (四级), not {grade}",
            )
        if grade in grades:
            raise toml.error(("major_hazard", "grades", index), f"grade {grade} appears twice")
        grades.append(grade)
    unknown_grade = _boolean(
        toml, hazard.get("unknown_grade", True), ("major_hazard", "unknown_grade")
    )
    if _boolean(toml, hazard.get("enabled", True), ("major_hazard", "enabled")):
        enabled.append("major_hazard")

    listed = toml.table(data["uscc_list"], ("uscc_list",))
    toml.keys(listed, ("uscc_list",), required=("codes",), optional=("enabled",))
    codes: set[str] = set()
    for index, code in enumerate(_strings(toml, listed["codes"], ("uscc_list", "codes"))):
        compact = _compact_uscc(code)
        if not stdnum_uscc.is_valid(compact):
            raise toml.error(
                ("uscc_list", "codes", index),
                f"{code!r} is not a valid unified social credit code (GB 32100: 18 characters, "
                "last one a check character)",
            )
        codes.add(compact)
    if _boolean(toml, listed.get("enabled", True), ("uscc_list", "enabled")):
        enabled.append("uscc_list")

    capacity = toml.table(data["capacity"], ("capacity",))
    toml.keys(
        capacity,
        ("capacity",),
        required=("risk_weights", "unknown_risk_weight", "members_per_grid", "capacity_per_member"),
    )
    weights_table = toml.table(capacity["risk_weights"], ("capacity", "risk_weights"))
    toml.keys(weights_table, ("capacity", "risk_weights"), required=RISK_LEVELS)
    weights = {
        level: _positive(toml, weights_table[level], ("capacity", "risk_weights", level))
        for level in RISK_LEVELS
    }
    rules = Rules(
        source=toml.source,
        enabled=tuple(enabled),
        size_classes=MappingProxyType(size_classes),
        sector_size_class=MappingProxyType(sector_size_class),
        default_size_class=default_size_class,
        risk_levels=tuple(levels),
        major_hazard_grades=tuple(sorted(grades)),
        major_hazard_unknown_grade=unknown_grade,
        usccs=frozenset(codes),
        risk_weights=MappingProxyType(weights),
        unknown_risk_weight=_positive(
            toml, capacity["unknown_risk_weight"], ("capacity", "unknown_risk_weight")
        ),
        members_per_grid=toml.integer(
            capacity["members_per_grid"], ("capacity", "members_per_grid"), minimum=1
        ),
        capacity_per_member=_positive(
            toml, capacity["capacity_per_member"], ("capacity", "capacity_per_member")
        ),
    )
    logger.debug("rules %s: %s enabled", toml.source, ", ".join(rules.enabled) or "none")
    return rules


def _read_size_classes(toml: _TomlFile, large: Mapping[str, Any]) -> dict[str, SizeClass]:
    path: _KeyPath = ("large_scale", "size_class")
    table = toml.table(large["size_class"], path)
    classes: dict[str, SizeClass] = {}
    for name, entry_value in table.items():
        entry_path: _KeyPath = (*path, name)
        if name == NO_SIZE_CLASS:
            raise toml.error(
                entry_path, f"{NO_SIZE_CLASS!r} is reserved for sectors without a size class"
            )
        entry = toml.table(entry_value, entry_path)
        toml.keys(entry, entry_path, required=("label",), optional=("employees", "revenue", "note"))
        employees = (
            toml.integer(entry["employees"], (*entry_path, "employees"), minimum=1)
            if "employees" in entry
            else None
        )
        revenue = (
            _positive(toml, entry["revenue"], (*entry_path, "revenue"))
            if "revenue" in entry
            else None
        )
        if employees is None and revenue is None:
            raise toml.error(entry_path, "needs employees, revenue or both")
        classes[name] = SizeClass(
            name=name,
            label=toml.string(entry["label"], (*entry_path, "label")),
            employees=employees,
            revenue=revenue,
            note=toml.string(entry.get("note", ""), (*entry_path, "note"), allow_empty=True),
        )
    if not classes:
        raise toml.error(path, "defines no size class")
    return classes


def _read_sector_classes(
    toml: _TomlFile,
    large: Mapping[str, Any],
    size_classes: Mapping[str, SizeClass],
    owner: Mapping[str, int],
    departments_source: str,
) -> tuple[dict[str, str | None], str | None]:
    known = f"use one of {', '.join([*size_classes, NO_SIZE_CLASS])}"
    default: str | None = None
    if "default_size_class" in large:
        path: _KeyPath = ("large_scale", "default_size_class")
        default_name = toml.string(large["default_size_class"], path)
        if default_name != NO_SIZE_CLASS and default_name not in size_classes:
            raise toml.error(path, f"unknown size class {default_name!r}; {known}")
        default = None if default_name == NO_SIZE_CLASS else default_name

    sectors_path: _KeyPath = ("large_scale", "sectors")
    table = toml.table(large["sectors"], sectors_path)
    sector_classes: dict[str, str | None] = {}
    for sector, value in table.items():
        path = (*sectors_path, sector)
        if sector not in owner:
            raise toml.error(
                path,
                f"unknown sector {sector!r}: no department in {departments_source} holds it "
                f"(sectors there: {', '.join(owner)})",
            )
        name = toml.string(value, path)
        if name != NO_SIZE_CLASS and name not in size_classes:
            raise toml.error(path, f"unknown size class {name!r}; {known}")
        sector_classes[sector] = None if name == NO_SIZE_CLASS else name
    if "default_size_class" not in large:
        missing = [sector for sector in owner if sector not in sector_classes]
        if missing:
            raise toml.error(
                sectors_path,
                f"no size class for sector(s) {', '.join(missing)} of {departments_source}; "
                f'add them (e.g. "{missing[0]}" = "industry", or "{NO_SIZE_CLASS}") '
                "or set large_scale.default_size_class",
            )
    return sector_classes, default


def _boolean(toml: _TomlFile, value: Any, path: _KeyPath) -> bool:
    if not isinstance(value, bool):
        raise toml.error(path, f"must be true or false, not {_toml_type(value)}")
    return value


def _positive(toml: _TomlFile, value: Any, path: _KeyPath) -> float:
    # bool is an int in Python but not in TOML: refuse "revenue = true".
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise toml.error(path, f"must be a number, not {_toml_type(value)}")
    if not math.isfinite(value) or value <= 0:
        raise toml.error(path, f"must be a positive number, not {value}")
    return float(value)


def _strings(toml: _TomlFile, value: Any, path: _KeyPath) -> list[str]:
    if not isinstance(value, list):
        raise toml.error(path, f"must be an array of strings, not {_toml_type(value)}")
    texts = [toml.string(item, (*path, index)) for index, item in enumerate(value)]
    for index, text in enumerate(texts):
        if text in texts[:index]:
            raise toml.error((*path, index), f"{text!r} appears twice")
    return texts


def _compact_uscc(code: str) -> str:
    # As the ledger reader normalises: upper case, no spaces.
    return "".join(code.split()).upper()


def _sector_owner(departments: Mapping[int, Department]) -> dict[str, int]:
    return {sector: number for number, dept in departments.items() for sector in dept.sectors}


# --------------------------------------------------------------------------
# Unit rules
# --------------------------------------------------------------------------


def flag_sector_units(
    enterprises: pd.DataFrame,
    rules: Rules,
    departments: Mapping[int, Department],
) -> pd.DataFrame:
    """Apply the unit rules: which enterprises belong in a sector grid, and why.

    Parameters
    ----------
    enterprises : DataFrame
        Ledger rows as :func:`gridgis.io.ledger.read_ledger` gives them. Used:
        ``sector``; ``employees`` and ``revenue`` (large_scale); ``risk``
        (risk_level); ``major_hazard`` and ``major_hazard_grade``
        (major_hazard); ``uscc`` (uscc_list). Only the columns of enabled rules
        are required.
    rules : Rules
        From :func:`load_rules`.
    departments : Mapping
        Department number -> :class:`~gridgis.codes.Department`, for example
        ``default_scheme().departments``.

    Returns
    -------
    DataFrame
        Same index as ``enterprises``, columns :data:`FLAG_COLUMNS`:

        - ``flagged`` (bool): at least one rule fired;
        - ``rule`` (str): the primary rule, the first that fired in
          :data:`RULE_ORDER`; missing when none fired;
        - ``rules`` (str): every rule that fired, comma-separated, in
          :data:`RULE_ORDER`;
        - ``reason`` (str): one Chinese reason per rule fired, with the values
          that fired it, joined by "；";
        - ``department`` (Int64) and ``department_name`` (str): the department
          responsible for the unit's sector, for every unit whose sector a
          department holds, flagged or not (capacity matching needs it);
        - ``to_sector`` (bool): flagged and a department holds its sector, so
          it goes to that department's county-level sector grid;
        - ``route_problem`` (str): for a flagged unit that cannot go, why; it
          stays in its territorial grid.

    Raises
    ------
    InputDataError
        If a column an enabled rule needs is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from gridgis.codes import default_scheme
    >>> units = pd.DataFrame({
    ...     "sector": ["建材", "商贸"], "employees": [1200, 5], "revenue": [52000.0, 30.0],
    ...     "risk": ["一般", "较大"], "major_hazard": [False, False],
    ...     "major_hazard_grade": [0, 0], "uscc": [None, None]})
    >>> flags = flag_sector_units(units, load_rules(), default_scheme().departments)
    >>> flags["rule"].tolist(), flags["department"].tolist()
    (['large_scale', 'risk_level'], [1, 1])
    >>> flags["reason"].iat[1]
    '较大风险（风险等级：较大）'
    """
    _require(enterprises, ("sector", *_needed_columns(rules)), "flag sector units")
    index = enterprises.index
    sector = _clean_text(enterprises["sector"])
    sector_codes, sectors = pd.factorize(sector)
    owner = _sector_owner(departments)
    number_of = [owner.get(name) for name in sectors]
    numbers = _by_code(sector_codes, [np.nan if n is None else n for n in number_of], np.nan)
    department = pd.Series(pd.array(numbers, dtype="Int64"), index=index)
    known = ~np.isnan(numbers)
    names = [None if n is None else departments[n].name for n in number_of]
    department_name = pd.array(_by_code(sector_codes, names, None), dtype="str")

    fired: dict[str, tuple[pd.Series, pd.Series]] = {}
    if "large_scale" in rules.enabled:
        fired["large_scale"] = _large_scale(enterprises, sector_codes, sectors, rules)
    if "risk_level" in rules.enabled:
        fired["risk_level"] = _risk_level(enterprises, rules)
    if "major_hazard" in rules.enabled:
        fired["major_hazard"] = _major_hazard(enterprises, rules)
    if "uscc_list" in rules.enabled:
        fired["uscc_list"] = _uscc_list(enterprises, rules)

    flagged = np.zeros(len(index), dtype=bool)
    for mask, _ in fired.values():
        flagged |= mask.to_numpy(dtype=bool)
    # Rule names and reasons are text: built for the flagged rows only.
    rows = np.flatnonzero(flagged)
    rule_names = np.full(len(rows), "", dtype=object)
    reasons = np.full(len(rows), "", dtype=object)
    primary = np.full(len(rows), None, dtype=object)
    for name in RULE_ORDER:
        if name not in fired:
            continue
        mask = fired[name][0].to_numpy(dtype=bool)[rows]
        reason = fired[name][1].to_numpy(dtype=object)[rows]
        first = mask & (primary == None)  # noqa: E711 (elementwise)
        later = mask & ~first
        primary[first] = name
        rule_names[first] = name
        rule_names[later] = rule_names[later] + ("," + name)
        reasons[first] = reason[first]
        reasons[later] = reasons[later] + "；" + reason[later]
    to_sector = flagged & known

    problem = np.full(len(index), None, dtype=object)
    no_sector = flagged & sector.isna().to_numpy()
    problem[no_sector] = "行业缺失，无法确定责任部门，留在属地网格"
    unknown = flagged & sector.notna().to_numpy() & ~known
    problem[unknown] = (
        "行业「"
        + sector.to_numpy(dtype=object)[unknown]
        + "」不在部门配置（departments.toml）中，无法确定责任部门，留在属地网格"
    )
    if int(no_sector.sum() + unknown.sum()):
        logger.warning(
            "%d flagged unit(s) have no department for their sector and stay territorial",
            int(no_sector.sum() + unknown.sum()),
        )
    return pd.DataFrame(
        {
            "flagged": flagged,
            "rule": _spread(primary, rows, len(index)),
            "rules": _spread(rule_names, rows, len(index)),
            "reason": _spread(reasons, rows, len(index)),
            "department": department,
            "department_name": department_name,
            "to_sector": to_sector,
            "route_problem": pd.array(problem, dtype="str"),
        },
        index=index,
    )


def _by_code(codes: np.ndarray, per_value: list[Any], missing: Any) -> np.ndarray:
    """Give each row the result of its distinct value, by ``pd.factorize`` code.

    Rules look a value up once per distinct value (a county has a few dozen
    sectors and four risk levels, over millions of rows); code -1, a missing
    value, gets ``missing``.
    """
    return np.array([*per_value, missing])[codes]


def _spread(values: np.ndarray, rows: np.ndarray, length: int) -> Any:
    """Text for the given rows, missing elsewhere."""
    full = np.full(length, None, dtype=object)
    full[rows] = values
    return pd.array(full, dtype="str")


def _needed_columns(rules: Rules) -> list[str]:
    columns = {
        "large_scale": ("employees", "revenue"),
        "risk_level": ("risk",),
        "major_hazard": ("major_hazard", "major_hazard_grade"),
        "uscc_list": ("uscc",),
    }
    return [column for name in rules.enabled for column in columns[name]]


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in dict.fromkeys(columns) if column not in frame.columns]
    if missing:
        raise InputDataError(
            f"cannot {what}: missing column(s) {', '.join(missing)} "
            f"(have: {', '.join(map(str, frame.columns))})"
        )


def _clean_text(values: pd.Series) -> pd.Series:
    """Return the values as stripped text; empty text becomes missing."""
    text = values.astype("str").str.strip()
    return text.where(text != "")


def _large_scale(
    enterprises: pd.DataFrame, sector_codes: np.ndarray, sectors: Any, rules: Rules
) -> tuple[pd.Series, pd.Series]:
    """Flag large units; ``sector_codes`` and ``sectors`` are the sectors, factorised."""
    index = enterprises.index
    employees = pd.to_numeric(enterprises["employees"], errors="coerce").astype("float64")
    revenue = pd.to_numeric(enterprises["revenue"], errors="coerce").astype("float64")
    # Each distinct sector's size class, then each row's, by number.
    class_numbers = {name: number for number, name in enumerate(rules.size_classes)}
    listed = dict(rules.sector_size_class)
    per_sector = [
        class_numbers.get(listed.get(name, rules.default_size_class), -1) for name in sectors
    ]
    row_class = _by_code(sector_codes, per_sector, -1)
    mask = pd.Series(False, index=index)
    reason = pd.Series(None, index=index, dtype=object)
    # One pass per size class (about ten), each vectorised over its rows.
    for number, size_class in enumerate(rules.size_classes.values()):
        large = row_class == number
        # A missing value compares False: a unit is large only on evidence.
        if size_class.employees is not None:
            large &= (employees >= size_class.employees).to_numpy()
        if size_class.revenue is not None:
            large &= (revenue >= size_class.revenue).to_numpy()
        if not large.any():
            continue
        parts = []
        if size_class.employees is not None:
            parts.append("员工 " + _numbers_text(employees[large]) + " 人")
        if size_class.revenue is not None:
            parts.append("营业收入 " + _numbers_text(revenue[large]) + " 万元")
        values = parts[0] if len(parts) == 1 else parts[0] + "，" + parts[1]
        mask[large] = True
        reason[large] = "大型企业：" + values + f"（{size_class.describe()}）"
    return mask, reason


def _risk_level(enterprises: pd.DataFrame, rules: Rules) -> tuple[pd.Series, pd.Series]:
    risk = _clean_text(enterprises["risk"])
    mask = risk.isin(rules.risk_levels).to_numpy(dtype=bool)
    level = risk[mask].to_numpy(dtype=object)
    reason = np.full(len(mask), None, dtype=object)
    reason[mask] = level + "风险（风险等级：" + level + "）"
    return pd.Series(mask, index=enterprises.index), pd.Series(reason, index=enterprises.index)


def _major_hazard(enterprises: pd.DataFrame, rules: Rules) -> tuple[pd.Series, pd.Series]:
    grade = pd.to_numeric(enterprises["major_hazard_grade"], errors="coerce")
    present = enterprises["major_hazard"].astype("boolean").fillna(False).astype(bool)
    graded = grade.isin(rules.major_hazard_grades).to_numpy(dtype=bool)
    # A grade 1-4 counts as a major hazard even where the yes/no column is blank.
    mask = graded.copy()
    if rules.major_hazard_unknown_grade:
        mask |= present.to_numpy(dtype=bool) & grade.isna().to_numpy()
    labels = np.full(int(mask.sum()), "等级未知", dtype=object)
    known = graded[mask]
    labels[known] = grade[mask][known].map(_GRADE_LABELS).to_numpy(dtype=object)
    reason = np.full(len(mask), None, dtype=object)
    reason[mask] = "重大危险源（" + labels + "）"
    return pd.Series(mask, index=enterprises.index), pd.Series(reason, index=enterprises.index)


def _uscc_list(enterprises: pd.DataFrame, rules: Rules) -> tuple[pd.Series, pd.Series]:
    if not rules.usccs:
        return pd.Series(False, index=enterprises.index), pd.Series(
            None, index=enterprises.index, dtype=object
        )
    # As the ledger reader normalises: upper case, no spaces (in Arrow's C
    # kernels; a Python regex per row costs a second a million rows).
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(enterprises["uscc"].astype("str").to_numpy(dtype=object, na_value=None),
                    type=pa.string())
    normalised = pc.utf8_upper(pc.replace_substring_regex(text, r"\s+", ""))
    codes = pd.Series(normalised.to_numpy(zero_copy_only=False), index=enterprises.index,
                      dtype="str")
    codes = codes.where(codes != "")
    mask = codes.isin(rules.usccs).astype(bool)
    reason = ("列入指定名单（统一社会信用代码 " + codes.where(mask) + "）").where(mask)
    return mask, reason


def _numbers_text(values: pd.Series) -> pd.Series:
    """:func:`_number_text` for a column, formatting each distinct value once."""
    distinct = pd.unique(values.to_numpy(dtype="float64", na_value=np.nan))
    texts = {value: _number_text(value) for value in distinct if value == value}
    return values.map(texts).fillna("未知").astype(object)


def _number_text(value: Any) -> str:
    """Write a number as people do: no trailing zeros, at most two decimals."""
    if value is None or pd.isna(value):
        return "未知"
    return str(np.format_float_positional(float(value), precision=2, trim="-"))


# --------------------------------------------------------------------------
# Capacity matching
# --------------------------------------------------------------------------


def risk_weights(risk: pd.Series, rules: Rules) -> pd.Series:
    """Return each unit's weight in a grid's load.

    Parameters
    ----------
    risk : Series
        Risk levels (重大/较大/一般/低); anything else or missing gets
        ``rules.unknown_risk_weight``.
    rules : Rules
        From :func:`load_rules`.

    Returns
    -------
    Series of float64
        Same index as ``risk``.

    Examples
    --------
    >>> import pandas as pd
    >>> risk_weights(pd.Series(["重大", "低", None]), load_rules()).tolist()
    [8.0, 1.0, 2.0]
    """
    codes, levels = pd.factorize(risk)
    named = dict(rules.risk_weights)
    per_level = [
        float(named.get(str(level).strip(), rules.unknown_risk_weight)) for level in levels
    ]
    weights = _by_code(codes, per_level, float(rules.unknown_risk_weight))
    return pd.Series(weights, index=risk.index, dtype="float64")


@dataclass(frozen=True)
class CapacityMatch:
    """What :func:`capacity_match` did.

    Attributes
    ----------
    moves : DataFrame
        One row per unit moved to its sector grid (:data:`MOVE_COLUMNS`):
        ``enterprise_id``, ``from_grid``, ``department``, ``risk``,
        ``weight``, ``rule`` (``over_capacity``) and ``reason``.
    grids : DataFrame
        One row per territorial grid (:data:`CAPACITY_GRID_COLUMNS`):
        ``units``, ``members``, ``members_source`` (``roster`` or
        ``default``), ``capacity``, ``load``, ``moved_units``, ``moved_load``,
        ``load_after``, ``over_capacity`` (still over after the moves) and a
        ``reason`` for grids still over capacity.
    """

    moves: pd.DataFrame
    grids: pd.DataFrame


def capacity_match(
    placed: pd.DataFrame,
    grid_members: Mapping[str, float] | None,
    rules: Rules,
) -> CapacityMatch:
    """Move the highest-risk units of over-capacity grids to their sector grids.

    A grid's load is the sum of its units' risk weights; its capacity is its
    number of grid members times ``rules.capacity_per_member``. In a grid whose
    load exceeds its capacity, units are taken by weight (highest first), then
    employees (most first), then ``enterprise_id``, and moved until the load
    fits. Only units whose sector a department holds can move; if they run out,
    the grid stays over capacity and is reported so.

    Parameters
    ----------
    placed : DataFrame
        The units in territorial grids, after :func:`flag_sector_units` has
        sent flagged units away: ``enterprise_id``, ``grid_code``, ``risk``,
        ``department`` (missing: cannot move) and optionally ``employees``.
    grid_members : Mapping, optional
        Grid code -> number of grid members (网格员) from the staff roster,
        as :func:`gridgis.staff.members_per_grid` counts them: a float, since
        a village's members are shared by its grids (2 members over 3 grids
        give 0.67 each). Any positive count is used as it is
        (``members_source`` "roster"). A grid not in it, or listed with 0,
        gets ``rules.members_per_grid`` ("default"): every grid has a member,
        so a missing count is a gap in the roster, not a grid nobody
        supervises.
    rules : Rules
        From :func:`load_rules`.

    Returns
    -------
    CapacityMatch

    Raises
    ------
    InputDataError
        If a column is missing or an ``enterprise_id`` appears twice.

    Examples
    --------
    >>> import pandas as pd
    >>> placed = pd.DataFrame({"enterprise_id": [1, 2, 3], "grid_code": ["G"] * 3,
    ...                        "risk": ["重大", "较大", "低"], "department": [1, 1, 1]})
    >>> result = capacity_match(placed, {"G": 1}, load_rules())  # load 13
    >>> result.grids["capacity"].tolist()
    [30.0]
    >>> len(capacity_match(placed.assign(grid_code="H"), {"H": 0}, load_rules()).moves)
    0
    >>> shared = capacity_match(placed, {"G": 0.4}, load_rules())  # capacity 12 < 13
    >>> shared.grids[["members", "members_source", "capacity"]].values.tolist()
    [[0.4, 'roster', 12.0]]
    >>> shared.moves["risk"].tolist()
    ['重大']
    """
    _require(placed, ("enterprise_id", "grid_code", "risk", "department"), "match capacity")
    ids = placed["enterprise_id"]
    if ids.duplicated().any():
        duplicates = ids[ids.duplicated()]
        raise InputDataError(
            f"cannot match capacity: enterprise_id appears twice: "
            f"{', '.join(map(str, duplicates.head(5)))}"
        )
    if placed["grid_code"].isna().any():
        raise InputDataError(
            "cannot match capacity: units without a grid_code are not placed; leave them out"
        )
    # Plain arrays, one number per unit: a county-wide ledger of ten million
    # units must fit, so grid codes become integer keys and text stays out.
    key, codes = _grid_keys(placed["grid_code"])
    weight = risk_weights(placed["risk"], rules).to_numpy(dtype="float64")
    department = pd.to_numeric(placed["department"], errors="coerce").to_numpy(dtype="float64")
    employees = (
        pd.to_numeric(placed["employees"], errors="coerce").to_numpy(dtype="float64")
        if "employees" in placed.columns
        else np.full(len(placed), np.nan)
    )
    grids = _grid_capacity(key, weight, codes, grid_members, rules)
    excess = np.zeros(len(codes))
    excess[codes.get_indexer(grids.index)] = (grids["load"] - grids["capacity"]).clip(lower=0)

    # Movable units, highest weight first; the tie-breaks make the order total,
    # so the same input always moves the same units.
    movable = np.flatnonzero(~np.isnan(department))
    order = np.lexsort(
        (
            _rank(ids.iloc[movable]),
            -np.nan_to_num(employees[movable], nan=-1.0),
            -weight[movable],
            key[movable],
        )
    )
    movable = movable[order]
    # Move a unit while the weight moved before it has not yet cleared the
    # excess: the shortest run of highest-weight units that makes the grid fit.
    moved_weight = weight[movable]
    moved_before = (
        pd.Series(moved_weight).groupby(key[movable], sort=False).cumsum().to_numpy()
        - moved_weight
    )
    chosen = movable[moved_before < excess[key[movable]] - _TOLERANCE]
    moves = pd.DataFrame(
        {
            "enterprise_id": ids.iloc[chosen].to_numpy(),
            "grid_code": codes[key[chosen]].astype("str"),
            "department": pd.array(department[chosen]).astype("Int64"),
            "risk": _clean_text(placed["risk"].iloc[chosen]).to_numpy(),
            "weight": weight[chosen],
        }
    )

    moved = moves.groupby("grid_code")["weight"].agg(["size", "sum"])
    grids["moved_units"] = moved["size"].reindex(grids.index, fill_value=0).astype("int64")
    grids["moved_load"] = moved["sum"].reindex(grids.index, fill_value=0.0).astype("float64")
    grids["load_after"] = grids["load"] - grids["moved_load"]
    grids["over_capacity"] = grids["load_after"] > grids["capacity"] + _TOLERANCE
    over = grids["over_capacity"]
    grids["reason"] = pd.Series(None, index=grids.index, dtype=object)
    if over.any():
        grids.loc[over, "reason"] = (
            "仍超出监管能力：负荷 "
            + grids.loc[over, "load_after"].map(_number_text)
            + " > 能力 "
            + grids.loc[over, "capacity"].map(_number_text)
            + "；其余单位的行业无责任部门，无法转入行业专属网格"
        )
        logger.warning(
            "%d grid(s) stay over capacity: their other units have no department", int(over.sum())
        )

    reason = _move_reasons(moves, grids, rules)
    moves_frame = pd.DataFrame(
        {
            "enterprise_id": moves["enterprise_id"].to_numpy(),
            "from_grid": moves["grid_code"].astype("str").to_numpy(),
            "department": pd.array(moves["department"], dtype="Int64"),
            "risk": moves["risk"].astype("str").to_numpy(),
            "weight": moves["weight"].astype("float64").to_numpy(),
            "rule": OVER_CAPACITY,
            "reason": pd.array(reason, dtype="str"),
        },
        columns=list(MOVE_COLUMNS),
    ).astype({"rule": "str"})
    grids = grids.reset_index()
    grids["reason"] = grids["reason"].astype("str")
    return CapacityMatch(moves=moves_frame, grids=grids[list(CAPACITY_GRID_COLUMNS)])


def _grid_keys(grid_code: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Give each unit its grid as an integer key; return the keys and the codes.

    A categorical column (as ``gridgis assign`` passes) keeps its codes, so
    no text is made per unit.
    """
    if isinstance(grid_code.dtype, pd.CategoricalDtype):
        # Renumber the categories in code order, so units sort as their codes do.
        categories = pd.Index(grid_code.cat.categories.astype("str"))
        order = np.argsort(categories.to_numpy(dtype=object), kind="stable")
        rank = np.empty(len(order), dtype="int64")
        rank[order] = np.arange(len(order))
        return rank[grid_code.cat.codes.to_numpy(dtype="int64")], categories[order]
    key, codes = pd.factorize(grid_code.astype("str"), sort=True)
    return key.astype("int64"), pd.Index(codes)


def _rank(values: pd.Series) -> np.ndarray:
    """Order keys as numbers: the values themselves, or their rank if text."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy()
    return pd.factorize(values.astype("str"), sort=True)[0]


def _move_reasons(moves: pd.DataFrame, grids: pd.DataFrame, rules: Rules) -> list[str]:
    """Say why each unit moved: its grid's load and capacity, its own risk."""
    if moves.empty:
        return []
    grid_of = grids.loc[moves["grid_code"]]
    risk_text = moves["risk"].where(moves["risk"].notna(), "未评定").astype(object)
    reason = (
        "网格超出监管能力：负荷 "
        + _numbers_text(grid_of["load"]).to_numpy()
        + " > 能力 "
        + _numbers_text(grid_of["capacity"]).to_numpy()
        + "（"
        + _numbers_text(grid_of["members"]).to_numpy()
        + " 名网格员 × "
        + _number_text(rules.capacity_per_member)
        + "）；按风险从高到低转出，本单位风险等级 "
        + risk_text.to_numpy()
        + "（权重 "
        + _numbers_text(moves["weight"]).to_numpy()
        + "）"
    )
    return list(reason)


def _grid_capacity(
    key: np.ndarray,
    weight: np.ndarray,
    codes: pd.Index,
    grid_members: Mapping[str, float] | None,
    rules: Rules,
) -> pd.DataFrame:
    """Per grid holding units: units, members (roster or default), capacity and load."""
    units = np.bincount(key, minlength=len(codes))
    load = np.bincount(key, weights=weight, minlength=len(codes))
    present = units > 0
    grids = pd.DataFrame(
        {"units": units[present].astype("int64"), "load": load[present].astype("float64")},
        index=pd.Index(codes[present], name="grid_code"),
    ).sort_index()
    roster = pd.Series(dict(grid_members or {}), dtype="float64")
    members = pd.to_numeric(roster.reindex(grids.index), errors="coerce")
    # Any positive count is the roster's: a village's members are shared by
    # its grids (gridgis.staff.members_per_grid), so a grid may have 0.67.
    from_roster = members.notna() & (members > 0)
    grids["members"] = members.where(from_roster, rules.members_per_grid).astype("float64")
    grids["members_source"] = np.where(from_roster, "roster", "default")
    grids["capacity"] = grids["members"] * rules.capacity_per_member
    return grids[["units", "members", "members_source", "capacity", "load"]]


# --------------------------------------------------------------------------
# Sector grids
# --------------------------------------------------------------------------


def build_sector_grids(
    units: pd.DataFrame,
    county_code: str,
    departments: Mapping[int, Department],
    existing_sector_grids: gpd.GeoDataFrame | None = None,
    registry_sequences: Mapping[int, Iterable[int]] | None = None,
    scheme: CodeScheme | None = None,
    *,
    rules: Rules | None = None,
    radius_m: float = UNIT_RADIUS_M,
) -> gpd.GeoDataFrame:
    """Create or update the county-level sector grids of the departments with units.

    Each department with units gets one county-level sector grid, coded
    ``GridCode.sector(county, department, sequence)`` (township part 000). A
    department that already has a county-level sector grid in the county keeps
    its code; only its geometry, load and unit count change. Otherwise the
    grid takes the smallest sequence the department never used in the county
    (codes are never reused).

    The grid's jurisdiction is the whole county. Its geometry only marks where
    its units are: the union of the raster cells (``2 * radius_m`` metres
    square, aligned in the county's 3-degree Gauss-Krueger zone) that hold
    them, stored in CGCS2000
    as a MultiPolygon, so the grids layer stays polygonal. Units without
    coordinates count in the load but draw nothing; a grid none of whose units
    has coordinates has an empty geometry.

    Parameters
    ----------
    units : DataFrame
        The units sent to sector grids: ``enterprise_id``, ``department``,
        ``lon`` and ``lat`` (CGCS2000 degrees), and ``weight`` or ``risk``
        for the load.
    county_code : str
        The county (6 digits in the default scheme).
    departments : Mapping
        Department number -> :class:`~gridgis.codes.Department`, for names.
    existing_sector_grids : GeoDataFrame, optional
        The project's current sector grids (``grid_code`` at least).
    registry_sequences : Mapping, optional
        Department number -> every sequence ever issued to its county-level
        sector grids in this county (from the code registry), retired included.
    scheme : CodeScheme, optional
        Default: :func:`~gridgis.codes.default_scheme`.
    rules : Rules, optional
        For risk weights when ``units`` has no ``weight`` column. Default:
        :func:`load_rules`.
    radius_m : float, optional
        Radius of each unit's circle, metres. Default :data:`UNIT_RADIUS_M`.

    Returns
    -------
    GeoDataFrame
        EPSG:4490, one row per department with units, ordered by code, columns
        :data:`SECTOR_GRID_COLUMNS`: ``kind`` "sector", ``level`` "county",
        ``admin_code`` the county, ``name`` such as "县应急管理局行业专属网格",
        ``load`` (sum of risk weights), ``load_kind`` "risk_weight", ``units``.

    Raises
    ------
    InputDataError
        If a column is missing or a unit has no or an unknown department.
    CodeError
        If the county is unknown or a department has no sequence left.

    Examples
    --------
    >>> import pandas as pd
    >>> from gridgis.codes import default_scheme
    >>> units = pd.DataFrame({"enterprise_id": [1, 2], "department": [1, 1],
    ...                       "lon": [106.30, 106.31], "lat": [38.60, 38.61],
    ...                       "risk": ["重大", "较大"]})
    >>> grids = build_sector_grids(units, "640122", default_scheme().departments)
    >>> grids[["grid_code", "name", "load", "units"]].values.tolist()
    [['640122000901001X', '县应急管理局行业专属网格', 12.0, 2]]
    """
    scheme = scheme or default_scheme()
    _require(units, ("enterprise_id", "department", "lon", "lat"), "build sector grids")
    scheme.county_name(county_code)  # raises CodeError for an unknown county
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be a positive number, not {radius_m!r}")
    department = pd.to_numeric(units["department"], errors="coerce").astype("Int64")
    bad = department.isna() | ~department.isin(list(departments))
    if bad.any():
        shown = units.loc[bad, "enterprise_id"].head(5).tolist()
        raise InputDataError(
            f"cannot build sector grids: {int(bad.sum())} unit(s) have no or an unknown "
            f"department (enterprise_id {', '.join(map(str, shown))})"
        )
    if "weight" in units.columns:
        weight = pd.to_numeric(units["weight"], errors="coerce").astype("float64")
    elif "risk" in units.columns:
        weight = risk_weights(units["risk"], rules or load_rules())
    else:
        raise InputDataError("cannot build sector grids: units need a weight or a risk column")

    frame = pd.DataFrame(
        {
            "department": department.astype("int64").to_numpy(),
            "weight": weight.to_numpy(),
            "lon": pd.to_numeric(units["lon"], errors="coerce").to_numpy(dtype=float),
            "lat": pd.to_numeric(units["lat"], errors="coerce").to_numpy(dtype=float),
        }
    )
    summary = frame.groupby("department", sort=True).agg(
        load=("weight", "sum"), units=("weight", "size")
    )
    codes = _sector_codes(
        list(summary.index), county_code, existing_sector_grids, registry_sequences, scheme
    )
    geometry = _unit_cells(frame, list(summary.index), radius_m)
    grids = gpd.GeoDataFrame(
        {
            "grid_code": pd.array([codes[n].format() for n in summary.index], dtype="str"),
            "kind": "sector",
            "level": "county",
            "admin_code": county_code,
            "name": pd.array(
                [f"{departments[n].name}行业专属网格" for n in summary.index], dtype="str"
            ),
            "sequence": np.array([codes[n].sequence for n in summary.index], dtype="int64"),
            "department": summary.index.to_numpy(dtype="int64"),
            "load": summary["load"].to_numpy(dtype="float64"),
            "load_kind": "risk_weight",
            "units": summary["units"].to_numpy(dtype="int64"),
        },
        geometry=gpd.GeoSeries(geometry, crs=CGCS2000).to_numpy(),
        crs=CGCS2000,
    )
    return grids.sort_values("grid_code").reset_index(drop=True)[list(SECTOR_GRID_COLUMNS)]


def _sector_codes(
    numbers: list[int],
    county_code: str,
    existing: gpd.GeoDataFrame | None,
    registry_sequences: Mapping[int, Iterable[int]] | None,
    scheme: CodeScheme,
) -> dict[int, GridCode]:
    """Keep each department's county-level sector grid code, or issue a fresh one."""
    current: dict[int, list[GridCode]] = {}
    if existing is not None and len(existing):
        if "grid_code" not in existing.columns:
            raise InputDataError("existing sector grids have no grid_code column")
        for text in existing["grid_code"].dropna().astype(str):
            code = GridCode.parse(text, scheme)
            if code.kind == "sector" and code.level == "county" and code.county == county_code:
                current.setdefault(int(code.department or 0), []).append(code)
    codes: dict[int, GridCode] = {}
    for number in numbers:
        mine = sorted(current.get(number, []), key=lambda code: code.sequence)
        if mine:
            if len(mine) > 1:
                logger.warning(
                    "department %d has %d county-level sector grids (%s); keeping %s",
                    number,
                    len(mine),
                    ", ".join(map(str, mine)),
                    mine[0],
                )
            codes[number] = mine[0]
            continue
        used = {int(value) for value in (registry_sequences or {}).get(number, ())}
        used |= {code.sequence for code in current.get(number, [])}
        try:
            (sequence,) = next_sequences(used, 1, scheme, kind="sector")
        except CodeError as error:
            raise CodeError(f"department {number}: {error}") from None
        codes[number] = GridCode.sector(county_code, number, sequence, scheme=scheme)
    return codes


def _unit_cells(frame: pd.DataFrame, numbers: list[int], radius_m: float) -> list[shapely.Geometry]:
    """Return, per department, the cells of a metric raster that hold its units (EPSG:4490).

    A union of one circle per unit grows costly with hundreds of thousands of
    units (31 s for 180,000). Snapping units to an aligned raster of
    ``2 * radius_m`` squares gives the same picture at map scale, merges the
    units that share a cell, and the squares form an exact coverage, which
    GEOS unites in linear time.
    """
    located = frame[np.isfinite(frame["lon"]) & np.isfinite(frame["lat"])]
    empty = shapely.MultiPolygon()
    if located.empty:
        return [empty] * len(numbers)
    metric = gauss_kruger_crs(float(np.median(located["lon"])))
    points = gpd.GeoSeries(
        shapely.points(located["lon"].to_numpy(), located["lat"].to_numpy()), crs=CGCS2000
    ).to_crs(metric)
    x_all = shapely.get_x(points.to_numpy())
    y_all = shapely.get_y(points.to_numpy())
    departments = pd.to_numeric(located["department"]).to_numpy(dtype="float64", na_value=np.nan)
    geometry = []
    # One union per department (at most 99, the department digits).
    for number in numbers:
        mine = departments == number
        if not mine.any():
            geometry.append(empty)
            continue
        size = 2 * radius_m
        while True:
            cells = np.unique(
                np.column_stack([np.floor(x_all[mine] / size), np.floor(y_all[mine] / size)]),
                axis=0,
            )
            if len(cells) <= MAX_SECTOR_CELLS:
                break
            size *= 2
        x, y = cells[:, 0] * size, cells[:, 1] * size
        union = shapely.coverage_union_all(shapely.box(x, y, x + size, y + size))
        geometry.append(
            union if union.geom_type == "MultiPolygon" else shapely.MultiPolygon([union])
        )
    # Reprojection keeps each geometry's type, so these stay MultiPolygons.
    return list(gpd.GeoSeries(geometry, crs=metric).to_crs(CGCS2000).to_numpy())


# --------------------------------------------------------------------------
# Conservation
# --------------------------------------------------------------------------


def conservation_line(
    n_rows: int, territorial: int, sector: int, unassigned: int
) -> tuple[str, bool]:
    """State where every ledger row ended, and whether the counts add up.

    Every input row ends in exactly one of: a territorial grid, a sector grid,
    or unassigned with a reason.

    Parameters
    ----------
    n_rows : int
        Rows of the ledger.
    territorial, sector, unassigned : int
        Rows placed in territorial grids, in sector grids, and not placed.

    Returns
    -------
    line : str
        Exactly ``rows N = territorial T + sector S + unassigned U``.
    adds_up : bool
        Whether N = T + S + U.

    Examples
    --------
    >>> conservation_line(3000, 2700, 290, 10)
    ('rows 3000 = territorial 2700 + sector 290 + unassigned 10', True)
    """
    line = f"rows {n_rows} = territorial {territorial} + sector {sector} + unassigned {unassigned}"
    return line, n_rows == territorial + sector + unassigned
