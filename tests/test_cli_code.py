"""Tests for ``gridgis code check``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from gridgis.cli.code import code
from gridgis.codes import GridCode, check_char
from gridgis.paths import DATA_DIR

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> Result:
    return CliRunner().invoke(code, list(args))


def test_valid_base_grid() -> None:
    result = run("check", "6401221012010015")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "编码 code: 6401221012010015 (有效 valid)",
        "县 county: 640122 贺兰县",
        "乡镇 township: 101 镇 town",
        "村 village: 201 村(村委会) village",
        "类型 kind: 基础网格 base grid",
        "序号 sequence: 001",
    ]


def test_valid_sector_grid() -> None:
    result = run("check", str(GridCode.sector("640122", 1, 1)))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "乡镇 township: 000 (县级 county level)" in lines
    assert "部门 department: 01 县应急管理局" in lines
    assert "类型 kind: 行业专属网格 sector grid (县级 county level)" in lines
    assert "序号 sequence: 001" in lines


def test_valid_level_grid() -> None:
    result = run("check", "640104001000000" + check_char("640104001000000"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "县 county: 640104 兴庆区" in lines
    assert "乡镇 township: 001 街道 street" in lines
    assert "村 village: 000 (无 none)" in lines
    assert "类型 kind: 层级网格 level grid (乡镇级 township level)" in lines
    assert "序号 sequence: 无 none" in lines


def test_county_of_another_province() -> None:
    result = run("check", "330225101201001" + check_char("330225101201001"))
    assert result.exit_code == 0, result.output
    assert "县 county: 330225 (外省, 编码方案未列出 another province)" in result.stdout.splitlines()


def test_whitespace_inside_the_code_is_accepted() -> None:
    result = run("check", "640122 101 201 001 5")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("640122101201001", r"wrong length: 15 characters, a grid code has 16"),
        ("6401221012010016", r"bad check character: .* needs '5'"),
        ("640199101201001" + check_char("640199101201001"), r"unknown county: 640199"),
        ("640122101201950" + check_char("640122101201950"), r"reserved range: sequence 950"),
        ("640122101201X015", r"not a number"),
    ],
)
def test_invalid_code_exits_1_with_one_line(text: str, reason: str) -> None:
    result = run("check", text)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert re.match(rf"Error: .*{reason}", result.stderr)


def test_json_output() -> None:
    result = run("check", "--json", "6401221012010015")
    assert result.exit_code == 0, result.output
    explanation = json.loads(result.stdout)
    assert explanation["county_name"] == "贺兰县"
    assert explanation["kind"] == "base"
    assert explanation["sequence"] == "001"
    assert list(explanation) == sorted(explanation)


def _docs_example() -> str:
    text = (ROOT / "docs" / "code_scheme.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: alternative-scheme -->\n```toml\n(.*?)```", text, re.S)
    assert match
    return match.group(1)


def test_other_scheme(tmp_path: Path) -> None:
    scheme = tmp_path / "scheme.toml"
    scheme.write_text(_docs_example(), encoding="utf-8")
    shutil.copy(DATA_DIR / "departments.toml", tmp_path / "departments.toml")
    result = run("check", "--scheme", str(scheme), "620102001002100127")
    assert result.exit_code == 0, result.output
    assert "县 county: 620102 城关区" in result.stdout.splitlines()
    assert "序号 sequence: 0012" in result.stdout.splitlines()
    # A Ningxia code is not a code of that region.
    result = run("check", "--scheme", str(scheme), "6401221012010015")
    assert result.exit_code == 1
    assert "wrong length" in result.stderr


def test_invalid_scheme_exits_1(tmp_path: Path) -> None:
    scheme = tmp_path / "scheme.toml"
    text = (DATA_DIR / "code_scheme.toml").read_text(encoding="utf-8")
    scheme.write_text(text.replace('marker = "9"', 'marker = "3"'), encoding="utf-8")
    shutil.copy(DATA_DIR / "departments.toml", tmp_path / "departments.toml")
    result = run("check", "--scheme", str(scheme), "6401221012010015")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert re.match(r"Error: .*scheme\.toml, line \d+: sector\.marker: .*collide", result.stderr)


def test_missing_scheme_is_a_usage_error(tmp_path: Path) -> None:
    result = run("check", "--scheme", str(tmp_path / "absent.toml"), "6401221012010015")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_behaves_the_same_inside_a_group() -> None:
    @click.group()
    def outer() -> None:
        pass

    outer.add_command(code)
    runner = CliRunner()
    ok = runner.invoke(outer, ["code", "check", "6401221012010015"])
    assert ok.exit_code == 0
    assert "县 county: 640122 贺兰县" in ok.stdout
    bad = runner.invoke(outer, ["code", "check", "6401221012010016"])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("Error: 6401221012010016: bad check character")


def test_help_lists_check() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "check" in result.stdout
