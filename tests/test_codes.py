"""Tests for gridgis.codes: the scheme file, the code value type and allocation."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.iso7064 import mod_11_2

from gridgis.codes import (
    CodeScheme,
    GridCode,
    check_char,
    default_scheme,
    explain,
    is_valid,
    load_code_scheme,
    load_departments,
    next_sequences,
    parse,
    parse_code_scheme,
    reading_order,
)
from gridgis.errors import CodeError, ConfigError
from gridgis.paths import DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
SCHEME_PATH = DATA_DIR / "code_scheme.toml"
DEPARTMENTS_PATH = DATA_DIR / "departments.toml"
SCHEME_TEXT = SCHEME_PATH.read_text(encoding="utf-8")
DEPARTMENTS_TEXT = DEPARTMENTS_PATH.read_text(encoding="utf-8")

NINGXIA_COUNTIES = {
    "640104": "兴庆区", "640105": "西夏区", "640106": "金凤区", "640121": "永宁县",
    "640122": "贺兰县", "640181": "灵武市", "640202": "大武口区", "640205": "惠农区",
    "640221": "平罗县", "640302": "利通区", "640303": "红寺堡区", "640323": "盐池县",
    "640324": "同心县", "640381": "青铜峡市", "640402": "原州区", "640422": "西吉县",
    "640423": "隆德县", "640424": "泾源县", "640425": "彭阳县", "640502": "沙坡头区",
    "640521": "中宁县", "640522": "海原县",
}  # fmt: skip


def with_check(body: str, scheme: CodeScheme | None = None) -> str:
    return body + check_char(body, scheme)


def docs_example() -> str:
    text = (ROOT / "docs" / "code_scheme.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- example: alternative-scheme -->\n```toml\n(.*?)```", text, re.S)
    assert match, "the worked example is missing from docs/code_scheme.md"
    return match.group(1)


# A compact layout: 2-digit community part, 4-digit sequence, marker 9 followed
# by a 1-digit department number, no check character.
COMPACT_TEXT = """
check = "none"
body_length = 15
segment = [
  { name = "county", length = 6 },
  { name = "township", length = 3 },
  { name = "village", length = 2 },
  { name = "sequence", length = 4 },
]
township_type = [{ range = [1, 599], type = "any", label = "乡镇街道" }]
village_type = [{ range = [1, 59], type = "community", label = "社区" }]
base = { sequences = [1, 8999] }
sector = { marker = "9", sequences = [1, 8999] }
counties = { "640122" = "贺兰县" }
"""


@functools.cache
def docs_scheme() -> CodeScheme:
    # base_dir=DATA_DIR resolves "departments.toml" to the bundled file.
    return parse_code_scheme(docs_example(), source="docs example", base_dir=DATA_DIR)


@functools.cache
def compact_scheme() -> CodeScheme:
    return parse_code_scheme(COMPACT_TEXT, source="compact")


@functools.cache
def mod97_scheme() -> CodeScheme:
    text = SCHEME_TEXT.replace('check = "iso7064_mod_11_2"', 'check = "iso7064_mod_97_10"')
    return parse_code_scheme(text, source="mod97", base_dir=DATA_DIR)


def write_scheme(tmp_path: Path, text: str, departments: str = DEPARTMENTS_TEXT) -> Path:
    (tmp_path / "departments.toml").write_text(departments, encoding="utf-8")
    path = tmp_path / "code_scheme.toml"
    path.write_text(text, encoding="utf-8")
    return path


def replaced_line(text: str, old: str, new: str, needle: str) -> int:
    """Line number, after ``text.replace(old, new, 1)``, of the line of ``new`` holding needle."""
    first = text[: text.index(old)].count("\n") + 1
    return first + next(i for i, line in enumerate(new.split("\n")) if needle in line)


# --------------------------------------------------------------------------
# The default scheme
# --------------------------------------------------------------------------


def test_default_scheme_layout() -> None:
    scheme = load_code_scheme()
    assert scheme.body_length == 15
    assert scheme.code_length == 16
    assert [(s.name, s.length) for s in scheme.segments] == [
        ("county", 6),
        ("township", 3),
        ("village", 3),
        ("sequence", 3),
    ]
    assert scheme.base_sequences == range(1, 900)
    assert scheme.sector_marker == "9"
    assert scheme.department_width == 2
    assert dict(scheme.counties) == NINGXIA_COUNTIES
    assert [d.number for d in scheme.departments.values()] == list(range(1, 9))
    assert scheme.departments[1].name == "县应急管理局"
    assert scheme.reserved_range("sequence", 950) is not None
    assert scheme.reserved_range("sequence", 899) is None
    assert [t.type for t in scheme.township_types] == ["street", "town", "township", "other"]


def test_default_scheme_is_cached() -> None:
    assert default_scheme() is default_scheme()


def test_package_names_resolve() -> None:
    import gridgis.codes

    for name in gridgis.codes.__all__:
        assert getattr(gridgis.codes, name) is not None, name
    assert set(gridgis.codes.__all__) <= set(dir(gridgis.codes))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        gridgis.codes.nothing  # noqa: B018


def test_reading_codes_does_not_import_pandas() -> None:
    # The registry's names are loaded on first use (gridgis/codes/__init__.py),
    # so that "gridgis code check" does not pay for pandas and geopandas.
    script = (
        "import sys, gridgis.codes; gridgis.codes.explain('6401221012010015'); "
        "print([m for m in ('pandas', 'geopandas', 'shapely') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("code", "kind", "level", "text"),
    [
        (GridCode.for_level("640122"), "level", "county", "640122000000000X"),
        (GridCode.for_level("640122000000"), "level", "county", "640122000000000X"),
        (GridCode.for_level("640122101"), "level", "township", "6401221010000008"),
        (GridCode.for_level("640122101201"), "level", "village", "6401221012010007"),
        (GridCode.base("640122101201", 1), "base", "base", "6401221012010015"),
        (GridCode.sector("640122", 1, 1), "sector", "county", "640122000901001X"),
        (GridCode.sector("640122", 2, 1, township=101), "sector", "township", "6401221019020013"),
        (GridCode.sector("640122", 2, 1, "101"), "sector", "township", "6401221019020013"),
    ],
)
def test_documented_examples(code: GridCode, kind: str, level: str, text: str) -> None:
    # The same examples are in docs/code_scheme.md.
    assert code.kind == kind
    assert code.level == level
    assert code.format() == str(code) == text
    assert parse(text) == code
    assert is_valid(text)


def test_check_char_is_iso7064_mod_11_2() -> None:
    body = "640122101201001"
    assert check_char(body) == mod_11_2.calc_check_digit(body) == "5"
    assert mod_11_2.is_valid(GridCode.base("640122101201", 1).format())
    with pytest.raises(CodeError, match="15 digits"):
        check_char("64012210120100")
    with pytest.raises(CodeError, match="15 digits"):
        check_char("64012210120100A")


def test_code_parts_and_derived_values() -> None:
    code = GridCode.base("640122101201", 12)
    assert (code.county, code.township, code.village, code.sequence) == ("640122", "101", "201", 12)
    assert code.body == "640122101201012"
    assert code.check_char == "X"
    assert code.admin_code == "640122101201"
    assert code.department is None
    sector = GridCode.sector("640122", 5, 3)
    assert sector.village == "905"
    assert sector.department == 5
    assert sector.admin_code == "640122"
    assert GridCode.sector("640122", 5, 3, township=101).admin_code == "640122101"
    assert GridCode.for_level("640122101").admin_code == "640122101"


def test_codes_are_hashable_values() -> None:
    a = GridCode.base("640122101201", 1)
    b = parse("6401221012010015", load_code_scheme())  # another scheme object
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, GridCode.base("640122101201", 2)}) == 2
    with pytest.raises(AttributeError):
        a.sequence = 2  # type: ignore[misc]
    assert repr(a) == (
        "GridCode(county='640122', township='101', village='201', sequence=1, kind='base')"
    )


def test_parse_ignores_whitespace_and_case() -> None:
    assert parse(" 640122 000 000 000 x ") == GridCode.for_level("640122")
    assert parse("640122000000000x").format() == "640122000000000X"


# --------------------------------------------------------------------------
# Invalid codes: the exact reason
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("640122101201001", r"wrong length: 15 characters.*16.*check character missing"),
        ("64012210120100155", r"wrong length: 17 characters, a grid code has 16"),
        ("", r"wrong length: 0 characters"),
        ("6401221012010A15", r"not a number: character 14 \('A'\)"),
        ("6401221012010016", r"bad check character: the code ends in '6'.*needs '5'"),
        ("640122101201001Y", r"bad check character: .*'Y'.*needs '5'"),
        (with_check("640199101201001"), r"unknown county: 640199 is not one of the 22"),
        (with_check("640100101201001"), r"unknown county: 640100"),
        (with_check("990101101201001"), r"unknown county: 990101"),
        (with_check("110000101201001"), r"unknown county: 110000"),
        (with_check("640122101201950"), r"reserved range: sequence 950 is in 900-999"),
        (with_check("640122000901999"), r"reserved range: sequence 999"),
        (with_check("640122701201001"), r"out of range: township part 701"),
        (with_check("640122101701001"), r"out of range: village part 701 .*9DD for sector"),
        (with_check("640122101701000"), r"out of range: village part 701"),
        (with_check("640122101942001"), r"unknown department: 42 is not numbered"),
        (with_check("640122000900001"), r"unknown department: 00"),
        (with_check("640122000901000"), r"out of range: sequence 0 is outside 001-899"),
        (with_check("640122000201000"), r"inconsistent parts: village part 201 under township"),
        (with_check("640122000201001"), r"inconsistent parts: .*township part is 000"),
        (with_check("640122101000001"), r"inconsistent parts: .*village part is 000"),
    ],
)
def test_parse_rejects_with_reason(text: str, message: str) -> None:
    with pytest.raises(CodeError, match=message):
        parse(text)
    assert not is_valid(text)


def test_counties_of_other_provinces_are_accepted_unnamed() -> None:
    # The default layout outside 宁夏: a county of another province that GB/T
    # 2260 could name is accepted (a reviewer's county from anywhere in China);
    # 宁夏's own counties are still checked one by one.
    code = parse(with_check("330225101201001"))
    assert (code.county, explain(code).county_name) == ("330225", "")
    assert default_scheme().county_name("640122") == "贺兰县"
    assert GridCode.for_level("110101").format() == with_check("110101000000000")
    assert GridCode.sector("230183", 1, 1).county == "230183"
    strict = parse_code_scheme(
        SCHEME_TEXT.replace('other_provinces = "accept"', 'other_provinces = "refuse"')
    )
    with pytest.raises(CodeError, match=r"unknown county: 330225 is not one of the 22"):
        parse(with_check("330225101201001"), strict)
    with pytest.raises(ConfigError, match=r'other_provinces: must be "accept" or "refuse"'):
        parse_code_scheme(
            SCHEME_TEXT.replace('other_provinces = "accept"', 'other_provinces = "yes"')
        )


def test_parse_rejects_non_text() -> None:
    with pytest.raises(CodeError, match="is text"):
        parse(6401221012010015)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: GridCode.for_level("6401"), r"6, 9 or 12 digits"),
        (
            lambda: GridCode.for_level("\uff16\uff14\uff10\uff11\uff12\uff12"),
            r"6, 9 or 12 digits",
        ),  # full-width digits
        (lambda: GridCode.for_level("640199"), r"unknown county"),
        (lambda: GridCode.base("640122101201", 0), r"out of range: sequence 0"),
        (lambda: GridCode.base("640122101201", 900), r"reserved range: sequence 900"),
        (lambda: GridCode.base("640122101201", 1000), r"out of range: sequence 1000"),
        (lambda: GridCode.base("640122101201", -1), r"out of range: sequence -1"),
        (lambda: GridCode.base("640122101", 1), r"not a 12-digit village code"),
        (lambda: GridCode.base("640122101901", 1), r"carries the sector marker"),
        (lambda: GridCode.sector("640122", 0, 1), r"department number 0 does not fit"),
        (lambda: GridCode.sector("640122", 100, 1), r"department number 100 does not fit"),
        (lambda: GridCode.sector("640122", 42, 1), r"unknown department: 42"),
        (lambda: GridCode.sector("640122", 1, 1, township="7010"), r"township part '7010'"),
        (lambda: GridCode("640122", "101", "201", 1, "base "), r"unknown kind"),  # type: ignore[arg-type]
        (lambda: GridCode("640122", "101", "901", 1, "base"), r"carries the sector marker"),
        (lambda: GridCode("640122", "101", "201", 1, "level"), r"level grid has sequence 0"),
        (lambda: GridCode("640122", "101", "201", 1, "sector"), r"starts with the marker '9'"),
        (lambda: GridCode("640122", "11", "201", 1, "base"), r"township part must be 3 digits"),
        (lambda: GridCode("640122", "101", "201", True, "base"), r"must be an integer"),
    ],
)
def test_constructors_validate(build, message: str) -> None:
    with pytest.raises(CodeError, match=message):
        build()


# --------------------------------------------------------------------------
# Property tests: round trips and error detection, under several schemes
# --------------------------------------------------------------------------


def _values(ranges: list[range]) -> st.SearchStrategy[int]:
    return st.one_of(*(st.integers(r.start, r[-1]) for r in ranges))


@st.composite
def grid_codes(draw: st.DrawFn, scheme: CodeScheme) -> GridCode:
    widths = {segment.name: segment.length for segment in scheme.segments}
    county = draw(st.sampled_from(sorted(scheme.counties)))
    township = draw(_values([range(t.first, t.last + 1) for t in scheme.township_types]))
    village = draw(_values([range(v.first, v.last + 1) for v in scheme.village_types]))
    admin = f"{county}{township:0{widths['township']}d}{village:0{widths['village']}d}"
    kind = draw(st.sampled_from(["level", "base", "sector"]))
    if kind == "level":
        cut = draw(st.sampled_from([widths["county"], widths["county"] + widths["township"]]))
        return GridCode.for_level(draw(st.sampled_from([admin, admin[:cut]])), scheme=scheme)
    if kind == "base":
        sequence = draw(_values([scheme.base_sequences]))
        return GridCode.base(admin, sequence, scheme=scheme)
    department = draw(st.sampled_from(sorted(scheme.departments)))
    sequence = draw(_values([scheme.sector_sequences]))
    return GridCode.sector(
        county, department, sequence, draw(st.sampled_from([0, township])), scheme=scheme
    )


SCHEMES = {
    "default": default_scheme,
    "docs example": docs_scheme,
    "compact": compact_scheme,
    "mod 97-10": mod97_scheme,
}


@pytest.mark.parametrize("name", SCHEMES)
@settings(max_examples=200)
@given(data=st.data())
def test_round_trip(name: str, data: st.DataObject) -> None:
    scheme = SCHEMES[name]()
    code = data.draw(grid_codes(scheme))
    text = code.format()
    assert len(text) == scheme.code_length
    assert GridCode.parse(text, scheme) == code  # parse . format = id
    assert GridCode.parse(text, scheme).format() == text  # format . parse = id
    assert explain(code).code == text


@pytest.mark.parametrize("name", ["default", "docs example", "mod 97-10"])
@settings(max_examples=200)
@given(data=st.data())
def test_single_digit_errors_are_caught(name: str, data: st.DataObject) -> None:
    scheme = SCHEMES[name]()
    text = data.draw(grid_codes(scheme)).format()
    position = data.draw(st.integers(0, len(text) - 1))
    alphabet = "0123456789X" if position >= scheme.body_length else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != text[position]]))
    mistyped = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(CodeError, match="bad check character"):
        GridCode.parse(mistyped, scheme)


@settings(max_examples=200)
@given(data=st.data())
def test_adjacent_swaps_are_caught(data: st.DataObject) -> None:
    text = data.draw(grid_codes(default_scheme())).format()
    position = data.draw(st.integers(0, 13))
    if text[position] == text[position + 1]:
        return
    swapped = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    with pytest.raises(CodeError, match="bad check character"):
        parse(swapped)


# --------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------


def test_explain_base_grid() -> None:
    explanation = explain("6401221012010015")
    assert explanation.as_dict() == {
        "code": "6401221012010015",
        "body": "640122101201001",
        "check_char": "5",
        "kind": "base",
        "level": "base",
        "admin_code": "640122101201",
        "county": "640122",
        "county_name": "贺兰县",
        "township": "101",
        "township_type": "town",
        "township_label": "镇",
        "village": "201",
        "village_type": "village",
        "village_label": "村(村委会)",
        "sequence": "001",
        "department": None,
        "department_name": None,
    }


def test_explain_sector_and_level_grids() -> None:
    sector = explain(GridCode.sector("640122", 3, 7))
    assert (sector.kind, sector.level, sector.sequence) == ("sector", "county", "007")
    assert (sector.department, sector.department_name) == ("03", "县交通运输局")
    assert sector.township_type is None
    assert sector.village_type is None
    street = explain(GridCode.for_level("640104001"))
    assert (street.kind, street.level, street.sequence) == ("level", "township", None)
    assert (street.township_type, street.township_label) == ("street", "街道")
    assert street.county_name == "兴庆区"


# --------------------------------------------------------------------------
# Other layouts load without code changes
# --------------------------------------------------------------------------


def test_docs_example_loads_beside_its_departments(tmp_path: Path) -> None:
    path = write_scheme(tmp_path, docs_example())
    scheme = load_code_scheme(path)
    assert scheme.code_length == 18
    assert scheme.kind_values == {"level": "0", "base": "1", "sector": "2"}
    assert scheme.department_width == 3
    assert scheme.departments_source == str(tmp_path / "departments.toml")
    base = GridCode.base("620102001002", 12, scheme=scheme)
    sector = GridCode.sector("620102", 5, 1, scheme=scheme)
    # The codes shown in docs/code_scheme.md.
    assert base.format() == "620102001002100127"
    assert sector.format() == "620102000005200014"
    assert sector.village == "005"
    assert sector.department == 5
    assert GridCode.parse("620102001002100127", scheme) == base
    # The kind digit, not the village part, tells a sector grid from a base grid.
    assert GridCode.parse(with_check("62010200100520001", scheme), scheme).kind == "sector"
    assert GridCode.parse(with_check("62010200100510001", scheme), scheme).kind == "base"
    with pytest.raises(CodeError, match=r"unknown kind: the kind part is 7"):
        GridCode.parse(with_check("62010200100570001", scheme), scheme)
    with pytest.raises(CodeError, match=r"reserved range: sequence 9000 is in 9000-9999"):
        GridCode.base("620102001002", 9000, scheme=scheme)
    with pytest.raises(CodeError, match="unknown county"):
        GridCode.for_level("640122", scheme=scheme)


def test_compact_layout() -> None:
    scheme = compact_scheme()
    assert scheme.code_length == 15
    assert scheme.check_char("640122101010001") == ""
    sector = GridCode.sector("640122", 8, 1, scheme=scheme)
    assert sector.format() == "640122000980001"
    assert GridCode.parse("640122101010001", scheme).sequence == 1
    with pytest.raises(CodeError, match="department number 10 does not fit the 1 digit"):
        GridCode.sector("640122", 10, 1, scheme=scheme)


def test_mod_97_10_layout() -> None:
    code = GridCode.base("640122101201", 1, scheme=mod97_scheme())
    assert code.format() == "640122101201001" + "16"
    with pytest.raises(CodeError, match="bad check character"):
        GridCode.parse("64012210120100161", mod97_scheme())


# --------------------------------------------------------------------------
# Invalid schemes are refused at load
# --------------------------------------------------------------------------

BASE_LINE = "sequences = [1, 899]\n\n[sector]"


@pytest.mark.parametrize(
    ("old", "new", "message", "line_needle"),
    [
        ("body_length = 15", "body_length = 15\ncolour = 1", r"colour: unknown key", "colour"),
        (
            'name = "county"',
            'name = "county"\nwidth = 6',
            r"segment\[1\]\.width: unknown key",
            "width",
        ),
        (
            "body_length = 15",
            'body_length = "15"',
            r"body_length: must be an integer",
            "body_length",
        ),
        (
            "body_length = 15",
            "body_length = true",
            r"must be an integer, not a boolean",
            "body_length",
        ),
        (
            "body_length = 15",
            "body_length = 16",
            r"add up to 15 digits .*not body_length 16",
            "body_length",
        ),
        (
            'check = "iso7064_mod_11_2"',
            'check = "luhn"',
            r"unknown check algorithm 'luhn'",
            "check =",
        ),
        (
            'name = "village"',
            'name = "hamlet"',
            r"segment\[3\]\.name: unknown segment 'hamlet'",
            "hamlet",
        ),
        (
            'name = "village"',
            'name = "county"',
            r"segment 'county' appears twice",
            'name = "county"',
        ),
        ("length = 6", 'length = 6\nvalues = { level = "0" }', r"only the kind segment", "values"),
        (
            BASE_LINE,
            "sequences = [0, 899]\n\n[sector]",
            r"base\.sequences: 000-899 includes 000",
            "[0, 899]",
        ),
        (
            BASE_LINE,
            "sequences = [1, 950]\n\n[sector]",
            r"base\.sequences: 001-950 overlaps the reserved range 900-999",
            "[1, 950]",
        ),
        (BASE_LINE, "sequences = [1, 1000]\n\n[sector]", r"does not fit 3 digits", "[1, 1000]"),
        (
            BASE_LINE,
            "sequences = [899, 1]\n\n[sector]",
            r"first 899 is greater than last 1",
            "[899, 1]",
        ),
        (BASE_LINE, "sequences = 899\n\n[sector]", r"must be \[first, last\]", "sequences = 899"),
        (
            'marker = "9"',
            'marker = "5"',
            r"village parts 501-599 \(5DD\) collide with the other village range 400-599",
            "marker",
        ),
        (
            'marker = "9"',
            'marker = "0"',
            r"001-099 \(0DD\) collide with the community village range",
            "marker",
        ),
        ('marker = "9"', 'marker = ""', r"empty marker needs a kind segment", "marker"),
        ('marker = "9"', 'marker = "999"', r"leaves no digit for the department", "marker"),
        ('marker = "9"', "marker = 9", r"sector\.marker: must be a string", "marker"),
        ('marker = "9"', 'marker = "9a"', r"must be a string of digits", "marker"),
        (
            "range = [100, 199]",
            "range = [90, 199]",
            r"090-199 overlaps the street range 001-099",
            "[90, 199]",
        ),
        (
            "range = [1, 99]",
            "range = [0, 99]",
            r"township_type\[1\]\.range: 000-099 includes 000",
            "[0, 99]",
        ),
        (
            'segment = "sequence"',
            'segment = "county"',
            r"cannot reserve values of 'county'",
            'segment = "county"',
        ),
        ("range = [900, 999]", "range = [0, 999]", r"includes 0", "[0, 999]"),
        (
            '"640122" = "贺兰县"',
            '"64012" = "贺兰县"',
            r"counties\.64012: county codes must be 6 digits",
            '"64012"',
        ),
        (
            '"640122" = "贺兰县"',
            '"640122" = ""',
            r"counties\.640122: must not be empty",
            '"640122" = ""',
        ),
        ('"640122" = "贺兰县"', '"640122" = "贺兰县"\n"640122" = "贺兰"', r"not valid TOML", None),
        ('name = "village"', 'name = "village', r"not valid TOML: .*line", None),
        (
            'departments = "departments.toml"',
            'departments = "nowhere.toml"',
            r"sector\.departments: departments file not found: .*nowhere",
            "nowhere",
        ),
    ],
)
def test_invalid_scheme_is_refused(
    tmp_path: Path, old: str, new: str, message: str, line_needle: str | None
) -> None:
    assert old in SCHEME_TEXT
    text = SCHEME_TEXT.replace(old, new, 1)
    path = write_scheme(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_code_scheme(path)
    assert str(path) in str(caught.value)
    if line_needle is not None:
        line = replaced_line(SCHEME_TEXT, old, new, line_needle)
        assert f", line {line}:" in str(caught.value)


def test_missing_segment_is_refused(tmp_path: Path) -> None:
    text = SCHEME_TEXT.replace('[[segment]]\nname = "village"', '[[other]]\nname = "village"')
    with pytest.raises(ConfigError, match="other: unknown key"):
        load_code_scheme(write_scheme(tmp_path, text))
    text, count = re.subn(r'\[\[segment\]\]\nname = "village".*\nlength = 3\n', "", SCHEME_TEXT)
    assert count == 1
    with pytest.raises(ConfigError, match=r"segment: missing segment\(s\): village"):
        load_code_scheme(
            write_scheme(tmp_path, text.replace("body_length = 15", "body_length = 12"))
        )


def test_missing_and_empty_tables_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing key 'counties'"):
        parse_code_scheme(SCHEME_TEXT.split("[counties]")[0])
    with pytest.raises(ConfigError, match="counties: lists no county"):
        parse_code_scheme(SCHEME_TEXT.split("[counties]")[0] + "[counties]\n")
    with pytest.raises(ConfigError, match="code scheme file not found"):
        load_code_scheme(tmp_path / "absent.toml")
    (tmp_path / "latin1.toml").write_bytes('name = "贺兰"'.encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_code_scheme(tmp_path / "latin1.toml")


def test_reserved_village_range_must_not_overlap(tmp_path: Path) -> None:
    template = '[[reserved]]\nsegment = "village"\nrange = [{}, {}]\nreason = "x"\n\n[counties]'
    reserve = template.format(500, 699)
    text = SCHEME_TEXT.replace("[counties]", reserve)
    with pytest.raises(ConfigError, match="reserved village range 500-699 overlaps the other") as e:
        load_code_scheme(write_scheme(tmp_path, text))
    assert (
        f"line {replaced_line(SCHEME_TEXT, '[counties]', reserve, '[500')}: reserved[2].range"
        in (str(e.value))
    )
    text = SCHEME_TEXT.replace("[counties]", template.format(950, 999))
    with pytest.raises(ConfigError, match=r"sector\.marker: .* overlap the reserved village"):
        load_code_scheme(write_scheme(tmp_path, text))
    text = SCHEME_TEXT.replace("[counties]", template.format(600, 899))
    scheme = load_code_scheme(write_scheme(tmp_path, text))
    with pytest.raises(CodeError, match=r"reserved range: village part 700 is in 600-899 \(x\)"):
        parse(with_check("640122101700001", scheme), scheme)


def test_kind_segment_values_are_checked(tmp_path: Path) -> None:
    text = docs_example().replace('sector = "2"', 'sector = "1"')
    with pytest.raises(ConfigError, match="three different values"):
        load_code_scheme(write_scheme(tmp_path, text))
    text = docs_example().replace('values = { level = "0", base = "1", sector = "2" }\n', "")
    with pytest.raises(ConfigError, match="kind segment needs values"):
        load_code_scheme(write_scheme(tmp_path, text))
    text = docs_example().replace('sector = "2"', 'sector = "22"')
    with pytest.raises(ConfigError, match=r"values\.sector: must have 1 digits"):
        load_code_scheme(write_scheme(tmp_path, text))


@pytest.mark.parametrize(
    ("old", "new", "message", "line_needle"),
    [
        (
            "number = 3",
            "number = 2",
            r"department number 2 is already used by department\[2\]",
            "number = 2",
        ),
        (
            "number = 8",
            "number = 100",
            r"department number 100 does not fit .*1 to 99",
            "number = 100",
        ),
        ("number = 8", "number = 0", r"must be at least 1", "number = 0"),
        (
            'sectors = ["学校"]',
            'sectors = ["学校", "建筑施工"]',
            r"sector '建筑施工' is already given to department 2",
            "学校",
        ),
        ('name = "县教育局"', 'name = "县教育局"\nhead = "x"', r"head: unknown key", "head"),
    ],
)
def test_invalid_departments_are_refused(
    tmp_path: Path, old: str, new: str, message: str, line_needle: str
) -> None:
    assert old in DEPARTMENTS_TEXT
    departments = DEPARTMENTS_TEXT.replace(old, new, 1)
    path = write_scheme(tmp_path, SCHEME_TEXT, departments)
    with pytest.raises(ConfigError, match=message) as caught:
        load_code_scheme(path)
    line = replaced_line(DEPARTMENTS_TEXT, old, new, line_needle)
    assert f"departments.toml, line {line}:" in str(caught.value)


def test_departments_must_fit_a_narrow_marker(tmp_path: Path) -> None:
    # The compact layout leaves one digit after the marker: the 8 bundled
    # departments fit, a ninth numbered 10 does not.
    scheme = compact_scheme()
    assert len(scheme.departments) == 8
    assert Path(scheme.departments_source) == DEPARTMENTS_PATH
    extra = '\n[[department]]\nnumber = 10\nname = "县林业和草原局"\nsectors = ["林业"]\n'
    (tmp_path / "d.toml").write_text(DEPARTMENTS_TEXT + extra, encoding="utf-8")
    text = COMPACT_TEXT.replace('"9", ', '"9", departments = "d.toml", ')
    with pytest.raises(ConfigError, match=r"number 10 does not fit .*room for 1 to 9"):
        parse_code_scheme(text, base_dir=tmp_path)


def test_load_departments_default() -> None:
    departments = load_departments()
    assert list(departments) == list(range(1, 9))
    assert departments[2].name == "县住房和城乡建设局"
    assert departments[2].sectors == ("建筑施工", "城镇燃气")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write_scheme(tmp_path, SCHEME_TEXT)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_code_scheme(path).code_length == 16


# --------------------------------------------------------------------------
# Allocation
# --------------------------------------------------------------------------


def test_next_sequences_never_reuses() -> None:
    assert next_sequences(set(), 3) == [1, 2, 3]
    # 2 was retired: it stays used, so the gap at 3 is taken, then 5 and 6.
    assert next_sequences({1, 2, 4}, 3) == [3, 5, 6]
    assert next_sequences({1, 2}, 0) == []
    assert next_sequences({0, 1000, 1}, 1) == [2]  # values outside the range are ignored
    assert next_sequences(range(1, 899), 1) == [899]
    assert next_sequences([1], 2, kind="sector") == [2, 3]
    assert next_sequences([1], 1, docs_scheme()) == [2]


def test_next_sequences_exhausted() -> None:
    with pytest.raises(CodeError, match=r"exhausted: 2 new base .* only 1 of 001-899"):
        next_sequences(range(1, 899), 2)
    with pytest.raises(ValueError, match="negative"):
        next_sequences(set(), -1)
    with pytest.raises(ValueError, match="kind"):
        next_sequences(set(), 1, kind="level")  # type: ignore[arg-type]


def test_reading_order_on_a_lattice() -> None:
    # A 3 x 4 lattice, given in scrambled order.
    rng = np.random.default_rng(0)
    cols, rows = np.meshgrid(np.arange(4) * 100.0, np.arange(3) * -50.0)
    xs, ys = cols.ravel(), rows.ravel()
    shuffle = rng.permutation(xs.size)
    order = reading_order(xs[shuffle], ys[shuffle])
    assert order.dtype == np.intp
    assert shuffle[order].tolist() == list(range(12))  # row-major: north row first


def test_reading_order_tolerates_irregular_rows() -> None:
    # Two uneven rows of irregular grids: the first spans northings 960-1030,
    # the second 870-910, so sorting by northing alone would mix them.
    xs = [0.0, 120.0, 230.0, 10.0, 95.0, 250.0]
    ys = [1000.0, 1030.0, 960.0, 890.0, 870.0, 910.0]
    assert reading_order(xs, ys, band_height=150.0).tolist() == [0, 1, 2, 3, 4, 5]
    # A zero band height sorts by northing alone.
    assert reading_order(xs, ys, band_height=0.0).tolist() == [1, 0, 2, 5, 3, 4]


def test_reading_order_edge_cases() -> None:
    assert reading_order([], []).tolist() == []
    assert reading_order([5.0], [5.0]).tolist() == [0]
    # Coincident points keep their input order.
    assert reading_order([1.0, 1.0, 0.0], [2.0, 2.0, 2.0]).tolist() == [2, 0, 1]
    with pytest.raises(ValueError, match="one length"):
        reading_order([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        reading_order([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="band_height"):
        reading_order([1.0, 2.0], [1.0, 2.0], band_height=-1.0)


@settings(max_examples=100)
@given(
    n_rows=st.integers(1, 8),
    n_cols=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_reading_order_recovers_jittered_rows(n_rows: int, n_cols: int, seed: int) -> None:
    # Grids 100 m apart, representative points moved by up to 15 m: the
    # default band height still finds the rows.
    rng = np.random.default_rng(seed)
    cols, rows = np.meshgrid(np.arange(n_cols) * 100.0, np.arange(n_rows) * -100.0)
    xs = cols.ravel() + rng.uniform(-15, 15, cols.size)
    ys = rows.ravel() + rng.uniform(-15, 15, rows.size)
    shuffle = rng.permutation(xs.size)
    order = reading_order(xs[shuffle], ys[shuffle])
    assert sorted(order.tolist()) == list(range(xs.size))
    assert shuffle[order].tolist() == list(range(xs.size))


def test_every_registry_name_is_reachable_from_the_package() -> None:
    # gridgis.codes lists the registry's names itself, so that reading a code
    # does not import pandas; the list must keep up with the module.
    import gridgis.codes
    import gridgis.codes.registry

    for name in gridgis.codes.registry.__all__:
        assert getattr(gridgis.codes, name) is getattr(gridgis.codes.registry, name), name
        assert name in gridgis.codes.__all__, name
