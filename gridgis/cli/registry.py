"""``gridgis registry``: the prefecture's registry of its counties' filings and grids."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click

from gridgis.cli.filing import target_argument
from gridgis.cli.helpers import format_table, say
from gridgis.cli.options import overwrite_option


def scope_code(
    kind: str,
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """Return a callback accepting a prefecture (640100) or region (640000) code."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return value
        from gridgis.errors import InputDataError
        from gridgis.filing.registry import check_scope_code

        try:
            return check_scope_code(kind, value.strip())
        except InputDataError as error:
            raise click.BadParameter(str(error)) from None

    return callback


def county_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a 6-digit county code."""
    if value is not None and not re.fullmatch(r"\d{6}", value.strip()):
        raise click.BadParameter(f"{value!r} is not a 6-digit county code such as 640122")
    return None if value is None else value.strip()


@click.group(short_help="The prefecture's registry of filings (GeoPackage or PostGIS).")
def registry() -> None:
    """Create and read the registry where a prefecture or region collects its counties' filings.

    TARGET is a .gpkg file (one office) or a postgresql:// URL (PostGIS; many
    counties at once; ?schema=NAME picks the schema, default gridgis_registry).

    \b
    Example:
        gridgis registry init yinchuan.gpkg --prefecture 640100
        gridgis filing apply yinchuan.gpkg filing.zip
        gridgis registry log yinchuan.gpkg --stale-days 90
        gridgis registry export yinchuan.gpkg --layer grids -o grids.gpkg
    """


@registry.command(short_help="Create an empty registry for a prefecture or a region.")
@target_argument
@click.option(
    "--prefecture", callback=scope_code("prefecture"), help="Prefecture code, e.g. 640100."
)
@click.option("--region", callback=scope_code("region"), help="Region code, e.g. 640000.")
@overwrite_option
def init(target: str, prefecture: str | None, region: str | None, overwrite: bool) -> object:
    """Create an empty registry at TARGET taking the counties of one prefecture or region."""
    from gridgis.filing.registry import Scope, init_registry

    if (prefecture is None) == (region is None):
        raise click.UsageError("give exactly one of --prefecture CODE and --region CODE")
    scope = Scope("prefecture", prefecture) if prefecture else Scope("region", str(region))
    created = init_registry(target, scope, overwrite=overwrite)
    say(f"created the registry of {scope.label} in {created.label}")
    return created


@registry.command(short_help="List the filings received, per county; flag stale counties.")
@target_argument
@click.option(
    "--stale-days",
    type=click.IntRange(min=0),
    help="Flag counties whose latest filing is older than this many days.",
)
def log(target: str, stale_days: int | None) -> None:
    """List every filing TARGET received, per county, and flag counties that are behind.

    Counties of the registry's scope that the code scheme names but that
    never filed are flagged too.
    """
    from gridgis.filing.registry import registry_log

    filings, counties = registry_log(target, stale_days=stale_days)
    rows = [
        [
            f.county_code,
            f.filing_id,
            f.number,
            f"{f.version_from} → {f.version_to}",
            f.created,
            f.applied,
            f.changes,
            f.note,
        ]
        for f in filings.itertuples()
    ]
    click.echo(
        format_table(
            rows,
            [
                "县 county",
                "备案编号 filing",
                "No.",
                "versions",
                "created",
                "applied",
                "changes",
                "note",
            ],
        )
    )
    click.echo("")
    status = []
    for c in counties.itertuples():
        if c.filings == 0:
            flag = "从未备案 never filed"
        elif c.stale:
            flag = f"超过 {stale_days} 天未备案 stale"
        else:
            flag = ""
        age = "" if c.age_days is None or c.age_days != c.age_days else f"{c.age_days:.0f}"
        last = c.last_filing if isinstance(c.last_filing, str) else ""
        status.append([c.county_code, c.county_name, c.filings, last, age, flag])
    click.echo(
        format_table(
            status,
            ["县 county", "名称 name", "filings", "last filing", "days since", "flag"],
        )
    )


@registry.command(short_help="Write the current grids of every county (or one) to a file.")
@target_argument
@click.option("--layer", type=click.Choice(["grids"]), default="grids", show_default=True)
@click.option("--county", callback=county_code, help="Only this county (6-digit code).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; its suffix picks the format (.gpkg .geojson .shp .csv .xlsx).",
)
@overwrite_option
def export(target: str, layer: str, county: str | None, output: Path, overwrite: bool) -> int:
    """Write the registry's current grids (all counties, or --county) to a file."""
    from gridgis.filing.registry import export_registry_grids

    rows = export_registry_grids(target, output, county=county, overwrite=overwrite)
    say(f"wrote {rows} current grids to {output}")
    return rows
