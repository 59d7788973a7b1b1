"""``gridgis staff import``: the roster resolved to places and roles, or refused whole."""

import shutil
from pathlib import Path

import pytest
from conftest import file_digest, run

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR


@pytest.fixture
def project(demo_divided: Path, tmp_path: Path) -> Path:
    path = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_divided, path)
    return path


def test_the_demo_roster_is_imported_as_one_version(project: Path) -> None:
    before = open_project(project).current_version
    result = run("staff", "import", project, DEMO_DIR / "staff.xlsx")
    assert result.exit_code == 0, result.output
    reader = open_project(project)
    assert reader.current_version == before + 1
    staff = reader.read_layer("staff")
    assert f"read {len(staff)} people from staff.xlsx" in result.output
    assert "网格员" in result.output and "base grids with a 网格员" in result.output
    assert set(staff["role"]) <= {
        "挂点领导",
        "网格安全监管责任人",
        "直接监管责任人",
        "网格长",
        "网格员",
        "联系负责人",
    }


def test_a_re_import_lists_who_came_and_went(project: Path, tmp_path: Path) -> None:
    assert run("staff", "import", project, DEMO_DIR / "staff.xlsx").exit_code == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,角色,所属乡镇街道,联系电话\n张新来,挂点领导,兴隆镇,13900000000\n", encoding="utf-8"
    )
    result = run("staff", "import", project, roster)
    assert result.exit_code == 0, result.output
    assert "new: 张新来" in result.output
    assert "removed:" in result.output


def test_a_bad_row_stops_the_import_and_changes_nothing(project: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,角色,所属乡镇街道\n张三,网格员,兴隆镇\n李四,看门大爷,兴隆镇\n", encoding="utf-8"
    )
    before = file_digest(project)
    result = run("staff", "import", project, roster)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "row 3" in result.output
    assert file_digest(project) == before
