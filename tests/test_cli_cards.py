"""``gridgis cards``: a 网格员责任告知卡 per grid member, four to an A4 page."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import run
from document_fixtures import (
    VILLAGE,
    chromium_page,
    county_file,
    hostile_project,
    plain,
    village_members,
)
from pypdf import PdfReader


@pytest.fixture(scope="module")
def cards(demo_staffed: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("cards")
    result = run(
        "cards",
        demo_staffed,
        "-o",
        folder / "out",
        "--village",
        VILLAGE,
        "--county",
        county_file(folder),
    )
    assert result.exit_code == 0, result.output
    return folder / "out", result.output


def _file(folder: Path, suffix: str) -> Path:
    (found,) = folder.glob(f"{VILLAGE}-*网格员责任告知卡{suffix}")
    return found


def test_one_card_per_member_four_to_an_a4_page(
    cards: tuple[Path, str], demo_staffed: Path
) -> None:
    folder, output = cards
    members = village_members(demo_staffed)
    html = _file(folder, ".html").read_text(encoding="utf-8")
    assert html.count('<section class="card"') == len(members)
    assert f"{len(members)} cards on 1 pages" in output
    reader = PdfReader(_file(folder, ".pdf"))
    assert len(reader.pages) == math.ceil(len(members) / 4)
    for page in reader.pages:
        assert [round(float(v)) for v in page.mediabox.upper_right] == [595, 842]
    # Lines wrap anywhere in a narrow card: compare without line breaks and spaces.
    text = plain("".join(page.extract_text() for page in reader.pages))
    text = text.replace("\n", "").replace(" ", "")
    for member in members.itertuples():
        assert member.name in text and member.phone in text
    assert "信息员" in text and "宣传员" in text
    # Whom to report to: the village's and the township's contact persons, and the county office.
    assert plain("谢家井村网格工作站：李强霞18995108157") in text
    assert "丰安镇网格化管理办公室" in text and plain("测试县网格办：0951-0000001") in text


def test_in_chromium_no_card_is_cut_off(cards: tuple[Path, str]) -> None:
    with chromium_page() as page:
        page.goto(_file(cards[0], ".html").as_uri())
        page.emulate_media(media="print")
        page.set_viewport_size({"width": round((210 - 20) / 25.4 * 96), "height": 1200})
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.card')]
                .filter(c => c.scrollHeight > c.clientHeight + 1
                          || c.scrollWidth > c.clientWidth + 1)
                .map(c => c.dataset.staff)"""
        )
        assert clipped == []
        sizes = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
        assert sizes and min(sizes) > 100  # every thumbnail drawn
        assert page.gridgis_errors == []


def test_names_with_html_stay_text(demo_staffed: Path, tmp_path: Path) -> None:
    project = hostile_project(demo_staffed, tmp_path)
    out = tmp_path / "out"
    result = run("cards", project, "-o", out, "--village", VILLAGE, "--no-pdf")
    assert result.exit_code == 0, result.output
    html = _file(out, ".html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x" in html
    with chromium_page() as page:
        page.goto(_file(out, ".html").as_uri())
        assert page.title() != "pwned"
        assert '<img src=x onerror="document.title=' in page.inner_text("body")


def test_bad_input(demo_staffed: Path, demo_assigned: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("cards", demo_assigned, "-o", out, "--village", VILLAGE)
    assert result.exit_code == 1 and "no staff roster" in result.output
    result = run("cards", demo_staffed, "-o", out, "--village", "640122101999")
    assert result.exit_code == 1 and "has no village 640122101999" in result.output
    result = run("cards", demo_staffed, "-o", out, "--village", VILLAGE, "--township", "640122101")
    assert result.exit_code == 2 and "only one of" in result.output
    assert not out.exists()
