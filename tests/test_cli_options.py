"""A bad option value is bad usage: exit 2, the option named as typed, nothing done."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import file_digest

from gridgis.cli.main import cli

CASES = {
    "max-load nan": (["divide", "{p}", "--by", "area", "--max-load", "nan"], "--max-load", "nan"),
    "max-load inf": (["divide", "{p}", "--by", "area", "--max-load", "inf"], "--max-load", "inf"),
    "max-load -inf": (
        ["divide", "{p}", "--by", "area", "--max-load", "-inf"],
        "--max-load",
        "-inf",
    ),
    "max-load 0": (["divide", "{p}", "--by", "area", "--max-load", "0"], "--max-load", "not 0"),
    "max-load -5": (["divide", "{p}", "--by", "area", "--max-load", "-5"], "--max-load", "-5"),
    "village code form": (
        ["divide", "{p}", "--by", "area", "--max-load", "1", "--village", "6401221012"],
        "--village",
        "12 digits",
    ),
    "township code form": (
        ["divide", "{p}", "--by", "area", "--max-load", "1", "--township", "64012210x"],
        "--township",
        "9 digits",
    ),
    "tolerance nan": (["check", "{p}", "--tolerance", "nan"], "--tolerance", "nan"),
    "gap width -1": (["check", "{p}", "--gap-width", "-1"], "--gap-width", "-1"),
    "coords": (
        ["enterprises", "import", "{p}", "{ledger}", "--coords", "mars"],
        "--coords",
        "mars",
    ),
    "ledger encoding": (
        ["enterprises", "import", "{p}", "{ledger}", "--encoding", "klingon"],
        "--encoding",
        "klingon",
    ),
    "roster encoding": (
        ["staff", "import", "{p}", "{ledger}", "--encoding", "klingon"],
        "--encoding",
        "klingon",
    ),
    "init crs": (
        ["init", "{new}", "--admin", "{admin}", "--crs", "EPSG:99999999"],
        "--crs",
        "EPSG:99999999",
    ),
    "init encoding": (
        ["init", "{new}", "--admin", "{admin}", "--encoding", "klingon"],
        "--encoding",
        "klingon",
    ),
    "export version 0": (["export", "{p}", "-o", "{out}", "--version", "0"], "--version", "0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_option_values_exit_2_naming_the_option(
    demo_project: Path, tmp_path: Path, case: str
) -> None:
    arguments, option, shown = CASES[case]
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("企业名称,经度,纬度\n甲,106.2,38.5\n", encoding="utf-8")
    values = {
        "p": demo_project,
        "ledger": ledger,
        "new": tmp_path / "new.gpkg",
        "admin": demo_project,
        "out": tmp_path / "grids.csv",
    }
    before = file_digest(demo_project)
    listing = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(
        cli, [a.format(**{k: str(v) for k, v in values.items()}) for a in arguments]
    )
    assert result.exit_code == 2, result.output
    assert f"'{option}'" in result.output, result.output
    assert shown in result.output, result.output
    assert "Traceback" not in result.output
    assert file_digest(demo_project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
