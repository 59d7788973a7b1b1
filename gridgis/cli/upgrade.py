"""``gridgis upgrade``: bring a project made by an earlier gridgis to this release's layout."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import command_line, say
from gridgis.cli.options import project_argument


@click.command(short_help="Upgrade a project made by an earlier gridgis.")
@project_argument
def upgrade(project: Path) -> None:
    """Upgrade PROJECT.gpkg to this release's store layout, keeping every version.

    The upgrade is one atomic change, recorded as a version of its own. Any
    command that changes a project upgrades it first; read-only commands ask
    for it.
    """
    from gridgis.project.upgrade import upgrade as upgrade_project
    from gridgis.schema import SCHEMA_VERSION

    layout, version = upgrade_project(project, command=command_line())
    if version is None:
        say(f"{project.name} is up to date (store layout {layout})")
    else:
        say(
            f"upgraded {project.name} from store layout {layout} to {SCHEMA_VERSION} "
            f"(version {version})"
        )
