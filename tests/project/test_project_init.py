"""The ``init`` use case, called directly: boundary files in, a project and its report out."""

from pathlib import Path

import pytest
from conftest import box_villages

from gridgis.errors import InputDataError, StoreError
from gridgis.io.store import open_project
from gridgis.project.init import init_project


def test_a_project_from_village_boxes(tmp_path: Path) -> None:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    report = init_project(tmp_path / "p.gpkg", [source], command="test")
    assert report.version == 1
    assert report.level_counts() == {"county": 1, "township": 1, "village": 3}
    reader = open_project(tmp_path / "p.gpkg")
    assert reader.meta()["county_code"] == "640122"
    assert set(reader.read_layer("admin_units")["code"]) == {
        "640122",
        "640122100",
        "640122100201",
        "640122100202",
        "640122100203",
    }


def test_refuses_to_replace_without_overwrite_and_non_gpkg_names(tmp_path: Path) -> None:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    init_project(tmp_path / "p.gpkg", [source], command="test")
    with pytest.raises(InputDataError, match="already exists; pass --overwrite"):
        init_project(tmp_path / "p.gpkg", [source], command="again")
    with pytest.raises(InputDataError, match=r"name it \*\.gpkg"):
        init_project(tmp_path / "p.sqlite", [source], command="test")
    (tmp_path / "p.gpkg").chmod(0o444)
    with pytest.raises(StoreError, match="read-only"):
        init_project(tmp_path / "p.gpkg", [source], command="again", overwrite=True)
