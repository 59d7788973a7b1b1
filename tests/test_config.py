"""Tests for gridgis.config: the line-numbered TOML reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gridgis.config import ConfigFile, format_key, type_name
from gridgis.errors import ConfigError

TEXT = """\
# A file in the shape of the code scheme.
name = "demo"

[base]
sequences = [1, 899]
label = "  "

[[segment]]
name = "county"
length = 6

[[segment]]
name = "township"
length = true
values = { level = "0" }

[counties]
"640122" = "贺兰县"
"""


@pytest.fixture
def config() -> ConfigFile:
    return ConfigFile.parse(TEXT, "scheme.toml")


def raises(message: str):
    return pytest.raises(ConfigError, match=f"^{re.escape(message)}$")


def test_parse_keeps_the_data(config: ConfigFile) -> None:
    assert config.source == "scheme.toml"
    assert config.data["segment"][1]["name"] == "township"
    assert config.data["counties"] == {"640122": "贺兰县"}


def test_lines_of_keys_tables_and_array_entries(config: ConfigFile) -> None:
    assert config.line(("name",)) == 2
    assert config.line(("base",)) == 4
    assert config.line(("base", "sequences")) == 5
    assert config.line(("segment",)) == 8
    assert config.line(("segment", 0)) == 8
    assert config.line(("segment", 1)) == 12
    assert config.line(("segment", 1, "length")) == 14
    assert config.line(("counties", "640122")) == 18
    # A key inside an inline table has no line of its own: its table's line.
    assert config.line(("segment", 1, "values", "level")) == 15
    assert config.line(("nowhere",)) is None


def test_errors_name_file_line_and_key(config: ConfigFile) -> None:
    error = config.error(("segment", 1, "length"), "must be an integer")
    assert str(error) == "scheme.toml, line 14: segment[2].length: must be an integer"
    assert str(config.error((), "empty")) == "scheme.toml: empty"
    assert str(config.error(("nowhere",), "odd")) == "scheme.toml: nowhere: odd"


def test_format_key_and_type_name() -> None:
    assert format_key(("segment", 0, "values", "base")) == "segment[1].values.base"
    assert format_key(("counties", "640122")) == "counties.640122"
    assert [type_name(value) for value in (True, 1, 1.5, "x", [], {})] == [
        "a boolean",
        "an integer",
        "a float",
        "a string",
        "an array",
        "a table",
    ]


def test_keys(config: ConfigFile) -> None:
    base = config.data["base"]
    config.keys(base, ("base",), required=("sequences",), optional=("label",))
    with raises("scheme.toml, line 6: base.label: unknown key; expected one of sequences"):
        config.keys(base, ("base",), required=("sequences",))
    with raises("scheme.toml, line 4: base: missing key 'start'"):
        config.keys(base, ("base",), required=("sequences", "start"), optional=("label",))


def test_table_and_tables(config: ConfigFile) -> None:
    assert config.table(config.data["base"], ("base",))["sequences"] == [1, 899]
    assert len(config.tables(config.data["segment"], ("segment",))) == 2
    with raises("scheme.toml, line 2: name: must be a table, not a string"):
        config.table(config.data["name"], ("name",))
    with raises("scheme.toml, line 4: base: must be an array of tables ([[base]])"):
        config.tables(config.data["base"], ("base",))
    with raises("scheme.toml: reserved: must be an array of tables ([[reserved]])"):
        config.tables([], ("reserved",))


def test_typed_getters(config: ConfigFile) -> None:
    path = ("segment", 1, "length")
    assert config.integer(6, path, minimum=1) == 6
    with raises("scheme.toml, line 14: segment[2].length: must be an integer, not a boolean"):
        config.integer(True, path)
    with raises("scheme.toml, line 14: segment[2].length: must be at least 1, not 0"):
        config.integer(0, path, minimum=1)
    assert config.positive(3, path) == 3.0
    with raises("scheme.toml, line 14: segment[2].length: must be a number, not a boolean"):
        config.positive(True, path)
    with raises("scheme.toml, line 14: segment[2].length: must be a positive number, not nan"):
        config.positive(float("nan"), path)
    assert config.boolean(False, path) is False
    with raises("scheme.toml, line 14: segment[2].length: must be true or false, not an integer"):
        config.boolean(1, path)
    with raises("scheme.toml, line 6: base.label: must not be empty"):
        config.string("  ", ("base", "label"))
    assert config.string("  ", ("base", "label"), allow_empty=True) == "  "
    assert config.strings(["a", "b"], ("base", "label")) == ["a", "b"]
    with raises("scheme.toml, line 6: base.label[2]: 'a' appears twice"):
        config.strings(["a", "a"], ("base", "label"))
    with raises("scheme.toml, line 6: base.label: must be an array of strings, not a string"):
        config.strings("a", ("base", "label"))


def test_invalid_toml_names_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^rules\.toml: not valid TOML: .*line 1"):
        ConfigFile.parse("a = = 1", "rules.toml")


def test_load(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    # Windows editors often save UTF-8 with a byte-order mark.
    path.write_bytes("\ufeffname = '贺兰县'\n".encode())
    config = ConfigFile.load(path, "rules file")
    assert config.data == {"name": "贺兰县"}
    assert config.source == str(path)
    with raises(f"rules file not found: {tmp_path / 'missing.toml'}"):
        ConfigFile.load(tmp_path / "missing.toml", "rules file")
    path.write_bytes("name = '贺兰县'\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"rules\.toml: not UTF-8 text"):
        ConfigFile.load(path)
    with pytest.raises(ConfigError, match=r"^cannot read configuration file "):
        ConfigFile.load(tmp_path)
