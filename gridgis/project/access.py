"""Opening a project for a command that will change it.

A writing command opens the project through :func:`open_for_writing` before any
long work: a read-only project is refused at once, and a project made by an
earlier gridgis is upgraded first, as a version of its own
(:mod:`gridgis.io.upgrade`), so the command then writes the current layout.
"""

from __future__ import annotations

from pathlib import Path

from gridgis.io.store import ProjectReader, check_writable, open_project, project_layout
from gridgis.io.upgrade import upgrade_project
from gridgis.schema import SCHEMA_VERSION


def open_for_writing(project: Path, *, command: str) -> ProjectReader:
    """Open a project a command will change: refuse it if read-only, upgrade it if old.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    command : str
        The command line, recorded with the upgrade's version if one is made.

    Returns
    -------
    ProjectReader

    Raises
    ------
    StoreError
        If the project is missing, not a project, read-only, or too new.
    """
    check_writable(Path(project))
    if project_layout(Path(project)) < SCHEMA_VERSION:
        upgrade_project(Path(project), command=command)
    return open_project(project)
