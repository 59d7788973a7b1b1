"""The hazard core: settings, dates, time limits, outcomes, the state machine, the counts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from gridgis.errors import ConfigError
from gridgis.hazards import (
    already_recorded,
    apply_feedback,
    canonical_level,
    canonical_status,
    deadline_dates,
    load_hazard_settings,
    outcomes,
    parse_dates,
    problems_message,
    summarise,
)

DAY = dt.date(2024, 6, 3)


def test_the_shipped_settings_give_time_limits_and_category_departments() -> None:
    settings = load_hazard_settings()
    assert dict(settings.deadlines) == {"一般": 3, "重大": 7}
    assert settings.category("消防") == ("消防安全", 6)
    assert settings.category(" 燃气安全 ") == ("燃气安全", 2)
    assert settings.category("用电安全") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[deadlines]\ngeneral = 3\n", "deadlines: missing key 'major'"),
        ("[deadlines]\ngeneral = 3\nmajor = 400\n", "line 3: deadlines.major: must be at most 366"),
        ("[deadlines]\ngeneral = -1\nmajor = 7\n", "line 2: deadlines.general: must be at least 0"),
        (
            '[deadlines]\ngeneral = 3\nmajor = 7\n[[category]]\nname = "消防"\ndepartment = 99\n',
            "line 6: category[1].department: no department 99",
        ),
        (
            '[deadlines]\ngeneral = 3\nmajor = 7\n[[category]]\nname = "消防"\ndepartment = 6\n'
            '[[category]]\nname = "燃气"\naliases = ["消防"]\ndepartment = 2\n',
            "category[2].aliases: '消防' is already a name or alias of category '消防'",
        ),
        ("[deadlines]\ngeneral = 3\nmajor = 7\nextra = 1\n", "deadlines.extra: unknown key"),
    ],
)
def test_a_bad_hazards_file_names_the_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "hazards.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_hazard_settings(path)


def test_levels_states_and_yes_no_are_read_in_their_usual_spellings() -> None:
    assert [canonical_level(t) for t in ("一般隐患", "重大事故隐患", "major", "较大")] == [
        "一般",
        "重大",
        "重大",
        None,
    ]
    assert [canonical_status(t) for t in ("已交办", "处理中", "办结", "已上报", "搁置")] == [
        "交办",
        "处置中",
        "已办结",
        "上报",
        None,
    ]


def test_dates_are_read_in_the_forms_offices_write_them() -> None:
    when, bad = parse_dates(
        pd.Series(
            ["2024年6月3日", "2024/6/3 9:05", "2024.06.03", "2024-06-03T00:00:00", "前天", None]
        )
    )
    assert when.dt.strftime("%Y-%m-%d %H:%M").tolist()[:4] == [
        "2024-06-03 00:00",
        "2024-06-03 09:05",
        "2024-06-03 00:00",
        "2024-06-03 00:00",
    ]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_the_time_limit_is_the_day_found_plus_the_days_of_its_level() -> None:
    found = pd.to_datetime(
        pd.Series(["2024-06-03 09:30", "2024-06-03 17:00", "2024-06-03"]), format="ISO8601"
    )
    limit = deadline_dates(
        found,
        pd.Series(["一般", "重大", "一般"]),
        {"一般": 3, "重大": 7},
        pd.Series([False, False, True]),
    )
    assert limit.dt.strftime("%Y-%m-%d").tolist() == ["2024-06-06", "2024-06-10", "2024-06-03"]


def test_outcomes_depend_on_the_day_given_not_the_clock() -> None:
    limit = pd.to_datetime(pd.Series(["2024-06-06"] * 4))
    closed = pd.to_datetime(pd.Series([None, None, "2024-06-06", "2024-06-07"]))
    status = pd.Series(["交办", "处置中", "已办结", "已办结"])
    assert outcomes(status, limit, closed, dt.date(2024, 6, 6)).tolist() == [
        "open",
        "open",
        "closed_on_time",
        "closed_late",
    ]
    assert outcomes(status, limit, closed, dt.date(2024, 6, 7)).tolist() == [
        "overdue",
        "overdue",
        "closed_on_time",
        "closed_late",
    ]


def _state(status: str = "登记", closed: dt.date | None = None, seq: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_id": ["A"],
            "status": [status],
            "status_date": [closed or DAY],
            "found_date": [DAY],
            "closed_date": [closed],
            "handler": [None],
            "result": ["已整改" if closed else None],
            "seq": [seq],
        }
    )


def _rows(*changes: tuple[str, str, dt.date | None, str | None, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position": range(len(changes)),
            "report_id": [c[0] for c in changes],
            "status": [c[1] for c in changes],
            "date": [c[2] for c in changes],
            "result": [c[3] for c in changes],
            "reason": [c[4] for c in changes],
            "handler": [None] * len(changes),
        }
    )


def test_feedback_moves_a_report_forward_and_records_every_change() -> None:
    applied = apply_feedback(
        _state(),
        _rows(
            ("A", "上报", DAY, None, None),
            ("A", "交办", DAY, None, None),
            ("A", "处置中", DAY + dt.timedelta(days=1), "已下达整改通知书", None),
            ("A", "已办结", DAY + dt.timedelta(days=2), "已整改", None),
        ),
        today=DAY + dt.timedelta(days=9),
    )
    assert applied.problems.empty
    assert applied.events["seq"].tolist() == [2, 3, 4, 5]
    assert applied.events["previous_status"].tolist() == ["登记", "上报", "交办", "处置中"]
    report = applied.reports.iloc[0]
    assert report["status"] == "已办结"
    assert report["closed_date"] == DAY + dt.timedelta(days=2)


@pytest.mark.parametrize(
    ("state", "change", "kind"),
    [
        (_state(), ("B", "交办", DAY, None, None), "unknown_report"),
        (_state(), ("A", "搁置", DAY, None, None), "unknown_status"),
        (_state(), ("A", "交办", None, None, None), "bad_date"),
        (_state(), ("A", "交办", DAY + dt.timedelta(days=30), None, None), "future_date"),
        (_state(), ("A", "交办", DAY - dt.timedelta(days=1), None, None), "before_found"),
        (_state(), ("A", "已办结", DAY, None, None), "missing_result"),
        (_state("处置中"), ("A", "交办", DAY, None, None), "backwards"),
        (_state("已办结", DAY), ("A", "处置中", DAY, None, None), "reopened_without_reason"),
        (_state("已办结", DAY), ("A", "已办结", DAY, "again", None), "already_closed"),
    ],
)
def test_bad_feedback_is_refused_with_its_reason(
    state: pd.DataFrame, change: tuple[str, str, dt.date | None, str | None, str | None], kind: str
) -> None:
    applied = apply_feedback(state, _rows(change), today=DAY + dt.timedelta(days=9))
    assert applied.problems["kind"].tolist() == [kind]
    assert applied.events.empty


def test_a_report_goes_back_or_reopens_only_with_a_reason() -> None:
    back = apply_feedback(
        _state("处置中"), _rows(("A", "交办", DAY, None, "责任单位有误，重新交办")), today=DAY
    )
    assert back.problems.empty and back.reports["status"].tolist() == ["交办"]
    reopened = apply_feedback(
        _state("已办结", DAY, seq=4),
        _rows(
            ("A", "处置中", DAY + dt.timedelta(days=2), None, "复查发现整改不到位"),
            ("A", "已办结", DAY + dt.timedelta(days=3), "二次整改完成", None),
        ),
        today=DAY + dt.timedelta(days=5),
    )
    assert reopened.problems.empty
    assert reopened.events["seq"].tolist() == [5, 6]
    assert reopened.events["reason"].tolist()[0] == "复查发现整改不到位"
    assert reopened.reports.iloc[0]["closed_date"] == DAY + dt.timedelta(days=3)


def test_changes_out_of_order_are_refused() -> None:
    applied = apply_feedback(
        _state(),
        _rows(
            ("A", "处置中", DAY + dt.timedelta(days=2), None, None),
            ("A", "处置中", DAY + dt.timedelta(days=1), None, None),
        ),
        today=DAY + dt.timedelta(days=9),
    )
    assert applied.problems["kind"].tolist() == ["out_of_order"]


def test_rows_recorded_before_are_recognised() -> None:
    events = pd.DataFrame(
        {
            "report_id": ["A"],
            "status": ["交办"],
            "date": ["2024-06-03"],
            "handler": ["县消防救援大队"],
            "result": [None],
            "reason": [None],
        }
    )
    rows = pd.DataFrame(
        {
            "report_id": ["A", "A"],
            "status": ["已交办", "处置中"],
            "date": [DAY, DAY],
            "handler": ["县消防救援大队", "县消防救援大队"],
            "result": [None, None],
            "reason": [None, None],
        }
    )
    assert already_recorded(rows, events).tolist() == [True, False]


def test_the_counts_add_up_per_township_department_and_county() -> None:
    reports = pd.DataFrame(
        {
            "township_code": ["640122100", "640122100", "640122001", None],
            "township": ["兴隆镇", "兴隆镇", "凤翔街道", None],
            "department": [6, None, 6, 2],
            "department_name": ["县消防救援大队", None, "县消防救援大队", "县住房和城乡建设局"],
        }
    )
    table = summarise(reports, pd.Series(["open", "overdue", "closed_late", "closed_on_time"]))
    assert table["unit"].tolist() == [
        "凤翔街道",
        "兴隆镇",
        "县住房和城乡建设局",
        "县消防救援大队",
        "全县",
    ]
    county = table.iloc[-1]
    assert (
        county["total"] == 4 == county[["open", "overdue", "closed_on_time", "closed_late"]].sum()
    )
    fire = table[table["unit"] == "县消防救援大队"].iloc[0]
    assert (fire["open"], fire["closed_late"], fire["total"]) == (1, 1, 2)


def test_the_problems_message_names_the_rows() -> None:
    problems = pd.DataFrame({"row": [9, 4, 4], "detail": ["c", "a", "b"]})
    message = problems_message(problems, "r.csv", "hazard report", "imported")
    assert message.startswith("r.csv: 2 hazard report rows cannot be imported, so nothing was")
    assert problems_message(problems[:1], "r.csv", "feedback", "applied").startswith(
        "r.csv: 1 feedback row cannot be applied"
    )
    assert "row 4: a, b; row 9: c" in message
