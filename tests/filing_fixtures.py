"""Fixtures of the filing and registry tests: small counties that file, and a PostGIS cluster.

Imported by ``conftest.py``. The counties are synthetic (Voronoi villages over
the 贺兰县 outline, divided by area), small enough that each is made in a
second or two; they are made once per session and copied by tests that
change them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pg_cluster import postgres_cluster

from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_villages


@dataclass(frozen=True)
class FiledCounty:
    """A county project and the filings it made, in order."""

    code: str
    project: Path
    filings: list[Path]
    #: A copy of the project after its first filing, re-divided otherwise:
    #: its filing number 2 is another filing than ``filings[1]``.
    rival_filing: Path | None = None


def _run(*args: object) -> None:
    from click.testing import CliRunner

    from gridgis.cli.main import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def make_county(folder: Path, county_code: str, villages: int, seed: int) -> Path:
    """A project of ``villages`` synthetic villages, divided by area (version 2)."""
    outline = gpd.read_file(DATA_DIR / "helan_county.geojson").geometry.iloc[0]
    # Each county sits apart from the others, as real neighbours do.
    offset = (int(county_code) % 100) * 0.02
    frame = synthetic_villages(
        shapely.affinity.translate(outline, xoff=offset),
        villages=villages,
        townships=2,
        county_code=county_code,
        seed=seed,
    )
    source = folder / f"villages_{county_code}.geojson"
    frame.to_file(source)
    project = folder / f"county_{county_code}.gpkg"
    _run("init", project, "--admin", source)
    _run("divide", project, "--by", "area", "--max-load", 60)
    return project


def village_codes(project: Path) -> list[str]:
    from gridgis.io.store import open_project

    grids = open_project(project).read_grids(levels=["village"])
    return sorted(grids["admin_code"])


@pytest.fixture(scope="session")
def filed_county(tmp_path_factory: pytest.TempPathFactory) -> FiledCounty:
    """County 640122: a baseline filing, then two filings of re-divided villages."""
    folder = tmp_path_factory.mktemp("filed")
    project = make_county(folder, "640122", villages=10, seed=3)
    villages = village_codes(project)
    filings = [folder / "filing_1.zip", folder / "filing_2.zip", folder / "filing_3.zip"]
    _run("filing", "create", project, "--note", "首次备案", "-o", filings[0])
    rival = folder / "rival.gpkg"
    shutil.copyfile(project, rival)
    _run(
        "divide",
        project,
        "--village",
        villages[0],
        "--village",
        villages[1],
        "--by",
        "area",
        "--max-load",
        25,
    )
    _run("filing", "create", project, "--note", "两村拆分", "-o", filings[1])
    _run("divide", project, "--village", villages[2], "--by", "area", "--max-load", 20)
    _run("filing", "create", project, "-o", filings[2])
    _run("divide", rival, "--village", villages[3], "--by", "area", "--max-load", 25)
    rival_filing = folder / "rival_2.zip"
    _run("filing", "create", rival, "-o", rival_filing)
    return FiledCounty("640122", project, filings, rival_filing)


def _baseline(tmp_path_factory: pytest.TempPathFactory, code: str, seed: int) -> FiledCounty:
    folder = tmp_path_factory.mktemp(f"county{code}")
    project = make_county(folder, code, villages=5, seed=seed)
    filing = folder / f"filing_{code}_1.zip"
    _run("filing", "create", project, "-o", filing)
    return FiledCounty(code, project, [filing])


@pytest.fixture(scope="session")
def neighbour_county(tmp_path_factory: pytest.TempPathFactory) -> FiledCounty:
    """County 640121 of the same prefecture (银川市 640100), with its baseline filing."""
    return _baseline(tmp_path_factory, "640121", seed=5)


@pytest.fixture(scope="session")
def outside_county(tmp_path_factory: pytest.TempPathFactory) -> FiledCounty:
    """County 640221 of another prefecture (石嘴山市 640200), with its baseline filing."""
    return _baseline(tmp_path_factory, "640221", seed=7)


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster with PostGIS on 127.0.0.1, for the whole session."""
    with postgres_cluster() as url:
        yield url
