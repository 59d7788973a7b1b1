"""``gridgis stats``: the statistics table in the layout of Appendix A sample table 2."""

from __future__ import annotations

import contextlib
import csv
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import file_digest, run

from gridgis.io.store import open_project

BLOCK1_HEADERS = {
    "A3": "一、网格单元划分情况",
    "A4": "横向属地网格数量",
    "F4": "纵向行业（专属）网格数量",
    "G4": "纳入网格化监管范围的生产经营单位数量",
    "A5": "网格",
    "C5": "社区",
    "D5": "村",
    "E5": "居民区等",
    "G5": "台账内",
    "H5": "已录入系统并落格",
    "I5": "租赁厂房、废弃厂房",
}
BLOCK2_HEADERS = {
    "A8": "二、网格监管责任落实情况",
    "A9": "序号",
    "B9": "乡镇（街道）、部门、功能区",
    "C9": "挂点领导及职务",
    "D9": "网格安全监管责任人及职务",
    "E9": "直接监管责任人及职务",
    "F9": "网格管理员及职务",
    "G9": "纳入网格化监管范围的生产经营单位数量",
    "G10": "台账内",
    "H10": "已录入系统并落格",
    "I10": "租赁厂房、废弃厂房",
}
MERGED = {
    "A1:I1", "A2:I2", "A3:I3", "A4:E4", "F4:F5", "G4:I4", "A5:B5", "A6:B6",
    "A8:I8", "A9:A10", "B9:B10", "C9:C10", "D9:D10", "E9:E10", "F9:F10", "G9:I9",
}  # fmt: skip


def _counts(project: Path) -> dict[str, object]:
    """Recount from the GeoPackage's own tables, with SQL, not with gridgis's code."""
    with contextlib.closing(sqlite3.connect(project)) as db:
        kinds = dict(
            db.execute(
                "SELECT coalesce(kind, 'none'), count(*) FROM assignments "
                "WHERE valid_to IS NULL GROUP BY 1"
            ).fetchall()
        )
        rented = db.execute(
            "SELECT count(*) FROM assignments a JOIN enterprises e "
            "ON e.enterprise_id = a.enterprise_id AND e.valid_to IS NULL "
            "WHERE a.valid_to IS NULL AND (e.rented_plant = 1 OR e.abandoned_plant = 1)"
        ).fetchone()[0]
        placed_by_grid = dict(
            db.execute(
                "SELECT grid_code, count(*) FROM assignments WHERE valid_to IS NULL "
                "AND kind = 'territorial' GROUP BY grid_code"
            ).fetchall()
        )
        note = [
            n
            for (n,) in db.execute("SELECT note FROM versions ORDER BY id")
            if n and n.startswith("assign")
        ][-1]
    rows, territorial, sector, unassigned = map(
        int,
        re.search(
            r"rows (\d+) = territorial (\d+) \+ sector (\d+) \+ unassigned (\d+)", note
        ).groups(),
    )
    grids = open_project(project).read_grids()
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    township_of = dict(zip(base["grid_code"], base["admin_code"].str[:9], strict=True))
    per_township: dict[str, int] = {}
    for code, count in placed_by_grid.items():
        per_township[township_of[code]] = per_township.get(township_of[code], 0) + count
    return {
        "rows": rows,
        "territorial": territorial,
        "sector": sector,
        "unassigned": unassigned,
        "kinds": kinds,
        "rented": rented,
        "base_grids": len(base),
        "sector_grids": int((grids["kind"] == "sector").sum()),
        "villages": base["admin_code"].nunique(),
        "per_township": per_township,
    }


@pytest.fixture(scope="module")
def stats_run(
    demo_staffed: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("stats")
    result = run("stats", demo_staffed, "-o", out / "stats.xlsx", "--csv", out / "stats.csv")
    assert result.exit_code == 0, result.output
    return out / "stats.xlsx", out / "stats.csv", result.output


def test_layout_is_sample_table_2(stats_run: tuple[Path, Path, str]) -> None:
    sheet = openpyxl.load_workbook(stats_run[0]).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert MERGED <= merged
    last = sheet.max_row
    assert f"A{last}:B{last}" in merged and sheet[f"A{last}"].value == "合计"
    for cell, text in {**BLOCK1_HEADERS, **BLOCK2_HEADERS}.items():
        assert sheet[cell].value == text, cell
    assert sheet["A1"].value == "贺兰县安全生产网格化统计表"
    assert sheet["A2"].value.startswith("填报单位（盖章）：贺兰县")
    # Printing: A4 landscape, one page wide, block 2's header on every page,
    # the title in the page header.
    assert sheet.print_title_rows == "$9:$10"
    assert sheet.print_area == f"'网格化统计表'!$A$1:$I${last}"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4 == "9"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.oddHeader.center.text == "贺兰县安全生产网格化统计表"
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFGHI"]
    assert min(widths) >= 6 and widths[5] >= 24


def test_counts_agree_with_the_project_and_the_conservation_line(
    stats_run: tuple[Path, Path, str], demo_staffed: Path
) -> None:
    counts = _counts(demo_staffed)
    sheet = openpyxl.load_workbook(stats_run[0]).active
    assert sheet["A6"].value == counts["base_grids"]
    assert sheet["C6"].value + sheet["D6"].value + sheet["E6"].value == counts["villages"]
    assert sheet["F6"].value == counts["sector_grids"]
    # 台账内 = the assign's rows N; 已录入系统并落格 = T + S.
    assert sheet["G6"].value == counts["rows"] == sum(counts["kinds"].values())
    assert sheet["H6"].value == counts["territorial"] + counts["sector"]
    assert counts["kinds"]["territorial"] == counts["territorial"]
    assert sheet["I6"].value == counts["rented"] == 183  # the demo's 148 rented + 35 abandoned
    last = sheet.max_row
    assert [sheet[f"{c}{last}"].value for c in "GHI"] == [sheet[f"{c}6"].value for c in "GHI"]
    rows = {sheet[f"B{r}"].value: [sheet[f"{c}{r}"].value for c in "GHI"] for r in range(11, last)}
    assert sum(v[0] for v in rows.values()) == counts["rows"]
    assert sum(v[1] for v in rows.values()) == counts["territorial"] + counts["sector"]
    admin = open_project(demo_staffed).read_layer("admin_units")
    names = dict(zip(admin["code"], admin["name"], strict=True))
    for township, placed in counts["per_township"].items():
        assert rows[names[township]][1] == placed, names[township]
    assert "agrees with the last assign: rows 3000 = territorial" in stats_run[2]


def test_people_columns_name_each_township_and_department(
    stats_run: tuple[Path, Path, str],
) -> None:
    sheet = openpyxl.load_workbook(stats_run[0]).active
    rows = {sheet[f"B{r}"].value: r for r in range(11, sheet.max_row)}
    fengxiang = rows["凤翔街道"]
    assert sheet[f"C{fengxiang}"].value == "潘萍静（县委常委、副县长）"
    assert re.fullmatch(
        r"村（社区）网格员 \d+ 名（专职 \d+ 名、兼职 \d+ 名）", sheet[f"F{fengxiang}"].value
    )
    emergency = rows["县应急管理局"]
    assert sheet[f"D{emergency}"].value == "胡平俊（局长）"
    assert sheet[f"F{emergency}"].value == "赵贵（执法人员）、韩霞华（执法人员）"
    assert len(rows) == 9 + 8  # 9 townships and streets, 8 departments


def test_csv_holds_the_same_rows(stats_run: tuple[Path, Path, str]) -> None:
    with open(stats_run[1], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["名称"] == "合计" and rows[-1]["台账内"] == "3000"
    assert sum(int(r["台账内"]) for r in rows[:-1]) == 3000
    assert rows[0]["挂点领导及职务"] == "潘萍静（县委常委、副县长）"


def test_without_a_roster_the_people_columns_are_empty(demo_assigned: Path, tmp_path: Path) -> None:
    result = run("stats", demo_assigned, "-o", tmp_path / "stats.xlsx")
    assert result.exit_code == 0, result.output
    assert "no staff roster" in result.output
    sheet = openpyxl.load_workbook(tmp_path / "stats.xlsx").active
    assert all(
        sheet[f"{c}{r}"].value in (None, "") for r in range(11, sheet.max_row) for c in "CDEF"
    )
    assert sheet["G6"].value == 3000


def test_bad_usage_and_refused_outputs(
    demo_staffed: Path, demo_divided: Path, tmp_path: Path
) -> None:
    result = run("stats", demo_staffed, "-o", tmp_path / "stats.csv")
    assert result.exit_code == 2 and "must end in .xlsx" in result.output
    existing = tmp_path / "old.xlsx"
    existing.write_bytes(b"keep")
    result = run("stats", demo_staffed, "-o", existing)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert existing.read_bytes() == b"keep"
    digest = file_digest(demo_divided)
    result = run("stats", demo_divided, "-o", tmp_path / "new.xlsx")
    assert result.exit_code == 1 and "run 'gridgis assign' first" in result.output
    assert not (tmp_path / "new.xlsx").exists() and file_digest(demo_divided) == digest
