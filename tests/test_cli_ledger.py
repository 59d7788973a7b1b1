"""``gridgis ledger export``: each grid's 网格化监管企业台帐 (Appendix A sample table 1)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import folder_listing, run

from gridgis.io.store import open_project
from gridgis.render.ledger import GridLedger, write_ledger_workbook

HEADERS = [
    "序号", "企业名称", "统一社会信用代码", "详细地址", "主要负责人", "联系电话", "电子邮箱",
    "员工人数", "生产/经营/储存主要产品", "是否注册营业执照", "所属乡/镇/街道", "所属村/社区",
    "网格编码", "网格类型", "划入行业专属网格原因",
]  # fmt: skip


def _units_per_grid(project: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(project)) as db:
        return dict(
            db.execute(
                "SELECT grid_code, count(*) FROM assignments WHERE valid_to IS NULL "
                "AND grid_code IS NOT NULL GROUP BY grid_code"
            ).fetchall()
        )


@pytest.fixture(scope="module")
def ledgers(demo_staffed: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("ledgers") / "ledgers"
    result = run("ledger", "export", demo_staffed, "-o", out)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_one_workbook_per_township_and_department_one_sheet_per_grid(
    ledgers: tuple[Path, str], demo_staffed: Path
) -> None:
    out, output = ledgers
    grids = open_project(demo_staffed).read_grids()
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    names = folder_listing(out)
    assert len(names) == 9 + 8
    fengan = openpyxl.load_workbook(out / "640122101-丰安镇.xlsx")
    expected = sorted(base.loc[base["admin_code"].str[:9] == "640122101", "grid_code"])
    assert fengan.sheetnames == expected
    assert "2 enterprises are in no grid's ledger" in output


def test_every_sheet_has_sample_table_1_columns_and_its_grids_units(
    ledgers: tuple[Path, str], demo_staffed: Path
) -> None:
    out, _ = ledgers
    expected = _units_per_grid(demo_staffed)
    seen: dict[str, int] = {}
    for path in sorted(out.glob("*.xlsx")):
        for sheet in openpyxl.load_workbook(path).worksheets:
            assert [c.value for c in sheet[3]] == HEADERS
            assert sheet["A1"].value.endswith("网格化监管企业台帐")
            assert f"网格编码：{sheet.title}" in sheet["A2"].value
            assert sheet.print_title_rows == "$1:$3"
            rows = [
                r for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)
            ]
            seen[sheet.title] = len(rows)
            assert all(r[12] == sheet.title for r in rows)
            if path.name.startswith("0"):  # a department's sector grid
                assert all(r[13] == "行业专属网格" and r[14] for r in rows)
            else:
                assert all(r[13] == "属地网格" and not r[14] for r in rows)
                assert all(r[9] in ("是", "否", None) for r in rows)
    assert {code: n for code, n in seen.items() if n} == expected
    assert sum(seen.values()) == 2998  # 3000 in the ledger, 2 unassigned


def test_one_file_for_a_village(demo_staffed: Path, tmp_path: Path) -> None:
    result = run(
        "ledger", "export", demo_staffed, "-o", tmp_path / "one.xlsx", "--village", "640122101204"
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "one.xlsx")
    grids = open_project(demo_staffed).read_grids(levels=["base"])
    assert book.sheetnames == sorted(grids.loc[grids["admin_code"] == "640122101204", "grid_code"])
    sheet = book.worksheets[0]
    assert "网格员：" in sheet["A2"].value  # the grid's members, from the roster


def test_bad_input(demo_staffed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = run("ledger", "export", demo_staffed, "-o", out, "--village", "640122101999")
    assert result.exit_code == 1 and "has no village 640122101999" in result.output
    result = run("ledger", "export", demo_staffed, "-o", out, "--grid", "640122101000000X")
    assert result.exit_code == 2 and "--grid" in result.output
    result = run("ledger", "export", demo_staffed, "-o", out, "--grid", "6401221010000008")
    assert result.exit_code == 1 and "level grid" in result.output
    result = run(
        "ledger",
        "export",
        demo_staffed,
        "-o",
        out,
        "--village",
        "640122101204",
        "--township",
        "640122101",
    )
    assert result.exit_code == 2 and "only one of" in result.output
    result = run("ledger", "export", demo_staffed, "-o", demo_staffed)
    assert result.exit_code == 1 and "is the project; give a folder" in result.output
    (tmp_path / "a file").write_text("x")
    result = run("ledger", "export", demo_staffed, "-o", tmp_path / "a file")
    assert result.exit_code == 1 and "is a file, not a folder" in result.output
    (tmp_path / "a file").unlink()
    assert folder_listing(tmp_path) == []


def test_text_from_a_ledger_stays_text(tmp_path: Path) -> None:
    units = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","点我")'],
            "uscc": ["+86"],
            "address": ["@SUM(1)"],
            "licensed": [True],
            "employees": [12],
        }
    )
    ledger = GridLedger(
        "6401221012040054", "谢家井村第5网格", "territorial", "丰安镇谢家井村", "", units
    )
    write_ledger_workbook([ledger], tmp_path / "l.xlsx", date="2024年5月1日")
    sheet = openpyxl.load_workbook(tmp_path / "l.xlsx").active
    assert sheet["B4"].value == units.loc[0, "name"] and sheet["B4"].data_type == "s"
    assert sheet["C4"].data_type == "s" and sheet["D4"].data_type == "s"
    assert sheet["H4"].value == 12 and sheet["J4"].value == "是"
