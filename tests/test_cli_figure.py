"""``gridgis figure``: the supervision diagram on paper."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import file_digest, run
from PIL import Image
from pypdf import PdfReader


@pytest.fixture(scope="module")
def county_png(demo_assigned: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("figure") / "county.png"
    result = run("figure", demo_assigned, "-o", path, "--paper", "A3", "--dpi", "100")
    assert result.exit_code == 0, result.output
    return path, result.output


def test_a3_png_at_the_resolution_asked(county_png: tuple[Path, str]) -> None:
    path, output = county_png
    with Image.open(path) as image:
        width, height = image.size
    expected = [297 / 25.4 * 100, 420 / 25.4 * 100]
    assert all(abs(a - b) <= 1 for a, b in zip(sorted((width, height)), expected, strict=True))
    assert "grids of version" in output and "on A3" in output


def test_pdf_and_svg_of_some_townships(demo_assigned: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "two.pdf"
    result = run(
        "figure", demo_assigned, "-o", pdf, "--township", "640122001,640122002", "--paper", "a4"
    )
    assert result.exit_code == 0, result.output
    page = PdfReader(pdf).pages[0]
    assert sorted(round(float(v)) for v in page.mediabox.upper_right) == [595, 842]
    text = page.extract_text()
    assert "贺兰县凤翔街道、丰源街道安全生产网格化监管示意图" in text
    assert "凤翔街道、丰源街道" in text and "数据版本" in text
    svg = tmp_path / "county.svg"
    assert run("figure", demo_assigned, "-o", svg).exit_code == 0
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_bad_input(demo_assigned: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = run("figure", demo_assigned, "-o", tmp_path / "map.jpg")
    assert result.exit_code == 2 and ".png or .pdf or .svg" in result.output
    result = run("figure", demo_assigned, "-o", out, "--dpi", "0")
    assert result.exit_code == 2
    result = run("figure", demo_assigned, "-o", out, "--paper", "A5")
    assert result.exit_code == 2
    result = run("figure", demo_assigned, "-o", out, "--township", "640122999")
    assert result.exit_code == 1 and "has no township 640122999" in result.output
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b"old")
    result = run("figure", demo_assigned, "-o", out)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert out.read_bytes() == b"old"
    digest = file_digest(demo_assigned)
    result = run("figure", demo_assigned, "-o", demo_assigned)
    assert result.exit_code == 2 and file_digest(demo_assigned) == digest
