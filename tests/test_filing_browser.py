"""A filing's changes.html in a real browser: drawn offline, before dashed, searchable.

Debian's Chromium opens it from ``file://`` with every network request aborted
(see ``map_browser.py``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from filing_fixtures import FiledCounty
from map_browser import browser, open_map, search

from gridgis.filing.verify import verify_filing


def test_changes_html_draws_the_grids_before_and_after_offline(
    filed_county: FiledCounty, tmp_path: Path
) -> None:
    filing = filed_county.filings[1]
    layers = verify_filing(filing).layers
    before = layers["before"][layers["before"]["level"] == "base"]
    after = layers["after"][layers["after"]["level"] == "base"]
    page_file = tmp_path / "changes.html"
    with zipfile.ZipFile(filing) as archive:
        page_file.write_bytes(archive.read("changes.html"))
    count = """(key) => {
        let drawn = 0;
        window.gridgis.layers[key].eachLayer(function (shape) {
            if (shape._parts && shape._parts.length) { drawn += 1; }
        });
        return drawn;
    }"""
    with browser(tmp_path / "profile") as context, open_map(context, page_file) as (page, record):
        drawn_before = page.evaluate(count, "before")
        drawn_after = page.evaluate(count, "after")
        dash = page.evaluate(
            "() => { let d = null; window.gridgis.layers.before.eachLayer("
            "function (s) { d = s.options.dashArray; }); return d; }"
        )
        code = str(after["grid_code"].iloc[0])
        popup = search(page, code)
    assert drawn_before == len(before) > 0
    assert drawn_after == len(after) > 0
    assert dash  # the grids before the change are dashed
    assert code in popup and ("拆分" in popup or "合并" in popup)
    assert record.console == [] and record.failed == [] and record.outside() == []
