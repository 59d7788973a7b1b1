"""The short Chinese summary of a filing (``summary.html``), to attach to the filing letter.

One self-contained HTML page (no script, no outside resource, so it opens on
an offline intranet and prints on one sheet): what changed, why (the filing's
note), the counts, and whom the prefecture's office can call. Every value
from the project is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from gridgis.render.labels import FILING_SUMMARY_LABELS, STATUS_LABELS

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "SimSun", sans-serif;
       max-width: 46em; margin: 2em auto; line-height: 1.6; color: #222; }
h1 { font-size: 1.5em; text-align: center; }
h2 { font-size: 1.1em; border-bottom: 1px solid #999; margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #999; padding: 0.2em 0.7em; text-align: left; }
td.n { text-align: right; }
.small { color: #555; font-size: 0.9em; }
"""


def summary_html(
    manifest: Mapping[str, Any],
    changes: pd.DataFrame,
    contact: Mapping[str, str] | None,
    grid_counts: Mapping[str, int] | None = None,
) -> str:
    """Return the filing's summary page.

    Parameters
    ----------
    manifest : mapping
        The filing's manifest (:func:`gridgis.filing.manifest.build_manifest`).
    changes : DataFrame
        The change table (:data:`gridgis.filing.changes.CHANGE_COLUMNS`).
    contact : mapping, optional
        The county office's contacts: ``office`` and ``office_phone`` (from
        the county file), ``name``, ``title``, ``department``, ``phone`` (the
        roster's contact person); None or empty values when not known.
    grid_counts : mapping, optional
        The county's current ``base`` and ``sector`` grids after the filing.

    Returns
    -------
    str
        A complete HTML document.

    Examples
    --------
    >>> page = summary_html(manifest, changes, {"name": "史禄", "phone": "138…"})  # doctest: +SKIP
    """
    labels = FILING_SUMMARY_LABELS
    county = manifest["county"]
    counts = manifest["counts"]
    versions = manifest["versions"]
    first = manifest["number"] == 1
    title = labels["title_first" if first else "title"].format(
        county=county["name"] or county["code"]
    )
    rows = [
        (labels["filing"], manifest["filing_id"]),
        (labels["county"], f"{county['name']}（{county['code']}）"),
        (labels["previous"], manifest["previous_filing"] or labels["no_previous"]),
        (labels["versions"], f"{versions['from']} → {versions['to']}"),
        (labels["created"], manifest["created"]),
        (labels["software"], f"gridgis {manifest['gridgis_version']}"),
    ]
    summary = labels["changes"].format(
        changed=len(changes),
        totals=_totals(counts, grid_counts),
        moved_in=int(pd.to_numeric(changes["enterprises_in"], errors="coerce").fillna(0).sum()),
        moved_out=int(pd.to_numeric(changes["enterprises_out"], errors="coerce").fillna(0).sum()),
        staff=int((changes["staff_in"].astype(str) != "").sum())
        + int((changes["staff_out"].astype(str) != "").sum()),
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _table(rows),
        f"<h2>{labels['why']}</h2>",
        f"<p>{_e(manifest['note']) or labels['no_note']}</p>",
        f"<h2>{labels['what']}</h2>",
        _counts_table(counts, first),
        f"<p>{_e(summary)}</p>",
        f"<h2>{labels['contact']}</h2>",
        f"<p>{_contact(contact)}</p>",
        f"<h2>{labels['attachments']}</h2>",
        f"<p>{_e(labels['attachment_list'])}</p>",
        f'<p class="small">{_e(labels["checksums"])}</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _table(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _counts_table(counts: Mapping[str, int], first: bool) -> str:
    if first:
        return _table([(FILING_SUMMARY_LABELS["first_count"], counts["current"])])
    header = "".join(f"<th>{_e(STATUS_LABELS[s])}</th>" for s in _CHANGES)
    values = "".join(f'<td class="n">{int(counts.get(s, 0))}</td>' for s in _CHANGES)
    return f"<table><tr>{header}</tr><tr>{values}</tr></table>"


_CHANGES = ("new", "split", "merged", "boundary changed", "retired")


def _totals(counts: Mapping[str, int], grid_counts: Mapping[str, int] | None) -> str:
    if not grid_counts:
        return FILING_SUMMARY_LABELS["totals_all"].format(current=counts["current"])
    return FILING_SUMMARY_LABELS["totals"].format(
        base=grid_counts.get("base", 0), sector=grid_counts.get("sector", 0)
    )


def _contact(contact: Mapping[str, str] | None) -> str:
    labels = FILING_SUMMARY_LABELS
    contact = contact or {}
    lines = []
    if contact.get("office") or contact.get("office_phone"):
        office = contact.get("office") or labels["office_default"]
        phone = contact.get("office_phone")
        lines.append(
            _e(labels["office"].format(office=office))
            + (_e(labels["phone"].format(phone=phone)) if phone else "")
        )
    parts = [contact.get("department"), contact.get("title"), contact.get("name")]
    who = " ".join(part for part in parts if part)
    if who:
        phone = contact.get("phone")
        lines.append(
            _e(labels["person"].format(person=who))
            + (_e(labels["phone"].format(phone=phone)) if phone else "")
        )
    return "<br>".join(lines) if lines else _e(labels["no_contact"])
