"""Sector rules: which units belong in county-level sector grids, read from TOML.

The guideline sends units that are large, high-spec or high-risk, or too much
for their territorial grid to supervise, to **county-level sector grids**
(行业专属网格) run by the department responsible for their sector
(docs/domain.md, "Grids" and "Risk and scale"). This module reads the
county's rules (``data/rules.toml``, format in ``docs/rules.md``) into a
:class:`Rules` value with :func:`load_rules` / :func:`parse_rules`, and holds
the rule vocabulary: :data:`RULE_ORDER`, :data:`RISK_LEVELS`, the 2017
statistical size classes (:class:`SizeClass`) and each unit's risk weight in
a grid's load (:func:`risk_weights`).

Choices a maintainer must know:

* The file is read by :class:`gridgis.config.ConfigFile`, the reader of the
  code scheme, so errors name the file, the line and the key in both.
* Every sector named in the rules must be one a department holds
  (``departments.toml``), and every department's sector must have a size
  class unless ``large_scale.default_size_class`` is set: a sector added to
  a department would otherwise be judged by nothing, unnoticed.
* A unit is large only when it meets *every* threshold its size class gives
  (the 2017 measures: "须同时满足所列指标的下限").
* :data:`RULE_ORDER` is the reporting order; the first rule that fires is a
  unit's primary rule.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
from stdnum.cn import uscc as stdnum_uscc

from gridgis.codes import Department, default_scheme
from gridgis.config import ConfigFile, KeyPath, type_name
from gridgis.paths import DATA_DIR
from gridgis.sector.columns import by_code, number_text

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_RULES_PATH",
    "NO_SIZE_CLASS",
    "OVER_CAPACITY",
    "RISK_LEVELS",
    "RULE_ORDER",
    "Rules",
    "SizeClass",
    "load_rules",
    "parse_rules",
    "risk_weights",
    "sector_owner",
]

DEFAULT_RULES_PATH = DATA_DIR / "rules.toml"

#: The unit rules, in the order they are reported; the first that fires is a
#: unit's primary rule. The order follows the guideline's wording ("large,
#: high-spec or high-risk"), then the county's own list.
RULE_ORDER: tuple[str, ...] = ("large_scale", "risk_level", "major_hazard", "uscc_list")
#: The rule of a unit moved by :func:`~gridgis.sector.capacity.capacity_match`.
OVER_CAPACITY = "over_capacity"
#: The four-colour risk levels (red, orange, yellow, blue), as the ledger reader writes them.
RISK_LEVELS: tuple[str, ...] = ("重大", "较大", "一般", "低")
#: The size class name that says the 2017 measures do not cover a sector.
NO_SIZE_CLASS = "none"


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
            parts.append(f"营业收入 ≥{number_text(self.revenue)} 万元")
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
    toml = ConfigFile.load(path, "rules file")
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
    return _build_rules(ConfigFile.parse(text, source), departments, departments_source)


def _build_rules(
    toml: ConfigFile,
    departments: Mapping[int, Department] | None,
    departments_source: str | None,
) -> Rules:
    if departments is None:
        scheme = default_scheme()
        departments = scheme.departments
        departments_source = departments_source or scheme.departments_source
    departments_source = departments_source or "the departments file"
    owner = sector_owner(departments)

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
    if toml.boolean(large.get("enabled", True), ("large_scale", "enabled")):
        enabled.append("large_scale")

    risk = toml.table(data["risk_level"], ("risk_level",))
    toml.keys(risk, ("risk_level",), required=("levels",), optional=("enabled",))
    levels = toml.strings(risk["levels"], ("risk_level", "levels"))
    for index, level in enumerate(levels):
        if level not in RISK_LEVELS:
            raise toml.error(
                ("risk_level", "levels", index),
                f"unknown risk level {level!r}; use {', '.join(RISK_LEVELS)}",
            )
    if toml.boolean(risk.get("enabled", True), ("risk_level", "enabled")):
        enabled.append("risk_level")

    hazard = toml.table(data["major_hazard"], ("major_hazard",))
    toml.keys(
        hazard, ("major_hazard",), required=("grades",), optional=("enabled", "unknown_grade")
    )
    grades_value = hazard["grades"]
    if not isinstance(grades_value, list):
        raise toml.error(
            ("major_hazard", "grades"),
            f"must be an array of integers, not {type_name(grades_value)}",
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
    unknown_grade = toml.boolean(
        hazard.get("unknown_grade", True), ("major_hazard", "unknown_grade")
    )
    if toml.boolean(hazard.get("enabled", True), ("major_hazard", "enabled")):
        enabled.append("major_hazard")

    listed = toml.table(data["uscc_list"], ("uscc_list",))
    toml.keys(listed, ("uscc_list",), required=("codes",), optional=("enabled",))
    codes: set[str] = set()
    for index, code in enumerate(toml.strings(listed["codes"], ("uscc_list", "codes"))):
        compact = _compact_uscc(code)
        if not stdnum_uscc.is_valid(compact):
            raise toml.error(
                ("uscc_list", "codes", index),
                f"{code!r} is not a valid unified social credit code (GB 32100: 18 characters, "
                "last one a check character)",
            )
        codes.add(compact)
    if toml.boolean(listed.get("enabled", True), ("uscc_list", "enabled")):
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
        level: toml.positive(weights_table[level], ("capacity", "risk_weights", level))
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
        unknown_risk_weight=toml.positive(
            capacity["unknown_risk_weight"], ("capacity", "unknown_risk_weight")
        ),
        members_per_grid=toml.integer(
            capacity["members_per_grid"], ("capacity", "members_per_grid"), minimum=1
        ),
        capacity_per_member=toml.positive(
            capacity["capacity_per_member"], ("capacity", "capacity_per_member")
        ),
    )
    logger.debug("rules %s: %s enabled", toml.source, ", ".join(rules.enabled) or "none")
    return rules


def _read_size_classes(toml: ConfigFile, large: Mapping[str, Any]) -> dict[str, SizeClass]:
    path: KeyPath = ("large_scale", "size_class")
    table = toml.table(large["size_class"], path)
    classes: dict[str, SizeClass] = {}
    for name, entry_value in table.items():
        entry_path: KeyPath = (*path, name)
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
            toml.positive(entry["revenue"], (*entry_path, "revenue"))
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
    toml: ConfigFile,
    large: Mapping[str, Any],
    size_classes: Mapping[str, SizeClass],
    owner: Mapping[str, int],
    departments_source: str,
) -> tuple[dict[str, str | None], str | None]:
    known = f"use one of {', '.join([*size_classes, NO_SIZE_CLASS])}"
    default: str | None = None
    if "default_size_class" in large:
        path: KeyPath = ("large_scale", "default_size_class")
        default_name = toml.string(large["default_size_class"], path)
        if default_name != NO_SIZE_CLASS and default_name not in size_classes:
            raise toml.error(path, f"unknown size class {default_name!r}; {known}")
        default = None if default_name == NO_SIZE_CLASS else default_name

    sectors_path: KeyPath = ("large_scale", "sectors")
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


def _compact_uscc(code: str) -> str:
    # As the ledger reader normalises: upper case, no spaces.
    return "".join(code.split()).upper()


def sector_owner(departments: Mapping[int, Department]) -> dict[str, int]:
    """Return sector (行业) -> number of the department that holds it.

    Examples
    --------
    >>> sector_owner({1: Department(1, "县应急管理局", ("化工", "冶金"))})
    {'化工': 1, '冶金': 1}
    """
    return {sector: number for number, dept in departments.items() for sector in dept.sectors}


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
    weights = by_code(codes, per_level, float(rules.unknown_risk_weight))
    return pd.Series(weights, index=risk.index, dtype="float64")
