"""``gridgis report``: the data-quality workbook, one sheet per kind of problem."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pandas as pd

from gridgis.cli.helpers import format_table, say
from gridgis.cli.options import overwrite_option, project_argument


@click.command(short_help="Write the data-quality workbook (XLSX).")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .xlsx file to write.",
)
@overwrite_option
def report(project: Path, output: Path, overwrite: bool) -> dict[str, pd.DataFrame]:
    """Write a workbook of PROJECT.gpkg's ledger problems, one sheet each.

    Sheets: invalid USCC, duplicate USCC (every copy), swapped coordinates,
    points outside the county, declared village differing from the located
    one, and rows left unassigned. Each row carries the ledger row number,
    name, USCC, township, village and address, so it can be fixed at source.
    """
    import gridgis
    from gridgis.io.safety import check_output_path
    from gridgis.project.report import REPORT_HEADERS
    from gridgis.render.workbook import write_workbook

    check_output_path(output, overwrite=overwrite, suffixes={".xlsx"}, protected=[project])
    sheets = gridgis.open(project).quality_report()
    write_workbook(sheets, output, overwrite=overwrite, headers=REPORT_HEADERS, protected=[project])
    summary = sheets["汇总"]
    say(format_table([[s.sheet, s.rows] for s in summary.itertuples()], ["sheet", "rows"]))
    say(f"wrote {output}")
    return sheets
