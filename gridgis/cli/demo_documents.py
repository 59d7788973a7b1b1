"""The document steps of ``gridgis demo``: statistics, a village's notice and cards, the figure.

They run the real commands (``stats``, ``notice``, ``cards``, ``figure``)
on the demo project. The demo county's contacts are written to
``OUTDIR/county.toml`` with made-up numbers marked 演示 (the shipped
``data/county.toml`` is left empty on purpose). The demo needs nothing but
PyPI, so a machine without a CJK font skips the drawn documents, and one
without Chromium, Chrome or Edge writes the notice and cards as HTML only;
each says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

#: The demo county's contacts: fictional, and marked so on every page.
DEMO_COUNTY_TOML = """\
# Written by gridgis demo: the contacts of the fictional demo county.
# The numbers are made up (演示 = demonstration); see data/county.toml.
[county]
complaint_line = "0951-0000000（演示）"
grid_office = "贺兰县安全生产网格化管理办公室（演示）"
grid_office_phone = "0951-0000001（演示）"
"""


@dataclass
class DemoDocuments:
    """What the document steps did: one summary line per step, and the files."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)


def run_document_steps(
    ctx: click.Context, project: Path, outdir: Path, village: str, barriers: tuple[Path, ...]
) -> DemoDocuments:
    """Write the statistics table, one village's notice and cards, and the county figure.

    Parameters
    ----------
    ctx : click.Context
        The demo's context (the commands run inside it).
    project : Path
        The assigned demo project.
    outdir : Path
        The demo's output folder.
    village : str
        The village whose notice and cards are written.
    barriers : tuple of Path
        The demo's roads and canals, to word the notice's 区域范围 by.

    Returns
    -------
    DemoDocuments
    """
    from gridgis.cli.cards import cards
    from gridgis.cli.figure import figure
    from gridgis.cli.notice import notice
    from gridgis.cli.stats import stats
    from gridgis.errors import RenderError
    from gridgis.render.figure import cjk_font
    from gridgis.render.pdf import find_browser

    done = DemoDocuments()
    folder = outdir / "documents"
    folder.mkdir(exist_ok=True)
    done.files.append(("documents to print", folder))
    table = folder / "stats.xlsx"
    counted = ctx.invoke(stats, project=project, output=table, csv=None, overwrite=True)
    agreement = "agrees with" if counted.agrees else "DISAGREES with"
    units = counted.table.units
    done.lines.append(
        (
            "stats",
            f"{counted.table.territorial_grids} territorial + {counted.table.sector_grids} "
            f"sector grids; units {units.in_ledger} in the ledger, {units.placed} placed, "
            f"{units.rented_or_abandoned} rented or abandoned ({agreement} the assign line)",
        )
    )
    try:
        cjk_font()
    except RenderError as error:
        done.lines.append(("documents", f"skipped: {error}"))
        return done
    county = outdir / "county.toml"
    county.write_text(DEMO_COUNTY_TOML, encoding="utf-8")
    try:
        find_browser()
        pdf = True
    except RenderError:
        pdf = False
    posted = ctx.invoke(
        notice,
        project=project,
        output=folder,
        villages=(village,),
        since=None,
        barriers=barriers,
        county_file=county,
        no_pdf=not pdf,
        overwrite=True,
    )
    handed = ctx.invoke(
        cards,
        project=project,
        output=folder,
        villages=(village,),
        townships=(),
        county_file=county,
        no_pdf=not pdf,
        overwrite=True,
    )
    drawn = folder / "supervision.png"
    figured = ctx.invoke(
        figure,
        project=project,
        output=drawn,
        townships=(),
        paper="A3",
        dpi=200,
        overwrite=True,
    )
    kinds = "HTML and PDF" if pdf else "HTML only (no Chromium, Chrome or Edge to print PDF)"
    done.lines.append(
        (
            "print",
            f"village {village}: 公示 of {posted.grids} grids and {handed.cards} 网格员 cards "
            f"({kinds}); the county's {figured.grids} grids on A3 (supervision.png)",
        )
    )
    return done
