"""``gridgis figure``: the supervision diagram (安全生产网格化监管示意图) for print.

The county's (or some townships') territorial base grids, coloured so that
neighbours differ and numbered inside their village, with village and
township boundaries, village names, a legend, a scale bar, a north arrow and
a title block (county, data version, date), on A4 or A3 paper; written as
PNG, PDF or SVG (:mod:`gridgis.render.maps`, :mod:`gridgis.render.figure`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gridgis.io.safety import atomic_path, check_output_path
from gridgis.io.store import open_project
from gridgis.project.documents import base_grids, read_admin
from gridgis.render.figure import TitleBlock, save_figure
from gridgis.render.labels import FIGURE_LABELS
from gridgis.render.maps import supervision_figure

#: The file types ``gridgis figure`` writes.
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


@dataclass
class FigureReport:
    """What ``gridgis figure`` drew."""

    path: Path
    grids: int
    version: int
    hidden_labels: list[str] = field(default_factory=list)


def write_figure(
    project: Path,
    output: Path,
    *,
    townships: Sequence[str] = (),
    paper: str = "A3",
    dpi: int = 200,
    overwrite: bool = False,
    date: dt.date | None = None,
) -> FigureReport:
    """Draw the supervision diagram and write it as PNG, PDF or SVG.

    Parameters
    ----------
    project : Path
        A divided project.
    output : Path
        ``.png``, ``.pdf`` or ``.svg``.
    townships : sequence of str
        Only these townships (9-digit codes); default the whole county.
    paper : {"A4", "A3"}
    dpi : int
        Resolution of a PNG (and of any raster part of a PDF or SVG).
    overwrite : bool
        Replace an existing file.
    date : date, optional
        The drawing date in the title block (default: today).

    Returns
    -------
    FigureReport

    Raises
    ------
    InputDataError
        If the output is refused, a township is not the project's, or the
        project has no grids.
    RenderError
        If no font with Chinese characters is installed.
    """
    check_output_path(
        output, overwrite=overwrite, suffixes=set(FIGURE_SUFFIXES), protected=[project]
    )
    reader = open_project(project)
    admin = read_admin(reader)
    grids = base_grids(reader.read_grids(), admin, project, townships=townships)
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    county_code = str(admin.loc[admin["level"] == "county", "code"].iloc[0])
    county = names.get(county_code, county_code)
    version = reader.current_version
    versions = reader.versions()
    made = str(versions.loc[versions["id"] == version, "time"].iloc[0])[:10]
    area = "、".join(names.get(code, code) for code in townships) or FIGURE_LABELS["whole_county"]
    day = date or dt.date.today()
    title = f"{county}{'、'.join(names.get(c, c) for c in townships)}{FIGURE_LABELS['title']}"
    block = TitleBlock(
        title,
        (
            (FIGURE_LABELS["county_row"], f"{county}（{county_code}）"),
            (FIGURE_LABELS["area_row"], area),
            (FIGURE_LABELS["version_row"], f"{version}（{made}）"),
            (FIGURE_LABELS["date_row"], f"{day.year}年{day.month}月{day.day}日"),
        ),
    )
    drawn = supervision_figure(grids, admin, block, paper=paper, townships=list(townships) or None)
    with atomic_path(output) as temporary:
        save_figure(drawn.figure, temporary, dpi=dpi)
    return FigureReport(output, len(grids), version, drawn.hidden_labels)
