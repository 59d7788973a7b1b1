"""Tests for gridgis.ledger: normalising raw ledger chunks without any file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from stdnum.cn import uscc as stdnum_uscc

from gridgis.coords import wgs84_to_gcj02
from gridgis.errors import InputDataError
from gridgis.ledger import (
    LEDGER_COLUMNS,
    PROBLEM_COLUMNS,
    FirstRows,
    LedgerInfo,
    LedgerLayout,
    Normaliser,
    check_county_bounds,
    combine_chunks,
    flag_streaming_duplicates,
)


def uscc(serial: int) -> str:
    body = f"916401{serial:011d}"
    return body + stdnum_uscc.calc_check_digit(body)


LABELS = ("企业名称", "统一社会信用代码", "经度", "纬度", "营业收入（亿元）", "备注")
FIELDS = {"name": 0, "uscc": 1, "lon": 2, "lat": 3, "revenue": 4}


def normaliser(**options: Any) -> Normaliser:
    layout = LedgerLayout(
        fields=FIELDS, labels=LABELS, extra=(5,), sheet="台账", first_source_row=4
    )
    info = LedgerInfo(
        source=Path("l.xlsx"),
        format="xlsx",
        sheet="台账",
        encoding=None,
        header_rows=(3,),
        columns=dict(zip(FIELDS, LABELS, strict=False)),
        extra_columns=("备注",),
    )
    return Normaliser(layout, info, **options)


def raw(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object)


def test_a_chunk_is_normalised_without_a_file() -> None:
    chunk = normaliser().normalise(
        raw(
            [
                [" 甲公司 ", uscc(1), "106.2", "38.4", "1.5", "备注一"],
                ["", "", "", " ", "", ""],
                ["", uscc(1)[:-1] + "X", "38.5", "106.3", "abc", ""],
            ]
        ),
        first_row=11,
    )
    frame = chunk.enterprises
    assert list(frame.columns) == [*LEDGER_COLUMNS, "备注"]
    assert chunk.empty_rows == 1
    # Rows keep their number below the header; the blank one is counted, not kept.
    assert frame["row"].tolist() == [11, 13]
    assert frame["source_row"].tolist() == [14, 16]
    assert frame["source_sheet"].tolist() == ["台账", "台账"]
    assert frame["name"].tolist()[0] == "甲公司"
    assert frame["uscc_valid"].tolist() == [True, False]
    # 亿元 in the header: revenue is converted to 万元.
    assert frame["revenue"].tolist()[0] == 15000.0
    assert (frame["lon"].tolist()[1], frame["lat"].tolist()[1]) == (106.3, 38.5)
    assert frame["备注"].tolist() == ["备注一", np.nan]
    problems = chunk.problems
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    assert problems["kind"].tolist() == [
        "invalid_number",
        "invalid_uscc",
        "missing_name",
        "swapped_coordinates",
    ]
    assert set(problems["row"]) == {13}
    assert chunk.info.source == Path("l.xlsx")


def test_a_ledger_wide_system_is_converted() -> None:
    lon, lat = (float(v) for v in wgs84_to_gcj02(106.3, 38.5))
    chunk = normaliser(coord_system="gcj02").normalise(
        raw([["甲", uscc(1), str(lon), str(lat), "", ""]]), first_row=1
    )
    frame = chunk.enterprises
    assert frame["coord_system"].tolist() == ["gcj02"]
    assert abs(frame["lon"][0] - 106.3) < 1e-6 and abs(frame["lat"][0] - 38.5) < 1e-6
    assert frame["lon_input"][0] == lon


def test_county_bounds_are_checked() -> None:
    assert check_county_bounds(None) is None
    assert check_county_bounds((1, 2, 3, 4)) == (1.0, 2.0, 3.0, 4.0)
    with pytest.raises(InputDataError, match=r"county bounds must be \(minx, miny, maxx, maxy\)"):
        check_county_bounds((3.0, 2.0, 1.0, 4.0))
    with pytest.raises(InputDataError, match="county bounds"):
        normaliser(county_bounds=(1.0, 2.0, 3.0))


def test_duplicates_whole_and_streamed() -> None:
    norm = normaliser()
    rows = [["甲", uscc(1), "", "", "", ""], ["乙", uscc(2), "", "", "", ""]]
    first = norm.normalise(raw(rows), first_row=1)
    second = norm.normalise(raw([["丙", uscc(1), "", "", "", ""]]), first_row=3)
    whole = combine_chunks([first, second])
    duplicates = whole.problems[whole.problems["kind"] == "duplicate_uscc"]
    assert duplicates["row"].tolist() == [1, 3]
    assert duplicates["detail"].tolist() == ["统一社会信用代码 repeated on rows 1, 3"] * 2
    assert whole.enterprises["uscc_duplicate"].tolist() == [True, False, True]

    seen = FirstRows()
    for chunk in (
        norm.normalise(raw(rows), first_row=1),
        norm.normalise(raw([["丙", uscc(1), "", "", "", ""]]), first_row=3),
    ):
        flag_streaming_duplicates(chunk, seen)
    later = chunk.problems[chunk.problems["kind"] == "duplicate_uscc"]
    assert later["detail"].tolist() == ["统一社会信用代码 already on row 1"]
    assert chunk.enterprises["uscc_duplicate"].tolist() == [True]


def test_the_normaliser_reads_no_files() -> None:
    code = "import sys, gridgis.ledger; print(sorted(m for m in sys.modules if 'gridgis.io' in m))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
