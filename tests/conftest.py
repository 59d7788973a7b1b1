"""Shared fixtures: paths, small hand-checkable boundaries and a synthetic county."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner, Result

from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_villages

# The suite checks the English messages; on a workstation with a Chinese locale
# the CLI would speak Chinese (gridgis/cli/i18n.py). The i18n tests choose their
# language explicitly. Subprocesses inherit this.
os.environ["GRIDGIS_LANG"] = "en"


@pytest.fixture(autouse=True)
def _library_logging_propagates():
    """Undo what a CLI run in an earlier test did to the ``gridgis`` logger.

    The CLI gives the logger its own stderr handler and stops propagation, which
    would hide library messages from ``caplog`` in the tests that follow.
    """
    yield
    logger = logging.getLogger("gridgis")
    logger.handlers.clear()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def helan_outline() -> shapely.Geometry:
    return gpd.read_file(DATA_DIR / "helan_county.geojson").geometry.iloc[0]


def box_villages() -> gpd.GeoDataFrame:
    """A township 640122100 of three villages drawn from boxes, in EPSG:4490.

    Village 201 is 0.01° x 0.01°, village 202 the same to its east, and
    village 203 spans both to the south (0.02° x 0.01°).
    """
    x0, y0, step = 106.20, 38.50, 0.01
    return gpd.GeoDataFrame(
        {
            "code": ["640122100201", "640122100202", "640122100203"],
            "name": ["红星村", "新华村", "河东村"],
            "households": [300, 450, 800],
        },
        geometry=[
            shapely.box(x0, y0, x0 + step, y0 + step),
            shapely.box(x0 + step, y0, x0 + 2 * step, y0 + step),
            shapely.box(x0, y0 - step, x0 + 2 * step, y0),
        ],
        crs="EPSG:4490",
    )


@pytest.fixture
def villages_boxes() -> gpd.GeoDataFrame:
    return box_villages()


@pytest.fixture(scope="session")
def synthetic_county(helan_outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """About 120 Voronoi villages in 8 townships over the real 贺兰县 outline (EPSG:4326)."""
    return synthetic_villages(helan_outline, villages=120, townships=8, seed=1)


def run(*args: object, **options: object) -> Result:
    """Run the gridgis CLI in-process (click's CliRunner) with arguments as strings."""
    from gridgis.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args], **options)  # type: ignore[arg-type]


def file_digest(path: Path) -> str:
    """Hash a file's bytes, to prove a failed command left it untouched."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_listing(folder: Path) -> list[str]:
    """Names in a folder, to prove no partial output was written."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="session")
def demo_project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project initialised once from the demo county's boundaries."""
    from click.testing import CliRunner

    from gridgis.cli.main import cli
    from gridgis.paths import DEMO_DIR

    path = tmp_path_factory.mktemp("demo") / "helan.gpkg"
    result = CliRunner().invoke(
        cli,
        [
            "init",
            str(path),
            "--admin",
            str(DEMO_DIR / "villages.geojson"),
            str(DEMO_DIR / "townships.geojson"),
            str(DATA_DIR / "helan_county.geojson"),
        ],
    )
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def demo_project(demo_project_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo project for one test."""
    import shutil

    path = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_project_template, path)
    return path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Run ``gridgis demo`` once: its output folder and what it printed."""
    from click.testing import CliRunner

    from gridgis.cli.main import cli

    out = tmp_path_factory.mktemp("demo-run") / "out"
    result = CliRunner().invoke(cli, ["demo", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="session")
def demo_divided(tmp_path_factory: pytest.TempPathFactory, demo_project_template: Path) -> Path:
    """The demo county divided by households (at most 300), with the demo ledger imported.

    Shared by the tests; copy it (``shutil.copyfile``) before changing it.
    """
    import shutil

    from gridgis.paths import DEMO_DIR

    project = tmp_path_factory.mktemp("divided") / "helan.gpkg"
    shutil.copyfile(demo_project_template, project)
    result = run("divide", project, "--by", "households", "--max-load", "300")
    assert result.exit_code == 0, result.output
    result = run("enterprises", "import", project, DEMO_DIR / "enterprises.xlsx")
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture(scope="session")
def demo_assigned(tmp_path_factory: pytest.TempPathFactory, demo_divided: Path) -> Path:
    """:func:`demo_divided` with every enterprise assigned (no roster: default capacity)."""
    import shutil

    project = tmp_path_factory.mktemp("assigned") / "helan.gpkg"
    shutil.copyfile(demo_divided, project)
    result = run("assign", project)
    assert result.exit_code == 0, result.output
    assert "rows 3000 = territorial" in result.output
    return project


# The filing and registry tests' counties and PostGIS cluster (tests/filing_fixtures.py).
from filing_fixtures import (  # noqa: E402, F401
    filed_county,
    neighbour_county,
    outside_county,
    postgis_url,
)


@pytest.fixture(scope="session")
def demo_staffed(tmp_path_factory: pytest.TempPathFactory, demo_assigned: Path) -> Path:
    """:func:`demo_assigned` with the demo roster imported (no re-assign).

    Shared by the document tests (notices, cards, statistics); copy it before changing it.
    """
    import shutil

    from gridgis.paths import DEMO_DIR

    project = tmp_path_factory.mktemp("staffed") / "helan.gpkg"
    shutil.copyfile(demo_assigned, project)
    result = run("staff", "import", project, DEMO_DIR / "staff.xlsx")
    assert result.exit_code == 0, result.output
    return project
