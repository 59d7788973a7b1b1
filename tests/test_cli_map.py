"""``gridgis map``: options checked before any work, one report line, files written safely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import file_digest, folder_listing, run
from map_projects import build_tiny_project


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_project(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def project(tiny: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gpkg"
    shutil.copyfile(tiny, path)
    return path


def test_map_writes_the_page_and_says_so(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "county.html"
    result = run("map", project, "-o", output)
    assert result.exit_code == 0, result.output
    assert f"wrote {output}: 8 base grids, 1 sector grids, 3 units (1 unassigned)" in result.output
    assert "opens offline" in result.output
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert run("-q", "map", project, "-o", output, "--overwrite").output == ""


def test_tianditu_needs_a_key_before_any_work(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    before = file_digest(project)
    result = run("map", project, "-o", tmp_path / "t.html", "--basemap", "tianditu")
    assert result.exit_code == 2
    assert "needs a Tianditu key" in result.output and "TIANDITU_KEY" in result.output
    assert folder_listing(tmp_path) == ["tiny.gpkg"]
    assert file_digest(project) == before
    monkeypatch.setenv("TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    result = run("map", project, "-o", tmp_path / "t.html", "--basemap", "tianditu")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "tk=0123456789abcdef0123456789abcdef" in page
    assert "https://*.tianditu.gov.cn" in page


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tianditu-key", 'abc"><script>'], "letters and digits"),
        (["--township", "6401"], "a township code has 9 digits"),
        (["--title", "  "], "must not be empty"),
        (["--basemap", "baidu"], "'baidu' is not one of"),
        (["--version", "0"], "0 is not in the range"),
    ],
)
def test_bad_options_are_usage_errors(
    project: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = run("map", project, "-o", tmp_path / "m.html", *arguments)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--township", "640122999"], "township 640122999 is not in the project"),
        (["--version", "99"], "version 99 does not exist"),
    ],
)
def test_bad_data_is_an_error(
    project: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = run("map", project, "-o", tmp_path / "m.html", *arguments)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert not (tmp_path / "m.html").exists()


def test_the_output_is_never_a_project(project: Path, tmp_path: Path) -> None:
    before = file_digest(project)
    result = run("map", project, "-o", project, "--overwrite")
    assert result.exit_code == 1
    assert "never replaces a project" in result.output
    assert file_digest(project) == before
    existing = tmp_path / "old.html"
    existing.write_text("old", encoding="utf-8")
    result = run("map", project, "-o", existing)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert existing.read_text(encoding="utf-8") == "old"
