"""``gridgis stats``: the grid statistics table (网格化统计表) as XLSX, and optionally CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say, warn
from gridgis.cli.options import file_suffix, overwrite_option, project_argument

if TYPE_CHECKING:
    from gridgis.project.stats import StatsReport


@click.command(short_help="Write the grid statistics table (XLSX, CSV).")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=file_suffix(".xlsx"),
    help="The .xlsx file to write, laid out as Appendix A sample table 2.",
)
@click.option(
    "--csv",
    "csv",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=file_suffix(".csv"),
    help="Also write the rows as CSV (UTF-8 with BOM).",
)
@overwrite_option
def stats(project: Path, output: Path, csv: Path | None, overwrite: bool) -> StatsReport:
    """Write PROJECT.gpkg's 网格化统计表 (Appendix A sample table 2).

    \b
    Block 1: territorial and sector grids; units in the ledger, placed in a
             grid, and rented or abandoned plants.
    Block 2: one row per township or street and per department, with its
             people (挂点领导, 责任人, 网格管理员, with titles) and the
             same three counts.

    The unit counts are those of the last 'gridgis assign' and agree with
    its conservation line: 台账内 = rows N, 已录入系统并落格 = T + S.
    Without a staff roster the people columns are left empty.
    """
    from gridgis.project.stats import write_stats

    report = write_stats(project, output, csv=csv, overwrite=overwrite)
    for note in report.notes:
        warn(f"Note: {note}")
    table = report.table
    say(
        f"grids: {table.territorial_grids} territorial ({table.communities} communities, "
        f"{table.villages} villages, {table.other_areas} other areas), "
        f"{table.sector_grids} sector"
    )
    say(
        f"units: {table.units.in_ledger} in the ledger, {table.units.placed} placed, "
        f"{table.units.rented_or_abandoned} rented or abandoned plants"
    )
    if report.conservation:
        agreement = "agrees with" if report.agrees else "DISAGREES with"
        say(f"{agreement} the last assign: {report.conservation}")
    for path in report.written:
        say(f"wrote {path}")
    return report
