"""``gridgis map``: write the supervision diagram as one HTML file that opens offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import admin_codes, overwrite_option, project_argument

if TYPE_CHECKING:
    from gridgis.project.map import MapReport

BASEMAPS = ("none", "osm", "tianditu", "gaode")
_KEY = re.compile(r"^[A-Za-z0-9]{8,64}$")


def _tianditu_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a Tianditu key: letters and digits only (it goes into every tile URL)."""
    if value is None or value == "":
        return None
    value = value.strip()
    if not _KEY.match(value):
        raise click.BadParameter(
            "a Tianditu key is a string of letters and digits (32 hex digits as issued)"
        )
    return value


def _title(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("the title must not be empty")
    return value.strip() if value is not None else None


@click.command("map", short_help="Write the supervision diagram as an offline HTML map.")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .html file to write (e.g. maps/county.html).",
)
@click.option(
    "--basemap",
    "basemap_name",
    type=click.Choice(BASEMAPS),
    default="none",
    show_default=True,
    help="Tiles under the grids; 'none' needs no network at all.",
)
@click.option(
    "--tianditu-key",
    envvar="TIANDITU_KEY",
    callback=_tianditu_key,
    help="Tianditu developer key (tk) for --basemap tianditu; default: $TIANDITU_KEY.",
)
@click.option("--public", is_flag=True, help="Leave out enterprises' personal data.")
@click.option(
    "--township",
    "townships",
    multiple=True,
    callback=admin_codes("township"),
    metavar="CODE",
    help="Map only this township (9 digits); repeat or separate with commas.",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Map the project as it was at this version (default: current).",
)
@click.option("--title", callback=_title, help="The map's title (default: county + 监管示意图).")
@overwrite_option
def map_(
    project: Path,
    output: Path,
    basemap_name: str,
    tianditu_key: str | None,
    public: bool,
    townships: tuple[str, ...],
    version: int | None,
    title: str | None,
    overwrite: bool,
) -> MapReport:
    """Write the supervision diagram (安全生产网格化监管示意图) of PROJECT.gpkg.

    One HTML file with everything inlined: it opens by double-click on a PC
    without network. Base grids (neighbours in different colours, labelled
    where labels fit), sector grids, boundaries, and enterprises by risk
    (unassigned ones apart), each a layer to switch on and off. A grid's
    popup names its people in the six roles with phones, its units by risk
    and its load against capacity. Search by grid code or name, village,
    enterprise name or USCC.

    \b
    --basemap none      no tiles, no network (default)
    --basemap osm       OpenStreetMap tiles
    --basemap tianditu  天地图 vector + annotation (needs a key)
    --basemap gaode     高德 tiles; overlays are shifted to GCJ-02
    """
    if basemap_name == "tianditu" and not tianditu_key:
        raise click.BadParameter(
            "--basemap tianditu needs a Tianditu key: pass --tianditu-key KEY or set TIANDITU_KEY",
            param_hint="'--tianditu-key'",
        )
    from gridgis.project.map import write_map

    report = write_map(
        project,
        output,
        basemap_name=basemap_name,
        tianditu_key=tianditu_key,
        public=public,
        townships=townships,
        version=version,
        title=title,
        overwrite=overwrite,
    )
    say(
        f"wrote {output}: {report.grids} base grids, {report.sector_grids} sector grids, "
        f"{report.enterprises} units ({report.unassigned} unassigned); version {report.version}; "
        f"{report.bytes / 2**20:.2f} MiB"
        + ("; public (no personal data of enterprises)" if public else "")
    )
    if basemap_name == "none":
        say("opens offline: every script and style is inside the file, nothing is loaded")
    return report
