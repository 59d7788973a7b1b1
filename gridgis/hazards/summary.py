"""Counting hazard reports per township and per department, and naming the bad rows of a file.

:func:`summarise` counts, on a given day, each township's and each
department's reports in the four outcomes of :func:`gridgis.hazards.outcomes`
(open, overdue, closed on time, closed late), the way a county office reports
upward; every report counts once for the township where it was found, and once
more for its department when it has one. :func:`problems_message` says in one
sentence which rows of a file were refused and why.
"""

from __future__ import annotations

import pandas as pd

from gridgis.hazards.states import OUTCOMES
from gridgis.render.labels import HAZARD_LABELS

__all__ = ["SUMMARY_COLUMNS", "problems_message", "summarise"]

#: Columns of :func:`summarise`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = ("scope", "code", "unit", *OUTCOMES, "total")


def summarise(reports: pd.DataFrame, outcome: pd.Series) -> pd.DataFrame:
    """Count reports per township and per department in each outcome.

    Parameters
    ----------
    reports : DataFrame
        ``township_code``, ``township``, ``department`` (number) and
        ``department_name`` per report.
    outcome : Series
        Each report's outcome (:data:`gridgis.hazards.OUTCOMES`), same index.

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`: ``scope`` (乡镇/街道, 部门, 全县), the
        township's code or the department's number, its name, the four counts
        and their total. Townships by code, then departments by number, then
        the county; reports without a township (or a department) are not in
        those rows but are in the county's.

    Examples
    --------
    >>> reports = pd.DataFrame({"township_code": ["640122100", "640122100"],
    ...     "township": ["兴隆镇", "兴隆镇"], "department": [6, None],
    ...     "department_name": ["县消防救援大队", None]})
    >>> table = summarise(reports, pd.Series(["open", "overdue"]))
    >>> table[["unit", "open", "overdue", "total"]].values.tolist()
    [['兴隆镇', 1, 1, 2], ['县消防救援大队', 1, 0, 1], ['全县', 1, 1, 2]]
    """
    counted = reports.assign(_outcome=outcome.to_numpy())
    townships = _count(
        counted, "township_code", "township", HAZARD_LABELS["township"], counted["township_code"]
    )
    number = pd.to_numeric(counted["department"], errors="coerce").astype("Int64")
    departments = _count(
        counted.assign(department=number),
        "department",
        "department_name",
        HAZARD_LABELS["department"],
        number,
    )
    total = pd.DataFrame(
        [
            {
                "scope": HAZARD_LABELS["county"],
                "code": None,
                "unit": HAZARD_LABELS["county"],
                **{name: int((counted["_outcome"] == name).sum()) for name in OUTCOMES},
                "total": len(counted),
            }
        ]
    )
    table = pd.concat([townships, departments, total], ignore_index=True)
    return table[list(SUMMARY_COLUMNS)]


def _count(
    reports: pd.DataFrame, code: str, name: str, scope: str, keys: pd.Series
) -> pd.DataFrame:
    present = reports[keys.notna().to_numpy()]
    if present.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    counts = (
        pd.crosstab(present[code], present["_outcome"])
        .reindex(columns=list(OUTCOMES), fill_value=0)
        .sort_index()
    )
    names = present.drop_duplicates(code).set_index(code)[name]
    table = counts.reset_index().rename(columns={code: "code"})
    table.insert(0, "scope", scope)
    table.insert(2, "unit", table["code"].map(names).astype(object).to_numpy())
    table["code"] = table["code"].astype(str)
    for column in OUTCOMES:
        table[column] = table[column].astype("int64")
    table["total"] = table[list(OUTCOMES)].sum(axis=1).astype("int64")
    return table


def problems_message(
    problems: pd.DataFrame, source: str, rows_of: str, action: str, *, limit: int = 5
) -> str:
    """Say in one sentence which rows of a file are refused and why (the first ``limit`` rows).

    Parameters
    ----------
    problems : DataFrame
        ``row`` (spreadsheet row or CSV line) and ``detail``, one per problem.
    source : str
        The file's name.
    rows_of : str
        What the rows are: ``"hazard report"``, ``"feedback"``.
    action : str
        What could not be done: ``"imported"``, ``"applied"``.
    limit : int
        Rows named in full.

    Returns
    -------
    str

    Examples
    --------
    >>> problems = pd.DataFrame({"row": [4, 4, 9], "detail": ["no reporter", "bad level", "no id"]})
    >>> print(problems_message(problems, "f.csv", "feedback", "applied"))  # doctest: +ELLIPSIS
    f.csv: 2 feedback rows cannot be applied, so nothing was changed: row 4: no reporter, ...
    """
    ordered = problems.sort_values("row", kind="stable")
    rows = list(dict.fromkeys(int(row) for row in ordered["row"]))
    parts = [
        f"row {row}: " + ", ".join(ordered.loc[ordered["row"] == row, "detail"].astype(str))
        for row in rows[:limit]
    ]
    more = f"; … and {len(rows) - limit} more rows" if len(rows) > limit else ""
    plural = "row" if len(rows) == 1 else "rows"
    return (
        f"{source}: {len(rows)} {rows_of} {plural} cannot be {action}, so nothing was changed: "
        + "; ".join(parts)
        + more
        + "; fix them and try again"
    )
