"""``gridgis report``: the data-quality workbook, one sheet per kind of problem."""

import json
from pathlib import Path

import openpyxl
from conftest import file_digest, run

from gridgis.paths import DEMO_DIR


def test_every_faulty_ledger_row_is_listed_once_on_its_sheet(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = demo_run
    output = tmp_path / "quality.xlsx"
    result = run("report", out / "helan.gpkg", "-o", output)
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(output)
    assert workbook.sheetnames[0] == "汇总"
    faults = json.loads((DEMO_DIR / "ledger_faults.json").read_text())
    invalid = workbook["统一社会信用代码无效"]
    header = [cell.value for cell in invalid[1]]
    assert header[:3] == ["台账行号", "企业名称", "统一社会信用代码"]
    rows = {row[0] for row in invalid.iter_rows(min_row=2, values_only=True)}
    assert set(faults["invalid_uscc"]) <= rows
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(min_row=2, values_only=True)}
    for title in workbook.sheetnames[1:]:
        assert summary[title] == workbook[title].max_row - 1


def test_report_needs_a_ledger(demo_project: Path, tmp_path: Path) -> None:
    output = tmp_path / "quality.xlsx"
    result = run("report", demo_project, "-o", output)
    assert result.exit_code == 1
    assert "has no imported ledger; run 'gridgis enterprises import'" in result.output
    assert not output.exists()


def test_report_never_overwrites_silently(demo_divided: Path, tmp_path: Path) -> None:
    output = tmp_path / "quality.xlsx"
    output.write_text("keep me")
    before = file_digest(demo_divided)
    result = run("report", demo_divided, "-o", output)
    assert result.exit_code == 1
    assert "already exists; pass --overwrite" in result.output
    assert output.read_text() == "keep me"
    assert file_digest(demo_divided) == before
