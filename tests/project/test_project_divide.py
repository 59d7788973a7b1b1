"""The ``divide`` and ``diff`` use cases, called directly on the box township."""

from pathlib import Path

import pytest
from conftest import box_villages

from gridgis.errors import InputDataError
from gridgis.io.store import open_project
from gridgis.project.diff import diff_versions
from gridgis.project.divide import divide_project, select_villages
from gridgis.project.init import init_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    init_project(tmp_path / "p.gpkg", [source], command="test")
    return tmp_path / "p.gpkg"


def test_divide_by_area_codes_every_grid_and_keeps_the_limit(project: Path) -> None:
    report = divide_project(project, by="area", max_load=0.5, command="test divide")
    assert report.version == 2
    assert report.kept == [] and len(report.issued) == len(report.division.grids)
    grids = open_project(project).read_layer("grids")
    base = grids[grids["level"] == "base"]
    assert (base["area_km2"] <= 0.5).all()
    assert sorted(base["grid_code"]) == report.issued
    assert {"county", "township", "village", "base"} == set(grids["level"])


def test_re_dividing_one_village_leaves_the_others_alone(project: Path) -> None:
    divide_project(project, by="area", max_load=0.5, command="first")
    before = open_project(project).read_layer("grids")
    report = divide_project(
        project, by="area", max_load=0.3, command="again", villages=["640122100203"]
    )
    after = open_project(project).read_layer("grids")
    untouched = before[before["admin_code"] != "640122100203"]
    assert set(untouched["grid_code"]) <= set(after["grid_code"])
    changes = diff_versions(project, report.version - 1, report.version)
    changed = changes[changes["status"] != "unchanged"]
    assert set(changed["grid_code"].str[:12]) == {"640122100203"}


def test_unknown_villages_and_bad_limits(project: Path) -> None:
    admin = open_project(project).read_layer("admin_units")
    with pytest.raises(InputDataError, match="unknown village or township code 640122100299"):
        select_villages(admin, villages=["640122100299"])
    with pytest.raises(InputDataError, match="--max-load must be greater than 0"):
        divide_project(project, by="area", max_load=0, command="test")
