"""The library's front door, and the walk-through of docs/api.md run as it is written."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest

import gridgis

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_the_front_door_is_declared() -> None:
    assert set(gridgis.__all__) == {"Project", "__version__", "init", "open"}
    assert callable(gridgis.open) and callable(gridgis.init)


def test_opening_what_is_not_a_project_says_so(tmp_path: Path) -> None:
    from gridgis.errors import StoreError

    with pytest.raises(StoreError, match="does not exist"):
        gridgis.open(tmp_path / "missing.gpkg")
    other = tmp_path / "notes.gpkg"
    other.write_text("not a database")
    with pytest.raises(StoreError, match="not a GeoPackage"):
        gridgis.open(other)


def test_readers_have_the_columns_of_export(demo_run: tuple[Path, str]) -> None:
    from gridgis.schema import EXPORT_COLUMNS

    out, _ = demo_run
    project = gridgis.open(out / "helan.gpkg")
    for layer, frame in (
        ("grids", project.grids()),
        ("admin_units", project.admin_units()),
        ("enterprises", project.enterprises()),
        ("assignments", project.assignments()),
        ("staff", project.staff()),
    ):
        assert [c for c in frame.columns if c != "geometry"] == list(EXPORT_COLUMNS[layer])
        assert len(frame) > 0, layer


def test_the_walk_through_runs_as_written(
    demo_run: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = demo_run
    shutil.copyfile(out / "helan.gpkg", tmp_path / "helan.gpkg")
    monkeypatch.chdir(tmp_path)
    failed, attempted = doctest.testfile(
        str(API_DOC),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert attempted > 20
    assert failed == 0
