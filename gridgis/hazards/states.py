"""The states of a hazard report, its time limit, and how feedback moves it on.

Appendix B's work loop (docs/domain.md, "The work loop"): a report is
registered (登记) where it was found; the office hands it to a department or a
lower level (交办) or escalates it (上报); it is handled (处置中); it is closed
(已办结) with its result fed back. Each step is kept as a row of the record
(建档留存). This module is pure: frames in, frames out, with a ``today`` given,
never the clock's.

The rules, which :func:`apply_feedback` enforces:

- **States are ordered**: 登记 (0) < 交办 = 上报 (1) < 处置中 (2) < 已办结 (3).
  A change to the same rank or a later one is a step forward (交办 after 上报
  is the higher office handing it on; 处置中 twice is progress).
- **A report never goes backwards without a reason.** A row whose state ranks
  below the report's current one (处置中 → 交办, and any reopening of a closed
  report) is refused unless it carries a reason (原因) saying why; with one it
  is kept, as a return (退回) or a reopening, with its reason.
- **Closing needs the result** (办理结果), and a closed report is not closed twice.
- **Dates**: a change has a date, not after ``today``, not before the day the
  hazard was found, not before the report's last change.
- **Unknown report ids and states** are refused.

Outcomes on a given day (:func:`outcomes`): a closed report was closed on time
or late (its closing date against its time limit); an open one is open, or
overdue once ``today`` is past its time limit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from gridgis.text import fold

__all__ = [
    "CLOSED",
    "EVENT_COLUMNS",
    "OUTCOMES",
    "REGISTERED",
    "STATES",
    "STATE_RANKS",
    "FeedbackResult",
    "already_recorded",
    "apply_feedback",
    "canonical_level",
    "canonical_status",
    "dates_of",
    "deadline_dates",
    "outcomes",
    "parse_dates",
    "yes_no",
]

#: The states, in the order of the work loop.
STATES: tuple[str, ...] = ("登记", "交办", "上报", "处置中", "已办结")
REGISTERED = "登记"
CLOSED = "已办结"
#: Each state's rank: a change to a lower rank goes backwards (交办 and 上报 rank alike).
STATE_RANKS: Mapping[str, int] = MappingProxyType(
    {"登记": 0, "交办": 1, "上报": 1, "处置中": 2, "已办结": 3}
)
_STATUS_ALIASES: Mapping[str, str] = {
    **{state: state for state in STATES},
    "已登记": "登记",
    "待处置": "登记",
    "registered": "登记",
    "已交办": "交办",
    "转办": "交办",
    "派单": "交办",
    "已派单": "交办",
    "下派": "交办",
    "assigned": "交办",
    "已上报": "上报",
    "提级": "上报",
    "escalated": "上报",
    "处理中": "处置中",
    "办理中": "处置中",
    "整改中": "处置中",
    "正在处置": "处置中",
    "inprogress": "处置中",
    "办结": "已办结",
    "已完成": "已办结",
    "完成": "已办结",
    "已整改": "已办结",
    "整改完成": "已办结",
    "已处置": "已办结",
    "closed": "已办结",
}
_LEVEL_ALIASES: Mapping[str, str] = {
    "一般": "一般",
    "一般隐患": "一般",
    "一般事故隐患": "一般",
    "general": "一般",
    "重大": "重大",
    "重大隐患": "重大",
    "重大事故隐患": "重大",
    "major": "重大",
}
_YES = frozenset("是 有 已 y yes true 1 √ ✓ 当场整改 已整改".split())
_NO = frozenset("否 无 未 n no false 0 × 未整改".split())

#: What :func:`outcomes` calls each report on a given day.
OUTCOMES: tuple[str, ...] = ("open", "overdue", "closed_on_time", "closed_late")
#: Columns of the record of changes (the ``hazard_events`` table), in order.
EVENT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "seq",
    "status",
    "previous_status",
    "date",
    "handler",
    "result",
    "reason",
    "source",
    "source_row",
    "version",
)
_DATE_MARKS = re.compile(r"[年月/.]")


def _fold(text: object) -> str:
    return fold(text, drop=" _-", casefold=True)


def canonical_status(text: object) -> str | None:
    """Return the state a feedback cell names (交办, 上报, 处置中, 已办结, 登记), or None.

    Examples
    --------
    >>> canonical_status("已交办"), canonical_status("办结"), canonical_status("搁置")
    ('交办', '已办结', None)
    """
    return _STATUS_ALIASES.get(_fold(text))


def canonical_level(text: object) -> str | None:
    """Return 一般 or 重大 for a level cell, or None.

    Examples
    --------
    >>> canonical_level("重大隐患"), canonical_level("一般"), canonical_level("较大")
    ('重大', '一般', None)
    """
    return _LEVEL_ALIASES.get(_fold(text))


def yes_no(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read yes/no cells (是/否 …); empty means no.

    Returns
    -------
    tuple of Series
        The booleans, and a mask of cells that are neither yes nor no.
    """
    folded = values.map(_fold)
    yes = folded.isin(_YES)
    bad = ~(yes | folded.isin(_NO) | (folded == ""))
    return yes, bad


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read date or date-and-time cells: ISO, 2026/3/1, 2026.3.1, 2026年3月1日, with a time or not.

    Parameters
    ----------
    values : Series of str or None
        Cells as text (a workbook's dates arrive as ISO text).

    Returns
    -------
    tuple of Series
        The moments (``datetime64``, NaT where empty or unreadable) and a mask
        of cells that hold text but no date.

    Examples
    --------
    >>> when, bad = parse_dates(pd.Series(["2026年3月1日", "2026/3/2 09:30", "昨天"]))
    >>> when.dt.strftime("%Y-%m-%d %H:%M").tolist()[:2], bad.tolist()
    (['2026-03-01 00:00', '2026-03-02 09:30'], [False, False, True])
    """
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    cleaned = text.str.replace("日", "", regex=False).str.replace(_DATE_MARKS, "-", regex=True)
    # Zero-pad single-digit months and days so the ISO reader takes them.
    cleaned = cleaned.str.replace(r"^(\d{4})-(\d)(?=\D|$)", r"\1-0\2", regex=True)
    cleaned = cleaned.str.replace(r"^(\d{4}-\d{2})-(\d)(?=\D|$)", r"\1-0\2", regex=True)
    when = pd.to_datetime(cleaned.where(cleaned != "", None), format="ISO8601", errors="coerce")
    bad = when.isna() & (text != "")
    return when, bad


def deadline_dates(
    found: pd.Series, levels: pd.Series, days: Mapping[str, int], on_spot: pd.Series
) -> pd.Series:
    """Return each report's time limit: the day found plus the days of its level.

    A hazard fixed on the spot is due the day it was found (it is closed then).

    Parameters
    ----------
    found : Series of datetime64
        When each hazard was found.
    levels : Series of str
        一般 or 重大.
    days : mapping of str to int
        Level → days (:attr:`gridgis.hazards.HazardSettings.deadlines`).
    on_spot : Series of bool
        Fixed on the spot (当场整改).

    Returns
    -------
    Series of datetime64
        Midnight of the last day allowed.
    """
    offset = levels.map(dict(days)).fillna(0).astype("int64").where(~on_spot.astype(bool), 0)
    return found.dt.normalize() + pd.to_timedelta(offset, unit="D")


def outcomes(
    status: pd.Series, deadline: pd.Series, closed: pd.Series, today: dt.date
) -> pd.Series:
    """Call each report open, overdue, closed on time or closed late, on a given day.

    Parameters
    ----------
    status : Series of str
        The current state.
    deadline : Series of datetime64
        The time limit (the last day allowed).
    closed : Series of datetime64
        When it was closed (NaT while open).
    today : datetime.date
        The day to judge on.

    Returns
    -------
    Series of str
        One of :data:`OUTCOMES` per report.

    Examples
    --------
    >>> days = pd.to_datetime(pd.Series(["2026-03-04", "2026-03-04", "2026-03-04"]))
    >>> shut = pd.to_datetime(pd.Series([None, "2026-03-05", None]))
    >>> outcomes(pd.Series(["处置中", "已办结", "交办"]), days, shut, dt.date(2026, 3, 5)).tolist()
    ['overdue', 'closed_late', 'overdue']
    """
    day = pd.Timestamp(today)
    is_closed = (status == CLOSED).to_numpy()
    late = (closed.dt.normalize() > deadline).fillna(False).to_numpy(dtype=bool)
    past = (day > deadline).fillna(False).to_numpy(dtype=bool)
    result = np.where(
        is_closed,
        np.where(late, "closed_late", "closed_on_time"),
        np.where(past, "overdue", "open"),
    )
    return pd.Series(result, index=status.index, dtype=object)


@dataclass(frozen=True)
class FeedbackResult:
    """What :func:`apply_feedback` made of a feedback file.

    Attributes
    ----------
    events : DataFrame
        One row per change accepted (:data:`EVENT_COLUMNS` less ``source``,
        ``source_row`` and ``version``, plus ``position``: the feedback row).
    reports : DataFrame
        The reports changed, after every change: ``report_id``, ``status``,
        ``status_date``, ``handler``, ``result``, ``closed_date``.
    problems : DataFrame
        ``position`` (the feedback row), ``report_id``, ``kind`` and
        ``detail``, one per refused row; empty when every row is good.
    """

    events: pd.DataFrame
    reports: pd.DataFrame
    problems: pd.DataFrame


@dataclass
class _State:
    status: str
    date: dt.date
    found: dt.date
    closed: dt.date | None
    handler: str | None
    result: str | None
    seq: int


def apply_feedback(
    reports: pd.DataFrame, feedback: pd.DataFrame, *, today: dt.date
) -> FeedbackResult:
    """Check feedback rows against the reports' states and apply them in order.

    Parameters
    ----------
    reports : DataFrame
        The current reports: ``report_id``, ``status``, ``status_date``,
        ``found_date``, ``closed_date`` (``datetime.date`` or None),
        ``handler``, ``result`` and ``seq`` (the number of the report's last
        change in the record).
    feedback : DataFrame
        One row per change, in the file's order: ``position``, ``report_id``,
        ``status`` (as typed), ``date`` (``datetime.date`` or None when
        unreadable), ``result``, ``reason``, ``handler``.
    today : datetime.date
        No change may be dated after it.

    Returns
    -------
    FeedbackResult
        Every row is checked; if any is refused the caller keeps nothing.

    Examples
    --------
    >>> state = pd.DataFrame({"report_id": ["A"], "status": ["登记"],
    ...     "status_date": [dt.date(2026, 3, 1)], "found_date": [dt.date(2026, 3, 1)],
    ...     "closed_date": [None], "handler": [None], "result": [None], "seq": [1]})
    >>> rows = pd.DataFrame({"position": [0, 1], "report_id": ["A", "A"],
    ...     "status": ["已办结", "处置中"], "date": [dt.date(2026, 3, 2)] * 2,
    ...     "result": ["已整改", None], "reason": [None, None], "handler": [None, None]})
    >>> apply_feedback(state, rows, today=dt.date(2026, 3, 9)).problems["kind"].tolist()
    ['reopened_without_reason']
    """
    states = {
        str(row["report_id"]): _State(
            status=str(row["status"]),
            date=row["status_date"],
            found=row["found_date"],
            closed=row["closed_date"],
            handler=row["handler"],
            result=row["result"],
            seq=int(row["seq"]),
        )
        for row in reports.to_dict("records")
    }
    events: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    changed: set[str] = set()
    # One row at a time, in the file's order: each row is judged against the
    # state the rows before it left, so the record cannot be vectorised.
    # Feedback files hold tens or hundreds of rows.
    for row in feedback.to_dict("records"):
        report_id = row["report_id"]
        state = states.get(str(report_id)) if report_id is not None else None
        refusal = _refusal(row, state, today)
        if refusal is not None:
            problems.append(
                {
                    "position": row["position"],
                    "report_id": report_id,
                    "kind": refusal[0],
                    "detail": refusal[1],
                }
            )
            continue
        assert state is not None
        status = canonical_status(row["status"])
        assert status is not None
        date = row["date"]
        state.seq += 1
        events.append(
            {
                "position": row["position"],
                "report_id": report_id,
                "seq": state.seq,
                "status": status,
                "previous_status": state.status,
                "date": date,
                "handler": row["handler"],
                "result": row["result"],
                "reason": row["reason"],
            }
        )
        state.status, state.date = status, date
        state.closed = date if status == CLOSED else None
        state.handler = row["handler"] or state.handler
        state.result = row["result"] or (state.result if status == CLOSED else None)
        changed.add(str(report_id))
    return FeedbackResult(
        events=pd.DataFrame(events, columns=["position", *EVENT_COLUMNS[:-3]]),
        reports=pd.DataFrame(
            [
                {
                    "report_id": key,
                    "status": states[key].status,
                    "status_date": states[key].date,
                    "handler": states[key].handler,
                    "result": states[key].result,
                    "closed_date": states[key].closed,
                    "seq": states[key].seq,
                }
                for key in sorted(changed)
            ],
            columns=[
                "report_id",
                "status",
                "status_date",
                "handler",
                "result",
                "closed_date",
                "seq",
            ],
        ),
        problems=pd.DataFrame(problems, columns=["position", "report_id", "kind", "detail"]),
    )


def _refusal(
    row: Mapping[str, object], state: _State | None, today: dt.date
) -> tuple[str, str] | None:
    """Return (kind, detail) when a feedback row cannot be applied, else None."""
    if not row["report_id"]:
        return "missing_report_id", "no report id (隐患编号)"
    if state is None:
        return "unknown_report", f"no hazard report {row['report_id']} in the project"
    status = canonical_status(row["status"])
    if status is None:
        shown = row["status"] or "(empty)"
        return "unknown_status", (
            f"unknown status {shown!r}; use 交办, 上报, 处置中 or 已办结 (登记 to send it back)"
        )
    date = row["date"]
    if not isinstance(date, dt.date):
        return "bad_date", "no readable date (日期), such as 2026-03-01"
    if date > today:
        return "future_date", f"date {date} is after today ({today})"
    if date < state.found:
        return "before_found", f"date {date} is before the hazard was found ({state.found})"
    if date < state.date:
        return "out_of_order", f"date {date} is before the report's last change ({state.date})"
    reason = row["reason"]
    if state.status == CLOSED and status == CLOSED:
        return "already_closed", f"already closed on {state.closed}"
    if state.status == CLOSED and not reason:
        return "reopened_without_reason", (
            f"closed on {state.closed}; it can go back to {status} only with a reason (原因)"
        )
    if STATE_RANKS[status] < STATE_RANKS[state.status] and not reason:
        return "backwards", (
            f"goes back from {state.status} to {status}; give the reason (原因) to send it back"
        )
    if status == CLOSED and not row["result"]:
        return "missing_result", "已办结 needs the result (办理结果)"
    return None


def already_recorded(feedback: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """Say which feedback rows repeat a change the record already holds.

    A township may send its whole feedback list again each week: the rows
    recorded before (same report, state, date, handler, result and reason)
    are recognised, so only the new ones are applied.

    Parameters
    ----------
    feedback : DataFrame
        ``report_id``, ``status`` (as typed), ``date`` (``datetime.date`` or
        None), ``handler``, ``result``, ``reason``.
    events : DataFrame
        The record (the ``hazard_events`` table): the same columns, dates as
        ISO text and states canonical.

    Returns
    -------
    Series of bool
        Indexed like ``feedback``.
    """
    if events.empty or feedback.empty:
        return pd.Series(False, index=feedback.index)
    status = feedback["status"].map(canonical_status)
    day = feedback["date"].map(lambda value: value.isoformat() if value else None)
    mine = _change_keys(feedback["report_id"], status, day, feedback)
    stored = _change_keys(events["report_id"], events["status"], events["date"], events)
    return mine.isin(set(stored))


def _change_keys(
    report: pd.Series, status: pd.Series, day: pd.Series, frame: pd.DataFrame
) -> pd.Series:
    parts = [status, day, frame["handler"], frame["result"], frame["reason"]]
    text = [part.astype(object).where(part.notna(), "").astype(str) for part in parts]
    first = report.astype(object).where(report.notna(), "").astype(str)
    return first.str.cat(text, sep="|")


def dates_of(values: pd.Series) -> pd.Series:
    """Return the ``datetime.date`` of stored ISO texts or timestamps (None where missing).

    Examples
    --------
    >>> dates_of(pd.Series(["2026-03-01", None, "2026-03-02 09:30"])).tolist()
    [datetime.date(2026, 3, 1), None, datetime.date(2026, 3, 2)]
    """
    when = pd.to_datetime(values, errors="coerce", format="ISO8601")
    days = pd.Series(when.dt.date.to_numpy(dtype=object), index=values.index, dtype=object)
    return days.where(when.notna(), None)
