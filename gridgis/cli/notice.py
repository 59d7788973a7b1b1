"""``gridgis notice``: each village's public notice (公示) as A4 HTML and PDF."""

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
    from gridgis.project.notice import NoticeReport


@click.command(short_help="Write each village's public notice (HTML and PDF).")
@project_argument
@output_folder_option
@click.option(
    "--village",
    "villages",
    multiple=True,
    callback=admin_codes("village"),
    help="Only these villages (12-digit codes; default all).",
)
@click.option(
    "--since",
    type=click.IntRange(min=1),
    metavar="V",
    help="Only villages whose grids or grid staff changed after version V.",
)
@click.option(
    "--barriers",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="FILE",
    help="Named roads and canals (a name field) to word each grid's area by (repeatable).",
)
@county_option
@no_pdf_option
@overwrite_option
def notice(
    project: Path,
    output: Path,
    villages: tuple[str, ...],
    since: int | None,
    barriers: tuple[Path, ...],
    county_file: Path | None,
    no_pdf: bool,
    overwrite: bool,
) -> NoticeReport:
    """Write the 公示 of PROJECT.gpkg's villages into a folder, as HTML and PDF.

    Each notice gives every grid's name and code, its area in words (四至:
    the neighbouring grids, villages and, with --barriers, roads and canals
    to the east, south, west and north), its 网格长 and its 网格员 with
    专职/兼职 and phone, a map of the village's grids, the complaint line
    (监督电话, from the county file: set complaint_line there first) and
    the date. The PDF is the HTML printed by Chromium, Chrome or Edge.
    """
    from gridgis.project.notice import write_notices

    report = write_notices(
        project,
        output,
        villages=villages,
        since=since,
        county_file=county_file,
        barriers=barriers,
        overwrite=overwrite,
        pdf=not no_pdf,
    )
    if since is not None:
        say(
            f"{len(report.villages)} villages changed after version {since}; "
            f"{report.unchanged} unchanged"
        )
    say(f"{len(report.villages)} notices, {len(report.files)} files in {output}")
    for path in report.files[:10]:
        say(f"wrote {path}")
    if len(report.files) > 10:
        say(f"… and {len(report.files) - 10} more")
    return report
