"""Unit rules: flag the enterprises that belong in a county-level sector grid, and why.

:func:`flag_sector_units` applies the enabled rules of a
:class:`~gridgis.sector.rules.Rules`, in :data:`~gridgis.sector.rules.RULE_ORDER`:
``large_scale`` (大型企业 by the 2017 statistical size classes), ``risk_level``
(重大/较大 风险), ``major_hazard`` (重大危险源 一级-四级) and ``uscc_list`` (an
explicit list). Every flagged unit carries each rule that fired, a Chinese
reason with the values behind it, and its department.

Choices a maintainer must know (``docs/rules.md`` says more):

* A flagged unit whose 行业 is missing or not in ``departments.toml`` has no
  department to take it. It **stays in its territorial grid**, with the
  rules that fired and a ``route_problem`` saying why it was not moved:
  leaving it unassigned would take it out of every grid, the opposite of what
  the rules are for.
* A unit is large only on evidence: a missing employee count or revenue
  never makes it large. A major hazard source of unknown grade counts only
  when the rules say so (``unknown_grade``); a grade 1-4 counts even where
  the yes/no column is blank.
* The work is vectorised over rows; text (rule names, reasons) is built for
  the flagged rows only, and looked up once per distinct value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from gridgis.codes import Department
from gridgis.sector.columns import by_code, clean_text, numbers_text, require_columns
from gridgis.sector.rules import RULE_ORDER, Rules, sector_owner

logger = logging.getLogger(__name__)

__all__ = ["FLAG_COLUMNS", "flag_sector_units"]

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
# Major hazard grades as reasons name them.
_GRADE_LABELS: Mapping[int, str] = MappingProxyType({1: "一级", 2: "二级", 3: "三级", 4: "四级"})


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
    >>> from gridgis.sector import load_rules
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
    require_columns(enterprises, ("sector", *_needed_columns(rules)), "flag sector units")
    index = enterprises.index
    sector = clean_text(enterprises["sector"])
    sector_codes, sectors = pd.factorize(sector)
    owner = sector_owner(departments)
    number_of = [owner.get(name) for name in sectors]
    numbers = by_code(sector_codes, [np.nan if n is None else n for n in number_of], np.nan)
    department = pd.Series(pd.array(numbers, dtype="Int64"), index=index)
    known = ~np.isnan(numbers)
    names = [None if n is None else departments[n].name for n in number_of]
    department_name = pd.array(by_code(sector_codes, names, None), dtype="str")

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


def _large_scale(
    enterprises: pd.DataFrame, sector_codes: np.ndarray, sectors: Any, rules: Rules
) -> tuple[pd.Series, pd.Series]:
    """Flag large units; ``sector_codes`` and ``sectors`` are the sectors, factorised."""
    index = enterprises.index
    employees = pd.to_numeric(enterprises["employees"], errors="coerce").astype("float64")
    revenue = pd.to_numeric(enterprises["revenue"], errors="coerce").astype("float64")
    # Each distinct sector's size class, then each row's, by number.
    class_numbers: dict[str | None, int] = {
        name: number for number, name in enumerate(rules.size_classes)
    }
    listed = dict(rules.sector_size_class)
    per_sector = [
        class_numbers.get(listed.get(name, rules.default_size_class), -1) for name in sectors
    ]
    row_class = by_code(sector_codes, per_sector, -1)
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
            parts.append("员工 " + numbers_text(employees[large]) + " 人")
        if size_class.revenue is not None:
            parts.append("营业收入 " + numbers_text(revenue[large]) + " 万元")
        values = parts[0] if len(parts) == 1 else parts[0] + "，" + parts[1]
        mask[large] = True
        reason[large] = "大型企业：" + values + f"（{size_class.describe()}）"
    return mask, reason


def _risk_level(enterprises: pd.DataFrame, rules: Rules) -> tuple[pd.Series, pd.Series]:
    risk = clean_text(enterprises["risk"])
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

    text = pa.array(
        enterprises["uscc"].astype("str").to_numpy(dtype=object, na_value=None), type=pa.string()
    )
    normalised = pc.utf8_upper(pc.replace_substring_regex(text, r"\s+", ""))
    codes = pd.Series(
        normalised.to_numpy(zero_copy_only=False), index=enterprises.index, dtype="str"
    )
    codes = codes.where(codes != "")
    mask = codes.isin(rules.usccs).astype(bool)
    reason = ("列入指定名单（统一社会信用代码 " + codes.where(mask) + "）").where(mask)
    return mask, reason
