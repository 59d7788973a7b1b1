"""Tests for gridgis.io.ledger.LedgerOptions: the reader's choices as one value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from gridgis.io.ledger import LedgerOptions, iter_ledger_chunks, read_ledger

ROWS = "企业名称,所属乡镇,所属村,经度,纬度\n" + "".join(
    f"企业{i},甲镇,一村,106.{i},38.5\n" for i in range(5)
)


@pytest.fixture
def ledger_csv(tmp_path: Path) -> Path:
    path = tmp_path / "l.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def test_options_read_as_the_keywords_do(ledger_csv: Path) -> None:
    bounds = (105.0, 38.0, 107.0, 39.0)
    by_options = read_ledger(ledger_csv, LedgerOptions(coords="gcj02", county_bounds=bounds))
    by_keywords = read_ledger(ledger_csv, coords="gcj02", county_bounds=bounds)
    pd.testing.assert_frame_equal(by_options.enterprises, by_keywords.enterprises)
    assert by_options.notes == by_keywords.notes
    assert by_options.enterprises["coord_system"].tolist() == ["gcj02"] * 5


def test_chunks_follow_the_options(ledger_csv: Path) -> None:
    chunks = list(iter_ledger_chunks(ledger_csv, LedgerOptions(chunk_rows=2)))
    assert [len(c.enterprises) for c in chunks] == [2, 2, 1]
    # A keyword left at None takes the default, as in LedgerOptions.
    assert len(list(iter_ledger_chunks(ledger_csv, chunk_rows=None))) == 1


def test_options_or_keywords_not_both(ledger_csv: Path) -> None:
    with pytest.raises(TypeError, match=r"not both \(got coords\)"):
        read_ledger(ledger_csv, LedgerOptions(), coords="gcj02")
    with pytest.raises(TypeError, match="options must be LedgerOptions, not dict"):
        iter_ledger_chunks(ledger_csv, {"coords": "gcj02"})  # type: ignore[arg-type]


def test_options_are_frozen() -> None:
    options = LedgerOptions(sheet="台账")
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.sheet = 0  # type: ignore[misc]
    assert dataclasses.replace(options, sheet=0).sheet == 0
    assert LedgerOptions().chunk_rows == 100_000
