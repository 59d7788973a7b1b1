"""``gridgis export``: write a project layer to a file, or to standard output."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import crs_option_value, overwrite_option, project_argument

LAYERS = ("grids", "assignments", "admin_units", "enterprises", "staff")
LEVELS = ("base", "village", "township", "county", "sector")


def _driver(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a format gridgis can write: a GDAL vector driver, CSV or XLSX."""
    if value is None:
        return value
    from gridgis.errors import InputDataError
    from gridgis.io.output import resolve_format

    try:
        return resolve_format(Path("output"), value).driver
    except InputDataError as error:
        raise click.BadParameter(str(error)) from None


@click.command(short_help="Write a layer to GPKG, GeoJSON, SHP, CSV, XLSX or any GDAL format.")
@project_argument
@click.option("--layer", type=click.Choice(LAYERS), default="grids", show_default=True)
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.Choice(LEVELS),
    help="Grids only: keep this level (repeatable); sector picks the sector grids.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Output file, or - for standard output (GeoJSON, or CSV with --driver CSV).",
)
@click.option(
    "--driver",
    callback=_driver,
    help="Output format: a GDAL vector driver (GPKG, GeoJSON, FlatGeobuf …), CSV or XLSX "
    "(default: from the file's suffix).",
)
@click.option(
    "--crs",
    callback=crs_option_value,
    help="Write the geometry in this CRS, e.g. EPSG:4545 (default: CGCS2000; "
    ".geojson: WGS-84 per RFC 7946).",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Export the layer as it was at this version (default: current).",
)
@overwrite_option
def export(
    project: Path,
    layer: str,
    levels: tuple[str, ...],
    output: Path,
    driver: str | None,
    crs: str | None,
    version: int | None,
    overwrite: bool,
) -> int:
    """Write a layer of PROJECT.gpkg to a file that QGIS, Excel or a web map opens.

    \b
    grids:        grid_code, kind, level, admin_code, name, load, area_km2
    assignments:  uscc, name, grid_code, kind, method, reason, lon, lat (CGCS2000)
    admin_units:  code, name, level, parent_code, households
    enterprises:  every column of the ledger as imported
    staff:        the roster, with where each person serves (no geometry)

    GeoPackages are version 1.2 with the project's QGIS styles and Chinese
    column titles; GeoJSON follows RFC 7946 (WGS-84) unless --crs is given;
    CSV is UTF-8 with a byte-order mark, geometry as WKT.

    \b
    Examples:
      gridgis export helan.gpkg --level base -o base_grids.gpkg
      gridgis export helan.gpkg --layer assignments -o - --driver CSV > a.csv
    """
    import gridgis

    if levels and layer != "grids":
        raise click.BadParameter(f"layer {layer} has no levels", param_hint="--level")
    stream = str(output) == "-"
    if stream and overwrite:
        raise click.BadParameter("--overwrite has no meaning for standard output", param_hint="-o")
    rows = gridgis.open(project).export(
        layer,
        None if stream else output,
        version=version,
        level=levels,
        driver=driver,
        crs=crs,
        overwrite=overwrite,
    )
    if not stream:
        say(f"wrote {rows} {layer} to {output}")
    return rows
