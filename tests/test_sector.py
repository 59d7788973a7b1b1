"""Tests for gridgis.sector: rules file, unit rules, capacity matching, sector grids."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis.codes import GridCode, default_scheme, parse
from gridgis.crs import gauss_kruger_crs
from gridgis.errors import CodeError, ConfigError, InputDataError
from gridgis.paths import DATA_DIR
from gridgis.sector import (
    CAPACITY_GRID_COLUMNS,
    FLAG_COLUMNS,
    MOVE_COLUMNS,
    RULE_ORDER,
    SECTOR_GRID_COLUMNS,
    build_sector_grids,
    capacity_match,
    conservation_line,
    flag_sector_units,
    load_rules,
    parse_rules,
    risk_weights,
)

RULES_PATH = DATA_DIR / "rules.toml"
RULES_TEXT = RULES_PATH.read_text(encoding="utf-8")
DEPARTMENTS = default_scheme().departments
VALID_USCC = "91640122703938337H"
COUNTY = "640122"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def units(**columns) -> pd.DataFrame:
    """Ledger-like rows: defaults for every column the rules read, one row per value."""
    n = max(len(v) for v in columns.values())
    defaults = {
        "sector": ["商贸"] * n,
        "employees": pd.array([10] * n, dtype="Int64"),
        "revenue": [100.0] * n,
        "risk": ["低"] * n,
        "major_hazard": pd.array([False] * n, dtype="boolean"),
        "major_hazard_grade": pd.array([0] * n, dtype="Int8"),
        "uscc": [None] * n,
    }
    defaults.update(columns)
    return pd.DataFrame(defaults)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


def with_line_after(text: str, anchor: str, new_line: str) -> tuple[str, int]:
    """Insert a line after the first line starting with ``anchor``; return text and its number."""
    lines = text.splitlines()
    at = line_of(text, anchor)
    lines.insert(at, new_line)
    return "\n".join(lines) + "\n", at + 1


# --------------------------------------------------------------------------
# The rules file
# --------------------------------------------------------------------------


def test_default_rules(rules) -> None:
    assert rules.enabled == RULE_ORDER
    assert rules.risk_levels == ("重大", "较大")
    assert rules.major_hazard_grades == (1, 2, 3, 4)
    assert rules.major_hazard_unknown_grade
    assert rules.usccs == frozenset()
    assert dict(rules.risk_weights) == {"重大": 8, "较大": 4, "一般": 2, "低": 1}
    assert rules.unknown_risk_weight == 2
    assert (rules.members_per_grid, rules.capacity_per_member) == (1, 30)
    industry = rules.size_class_for("机械制造")
    assert (industry.label, industry.employees, industry.revenue) == ("工业", 1000, 40000)
    assert rules.size_class_for("学校") is None
    # Every sector a department holds has a decision in the default file.
    sectors = {s for dept in DEPARTMENTS.values() for s in dept.sectors}
    assert sectors == set(rules.sector_size_class)


@pytest.mark.parametrize(
    ("family", "employees", "revenue"),
    [
        # 国家统计局《统计上大中小微型企业划分办法(2017)》, "large" row.
        ("industry", 1000, 40000),
        ("construction", None, 80000),
        ("wholesale", 200, 40000),
        ("retail", 300, 20000),
        ("transport", 1000, 30000),
        ("warehousing", 200, 30000),
        ("accommodation_catering", 300, 10000),
        ("agriculture", None, 20000),
        ("other", 300, None),
    ],
)
def test_default_size_classes(rules, family, employees, revenue) -> None:
    size_class = rules.size_classes[family]
    assert (size_class.employees, size_class.revenue) == (employees, revenue)


def test_unknown_key_names_key_and_line() -> None:
    text, line = with_line_after(RULES_TEXT, "levels = ", "levls = 3")
    with pytest.raises(ConfigError, match=rf"line {line}: risk_level\.levls: unknown key"):
        parse_rules(text, source="rules.toml")


def test_unknown_top_level_key() -> None:
    # Top-level keys come before the first table.
    text = RULES_TEXT.replace("[large_scale]", 'colour = "red"\n\n[large_scale]', 1)
    line = line_of(text, "colour")
    with pytest.raises(ConfigError, match=rf"rules.toml, line {line}: colour: unknown key"):
        parse_rules(text, source="rules.toml")


def test_bad_type_names_key_and_line() -> None:
    text = RULES_TEXT.replace("employees = 1000", 'employees = "1000"', 1)
    line = line_of(text, 'employees = "1000"')
    message = rf"line {line}: large_scale\.size_class\.industry\.employees: must be an integer"
    with pytest.raises(ConfigError, match=message):
        parse_rules(text, source="rules.toml")


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            "capacity_per_member = 30",
            'capacity_per_member = "30"',
            "capacity.capacity_per_member",
            "must be a number, not a string",
        ),
        (
            "capacity_per_member = 30",
            "capacity_per_member = 0",
            "capacity.capacity_per_member",
            "must be a positive number",
        ),
        (
            "members_per_grid = 1",
            "members_per_grid = true",
            "capacity.members_per_grid",
            "must be an integer, not a boolean",
        ),
        ('"较大" = 4', '"较大" = -4', "capacity.risk_weights.较大", "must be a positive number"),
        ("enabled = true", 'enabled = "yes"', "large_scale.enabled", "must be true or false"),
        (
            'levels = ["重大", "较大"]',
            'levels = ["重大", "橙色"]',
            "risk_level.levels",
            "unknown risk level '橙色'",
        ),
        (
            'levels = ["重大", "较大"]',
            'levels = "重大"',
            "risk_level.levels",
            "must be an array of strings",
        ),
        ("grades = [1, 2, 3, 4]", "grades = [1, 5]", "major_hazard.grades", "grades run from 1"),
        (
            "codes = []",
            'codes = ["91640122703938337A"]',
            "uscc_list.codes",
            "not a valid unified social credit code",
        ),
        (
            '"商贸" = "retail"',
            '"商贸" = "shop"',
            "large_scale.sectors.商贸",
            "unknown size class 'shop'",
        ),
        (
            "revenue = 40000",
            'revenue = "四亿"',
            "large_scale.size_class.industry.revenue",
            "must be a number",
        ),
    ],
)
def test_bad_values_name_key_and_line(old, new, key, problem) -> None:
    assert old in RULES_TEXT
    text = RULES_TEXT.replace(old, new, 1)
    line = line_of(text, new)
    # An array element is named with its 1-based position: risk_level.levels[2].
    pattern = rf"line {line}: {re.escape(key)}(\[\d+\])?: .*{re.escape(problem)}"
    with pytest.raises(ConfigError, match=pattern):
        parse_rules(text, source="rules.toml")


def test_unknown_sector_is_refused() -> None:
    text, line = with_line_after(RULES_TEXT, '"学校" = ', '"钢铁" = "industry"')
    with pytest.raises(
        ConfigError, match=rf"line {line}: large_scale\.sectors\.钢铁: unknown sector '钢铁'"
    ):
        parse_rules(text, source="rules.toml")


def test_department_sector_without_size_class_is_refused() -> None:
    text = RULES_TEXT.replace('"学校" = "none"', "")
    message = r"large_scale\.sectors: no size class for sector\(s\) 学校"
    with pytest.raises(ConfigError, match=message):
        parse_rules(text, source="rules.toml")
    # ... unless a default size class covers it.
    text = text.replace("[large_scale]\n", '[large_scale]\ndefault_size_class = "other"\n', 1)
    assert parse_rules(text).size_class_for("学校").name == "other"


def test_missing_section_and_syntax_errors() -> None:
    start = RULES_TEXT.index("[uscc_list]")
    end = RULES_TEXT.index("# ----", start)
    with pytest.raises(ConfigError, match="missing key 'uscc_list'"):
        parse_rules(RULES_TEXT[:start] + RULES_TEXT[end:])
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_rules("levels = [")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file not found"):
        load_rules(tmp_path / "nope.toml")


def test_valid_custom_rules_file(tmp_path: Path) -> None:
    text = (
        RULES_TEXT.replace('levels = ["重大", "较大"]', 'levels = ["重大"]')
        .replace("grades = [1, 2, 3, 4]", "grades = [1, 2]")
        .replace("unknown_grade = true", "unknown_grade = false")
        .replace("codes = []", f'codes = ["{VALID_USCC.lower()}"]')
        .replace("capacity_per_member = 30", "capacity_per_member = 12.5")
        .replace('"商贸" = "retail"', '"商贸" = "wholesale"')
    )
    text = text.replace("[large_scale]\nenabled = true", "[large_scale]\nenabled = false")
    path = tmp_path / "县规则.toml"
    path.write_text(text, encoding="utf-8")
    custom = load_rules(path)
    assert custom.source == str(path)
    assert custom.enabled == ("risk_level", "major_hazard", "uscc_list")
    assert custom.risk_levels == ("重大",)
    assert custom.major_hazard_grades == (1, 2)
    assert custom.usccs == frozenset({VALID_USCC})
    assert custom.capacity_per_member == 12.5
    assert custom.size_class_for("商贸").name == "wholesale"

    frame = units(
        risk=["较大", "重大", "低", "低", "低"],
        major_hazard=pd.array([False, False, True, True, False], dtype="boolean"),
        major_hazard_grade=pd.array([0, 0, 3, None, 0], dtype="Int8"),
        uscc=[None, None, None, None, VALID_USCC],
        employees=pd.array([5000] * 5, dtype="Int64"),
        revenue=[90000.0] * 5,
    )
    flags = flag_sector_units(frame, custom, DEPARTMENTS)
    # 较大, grade 3, an unknown grade and large scale no longer count.
    assert flags["flagged"].tolist() == [False, True, False, False, True]
    assert flags["rule"].iat[4] == "uscc_list"


def test_rules_accept_a_bom_and_name_the_departments_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("\ufeff" + RULES_TEXT, encoding="utf-8")
    assert load_rules(path).risk_levels == ("重大", "较大")
    text, _ = with_line_after(RULES_TEXT, '"学校" = ', '"钢铁" = "industry"')
    with pytest.raises(ConfigError, match=re.escape(default_scheme().departments_source)):
        parse_rules(text)


# --------------------------------------------------------------------------
# Unit rules
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "rule", "reason"),
    [
        (
            {"sector": "建材", "employees": 1200, "revenue": 52000.0},
            "large_scale",
            "大型企业：员工 1200 人，营业收入 52000 万元"
            "（工业大型标准：从业人员 ≥1000 人且营业收入 ≥40000 万元）",
        ),
        (
            {"sector": "商贸", "employees": 300, "revenue": 20000.5},
            "large_scale",
            "大型企业：员工 300 人，营业收入 20000.5 万元"
            "（零售业大型标准：从业人员 ≥300 人且营业收入 ≥20000 万元）",
        ),
        (
            {"sector": "建筑施工", "employees": 50, "revenue": 80000.0},
            "large_scale",
            "大型企业：营业收入 80000 万元（建筑业大型标准：营业收入 ≥80000 万元；"
            "台账无资产总额，未核对资产总额 ≥80000 万元，仅按营业收入判定）",
        ),
        (
            {"sector": "畜牧养殖", "employees": 3, "revenue": 25000.0},
            "large_scale",
            "大型企业：营业收入 25000 万元（农、林、牧、渔业大型标准：营业收入 ≥20000 万元）",
        ),
        ({"risk": "重大"}, "risk_level", "重大风险（风险等级：重大）"),
        ({"risk": "较大"}, "risk_level", "较大风险（风险等级：较大）"),
        ({"major_hazard": True, "major_hazard_grade": 1}, "major_hazard", "重大危险源（一级）"),
        ({"major_hazard": True, "major_hazard_grade": 4}, "major_hazard", "重大危险源（四级）"),
        (
            {"major_hazard": True, "major_hazard_grade": None},
            "major_hazard",
            "重大危险源（等级未知）",
        ),
    ],
)
def test_each_default_rule_fires_with_its_reason(rules, row, rule, reason) -> None:
    frame = units(**{key: [value] for key, value in row.items()})
    frame["employees"] = frame["employees"].astype("Int64")
    frame["major_hazard"] = frame["major_hazard"].astype("boolean")
    frame["major_hazard_grade"] = frame["major_hazard_grade"].astype("Int8")
    flags = flag_sector_units(frame, rules, DEPARTMENTS)
    assert list(flags.columns) == list(FLAG_COLUMNS)
    assert flags["flagged"].iat[0]
    assert flags["rule"].iat[0] == rule
    assert flags["rules"].iat[0] == rule
    assert flags["reason"].iat[0] == reason
    assert flags["to_sector"].iat[0]
    assert pd.isna(flags["route_problem"].iat[0])


def test_uscc_list_rule() -> None:
    text = RULES_TEXT.replace("codes = []", f'codes = ["{VALID_USCC[:9]} {VALID_USCC[9:]}"]')
    listed = parse_rules(text)
    frame = units(uscc=[f" {VALID_USCC.lower()}", "91640122MA00000000", None])
    flags = flag_sector_units(frame, listed, DEPARTMENTS)
    assert flags["flagged"].tolist() == [True, False, False]
    assert flags["reason"].iat[0] == f"列入指定名单（统一社会信用代码 {VALID_USCC}）"


def test_several_rules_in_stable_order(rules) -> None:
    listed = parse_rules(RULES_TEXT.replace("codes = []", f'codes = ["{VALID_USCC}"]'))
    frame = units(
        sector=["危险化学品", "危险化学品"],
        employees=pd.array([2330, 5], dtype="Int64"),
        revenue=[132307.39, 50.0],
        risk=["较大", "重大"],
        major_hazard=pd.array([True, True], dtype="boolean"),
        major_hazard_grade=pd.array([3, 2], dtype="Int8"),
        uscc=[VALID_USCC, None],
    )
    flags = flag_sector_units(frame, listed, DEPARTMENTS)
    assert flags["rules"].tolist() == [
        "large_scale,risk_level,major_hazard,uscc_list",
        "risk_level,major_hazard",
    ]
    assert flags["rule"].tolist() == ["large_scale", "risk_level"]
    assert flags["reason"].iat[1] == "重大风险（风险等级：重大）；重大危险源（二级）"
    assert flags["reason"].iat[0].split("；")[1:] == [
        "较大风险（风险等级：较大）",
        "重大危险源（三级）",
        f"列入指定名单（统一社会信用代码 {VALID_USCC}）",
    ]
    # The order does not depend on the row order.
    flipped = flag_sector_units(frame.iloc[::-1], listed, DEPARTMENTS)
    pd.testing.assert_frame_equal(flipped.sort_index(), flags)


def test_units_not_flagged_are_untouched(rules) -> None:
    frame = units(
        sector=["建材", "建材", "学校", "商贸", "畜牧养殖"],
        # both thresholds needed; a missing value is not evidence; 学校 has no size class
        employees=pd.array([1200, pd.NA, 5000, 5, 3], dtype="Int64"),
        revenue=[39999.99, 90000.0, 90000.0, 19999.0, 19999.0],
        risk=["一般", "低", None, "一般", "低"],
        major_hazard=pd.array([False, pd.NA, False, False, False], dtype="boolean"),
        major_hazard_grade=pd.array([0, pd.NA, 0, 0, 0], dtype="Int8"),
    )
    frame.index = [10, 20, 30, 40, 50]
    flags = flag_sector_units(frame, rules, DEPARTMENTS)
    assert flags.index.tolist() == [10, 20, 30, 40, 50]
    assert not flags["flagged"].any()
    assert not flags["to_sector"].any()
    assert flags[["rule", "rules", "reason", "route_problem"]].isna().all().all()
    # The department is known for every unit (capacity matching needs it).
    assert flags["department"].tolist() == [1, 1, 8, 1, 7]
    assert flags["department_name"].iat[2] == "县教育局"


def test_flagged_unit_without_department_stays_territorial(rules) -> None:
    frame = units(sector=["钢铁", None, "  ", "冶金"], risk=["重大"] * 4)
    flags = flag_sector_units(frame, rules, DEPARTMENTS)
    assert flags["flagged"].all()
    assert flags["to_sector"].tolist() == [False, False, False, True]
    assert flags["department"].isna().tolist() == [True, True, True, False]
    assert flags["route_problem"].iat[0] == (
        "行业「钢铁」不在部门配置（departments.toml）中，无法确定责任部门，留在属地网格"
    )
    assert flags["route_problem"].iat[1] == "行业缺失，无法确定责任部门，留在属地网格"
    assert flags["route_problem"].iat[2] == flags["route_problem"].iat[1]
    assert flags["reason"].iat[0] == "重大风险（风险等级：重大）"


def test_missing_column(rules) -> None:
    with pytest.raises(InputDataError, match=r"missing column.*major_hazard_grade"):
        flag_sector_units(
            units(sector=["冶金"]).drop(columns="major_hazard_grade"), rules, DEPARTMENTS
        )
    # A disabled rule does not need its columns.
    text = RULES_TEXT.replace(
        "grades = [1, 2, 3, 4]\nunknown_grade = true",
        "grades = [1, 2, 3, 4]\nunknown_grade = true\nenabled = false",
    )
    text = text.replace("[major_hazard]\nenabled = true\n", "[major_hazard]\n")
    no_hazard = parse_rules(text)
    assert "major_hazard" not in no_hazard.enabled
    frame = units(sector=["冶金"]).drop(columns=["major_hazard", "major_hazard_grade"])
    assert not flag_sector_units(frame, no_hazard, DEPARTMENTS)["flagged"].any()


# --------------------------------------------------------------------------
# Capacity matching
# --------------------------------------------------------------------------


def placed_units(rows: list[tuple[int, str, str | None, int | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": [r[0] for r in rows],
            "grid_code": [r[1] for r in rows],
            "risk": [r[2] for r in rows],
            "department": pd.array([r[3] for r in rows], dtype="Int64"),
            "employees": pd.array([r[4] for r in rows], dtype="Int64"),
        }
    )


def test_risk_weights(rules) -> None:
    weights = risk_weights(pd.Series(["重大", "较大", "一般", "低", None, "红色", " 低 "]), rules)
    assert weights.tolist() == [8, 4, 2, 1, 2, 2, 1]


def test_capacity_by_hand(rules) -> None:
    rows = (
        # Grid A, 1 member (default): 2 x 较大 (8) + 10 x 一般 (20) + 6 x 低 (6) = 34 > 30.
        [(1, "A", "较大", 1, 50), (2, "A", "较大", 2, 80)]
        + [(10 + i, "A", "一般", 1, 10) for i in range(10)]
        + [(30 + i, "A", "低", 1, 5) for i in range(6)]
        # Grid B, the same units, 2 members in the roster: 34 <= 60.
        + [(100 + i, "B", "一般", 1, 10) for i in range(17)]
        # Grid C: 5 x 重大 (40) with no department, 1 x 低 and 1 x 一般 movable: 43 > 30.
        + [(200 + i, "C", "重大", None, 10) for i in range(5)]
        + [(210, "C", "低", 5, 10), (211, "C", None, 5, 10)]
        # Grid D: roster says 0 members -> default 1; 8 + 8 + 8 + 8 = 32 > 30, ties on
        # weight and employees are broken by enterprise_id.
        + [
            (304, "D", "重大", 1, 10),
            (302, "D", "重大", 1, 10),
            (303, "D", "重大", 1, 10),
            (301, "D", "重大", 1, 10),
        ]
    )
    result = capacity_match(placed_units(rows), {"B": 2, "D": 0, "Z": 4}, rules)
    grids = result.grids.set_index("grid_code")
    assert list(result.grids.columns) == list(CAPACITY_GRID_COLUMNS)
    assert list(result.moves.columns) == list(MOVE_COLUMNS)
    assert grids.index.tolist() == ["A", "B", "C", "D"]
    assert grids["load"].tolist() == [34, 34, 43, 32]
    assert grids["members"].tolist() == [1, 2, 1, 1]
    assert grids["members_source"].tolist() == ["default", "roster", "default", "default"]
    assert grids["capacity"].tolist() == [30, 60, 30, 30]
    assert grids["load_after"].tolist() == [30, 34, 40, 24]
    assert grids["over_capacity"].tolist() == [False, False, True, False]
    assert grids.loc["C", "reason"] == (
        "仍超出监管能力：负荷 40 > 能力 30；其余单位的行业无责任部门，无法转入行业专属网格"
    )
    assert grids[["moved_units", "moved_load"]].values.tolist() == [[1, 4], [0, 0], [2, 3], [1, 8]]
    # A: the 较大 unit with more employees; C: the unknown risk (weight 2) before 低;
    # D: the smallest enterprise_id.
    assert result.moves["enterprise_id"].tolist() == [2, 211, 210, 301]
    assert result.moves["department"].tolist() == [2, 5, 5, 1]
    assert (result.moves["rule"] == "over_capacity").all()
    assert result.moves["reason"].iat[0] == (
        "网格超出监管能力：负荷 34 > 能力 30（1 名网格员 × 30）；按风险从高到低转出，"
        "本单位风险等级 较大（权重 4）"
    )
    assert "本单位风险等级 未评定（权重 2）" in result.moves["reason"].iat[1]


def test_capacity_with_categorical_codes_and_text_ids(rules) -> None:
    # gridgis assign passes grid codes as categories (no text per unit); text
    # ids are ordered as text. Both must move exactly the same units.
    rows = [
        (f"E{i:03d}", "G2" if i % 3 else "G1", ["重大", "一般", "低"][i % 3], 1, i % 4)
        for i in range(60)
    ]
    plain = capacity_match(placed_units(rows), {"G1": 0.5}, rules)
    units = placed_units(rows)
    categorical = units.assign(
        grid_code=pd.Categorical(units["grid_code"], categories=["G2", "G1", "unused"])
    )
    result = capacity_match(categorical, {"G1": 0.5}, rules)
    pd.testing.assert_frame_equal(result.moves, plain.moves)
    pd.testing.assert_frame_equal(result.grids, plain.grids)
    assert result.grids["grid_code"].tolist() == ["G1", "G2"]
    assert len(plain.moves) > 0


def test_capacity_rejects_duplicates_and_missing_columns(rules) -> None:
    frame = placed_units([(1, "A", "低", 1, 1), (1, "B", "低", 1, 1)])
    with pytest.raises(InputDataError, match="enterprise_id appears twice: 1"):
        capacity_match(frame, None, rules)
    with pytest.raises(InputDataError, match=r"missing column.*department"):
        capacity_match(frame.drop(columns="department"), None, rules)


def test_capacity_with_decimal_weights() -> None:
    text = RULES_TEXT.replace('"一般" = 2', '"一般" = 0.1').replace(
        "capacity_per_member = 30", "capacity_per_member = 0.3"
    )
    decimal = parse_rules(text)
    # 0.4 - 0.1 is 0.30000000000000004: one move must be enough.
    result = capacity_match(placed_units([(i, "A", "一般", 1, 1) for i in range(4)]), None, decimal)
    assert result.moves["enterprise_id"].tolist() == [0]
    assert not result.grids["over_capacity"].iat[0]


def test_capacity_needs_placed_units(rules) -> None:
    frame = placed_units([(1, "A", "低", 1, 1), (2, None, "低", 1, 1)])
    with pytest.raises(InputDataError, match="units without a grid_code"):
        capacity_match(frame, None, rules)


def test_capacity_of_nothing(rules) -> None:
    result = capacity_match(placed_units([]), None, rules)
    assert result.moves.empty and result.grids.empty


unit_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.sampled_from(["重大", "较大", "一般", "低", None]),
        st.one_of(st.none(), st.integers(1, 8)),
        st.integers(1, 50),
    ),
    max_size=80,
)


@settings(max_examples=100, deadline=None)
@given(rows=unit_rows, members=st.dictionaries(st.sampled_from("ABCD"), st.integers(0, 3)))
def test_capacity_properties(rules, rows, members) -> None:
    frame = placed_units([(i, *row) for i, row in enumerate(rows)])
    result = capacity_match(frame, members, rules)
    moves, grids = result.moves, result.grids.set_index("grid_code")

    # Every unit is in exactly one place: moved once, or still in its grid.
    moved = set(moves["enterprise_id"])
    assert len(moved) == len(moves)
    assert moved <= set(frame["enterprise_id"])
    staying = frame[~frame["enterprise_id"].isin(moved)]
    assert len(staying) + len(moves) == len(frame)
    # Only units with a department move, from their own grid.
    by_id = frame.set_index("enterprise_id")
    assert by_id.loc[list(moved), "department"].notna().all()
    assert (
        by_id.loc[moves["enterprise_id"], "grid_code"].to_numpy() == moves["from_grid"].to_numpy()
    ).all()

    weight = risk_weights(frame["risk"], rules)
    frame = frame.assign(weight=weight)
    staying = frame[~frame["enterprise_id"].isin(moved)]
    for code, grid in grids.iterrows():
        mine = frame[frame["grid_code"] == code]
        left = staying[staying["grid_code"] == code]
        assert grid["load"] == pytest.approx(mine["weight"].sum())
        assert grid["load_after"] == pytest.approx(left["weight"].sum())
        movable_left = left[left["department"].notna()]
        # Every grid fits, or has no movable unit left.
        assert grid["load_after"] <= grid["capacity"] or movable_left.empty
        assert grid["over_capacity"] == (grid["load_after"] > grid["capacity"])
        # Moves take the highest weights first.
        gone = moves[moves["from_grid"] == code]
        if len(gone) and len(movable_left):
            assert gone["weight"].min() >= movable_left["weight"].max()
        # Nothing moves from a grid that fits.
        if grid["load"] <= grid["capacity"]:
            assert gone.empty
        expected = members.get(code, 0)
        assert grid["members"] == (expected if expected >= 1 else rules.members_per_grid)


# --------------------------------------------------------------------------
# Sector grids
# --------------------------------------------------------------------------


def sector_units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": [1, 2, 3, 4, 5],
            "department": [1, 1, 3, 2, 2],
            "lon": [106.30, 106.3003, 106.40, 106.35, np.nan],
            "lat": [38.60, 38.6001, 38.50, 38.55, np.nan],
            "risk": ["重大", "较大", "较大", "低", "重大"],
        }
    )


def test_sector_grid_codes_and_columns(rules) -> None:
    grids = build_sector_grids(sector_units(), COUNTY, DEPARTMENTS)
    assert list(grids.columns) == list(SECTOR_GRID_COLUMNS)
    assert grids.crs.to_epsg() == 4490
    assert grids["department"].tolist() == [1, 2, 3]
    for row in grids.itertuples():
        code = parse(row.grid_code)
        assert code.kind == "sector" and code.level == "county"
        assert code.township == "000"
        assert code.village == f"9{row.department:02d}"
        assert code.department == row.department
        assert code.admin_code == COUNTY == row.admin_code
        assert code.sequence == row.sequence == 1
    assert grids["grid_code"].is_monotonic_increasing
    assert grids["name"].tolist() == [
        "县应急管理局行业专属网格",
        "县住房和城乡建设局行业专属网格",
        "县交通运输局行业专属网格",
    ]
    assert (grids["kind"] == "sector").all() and (grids["level"] == "county").all()
    assert grids["load"].tolist() == [12, 9, 4]
    assert grids["units"].tolist() == [2, 2, 1]
    assert (grids["load_kind"] == "risk_weight").all()


def test_sector_grid_geometry_marks_the_units() -> None:
    frame = sector_units()
    grids = build_sector_grids(frame, COUNTY, DEPARTMENTS, radius_m=50)
    assert (grids.geom_type == "MultiPolygon").all()
    assert grids.is_valid.all()
    located = frame.dropna(subset=["lon"])
    points = gpd.GeoSeries(shapely.points(located["lon"], located["lat"]), crs=4490)
    by_department = grids.set_index("department").geometry
    for point, department in zip(points, located["department"], strict=True):
        assert by_department[department].contains(point)
    metric = grids.to_crs(gauss_kruger_crs(106.3))
    # Units 1 and 2 are about 28 m apart: the same or neighbouring 100 m cells.
    assert metric.geometry.iat[0].area <= 2 * 100**2 * (1 + 1e-6)
    assert metric.geometry.iat[0].envelope.area <= 4 * 100**2 * (1 + 1e-6)
    # One unit: one 100 m cell.
    assert metric.geometry.iat[2].area == pytest.approx(100**2, rel=1e-6)
    # Unit 5 has no coordinates: it counts, but draws nothing.
    assert metric.geometry.iat[1].area == pytest.approx(100**2, rel=1e-6)
    only_unlocated = frame[frame["enterprise_id"] == 5]
    empty = build_sector_grids(only_unlocated, COUNTY, DEPARTMENTS)
    assert empty.geometry.iat[0].is_empty and empty["units"].iat[0] == 1


def test_existing_code_is_kept_and_fresh_sequences_are_new() -> None:
    kept = GridCode.sector(COUNTY, 1, 5)
    other_county = GridCode.sector("640121", 2, 1)
    township_level = GridCode.sector(COUNTY, 2, 7, township="101")
    existing = gpd.GeoDataFrame(
        {
            "grid_code": [str(kept), str(other_county), str(township_level)],
            "load": [99.0, 1.0, 1.0],
        },
        geometry=[shapely.MultiPolygon([shapely.box(0, 0, 1, 1)])] * 3,
        crs=4490,
    )
    registry = {2: {1, 2, 4}, 3: range(1, 11)}
    grids = build_sector_grids(sector_units(), COUNTY, DEPARTMENTS, existing, registry)
    codes = dict(zip(grids["department"], grids["grid_code"], strict=True))
    assert codes[1] == str(kept)  # kept, with new load and geometry
    assert grids.loc[grids["department"] == 1, "load"].iat[0] == 12
    assert not grids.geometry.iat[0].equals(existing.geometry.iat[0])
    assert parse(codes[2]).sequence == 3  # 1, 2, 4 were issued
    assert parse(codes[3]).sequence == 11


@settings(max_examples=50, deadline=None)
@given(used=st.sets(st.integers(1, 899), max_size=60))
def test_fresh_sequence_never_reuses(used) -> None:
    grids = build_sector_grids(sector_units(), COUNTY, DEPARTMENTS, None, {1: used})
    sequence = parse(grids["grid_code"].iat[0]).sequence
    assert sequence not in used
    assert sequence == min(set(range(1, 900)) - used)


def test_exhausted_sequences_and_bad_units() -> None:
    with pytest.raises(CodeError, match="department 1: sequence range exhausted"):
        build_sector_grids(sector_units(), COUNTY, DEPARTMENTS, None, {1: range(1, 900)})
    with pytest.raises(CodeError, match="unknown county"):
        build_sector_grids(sector_units(), "640199", DEPARTMENTS)
    bad = sector_units().assign(department=[1, 1, 42, None, 2])
    with pytest.raises(InputDataError, match=r"2 unit\(s\) have no or an unknown department"):
        build_sector_grids(bad, COUNTY, DEPARTMENTS)
    with pytest.raises(InputDataError, match="weight or a risk column"):
        build_sector_grids(sector_units().drop(columns="risk"), COUNTY, DEPARTMENTS)
    nothing = build_sector_grids(sector_units().iloc[:0], COUNTY, DEPARTMENTS)
    assert nothing.empty and list(nothing.columns) == list(SECTOR_GRID_COLUMNS)
    weighted = sector_units().drop(columns="risk").assign(weight=1.5)
    assert build_sector_grids(weighted, COUNTY, DEPARTMENTS)["load"].tolist() == [3, 3, 1.5]


# --------------------------------------------------------------------------
# Conservation
# --------------------------------------------------------------------------


def test_conservation_line() -> None:
    assert conservation_line(10, 6, 3, 1) == (
        "rows 10 = territorial 6 + sector 3 + unassigned 1",
        True,
    )
    assert conservation_line(10, 6, 3, 0) == (
        "rows 10 = territorial 6 + sector 3 + unassigned 0",
        False,
    )


# --------------------------------------------------------------------------
# The demo ledger
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_enterprises() -> pd.DataFrame:
    from gridgis.io.ledger import read_ledger

    return read_ledger(DATA_DIR / "demo" / "enterprises.xlsx").enterprises


def test_demo_ledger(demo_enterprises, rules) -> None:
    enterprises = demo_enterprises
    flags = flag_sector_units(enterprises, rules, DEPARTMENTS)
    fired = {rule: int(flags["rules"].str.contains(rule, na=False).sum()) for rule in RULE_ORDER}
    # Expected counts come from the ledger itself: every 重大/较大 unit, every
    # graded major hazard source. The generator made 6 large industrial units;
    # any other large unit is a 商贸 shop large under 零售业 (≥ 300 staff and
    # ≥ 20,000 万元), counted here straight from the ledger.
    high_risk = int(enterprises["risk"].isin(["重大", "较大"]).sum())
    hazards = int(enterprises["major_hazard"].fillna(False).astype(bool).sum())
    large_shops = int(
        (
            (enterprises["sector"] == "商贸")
            & (enterprises["employees"] >= 300)
            & (enterprises["revenue"] >= 20000)
        ).sum()
    )
    large_count = 6 + large_shops
    assert fired == {
        "large_scale": large_count,
        "risk_level": high_risk,
        "major_hazard": hazards,
        "uscc_list": 0,
    }
    large = enterprises[flags["rules"].str.contains("large_scale", na=False)]
    assert (large["sector"] != "商贸").sum() == 6
    assert (large.loc[large["sector"] != "商贸", "employees"] >= 1000).all()
    primary = flags["rule"].value_counts().to_dict()
    assert primary["large_scale"] == large_count
    assert primary["risk_level"] == int(flags["flagged"].sum()) - large_count
    # Every sector in the demo is held by a department: every flagged unit can go.
    assert flags["to_sector"].equals(flags["flagged"])
    assert flags["department"].notna().all()

    sent = enterprises[flags["to_sector"]].assign(
        enterprise_id=enterprises["row"], department=flags["department"]
    )
    grids = build_sector_grids(sent, COUNTY, DEPARTMENTS)
    assert grids["units"].sum() == int(flags["flagged"].sum())
    # One grid per department that received a unit, in department order.
    assert grids["department"].tolist() == sorted(set(flags.loc[flags["to_sector"], "department"]))
    assert grids.is_valid.all() and (grids.geom_type == "MultiPolygon").all()

    # Territorial: the rest, one grid per village (from the generator's truth file),
    # rows without a village left unassigned.
    truth = pd.read_csv(DATA_DIR / "demo" / "enterprises_truth.csv", dtype=str)
    village = enterprises["序号"].map(truth.set_index("序号")["village_code"])
    rest = enterprises[~flags["to_sector"]].assign(
        enterprise_id=enterprises["row"], grid_code=village, department=flags["department"]
    )
    placed = rest[rest["grid_code"].notna()]
    matched = capacity_match(placed, {code: 3 for code in placed["grid_code"]}, rules)
    assert not matched.grids["over_capacity"].any()
    assert matched.moves["weight"].max() <= 2  # 重大 and 较大 units went already
    sector = len(sent) + len(matched.moves)
    territorial = len(placed) - len(matched.moves)
    unassigned = len(rest) - len(placed)
    line, adds_up = conservation_line(len(enterprises), territorial, sector, unassigned)
    assert adds_up, line
    assert unassigned == 1  # the row moved outside the county has no village
