"""Tests for gridgis.io.ledger: formats, headers, normalisation, problems, bad input.

Every fixture ledger is written into ``tmp_path`` by the builders below, so
the bytes on disk (GBK, BOM, merged two-row headers) are visible in the test.
"""

from __future__ import annotations

import csv
import gc
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from gridgis import ledger as normaliser
from gridgis.coords import wgs84_to_bd09, wgs84_to_gcj02
from gridgis.errors import EncodingError, InputDataError
from gridgis.io import ledger
from gridgis.io.ledger import (
    LEDGER_COLUMNS,
    PROBLEM_COLUMNS,
    iter_ledger_chunks,
    read_ledger,
)

GEOD = pyproj.Geod(ellps="WGS84")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))


def uscc(serial: int) -> str:
    """A valid USCC for a Ningxia (6401xx) enterprise."""
    body = f"916401{serial:011d}"
    return body + stdnum_uscc.calc_check_digit(body)


VALID_A, VALID_B, VALID_C = uscc(1), uscc(2), uscc(3)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# ---------------------------------------------------------------------------
# Fixture builders


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [["" if v is None else v for v in row] for row in rows]
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None
) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell_range in (merges or {}).get(name, []):
            sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


GCJ_LON, GCJ_LAT = (float(v) for v in wgs84_to_gcj02(106.30, 38.50))
BD_LON, BD_LAT = (float(v) for v in wgs84_to_bd09(106.35, 38.55))

# A township's ledger as it often arrives: a notes sheet first, then a sheet
# with two title rows and a two-row header whose group cells are merged
# ("主要负责人" over 姓名/联系电话, "坐标" over 经度/纬度) and whose other
# header cells are merged down over both rows.
TWO_ROW_HEADER = [
    ["某县安全生产企业基本信息表"] + [None] * 13,
    ["填报单位：某镇人民政府"] + [None] * 12 + ["填报日期：2024年5月"],
    [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "主要负责人",
        None,
        "坐标",
        None,
        "坐标系",
        "所属乡/镇/街道",
        "所属村/社区",
        "风险等级",
        "重大危险源",
        "营业收入（万元）",
        "备注",
    ],
    [
        None,
        None,
        None,
        "姓名",
        "联系电话",
        "经度",
        "纬度",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ],
]
TWO_ROW_DATA = [
    [
        1,
        "甲化工有限公司",
        VALID_A,
        "张三",
        13912345678,
        106.2,
        38.4,
        "WGS-84",
        "甲镇",
        "一村",
        "红",
        "二级",
        1200.5,
        None,
    ],
    [
        2,
        "乙建材厂",
        "9164 0100 0000 0000 2x",
        "李四",
        "0951-1234567",
        GCJ_LON,
        GCJ_LAT,
        "高德",
        "甲镇",
        "二村",
        "橙色",
        "无",
        "1.2亿",
        "租赁厂房",
    ],
    [None] * 14,
    [
        3,
        "丙冶金公司",
        VALID_A,
        "王五",
        None,
        BD_LON,
        BD_LAT,
        "百度",
        "乙乡",
        "三村",
        "黄",
        "是",
        None,
        None,
    ],
    [
        4,
        "丁加油站",
        VALID_B,
        "赵六",
        None,
        38.45,
        106.25,
        None,
        "乙乡",
        "三村",
        "蓝色",
        "Ⅳ级",
        30,
        None,
    ],
    [5, None, None, None, None, 0, 0, None, "乙乡", "三村", "xx", None, "abc", "未填名称"],
]
TWO_ROW_MERGES = [
    "A1:N1",
    "A3:A4",
    "B3:B4",
    "C3:C4",
    "D3:E3",
    "F3:G3",
    "H3:H4",
    "I3:I4",
    "J3:J4",
    "K3:K4",
    "L3:L4",
    "M3:M4",
    "N3:N4",
]


def two_row_xlsx(path: Path) -> Path:
    return write_xlsx(
        path,
        {
            "说明": [["本表由各乡镇填报"], ["坐标请用高德地图拾取"]],
            "企业台账": TWO_ROW_HEADER + TWO_ROW_DATA,
        },
        {"企业台账": TWO_ROW_MERGES},
    )


APPENDIX_A_HEADER = [
    "企业名称",
    "统一社会信用代码",
    "详细地址",
    "主要负责人",
    "联系电话",
    "电子邮箱",
    "员工人数",
    "生产/经营/储存主要产品",
    "是否注册营业执照",
    "所属乡/镇/街道",
    "所属村/社区",
    "经度",
    "纬度",
]


def appendix_a_rows() -> list[list[Any]]:
    return [
        APPENDIX_A_HEADER,
        [
            "宁夏甲化工有限公司",
            VALID_A,
            "甲镇一村1号",
            "张三",
            "13912345678",
            "a@example.cn",
            "120",
            "化肥",
            "是",
            "甲镇",
            "一村",
            "106.2",
            "38.4",
        ],
        [
            "乙商贸有限公司",
            VALID_B,
            "乙乡二村",
            "李四",
            "",
            "",
            "8人",
            "日用品",
            "否",
            "乙乡",
            "二村",
            "106.3",
            "38.5",
        ],
    ]


# ---------------------------------------------------------------------------
# XLSX with title rows and a merged two-row header


@pytest.fixture
def two_row(tmp_path: Path) -> ledger.LedgerRead:
    return read_ledger(two_row_xlsx(tmp_path / "台账.xlsx"))


def test_two_row_header_is_found_below_title_rows(two_row: ledger.LedgerRead) -> None:
    info = two_row.info
    assert info.format == "xlsx"
    assert info.sheet == "企业台账"  # the notes sheet before it has no header
    assert info.header_rows == (3, 4)
    assert info.columns["name"] == "企业名称"
    assert info.columns["principal"] == "主要负责人/姓名"
    assert info.columns["phone"] == "主要负责人/联系电话"
    assert info.columns["lon"] == "坐标/经度"
    assert info.columns["lat"] == "坐标/纬度"
    assert info.extra_columns == ("序号", "备注")
    assert any("企业台账" in note for note in info.notes)


def test_rows_keep_stable_numbers_and_empty_rows_are_counted(two_row: ledger.LedgerRead) -> None:
    frame = two_row.enterprises
    assert list(frame.columns[: len(LEDGER_COLUMNS)]) == list(LEDGER_COLUMNS)
    assert frame["row"].tolist() == [1, 2, 4, 5, 6]
    assert frame["source_row"].tolist() == [5, 6, 8, 9, 10]
    assert (frame["source_sheet"] == "企业台账").all()
    assert two_row.empty_rows == 1
    # The row without a name is kept, and reported.
    assert frame["name"].isna().tolist() == [False, False, False, False, True]


def test_xlsx_values_are_normalised(two_row: ledger.LedgerRead) -> None:
    frame = two_row.enterprises.set_index("row")
    assert frame.loc[1, "phone"] == "13912345678"  # a number cell, not 13912345678.0
    assert frame.loc[2, "phone"] == "0951-1234567"
    assert frame.loc[2, "uscc"] == "91640100000000002X"
    assert frame["risk"].tolist()[:4] == ["重大", "较大", "一般", "低"]
    assert frame["major_hazard_grade"].tolist()[:4] == [2, 0, pd.NA, 4]
    assert frame["major_hazard"].tolist()[:4] == [True, False, True, True]
    assert frame.loc[1, "revenue"] == 1200.5
    assert frame.loc[2, "revenue"] == 12000.0  # 1.2亿 in 万元
    assert frame.loc[2, "备注"] == "租赁厂房"
    assert frame["序号"].tolist() == ["1", "2", "3", "4", "5"]


def test_xlsx_coordinates_are_converted_and_swaps_fixed(two_row: ledger.LedgerRead) -> None:
    frame = two_row.enterprises.set_index("row")
    assert frame["coord_system"].tolist()[:4] == ["wgs84", "gcj02", "bd09", "cgcs2000"]
    assert (frame.loc[1, "lon"], frame.loc[1, "lat"]) == (106.2, 38.4)
    assert metres(frame.loc[2, "lon"], frame.loc[2, "lat"], 106.30, 38.50) < 0.01
    assert metres(frame.loc[4, "lon"], frame.loc[4, "lat"], 106.35, 38.55) < 0.01
    assert (frame.loc[5, "lon"], frame.loc[5, "lat"]) == (106.25, 38.45)
    assert (frame.loc[5, "lon_input"], frame.loc[5, "lat_input"]) == (38.45, 106.25)
    assert np.isnan(frame.loc[6, "lon"]) and np.isnan(frame.loc[6, "lat"])


def test_xlsx_problems_table(two_row: ledger.LedgerRead) -> None:
    problems = two_row.problems
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    found = set(zip(problems["row"], problems["kind"], strict=True))
    assert found == {
        (1, "duplicate_uscc"),
        (4, "duplicate_uscc"),
        (2, "invalid_uscc"),
        (5, "swapped_coordinates"),
        (6, "missing_name"),
        (6, "missing_uscc"),
        (6, "coordinates_out_of_range"),
        (6, "unrecognised_value"),
        (6, "invalid_number"),
    }
    by_kind = problems.set_index("kind")
    assert "check character is 'X', should be" in by_kind.loc["invalid_uscc", "detail"]
    assert by_kind.loc["invalid_uscc", "value"] == "9164 0100 0000 0000 2x"
    assert "placeholder" in by_kind.loc["coordinates_out_of_range", "detail"]
    duplicates = problems[problems["kind"] == "duplicate_uscc"]
    assert set(duplicates["source_row"]) == {5, 8}
    assert all("rows 1, 4" in detail for detail in duplicates["detail"])
    frame = two_row.enterprises.set_index("row")
    assert frame["uscc_valid"].tolist() == [True, False, True, True, pd.NA]
    assert frame["uscc_duplicate"].tolist() == [True, False, True, False, pd.NA]


def test_two_row_header_exported_to_csv_reads_the_same(
    tmp_path: Path, two_row: ledger.LedgerRead
) -> None:
    # A CSV export keeps the header cells but loses the merges.
    path = write_csv(tmp_path / "export.csv", TWO_ROW_HEADER + TWO_ROW_DATA, "gbk")
    read = read_ledger(path)
    assert read.info.header_rows == (3, 4)
    assert read.info.columns == two_row.info.columns
    columns = ["row", "source_row", "name", "uscc", "phone", "risk", "revenue"]
    pd.testing.assert_frame_equal(read.enterprises[columns], two_row.enterprises[columns])
    np.testing.assert_allclose(read.enterprises["lon"], two_row.enterprises["lon"])


def test_merged_group_label_over_the_best_row(tmp_path: Path) -> None:
    # The sub-header row matches more fields than the group row above it.
    rows = [
        ["企业信息", None, None, "位置", None],
        ["企业名称", "统一社会信用代码", "行业", "经度", "纬度"],
        ["甲公司", VALID_A, "建材", "106.2", "38.4"],
    ]
    read = read_ledger(write_csv(tmp_path / "l.csv", rows))
    assert read.info.header_rows == (2,)
    assert read.enterprises["sector"].tolist() == ["建材"]


# ---------------------------------------------------------------------------
# CSV encodings and header spellings


def test_gbk_csv_is_detected(tmp_path: Path) -> None:
    read = read_ledger(write_csv(tmp_path / "gbk.csv", appendix_a_rows(), "gbk"))
    assert read.info.encoding == "gb18030"
    assert read.enterprises["name"].tolist() == ["宁夏甲化工有限公司", "乙商贸有限公司"]
    assert read.enterprises["township"].tolist() == ["甲镇", "乙乡"]
    assert any("gb18030" in note for note in read.notes)


def test_utf8_bom_csv(tmp_path: Path) -> None:
    read = read_ledger(write_csv(tmp_path / "bom.csv", appendix_a_rows(), "utf-8-sig"))
    assert read.info.encoding == "utf-8-sig"
    assert read.info.columns["name"] == "企业名称"  # the BOM is not part of the header
    frame = read.enterprises
    assert frame["employees"].tolist() == [120, 8]
    assert frame["licensed"].tolist() == [True, False]
    assert frame["email"].tolist() == ["a@example.cn", np.nan]
    assert frame["products"].tolist() == ["化肥", "日用品"]
    assert read.problems.empty


def test_encoding_override_is_strict(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", appendix_a_rows(), "gbk")
    with pytest.raises(EncodingError, match=r"gbk\.csv: text is not valid utf-8 \(byte \d+\)"):
        read_ledger(path, encoding="utf-8")
    assert read_ledger(path, encoding="GBK").enterprises["name"].iloc[1] == "乙商贸有限公司"
    with pytest.raises(EncodingError, match="unknown text encoding 'klingon'"):
        read_ledger(path, encoding="klingon")


def test_english_headers(tmp_path: Path) -> None:
    rows = [
        [
            "Name",
            "USCC",
            "Address",
            "Township",
            "Village",
            "lng",
            "lat",
            "Risk Level",
            "Major hazard",
            "Revenue (10k CNY)",
            "Plant",
            "CRS",
        ],
        [
            "Alpha Chemicals",
            VALID_A,
            "1 Road",
            "Jia",
            "One",
            "106.2",
            "38.4",
            "red",
            "no",
            "12",
            "rented",
            "WGS84",
        ],
    ]
    read = read_ledger(write_csv(tmp_path / "en.csv", rows))
    row = read.enterprises.iloc[0]
    assert (row["name"], row["uscc"], row["township"], row["village"]) == (
        "Alpha Chemicals",
        VALID_A,
        "Jia",
        "One",
    )
    assert (row["risk"], row["major_hazard"], row["revenue"], row["plant"]) == (
        "重大",
        False,
        12.0,
        "租赁",
    )
    assert bool(row["rented_plant"]) and not bool(row["abandoned_plant"])
    assert row["coord_system"] == "wgs84"


def test_header_spellings_are_tolerated(tmp_path: Path) -> None:
    rows = [
        [
            "* 企业 名称",
            "统一社会信用代码（18位）",
            "所属乡镇（街道）",
            "村（社区）",
            "营业收入(元)",
            "X坐标",
            "Y坐标",
        ],
        ["甲公司", VALID_A, "甲镇", "一村", "50000", "106.2", "38.4"],
    ]
    read = read_ledger(write_csv(tmp_path / "l.csv", rows))
    assert set(read.info.columns) == {
        "name",
        "uscc",
        "township",
        "village",
        "revenue",
        "lon",
        "lat",
    }
    assert read.enterprises["revenue"].iloc[0] == pytest.approx(5.0)  # 元 → 万元


def test_township_and_village_without_coordinates(tmp_path: Path) -> None:
    rows = [["企业名称", "所属乡/镇/街道", "所属村/社区"], ["甲公司", "甲镇", "一村"]]
    read = read_ledger(write_csv(tmp_path / "l.csv", rows))
    assert read.enterprises["lon"].isna().all()
    assert "missing_coordinates" not in set(read.problems["kind"])
    assert not any("coordinate system" in note for note in read.notes)


def test_single_coordinates_column(tmp_path: Path) -> None:
    rows = [["企业名称", "经纬度"], ["甲", "106.2,38.4"], ["乙", "38.5， 106.3"], ["丙", ""]]
    frame = read_ledger(write_csv(tmp_path / "l.csv", rows)).enterprises
    assert frame["lon"].tolist()[:2] == [106.2, 106.3]
    assert frame["lat"].tolist()[:2] == [38.4, 38.5]


# ---------------------------------------------------------------------------
# Coordinates


def coordinate_ledger(
    tmp_path: Path, pairs: list[tuple[str, str]], systems: list[str] | None = None
) -> Path:
    header = ["企业名称", "经度", "纬度"] + (["坐标系"] if systems else [])
    rows = [header]
    for i, (lon, lat) in enumerate(pairs):
        rows.append([f"企业{i + 1}", lon, lat] + ([systems[i]] if systems else []))
    return write_csv(tmp_path / "coords.csv", rows)


def test_coordinate_text_is_parsed(tmp_path: Path) -> None:
    pairs = [
        ("106.3", "38.5"),
        (" 106.3 ", "38.5"),
        ("106.3°", "38.5°"),
        ("106.3".translate(FULLWIDTH_DIGITS), "38.5".translate(FULLWIDTH_DIGITS)),
        ("E106.3", "N38.5"),
        ("106°18'", "38°30′00″"),
        ("东经106.3", "北纬38.5度"),
    ]
    read = read_ledger(coordinate_ledger(tmp_path, pairs))
    np.testing.assert_allclose(read.enterprises["lon"], 106.3)
    np.testing.assert_allclose(read.enterprises["lat"], 38.5)
    assert read.problems.empty


def test_bad_coordinates_are_reported_and_rows_kept(tmp_path: Path) -> None:
    pairs = [("abc", "38.5"), ("106.3", ""), ("", ""), ("36512345.6", "4261234.5"), ("200", "38")]
    read = read_ledger(coordinate_ledger(tmp_path, pairs))
    assert len(read.enterprises) == 5
    assert read.enterprises["lon"].isna().all()
    kinds = read.problems.set_index("row")["kind"].to_dict()
    assert kinds == {
        1: "invalid_coordinates",
        2: "missing_coordinates",
        3: "missing_coordinates",
        4: "coordinates_out_of_range",
        5: "coordinates_out_of_range",
    }
    details = read.problems.set_index("row")["detail"]
    assert "projected metres" in details[4]
    assert "only one of" in details[2]
    assert read.problems.set_index("row").loc[1, "value"] == "abc, 38.5"


def test_ledger_wide_and_per_row_systems(tmp_path: Path) -> None:
    gcj = wgs84_to_gcj02(106.3, 38.5)
    bd = wgs84_to_bd09(106.3, 38.5)
    pairs = [
        (f"{gcj[0]:.9f}", f"{gcj[1]:.9f}"),
        (f"{bd[0]:.9f}", f"{bd[1]:.9f}"),
        ("106.3", "38.5"),
    ]
    path = coordinate_ledger(tmp_path, pairs, systems=["", "BD-09", "4490"])
    frame = read_ledger(path, coords="火星").enterprises
    assert frame["coord_system"].tolist() == ["gcj02", "bd09", "cgcs2000"]
    for lon, lat in zip(frame["lon"], frame["lat"], strict=True):
        assert metres(lon, lat, 106.3, 38.5) < 0.01


def test_unknown_system_in_a_column_is_reported(tmp_path: Path) -> None:
    path = coordinate_ledger(
        tmp_path, [("106.3", "38.5"), ("106.3", "38.5")], systems=["gcj02", "UTM"]
    )
    read = read_ledger(path)
    frame = read.enterprises
    assert not np.isnan(frame["lon"].iloc[0]) and np.isnan(frame["lon"].iloc[1])
    problem = read.problems.iloc[0]
    assert (problem["row"], problem["kind"], problem["value"]) == (
        2,
        "unknown_coordinate_system",
        "UTM",
    )


def test_unknown_system_name_argument_raises(tmp_path: Path) -> None:
    path = coordinate_ledger(tmp_path, [("106.3", "38.5")])
    with pytest.raises(InputDataError, match=r"unknown coordinate system 'mars'.*wgs84, "):
        read_ledger(path, coords="mars")


def test_coords_column_names_the_system_column(tmp_path: Path) -> None:
    rows = [["企业名称", "经度", "纬度", "来源"], ["甲", "106.3", "38.5", "百度"]]
    path = write_csv(tmp_path / "l.csv", rows)
    assert read_ledger(path, coords_column="来源").enterprises["coord_system"][0] == "bd09"
    with pytest.raises(
        InputDataError,
        match="no column '坐标' for the coordinate system; headers found: "
        "企业名称, 经度, 纬度, 来源",
    ):
        read_ledger(path, coords_column="坐标")


def test_no_system_given_is_noted(tmp_path: Path) -> None:
    read = read_ledger(coordinate_ledger(tmp_path, [("106.3", "38.5")]))
    assert read.enterprises["coord_system"][0] == "cgcs2000"
    assert any("no coordinate system given" in note for note in read.notes)


def test_county_bounds(tmp_path: Path) -> None:
    bounds = (106.0, 38.0, 107.0, 39.0)
    pairs = [("106.5", "38.5"), ("105.5", "38.5"), ("38.5", "106.5"), ("38.0", "120.0")]
    read = read_ledger(coordinate_ledger(tmp_path, pairs), county_bounds=bounds)
    kinds = read.problems.set_index("row")["kind"].to_dict()
    # Row 4 would land in China if swapped, but not in the county: it is
    # reported as out of range instead of being "fixed".
    assert kinds == {2: "outside_county", 3: "swapped_coordinates", 4: "coordinates_out_of_range"}
    assert read.enterprises["lon"].tolist()[:3] == [106.5, 105.5, 106.5]
    # Without bounds the same pair is taken as swapped.
    kinds = read_ledger(coordinate_ledger(tmp_path, pairs)).problems.set_index("row")["kind"]
    assert kinds[4] == "swapped_coordinates"
    with pytest.raises(InputDataError, match="county bounds must be"):
        read_ledger(coordinate_ledger(tmp_path, pairs), county_bounds=(1, 2, 0, 3))


# ---------------------------------------------------------------------------
# USCC and value vocabularies


def test_uscc_is_normalised_and_checked(tmp_path: Path) -> None:
    messy = " " + VALID_C[:4].translate(FULLWIDTH_DIGITS) + " " + VALID_C[4:].lower() + " "
    rows = [
        ["企业名称", "统一社会信用代码", "经度", "纬度"],
        ["甲", messy, "106.3", "38.5"],
        ["乙", VALID_A[:-1] + ("0" if VALID_A[-1] != "0" else "1"), "106.3", "38.5"],
        ["丙", "91640100MA7654321I", "106.3", "38.5"],
        ["丁", "", "106.3", "38.5"],
    ]
    read = read_ledger(write_csv(tmp_path / "l.csv", rows))
    frame = read.enterprises
    assert frame["uscc"].tolist()[:3] == [VALID_C, rows[2][1], "91640100MA7654321I"]
    assert frame["uscc_valid"].tolist() == [True, False, False, pd.NA]
    details = read.problems.set_index("row")["detail"]
    assert "should be" in details[2]
    assert "not allowed" in details[3]
    assert read.problems.set_index("row").loc[4, "kind"] == "missing_uscc"


uscc_like = st.one_of(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV-", min_size=16, max_size=19),
    st.integers(min_value=0, max_value=10**11 - 1).map(uscc),
    st.text(min_size=18, max_size=18),
)


@settings(max_examples=500, deadline=None)
@given(codes=st.lists(uscc_like, min_size=1, max_size=20))
def test_vectorised_uscc_check_matches_stdnum(codes: list[str]) -> None:
    normalised = normaliser._normalise_uscc(np.array(codes, dtype=object))
    expected = [stdnum_uscc.is_valid(code) if code else False for code in normalised]
    assert normaliser._uscc_valid(normalised).tolist() == expected


@pytest.mark.parametrize(
    ("function", "cases"),
    [
        (
            normaliser._risk_level,
            {
                "重大风险": "重大",
                "红色": "重大",
                "较大": "较大",
                "橙": "较大",
                "一般风险": "一般",
                "黄色": "一般",
                "低风险": "低",
                "蓝": "低",
                "Blue": "低",
                "紫": None,
            },
        ),
        (
            normaliser._hazard_grade,
            {
                "无": 0,
                "否": 0,
                "不构成": 0,
                "是": 5,
                "一级": 1,
                "二级重大危险源": 2,
                "3级": 3,
                "Ⅳ级": 4,
                "iv": 4,
                "五级": None,
            },
        ),
        (
            normaliser._yes_no,
            {
                "是": True,
                "已注册": True,
                "Y": True,
                "√": True,
                "否": False,
                "无": False,
                "×": False,
                "也许": None,
            },
        ),
        (
            normaliser._plant_kind,
            {
                "自有": "自有",
                "自建厂房": "自有",
                "租赁厂房": "租赁",
                "租用": "租赁",
                "废弃厂房": "废弃",
                "闲置": "废弃",
                "其他": None,
            },
        ),
    ],
)
def test_value_vocabularies(function: Any, cases: dict[str, Any]) -> None:
    assert {text: function(text) for text in cases} == cases


def test_plant_flags_from_yes_no_columns(tmp_path: Path) -> None:
    rows = [
        ["企业名称", "所属乡镇", "所属村", "是否租赁厂房", "是否废弃厂房"],
        ["甲", "甲镇", "一村", "是", "否"],
        ["乙", "甲镇", "一村", "否", "是"],
        ["丙", "甲镇", "一村", "否", "否"],
        ["丁", "甲镇", "一村", "", ""],
    ]
    frame = read_ledger(write_csv(tmp_path / "l.csv", rows)).enterprises
    assert frame["plant"].tolist() == ["租赁", "废弃", np.nan, np.nan]
    assert frame["rented_plant"].tolist() == [True, False, False, pd.NA]
    assert frame["abandoned_plant"].tolist() == [False, True, False, pd.NA]


def test_numbers_with_units(tmp_path: Path) -> None:
    rows = [
        ["企业名称", "所属乡镇", "所属村", "员工人数", "营业收入"],
        ["甲", "甲镇", "一村", "1,200", "3.5万元"],
        ["乙", "甲镇", "一村", "12.5", "2亿"],
        ["丙", "甲镇", "一村", "-3", "5000元"],
        ["丁", "甲镇", "一村", "很多", "不详"],
    ]
    read = read_ledger(write_csv(tmp_path / "l.csv", rows))
    frame = read.enterprises
    assert frame["employees"].tolist() == [1200, pd.NA, pd.NA, pd.NA]
    np.testing.assert_allclose(frame["revenue"], [3.5, 20000.0, 0.5, np.nan])
    bad = read.problems[read.problems["kind"] == "invalid_number"]
    assert sorted(zip(bad["row"], bad["value"], strict=True)) == [
        (2, "12.5"),
        (3, "-3"),
        (4, "不详"),
        (4, "很多"),
    ]


# ---------------------------------------------------------------------------
# Streaming


def test_chunks_match_the_whole_read(tmp_path: Path) -> None:
    rows = [APPENDIX_A_HEADER]
    for i in range(50):
        rows.append(
            [
                f"企业{i}",
                uscc(i % 40),
                "",
                "",
                "",
                "",
                str(i),
                "",
                "是",
                "甲镇",
                "一村",
                f"{106 + i / 100:.2f}",
                "38.5",
            ]
        )
        if i % 7 == 0:
            rows.append([""] * len(APPENDIX_A_HEADER))
    path = write_csv(tmp_path / "l.csv", rows)
    whole = read_ledger(path)
    chunks = list(iter_ledger_chunks(path, chunk_rows=8))
    assert len(chunks) == 8
    streamed = pd.concat([c.enterprises for c in chunks], ignore_index=True)
    columns = [c for c in whole.enterprises.columns if c != "uscc_duplicate"]
    pd.testing.assert_frame_equal(streamed[columns], whole.enterprises[columns])
    assert sum(c.empty_rows for c in chunks) == whole.empty_rows == 8
    # Streaming reports each later copy of a code, naming the first row.
    later = pd.concat([c.problems for c in chunks])
    later = later[later["kind"] == "duplicate_uscc"]
    assert len(later) == 10 and len(whole.problems) == 20
    assert later["detail"].iloc[0] == "统一社会信用代码 already on row 1"
    assert int(streamed["uscc_duplicate"].sum()) == 10


def test_streaming_xlsx_closes_the_workbook(tmp_path: Path) -> None:
    path = two_row_xlsx(tmp_path / "l.xlsx")
    chunks = list(iter_ledger_chunks(path, chunk_rows=2))
    assert [len(c.enterprises) for c in chunks] == [2, 1, 2]
    # An iterator dropped before it starts must not leak the open file
    # (pytest turns the ResourceWarning into an error).
    unused = iter_ledger_chunks(path)
    del unused
    gc.collect()


def test_streaming_checks_the_file_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="ledger file not found"):
        iter_ledger_chunks(tmp_path / "missing.csv")


@settings(max_examples=25, deadline=None)
@given(
    cells=st.lists(
        st.one_of(
            st.just(""),
            st.just("  "),
            st.text(
                alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1,
                max_size=6,
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_no_row_is_lost(cells: list[str]) -> None:
    rows = [["企业名称", "所属乡镇", "所属村"]] + [[cell, "", ""] for cell in cells]
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / "l.csv", rows)
        if all(not cell.strip() for cell in cells):
            with pytest.raises(InputDataError, match="no data rows"):
                read_ledger(path)
            return
        read = read_ledger(path, chunk_rows=7)
    expected = [i + 1 for i, cell in enumerate(cells) if cell.strip()]
    assert read.enterprises["row"].tolist() == expected
    assert len(read.enterprises) + read.empty_rows == len(cells)
    assert read.enterprises["name"].tolist() == [c.strip() for c in cells if c.strip()]


# ---------------------------------------------------------------------------
# Bad input: one clear InputDataError each


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match=r"ledger file not found: .*nope\.xlsx"):
        read_ledger(tmp_path / "nope.xlsx")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "ledger.doc"
    path.write_text("x")
    with pytest.raises(
        InputDataError,
        match=r"ledger\.doc: unsupported ledger format '\.doc'; use one of "
        r"\.xlsx, \.xlsm, \.csv",
    ):
        read_ledger(path)


def test_old_xls_workbook(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(
        InputDataError,
        match=r"Excel 97-2003 workbook \(\.xls\).*save it as "
        r"\.xlsx",
    ):
        read_ledger(path)


def test_xlsx_that_is_really_a_csv(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "ledger.csv", appendix_a_rows())
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(csv_path.read_bytes())
    with pytest.raises(
        InputDataError,
        match=r"ledger\.xlsx is not an Excel workbook but a text \(CSV\) file "
        r"with an \.xlsx name; rename it to \.csv",
    ):
        read_ledger(path)


def test_csv_that_is_really_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(two_row_xlsx(tmp_path / "l.xlsx").read_bytes())
    with pytest.raises(
        InputDataError,
        match=r"ledger\.csv is an Excel workbook, not a text "
        r"\(CSV\) file; rename it to \.xlsx",
    ):
        read_ledger(path)


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(InputDataError, match=r"ledger\.xlsx: not a readable \.xlsx workbook"):
        read_ledger(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"")
    with pytest.raises(InputDataError, match=r"ledger\.csv is an empty file"):
        read_ledger(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_ledger_without_data_rows(tmp_path: Path, suffix: str) -> None:
    rows = [APPENDIX_A_HEADER, [""] * len(APPENDIX_A_HEADER)]
    if suffix == ".csv":
        path = write_csv(tmp_path / f"ledger{suffix}", rows)
    else:
        path = write_xlsx(tmp_path / f"ledger{suffix}", {"Sheet1": rows[:1]})
    with pytest.raises(InputDataError, match="the ledger has a header but no data rows"):
        read_ledger(path)


def test_sheet_that_does_not_exist(tmp_path: Path) -> None:
    path = two_row_xlsx(tmp_path / "ledger.xlsx")
    with pytest.raises(
        InputDataError,
        match=r"ledger\.xlsx has no sheet 'Sheet1'; its sheets "
        "are: 说明, 企业台账",
    ):
        read_ledger(path, sheet="Sheet1")
    with pytest.raises(InputDataError, match="has no sheet number 5"):
        read_ledger(path, sheet=5)
    assert read_ledger(path, sheet=1).info.sheet == "企业台账"
    with pytest.raises(InputDataError, match="a CSV file; it has no sheets"):
        read_ledger(write_csv(tmp_path / "l.csv", appendix_a_rows()), sheet="x")


def test_missing_name_header(tmp_path: Path) -> None:
    rows = [["名字", "经度", "纬度"], ["甲", "106", "38"]]
    with pytest.raises(
        InputDataError,
        match=r"missing required header 企业名称 \(name\); "
        "headers found: 名字, 经度, 纬度",
    ):
        read_ledger(write_csv(tmp_path / "l.csv", rows))


def test_missing_location_headers(tmp_path: Path) -> None:
    rows = [["企业名称", "经度", "所属乡镇"], ["甲", "106", "甲镇"]]
    with pytest.raises(
        InputDataError,
        match=r"missing required header 纬度 \(lat\); headers found: "
        "企业名称, 经度, 所属乡镇",
    ):
        read_ledger(write_csv(tmp_path / "l.csv", rows))
    rows = [["企业名称", "行业"], ["甲", "建材"]]
    with pytest.raises(InputDataError, match=r"经度/纬度 .* or 所属乡/镇/街道 and 所属村/社区"):
        read_ledger(write_csv(tmp_path / "l.csv", rows))


def test_no_header_in_any_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", {"a": [["foo", "bar"], [1, 2]], "b": [["z"]]})
    with pytest.raises(
        InputDataError,
        match=r"\(sheet 'a'\): no ledger header found .* "
        "the first row holds: foo, bar .*no other sheet",
    ):
        read_ledger(path)
    # With some known headers, the message names the missing one instead.
    path = write_xlsx(tmp_path / "l.xlsx", {"a": [["x", "y"], [1, 2]]})
    with pytest.raises(
        InputDataError,
        match=r"l\.xlsx \(sheet 'a'\): missing required header "
        r"企业名称 \(name\); headers found: x, y$",
    ):
        read_ledger(path)


def test_malformed_csv_line(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("企业名称,所属乡镇,所属村\n甲,甲镇,一村\n乙,甲镇,一村,多余\n", encoding="utf-8")
    with pytest.raises(
        InputDataError,
        match=r"malformed CSV .*line 3 has 4 fields but the "
        "header has 3",
    ):
        read_ledger(path)


def test_first_rows_across_and_within_chunks() -> None:
    from gridgis.ledger import FirstRows

    seen = FirstRows()
    first = seen.first_rows(pd.Series(["A", "B", "A", "C"]), np.array([1, 2, 3, 4]))
    assert first.tolist() == [1, 2, 1, 4]
    first = seen.first_rows(pd.Series(["C", "D", "D", "B", "E"]), np.array([5, 6, 7, 8, 9]))
    assert first.tolist() == [4, 6, 6, 2, 9]
    # 16 bytes per distinct code, whatever its length.
    assert len(seen.hashes) == len(seen.rows) == 5
