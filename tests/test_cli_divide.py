"""divide, log, diff and export on the demo county."""

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import box_villages, file_digest, run

from gridgis.codes import parse
from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR
from gridgis.topology import check_grids

MAX_KM2 = 4.0
VILLAGE = "640122101204"


@pytest.fixture(scope="module")
def divided(tmp_path_factory: pytest.TempPathFactory, demo_project_template: Path) -> Path:
    project = tmp_path_factory.mktemp("divide") / "helan.gpkg"
    shutil.copyfile(demo_project_template, project)
    result = run("divide", project, "--by", "area", "--max-load", MAX_KM2)
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="module")
def redivided(tmp_path_factory: pytest.TempPathFactory, divided: Path) -> Path:
    project = tmp_path_factory.mktemp("redivide") / "helan.gpkg"
    shutil.copyfile(divided, project)
    result = run("divide", project, "--village", VILLAGE, "--by", "area", "--max-load", 2.5)
    assert result.exit_code == 0, result.output
    return project


def test_grids_tile_villages_with_valid_unique_codes_and_keep_the_limit(divided: Path) -> None:
    reader = open_project(divided)
    grids = reader.read_layer("grids")
    result = check_grids(grids, reader.read_layer("admin_units"))
    assert result.ok, result.issues[["check", "code", "reason"]]
    assert grids["grid_code"].is_unique
    assert all(parse(code) for code in grids["grid_code"])
    base = grids[grids["level"] == "base"]
    assert (base["area_km2"] <= MAX_KM2).all()
    assert set(base["admin_code"]) == set(
        reader.read_layer("admin_units", where="level = 'village'")["code"]
    )


def test_quality_report_is_stored(divided: Path) -> None:
    report = open_project(divided).read_table("division_reports")
    assert len(report) == 119
    assert {"grids", "max_load_ratio", "pp_median", "pp_min", "coverage_ok", "seconds"} <= set(
        report.columns
    )
    assert report["coverage_ok"].astype(bool).all()


def test_redivision_leaves_other_villages_exactly_alone(divided: Path, redivided: Path) -> None:
    before = open_project(divided).read_layer("grids")
    after = open_project(redivided).read_layer("grids")
    others_before = before[before["admin_code"] != VILLAGE].set_index("grid_code")
    others_after = after[after["admin_code"] != VILLAGE].set_index("grid_code")
    assert sorted(others_before.index) == sorted(others_after.index)
    wkb_before = shapely.to_wkb(others_before.geometry.to_numpy())
    wkb_after = shapely.to_wkb(others_after.loc[others_before.index].geometry.to_numpy())
    assert (wkb_before == wkb_after).all()
    registry = open_project(redivided).read_table("code_registry")
    assert registry["grid_code"].is_unique
    retired = registry[registry["status"] == "retired"]
    assert len(retired) and (retired["successors"].str.len() > 0).all()


def test_log_and_diff(redivided: Path) -> None:
    log = run("log", redivided)
    assert log.exit_code == 0 and "divide 1 villages by area" in log.output
    table = run("diff", redivided, 2, 3)
    assert table.exit_code == 0, table.output
    assert "split" in table.output or "merged" in table.output
    as_json = json.loads(run("diff", redivided, 2, 3, "--format", "json").output)
    statuses = {row["status"] for row in as_json}
    assert statuses <= {"new", "split", "merged", "boundary changed", "retired", "unchanged"}
    changed = [row for row in as_json if row["status"] != "unchanged"]
    assert changed and all(
        row["admin_code"] in (VILLAGE, None) or row["grid_code"][:12] == VILLAGE for row in changed
    )
    as_csv = run("diff", redivided, 2, 3, "--format", "csv").output
    assert as_csv.splitlines()[0].startswith("grid_code,status")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".csv"])
def test_export_grids(redivided: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"grids{suffix}"
    result = run("export", redivided, "--layer", "grids", "-o", output)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        frame = pd.read_csv(
            output, encoding="utf-8-sig", dtype={"grid_code": str, "admin_code": str}
        )
        assert "wkt" in frame.columns
    else:
        frame = gpd.read_file(output, layer="grids") if suffix == ".gpkg" else gpd.read_file(output)
        base = frame[frame["level"] == "base"]
        assert set(base.geom_type) == {"Polygon"}
    for column in ["grid_code", "kind", "level", "admin_code", "name", "load", "area_km2"]:
        assert column in frame.columns


def test_export_an_older_version(redivided: Path, tmp_path: Path) -> None:
    output = tmp_path / "v2.geojson"
    assert run("export", redivided, "-o", output, "--version", 2).exit_code == 0
    older = gpd.read_file(output)
    now = open_project(redivided).read_layer("grids")
    assert set(older["grid_code"]) != set(now["grid_code"])
    assert set(older["grid_code"]) == set(
        open_project(redivided).read_layer("grids", version=2)["grid_code"]
    )


def test_same_seed_same_grids(divided: Path, demo_project_template: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.gpkg"
    shutil.copyfile(demo_project_template, again)
    assert run("divide", again, "--by", "area", "--max-load", MAX_KM2).exit_code == 0
    first = open_project(divided).read_layer("grids").sort_values("grid_code")
    second = open_project(again).read_layer("grids").sort_values("grid_code")
    assert first["grid_code"].tolist() == second["grid_code"].tolist()
    assert (
        shapely.to_wkb(first.geometry.to_numpy()) == shapely.to_wkb(second.geometry.to_numpy())
    ).all()


def test_county_of_another_province_is_divided(tmp_path: Path) -> None:
    # A county outside 宁夏 passed init and check but divide refused its codes
    # at the very end ("unknown county"); its grids now get codes of the layout.
    source = tmp_path / "villages.geojson"
    box_villages().assign(code=lambda f: "330225" + f["code"].str[6:]).to_file(source)
    project = tmp_path / "p.gpkg"
    assert run("init", project, "--admin", source).exit_code == 0
    result = run("divide", project, "--by", "area", "--max-load", 0.6)
    assert result.exit_code == 0, result.output
    grids = open_project(project).read_layer("grids")
    base = grids[grids["level"] == "base"]
    # 0.97 km² a northern box village (2 grids of 0.6), 1.93 km² the southern one (4)
    assert base["admin_code"].value_counts().sort_index().tolist() == [2, 2, 4]
    assert all(parse(code).county == "330225" for code in grids["grid_code"])


def test_unknown_village_is_refused(demo_project: Path) -> None:
    before = file_digest(demo_project)
    result = run(
        "divide", demo_project, "--village", "640122999999", "--by", "area", "--max-load", 1
    )
    assert result.exit_code == 1
    assert "unknown village or township code 640122999999" in result.output
    assert file_digest(demo_project) == before


def test_non_positive_max_load_is_a_usage_error(demo_project: Path) -> None:
    before = file_digest(demo_project)
    result = run("divide", demo_project, "--by", "area", "--max-load", 0)
    assert result.exit_code == 2 and "must be greater than 0" in result.output
    assert file_digest(demo_project) == before


def test_barriers_in_another_crs_and_outside_are_reported(
    demo_project: Path, tmp_path: Path
) -> None:
    roads = gpd.read_file(DEMO_DIR / "roads.geojson")
    far = gpd.GeoDataFrame(geometry=[shapely.LineString([(110, 30), (110.1, 30.1)])], crs=4326)
    barriers = tmp_path / "roads_gk.gpkg"
    pd.concat([roads.to_crs(4544), far.to_crs(4544)]).to_file(barriers)
    result = run(
        "divide",
        demo_project,
        "--township",
        "640122101",
        "--by",
        "households",
        "--max-load",
        400,
        "--barriers",
        barriers,
    )
    assert result.exit_code == 0, result.output
    assert "reprojected from EPSG:4544" in result.output
    assert "outside the villages divided and were ignored" in result.output


def test_load_points_outside_every_village_are_reported(demo_project: Path, tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(
        geometry=[shapely.Point(106.3, 38.6), shapely.Point(107.5, 38.0)], crs=4326
    )
    path = tmp_path / "points.geojson"
    points.to_file(path)
    result = run(
        "divide",
        demo_project,
        "--village",
        VILLAGE,
        "--by",
        "enterprises",
        "--max-load",
        5,
        "--load-points",
        path,
    )
    assert result.exit_code == 0, result.output
    assert "1 of 2 load points lie in no village" in result.output
