"""``gridgis locate``: the grid, people and department of a place, agreeing with assign."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import file_digest, run

from gridgis.coords import wgs84_to_gcj02
from gridgis.io.assignment_view import read_assignments
from gridgis.io.store import open_project
from gridgis.project.locate import open_grid_finder


@pytest.fixture(scope="module")
def units(demo_staffed: Path) -> pd.DataFrame:
    """The demo's enterprises with their assignments (read once)."""
    return read_assignments(demo_staffed)


def _located(output: Path) -> pd.DataFrame:
    return pd.read_csv(output, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_locate_agrees_with_assign_for_every_demo_enterprise(
    demo_staffed: Path, units: pd.DataFrame, tmp_path: Path
) -> None:
    points = tmp_path / "enterprises.csv"
    pd.DataFrame(
        {
            "经度": units["lon"],
            "纬度": units["lat"],
            "所属乡/镇/街道": units["township"],
            "所属村/社区": units["village"],
            "详细地址": units["address"],
        }
    ).to_csv(points, index=False)
    output = tmp_path / "located.csv"
    result = run("locate", demo_staffed, "--points", points, "-o", output)
    assert result.exit_code == 0, result.output
    located = _located(output)
    assert len(located) == len(units) == 3000
    territorial = (units["kind"] == "territorial").to_numpy()
    assert (located["grid_code"][territorial] == units["grid_code"][territorial]).all()
    # A unit in a sector grid stands in the base grid of its located village.
    sector = (units["kind"] == "sector").to_numpy()
    assert (located["village_code"][sector] == units["located_village"][sector]).all()
    unplaced = units["kind"].isna().to_numpy()
    assert (located["grid_code"][unplaced] == "").all()
    assert (located["candidates"][unplaced] == units["candidates"][unplaced].fillna("")).all()
    # By code: the grid assign chose, sector grid and department included.
    finder = open_grid_finder(demo_staffed)
    found = finder.enterprises(units["uscc"].dropna()).set_index("enterprise_id")
    mine = units.set_index("enterprise_id").loc[found.index]
    assert (found["assigned_grid"].fillna("") == mine["grid_code"].fillna("")).all()
    spatial = (mine["kind"] == "territorial") & (mine["method"] == "spatial")
    assert (found.loc[spatial, "base_grid_code"] == mine.loc[spatial, "grid_code"]).all()
    in_sector = mine["kind"] == "sector"
    assert (found.loc[in_sector, "department"] == mine.loc[in_sector, "department"]).all()


def test_random_points_agree_with_a_geopandas_join(demo_staffed: Path, tmp_path: Path) -> None:
    reader = open_project(demo_staffed)
    grids = reader.read_grids(levels=["base", "village"], kinds=["territorial"])
    base = grids[grids["level"] == "base"]
    undivided = grids[(grids["level"] == "village") & ~grids["admin_code"].isin(base["admin_code"])]
    placement = pd.concat([base, undivided])[["grid_code", "geometry"]]
    minx, miny, maxx, maxy = placement.total_bounds
    rng = np.random.default_rng(15)
    lon = rng.uniform(minx - 0.02, maxx + 0.02, 10_000)
    lat = rng.uniform(miny - 0.02, maxy + 0.02, 10_000)
    # And points exactly on grid corners, where the tie rule decides.
    corners = shapely.get_coordinates(base.geometry.iloc[:40].to_numpy())[::7]
    lon = np.concatenate([lon, corners[:, 0]])
    lat = np.concatenate([lat, corners[:, 1]])
    points = tmp_path / "points.csv"
    pd.DataFrame(
        {"lon": [repr(float(x)) for x in lon], "lat": [repr(float(y)) for y in lat]}
    ).to_csv(points, index=False)
    output = tmp_path / "located.csv"
    result = run("locate", demo_staffed, "--points", points, "-o", output)
    assert result.exit_code == 0, result.output
    mine = _located(output)["grid_code"].replace("", None)
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=placement.crs)
    within = gpd.sjoin(frame, placement, predicate="within", how="left")
    assert within.index.is_unique  # the grids tile the county: one grid at most
    theirs = within["grid_code"].reindex(frame.index)
    same = mine.fillna("") == theirs.fillna("")
    # Where they differ, the point lies on a boundary (within places it nowhere)
    # and locate chose the smallest code of the grids that cover it.
    covering = gpd.sjoin(frame[~same.to_numpy()], placement, predicate="intersects")
    smallest = covering.groupby(level=0)["grid_code"].min()
    assert theirs[~same].isna().all()
    assert (mine[~same] == smallest.reindex(mine[~same].index)).all()
    assert same[:10_000].mean() > 0.999
    assert (~same[10_000:]).sum() > 0, "the corners test the tie rule"


def test_a_point_prints_its_grid_village_township_and_people(
    demo_staffed: Path, units: pd.DataFrame
) -> None:
    unit = units[(units["kind"] == "territorial") & (units["method"] == "spatial")].iloc[0]
    result = run("locate", demo_staffed, unit["lon"], unit["lat"])
    assert result.exit_code == 0, result.output
    assert "网格 grid: " in result.output and unit["grid_code"] in result.output
    assert f"村/社区 village: {unit['village']}" in result.output
    assert "网格员" in result.output and "挂点领导" in result.output
    answer = json.loads(run("locate", demo_staffed, unit["lon"], unit["lat"], "--json").output)
    assert answer["found"] is True and answer["place"]["grid_code"] == unit["grid_code"]
    assert {"网格员", "网格长", "挂点领导"} <= {person["role"] for person in answer["people"]}
    assert all(person["phone"] for person in answer["people"])


def test_gcj02_and_bd09_points_are_converted_first(demo_staffed: Path, units: pd.DataFrame) -> None:
    unit = units[(units["kind"] == "territorial") & (units["method"] == "spatial")].iloc[5]
    x, y = wgs84_to_gcj02(unit["lon"], unit["lat"])
    answer = json.loads(
        run("locate", demo_staffed, float(x), float(y), "--coords", "gcj02", "--json").output
    )
    assert answer["place"]["grid_code"] == unit["grid_code"]
    assert answer["query"]["cgcs2000_lon"] == pytest.approx(unit["lon"], abs=1e-8)


def test_a_unit_in_a_sector_grid_names_its_department_grid_and_rule(
    demo_staffed: Path, units: pd.DataFrame
) -> None:
    unit = units[(units["kind"] == "sector") & (units["method"] == "rule")].iloc[0]
    result = run("locate", demo_staffed, "--uscc", unit["uscc"])
    assert result.exit_code == 0, result.output
    assert f"单位 unit: {unit['name']}" in result.output
    assert "行业专属网格 sector grid: " in result.output and unit["grid_code"] in result.output
    assert f"责任部门 department: {int(unit['department'])} " in result.output
    assert unit["rules"] in result.output
    answer = json.loads(run("locate", demo_staffed, "--uscc", unit["uscc"], "--json").output)
    assert answer["sector"]["grid_code"] == unit["grid_code"]
    assert answer["sector"]["department"] == int(unit["department"])
    assert answer["sector"]["people"], "the department's people serve its sector grid"
    assert answer["place"]["village_code"] == unit["located_village"]


def test_no_grid_is_said_with_why_and_exit_1(demo_staffed: Path) -> None:
    outside = run("locate", demo_staffed, 106.0, 38.2)
    assert outside.exit_code == 1
    assert "在县界外，距县界" in outside.output and " 米" in outside.output
    answer = json.loads(run("locate", demo_staffed, 106.0, 38.2, "--json").output)
    assert answer["found"] is False and answer["place"]["distance_m"] > 1000
    several = run("locate", demo_staffed, "--address", "丰安镇谢家井村")
    assert several.exit_code == 1
    assert "候选网格 candidate grids: 640122101204" in several.output
    unknown = run("locate", demo_staffed, "--uscc", "91640122MA0000000G")
    assert unknown.exit_code == 1 and "not in the ledger" in unknown.output


def test_an_address_in_a_one_grid_village_finds_its_grid(demo_staffed: Path) -> None:
    answer = json.loads(run("locate", demo_staffed, "--address", "金山镇光明村", "--json").output)
    assert answer["found"] is True and answer["place"]["method"] == "address"
    assert answer["place"]["village"] == "光明村"


def test_the_points_file_keeps_every_row_in_order(demo_staffed: Path, tmp_path: Path) -> None:
    points = tmp_path / "hotline.csv"
    points.write_text(
        "12345 热线工单\n工单号,经度,纬度,坐标系,备注\n"
        "A1,106.336003,38.555405,,=1+1\n"
        ",,,,\n"
        "A3,38.555405,106.336003,,\n"
        "A4,106.0,38.2,wgs84,\n"
        "A5,东经106度,38.5,,\n",
        encoding="gbk",
    )
    output = tmp_path / "out.csv"
    result = run("locate", demo_staffed, "--points", points, "-o", output)
    assert result.exit_code == 0, result.output
    assert "5 rows of hotline.csv: 2 in a grid" in result.output
    located = _located(output)
    assert located["工单号"].tolist() == ["A1", "", "A3", "A4", "A5"]
    assert located.columns[:5].tolist() == ["工单号", "经度", "纬度", "坐标系", "备注"]
    assert located["grid_code"][0] == located["grid_code"][2] != ""
    assert "swapped" in located["note"][2]
    assert "距县界" in located["reason"][3] and float(located["distance_m"][3]) > 1000
    assert located["备注"][0] == "'=1+1", "text never becomes a formula"
    workbook = tmp_path / "out.xlsx"
    assert run("locate", demo_staffed, "--points", points, "-o", workbook).exit_code == 0
    assert len(pd.read_excel(workbook)) == 5
    before = file_digest(output)
    again = run("locate", demo_staffed, "--points", points, "-o", output)
    assert again.exit_code == 1 and "--overwrite" in again.output
    assert file_digest(output) == before


def test_a_points_file_without_places_is_refused(demo_staffed: Path, tmp_path: Path) -> None:
    points = tmp_path / "names.csv"
    points.write_text("名称,备注\n甲,乙\n", encoding="utf-8")
    result = run("locate", demo_staffed, "--points", points, "-o", tmp_path / "o.csv")
    assert result.exit_code == 1
    assert "no points header found" in result.output and "名称, 备注" in result.output
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give exactly one of"),
        (["106.3"], "give both LON and LAT"),
        (["106.3", "38.5", "--address", "x"], "give exactly one of"),
        (["--points", "p.csv"], "--points needs -o"),
        (["--points", "p.csv", "-o", "p.gpkg"], "must end in .csv or .xlsx"),
        (["--uscc", "91640122MA0000000A"], "is not a valid USCC"),
        (["200", "38.5"], "must be a number of degrees from -180 to 180"),
        (["106.3", "38.5", "--coords", "mars"], "--coords"),
        (["--points", "p.csv", "-o", "o.csv", "--json"], "--json prints one answer"),
    ],
)
def test_bad_usage_exits_2(demo_staffed: Path, arguments: list[str], message: str) -> None:
    result = run("locate", demo_staffed, *arguments)
    assert result.exit_code == 2, result.output
    assert message in result.output
