"""The demo's supervision map in a real browser: drawn, clickable and searchable, offline.

``gridgis demo`` writes ``maps/demo.html``; Debian's Chromium opens it from
``file://`` with every network request aborted (see ``map_browser.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from map_browser import browser, open_map, popup_text, search

from gridgis.io.assignment_view import read_assignments
from gridgis.io.store import open_project
from gridgis.project.map import grid_people


@pytest.fixture(scope="module")
def demo_map(demo_run: tuple[Path, str]) -> tuple[Path, Path]:
    out, _ = demo_run
    return out / "helan.gpkg", out.parent / "maps" / "demo.html"


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started


def test_the_demo_writes_its_map(demo_run: tuple[Path, str], demo_map: tuple[Path, Path]) -> None:
    _, printed = demo_run
    _, page_file = demo_map
    assert page_file.exists()
    assert "map" in printed and "demo.html" in printed
    assert page_file.stat().st_size < 2 * 2**20  # the target for the demo


def test_the_map_draws_every_base_grid_offline_without_errors(
    context: Any, demo_map: tuple[Path, Path], tmp_path: Path
) -> None:
    project, page_file = demo_map
    base = open_project(project).read_grids(levels=["base"], kinds=["territorial"])
    with open_map(context, page_file) as (page, record):
        drawn = page.evaluate(
            """() => {
                let drawn = 0;
                window.gridgis.layers.grids.eachLayer(function (polygon) {
                    if (polygon._parts && polygon._parts.length) { drawn += 1; }
                });
                return drawn;
            }"""
        )
        page.screenshot(path=str(tmp_path / "demo.png"))
    assert drawn == len(base) > 400
    assert record.console == []
    assert record.failed == []
    assert record.outside() == []
    assert (tmp_path / "demo.png").stat().st_size > 100_000


def test_clicking_a_grid_opens_a_popup_naming_its_grid_members(
    context: Any, demo_map: tuple[Path, Path]
) -> None:
    project, page_file = demo_map
    reader = open_project(project)
    grids = reader.read_grids()
    people = grid_people(reader.read_layer("staff"), grids)
    base = grids.loc[grids["level"] == "base", "grid_code"]
    served = people[people["网格员"].notna() & people["grid_code"].isin(base)]
    grid = served.iloc[len(served) // 2]
    members = [line.split("（")[0].split(" ")[0] for line in grid["网格员"].split("\n")]
    with open_map(context, page_file) as (page, record):
        # Switch the enterprises off in the layer control, as a planner would,
        # so that the click lands on the grid and not on a unit inside it.
        for name in ("生产经营单位（按风险等级）", "未落格单位"):
            page.click(f".leaflet-control-layers-overlays label:has-text('{name}') input")
        index = page.evaluate(f"() => window.gridgis.find('{grid['grid_code']}')[0].index")
        page.evaluate(
            f"""() => {{
                const grid = window.gridgis.layers.grids.getLayers()[{index}];
                window.gridgis.map.fitBounds(grid.getBounds(), {{animate: false}});
            }}"""
        )
        x, y = page.evaluate(f"() => window.gridgis.anchor('grids', {index})")
        page.mouse.click(x, y)
        text = popup_text(page)
    assert grid["grid_code"] in text
    assert "网格员" in text
    assert all(member in text for member in members), (members, text)
    assert record.console == []


def test_searching_a_grid_code_finds_that_grid(context: Any, demo_map: tuple[Path, Path]) -> None:
    project, page_file = demo_map
    grids = open_project(project).read_grids(levels=["base"], kinds=["territorial"])
    grid = grids.iloc[len(grids) // 3]
    with open_map(context, page_file) as (page, record):
        start = page.evaluate("() => window.gridgis.map.getZoom()")
        text = search(page, grid["grid_code"])
        zoom = page.evaluate("() => window.gridgis.map.getZoom()")
    assert text.splitlines()[0] == grid["name"]
    assert grid["grid_code"] in text
    assert zoom > start
    assert record.console == []


def test_searching_an_enterprise_name_finds_the_enterprise(
    context: Any, demo_map: tuple[Path, Path]
) -> None:
    project, page_file = demo_map
    units = read_assignments(project)
    placed = units[units["kind"].notna() & units["lon"].notna()]
    unit = placed.drop_duplicates("name", keep=False).iloc[100]
    with open_map(context, page_file) as (page, record):
        text = search(page, unit["name"])
        results = page.evaluate(f"() => window.gridgis.find('{unit['uscc']}').length")
    assert text.splitlines()[0] == unit["name"]
    assert unit["uscc"] in text
    assert results == 1  # the USCC finds it too
    assert record.console == []


def test_a_village_name_finds_the_village(context: Any, demo_map: tuple[Path, Path]) -> None:
    project, page_file = demo_map
    admin = open_project(project).read_layer("admin_units")
    village = admin[admin["level"] == "village"].iloc[5]
    with open_map(context, page_file) as (page, _):
        text = search(page, village["name"])
    assert text.splitlines()[0] == village["name"]
    assert village["code"] in text


def test_labels_show_where_they_fit_and_never_overlap(
    context: Any, demo_map: tuple[Path, Path], tmp_path: Path
) -> None:
    _, page_file = demo_map
    with open_map(context, page_file) as (page, record):
        counts, overlaps = [], []
        for zoom in (11, 13, 15):
            page.evaluate(
                "(z) => { window.gridgis.map.setView([38.56, 106.33], z, {animate: false}); }",
                zoom,
            )
            boxes = page.evaluate(
                """() => Array.from(document.querySelectorAll('.gg-label')).map(function (label) {
                    const r = label.getBoundingClientRect();
                    return [r.left, r.top, r.right, r.bottom];
                })"""
            )
            counts.append(len(boxes))
            overlaps += [
                (a, b)
                for i, a in enumerate(boxes)
                for b in boxes[i + 1 :]
                if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
            ]
        page.screenshot(path=str(tmp_path / "town.png"))
    # More grids have room for a label as one zooms in, and no two labels overlap.
    assert counts[0] < counts[1] < counts[2], counts
    assert counts[2] > 20
    assert overlaps == []
    assert record.console == []
