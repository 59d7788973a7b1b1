"""The staff roster: reading, resolving places, sharing members, capacity, CLI."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import file_digest, folder_listing, run

from gridgis.codes import GridCode, default_scheme
from gridgis.errors import InputDataError
from gridgis.io.roster import read_roster
from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR
from gridgis.sector import capacity_match, load_rules
from gridgis.staff import (
    GRID_MEMBER,
    ROLES,
    build_staff,
    canonical_role,
    members_per_grid,
    problems_message,
    responsibilities,
)

# --------------------------------------------------------------------------
# A small county drawn by hand
# --------------------------------------------------------------------------
# 金山镇 (640122100): 红星村 (3 base grids), 新华村 (1), 河东村 (2).
# 立岗镇 (640122101): another 红星村 (1), so "红星村" alone is ambiguous.
HONGXING, XINHUA, HEDONG, LIGANG_HONGXING = (
    "640122100201",
    "640122100202",
    "640122100203",
    "640122101201",
)
GRIDS_PER_VILLAGE = {HONGXING: 3, XINHUA: 1, HEDONG: 2, LIGANG_HONGXING: 1}


def base(village: str, sequence: int) -> str:
    return GridCode.base(village, sequence).format()


SECTOR_1 = GridCode.sector("640122", department=1, sequence=1).format()


@pytest.fixture
def admin() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["640122", "640122100", "640122101", HONGXING, XINHUA, HEDONG, LIGANG_HONGXING],
            "name": ["贺兰县", "金山镇", "立岗镇", "红星村", "新华村", "河东村", "红星村"],
            "level": ["county", "township", "township", "village", "village", "village", "village"],
            "parent_code": [
                None,
                "640122",
                "640122",
                "640122100",
                "640122100",
                "640122100",
                "640122101",
            ],
        }
    )


@pytest.fixture
def grids() -> pd.DataFrame:
    rows = [
        {
            "grid_code": base(village, sequence),
            "kind": "territorial",
            "level": "base",
            "admin_code": village,
            "department": None,
        }
        for village, count in GRIDS_PER_VILLAGE.items()
        for sequence in range(1, count + 1)
    ]
    rows += [
        {
            "grid_code": GridCode.for_level(village).format(),
            "kind": "territorial",
            "level": "village",
            "admin_code": village,
            "department": None,
        }
        for village in GRIDS_PER_VILLAGE
    ]
    rows.append(
        {
            "grid_code": GridCode.for_level("640122100").format(),
            "kind": "territorial",
            "level": "township",
            "admin_code": "640122100",
            "department": None,
        }
    )
    rows.append(
        {
            "grid_code": SECTOR_1,
            "kind": "sector",
            "level": "county",
            "admin_code": "640122",
            "department": 1,
        }
    )
    return pd.DataFrame(rows)


def roster(*rows: dict[str, object]) -> pd.DataFrame:
    """Roster rows as the reader gives them; spreadsheet rows start at 2."""
    frame = pd.DataFrame(list(rows))
    frame.insert(0, "row", range(2, 2 + len(frame)))
    return frame


def build(people: pd.DataFrame, admin: pd.DataFrame, grids: pd.DataFrame):
    return build_staff(people, admin, grids, default_scheme().departments)


# --------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "名册") -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


HEADER = ["姓名", "角色", "职务", "所属乡镇街道", "所属村社区", "联系电话", "专兼职"]
PEOPLE = [
    ["张三", "网格员", "专职网格员", "金山镇", "红星村", 13809510001, "专职"],
    ["李四", "网格长", "村委会委员", "金山镇", "红星村", 13809510002, None],
]


def test_reader_finds_the_header_below_title_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["贺兰县安全生产网格化监管人员名册"],
            ["填报单位：金山镇", None, None, "填报日期：2024-05-01"],
            [],
            [*HEADER, "备注"],
            [*PEOPLE[0], "新任"],
            [],
            [*PEOPLE[1], None],
        ],
    )
    read = read_roster(path)
    assert (read.sheet, read.header_row, read.empty_rows) == ("名册", 4, 1)
    people = read.people
    assert people["row"].tolist() == [5, 7]
    assert people["name"].tolist() == ["张三", "李四"]
    assert people["phone"].tolist() == ["13809510001", "13809510002"]  # not 1.38e10
    assert people["duty"].tolist() == ["专职", None]
    assert people["grid_code"].tolist() == [None, None]
    assert read.extra_columns == ("备注",)
    assert people["备注"].tolist() == ["新任", None]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_reader_decodes_csv(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "roster.csv"
    lines = ["名册,,", ",".join(HEADER)] + [",".join(str(c or "") for c in p) for p in PEOPLE]
    path.write_bytes("\r\n".join(lines).encode(encoding))
    read = read_roster(path)
    assert read.header_row == 2
    assert read.people[["row", "name", "role", "village"]].values.tolist() == [
        [3, "张三", "网格员", "红星村"],
        [4, "李四", "网格长", "红星村"],
    ]
    assert read.encoding == ("gb18030" if encoding == "gbk" else "utf-8-sig")
    assert bool(read.notes) == (encoding == "gbk")


def test_reader_knows_header_aliases(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "name,Role,所属乡/镇/街道,所属村/社区,网格代码,部门,电话\n"
        "王五,网格员,金山镇,红星村,640 122 100 201 0015,,139\n",
        encoding="utf-8",
    )
    person = read_roster(path).people.iloc[0]
    assert person[
        ["name", "role", "township", "village", "grid_code", "department", "phone"]
    ].tolist() == ["王五", "网格员", "金山镇", "红星村", "640 122 100 201 0015", None, "139"]


def test_reader_missing_header_lists_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("姓名,职务,联系电话\n张三,村委会主任,139\n", encoding="utf-8")
    with pytest.raises(
        InputDataError,
        match=r"missing required header 角色 \(role\).*headers found: 姓名, 职务, 联系电话",
    ):
        read_roster(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("absent.xlsx", None, "roster file not found"),
        ("empty.csv", b"", "empty.csv is an empty file"),
        ("roster.xlsx", "姓名,角色\n张三,网格员\n".encode(), "not an Excel workbook but a text"),
        ("roster.csv", b"PK\x03\x04rest", "is an Excel workbook, not a text"),
        ("roster.xls", b"\xd0\xcf\x11\xe0", r"Excel 97-2003 workbook \(.xls\)"),
        ("roster.json", b"{}", "unsupported roster format '.json'"),
        ("header.csv", "姓名,角色\n".encode(), "no people below the header"),
    ],
)
def test_reader_refuses_bad_files(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputDataError, match=message):
        read_roster(path)


def test_reader_sheet_choice(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表为网格人员名册"])
    people = workbook.create_sheet("人员")
    for row in [HEADER, *PEOPLE]:
        people.append(row)
    workbook.save(path)
    assert read_roster(path).sheet == "人员"  # the first sheet with a header
    with pytest.raises(InputDataError, match=r"has no sheet '名单'; its sheets are: 说明, 人员"):
        read_roster(path, sheet="名单")
    with pytest.raises(InputDataError, match=r"\(sheet '说明'\): missing required header 姓名"):
        read_roster(path, sheet="说明")


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------


def test_roles() -> None:
    assert [canonical_role(r) for r in ROLES] == list(ROLES)
    assert canonical_role("网格管理员") == GRID_MEMBER
    assert canonical_role("兼职网格员") == GRID_MEMBER
    assert canonical_role("网格元") is None
    assert canonical_role(None) is None


def test_every_place_level_resolves(admin, grids) -> None:
    people = roster(
        {"name": "甲", "role": "网格员", "grid_code": base(HONGXING, 2)},
        {"name": "乙", "role": "网格管理员", "township": "金山", "village": "红星村委会"},
        {"name": "丙", "role": "挂点领导", "township": "金山镇人民政府"},
        {"name": "丁", "role": "网格员", "department": "应急管理局"},
        {"name": "戊", "role": "网格长", "grid_code": GridCode.for_level(HEDONG).format()},
        {"name": "己", "role": "网格员", "grid_code": SECTOR_1},
        {"name": "庚", "role": "联系负责人", "village": "新华村"},  # unique in the county
        {"name": "辛　华", "role": "专职网格员", "village": "河东村"},
    )
    built = build(people, admin, grids)
    assert built.problems.empty, built.problems
    staff = built.staff.set_index("name")
    assert staff["place_level"].to_dict() == {
        "甲": "grid",
        "乙": "village",
        "丙": "township",
        "丁": "department",
        "戊": "village",
        "己": "department",
        "庚": "village",
        "辛华": "village",
    }
    assert staff.loc["甲", ["grid_code", "village_code", "township_code", "village"]].tolist() == [
        base(HONGXING, 2),
        HONGXING,
        "640122100",
        "红星村",
    ]
    assert staff.loc["乙", ["village_code", "township"]].tolist() == [HONGXING, "金山镇"]
    assert staff.loc["丙", "township_code"] == "640122100"
    assert staff.loc[["丁", "己"], "department_number"].tolist() == [1, 1]
    assert staff.loc["丁", "department"] == "县应急管理局"
    assert staff.loc["戊", "village_code"] == HEDONG
    assert staff.loc["庚", "village_code"] == XINHUA
    assert staff.loc["辛华", ["role", "duty"]].tolist() == [GRID_MEMBER, "专职"]
    assert staff["staff_id"].str.match(r"^S-[0-9a-f]{12}$").all()


def mistyped(code: str) -> str:
    """The code with a wrong check character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def test_bad_rows_are_listed_with_their_row_and_reason(admin, grids) -> None:
    people = roster(
        {"name": "甲", "role": "网格员", "township": "金山镇", "village": "红星村"},  # row 2 ok
        {"name": "乙", "role": "网格元", "township": "金山镇", "village": "红星村"},  # 3
        {"name": "丙", "role": "网格员", "township": "金山镇", "village": "红心村"},  # 4
        {"name": None, "role": "网格员", "township": "金山镇", "village": "红星村"},  # 5
        {"name": "甲", "role": "网格员", "township": "金山", "village": "红星村委会"},  # 6 = 2
        {"name": "丁", "role": "网格员", "village": "红星村"},  # 7: two 红星村 in the county
        {"name": "戊", "role": "网格员", "grid_code": mistyped(base(HONGXING, 1))},  # 8
        {"name": "己", "role": "网格员", "grid_code": base(XINHUA, 7)},  # 9: not a grid
        {"name": "庚", "role": "网格员", "township": "立岗镇", "village": "河东村"},  # 10
        {"name": "辛", "role": "挂点领导", "department": "县宣传部"},  # 11
        {"name": "壬", "role": "网格员"},  # 12
        {"name": "癸", "role": None, "township": "金山镇"},  # 13
    )
    built = build(people, admin, grids)
    problems = built.problems.set_index("row")
    assert problems["kind"].to_dict() == {
        3: "unknown_role",
        4: "unknown_village",
        5: "missing_name",
        6: "duplicate",
        7: "unknown_village",
        8: "invalid_grid_code",
        9: "unknown_grid",
        10: "township_mismatch",
        11: "unknown_department",
        12: "no_place",
        13: "missing_role",
    }
    assert problems.loc[6, "detail"] == "same name, phone, role and place as row 2"
    assert "bad check character" in problems.loc[8, "detail"]
    assert problems.loc[10, "detail"] == "village 河东村 is in 金山镇, not in '立岗镇'"
    assert built.staff["row"].tolist() == [2]
    message = problems_message(built.problems, "staff.xlsx")
    assert message.startswith(
        "staff.xlsx: 11 roster rows cannot be imported, so nothing was changed: "
        "row 3 (乙): unknown role '网格元'; row 4 (丙): village '红心村' in '金山镇' matches "
        "no single village of the project; row 5: no name (姓名); "
    )
    assert "… and 6 more rows; fix them and import again (roles: 挂点领导" in message
    assert "\n" not in message


def test_staff_id_is_stable_across_spelling_and_order(admin, grids) -> None:
    first = build(
        roster(
            {
                "name": "甲",
                "role": "网格员",
                "township": "金山镇",
                "village": "红星村",
                "phone": "139",
            },
            {"name": "乙", "role": "网格长", "township": "金山镇", "village": "红星村"},
        ),
        admin,
        grids,
    ).staff
    second = build(
        roster(
            {"name": "乙", "role": "网格长", "township": "金山", "village": "红星村民委员会"},
            {
                "name": "甲 ",
                "role": "网格管理员",
                "village": "红星村委会",
                "township": "金山",
                "phone": "1 39",
            },
        ),
        admin,
        grids,
    ).staff
    assert sorted(first["staff_id"]) == sorted(second["staff_id"])
    moved = build(
        roster(
            {
                "name": "甲",
                "role": "网格员",
                "township": "金山镇",
                "village": "新华村",
                "phone": "139",
            },
        ),
        admin,
        grids,
    ).staff
    assert moved["staff_id"].iloc[0] not in set(first["staff_id"])


# --------------------------------------------------------------------------
# Members per grid and responsibilities
# --------------------------------------------------------------------------


def test_members_are_shared_by_a_villages_grids(admin, grids) -> None:
    staff = build(
        roster(
            # 红星村: 2 village members over 3 grids, 1 more named with grid 1.
            {"name": "甲", "role": "网格员", "township": "金山镇", "village": "红星村"},
            {"name": "乙", "role": "网格员", "township": "金山镇", "village": "红星村"},
            {"name": "丙", "role": "网格员", "grid_code": base(HONGXING, 1)},
            # 河东村: 1 village member over 2 grids, and a grid head (not a member).
            {"name": "丁", "role": "网格员", "township": "金山镇", "village": "河东村"},
            {"name": "戊", "role": "网格长", "grid_code": base(HEDONG, 1)},
            # Township and department members serve no base grid.
            {"name": "己", "role": "网格员", "township": "金山镇"},
            {"name": "庚", "role": "网格员", "department": "县应急管理局"},
        ),
        admin,
        grids,
    ).staff
    members = members_per_grid(staff, grids)
    assert {code: round(count, 2) for code, count in members.items()} == {
        base(HONGXING, 1): 1.67,
        base(HONGXING, 2): 0.67,
        base(HONGXING, 3): 0.67,
        base(HEDONG, 1): 0.5,
        base(HEDONG, 2): 0.5,
    }
    assert list(members) == sorted(members)
    assert sum(members.values()) == pytest.approx(4)  # 甲 乙 丙 丁
    assert members_per_grid(staff.iloc[:0], grids) == {}


def test_members_of_retired_grids_are_not_counted(admin, grids, caplog) -> None:
    staff = build(
        roster({"name": "甲", "role": "网格员", "grid_code": base(XINHUA, 1)}), admin, grids
    ).staff
    redivided = grids[grids["grid_code"] != base(XINHUA, 1)]
    assert members_per_grid(staff, redivided) == {}
    assert "no longer current" in caplog.text


def test_responsibilities_per_grid(admin, grids) -> None:
    staff = build(
        roster(
            {"name": "甲", "role": "网格员", "township": "金山镇", "village": "红星村"},
            {"name": "乙", "role": "网格员", "grid_code": base(HONGXING, 1)},
            {"name": "丙", "role": "网格长", "township": "金山镇", "village": "红星村"},
            {"name": "丁", "role": "网格安全监管责任人", "township": "金山镇"},
            {"name": "戊", "role": "网格安全监管责任人", "township": "金山镇", "village": "红星村"},
            {"name": "己", "role": "挂点领导", "township": "金山镇"},
            {"name": "庚", "role": "联系负责人", "grid_code": base(HONGXING, 2)},
            {"name": "辛", "role": "挂点领导", "department": "县应急管理局"},
            {"name": "壬", "role": "网格员", "department": "县应急管理局"},
        ),
        admin,
        grids,
    ).staff
    table = responsibilities(staff, grids).set_index("grid_code")
    assert list(table.columns) == ["kind", *ROLES]
    assert len(table) == sum(GRIDS_PER_VILLAGE.values()) + 1  # base grids + the sector grid
    first, second = table.loc[base(HONGXING, 1)], table.loc[base(HONGXING, 2)]
    roles = [GRID_MEMBER, "网格长", "网格安全监管责任人", "挂点领导", "联系负责人"]
    assert first[roles].tolist() == ["乙、甲", "丙", "戊", "己", None]
    assert second[[GRID_MEMBER, "联系负责人"]].tolist() == ["甲", "庚"]
    # 新华村 has no people of its own: the township's 责任人 and 挂点领导 stand for it.
    xinhua = table.loc[base(XINHUA, 1)]
    assert xinhua[[GRID_MEMBER, "网格安全监管责任人", "挂点领导"]].tolist() == [None, "丁", "己"]
    assert table.loc[base(LIGANG_HONGXING, 1), ["网格安全监管责任人", "挂点领导"]].isna().all()
    assert table.loc[SECTOR_1, [GRID_MEMBER, "挂点领导"]].tolist() == ["壬", "辛"]


# --------------------------------------------------------------------------
# Capacity from the roster
# --------------------------------------------------------------------------


def test_capacity_uses_roster_members(admin, grids) -> None:
    rules = load_rules()
    grid = base(HEDONG, 1)
    # Load 36 (9 x 较大): over the default 1 x 30, within 2 x 30.
    placed = pd.DataFrame(
        {
            "enterprise_id": [f"E{i}" for i in range(9)],
            "grid_code": grid,
            "risk": "较大",
            "department": 1,
        }
    )
    staff = build(
        roster(
            {"name": "甲", "role": "网格员", "grid_code": grid},
            {"name": "乙", "role": "网格员", "grid_code": grid, "phone": "139"},
        ),
        admin,
        grids,
    ).staff
    members = members_per_grid(staff, grids)
    assert members == {grid: 2.0}

    with_roster = capacity_match(placed, members, rules)
    default = capacity_match(placed, None, rules)
    row = with_roster.grids.iloc[0]
    assert (row["members"], row["members_source"]) == (2.0, "roster")
    assert row["capacity"] == 2 * rules.capacity_per_member
    assert len(with_roster.moves) == 0
    assert default.grids.iloc[0][["members", "members_source", "capacity"]].tolist() == [
        rules.members_per_grid,
        "default",
        rules.members_per_grid * rules.capacity_per_member,
    ]
    assert len(default.moves) == 2  # 36 - 30 = 6 needs two units of weight 4
    assert len(with_roster.moves) < len(default.moves)


def test_a_shared_member_counts_and_a_grid_without_one_gets_the_default(admin, grids) -> None:
    rules = load_rules()
    staff = build(
        roster(
            {"name": "甲", "role": "网格员", "township": "金山镇", "village": "河东村"},
        ),
        admin,
        grids,
    ).staff
    placed = pd.DataFrame(
        {
            "enterprise_id": ["a", "b"],
            "grid_code": [base(HEDONG, 2), base(XINHUA, 1)],
            "risk": "低",
            "department": 1,
        }
    )
    result = capacity_match(placed, members_per_grid(staff, grids), rules).grids
    result = result.set_index("grid_code")[["members", "members_source", "capacity"]]
    assert result.loc[base(HEDONG, 2)].tolist() == [0.5, "roster", 0.5 * rules.capacity_per_member]
    assert result.loc[base(XINHUA, 1)].tolist() == [
        rules.members_per_grid,
        "default",
        rules.members_per_grid * rules.capacity_per_member,
    ]


# --------------------------------------------------------------------------
# CLI, end to end on the demo county
# --------------------------------------------------------------------------


DEMO_ROSTER = DEMO_DIR / "staff.xlsx"


@pytest.fixture
def project(demo_divided: Path, tmp_path: Path) -> Path:
    path = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_divided, path)
    return path


def demo_roster() -> pd.DataFrame:
    return pd.read_excel(DEMO_ROSTER, dtype=str)


def test_cli_import_then_assign(project: Path) -> None:
    people = demo_roster()
    before = open_project(project).current_version
    result = run("staff", "import", project, DEMO_ROSTER)
    assert result.exit_code == 0, result.output
    assert f"read {len(people)} people from staff.xlsx" in result.output
    reader = open_project(project)
    assert reader.current_version == before + 1
    staff = reader.read_layer("staff")
    # People have no place on the map: a plain table, which QGIS opens as one.
    assert "geometry" not in staff.columns
    with sqlite3.connect(project) as connection:
        kind = connection.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'staff'"
        ).fetchone()
    assert kind == ("attributes",)
    assert len(staff) == len(people)
    assert staff["staff_id"].is_unique
    members = int((people["角色"] == "网格员").sum())
    line = next(line for line in result.output.splitlines() if line.startswith("网格员 grid"))
    assert line.split()[-1] == str(members)
    grids = reader.read_layer("grids")
    shares = members_per_grid(pd.DataFrame(staff), grids)
    base_grids = int((grids["level"] == "base").sum())
    assert f"base grids with a 网格员: {len(shares)} of {base_grids}" in result.output
    # Every village member is counted once, however its village is divided.
    village_members = staff[(staff["role"] == "网格员") & (staff["place_level"] == "village")]
    assert sum(shares.values()) == pytest.approx(len(village_members))

    assigned = run("assign", project)
    assert assigned.exit_code == 0, assigned.output
    capacity = open_project(project).read_table("capacity").set_index("grid_code")
    from_roster = capacity["members_source"] == "roster"
    assert from_roster.any()
    default = load_rules().members_per_grid
    expected = capacity.index.map(lambda code: shares.get(code, default))
    assert capacity["members"].to_numpy() == pytest.approx(expected.to_numpy(dtype=float))
    assert set(capacity.loc[~from_roster].index).isdisjoint(shares)


def test_cli_reimport_shows_who_changed(project: Path, tmp_path: Path) -> None:
    assert run("staff", "import", project, DEMO_ROSTER).exit_code == 0
    same = run("staff", "import", project, DEMO_ROSTER)
    assert same.exit_code == 0, same.output
    people = demo_roster()
    assert f"0 new, 0 changed, 0 removed, {len(people)} unchanged" in same.output

    edited = people.copy()
    removed = edited.iloc[1]
    edited.loc[2, "职务"] = "新职务"
    newcomer = edited.iloc[[0]].assign(姓名="新来人", 联系电话="13900000000")
    edited = pd.concat([edited.drop(index=1), newcomer], ignore_index=True)
    path = tmp_path / "staff_new.xlsx"
    edited.to_excel(path, index=False, sheet_name="网格人员")
    result = run("staff", "import", project, path)
    assert result.exit_code == 0, result.output
    assert f"1 new, 1 changed, 1 removed, {len(people) - 2} unchanged" in result.output
    assert "new: 新来人（" in result.output
    assert f"removed: {removed['姓名']}（{removed['角色']}" in result.output
    assert f"changed: {people.loc[2, '姓名']}（" in result.output


def test_cli_failed_import_leaves_the_project_untouched(project: Path, tmp_path: Path) -> None:
    people = demo_roster()
    bad = people.copy()
    bad.loc[3, "角色"] = "网格元"
    village = bad.index[bad["所属村社区"].notna()][0]
    bad.loc[village, "所属村社区"] = "不存在村"
    bad = pd.concat([bad, bad.iloc[[5]]], ignore_index=True)  # a duplicate
    path = tmp_path / "bad.xlsx"
    bad.to_excel(path, index=False)
    digest, listing = file_digest(project), folder_listing(project.parent)
    versions = open_project(project).current_version

    result = run("staff", "import", project, path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: bad.xlsx: 3 roster rows cannot be imported")
    assert "row 5 (" in result.output and "unknown role '网格元'" in result.output
    assert f"row {village + 2} (" in result.output and "'不存在村'" in result.output
    assert f"row {len(bad) + 1} (" in result.output
    assert "same name, phone, role and place as row 7" in result.output
    assert file_digest(project) == digest
    # No working copy is left behind; only the writers' lock file may appear.
    assert set(folder_listing(project.parent)) - {".helan.gpkg.lock"} == set(listing)
    assert open_project(project).current_version == versions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sheet", "名单"], "has no sheet '名单'; its sheets are: 网格人员"),
        ([], None),  # a CSV with no 角色 column
    ],
)
def test_cli_unreadable_roster_leaves_the_project_untouched(
    project: Path, tmp_path: Path, args: list[str], message: str | None
) -> None:
    if message is None:
        source = tmp_path / "roster.csv"
        source.write_text("姓名,职务\n张三,村委会主任\n", encoding="utf-8")
        message = "missing required header 角色 (role)"
    else:
        source = DEMO_ROSTER
    digest = file_digest(project)
    result = run("staff", "import", project, source, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert file_digest(project) == digest


def test_cli_missing_project(tmp_path: Path) -> None:
    result = run("staff", "import", tmp_path / "none.gpkg", DEMO_ROSTER)
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert folder_listing(tmp_path) == []
