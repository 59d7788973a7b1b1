from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import box_villages, file_digest, run

from gridgis.io.store import open_project


def _project(tmp_path: Path, villages: gpd.GeoDataFrame) -> Path:
    source = tmp_path / "v.geojson"
    villages.to_file(source)
    project = tmp_path / "p.gpkg"
    assert run("init", project, "--admin", source).exit_code == 0
    return project


def test_a_check_changes_nothing_unless_asked(tmp_path: Path) -> None:
    project = _project(tmp_path, box_villages())
    before = file_digest(project)
    result = run("check", project)
    assert result.exit_code == 0, result.output
    assert "clean" in result.output
    assert "重叠 overlaps" in result.output
    assert file_digest(project) == before
    saved = run("check", project, "--save")
    assert saved.exit_code == 0, saved.output
    reader = open_project(project)
    assert reader.versions()["note"].tolist()[-1] == "check: clean"
    assert reader.current_version == 2
    assert reader.read_layer("check_issues").empty


def test_problems_exit_1_and_are_stored(tmp_path: Path) -> None:
    villages = box_villages()
    villages.loc[1, "geometry"] = shapely.box(106.2095, 38.5, 106.22, 38.51)
    project = _project(tmp_path, villages)
    output = tmp_path / "issues.geojson"
    before = file_digest(project)
    result = run("check", project, "-o", output)
    assert result.exit_code == 1
    assert "overlaps 640122100202" in result.output
    assert "--save stores them in the project" not in result.output  # -o said where
    assert file_digest(project) == before
    assert run("check", project, "--save").exit_code == 1
    stored = open_project(project).read_layer("check_issues")
    assert "overlap" in set(stored["check"])
    assert set(gpd.read_file(output)["check"]) == set(stored["check"])


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    project = _project(tmp_path, box_villages())
    output = tmp_path / "issues.csv"
    output.write_text("keep me")
    before = file_digest(project)
    result = run("check", project, "-o", output)
    assert result.exit_code == 1
    assert "already exists; pass --overwrite" in result.output
    assert output.read_text() == "keep me"
    assert file_digest(project) == before
    assert run("check", project, "-o", output, "--overwrite").exit_code == 0
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel


@pytest.mark.parametrize("option", ["--tolerance", "--gap-width", "--sliver-width"])
def test_non_positive_tolerances_are_usage_errors(tmp_path: Path, option: str) -> None:
    project = _project(tmp_path, box_villages())
    result = run("check", project, option, "0")
    assert result.exit_code == 2
    assert "must be greater than 0" in result.output


def test_missing_project(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nope.gpkg")
    assert result.exit_code == 1
    assert "does not exist; create it with 'gridgis init'" in result.output
