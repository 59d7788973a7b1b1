"""Grid members' responsibility cards (网格员责任告知卡), four to an A4 page, as HTML.

A card tells one 网格员, in words to keep in a pocket:

- who they are and which grid(s) they serve, with a thumbnail of the grids
  (theirs picked out);
- their two tasks (docs/domain.md, "The work loop"): **信息员**, patrolling the
  enterprises, "三小" places and households of the grid and reporting what
  they find, and **宣传员**, telling units and residents about work safety;
- how to report, and to whom: fix on the spot what can be fixed and record
  it; report the rest to the village or community grid office (its contact
  person and phone), the serious to the township office as well; the time
  limits of Appendix B;
- the complaint line, when the county has set one.

The cards are laid out two by two on A4 (cut along the dashed lines); a card
never splits across pages. Every text of the project is escaped with
:func:`html.escape`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from string import Template

from gridgis.render.labels import CARD_LABELS as LABELS
from gridgis.render.notice import PRINT_CSS

__all__ = ["CARDS_PER_PAGE", "Contact", "MemberCard", "cards_html"]

#: Cards on one A4 page (two columns, two rows).
CARDS_PER_PAGE = 4
#: Grids listed by name and code on a card; more are summed up.
_LISTED_GRIDS = 4

_CARDS_CSS = """
@page { margin: 10mm; }
@media screen { body { width: 190mm; } }
.sheet { display: grid; grid-template-columns: 1fr 1fr; grid-auto-rows: 134mm; gap: 4mm;
  break-after: page; page-break-after: always; }
.sheet:last-child { break-after: auto; page-break-after: auto; }
.card { border: 0.4mm dashed #444; padding: 2.8mm 3.5mm; box-sizing: border-box; height: 134mm;
  overflow: hidden; font-size: 8.6pt; line-height: 1.38; break-inside: avoid; }
.card h2 { font-size: 13pt; text-align: center; margin: 0 0 1.5mm; letter-spacing: 1pt; }
.who { display: flex; gap: 2.5mm; margin-bottom: 1.5mm; }
.who .facts { flex: 1; min-width: 0; }
.who img { width: 33mm; height: 33mm; object-fit: contain; border: 0.2mm solid #999; }
.name { font-size: 12pt; font-weight: bold; }
.label { font-weight: bold; }
.card h3 { font-size: 9.2pt; margin: 1.6mm 0 0.6mm; border-bottom: 0.2mm solid #999; }
.card ol, .card ul { margin: 0; padding-left: 4.5mm; }
.foot { display: flex; justify-content: space-between; align-items: baseline;
  margin-top: 1.5mm; }
.complaint { font-weight: bold; }
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
$sheets
</body>
</html>
"""
)


@dataclass(frozen=True)
class Contact:
    """Whom to report to: an office and its contact person."""

    office: str
    person: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class MemberCard:
    """One 网格员's card.

    Attributes
    ----------
    name, duty, phone : str or None
        The member; ``duty`` is 专职 or 兼职.
    place : str
        Where they serve (``丰安镇谢家井村`` or a department).
    grids : list of (str, str)
        Their grids: (name, code).
    thumbnail_png : bytes
        The grids drawn small.
    contacts : list of Contact
        Whom to report to, nearest first.
    complaint_line : str or None
    date : str
    """

    staff_id: str
    name: str
    duty: str | None
    phone: str | None
    place: str
    grids: list[tuple[str, str]]
    thumbnail_png: bytes
    contacts: list[Contact] = field(default_factory=list)
    complaint_line: str | None = None
    date: str = ""


def _grids_text(card: MemberCard) -> str:
    if len(card.grids) <= _LISTED_GRIDS:
        return "<br>".join(
            f'{escape(name)} <span class="code">{escape(code)}</span>' for name, code in card.grids
        )
    names = "、".join(escape(name) for name, _ in card.grids)
    return escape(LABELS["many_grids"].format(count=len(card.grids))) + f"：{names}"


def _contact(contact: Contact) -> str:
    phone = f'<span class="phone">{escape(contact.phone)}</span>' if contact.phone else ""
    if contact.person:
        who = f"{escape(contact.person)} {phone}".rstrip()
    else:
        who = phone or LABELS["no_contact"]
    return f"{escape(contact.office)}：{who}"


def _card(card: MemberCard) -> str:
    duty = escape(card.duty) + LABELS["member"] if card.duty else LABELS["member"]
    phone = escape(card.phone) if card.phone else LABELS["no_phone"]
    image = base64.b64encode(card.thumbnail_png).decode("ascii")
    report_steps = [
        LABELS["step_fix"],
        LABELS["step_report"].format(office=_contact(card.contacts[0]))
        if card.contacts
        else LABELS["step_report_plain"],
        *(LABELS["step_escalate"].format(office=_contact(c)) for c in card.contacts[1:]),
        LABELS["step_time"],
    ]
    complaint = (
        f'<span class="complaint">{LABELS["complaint"]}{escape(card.complaint_line)}</span>'
        if card.complaint_line
        else ""
    )
    return (
        f'<section class="card" data-staff="{escape(card.staff_id)}">'
        f"<h2>{LABELS['title']}</h2>"
        f'<div class="who"><div class="facts">'
        f'<div><span class="name">{escape(card.name)}</span>（{duty}）</div>'
        f'<div><span class="label">{LABELS["phone"]}</span>{phone}</div>'
        f'<div><span class="label">{LABELS["place"]}</span>{escape(card.place)}</div>'
        f'<div><span class="label">{LABELS["grids"]}</span>{_grids_text(card)}</div>'
        f'</div><img src="data:image/png;base64,{image}" alt="{LABELS["thumbnail"]}"></div>'
        f"<h3>{LABELS['tasks']}</h3><ul>"
        f"<li>{LABELS['task_information']}</li><li>{LABELS['task_publicity']}</li></ul>"
        f"<h3>{LABELS['how_to_report']}</h3><ol>"
        + "".join(f"<li>{step}</li>" for step in report_steps)
        + f'</ol><div class="foot">{complaint}<span class="note">{escape(card.date)}</span>'
        "</div></section>"
    )


def cards_html(cards: Sequence[MemberCard], *, title: str) -> str:
    """Lay cards out four to an A4 page, as one self-contained HTML page.

    Parameters
    ----------
    cards : sequence of MemberCard
    title : str
        The page title (shown by a browser, not printed).

    Returns
    -------
    str

    Examples
    --------
    >>> card = MemberCard("S-1", "<i>张三", "专职", "139", "金山镇红星村", [("第1网格", "X")], b"")
    >>> page = cards_html([card], title="红星村")
    >>> page.count('class="card"'), "&lt;i&gt;张三" in page
    (1, True)
    """
    sheets = [
        '<div class="sheet">' + "".join(_card(c) for c in cards[i : i + CARDS_PER_PAGE]) + "</div>"
        for i in range(0, len(cards), CARDS_PER_PAGE)
    ]
    return _PAGE.substitute(
        title=escape(title) + LABELS["title"],
        css=PRINT_CSS + _CARDS_CSS,
        sheets="\n".join(sheets),
    )
