"""``gridgis hazards``: reports routed, feedback applied in order, counts judged on --today."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import file_digest, run
from stdnum.cn import uscc

from gridgis.codes import default_scheme
from gridgis.io.assignment_view import read_assignments
from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR

TODAY = "2024-06-30"
HEADER = (
    "隐患编号,发现时间,上报人,经度,纬度,所属乡镇,所属村,隐患地址,"
    "统一社会信用代码,隐患类别,隐患描述,隐患等级,是否当场整改\n"
)


@pytest.fixture
def project(demo_staffed: Path, tmp_path: Path) -> Path:
    """The assigned demo county with its roster, a copy for one test."""
    path = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_staffed, path)
    return path


@pytest.fixture(scope="module")
def units(demo_staffed: Path) -> pd.DataFrame:
    """The demo's enterprises with their assignments (read once)."""
    return read_assignments(demo_staffed)


def _reports(tmp_path: Path, *rows: str, name: str = "reports.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def _feedback(tmp_path: Path, *rows: str, name: str = "feedback.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        "隐患编号,办理状态,办理日期,承办单位,办理结果,原因\n" + "".join(r + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def _point(units: pd.DataFrame, kind: str = "territorial") -> tuple[float, float]:
    placed = units[(units["kind"] == kind) & units["lon"].notna()].iloc[0]
    return float(placed["lon"]), float(placed["lat"])


def test_the_demo_reports_and_feedback_make_one_version_each(project: Path, tmp_path: Path) -> None:
    before = open_project(project).current_version
    result = run("hazards", "import", project, DEMO_DIR / "hazards.xlsx", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "40 rows of hazards.xlsx: 40 new reports; 3 closed on the spot" in result.output
    reader = open_project(project)
    assert reader.current_version == before + 1
    reports = reader.read_layer("hazards")
    assert len(reports) == 40 and reports["report_id"].is_unique
    assert reports["grid_code"].notna().all() and reports["township_code"].notna().all()
    assert set(reports.loc[reports["fixed_on_spot"].astype(bool), "status"]) == {"已办结"}
    assert reports["members"].notna().all(), "every grid of the demo has its 网格员"
    events = reader.read_table("hazard_events")
    assert len(events) == 40 + 3
    result = run("hazards", "update", project, DEMO_DIR / "hazard_feedback.csv", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "1 reopened" in result.output
    reader = open_project(project)
    assert reader.current_version == before + 2
    events = reader.read_table("hazard_events")
    assert len(events) == 43 + 102
    # The record keeps every change: a report's rows run 1, 2, 3 … with no gap.
    for _, rows in events.groupby("report_id"):
        assert rows["seq"].tolist() == list(range(1, len(rows) + 1))
    # The layer keeps history: the import's state is still readable.
    first = reader.read_layer("hazards", version=before + 1)
    assert set(first["status"]) == {"登记", "已办结"}
    assert (reader.read_layer("hazards")["status"] == "已办结").sum() > 3


def test_importing_or_updating_again_changes_nothing(project: Path) -> None:
    reports, feedback = DEMO_DIR / "hazards.xlsx", DEMO_DIR / "hazard_feedback.csv"
    assert run("hazards", "import", project, reports, "--today", TODAY).exit_code == 0
    assert run("hazards", "update", project, feedback, "--today", TODAY).exit_code == 0
    before = file_digest(project)
    again = run("hazards", "import", project, reports, "--today", TODAY)
    assert again.exit_code == 0 and "40 imported before" in again.output
    assert "nothing changed" in again.output
    again = run("hazards", "update", project, feedback, "--today", TODAY)
    assert again.exit_code == 0 and "102 rows recorded before" in again.output
    assert file_digest(project) == before


def test_a_report_about_a_unit_in_a_sector_grid_names_its_department(
    project: Path, tmp_path: Path, units: pd.DataFrame
) -> None:
    unit = units[(units["kind"] == "sector") & units["uscc"].notna()].iloc[0]
    territorial = units[(units["kind"] == "territorial") & units["uscc"].notna()].iloc[0]
    path = _reports(
        tmp_path,
        f"R1,2024-06-10 09:00,张三,,,,,,{unit['uscc']},用电安全,私拉乱接电线,一般,否",
        f"R2,2024-06-10 10:00,张三,,,,,,{territorial['uscc']},用电安全,私拉乱接电线,一般,否",
    )
    result = run("hazards", "import", project, path, "--today", TODAY)
    assert result.exit_code == 0, result.output
    reports = open_project(project).read_layer("hazards").set_index("report_id")
    sector = reports.loc["R1"]
    name = default_scheme().departments[int(unit["department"])].name
    assert sector["grid_code"] == unit["grid_code"]
    assert int(sector["department"]) == int(unit["department"])
    assert sector["department_name"] == name
    assert sector["enterprise_name"] == unit["name"] and sector["located_by"] == "uscc"
    assert name in sector["routing"]
    assert sector["township_code"] == unit["located_village"][:9]
    plain = reports.loc["R2"]
    assert plain["grid_code"] == territorial["grid_code"]
    assert pd.isna(plain["department"]) and pd.isna(plain["routing"])


def test_a_category_of_a_department_goes_to_it_and_points_find_their_grid(
    project: Path, tmp_path: Path, units: pd.DataFrame
) -> None:
    lon, lat = _point(units)
    path = _reports(
        tmp_path,
        f",2024-06-10 09:00,张三,{lon},{lat},,,,,消防通道,消防通道堵塞,一般,否",
        f",2024-06-10 11:00,李四,{lon},{lat},,,,,用电安全,乱接电线,一般,是",
    )
    result = run("hazards", "import", project, path, "--today", TODAY)
    assert result.exit_code == 0, result.output
    reports = open_project(project).read_layer("hazards").sort_values("report_id")
    # Reports without an id are numbered per day found.
    assert reports["report_id"].tolist() == ["YH-20240610-001", "YH-20240610-002"]
    fire, wiring = reports.iloc[0], reports.iloc[1]
    assert fire["department_name"] == "县消防救援大队" and fire["category"] == "消防通道"
    expected = units[(units["lon"] == lon) & (units["lat"] == lat)]["grid_code"].iloc[0]
    assert fire["grid_code"] == expected == wiring["grid_code"]
    assert fire["deadline"] == "2024-06-13" and fire["status"] == "登记"
    assert wiring["status"] == "已办结" and wiring["closed_date"] == "2024-06-10"
    assert wiring["deadline"] == "2024-06-10"


def test_time_limits_and_overdue_follow_today(
    project: Path, tmp_path: Path, units: pd.DataFrame
) -> None:
    lon, lat = _point(units)
    config = tmp_path / "hazards.toml"
    config.write_text("[deadlines]\ngeneral = 2\nmajor = 5\n", encoding="utf-8")
    path = _reports(
        tmp_path,
        f"A,2024-06-01,张三,{lon},{lat},,,,,其他,一般隐患,一般,否",
        f"B,2024-06-01,张三,{lon},{lat},,,,,其他,重大隐患,重大,否",
        f"C,2024-06-01,张三,{lon},{lat},,,,,其他,按期办结,一般,否",
        f"D,2024-06-01,张三,{lon},{lat},,,,,其他,超期办结,一般,否",
    )
    result = run("hazards", "import", project, path, "--config", config, "--today", TODAY)
    assert result.exit_code == 0, result.output
    deadlines = open_project(project).read_layer("hazards").set_index("report_id")["deadline"]
    assert deadlines.to_dict() == {
        "A": "2024-06-03",
        "B": "2024-06-06",
        "C": "2024-06-03",
        "D": "2024-06-03",
    }
    feedback = _feedback(
        tmp_path,
        "C,已办结,2024-06-03,县网格办,已整改,",
        "D,已办结,2024-06-04,县网格办,已整改,",
    )
    assert run("hazards", "update", project, feedback, "--today", "2024-06-04").exit_code == 0

    def counts(today: str) -> dict[str, int]:
        listed = run("hazards", "list", project, "--today", today)
        assert listed.exit_code == 0, listed.output
        county = listed.output.strip().splitlines()[-1].split()
        return dict(
            zip(["open", "overdue", "on_time", "late", "total"], map(int, county[2:]), strict=True)
        )

    assert counts("2024-06-03") == {"open": 2, "overdue": 0, "on_time": 1, "late": 1, "total": 4}
    assert counts("2024-06-04") == {"open": 1, "overdue": 1, "on_time": 1, "late": 1, "total": 4}
    assert counts("2024-06-07") == {"open": 0, "overdue": 2, "on_time": 1, "late": 1, "total": 4}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "X,2024-07-02 09:00,张三,{lon},{lat},,,,,其他,隐患,一般,否",
            "is after today (2024-06-30)",
        ),
        ("X,2024-06-10,张三,106.60,38.20,,,,,其他,隐患,一般,否", "在县界外，距县界"),
        ("X,2024-06-10,张三,,,,,,91640122MA75Y7R00X,其他,隐患,一般,否", "is not a valid code"),
        (
            "X,2024-06-10,张三,,,,,,{unknown},其他,隐患,一般,否",
            "is not among the project's enterprises",
        ),
        ("X,2024-06-10,张三,,,丰安镇,谢家井村,谢家井村3组,,其他,隐患,一般,否", "候选网格"),
        (
            "X,2024-06-10,张三,{lon},{lat},,,,,其他,隐患,较大,否",
            "隐患等级 较大 is not 一般 or 重大",
        ),
        ("X,2024-06-10,,{lon},{lat},,,,,其他,隐患,一般,否", "no reporter (上报人)"),
        ("X,昨天,张三,{lon},{lat},,,,,其他,隐患,一般,否", "发现时间 昨天 is not a date"),
        ("X,2024-06-10,张三,abc,{lat},,,,,其他,隐患,一般,否", "not a number in degrees"),
    ],
)
def test_a_bad_report_stops_the_import_and_names_its_row(
    project: Path, tmp_path: Path, units: pd.DataFrame, row: str, message: str
) -> None:
    lon, lat = _point(units)
    good = f"G,2024-06-10,张三,{lon},{lat},,,,,其他,隐患,一般,否"
    # A well-formed code (its check character right) that no unit of the ledger has.
    unknown = "91640122MA00000" + "00" + uscc.calc_check_digit("91640122MA0000000")
    path = _reports(tmp_path, good, row.format(lon=lon, lat=lat, unknown=unknown))
    before = file_digest(project)
    result = run("hazards", "import", project, path, "--today", TODAY)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: reports.csv: 1 hazard report row cannot be imported")
    assert "row 3: " in result.output and message in result.output
    assert file_digest(project) == before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["NOPE,交办,2024-06-12,县网格办,,"], "row 2: no hazard report NOPE in the project"),
        (
            ["A,处置中,2024-06-12,县网格办,,", "A,交办,2024-06-13,县网格办,,"],
            "row 3: goes back from 处置中 to 交办; give the reason (原因)",
        ),
        (["A,交办,2024-07-01,县网格办,,"], "row 2: date 2024-07-01 is after today (2024-06-30)"),
        (["A,交办,2024-06-09,县网格办,,"], "before the hazard was found (2024-06-10)"),
        (
            ["A,已办结,2024-06-12,县网格办,已整改,", "A,处置中,2024-06-13,县网格办,,"],
            "row 3: closed on 2024-06-12; it can go back to 处置中 only with a reason (原因)",
        ),
        (["A,已办结,2024-06-12,县网格办,,"], "已办结 needs the result (办理结果)"),
        (["A,挂起,2024-06-12,县网格办,,"], "unknown status '挂起'"),
    ],
)
def test_bad_feedback_stops_the_update_and_names_its_rows(
    project: Path, tmp_path: Path, units: pd.DataFrame, rows: list[str], message: str
) -> None:
    lon, lat = _point(units)
    path = _reports(tmp_path, f"A,2024-06-10,张三,{lon},{lat},,,,,其他,隐患,一般,否")
    assert run("hazards", "import", project, path, "--today", TODAY).exit_code == 0
    before = file_digest(project)
    result = run("hazards", "update", project, _feedback(tmp_path, *rows), "--today", TODAY)
    assert result.exit_code == 1, result.output
    assert "cannot be applied, so nothing was changed" in result.output
    assert message in result.output
    assert file_digest(project) == before


def test_a_closed_report_reopens_with_a_reason_and_the_record_keeps_both(
    project: Path, tmp_path: Path, units: pd.DataFrame
) -> None:
    lon, lat = _point(units)
    path = _reports(tmp_path, f"A,2024-06-10,张三,{lon},{lat},,,,,其他,隐患,一般,否")
    assert run("hazards", "import", project, path, "--today", TODAY).exit_code == 0
    feedback = _feedback(
        tmp_path,
        "A,已办结,2024-06-11,县网格办,已整改,",
        "A,处置中,2024-06-15,县网格办,,复查发现整改不到位",
    )
    result = run("hazards", "update", project, feedback, "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "1 reopened" in result.output
    reader = open_project(project)
    report = reader.read_layer("hazards").iloc[0]
    assert report["status"] == "处置中" and pd.isna(report["closed_date"])
    events = reader.read_table("hazard_events")
    assert events["status"].tolist() == ["登记", "已办结", "处置中"]
    assert events["reason"].tolist()[-1] == "复查发现整改不到位"
    assert events["source_row"].tolist()[1:] == [2, 3]


def test_the_list_filters_and_writes_a_workbook(project: Path, tmp_path: Path) -> None:
    assert (
        run("hazards", "import", project, DEMO_DIR / "hazards.xlsx", "--today", TODAY).exit_code
        == 0
    )
    feedback = DEMO_DIR / "hazard_feedback.csv"
    assert run("hazards", "update", project, feedback, "--today", TODAY).exit_code == 0
    output = tmp_path / "hazards.xlsx"
    result = run("hazards", "list", project, "--today", TODAY, "-o", output)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(output, read_only=True)
    assert workbook.sheetnames == ["汇总", "隐患清单", "处置记录"]
    rows = list(workbook["汇总"].iter_rows(values_only=True))
    assert rows[0] == (
        "层级",
        "代码",
        "单位",
        "在办（未超期）",
        "超期未办结",
        "按期办结",
        "超期办结",
        "合计",
    )
    assert rows[-1][0] == "全县" and rows[-1][-1] == 40
    assert sum(row[-1] for row in rows[1:] if row[0] == "乡镇/街道") == 40
    assert len(list(workbook["隐患清单"].iter_rows(values_only=True))) == 41
    workbook.close()
    overdue = run("hazards", "list", project, "--today", TODAY, "--overdue")
    county = overdue.output.strip().splitlines()[-1].split()
    assert county[2] == "0" and county[3] == county[-1] != "0"
    fire = run("hazards", "list", project, "--today", TODAY, "--department", "6")
    assert (
        fire.exit_code == 0
        and "县消防救援大队" in fire.output
        and "县应急管理局" not in fire.output
    )
    town = run("hazards", "list", project, "--today", TODAY, "--township", "640122101", "--open")
    assert town.exit_code == 0 and "丰安镇" in town.output and "凤翔街道" not in town.output
    again = run("hazards", "list", project, "--today", TODAY, "-o", output)
    assert again.exit_code == 1 and "--overwrite" in again.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["list", "{project}", "--today", "30/06/2024"], "is not a date; write it YYYY-MM-DD"),
        (["list", "{project}", "--grid", "12345"], "is not a grid code"),
        (["list", "{project}", "--township", "6401"], "a township code has 9 digits"),
        (["list", "{project}", "-o", "summary.csv"], "the file must end in .xlsx"),
        (["import", "{project}", "r.csv", "--coords", "mars"], "--coords"),
    ],
)
def test_bad_options_are_usage_errors(project: Path, arguments: list[str], message: str) -> None:
    result = run("hazards", *[a.format(project=project) for a in arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_filters_naming_nothing_in_the_project_are_refused(project: Path) -> None:
    result = run("hazards", "list", project, "--grid", "6401229999990011")
    assert result.exit_code == 1 and "is not in" in result.output
    result = run("hazards", "list", project, "--department", "42")
    assert result.exit_code == 1 and "no department 42" in result.output


def test_an_update_before_any_import_says_what_to_run(project: Path, tmp_path: Path) -> None:
    result = run("hazards", "update", project, _feedback(tmp_path, "A,交办,2024-06-12,,,"))
    assert result.exit_code == 1
    assert "run 'gridgis hazards import' first" in result.output


def test_the_demo_imports_reports_and_prints_the_summary(demo_run: tuple[Path, str]) -> None:
    out, printed = demo_run
    line = next(line for line in printed.splitlines() if " hazards " in line)
    assert "40 reports routed" in line and "on 2024-06-30:" in line
    assert "overdue" in line and "closed late" in line
    listed = pd.read_excel(out / "hazards.xlsx", sheet_name="汇总")
    assert listed.iloc[-1]["合计"] == 40


def test_the_record_opens_in_qgis_styled_and_the_project_stays_valid(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    import json
    import subprocess

    from test_qgis_style import PROBE, QGIS_PYTHON
    from test_store_layout import validate

    project = demo_run[0] / "helan.gpkg"
    completed = subprocess.run(
        [QGIS_PYTHON, "-c", PROBE, str(project), "hazards", "hazard_events"],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    hazards, events = report["hazards"], report["hazard_events"]
    assert hazards["valid"] and hazards["spatial"] and hazards["renderer"] == "RuleRenderer"
    assert any('"deadline" <' in rule for rule in hazards["rules"])
    assert hazards["features"] >= 40  # every version of every report
    assert events["valid"] and not events["spatial"] and events["features"] == 145
    validate(project)
