from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from conftest import box_villages, file_digest, folder_listing, run

from gridgis.io.store import open_project


@pytest.fixture
def villages_file(tmp_path: Path) -> Path:
    path = tmp_path / "villages.geojson"
    box_villages().to_file(path)
    return path


def test_init_creates_version_one(tmp_path: Path, villages_file: Path) -> None:
    project = tmp_path / "p.gpkg"
    result = run("init", project, "--admin", villages_file)
    assert result.exit_code == 0, result.output
    assert "1 county, 1 townships, 3 villages" in result.output
    assert "created" in result.output and "version 1" in result.output
    reader = open_project(project)
    assert reader.versions()["command"].iloc[0].startswith("gridgis")
    assert reader.meta()["county_name"] == "贺兰县"


def _recoded(tmp_path: Path, county: str) -> Path:
    path = tmp_path / f"villages_{county}.geojson"
    box_villages().assign(code=lambda f: county + f["code"].str[6:]).to_file(path)
    return path


def test_county_of_another_province_is_noted(tmp_path: Path) -> None:
    project = tmp_path / "p.gpkg"
    result = run("init", project, "--admin", _recoded(tmp_path, "330225"))
    assert result.exit_code == 0, result.output
    assert "county 330225 is not one of the 22 counties of 宁夏回族自治区" in result.output
    assert open_project(project).meta()["county_code"] == "330225"


def test_county_the_scheme_refuses_fails_before_writing(tmp_path: Path) -> None:
    # 640199 would be a 宁夏 county, and 宁夏's are listed: a typo, refused at
    # once rather than by divide after the whole division.
    source = _recoded(tmp_path, "640199")
    before = folder_listing(tmp_path)
    result = run("init", tmp_path / "p.gpkg", "--admin", source)
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown county: 640199 is not one of the 22")
    assert folder_listing(tmp_path) == before


def test_init_several_files_and_reprojection_note(tmp_path: Path, villages_file: Path) -> None:
    township = gpd.GeoDataFrame(
        {"code": ["640122100"], "name": ["金山镇"]},
        geometry=[box_villages().union_all()],
        crs="EPSG:4490",
    )
    township_file = tmp_path / "t.gpkg"
    township.to_crs(4544).to_file(township_file)
    project = tmp_path / "p.gpkg"
    result = run("init", project, "--admin", villages_file, township_file)
    assert result.exit_code == 0, result.output
    assert "reprojected from EPSG:4544" in result.output
    units = open_project(project).read_layer("admin_units").set_index("code")
    assert units.loc["640122100", "name"] == "金山镇"
    assert units.loc["640122100", "origin"] == "input"


def test_gbk_shapefile_without_cpg(tmp_path: Path) -> None:
    shp = tmp_path / "v.shp"
    pyogrio.write_dataframe(box_villages(), shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    project = tmp_path / "p.gpkg"
    result = run("init", project, "--admin", shp)
    assert result.exit_code == 0, result.output
    assert "text detected as GBK" in result.output
    names = open_project(project).read_layer("admin_units", where="level = 'village'")["name"]
    assert sorted(names) == sorted(["红星村", "新华村", "河东村"])


def test_bow_tie_is_repaired_and_listed(tmp_path: Path) -> None:
    villages = box_villages()
    x0, y0 = 106.2, 38.5
    villages.loc[0, "geometry"] = shapely.Polygon(
        [(x0, y0), (x0 + 0.01, y0 + 0.01), (x0 + 0.01, y0), (x0, y0 + 0.01)]
    )
    path = tmp_path / "bowtie.geojson"
    villages.to_file(path)
    result = run("init", tmp_path / "p.gpkg", "--admin", path)
    assert result.exit_code == 0, result.output
    assert "repaired 1 invalid geometries" in result.output
    assert "640122100201" in result.output and "Self-intersection" in result.output


def _duplicate(tmp_path: Path) -> Path:
    villages = box_villages()
    villages.loc[2, "code"] = villages.loc[0, "code"]
    path = tmp_path / "dup.geojson"
    villages.to_file(path)
    return path


def _orphan(tmp_path: Path) -> list[Path]:
    villages = tmp_path / "v.geojson"
    box_villages().to_file(villages)
    township = tmp_path / "t.geojson"
    gpd.GeoDataFrame(
        {"code": ["640122101"], "name": ["别镇"]},
        geometry=[shapely.box(106, 38, 107, 39)],
        crs="EPSG:4490",
    ).to_file(township)
    return [villages, township]


def _points(tmp_path: Path) -> Path:
    path = tmp_path / "points.geojson"
    box_villages().assign(geometry=lambda f: shapely.centroid(f.geometry.values)).to_file(path)
    return path


def _no_crs(tmp_path: Path) -> Path:
    path = tmp_path / "nocrs.shp"
    box_villages().to_file(path)
    path.with_suffix(".prj").unlink()
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.gpkg"
    box_villages().iloc[:0].to_file(path)
    return path


def _ambiguous(tmp_path: Path) -> Path:
    path = tmp_path / "amb.geojson"
    box_villages().rename(columns={"code": "a"}).assign(b=lambda f: f["a"]).to_file(path)
    return path


BAD_INPUTS = {
    "missing file": (lambda tmp: [tmp / "nope.shp"], "file not found"),
    "unsupported format": (lambda tmp: [tmp / "x.csv"], "unsupported format '.csv'"),
    "empty layer": (lambda tmp: [_empty(tmp)], "is empty"),
    "no crs": (lambda tmp: [_no_crs(tmp)], r"nocrs\.shp has no coordinate reference system"),
    "duplicate codes": (lambda tmp: [_duplicate(tmp)], "duplicate codes: 640122100201"),
    "missing township": (_orphan, "villages belong to townships missing"),
    "non-polygon": (lambda tmp: [_points(tmp)], "boundaries must be polygons"),
    "ambiguous field": (lambda tmp: [_ambiguous(tmp)], "ambiguous; candidates are a, b"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_error_and_writes_nothing(tmp_path: Path, case: str) -> None:
    make, message = BAD_INPUTS[case]
    files = make(tmp_path)
    if case == "unsupported format":
        files[0].write_text("a,b\n1,2\n")
    before = folder_listing(tmp_path)
    result = run("init", tmp_path / "p.gpkg", "--admin", *files)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    import re

    assert re.search(message, result.output), result.output
    assert folder_listing(tmp_path) == before


def test_existing_project_needs_overwrite(tmp_path: Path, villages_file: Path) -> None:
    project = tmp_path / "p.gpkg"
    assert run("init", project, "--admin", villages_file).exit_code == 0
    before = file_digest(project)
    result = run("init", project, "--admin", villages_file)
    assert result.exit_code == 1
    assert "already exists; pass --overwrite" in result.output
    assert file_digest(project) == before
    assert run("init", project, "--admin", villages_file, "--overwrite").exit_code == 0


def test_crs_option_for_file_without_crs(tmp_path: Path) -> None:
    result = run("init", tmp_path / "p.gpkg", "--admin", _no_crs(tmp_path), "--crs", "EPSG:4490")
    assert result.exit_code == 0, result.output
    assert "assumed EPSG:4490" in result.output


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = run("init", tmp_path / "p.gpkg")
    assert result.exit_code == 2
    assert "--admin" in result.output
