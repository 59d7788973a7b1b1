"""The map's promises, each checked in a real browser: escaping, --public, and no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from map_browser import browser, open_map, popup_text, search
from map_projects import (
    MEMBER,
    PRIVATE,
    XSS_NAME,
    XSS_PRINCIPAL,
    XSS_TITLE,
    XSS_VILLAGE,
    build_tiny_project,
)

from gridgis.project.map import write_map

DAY = dt.date(2026, 1, 2)


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    project = build_tiny_project(folder)
    pages = {
        "full": folder / "full.html",
        "public": folder / "public.html",
        "titled": folder / "titled.html",
    }
    write_map(project, pages["full"], generated=DAY)
    write_map(project, pages["public"], public=True, generated=DAY)
    write_map(project, pages["titled"], title="<img src=y onerror=alert(9)>", generated=DAY)
    return pages


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started


def test_a_hostile_name_shows_as_text_and_runs_nothing(context: Any, maps: dict[str, Path]) -> None:
    with open_map(context, maps["full"]) as (page, record):
        text = search(page, "<img")
        images = page.evaluate(
            "() => document.querySelectorAll('.leaflet-popup-content img').length"
        )
        scripts = page.evaluate("() => document.querySelectorAll('script').length")
        village = search(page, XSS_VILLAGE)
        svgs = page.evaluate("() => document.querySelectorAll('.leaflet-popup-content svg').length")
        labels = page.evaluate("() => document.querySelector('.leaflet-control-layers').innerText")
    assert text.splitlines()[0] == XSS_NAME
    assert XSS_PRINCIPAL in text
    assert images == 0 and svgs == 0
    assert scripts == 3  # the data, Leaflet and the map's own: none was added
    assert village.splitlines()[0] == XSS_VILLAGE
    assert "基础网格" in labels
    assert record.dialogs == []
    assert record.console == []


def test_a_hostile_title_and_staff_title_show_as_text(context: Any, maps: dict[str, Path]) -> None:
    with open_map(context, maps["titled"]) as (page, record):
        heading = page.inner_text(".gg-title-main")
        title = page.title()
        search(page, "红星村第1网格")
        text = popup_text(page)
    assert heading == "<img src=y onerror=alert(9)>"
    assert title.startswith("<img src=y onerror=alert(9)>")
    assert XSS_TITLE in text and MEMBER[0] in text
    assert record.dialogs == [] and record.console == []


def test_public_shows_no_personal_data_of_enterprises(context: Any, maps: dict[str, Path]) -> None:
    with open_map(context, maps["public"]) as (page, record):
        unit = search(page, "重大风险化工")
        grid = search(page, "红星村第1网格")
    for label in ("主要负责人", "联系电话", "电子邮箱", "员工人数", "营业收入"):
        assert label not in unit
    for value in PRIVATE.values():
        assert value not in unit
    assert "大型企业" in unit and "重大/较大风险" in unit
    # The guideline publishes grid staff: names and phones stay.
    assert MEMBER[0] in grid and MEMBER[1] in grid
    assert record.console == []
    html = maps["public"].read_text(encoding="utf-8")
    for value in (PRIVATE["principal"], PRIVATE["phone"], PRIVATE["email"], XSS_PRINCIPAL):
        assert value not in html


def test_the_full_map_shows_them(context: Any, maps: dict[str, Path]) -> None:
    with open_map(context, maps["full"]) as (page, _):
        unit = search(page, "重大风险化工")
    for value in PRIVATE.values():
        assert value in unit


def test_with_no_basemap_the_page_requests_nothing(context: Any, maps: dict[str, Path]) -> None:
    for name in ("full", "public"):
        with open_map(context, maps[name]) as (page, record):
            # Use it: zoom, pan, open popups, search, switch layers.
            search(page, "红星村第1网格")
            page.mouse.wheel(0, -600)
            page.mouse.move(300, 300)
            page.mouse.down()
            page.mouse.move(500, 420)
            page.mouse.up()
            page.click(".leaflet-control-layers-overlays label:has-text('行业专属网格') input")
            search(page, "<img")
            page.wait_for_timeout(300)
        assert record.requests == [maps[name].resolve().as_uri()], record.requests
        assert record.failed == []
        assert record.console == []
