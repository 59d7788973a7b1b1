"""``gridgis upgrade``: a project made by an earlier gridgis brought to this release's layout."""

from __future__ import annotations

from pathlib import Path

from gridgis.io.store import check_writable, project_layout
from gridgis.io.upgrade import upgrade_project
from gridgis.schema import SCHEMA_VERSION


def upgrade(project: Path, *, command: str) -> tuple[int, int | None]:
    """Upgrade a project in place, atomically, as a version of its own.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    command : str
        The command line, for the version log.

    Returns
    -------
    tuple
        The store layout it had, and the upgrade's version (None if it was up
        to date).
    """
    layout = project_layout(project)
    if layout >= SCHEMA_VERSION:
        return layout, None
    check_writable(project)
    return layout, upgrade_project(project, command=command)
