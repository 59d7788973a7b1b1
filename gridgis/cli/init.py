"""``gridgis init``: create a project from administrative boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import command_line, format_table, say
from gridgis.cli.options import crs_option_value, project_argument, text_encoding

if TYPE_CHECKING:
    import pandas as pd

    from gridgis.project.init import InitReport


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
@click.option(
    "--encoding",
    callback=text_encoding,
    help="Text encoding of Shapefiles, e.g. GBK (default: detected).",
)
@click.option(
    "--crs", callback=crs_option_value, help="CRS for files that declare none, e.g. EPSG:4326."
)
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
) -> InitReport:
    """Create PROJECT.gpkg from administrative boundary files.

    Each feature's level (county, township, village) comes from its 6-, 9- or
    12-digit code; missing upper levels are built by dissolving. Invalid
    geometry is repaired and listed. Everything is stored in CGCS2000.

    \b
    Example:
      gridgis init helan.gpkg --admin villages.shp townships.geojson
    """
    import gridgis

    _, report = gridgis.init(
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
        say(
            f"read {read.source.name}: {len(read.frame)} features, CRS {read.source_crs}"
            + (f", text {read.encoding}" if read.encoding else "")
        )
    for note in report.notes:
        say(f"  note: {note}")
    counts = report.level_counts()
    say(
        f"admin units: {counts['county']} county, {counts['township']} townships, "
        f"{counts['village']} villages"
    )
    if not report.repaired.empty:
        say(f"repaired {len(report.repaired)} invalid geometries (polygonal parts kept):")
        rows = [
            [
                repair["code"],
                repair["name"],
                repair["source"],
                repair["reason"],
                f"{repair['area_change']:+.2%}",
                _overlaps(repair),
            ]
            for _, repair in report.repaired.iterrows()
        ]
        headers = ["code", "name", "file", "problem", "area change", "overlaps"]
        say(format_table(rows, headers))
        overlapping = report.repaired[report.repaired["overlap_neighbours"] > 0]
        if len(overlapping):
            say(_overlap_warning(overlapping, report.project))
    say(f"created {report.project} (version {report.version})")
    return report


def _overlaps(repair: pd.Series) -> str:
    """Describe the overlap a repair made, e.g. ``4 neighbours, 222,255 m²``."""
    count = int(repair["overlap_neighbours"])
    if not count:
        return "none"
    return f"{count} neighbour{'' if count == 1 else 's'}, {repair['overlap_m2']:,.0f} m²"


def _overlap_warning(overlapping: pd.DataFrame, project: Path) -> str:
    """Say that the repairs made overlaps, that the source needs fixing, and how to see them."""
    import shlex

    files = ", ".join(sorted(set(overlapping["source"])))
    check = f"run 'gridgis check {shlex.quote(str(project))}' to list each overlap"
    if len(overlapping) == 1:
        unit = overlapping.iloc[0]
        count = int(unit["overlap_neighbours"])
        return (
            f"warning: repairing {unit['code']} {unit['name']} made it overlap {count} "
            f"neighbour{'' if count == 1 else 's'} by {unit['overlap_m2']:,.0f} m²; its boundary "
            f"is wrong at source: fix it in {files}, and {check}"
        )
    return (
        f"warning: repairing {len(overlapping)} units made them overlap their neighbours "
        f"({overlapping['overlap_m2'].sum():,.0f} m² in all); their boundaries are wrong at "
        f"source: fix them in {files}, and {check}"
    )
