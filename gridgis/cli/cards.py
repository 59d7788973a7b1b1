"""``gridgis cards``: a responsibility card for every grid member, four to an A4 page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import (
    admin_codes,
    county_option,
    no_pdf_option,
    output_folder_option,
    overwrite_option,
    project_argument,
)

if TYPE_CHECKING:
    from gridgis.project.cards import CardsReport


@click.command(short_help="Write the grid members' responsibility cards (HTML and PDF).")
@project_argument
@output_folder_option
@click.option(
    "--village",
    "villages",
    multiple=True,
    callback=admin_codes("village"),
    help="Only the members of these villages' grids (12-digit codes).",
)
@click.option(
    "--township",
    "townships",
    multiple=True,
    callback=admin_codes("township"),
    help="Only the members of these townships' grids (9-digit codes).",
)
@county_option
@no_pdf_option
@overwrite_option
def cards(
    project: Path,
    output: Path,
    villages: tuple[str, ...],
    townships: tuple[str, ...],
    county_file: Path | None,
    no_pdf: bool,
    overwrite: bool,
) -> CardsReport:
    """Write a 网格员责任告知卡 for every grid member of PROJECT.gpkg, as HTML and PDF.

    One page per village (and per department's sector grid), four cards to an
    A4 sheet. Each card gives the member's name, duty, phone and grids with a
    thumbnail, the tasks (信息员 and 宣传员), and how and to whom to report:
    the village's and township's contact persons (联系负责人) and their
    phones, and the county grid office of the county file.
    """
    from gridgis.project.cards import write_cards

    if villages and townships:
        raise click.UsageError("give only one of --village and --township")
    report = write_cards(
        project,
        output,
        villages=villages,
        townships=townships,
        county_file=county_file,
        overwrite=overwrite,
        pdf=not no_pdf,
    )
    say(f"{report.cards} cards on {report.pages} pages ({len(report.files)} files) in {output}")
    for path in report.files[:10]:
        say(f"wrote {path}")
    if len(report.files) > 10:
        say(f"… and {len(report.files) - 10} more")
    return report
