"""``gridgis log``: list the versions of a project."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import format_table
from gridgis.cli.options import project_argument


@click.command(short_help="List the versions of a project.")
@project_argument
def log(project: Path) -> None:
    """List every version of PROJECT.gpkg: id, UTC time, command and note."""
    from gridgis.io.store import open_project

    versions = open_project(project).versions()
    rows = [[v.id, v.time, v.note, v.command] for v in versions.itertuples()]
    click.echo(format_table(rows, ["版本 version", "时间 time (UTC)", "说明 note", "命令 command"]))
