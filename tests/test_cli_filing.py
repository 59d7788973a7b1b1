"""``gridgis filing create | verify | apply`` on the embedded (GeoPackage) registry."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import shapely
from conftest import file_digest, folder_listing, run
from filing_fixtures import FiledCounty

from gridgis.filing.layers import as_multipolygons
from gridgis.io import gpkg
from gridgis.io.store import open_project


def registry(tmp_path: Path, scope: str = "640100", name: str = "registry.gpkg") -> Path:
    path = tmp_path / name
    kind = "--region" if scope.endswith("0000") else "--prefecture"
    result = run("registry", "init", path, kind, scope)
    assert result.exit_code == 0, result.output
    return path


def applied(target: Path | str, filing: Path) -> str:
    result = run("filing", "apply", target, filing)
    assert result.exit_code == 0, result.output
    return result.output


def refused(target: Path, filing: Path, match: str) -> str:
    digest = file_digest(target)
    result = run("filing", "apply", target, filing)
    assert result.exit_code == 1, result.output
    assert "was refused; nothing was changed" in result.output
    assert match in result.output, result.output
    assert file_digest(target) == digest
    return result.output


def normalised(geometry: np.ndarray) -> np.ndarray:
    return shapely.normalize(as_multipolygons(np.asarray(geometry, dtype=object)))


def assert_registry_matches_project(exported: Path, project: Path, county: str) -> None:
    """The registry's current grids of the county are the project's: codes and shapes."""
    import geopandas as gpd

    grids = gpd.read_file(exported, layer="grids")
    grids = grids[grids["county_code"] == county].set_index("grid_code").sort_index()
    own = open_project(project).read_grids().set_index("grid_code").sort_index()
    assert list(grids.index) == list(own.index)
    assert shapely.equals_exact(
        normalised(grids.geometry.to_numpy()), normalised(own.geometry.to_numpy()), tolerance=0
    ).all()


# -- create ---------------------------------------------------------------------
def test_the_project_remembers_its_filings(filed_county: FiledCounty) -> None:
    reader = open_project(filed_county.project)
    filings = reader.read_table("filings")
    assert list(filings["number"]) == [1, 2, 3]
    assert filings["version_from"].iloc[0] == 0
    # Each filing starts where the one before it ended, and follows it.
    assert list(filings["version_from"].iloc[1:]) == list(filings["version_to"].iloc[:-1])
    assert list(filings["previous_filing"].iloc[1:]) == list(filings["filing_id"].iloc[:-1])
    # Making a filing is a version of the project, whose note names it.
    notes = reader.versions().set_index("id")["note"]
    for row in filings.itertuples():
        assert notes[row.version].startswith(f"filing {row.filing_id}: versions")
    with zipfile.ZipFile(filed_county.filings[1]) as archive:
        summary = archive.read("summary.html").decode()
        table = archive.read("changes.csv").decode("utf-8-sig")
    assert "贺兰县安全生产网格调整备案说明" in summary and "两村拆分" in summary
    assert table.splitlines()[0].startswith("grid_code,change,kind,level,admin_code,name")


def test_nothing_to_file_writes_nothing(filed_county: FiledCounty, tmp_path: Path) -> None:
    project = tmp_path / "county.gpkg"
    shutil.copyfile(filed_county.project, project)
    digest, listing = file_digest(project), folder_listing(tmp_path)
    result = run("filing", "create", project, "-o", tmp_path / "again.zip")
    assert result.exit_code == 1
    assert "nothing to file" in result.output
    result = run("filing", "create", project, "--since", 3, "-o", tmp_path / "again.zip")
    assert result.exit_code == 1
    assert "--since 3 is not where a filing of this project ended" in result.output
    result = run("filing", "create", project, "--to", 99, "-o", tmp_path / "again.zip")
    assert result.exit_code == 1 and "version 99 does not exist" in result.output
    assert run("filing", "create", project, "-o", tmp_path / "f.txt").exit_code == 2
    # The project's lock file stays, as after any command that writes it.
    left = [name for name in folder_listing(tmp_path) if not name.endswith(".lock")]
    assert file_digest(project) == digest and left == listing
    existing = tmp_path / "old.zip"
    existing.write_bytes(b"keep")
    result = run("filing", "create", project, "--since", 0, "-o", existing)
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_bytes() == b"keep" and file_digest(project) == digest


def test_a_new_baseline_can_be_made_from_nothing(filed_county: FiledCounty, tmp_path: Path) -> None:
    project = tmp_path / "county.gpkg"
    shutil.copyfile(filed_county.project, project)
    result = run("filing", "create", project, "--since", 0, "-o", tmp_path / "base.zip")
    assert result.exit_code == 0, result.output
    assert "number 1, baseline" in result.output
    assert run("filing", "verify", tmp_path / "base.zip").exit_code == 0


# -- apply ----------------------------------------------------------------------
def test_filings_apply_in_order_and_the_registry_matches_the_project(
    filed_county: FiledCounty, neighbour_county: FiledCounty, tmp_path: Path
) -> None:
    target = registry(tmp_path)
    first, second, third = filed_county.filings
    refused(target, second, "the registry has no filing of county 640122 yet")
    assert "added" in applied(target, first)
    refused(target, third, "which the registry has not received")  # skips number 2
    applied(target, second)
    # Applying a filing again changes nothing and says so.
    digest = file_digest(target)
    assert "was applied already" in applied(target, second)
    assert file_digest(target) == digest
    # Number 2 of the same county, made otherwise, is refused: no lost update.
    refused(target, filed_county.rival_filing, "applied number 2 already")
    applied(target, third)
    applied(target, neighbour_county.filings[0])
    exported = tmp_path / "grids.gpkg"
    result = run("registry", "export", target, "--layer", "grids", "-o", exported)
    assert result.exit_code == 0, result.output
    assert_registry_matches_project(exported, filed_county.project, "640122")
    assert_registry_matches_project(exported, neighbour_county.project, "640121")
    one = tmp_path / "one.csv"
    assert run("registry", "export", target, "--county", "640121", "-o", one).exit_code == 0
    assert "640122" not in one.read_text(encoding="utf-8-sig")


def test_a_county_outside_the_prefecture_is_refused(
    outside_county: FiledCounty, tmp_path: Path
) -> None:
    target = registry(tmp_path, "640100")
    refused(target, outside_county.filings[0], "county 640221 (平罗县) is outside the registry's")
    region = registry(tmp_path, "640000", name="region.gpkg")
    applied(region, outside_county.filings[0])
    elsewhere = registry(tmp_path, "650000", name="xinjiang.gpkg")
    refused(elsewhere, outside_county.filings[0], "outside the registry's region 650000")


def test_a_before_state_the_registry_does_not_hold_is_refused(
    filed_county: FiledCounty, tmp_path: Path
) -> None:
    target = registry(tmp_path)
    applied(target, filed_county.filings[0])
    with contextlib.closing(gpkg.connect(target)) as connection:
        # The registry's copy of a grid the next filing replaces was changed meanwhile.
        code = connection.execute(
            "SELECT grid_code FROM grids WHERE valid_to IS NULL AND level = 'base' "
            "ORDER BY grid_code LIMIT 1"
        ).fetchone()[0]
        connection.execute("UPDATE grids SET row_hash = 'changed' WHERE grid_code = ?", (code,))
        connection.commit()
    refused(target, filed_county.filings[1], "before state does not match the registry")


def test_bad_filings_change_nothing(filed_county: FiledCounty, tmp_path: Path) -> None:
    target = registry(tmp_path)
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK not really")
    refused(target, fake, "is not a zip file")
    with (
        zipfile.ZipFile(filed_county.filings[0]) as old,
        zipfile.ZipFile(tmp_path / "tampered.zip", "w") as new,
    ):
        for info in old.infolist():
            content = old.read(info)
            new.writestr(
                info.filename, content + b"\n" if info.filename == "changes.csv" else content
            )
    refused(target, tmp_path / "tampered.zip", "SHA-256 does not match")
    assert run("filing", "apply", tmp_path / "x.shp", fake).exit_code == 2
    missing = run("filing", "apply", tmp_path / "none.gpkg", filed_county.filings[0])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    project = run("filing", "apply", filed_county.project, filed_county.filings[0])
    assert project.exit_code == 1 and "is not a gridgis registry" in project.output


def test_two_processes_apply_to_one_geopackage_in_turn(
    filed_county: FiledCounty, neighbour_county: FiledCounty, tmp_path: Path
) -> None:
    target = registry(tmp_path)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gridgis.cli.main", "filing", "apply", str(target), str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in (filed_county.filings[0], neighbour_county.filings[0])
    ]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    result = run("registry", "log", target)
    assert "640122-0001-" in result.output and "640121-0001-" in result.output


def test_the_demo_files_its_grids_and_applies_both_filings(
    demo_run: tuple[Path, str], tmp_path: Path
) -> None:
    import pandas as pd

    out, output = demo_run
    baseline, changes, target = out / "filing_1.zip", out / "filing_2.zip", out / "registry.gpkg"
    for path in (baseline, changes, target):
        assert str(path) in output and path.exists()
    assert run("filing", "verify", changes).exit_code == 0
    with zipfile.ZipFile(changes) as archive:
        assert {"changes.html", "changes.png", "summary.html"} <= set(archive.namelist())
        table = pd.read_csv(archive.open("changes.csv"), dtype=str, keep_default_na=False)
    # The demo re-divided two villages and assigned again: units and people moved.
    assert set(table["admin_code"]) >= {"640122102001", "640122103001"}
    assert pd.to_numeric(table["enterprises_in"]).sum() > 0
    assert (table["staff_out"] != "").any()
    exported = tmp_path / "registry_grids.gpkg"
    result = run("registry", "export", target, "-o", exported)
    assert result.exit_code == 0, result.output
    assert_registry_matches_project(exported, out / "helan.gpkg", "640122")
    assert "was applied already" in applied(target, changes)
