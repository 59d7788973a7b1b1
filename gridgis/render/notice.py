"""A village's public notice (公示) of its grids and grid staff, as print-ready A4 HTML.

The guideline asks each village or community to post, where residents
gather, every grid's name and area (区域范围), its 网格长, and the names and
phones of its full- and part-time 网格员, with the county's complaint line
(监督电话). :func:`notice_html` lays that out for A4 paper:

- the title and a short lead;
- the village's grids as a map (a PNG drawn by :mod:`gridgis.render.figure`,
  inlined as a ``data:`` URI, so the file is whole on its own and loads
  nothing);
- one table row per grid: name and code, 区域范围 (四至), 网格长, and each
  网格员 with 专职/兼职 and phone. The header row repeats on every page and
  a row never splits across pages;
- the complaint line, the signature line and the date.

Every text from the project (names, titles, phones) is escaped with
:func:`html.escape`, so a name holding ``<script>`` prints as those
characters. The page is deterministic: the same notice gives the same bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape
from string import Template

from gridgis.render.labels import NOTICE_LABELS as LABELS

__all__ = ["PRINT_CSS", "NoticeGrid", "NoticePerson", "VillageNotice", "notice_html"]

#: The CSS every printed page of gridgis shares: A4, a CJK font, plain tables.
PRINT_CSS = """
@page { size: A4; margin: 14mm 14mm 15mm 14mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", "SimHei", sans-serif; font-size: 10.5pt; color: #000; margin: 0;
  line-height: 1.45; }
@media screen { body { width: 182mm; margin: 8mm auto; } }
h1 { font-size: 19pt; text-align: center; margin: 0 0 3mm; letter-spacing: 0.5pt; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.3mm solid #000; padding: 1.4mm 1.8mm; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #ececec; font-weight: bold; text-align: center; }
.code { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace;
  font-size: 9pt; white-space: nowrap; }
.note { font-size: 8pt; color: #333; }
"""

_NOTICE_CSS = """
.lead { text-indent: 2em; margin: 0 0 2.5mm; }
figure { margin: 0 0 3mm; text-align: center; break-inside: avoid; }
figure img { width: 100%; max-height: 105mm; object-fit: contain;
  border: 0.3mm solid #888; box-sizing: border-box; }
figcaption { font-size: 9pt; color: #333; }
.grid-name { font-weight: bold; }
.person { display: block; }
.duty { font-size: 9pt; border: 0.2mm solid #555; border-radius: 1mm; padding: 0 0.8mm;
  margin: 0 1mm; }
.phone { white-space: nowrap; }
.complaint { font-size: 14pt; font-weight: bold; text-align: center; border: 0.5mm solid #000;
  padding: 2mm; margin: 4mm 0 2mm; break-inside: avoid; }
.sign { text-align: right; margin-top: 5mm; line-height: 1.9; break-inside: avoid; }
"""

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="gridgis">
<title>$title</title>
<style>$css</style>
</head>
<body>
<h1>$title</h1>
<p class="lead">$lead</p>
<figure><img src="data:image/png;base64,$image" alt="$caption">
<figcaption>$caption</figcaption></figure>
<table class="grids">
<colgroup><col style="width:36mm"><col><col style="width:27mm"><col style="width:52mm"></colgroup>
<thead><tr><th>$h_grid</th><th>$h_area</th><th>$h_head</th><th>$h_members</th></tr></thead>
<tbody>
$rows
</tbody>
</table>
<p class="complaint">$complaint</p>
<div class="sign">$signer<br>$date</div>
<p class="note">$note</p>
</body>
</html>
"""
)


@dataclass(frozen=True)
class NoticePerson:
    """A person as a notice names them."""

    name: str
    phone: str | None = None
    duty: str | None = None


@dataclass(frozen=True)
class NoticeGrid:
    """One grid's row of a notice."""

    code: str
    name: str
    area: str
    heads: list[NoticePerson] = field(default_factory=list)
    members: list[NoticePerson] = field(default_factory=list)


@dataclass(frozen=True)
class VillageNotice:
    """Everything one village's notice prints.

    Attributes
    ----------
    village_code, village, township, county : str
        The village and where it is.
    community : bool
        A community (社区) rather than a village (村): the wording differs.
    grids : list of NoticeGrid
        In code order.
    map_png : bytes
        The map of the village's grids.
    complaint_line : str
        The county's 监督电话.
    date : str
        The date printed, such as ``2024年5月1日``.
    version : int
        The project version the notice is of.
    area_source : str
        How 区域范围 was worded (printed as a note).
    """

    village_code: str
    village: str
    township: str
    county: str
    community: bool
    grids: list[NoticeGrid]
    map_png: bytes
    complaint_line: str
    date: str
    version: int
    area_source: str = ""


def _person(person: NoticePerson, *, with_duty: bool) -> str:
    parts = [escape(person.name)]
    if with_duty and person.duty:
        parts.append(f'<span class="duty">{escape(person.duty)}</span>')
    phone = escape(person.phone) if person.phone else LABELS["no_phone"]
    parts.append(f'<span class="phone">{phone}</span>')
    return f'<span class="person">{" ".join(parts)}</span>'


def _row(grid: NoticeGrid) -> str:
    heads = "".join(_person(p, with_duty=False) for p in grid.heads) or LABELS["none"]
    members = "".join(_person(p, with_duty=True) for p in grid.members) or LABELS["none"]
    return (
        f'<tr data-grid="{escape(grid.code)}"><td><span class="grid-name">{escape(grid.name)}'
        f'</span><br><span class="code">{escape(grid.code)}</span></td>'
        f"<td>{escape(grid.area)}</td><td>{heads}</td><td>{members}</td></tr>"
    )


def notice_html(notice: VillageNotice) -> str:
    """Lay a village's notice out as one self-contained A4 HTML page.

    Parameters
    ----------
    notice : VillageNotice

    Returns
    -------
    str
        The page; every text of the project in it is escaped.

    Examples
    --------
    >>> page = notice_html(VillageNotice("640122101204", "<b>村", "丰安镇", "贺兰县", False,
    ...     [], b"", "0951-1234567", "2024年5月1日", 7))
    >>> "&lt;b&gt;村" in page and "<b>村" not in page
    True
    """
    place = LABELS["community"] if notice.community else LABELS["village"]
    name = escape(notice.village)
    title = f"{name}{LABELS['title']}"
    lead = LABELS["lead"].format(place=place, count=len(notice.grids))
    return _PAGE.substitute(
        title=title,
        css=PRINT_CSS + _NOTICE_CSS,
        lead=escape(lead),
        image=base64.b64encode(notice.map_png).decode("ascii"),
        caption=f"{name}{LABELS['caption']}",
        h_grid=LABELS["h_grid"],
        h_area=LABELS["h_area"],
        h_head=LABELS["h_head"],
        h_members=LABELS["h_members"],
        rows="\n".join(_row(grid) for grid in notice.grids),
        complaint=f"{LABELS['complaint']}{escape(notice.complaint_line)}",
        signer=escape(
            notice.township
            + notice.village
            + LABELS["committee_community" if notice.community else "committee_village"]
            + LABELS["seal"]
        ),
        date=escape(notice.date),
        note=escape(
            LABELS["note"].format(
                county=notice.county,
                code=notice.village_code,
                version=notice.version,
                source=notice.area_source,
            )
        ),
    )
