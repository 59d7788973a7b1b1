"""``gridgis notice``: each village's public notice (公示) of its grids and grid staff.

For every chosen village: an A4 HTML page (:mod:`gridgis.render.notice`)
and the same page printed to PDF (:mod:`gridgis.render.pdf`), named
``<village code>-<name>.html`` and ``.pdf`` in the output folder.

- **区域范围** is worded from the geometry (:mod:`gridgis.surroundings`): the
  neighbouring grids and villages on each side, and the named roads and canals
  of ``barriers`` files when given (the project stores no such lines).
- **People**: each grid's 网格长 and 网格员, as :func:`gridgis.staff.people_of_grids`
  finds them (a village's members serve all its grids).
- **The complaint line** comes from the county file (:mod:`gridgis.county`);
  without one nothing is written.
- ``since``: only villages whose notice content changed after that version:
  their base grids (codes, names or shapes), or the 网格长 and 网格员 shown
  (added, removed, or a changed name, duty or phone), compared with the
  project as it was at that version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gridgis.county import load_county, require_complaint_line
from gridgis.errors import InputDataError
from gridgis.io.store import ProjectReader, open_project
from gridgis.io.vector import read_vector
from gridgis.project.documents import (
    HtmlPages,
    base_grids,
    file_name,
    output_folder,
    read_admin,
    read_staff,
    require_staff,
)
from gridgis.render.figure import figure_bytes
from gridgis.render.labels import NOTICE_LABELS
from gridgis.render.maps import grid_short_names, village_figure
from gridgis.render.notice import NoticeGrid, NoticePerson, VillageNotice, notice_html
from gridgis.staff import GRID_MEMBER, people_of_grids
from gridgis.statistics import village_kind
from gridgis.surroundings import describe_surroundings

#: The roles a notice names.
NOTICE_ROLES = ("网格长", GRID_MEMBER)
_NAME_FIELDS = ("name", "NAME", "Name", "名称", "道路名称", "河流名称", "渠道名称")


@dataclass
class NoticeReport:
    """What ``gridgis notice`` wrote."""

    villages: list[str]
    files: list[Path] = field(default_factory=list)
    unchanged: int = 0
    since: int | None = None
    grids: int = 0


def write_notices(
    project: Path,
    folder: Path,
    *,
    villages: Sequence[str] = (),
    since: int | None = None,
    county_file: Path | None = None,
    barriers: Sequence[Path] = (),
    overwrite: bool = False,
    pdf: bool = True,
    date: dt.date | None = None,
) -> NoticeReport:
    """Write the notice of each chosen village as HTML and PDF.

    Parameters
    ----------
    project : Path
        A divided project with a staff roster.
    folder : Path
        Created if missing.
    villages : sequence of str
        12-digit codes; default every village with base grids.
    since : int, optional
        Only villages whose grids or grid staff changed after this version.
    county_file : Path, optional
        The county's contacts (default ``data/county.toml``); it must give
        the complaint line.
    barriers : sequence of Path
        Road and canal lines with a name field, to word 区域范围 by.
    overwrite : bool
        Replace existing files.
    pdf : bool
        Also print each page to PDF (needs Chromium, Chrome or Edge).
    date : date, optional
        The date printed (default: today).

    Returns
    -------
    NoticeReport

    Raises
    ------
    ConfigError
        If no complaint line is configured.
    InputDataError
        If a village code or version is not the project's, the project has
        no roster, or an output is refused.
    RenderError
        If no browser can print the PDFs (the HTML files are written first).
    """
    complaint = require_complaint_line(load_county(county_file))
    reader = open_project(project)
    grids = reader.read_grids()
    admin = read_admin(reader)
    staff = read_staff(reader)
    require_staff(staff, project, "notices")
    chosen = base_grids(grids, admin, project, villages=villages)
    unchanged = 0
    if since is not None:
        changed = _changed_villages(reader, since, chosen, staff)
        codes_before = chosen["admin_code"].nunique()
        chosen = chosen[chosen["admin_code"].isin(changed)]
        unchanged = codes_before - chosen["admin_code"].nunique()
    folder = output_folder(folder, protected=[project])
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    codes = sorted(chosen["admin_code"].astype(str).unique())
    targets = {
        code: folder / file_name(code, names.get(code, ""), suffix=".html") for code in codes
    }
    files = HtmlPages(list(targets.values()), pdf=pdf, overwrite=overwrite, protected=[project])
    lines = _barrier_lines(barriers)
    people = people_of_grids(staff, chosen)
    all_base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    day = date or dt.date.today()
    for code in codes:
        notice = _village_notice(
            code,
            chosen[chosen["admin_code"] == code],
            all_base,
            admin,
            people,
            lines,
            complaint=complaint,
            date=f"{day.year}年{day.month}月{day.day}日",
            version=reader.current_version,
        )
        files.write(targets[code], notice_html(notice))
    return NoticeReport(codes, files.finish(), unchanged, since, len(chosen))


def _barrier_lines(paths: Sequence[Path]) -> gpd.GeoDataFrame | None:
    """Read named road and canal lines (a ``name`` column), or None without files."""
    frames = []
    for path in paths:
        read = read_vector(path)
        field_name = next((f for f in _NAME_FIELDS if f in read.frame.columns), None)
        if field_name is None:
            raise InputDataError(
                f"{Path(path).name} has no name field ({', '.join(_NAME_FIELDS[:4])} …): "
                "区域范围 needs each road's or canal's name"
            )
        frames.append(read.frame[[field_name, "geometry"]].rename(columns={field_name: "name"}))
    if not frames:
        return None
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _village_notice(
    code: str,
    grids: gpd.GeoDataFrame,
    all_base: gpd.GeoDataFrame,
    admin: gpd.GeoDataFrame,
    people: pd.DataFrame,
    lines: gpd.GeoDataFrame | None,
    *,
    complaint: str,
    date: str,
    version: int,
) -> VillageNotice:
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    villages = admin[admin["level"] == "village"]
    village = villages[villages["code"] == code]
    grids = grids.assign(short_name=grid_short_names(grids, villages)).sort_values("grid_code")
    # A grid of the same village is named within it (本村第2网格); a grid of
    # another village by that village, as residents know them.
    own_word = NOTICE_LABELS["community" if village_kind(code) == "community" else "village"]
    same = all_base["admin_code"] == code
    neighbours = all_base.assign(
        label=(own_word + grid_short_names(all_base, villages)).where(
            same, all_base["admin_code"].astype(str).map(names)
        )
    )
    undivided = villages[~villages["code"].isin(all_base["admin_code"])]
    neighbours = pd.concat(
        [
            neighbours[["grid_code", "label", "geometry"]],
            undivided.assign(label=undivided["name"])[["label", "geometry"]],
        ],
        ignore_index=True,
    )
    areas = describe_surroundings(grids, gpd.GeoDataFrame(neighbours, crs=all_base.crs), lines)
    area = dict(zip(areas["grid_code"], areas["text"], strict=True))
    outline = village.geometry.iloc[0]
    around = villages[
        villages.geometry.intersects(outline.buffer(1e-6)) & (villages["code"] != code)
    ]
    near_lines = None
    if lines is not None:
        near_lines = lines[lines.intersects(shapely.envelope(outline).buffer(0.01))]
    drawn = village_figure(grids, village, around, barriers=near_lines)
    rows = [
        NoticeGrid(
            code=str(grid.grid_code),
            name=str(grid.name),
            area=area.get(grid.grid_code, ""),
            heads=_people(people, grid.grid_code, "网格长"),
            members=_people(people, grid.grid_code, GRID_MEMBER),
        )
        for grid in grids.itertuples()
    ]
    return VillageNotice(
        village_code=code,
        village=names.get(code, code),
        township=names.get(code[:9], ""),
        county=names.get(code[:6], code[:6]),
        community=village_kind(code) == "community",
        grids=rows,
        map_png=figure_bytes(drawn.figure, dpi=200),
        complaint_line=complaint,
        date=date,
        version=version,
        area_source=NOTICE_LABELS[
            "area_from_barriers" if lines is not None else "area_from_neighbours"
        ],
    )


def _people(people: pd.DataFrame, grid_code: str, role: str) -> list[NoticePerson]:
    found = people[(people["grid_code"] == grid_code) & (people["role"] == role)]
    return [
        NoticePerson(
            name=str(person.name),
            phone=_text(person.phone),
            duty=_text(person.duty),
        )
        for person in found.itertuples()
    ]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _changed_villages(
    reader: ProjectReader, since: int, chosen: gpd.GeoDataFrame, staff: pd.DataFrame
) -> set[str]:
    """Find the villages whose grids or notice staff differ now from version ``since``."""
    current = reader.current_version
    if not 1 <= since <= current:
        raise InputDataError(
            f"version {since} does not exist in {reader.path.name}; versions run from 1 to "
            f"{current}"
        )
    before_grids = reader.read_grids(version=since)
    before_staff = pd.DataFrame(
        reader.read_layer("staff", version=since).drop(columns="geometry", errors="ignore")
    )
    now = _signatures(chosen, staff)
    then = _signatures(before_grids, before_staff)
    return {code for code, signature in now.items() if then.get(code) != signature}


def _signatures(grids: gpd.GeoDataFrame, staff: pd.DataFrame) -> dict[str, str]:
    """One hash per village of what its notice shows: grids and their 网格长 and 网格员."""
    if grids.empty:
        return {}
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    shapes = shapely.to_wkb(shapely.normalize(base.geometry.to_numpy()), hex=True)
    grid_text = base["grid_code"].astype(str) + "|" + base["name"].astype(str) + "|" + shapes
    people = people_of_grids(staff, base) if not staff.empty else pd.DataFrame()
    if len(people):
        people = people[people["role"].isin(NOTICE_ROLES)]
        shown = people[["role", "name", "duty", "phone"]]
        person_text = (
            people["grid_code"].astype(str)
            + "|"
            + shown.astype(object).where(shown.notna(), "").astype(str).agg("|".join, axis=1)
        )
        village_of = dict(zip(base["grid_code"], base["admin_code"], strict=True))
        person_village = people["grid_code"].map(village_of)
    signatures: dict[str, str] = {}
    for code, texts in grid_text.groupby(base["admin_code"].astype(str)):
        lines = sorted(texts)
        if len(people):
            lines += sorted(person_text[person_village == code])
        signatures[str(code)] = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    return signatures
