"""``gridgis export``: grids and assignments to files QGIS and Excel open, at any version."""

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from conftest import file_digest, run

from gridgis.io.store import open_project
from gridgis.schema import EXPORT_COLUMNS


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".csv", ".xlsx"])
def test_grids_export_to_every_format(
    demo_run: tuple[Path, str], tmp_path: Path, suffix: str
) -> None:
    out, _ = demo_run
    output = tmp_path / f"grids{suffix}"
    result = run("export", out / "helan.gpkg", "--layer", "grids", "-o", output)
    assert result.exit_code == 0, result.output
    current = open_project(out / "helan.gpkg").read_grids()
    assert f"wrote {len(current)} grids" in result.output
    if suffix == ".csv":
        frame = pd.read_csv(output, dtype=str, encoding="utf-8-sig")
        assert "wkt" in frame.columns
    elif suffix == ".xlsx":
        rows = list(openpyxl.load_workbook(output).active.iter_rows(values_only=True))
        frame = pd.DataFrame(rows[1:], columns=rows[0])
    else:
        frame = gpd.read_file(output, layer="grids")
        # GeoJSON follows RFC 7946 (WGS-84); the others keep CGCS2000.
        assert frame.crs.to_epsg() == (4326 if suffix == ".geojson" else 4490)
        # A base grid is one polygon, and is exported as one.
        assert (frame.loc[frame["level"] == "base"].geom_type == "Polygon").all()
    assert list(frame.columns[: len(EXPORT_COLUMNS["grids"])]) == list(EXPORT_COLUMNS["grids"])
    assert sorted(frame["grid_code"].astype(str)) == sorted(current["grid_code"])


def test_an_earlier_version_exports_the_grids_of_that_version(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = demo_run
    output = tmp_path / "v1.gpkg"
    before_division = run("export", out / "helan.gpkg", "-o", output, "--version", 1)
    assert before_division.exit_code == 1
    assert "has no grids at version 1" in before_division.output
    assert not output.exists()
    result = run("export", out / "helan.gpkg", "-o", tmp_path / "v2.gpkg", "--version", 2)
    assert result.exit_code == 0, result.output
    at_two = open_project(out / "helan.gpkg").read_grids(version=2)
    exported = gpd.read_file(tmp_path / "v2.gpkg", layer="grids")
    assert sorted(exported["grid_code"]) == sorted(at_two["grid_code"])


def test_exporting_what_the_project_does_not_have(demo_project: Path, tmp_path: Path) -> None:
    before = file_digest(demo_project)
    result = run("export", demo_project, "--layer", "grids", "-o", tmp_path / "g.gpkg")
    assert result.exit_code == 1
    assert "has no grids; run 'gridgis divide' first" in result.output
    assert not (tmp_path / "g.gpkg").exists()
    assert file_digest(demo_project) == before


def test_unknown_layer_and_suffix(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo_run
    assert (
        run("export", out / "helan.gpkg", "--layer", "nope", "-o", tmp_path / "x.gpkg").exit_code
        == 2
    )
    result = run("export", out / "helan.gpkg", "-o", tmp_path / "grids.xyz")
    assert result.exit_code == 1
    assert "cannot tell the format of grids.xyz" in result.output
