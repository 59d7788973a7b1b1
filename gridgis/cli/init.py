"""``gridgis init``: create a project from administrative boundaries."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import command_line, format_table
from gridgis.cli.options import project_argument


@click.command(short_help="Create a project from township/village boundaries.")
@project_argument
@click.option(
    "--admin",
    "admin_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Boundary file: Shapefile (also .zip), GeoPackage or GeoJSON.",
)
@click.argument(
    "more_admin", nargs=-1, type=click.Path(dir_okay=False, path_type=Path), metavar="[FILE]..."
)
@click.option("--layer", help="Layer to read from a GeoPackage or zip with several.")
@click.option("--code-field", help="Field with the 6/9/12-digit codes (default: detected).")
@click.option("--name-field", help="Field with the names (default: detected).")
@click.option("--encoding", help="Text encoding of Shapefiles, e.g. GBK (default: detected).")
@click.option("--crs", help="CRS for files that declare none, e.g. EPSG:4326.")
@click.option("--overwrite", is_flag=True, help="Replace an existing project.")
def init(
    project: Path,
    admin_file: Path,
    more_admin: tuple[Path, ...],
    layer: str | None,
    code_field: str | None,
    name_field: str | None,
    encoding: str | None,
    crs: str | None,
    overwrite: bool,
) -> None:
    r"""Create PROJECT.gpkg from administrative boundary files.

    Each feature's level (county, township, village) comes from its 6-, 9- or
    12-digit code; missing upper levels are built by dissolving. Invalid
    geometry is repaired and listed. Everything is stored in CGCS2000.

    \b
    Example:
      gridgis init helan.gpkg --admin villages.shp townships.geojson
    """
    from gridgis.project import init_project

    report = init_project(
        project,
        [admin_file, *more_admin],
        command=command_line(),
        layer=layer,
        code_field=code_field,
        name_field=name_field,
        encoding=encoding,
        crs=crs,
        overwrite=overwrite,
    )
    for read in report.reads:
        click.echo(
            f"read {read.source.name}: {len(read.frame)} features, CRS {read.source_crs}"
            + (f", text {read.encoding}" if read.encoding else "")
        )
    for note in report.notes:
        click.echo(f"  note: {note}")
    counts = report.level_counts()
    click.echo(
        f"admin units: {counts['county']} county, {counts['township']} townships, "
        f"{counts['village']} villages"
    )
    if not report.repaired.empty:
        click.echo(f"repaired {len(report.repaired)} invalid geometries (polygonal parts kept):")
        rows = [
            [r.code, r.name, r.source, r.reason, f"{r.area_change:+.2%}"]
            for r in report.repaired.itertuples()
        ]
        click.echo(format_table(rows, ["code", "name", "file", "problem", "area change"]))
    click.echo(f"created {report.project} (version {report.version})")
