"""``gridgis diff``: what a re-division changed, as a table, CSV or JSON."""

import io
import json
from pathlib import Path

import pandas as pd
from conftest import run

from gridgis.io.store import open_project


def _versions(project: Path) -> tuple[int, int]:
    """The versions before and after the demo's re-division of one village."""
    notes = open_project(project).versions()
    redivided = notes[notes["note"].str.contains("divide 1 villages")]["id"].iloc[0]
    return int(redivided) - 1, int(redivided)


def test_the_table_names_each_changed_grid(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    before, after = _versions(out / "helan.gpkg")
    result = run("diff", out / "helan.gpkg", before, after)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"version {before} → {after}: ")
    assert "640122101204" in result.output  # the re-divided village's grids
    assert "unchanged" not in result.output.splitlines()[2]  # unchanged rows hidden


def test_csv_and_json_list_every_grid_alike(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    before, after = _versions(out / "helan.gpkg")
    as_csv = pd.read_csv(
        io.StringIO(run("diff", out / "helan.gpkg", before, after, "--format", "csv").output),
        dtype={"grid_code": str},
    )
    as_json = json.loads(run("diff", out / "helan.gpkg", before, after, "--format", "json").output)
    assert len(as_csv) == len(as_json) > 400
    assert set(as_csv["status"]) >= {"unchanged", "split"}
    grids = open_project(out / "helan.gpkg").read_layer("grids", version=after)
    assert set(grids["grid_code"]) <= set(as_csv["grid_code"])


def test_a_version_that_does_not_exist(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    result = run("diff", out / "helan.gpkg", 1, 99)
    assert result.exit_code == 1
    assert "version 99 does not exist" in result.output
    assert run("diff", out / "helan.gpkg", 0, 2).exit_code == 2
