"""``gridgis notice``: a village's 公示, rendered and printed by the real Chromium."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import file_digest, run
from document_fixtures import (
    COMPLAINT,
    HOSTILE_NAMES,
    VILLAGE,
    chromium_page,
    county_file,
    hostile_project,
    plain,
    roster,
    village_grid_codes,
    village_members,
    village_rows,
)
from pypdf import PdfReader

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR

A4_POINTS = (595, 842)


@pytest.fixture(scope="module")
def notices(demo_staffed: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("notices")
    result = run(
        "notice",
        demo_staffed,
        "-o",
        folder / "out",
        "--village",
        VILLAGE,
        "--county",
        county_file(folder),
        "--barriers",
        DEMO_DIR / "roads.geojson",
        "--barriers",
        DEMO_DIR / "rivers.geojson",
    )
    assert result.exit_code == 0, result.output
    return folder / "out", result.output


def _page(folder: Path, suffix: str) -> Path:
    (found,) = sorted(folder.glob(f"{VILLAGE}-*{suffix}"))
    return found


def test_writes_html_and_pdf_named_by_village(notices: tuple[Path, str]) -> None:
    folder, output = notices
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{VILLAGE}-谢家井村.html",
        f"{VILLAGE}-谢家井村.pdf",
    ]
    assert "1 notices, 2 files" in output


def test_in_chromium_the_notice_fits_a4_and_names_every_member_with_a_phone(
    notices: tuple[Path, str], demo_staffed: Path
) -> None:
    folder, _ = notices
    members = village_members(demo_staffed)
    codes = village_grid_codes(demo_staffed)
    with chromium_page() as page:
        page.goto(_page(folder, ".html").as_uri())
        page.emulate_media(media="print")
        # A4's width less the 14 mm margins, at CSS's 96 px an inch.
        page.set_viewport_size({"width": round((210 - 28) / 25.4 * 96), "height": 1000})
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll('table, th, td, figure, h1, p')]
                .filter(e => e.scrollWidth > e.clientWidth + 1
                          || e.getBoundingClientRect().right > document.body.clientWidth + 1)
                .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))"""
        )
        assert overflowing == []
        assert page.evaluate("() => document.querySelector('figure img').naturalWidth") > 500
        rows = page.evaluate(
            """() => [...document.querySelectorAll('tr[data-grid]')].map(r => ({
                code: r.dataset.grid,
                area: r.cells[1].textContent,
                people: [...r.cells[3].querySelectorAll('.person')].map(p => p.textContent)}))"""
        )
        assert [row["code"] for row in rows] == codes
        for row in rows:
            assert row["area"].startswith(("东至", "南至", "西至", "北至"))
            for member in members.itertuples():
                assert any(
                    member.name in person and member.phone in person and member.duty in person
                    for person in row["people"]
                ), (row["code"], member.name)
        assert COMPLAINT in page.inner_text(".complaint")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert page.gridgis_errors == []
    printed = PdfReader(io.BytesIO(pdf))
    assert all(
        [round(float(v)) for v in p.mediabox.upper_right] == list(A4_POINTS) for p in printed.pages
    )
    text = plain("".join(p.extract_text() for p in printed.pages))
    for code in codes:
        assert text.count(code) == 1, code  # each row printed once, none cut away
    for member in members.itertuples():
        assert member.phone in text
    assert "监督电话" in text and COMPLAINT in text


def test_the_pdf_gridgis_printed_is_a4_with_the_grid_codes_in_its_text(
    notices: tuple[Path, str], demo_staffed: Path
) -> None:
    folder, _ = notices
    reader = PdfReader(_page(folder, ".pdf"))
    assert 1 <= len(reader.pages) <= 4
    for page in reader.pages:
        assert [round(float(v)) for v in page.mediabox.upper_right] == list(A4_POINTS)
    text = plain("".join(page.extract_text() for page in reader.pages))
    for code in village_grid_codes(demo_staffed):
        assert code in text
    assert "谢家井村安全生产网格化管理公示" in text
    for member in village_members(demo_staffed).itertuples():
        assert member.name in text and member.phone in text


def test_area_names_roads_and_canals_when_given(notices: tuple[Path, str]) -> None:
    html = _page(notices[0], ".html").read_text(encoding="utf-8")
    assert "唐徕渠" in html or "路" in html
    assert "区域范围按网格边界、相邻网格、村（社区）及道路、渠道生成" in html


def test_names_with_html_are_printed_as_text(demo_staffed: Path, tmp_path: Path) -> None:
    project = hostile_project(demo_staffed, tmp_path)
    out = tmp_path / "out"
    result = run(
        "notice", project, "-o", out, "--village", VILLAGE, "--county", county_file(tmp_path)
    )
    assert result.exit_code == 0, result.output
    html = _page(out, ".html").read_text(encoding="utf-8")
    assert "<b>龚飞亮</b>" not in html and "&lt;b&gt;龚飞亮&lt;/b&gt;" in html
    assert "<img src=x" not in html
    with chromium_page() as page:
        page.goto(_page(out, ".html").as_uri())
        assert page.evaluate("() => document.querySelectorAll('img').length") == 1  # the map
        assert page.title() != "pwned"
        shown = page.inner_text("table")
        for name in HOSTILE_NAMES.values():
            assert name in shown
        assert page.gridgis_errors == []
    text = plain("".join(p.extract_text() for p in PdfReader(_page(out, ".pdf")).pages))
    assert "<b>龚飞亮</b>" in text.replace("\n", "")  # the narrow column wraps it


def test_since_writes_only_the_villages_that_changed(demo_staffed: Path, tmp_path: Path) -> None:
    project = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_staffed, project)
    before = open_project(project).current_version
    member = village_rows("网格员")[0]
    changed = roster(tmp_path, changes={member: {"联系电话": "13900000000"}})
    assert run("staff", "import", project, changed).exit_code == 0
    county = county_file(tmp_path)
    result = run(
        "notice", project, "-o", tmp_path / "a", "--since", before, "--county", county, "--no-pdf"
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "a").iterdir()] == [f"{VILLAGE}-谢家井村.html"]
    assert "13900000000" in (tmp_path / "a" / f"{VILLAGE}-谢家井村.html").read_text(
        encoding="utf-8"
    )
    now = open_project(project).current_version
    result = run(
        "notice", project, "-o", tmp_path / "b", "--since", now, "--county", county, "--no-pdf"
    )
    assert result.exit_code == 0, result.output
    assert "0 villages changed" in result.output and list((tmp_path / "b").iterdir()) == []
    result = run("notice", project, "-o", tmp_path / "c", "--since", now + 5, "--county", county)
    assert result.exit_code == 1 and f"version {now + 5} does not exist" in result.output


def test_bad_input_fails_clearly_and_writes_nothing(
    demo_staffed: Path, demo_assigned: Path, tmp_path: Path
) -> None:
    county = county_file(tmp_path)
    out = tmp_path / "out"
    digest = file_digest(demo_staffed)
    result = run("notice", demo_staffed, "-o", out, "--village", "640122101999", "--county", county)
    assert result.exit_code == 1 and "has no village 640122101999" in result.output
    result = run("notice", demo_staffed, "-o", out, "--village", "6401221012", "--county", county)
    assert result.exit_code == 2 and "12 digits" in result.output
    result = run("notice", demo_assigned, "-o", out, "--village", VILLAGE, "--county", county)
    assert result.exit_code == 1 and "no staff roster" in result.output
    # The shipped county file leaves the complaint line empty on purpose.
    result = run("notice", demo_staffed, "-o", out, "--village", VILLAGE)
    assert result.exit_code == 1
    assert "no complaint line (监督电话) is configured" in result.output
    assert "county.toml" in result.output
    result = run(
        "notice",
        demo_staffed,
        "-o",
        out,
        "--village",
        VILLAGE,
        "--county",
        county_file(tmp_path, complaint=""),
    )
    assert result.exit_code == 1 and "complaint_line" in result.output
    assert not out.exists()
    assert file_digest(demo_staffed) == digest


def test_existing_files_need_overwrite(
    notices: tuple[Path, str], demo_staffed: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    shutil.copytree(notices[0], folder)
    before = {p.name: file_digest(p) for p in folder.iterdir()}
    county = county_file(tmp_path)
    result = run("notice", demo_staffed, "-o", folder, "--village", VILLAGE, "--county", county)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert {p.name: file_digest(p) for p in folder.iterdir()} == before
    result = run(
        "notice",
        demo_staffed,
        "-o",
        folder,
        "--village",
        VILLAGE,
        "--county",
        county,
        "--overwrite",
    )
    assert result.exit_code == 0, result.output
    assert not list(folder.glob(".*"))  # no temporary file left behind
