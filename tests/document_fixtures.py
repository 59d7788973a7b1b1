"""Helpers of the document tests (notices and cards): contacts, rosters, the real Chromium."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from conftest import run

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR

#: The village the document tests print: 谢家井村, 丰安镇.
VILLAGE = "640122101204"
COMPLAINT = "0951-0000000"
#: Names a roster might hold that a page must show as text, never run.
HOSTILE_NAMES = {
    "网格长": "<b>龚飞亮</b>",
    "网格员": "<img src=x onerror=\"document.title='pwned'\">",
}


def county_file(folder: Path, *, complaint: str = COMPLAINT) -> Path:
    """Write a county file with a complaint line (and a grid office)."""
    path = folder / "county.toml"
    path.write_text(
        f'[county]\ncomplaint_line = "{complaint}"\ngrid_office = "测试县网格办"\n'
        'grid_office_phone = "0951-0000001"\n',
        encoding="utf-8",
    )
    return path


def roster(folder: Path, *, changes: dict[int, dict[str, str]] | None = None) -> Path:
    """Write the demo roster as XLSX, with some rows changed (by their row index)."""
    people = pd.read_excel(DEMO_DIR / "staff.xlsx", dtype=str, keep_default_na=False)
    for index, values in (changes or {}).items():
        for column, value in values.items():
            people.loc[index, column] = value
    path = folder / "staff.xlsx"
    people.to_excel(path, index=False)
    return path


def village_rows(role: str, village_name: str = "谢家井村") -> list[int]:
    """The demo roster's row indices of a role in a village."""
    people = pd.read_excel(DEMO_DIR / "staff.xlsx", dtype=str, keep_default_na=False)
    return people.index[(people["所属村社区"] == village_name) & (people["角色"] == role)].tolist()


def hostile_project(source: Path, folder: Path) -> Path:
    """A copy of ``source`` whose roster names the village's people with HTML."""
    project = folder / "hostile.gpkg"
    shutil.copyfile(source, project)
    changes = {village_rows(role)[0]: {"姓名": name} for role, name in HOSTILE_NAMES.items()}
    result = run("staff", "import", project, roster(folder, changes=changes))
    assert result.exit_code == 0, result.output
    return project


def village_members(project: Path, village: str = VILLAGE) -> pd.DataFrame:
    """The 网格员 serving a village's grids, read straight from the staff layer."""
    reader = open_project(project)
    staff = pd.DataFrame(reader.read_layer("staff").drop(columns="geometry", errors="ignore"))
    grids = reader.read_grids(levels=["base"])
    codes = set(grids.loc[grids["admin_code"] == village, "grid_code"])
    members = staff[
        (staff["role"] == "网格员")
        & (
            ((staff["place_level"] == "village") & (staff["village_code"] == village))
            | ((staff["place_level"] == "grid") & staff["grid_code"].isin(codes))
        )
    ]
    assert len(members), "the test village has no 网格员"
    return members


def village_grid_codes(project: Path, village: str = VILLAGE) -> list[str]:
    grids = open_project(project).read_grids(levels=["base"])
    return sorted(grids.loc[grids["admin_code"] == village, "grid_code"])


@functools.cache
def _radicals() -> dict[int, str]:
    """Radical code points → the ideograph drawn with the same glyph in the CJK font.

    Noto CJK draws 黄 and the radical ⻩ with one glyph, and a PDF's text layer
    may name the glyph by the radical; pypdf then reads ⻩春鸿 for 黄春鸿.
    """
    from fontTools.ttLib import TTCollection, TTFont
    from matplotlib.font_manager import FontProperties, findfont

    from gridgis.render.figure import cjk_font

    family = cjk_font()
    path = findfont(FontProperties(family=family))
    fonts = TTCollection(path).fonts if path.lower().endswith(".ttc") else [TTFont(path)]
    font = next((f for f in fonts if f["name"].getDebugName(1) == family), fonts[0])
    cmap = font.getBestCmap()
    ideographs: dict[str, str] = {}
    for code, glyph in sorted(cmap.items()):
        if 0x4E00 <= code <= 0x9FFF:
            ideographs.setdefault(glyph, chr(code))
    return {
        code: ideographs[glyph]
        for code, glyph in cmap.items()
        if 0x2E80 <= code <= 0x2FDF and glyph in ideographs
    }


def plain(text: str) -> str:
    """PDF text as written: radical forms of CJK glyphs folded back to their ideographs."""
    return unicodedata.normalize("NFKC", text).translate(_radicals())


@contextlib.contextmanager
def chromium_page() -> Iterator[object]:
    """A page of the real Chromium (Debian's), driven by playwright; nothing is downloaded."""
    from playwright.sync_api import sync_playwright

    from gridgis.render.pdf import find_browser

    arguments = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_browser(), args=arguments)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.gridgis_errors = errors  # type: ignore[attr-defined]
            yield page
        finally:
            browser.close()
