"""Tests for gridgis.io.tables: file checks, encodings, delimiters, sheets, cells, headers."""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis.errors import EncodingError, InputDataError
from gridgis.io.tables import (
    cell_text,
    check_table_file,
    choose_sheets,
    column_letter,
    csv_records,
    detect_encoding,
    find_header,
    fold_header,
    list_headers,
    load_workbook,
    sheet_rows,
    sniff_delimiter,
    unique_labels,
)

# ---------------------------------------------------------------------------
# Files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.xls", b"x", r"Excel 97-2003 workbook \(\.xls\), which cannot be read"),
        ("t.ods", b"x", r"unsupported roster format '\.ods'"),
        ("t.csv", b"", r"t\.csv is an empty file"),
        ("t.xlsx", b"name,role\n", r"not an Excel workbook but a text \(CSV\) file"),
        ("t.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", r"Excel 97-2003 \(\.xls\) or password"),
        ("t.csv", b"PK\x03\x04rest", r"is an Excel workbook, not a text \(CSV\) file"),
    ],
)
def test_check_table_file_refuses_what_it_cannot_read(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputDataError, match=message):
        check_table_file(path, "roster")


def test_check_table_file_names_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="ledger file not found"):
        check_table_file(tmp_path / "nope.csv", "ledger")
    with pytest.raises(InputDataError, match=r"is a folder; give the ledger's \.xlsx or \.csv"):
        check_table_file(tmp_path, "ledger")


def test_check_table_file_returns_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "T.CSV"
    path.write_text("a,b\n", encoding="utf-8")
    assert check_table_file(path, "ledger") == ".csv"


# ---------------------------------------------------------------------------
# CSV


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("企业名称,地址\n".encode(), "utf-8-sig"),
        ("\ufeff企业名称,地址\n".encode(), "utf-8-sig"),
        ("企业名称,地址\n".encode("gbk"), "gb18030"),
        ("企业名称,地址\n".encode("utf-16"), "utf-16"),
    ],
)
def test_detect_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert detect_encoding(path, None) == expected


def test_detect_encoding_reads_past_the_first_block(tmp_path: Path) -> None:
    # A GBK name after 2 MiB of ASCII: a partial check would take it as UTF-8.
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" * (1 << 19) + "甲,乙\n".encode("gbk"))
    assert detect_encoding(path, None) == "gb18030"


def test_detect_encoding_checks_the_encoding_given(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("企业名称\n".encode("gbk"))
    assert detect_encoding(path, "gbk") == "gbk"
    with pytest.raises(EncodingError, match=r"text is not valid utf-8 \(byte 0\)"):
        detect_encoding(path, "utf-8")
    with pytest.raises(EncodingError, match="unknown text encoding 'klingon'"):
        detect_encoding(path, "klingon")


def test_detect_encoding_refuses_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"ok\n\x81\x20\x81\x20")
    with pytest.raises(EncodingError, match="neither UTF-8 nor GBK/GB18030"):
        detect_encoding(path, None)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["a,b,c", "1,2,3"], ","),
        (["a\tb\tc", "1\t2,5\t3"], "\t"),
        (["a;b;c"], ";"),
        (["a|b|c"], "|"),
        (["abc"], ","),
        ([], ","),
    ],
)
def test_sniff_delimiter(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_csv_records_allow_long_cells_and_restore_the_limit() -> None:
    limit = csv.field_size_limit()
    long_cell = "x" * (limit + 10)
    records = csv_records(f"a,b\n1,{long_cell}\n", ",", "t.csv")
    assert records == [["a", "b"], ["1", long_cell]]
    assert csv.field_size_limit() == limit


def test_csv_records_name_the_malformed_line() -> None:
    with pytest.raises(InputDataError, match=r"t\.csv: malformed CSV \(line 2: "):
        csv_records("a,b\n1\r2,3\n", ",", "t.csv")


# ---------------------------------------------------------------------------
# XLSX


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_choose_sheets() -> None:
    names = ["说明", "台账"]
    assert choose_sheets(names, None, "t.xlsx") == names
    assert choose_sheets(names, "台账", "t.xlsx") == ["台账"]
    assert choose_sheets(names, 0, "t.xlsx") == ["说明"]
    with pytest.raises(
        InputDataError, match=r"t\.xlsx has no sheet '名单'; its sheets are: 说明, 台账"
    ):
        choose_sheets(names, "名单", "t.xlsx")
    with pytest.raises(InputDataError, match=r"has no sheet number 2 \(0-based\)"):
        choose_sheets(names, 2, "t.xlsx")


def test_sheet_rows_gives_cell_text(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "t.xlsx",
        {"a": [["标题"], ["姓名", "电话", "入职"], [" 张三 ", 13912345678, date(2024, 5, 1)]]},
    )
    workbook = load_workbook(path)
    try:
        # Read-only rows end at their last cell (the stale dimensions are reset).
        assert sheet_rows(workbook, "a", 2) == [["标题"], ["姓名", "电话", "入职"]]
        rows = sheet_rows(workbook, "a")
    finally:
        workbook.close()
    assert rows is not None
    assert rows[2] == [" 张三 ", "13912345678", "2024-05-01T00:00:00"]


def test_load_workbook_refuses_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputDataError, match=r"t\.xlsx: not a readable \.xlsx workbook"):
        load_workbook(path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        (" 甲 ", " 甲 "),
        (True, "是"),
        (False, "否"),
        (13912345678.0, "13912345678"),
        (1.5, "1.5"),
        (1e20, "1e+20"),
        (float("nan"), ""),
        (42, "42"),
        (datetime(2024, 5, 1, 8, 30), "2024-05-01T08:30:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


# ---------------------------------------------------------------------------
# Headers


def folded_before(text: str) -> str:
    """The header folding gridgis.io.ledger wrote out before gridgis.text.fold."""
    brackets = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")
    drop = str.maketrans("", "", " \t\r\n\u3000/\\、,，;；:：-_.·*#№'\"")
    text = brackets.sub("", unicodedata.normalize("NFKC", text))
    return text.casefold().translate(drop)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_fold_header_folds_as_before(text: str) -> None:
    assert fold_header(text) == folded_before(text)


@pytest.mark.parametrize(
    ("header", "folded"),
    [
        ("*企业名称", "企业名称"),
        ("所属乡/镇/街道", "所属乡镇街道"),
        ("营业收入（万元）", "营业收入"),
        ("ＧＲＩＤ＿ＣＯＤＥ", "gridcode"),
        ("经 度\n", "经度"),
        ("【备注】说明", "说明"),
    ],
)
def test_fold_header(header: str, folded: str) -> None:
    assert fold_header(header) == folded


ALIASES = {
    "企业名称": ("name", 0),
    "名称": ("name", 1),
    "经度": ("lon", 0),
    "纬度": ("lat", 0),
    "地址": ("address", 0),
    "主要负责人姓名": ("principal", 0),
}


def lookup(label: str) -> tuple[str, int] | None:
    return ALIASES.get(label)


def test_find_header_below_title_rows() -> None:
    rows = [["企业台账"], ["填报单位：某镇"], ["序号", "企业名称", "地址"], ["1", "甲", "一村"]]
    found = find_header(rows, lookup)
    assert found is not None
    assert found.rows == (2,)
    assert found.labels == ("序号", "企业名称", "地址")
    assert found.fields == {"name": 1, "address": 2}
    assert found.matches == (None, ("name", 0), ("address", 0))


def test_find_header_over_two_merged_rows() -> None:
    rows = [
        ["企业名称", "主要负责人", "坐标", "", "备注"],
        ["", "姓名", "经度", "纬度", ""],
        ["甲", "张三", "106.2", "38.4", ""],
    ]
    found = find_header(rows, lookup)
    assert found is not None
    assert found.rows == (0, 1)
    assert found.labels == ("企业名称", "主要负责人/姓名", "坐标/经度", "坐标/纬度", "备注")
    # 姓名 alone names nothing; joined to its group it is 主要负责人姓名.
    assert found.fields == {"name": 0, "principal": 1, "lon": 2, "lat": 3}


def test_find_header_prefers_the_best_alias_then_the_leftmost_column() -> None:
    found = find_header([["名称", "企业名称", "企业名称"]], lookup)
    assert found is not None
    assert found.fields == {"name": 1}


def test_find_header_finds_nothing() -> None:
    assert find_header([["a", "b"], [], ["c"]], lookup) is None


def test_unique_labels_and_column_letters() -> None:
    assert unique_labels(["备注", "", "备注", "备注"]) == ["备注", "column_B", "备注_2", "备注_3"]
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert list_headers(["", "姓名", "", "角色"]) == "姓名, 角色"
    assert list_headers(["", ""]) == "(nothing)"
