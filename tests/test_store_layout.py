"""The project as QGIS, GDAL and the next office see it: layout, views, metadata, upgrades."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import file_digest, run

from gridgis.io.store import open_project
from gridgis.paths import DATA_DIR
from gridgis.schema import SCHEMA_VERSION

SCHEMA1 = Path(__file__).parent / "data" / "schema1_project.gpkg"
VALIDATE = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
VIEWS = [
    "base_grids",
    "village_grids",
    "township_grids",
    "county",
    "sector_grids",
    "villages",
    "townships",
]


def validate(path: Path) -> None:
    """Run GDAL's strictest GeoPackage validator (Debian's python3-gdal) on a file."""
    completed = subprocess.run(
        ["/usr/bin/python3", VALIDATE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _raw_rows(path: Path, layer: str, version: int) -> gpd.GeoDataFrame:
    """A layer's rows at a version, read without gridgis."""
    rows = pyogrio.read_dataframe(path, layer=layer)
    alive = (rows["valid_from"] <= version) & (
        rows["valid_to"].isna() | (rows["valid_to"] > version)
    )
    return rows[alive].sort_values(rows.columns[0]).reset_index(drop=True)


@pytest.fixture
def old_project(tmp_path: Path) -> Path:
    path = tmp_path / "old.gpkg"
    shutil.copyfile(SCHEMA1, path)
    return path


def test_an_upgrade_keeps_every_version_readable(old_project: Path) -> None:
    versions = range(1, 9)
    expected = {v: _raw_rows(SCHEMA1, "grids", v) for v in versions}
    counts = {
        (layer, v): len(_raw_rows(SCHEMA1, layer, v))
        for layer in ("admin_units", "enterprises", "assignments", "staff")
        for v in versions
        if layer in {name for name, _ in pyogrio.list_layers(SCHEMA1)}
    }
    result = run("upgrade", old_project)
    assert result.exit_code == 0, result.output
    assert f"from store layout 1 to {SCHEMA_VERSION} (version 9)" in result.output
    reader = open_project(old_project)
    assert reader.versions()["note"].iloc[-1].startswith("upgrade: store layout 1")
    for version in versions:
        grids = reader.read_grids(version=version)
        before = expected[version].sort_values("grid_code").reset_index(drop=True)
        assert list(grids["grid_code"]) == list(before["grid_code"]), version
        same = shapely.equals(
            shapely.normalize(grids.geometry.to_numpy()),
            shapely.normalize(before.geometry.to_numpy()),
        )
        assert same.all(), (version, list(grids.loc[~same, "grid_code"]))
    for (layer, version), count in counts.items():
        assert len(reader.read_layer(layer, version=version)) == count, (layer, version)
    with sqlite3.connect(old_project) as connection:
        types = dict(
            connection.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns")
        )
    assert types["grids"] == "POLYGON"
    assert types["sector_cells"] == "MULTIPOLYGON"
    assert types["base_grids"] == "POLYGON"
    stored = pyogrio.read_dataframe(old_project, layer="grids")
    assert set(stored.geom_type.dropna()) == {"Polygon"}
    validate(old_project)
    again = run("upgrade", old_project)
    assert again.exit_code == 0 and "is up to date" in again.output


def test_reading_an_old_project_asks_for_the_upgrade(old_project: Path) -> None:
    before = file_digest(old_project)
    result = run("log", old_project)
    assert result.exit_code == 1
    assert "was made by an earlier gridgis (store layout 1)" in result.output
    assert f"gridgis upgrade {old_project}" in result.output
    assert file_digest(old_project) == before


def test_a_writing_command_upgrades_first_as_a_version_of_its_own(old_project: Path) -> None:
    result = run("check", old_project, "--save")
    assert result.exit_code == 0, result.output
    notes = open_project(old_project).versions()["note"].tolist()
    assert notes[-2].startswith("upgrade: store layout 1") and notes[-1] == "check: clean"


def test_a_failed_upgrade_leaves_the_project_as_it_was(
    old_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gridgis.io.upgrade

    def broken(writer: object) -> None:
        raise RuntimeError("halfway")

    monkeypatch.setattr(gridgis.io.upgrade, "_to_layout_2", broken)
    before = file_digest(old_project)
    with pytest.raises(RuntimeError, match="halfway"):
        gridgis.io.upgrade.upgrade_project(old_project, command="test")
    assert file_digest(old_project) == before


def test_current_views_come_first_and_hold_current_rows(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    project = out / "helan.gpkg"
    layers = [name for name, _ in pyogrio.list_layers(project)]
    assert layers[: len(VIEWS)] == VIEWS
    reader = open_project(project)
    grids = reader.read_grids()
    admin = reader.read_layer("admin_units")
    expected = {
        "base_grids": (grids["level"] == "base").sum(),
        "village_grids": ((grids["level"] == "village") & (grids["kind"] == "territorial")).sum(),
        "township_grids": ((grids["level"] == "township") & (grids["kind"] == "territorial")).sum(),
        "county": ((grids["level"] == "county") & (grids["kind"] == "territorial")).sum(),
        "sector_grids": (grids["kind"] == "sector").sum(),
        "villages": (admin["level"] == "village").sum(),
        "townships": (admin["level"] == "township").sum(),
    }
    for view, count in expected.items():
        frame = pyogrio.read_dataframe(project, layer=view)
        assert len(frame) == count, view
        assert frame.geometry.notna().all(), view
    base = pyogrio.read_dataframe(project, layer="base_grids")
    assert set(base.geom_type) == {"Polygon"}
    # The history table still holds every version's rows.
    assert len(pyogrio.read_dataframe(project, layer="grids")) > count


def test_metadata_is_consistent_whoever_wrote_a_table(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    with sqlite3.connect(out / "helan.gpkg") as connection:
        contents = connection.execute(
            "SELECT table_name, data_type, srs_id, description FROM gpkg_contents"
        ).fetchall()
        kinds = dict(connection.execute("SELECT name, type FROM sqlite_master").fetchall())
        counts = dict(connection.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        for table, _, srs_id, description in contents:
            assert srs_id is not None, table
            assert description, table
            if kinds[table] == "view":
                assert table not in counts, table
            else:
                rows = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                assert counts.get(table) == rows, table
        titles = dict(
            connection.execute(
                "SELECT column_name, title FROM gpkg_data_columns WHERE table_name = 'base_grids'"
            )
        )
    assert titles["grid_code"] == "网格编码"
    assert titles["name"] == "网格名称"
    validate(out / "helan.gpkg")


def test_each_version_records_its_settings(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    reader = open_project(out / "helan.gpkg")
    settings = reader.read_table("settings")
    versions = reader.versions().set_index("id")["note"]
    assign = int(versions[versions.str.startswith("assign")].index[-1])
    mine = settings[settings["version"] == assign].set_index("kind")
    rules_text = (DATA_DIR / "rules.toml").read_text(encoding="utf-8-sig")
    assert mine.loc["rules", "text"] == rules_text
    assert len(mine.loc["rules", "sha256"]) == 64
    assert {"rules", "departments", "code_scheme"} <= set(mine.index)
    kinds = set(settings["kind"])
    assert {"admin", "barriers", "ledger", "roster"} <= kinds
    ledger = settings[settings["kind"] == "ledger"].iloc[-1]
    assert ledger["name"] == "enterprises.xlsx" and pd.isna(ledger["text"])
    shown = run("log", "-v", out / "helan.gpkg")
    assert shown.exit_code == 0
    assert "rules.toml" in shown.output and "enterprises.xlsx" in shown.output


def test_log_shows_local_time_with_its_offset(
    demo_run: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    out, _ = demo_run
    stored = open_project(out / "helan.gpkg").versions()["time"].iloc[0]
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        result = run("log", out / "helan.gpkg")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    utc = pd.Timestamp(stored)
    local = (utc + pd.Timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{local} +08:00" in result.output


@pytest.mark.parametrize(
    ("layer", "options"),
    [
        ("grids", ["--level", "base"]),
        ("grids", ["--level", "sector"]),
        ("assignments", []),
        ("admin_units", []),
        ("enterprises", []),
        ("staff", []),
    ],
)
def test_exported_geopackages_are_like_the_project(
    demo_run: tuple[Path, str], tmp_path: Path, layer: str, options: list[str]
) -> None:
    out, _ = demo_run
    output = tmp_path / f"{layer}.gpkg"
    result = run("export", out / "helan.gpkg", "--layer", layer, *options, "-o", output)
    assert result.exit_code == 0, result.output
    validate(output)
    with sqlite3.connect(output) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 10200
        styled = {row[0] for row in connection.execute("SELECT f_table_name FROM layer_styles")}
        titled = connection.execute("SELECT count(*) FROM gpkg_data_columns").fetchone()[0]
    name = (
        "base_grids" if options == ["--level", "base"] else ("sector_grids" if options else layer)
    )
    assert name in styled
    assert titled > 0


def test_geojson_follows_rfc_7946_unless_a_crs_is_asked_for(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = demo_run
    output = tmp_path / "grids.geojson"
    assert run("export", out / "helan.gpkg", "--level", "base", "-o", output).exit_code == 0
    document = json.loads(output.read_text(encoding="utf-8"))
    assert "crs" not in document
    x, y = np.array(document["features"][0]["geometry"]["coordinates"][0]).T
    assert (100 < x).all() and (x < 110).all() and (30 < y).all() and (y < 40).all()
    metric = tmp_path / "grids_4545.geojson"
    result = run(
        "export", out / "helan.gpkg", "--level", "base", "--crs", "EPSG:4545", "-o", metric
    )
    assert result.exit_code == 0, result.output
    assert gpd.read_file(metric).crs.to_epsg() == 4545


def test_any_gdal_driver_and_standard_output(demo_run: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = demo_run
    project = out / "helan.gpkg"
    flat = tmp_path / "grids.data"
    result = run("export", project, "--driver", "FlatGeobuf", "-o", flat)
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(flat)) == len(open_project(project).read_grids())
    streamed = run("export", project, "--level", "base", "-o", "-")
    assert streamed.exit_code == 0
    features = json.loads(streamed.stdout_bytes.decode("utf-8"))["features"]
    assert len(features) == len(open_project(project).read_grids(levels=["base"]))
    as_csv = run("export", project, "--layer", "assignments", "--driver", "CSV", "-o", "-")
    assert as_csv.exit_code == 0
    lines = as_csv.stdout_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("uscc,name,grid_code") and len(lines) == 3001
    refused = run("export", project, "--driver", "GPKG", "-o", "-")
    assert refused.exit_code == 1
    assert "standard output (-o -) carries GeoJSON or CSV" in refused.output
    bad = run("export", project, "--driver", "Nonsense", "-o", tmp_path / "x.out")
    assert bad.exit_code == 2 and "'--driver'" in bad.output
