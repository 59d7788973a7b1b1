"""``gridgis figure``: the supervision diagram for print (PNG, PDF or SVG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import admin_codes, file_suffix, overwrite_option, project_argument

if TYPE_CHECKING:
    from gridgis.project.figure import FigureReport


@click.command(short_help="Draw the supervision diagram for print (PNG, PDF, SVG).")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=file_suffix(".png", ".pdf", ".svg"),
    help="The file to write: .png, .pdf or .svg.",
)
@click.option(
    "--township",
    "townships",
    multiple=True,
    callback=admin_codes("township"),
    help="Only these townships (9-digit codes; default the whole county).",
)
@click.option(
    "--paper",
    type=click.Choice(["A4", "A3"], case_sensitive=False),
    default="A3",
    show_default=True,
    help="Paper size; portrait or landscape as the map's shape suits.",
)
@click.option(
    "--dpi",
    type=click.IntRange(50, 1200),
    default=200,
    show_default=True,
    help="Resolution of a PNG.",
)
@overwrite_option
def figure(
    project: Path,
    output: Path,
    townships: tuple[str, ...],
    paper: str,
    dpi: int,
    overwrite: bool,
) -> FigureReport:
    """Draw PROJECT.gpkg's 安全生产网格化监管示意图 for print.

    Base grids coloured so that neighbours differ and numbered within their
    village, village and township boundaries, village names, a legend, a
    scale bar, a north arrow and a title block (county, data version, date).
    Chinese text needs a CJK font (Debian: fonts-noto-cjk), found without
    configuration.
    """
    from gridgis.project.figure import write_figure

    report = write_figure(
        project, output, townships=townships, paper=paper.upper(), dpi=dpi, overwrite=overwrite
    )
    say(f"{report.grids} grids of version {report.version} on {paper.upper()}")
    if report.hidden_labels:
        say(
            f"{len(report.hidden_labels)} labels had no room and were left out "
            "(a larger --paper or --township shows them)"
        )
    say(f"wrote {output}")
    return report
