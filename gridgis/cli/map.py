"""``gridgis map``: a project's supervision diagram, or a registry's grids, as offline HTML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import admin_codes, overwrite_option

if TYPE_CHECKING:
    from gridgis.project.map import MapReport
    from gridgis.project.registry_map import RegistryMapReport

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


def _county_codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """Accept repeated or comma-separated 6-digit county codes."""
    codes = tuple(code.strip() for value in values for code in value.split(",") if code.strip())
    malformed = [code for code in codes if not re.fullmatch(r"\d{6}", code)]
    if malformed:
        raise click.BadParameter(
            f"{', '.join(malformed)}: a county code has 6 digits (e.g. 640122)"
        )
    return tuple(dict.fromkeys(codes))


def _title(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("the title must not be empty")
    return value.strip() if value is not None else None


@click.command("map", short_help="Write a project's or a registry's grids as an offline HTML map.")
# Named "project" for the callers that invoke the command with one (gridgis demo).
@click.argument("project", metavar="PROJECT.gpkg|REGISTRY")
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
@click.option(
    "--county",
    "counties",
    multiple=True,
    callback=_county_codes,
    metavar="CODE",
    help="A registry: map only this county (6 digits); repeat or separate with commas.",
)
@click.option(
    "--title",
    callback=_title,
    help="The map's title (default: the county's or prefecture's name + 监管示意图).",
)
@overwrite_option
def map_(
    project: str | Path,
    output: Path,
    basemap_name: str,
    tianditu_key: str | None,
    public: bool,
    townships: tuple[str, ...],
    version: int | None,
    counties: tuple[str, ...],
    title: str | None,
    overwrite: bool,
) -> MapReport | RegistryMapReport:
    """Write the supervision diagram (安全生产网格化监管示意图) of PROJECT.gpkg, or of a REGISTRY.

    One HTML file with everything inlined: it opens by double-click on a PC
    without network. Base grids (neighbours in different colours, labelled
    where labels fit), sector grids, boundaries, and enterprises by risk
    (unassigned ones apart), each a layer to switch on and off. A grid's
    popup names its people in the six roles with phones, its units by risk
    and its load against capacity. Search by grid code or name, village,
    enterprise name or USCC.

    REGISTRY is a prefecture's registry GeoPackage (gridgis registry init)
    or a postgresql:// URL. Its map shows every county's current grids: a
    layer of base grids per county (each to switch on and off), the sector
    grids, and the village, township and county outlines; a grid's popup
    names its county and the filing that made it. Search by grid code or
    name, village, township or county. --county limits the counties;
    --public, --township and --version are for a project only.

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
    from gridgis.filing.backend import is_registry

    target = str(project)
    if is_registry(target):
        given = [
            name
            for name, used in (
                ("--public", public),
                ("--township", bool(townships)),
                ("--version", version is not None),
            )
            if used
        ]
        if given:
            raise click.UsageError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} for a project's map, "
                "and TARGET is a registry: its map shows every county's current grids "
                "(limit the counties with --county)"
            )
        return _registry_map(target, output, basemap_name, tianditu_key, counties, title, overwrite)
    if counties:
        raise click.UsageError(
            "--county is for a registry's map; a project holds one county "
            "(limit its map with --township)"
        )
    import gridgis

    report = gridgis.open(Path(project)).map(
        output,
        basemap=basemap_name,
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


def _registry_map(
    target: str,
    output: Path,
    basemap_name: str,
    tianditu_key: str | None,
    counties: tuple[str, ...],
    title: str | None,
    overwrite: bool,
) -> RegistryMapReport:
    from gridgis.project.registry_map import write_registry_map

    report = write_registry_map(
        target,
        output,
        basemap_name=basemap_name,
        tianditu_key=tianditu_key,
        counties=counties,
        title=title,
        overwrite=overwrite,
    )
    say(
        f"wrote {output}: {len(report.counties)} "
        f"{'county' if len(report.counties) == 1 else 'counties'}, {report.base_grids} base grids, "
        f"{report.sector_grids} sector grids, {report.grids} current grids in all; "
        f"latest filing applied {report.latest_filing}; {report.bytes / 2**20:.2f} MiB"
    )
    if basemap_name == "none":
        say("opens offline: every script and style is inside the file, nothing is loaded")
    return report
