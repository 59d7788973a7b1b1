"""Regression tests for ledger faults that used to pass silently or crash.

- A misspelt, missing or duplicated 经度/纬度 header lost every point without
  a word; a missing USCC or coordinate column was not reported at all.
- A cell longer than the csv module's field limit (131,072 characters) in the
  first lines stopped the import with an internal error, and a long digit
  string in a number column took quadratic time.
- The coordinate-system note named the Python argument, not the CLI option.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result
from conftest import box_villages, file_digest, run

from gridgis.errors import InputDataError
from gridgis.io.ledger import iter_ledger_chunks, read_ledger
from gridgis.io.store import open_project

ADMIN = ["企业名称", "所属乡镇", "所属村"]
GOOD = ["甲公司", "金山镇", "红星村"]
FORMATS = ["utf-8.csv", "gbk.csv", "xlsx"]
SHEET = "台账"


def write_ledger(folder: Path, rows: list[list[Any]], fmt: str, stem: str = "l") -> Path:
    """Write rows as a UTF-8 or GBK CSV (``utf-8.csv``, ``gbk.csv``) or an XLSX."""
    if fmt == "xlsx":
        path = folder / f"{stem}.xlsx"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = SHEET
        for row in rows:
            sheet.append(row)
        workbook.save(path)
        return path
    encoding = fmt.removesuffix(".csv")
    path = folder / f"{stem}.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def where(path: Path) -> str:
    """How a message names the file (and sheet)."""
    return f"{path.name} (sheet '{SHEET}')" if path.suffix == ".xlsx" else path.name


@pytest.fixture
def project(tmp_path: Path) -> Path:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    path = tmp_path / "p.gpkg"
    assert run("init", path, "--admin", source).exit_code == 0
    return path


def assert_refused(result: Result, message: str, project: Path, before: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output and "Internal error" not in result.output
    assert re.search(message, result.output), result.output
    assert file_digest(project) == before


# ---------------------------------------------------------------------------
# 1. One of 经度/纬度 without the other


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("typed", "meant"), [("纬 度x", "纬度"), ("latitude2", "latitude"), ("维度", "纬度")]
)
def test_misspelt_latitude_header_is_an_error(
    tmp_path: Path, fmt: str, typed: str, meant: str
) -> None:
    path = write_ledger(tmp_path, [[*ADMIN, "经度", typed], [*GOOD, 106.2, 38.5]], fmt)
    expected = (
        f"{where(path)}: found a longitude column (经度) but no latitude column; "
        f"unknown headers: {typed} — did you mean {meant}?"
    )
    with pytest.raises(InputDataError, match=f"^{re.escape(expected)}$"):
        read_ledger(path)
    # Raised at the call, before any chunk is read.
    with pytest.raises(InputDataError, match=re.escape(expected)):
        iter_ledger_chunks(path)


def test_misspelt_longitude_header_is_an_error(tmp_path: Path) -> None:
    path = write_ledger(
        tmp_path, [[*ADMIN, "备注", "精度", "纬度"], [*GOOD, "", 106.2, 38.5]], "gbk.csv"
    )
    with pytest.raises(
        InputDataError,
        match=re.escape(
            "l.csv: found a latitude column (纬度) but no longitude column; "
            "unknown headers: 备注, 精度 — did you mean 经度 for 精度?"
        ),
    ):
        read_ledger(path)


@pytest.mark.parametrize(
    ("header", "tail"),
    [
        ([*ADMIN, "经度", "备注"], "; unknown headers: 备注; head the latitude column 纬度"),
        ([*ADMIN, "经度"], "; head the latitude column 纬度"),
        # The latitude column headed 经度 as well: one header twice.
        (
            [*ADMIN, "经度", "经度"],
            "; columns D and E are both headed 经度 — should one of them be 纬度?",
        ),
    ],
)
def test_latitude_header_missing_or_duplicated(
    tmp_path: Path, header: list[str], tail: str
) -> None:
    rows = [header, [*GOOD, 106.2, 38.5][: len(header)]]
    path = write_ledger(tmp_path, rows, "utf-8.csv")
    expected = "l.csv: found a longitude column (经度) but no latitude column" + tail
    with pytest.raises(InputDataError, match=f"^{re.escape(expected)}$"):
        read_ledger(path)


def test_the_defective_sheet_is_not_skipped_for_another(tmp_path: Path) -> None:
    # The first sheet with a ledger header is the ledger; a lone 经度 there is
    # an error, not a reason to read last year's sheet behind it instead.
    path = tmp_path / "book.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表由各乡镇填报"])
    for name, latitude in (("2024", "纬 度x"), ("2023", "纬度")):
        sheet = workbook.create_sheet(name)
        sheet.append([*ADMIN, "经度", latitude])
        sheet.append([*GOOD, 106.2, 38.5])
    workbook.save(path)
    with pytest.raises(
        InputDataError, match=re.escape("book.xlsx (sheet '2024'): found a longitude column (经度)")
    ):
        read_ledger(path)
    assert read_ledger(path, sheet="2023").enterprises["lat"][0] == 38.5


def test_ledger_without_village_columns_gets_the_suggestion_too(tmp_path: Path) -> None:
    path = write_ledger(
        tmp_path, [["企业名称", "经度", "纬 度x"], ["甲", 106.2, 38.5]], "utf-8.csv"
    )
    with pytest.raises(
        InputDataError,
        match=re.escape(
            "l.csv: missing required header 纬度 (lat); headers "
            "found: 企业名称, 经度, 纬 度x; did you mean 纬度 for "
            "纬 度x?"
        ),
    ):
        read_ledger(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_with_a_misspelt_latitude_changes_nothing(
    tmp_path: Path, project: Path, fmt: str
) -> None:
    path = write_ledger(tmp_path, [[*ADMIN, "经度", "纬 度x"], [*GOOD, 106.205, 38.505]], fmt)
    before = file_digest(project)
    result = run("enterprises", "import", project, path)
    assert_refused(
        result, re.escape("unknown headers: 纬 度x — did you mean 纬度?"), project, before
    )


# ---------------------------------------------------------------------------
# 1. The same coordinate header twice


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_latitude_columns_that_differ_are_an_error(tmp_path: Path, fmt: str) -> None:
    rows = [
        [*ADMIN, "经度", "纬度", "纬度"],
        [*GOOD, 106.2, 38.5, 38.5],
        ["乙公司", "金山镇", "红星村", 106.2, 38.5, 38.6],
    ]
    path = write_ledger(tmp_path, rows, fmt)
    position = "line 3" if fmt != "xlsx" else "spreadsheet row 3"
    expected = (
        f"{path.name}: columns E and F are both headed 纬度 but differ on row 2 ({position}): "
        "'38.5' in E, '38.6' in F; delete or rename one of them"
    )
    with pytest.raises(InputDataError, match=f"^{re.escape(expected)}$"):
        read_ledger(path)


@pytest.mark.parametrize("fmt", ["gbk.csv", "xlsx"])
def test_two_identical_latitude_columns_are_read_as_one(
    tmp_path: Path, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [[*ADMIN, "纬度", "经度", "纬度"], [*GOOD, 38.5, 106.2, 38.5], [*GOOD, "", "", ""]]
    path = write_ledger(tmp_path, rows, fmt)
    with caplog.at_level(logging.WARNING, logger="gridgis.io.ledger"):
        read = read_ledger(path)
    assert read.enterprises["lat"].tolist()[0] == 38.5
    assert read.info.extra_columns == ()
    note = "columns D and F are both headed 纬度; D is read, and F must hold the same values"
    assert [n for n in read.notes if "both headed" in n] == [f"{path.name}: {note}"]
    assert any(note in message for message in caplog.messages)


def test_copies_that_differ_late_stop_the_stream(tmp_path: Path) -> None:
    rows = [[*ADMIN, "经度", "经度", "纬度"]]
    rows += [[*GOOD, 106.2, 106.2, 38.5] for _ in range(5)] + [[*GOOD, 106.2, "", 38.5]]
    path = write_ledger(tmp_path, rows, "utf-8.csv")
    chunks = iter_ledger_chunks(path, chunk_rows=2)
    assert len(next(chunks).enterprises) == 2
    with pytest.raises(
        InputDataError,
        match=r"differ on row 6 \(line 7\): '106.2' in D, '' "
        "in E",
    ):
        list(chunks)


def test_a_better_alias_still_wins_without_error(tmp_path: Path) -> None:
    # 纬度 ranks above Y坐标 (which often holds projected metres): no copy.
    rows = [[*ADMIN, "经度", "纬度", "X坐标", "Y坐标"], [*GOOD, 106.2, 38.5, 500000, 4261234]]
    read = read_ledger(write_ledger(tmp_path, rows, "utf-8.csv"))
    assert (read.enterprises["lon"][0], read.enterprises["lat"][0]) == (106.2, 38.5)
    assert read.info.extra_columns == ("X坐标", "Y坐标")


def test_import_with_differing_latitude_copies_changes_nothing(
    tmp_path: Path, project: Path
) -> None:
    rows = [[*ADMIN, "经度", "纬度", "纬度"]]
    rows += [[*GOOD, 106.205, 38.505, 38.505]] * 4 + [[*GOOD, 106.205, 38.505, 38.6]]
    path = write_ledger(tmp_path, rows, "gbk.csv")
    before = file_digest(project)
    result = run("enterprises", "import", project, path)
    assert_refused(
        result,
        re.escape("columns E and F are both headed 纬度 but differ on row 5 (line 6)"),
        project,
        before,
    )


# ---------------------------------------------------------------------------
# 1. A whole column missing is reported once


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_uscc_and_coordinate_columns_are_noted_once(
    tmp_path: Path, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_ledger(tmp_path, [ADMIN, GOOD, ["乙公司", "金山镇", "新华村"]], fmt)
    with caplog.at_level(logging.WARNING, logger="gridgis.io.ledger"):
        read = read_ledger(path)
    assert read.info.missing_columns == {
        "missing_uscc": "the ledger has no USCC column",
        "missing_coordinates": "the ledger has no coordinate columns",
    }
    expected = [
        f"{path.name}: the ledger has no USCC column (统一社会信用代码); no row has a code",
        f"{path.name}: the ledger has no coordinate columns (经度/纬度); no row has a point",
    ]
    assert [note for note in read.notes if "the ledger has no" in note] == expected
    assert [m for m in caplog.messages if "the ledger has no" in m] == expected
    # Once for the ledger, not once per row: the problems table stays per cell.
    assert read.problems.empty


def test_a_ledger_with_both_columns_has_nothing_missing(tmp_path: Path) -> None:
    rows = [[*ADMIN, "统一社会信用代码", "经度", "纬度"], [*GOOD, "", "", ""]]
    read = read_ledger(write_ledger(tmp_path, rows, "utf-8.csv"))
    assert read.info.missing_columns == {}
    assert not any("the ledger has no" in note for note in read.notes)
    # Empty cells are still reported row by row.
    assert sorted(read.problems["kind"]) == ["missing_coordinates", "missing_uscc"]


def test_missing_columns_are_reported_by_the_import(tmp_path: Path, project: Path) -> None:
    path = write_ledger(tmp_path, [ADMIN, GOOD, ["乙公司", "金山镇", "新华村"]], "gbk.csv")
    result = run("enterprises", "import", project, path)
    assert result.exit_code == 0, result.output
    assert "read 2 enterprises" in result.stdout
    for message in (
        "l.csv: the ledger has no USCC column (统一社会信用代码); no row has a code",
        "l.csv: the ledger has no coordinate columns (经度/纬度); no row has a point",
    ):
        assert result.stderr.count(message) == 1, result.stderr
    assert len(open_project(project).read_layer("enterprises")) == 2


# ---------------------------------------------------------------------------
# 2. Very long cells


@pytest.mark.parametrize("fmt", ["utf-8.csv", "gbk.csv"])
@pytest.mark.parametrize("line", [2, 40])
def test_a_200000_character_cell_is_read(tmp_path: Path, fmt: str, line: int) -> None:
    products = "化肥" * 100_000
    rows = [[*ADMIN, "主要产品", "经度", "纬度"]] + [[*GOOD, "", 106.2, 38.5]] * 45
    rows[line - 1] = [*GOOD, products, 106.2, 38.5]
    limit = csv.field_size_limit()
    read = read_ledger(write_ledger(tmp_path, rows, fmt))
    assert read.enterprises["products"][line - 2] == products
    assert len(read.enterprises) == 45
    assert csv.field_size_limit() == limit  # restored for other code


def test_a_cell_beyond_ten_million_characters_is_refused(tmp_path: Path) -> None:
    rows = [[*ADMIN, "主要产品", "经度", "纬度"], [*GOOD, "x" * 10_000_001, 106.2, 38.5]]
    limit = csv.field_size_limit()
    with pytest.raises(
        InputDataError,
        match=r"^l\.csv: line 2 has a cell longer than "
        r"10,000,000 characters; shorten it$",
    ):
        read_ledger(write_ledger(tmp_path, rows, "utf-8.csv"))
    assert csv.field_size_limit() == limit


@pytest.mark.parametrize("fmt", ["utf-8.csv", "xlsx"])
def test_long_cells_in_every_field_are_read_quickly(tmp_path: Path, fmt: str) -> None:
    # 32,767 characters is the most an Excel cell (and openpyxl) holds. A
    # digit string that is not quite a number made the number parser's
    # regular expression backtrack quadratically (about a minute here).
    header = [
        "企业名称",
        "统一社会信用代码",
        "详细地址",
        "员工人数",
        "营业收入",
        "风险等级",
        "重大危险源",
        "所属乡镇",
        "所属村",
        "经度",
        "纬度",
        "坐标系",
        "备注",
    ]
    long_text = "1" * 32_000 + "x1"
    rows = [header]
    for column in range(len(header)):
        row: list[Any] = ["甲", "", "", "", "", "", "", "金山镇", "红星村", 106.2, 38.5, "", ""]
        row[column] = long_text
        rows.append(row)
    started = time.perf_counter()
    read = read_ledger(write_ledger(tmp_path, rows, fmt))
    assert time.perf_counter() - started < 10
    assert len(read.enterprises) == len(header)
    assert read.enterprises["name"][0] == long_text
    kinds = set(read.problems["kind"])
    assert {
        "invalid_uscc",
        "invalid_number",
        "unrecognised_value",
        "invalid_coordinates",
        "unknown_coordinate_system",
    } <= kinds


def test_import_of_a_200000_character_cell(tmp_path: Path, project: Path) -> None:
    address = "金山镇红星村" + "一" * 200_000
    rows = [[*ADMIN, "详细地址", "经度", "纬度"], [*GOOD, address, 106.205, 38.505]]
    path = write_ledger(tmp_path, rows, "gbk.csv")
    result = run("enterprises", "import", project, path)
    assert result.exit_code == 0, result.output
    assert "read 1 enterprises" in result.stdout
    assert open_project(project).read_layer("enterprises")["address"][0] == address


# ---------------------------------------------------------------------------
# 3. The coordinate-system note names the CLI option


def test_coordinate_system_note_names_the_cli_option(tmp_path: Path, project: Path) -> None:
    rows = [[*ADMIN, "经度", "纬度"], [*GOOD, 106.205, 38.505]]
    path = write_ledger(tmp_path, rows, "utf-8.csv")
    expected = (
        "l.csv: no coordinate system given; coordinates taken as CGCS2000/WGS-84 "
        "(pass --coords gcj02 for points picked on Amap or Tencent maps, "
        "--coords bd09 for Baidu)"
    )
    assert expected in read_ledger(path).notes
    result = run("enterprises", "import", project, path)
    assert result.exit_code == 0, result.output
    assert expected in result.stderr
    assert "coords='" not in result.stderr
