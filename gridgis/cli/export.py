"""``gridgis export``: write a project layer to a file."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import overwrite_option, project_argument


@click.command(short_help="Write grids or assignments to GPKG, GeoJSON, SHP, CSV or XLSX.")
@project_argument
@click.option(
    "--layer", type=click.Choice(["grids", "assignments"]), default="grids", show_default=True
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; its suffix picks the format (.gpkg .geojson .shp .csv .xlsx).",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Export the layer as it was at this version (default: current).",
)
@overwrite_option
def export(project: Path, layer: str, output: Path, version: int | None, overwrite: bool) -> int:
    """Write the grids or assignments of PROJECT.gpkg to a file that QGIS and Excel open.

    \b
    grids:       grid_code, kind, level, admin_code, name, load, area_km2
    assignments: uscc, name, grid_code, kind, method, reason, lon, lat (CGCS2000)

    CSV is UTF-8 with a byte-order mark; grid geometry goes into a WKT column.
    """
    from gridgis.project.export import export_layer

    rows = export_layer(project, layer, output, version=version, overwrite=overwrite)
    say(f"wrote {rows} {layer} to {output}")
    return rows
