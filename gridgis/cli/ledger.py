"""``gridgis ledger export``: each grid's enterprise ledger (网格化监管企业台帐) as XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import say
from gridgis.cli.options import admin_codes, overwrite_option, project_argument

if TYPE_CHECKING:
    from gridgis.project.ledger_export import LedgerExport


def grid_codes(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """Accept repeated or comma-separated grid codes whose form and check character are right."""
    from gridgis.codes import GridCode
    from gridgis.errors import CodeError

    codes = []
    for value in values:
        for code in (part.strip() for part in value.split(",")):
            if not code:
                continue
            try:
                codes.append(GridCode.parse(code).format())
            except CodeError as error:
                raise click.BadParameter(str(error)) from None
    return tuple(codes)


@click.group(short_help="Export each grid's enterprise ledger.")
def ledger() -> None:
    """Export the grid enterprise ledgers (网格化监管企业台帐, Appendix A sample table 1)."""


@ledger.command("export", short_help="Write each grid's enterprise ledger (XLSX).")
@project_argument
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="A folder (one workbook per township and per department) or a .xlsx file.",
)
@click.option(
    "--grid", "grids", multiple=True, callback=grid_codes, help="Only these grids (base or sector)."
)
@click.option(
    "--village",
    "villages",
    multiple=True,
    callback=admin_codes("village"),
    help="Only the base grids of these villages (12-digit codes).",
)
@click.option(
    "--township",
    "townships",
    multiple=True,
    callback=admin_codes("township"),
    help="Only the base grids of these townships (9-digit codes).",
)
@overwrite_option
def export(
    project: Path,
    output: Path,
    grids: tuple[str, ...],
    villages: tuple[str, ...],
    townships: tuple[str, ...],
    overwrite: bool,
) -> LedgerExport:
    """Write the 网格化监管企业台帐 of PROJECT.gpkg's grids, one sheet per grid.

    Each sheet has the columns of Appendix A sample table 1 (企业名称 …
    所属村/社区), then the grid code, the grid kind and, for a sector grid,
    why the unit is there; it prints on A4 landscape with its title and
    header on every page. Into a folder, one workbook per township (and one
    per department for the sector grids), so each office gets its own grids.
    """
    from gridgis.project.ledger_export import export_ledgers

    if sum(bool(chosen) for chosen in (grids, villages, townships)) > 1:
        raise click.UsageError("give only one of --grid, --village and --township")
    written = export_ledgers(
        project,
        output,
        grid_codes=grids,
        villages=villages,
        townships=townships,
        overwrite=overwrite,
    )
    say(f"{written.grids} grids, {written.units} enterprises, {len(written.files)} workbooks")
    if written.unassigned:
        say(
            f"{written.unassigned} enterprises are in no grid's ledger: they were not placed "
            "(see gridgis report)"
        )
    for path in written.files:
        say(f"wrote {path}")
    return written
