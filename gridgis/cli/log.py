"""``gridgis log``: list the versions of a project, in local time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gridgis.cli.helpers import format_table
from gridgis.cli.options import project_argument


def local_time(stored: str) -> str:
    """Show a stored UTC time (``2026-12-06T01:32:25Z``) in local time with its offset.

    The local zone is the machine's (or ``TZ``'s): county staff read their own
    clock, e.g. ``2026-12-06 09:32:25 +08:00`` in Ningxia.
    """
    try:
        moment = dt.datetime.fromisoformat(stored.replace("Z", "+00:00"))
    except ValueError:
        return stored
    local = moment.astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


@click.command(short_help="List the versions of a project.")
@project_argument
@click.option(
    "-v",
    "--verbose",
    "show_settings",
    is_flag=True,
    help="Also list the configuration and input files each version was made with.",
)
@click.pass_context
def log(ctx: click.Context, project: Path, show_settings: bool) -> None:
    """List every version of PROJECT.gpkg: id, local time, note and command.

    With -v, each version is followed by the code scheme, departments and
    rules it was made with, and the name and SHA-256 of every input file.
    """
    from gridgis.io.store import open_project

    reader = open_project(project)
    versions = reader.versions()
    headers = ["版本 version", "时间 time", "说明 note", "命令 command"]
    rows = [[v.id, local_time(v.time), v.note, v.command] for v in versions.itertuples()]
    if not (show_settings or ctx.meta.get("gridgis.verbose", 0) > 0):
        click.echo(format_table(rows, headers))
        return
    settings = reader.read_table("settings")
    for row in rows:
        click.echo(format_table([row], headers))
        if settings.empty:
            continue
        mine = settings[settings["version"] == row[0]]
        if len(mine):
            click.echo(
                format_table(
                    [[s.kind, s.name, (s.sha256 or "")[:16]] for s in mine.itertuples()],
                    ["  配置/输入 setting", "文件 file", "SHA-256"],
                )
            )
        click.echo("")
