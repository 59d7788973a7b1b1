"""``gridgis cards``: a responsibility card (网格员责任告知卡) for every grid member.

One HTML page (and its PDF) per village, four cards to an A4 page: every
网格员 serving the village's base grids (its own members, and those named
with a grid code). Without a village or township filter, also one page per
department for the 网格员 of its sector grid. A card names whom to report to
(:mod:`gridgis.render.cards`): the village's 联系负责人 as the village grid
office, the township's as the township office, and the county grid office
when ``data/county.toml`` names one; the complaint line is printed when set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.county import CountyContacts, load_county
from gridgis.io.store import open_project
from gridgis.project.documents import (
    HtmlPages,
    base_grids,
    file_name,
    output_folder,
    read_admin,
    read_staff,
    require_staff,
)
from gridgis.render.cards import Contact, MemberCard, cards_html
from gridgis.render.figure import figure_bytes
from gridgis.render.labels import CARD_LABELS
from gridgis.render.maps import grid_short_names, sector_figure, village_figure
from gridgis.staff import GRID_MEMBER, people_of_grids

_CONTACT = "联系负责人"
_THUMBNAIL_MM = (34.0, 34.0)


@dataclass
class CardsReport:
    """What ``gridgis cards`` wrote."""

    cards: int
    pages: int
    files: list[Path] = field(default_factory=list)


def write_cards(
    project: Path,
    folder: Path,
    *,
    villages: Sequence[str] = (),
    townships: Sequence[str] = (),
    county_file: Path | None = None,
    overwrite: bool = False,
    pdf: bool = True,
    date: dt.date | None = None,
) -> CardsReport:
    """Write the responsibility cards of the chosen grids' members, as HTML and PDF.

    Parameters
    ----------
    project : Path
        A divided project with a staff roster.
    folder : Path
        Created if missing.
    villages, townships : sequence of str
        Only the members of these villages' or townships' base grids; by
        default every village's, and every department's sector grid's.
    county_file : Path, optional
        The county's contacts (default ``data/county.toml``).
    overwrite : bool
        Replace existing files.
    pdf : bool
        Also print each page to PDF (needs Chromium, Chrome or Edge).
    date : date, optional
        Printed on each card (default: today).

    Returns
    -------
    CardsReport

    Raises
    ------
    InputDataError
        If a code is not the project's, the project has no roster, or an
        output is refused.
    RenderError
        If no browser can print the PDFs (the HTML files are written first).
    """
    county = load_county(county_file)
    reader = open_project(project)
    grids = reader.read_grids()
    admin = read_admin(reader)
    staff = read_staff(reader)
    require_staff(staff, project, "cards")
    chosen = base_grids(grids, admin, project, villages=villages, townships=townships)
    if not (villages or townships):
        chosen = pd.concat([chosen, grids[grids["kind"] == "sector"]], ignore_index=True)
    people = people_of_grids(staff, chosen)
    day = date or dt.date.today()
    groups = _groups(chosen, people, admin)
    folder = output_folder(folder, protected=[project])
    pages = {key: folder / file_name(*key, CARD_LABELS["title"], suffix=".html") for key in groups}
    files = HtmlPages(list(pages.values()), pdf=pdf, overwrite=overwrite, protected=[project])
    total = 0
    for key, (place_grids, members) in groups.items():
        cards = _cards(
            place_grids,
            members,
            people,
            staff,
            admin,
            county,
            f"{day.year}年{day.month}月{day.day}日",
        )
        total += len(cards)
        files.write(pages[key], cards_html(cards, title=key[1]))
    return CardsReport(total, len(pages), files.finish())


def _groups(
    grids: gpd.GeoDataFrame, people: pd.DataFrame, admin: pd.DataFrame
) -> dict[tuple[str, str], tuple[gpd.GeoDataFrame, pd.DataFrame]]:
    """One page per village (its base grids) and per department (its sector grids)."""
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    members = people[people["role"] == GRID_MEMBER]
    groups: dict[tuple[str, str], tuple[gpd.GeoDataFrame, pd.DataFrame]] = {}
    base = grids[grids["kind"] == "territorial"]
    for code, village_grids in base.groupby(base["admin_code"].astype(str), sort=True):
        own = members[members["grid_code"].isin(village_grids["grid_code"])]
        if len(own):
            groups[(code, names.get(code, code))] = (village_grids, own)
    sector = grids[grids["kind"] == "sector"]
    for _, grid in sector.sort_values("grid_code").iterrows():
        own = members[members["grid_code"] == grid["grid_code"]]
        if len(own):
            groups[(str(grid["grid_code"]), str(grid["name"]))] = (
                sector[sector["grid_code"] == grid["grid_code"]],
                own,
            )
    return groups


def _cards(
    grids: gpd.GeoDataFrame,
    members: pd.DataFrame,
    people: pd.DataFrame,
    staff: pd.DataFrame,
    admin: gpd.GeoDataFrame,
    county: CountyContacts,
    date: str,
) -> list[MemberCard]:
    """Make the cards of one page's members, in name order, one per person."""
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    villages = admin[admin["level"] == "village"]
    sector = bool((grids["kind"] == "sector").all())
    grids = grids.assign(short_name=grids["name"] if sector else grid_short_names(grids, villages))
    contacts = _contacts(grids, people, staff, county, names, sector)
    thumbnails: dict[frozenset[str], bytes] = {}
    cards = []
    for staff_id, rows in members.groupby("staff_id", sort=False):
        person = rows.iloc[0]
        own = grids[grids["grid_code"].isin(rows["grid_code"])].sort_values("grid_code")
        key = frozenset(own["grid_code"])
        if key not in thumbnails:
            thumbnails[key] = _thumbnail(grids, own, admin, sector)
        if sector:
            place = str(person.get("department") or own["name"].iloc[0])
        else:
            code = str(own["admin_code"].iloc[0])
            place = names.get(code[:9], "") + names.get(code, code)
        cards.append(
            MemberCard(
                staff_id=str(staff_id),
                name=str(person["name"]),
                duty=_text(person.get("duty")),
                phone=_text(person.get("phone")),
                place=place,
                grids=[
                    (str(n), str(c))
                    for n, c in zip(own["short_name"], own["grid_code"], strict=True)
                ],
                thumbnail_png=thumbnails[key],
                contacts=contacts,
                complaint_line=county.complaint_line,
                date=date,
            )
        )
    return sorted(cards, key=lambda card: (card.name, card.staff_id))


def _contacts(
    grids: gpd.GeoDataFrame,
    people: pd.DataFrame,
    staff: pd.DataFrame,
    county: CountyContacts,
    names: dict[str, str],
    sector: bool,
) -> list[Contact]:
    """Whom a member reports to: the village office, the township office, the county office."""
    found = people[(people["grid_code"].isin(grids["grid_code"])) & (people["role"] == _CONTACT)]
    offices: list[Contact] = []
    if sector:
        department = str(grids["name"].iloc[0]).removesuffix("行业专属网格")
        person = found.iloc[0] if len(found) else None
        offices.append(_office(department + CARD_LABELS["department_office"], person))
    else:
        code = str(grids["admin_code"].iloc[0])
        nearest = found[found["serves_from"].isin(["grid", "village"])]
        offices.append(
            _office(
                names.get(code, "") + CARD_LABELS["village_office"],
                nearest.iloc[0] if len(nearest) else None,
            )
        )
        township = staff[
            (staff["role"] == _CONTACT)
            & (staff["place_level"] == "township")
            & (staff["township_code"].astype(str) == code[:9])
        ]
        offices.append(
            _office(
                names.get(code[:9], "") + CARD_LABELS["township_office"],
                township.iloc[0] if len(township) else None,
            )
        )
    if county.grid_office or county.grid_office_phone:
        offices.append(
            Contact(
                county.grid_office or CARD_LABELS["county_office"], None, county.grid_office_phone
            )
        )
    return offices


def _office(office: str, person: pd.Series | None) -> Contact:
    if person is None:
        return Contact(office)
    return Contact(office, _text(person.get("name")), _text(person.get("phone")))


def _thumbnail(
    grids: gpd.GeoDataFrame, own: gpd.GeoDataFrame, admin: gpd.GeoDataFrame, sector: bool
) -> bytes:
    if sector:
        county = admin[admin["level"] == "county"]
        drawn = sector_figure(county, own, size_mm=_THUMBNAIL_MM)
    else:
        village = admin[admin["code"] == str(grids["admin_code"].iloc[0])]
        # All of a village's grids picked out would say nothing: colour them.
        highlight = own if len(own) < len(grids) else None
        drawn = village_figure(
            grids,
            village,
            admin.iloc[0:0],
            labels=None,
            highlight=highlight,
            size_mm=_THUMBNAIL_MM,
            scale_bar=False,
        )
    return figure_bytes(drawn.figure, dpi=220)


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None
