"""``gridgis log``: every version, newest last, with its command and note."""

from pathlib import Path

from conftest import run


def test_log_lists_every_version_with_its_note(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    result = run("log", out / "helan.gpkg")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "版本 version" in lines[0]
    rows = [line for line in lines[2:] if line.strip()]
    # init, divide, re-divide, ledger, staff, assign (check saves none), then the filing
    # steps: filing, re-divide two villages, assign, filing; then the hazard reports:
    # import, feedback
    assert len(rows) == 12
    assert rows[0].split()[0] == "1" and "init from villages.shp" in rows[0]
    assert "assign: rows 3000 = territorial" in rows[5]
    assert "filing 640122-0001-" in rows[6] and "filing 640122-0002-" in rows[9]
    assert "import hazard reports" in rows[10] and "update hazard reports" in rows[11]


def test_log_prints_even_with_quiet(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    result = run("-q", "log", out / "helan.gpkg")
    assert result.exit_code == 0
    assert "init from" in result.output


def test_log_of_a_file_that_is_not_a_project(tmp_path: Path) -> None:
    other = tmp_path / "notes.gpkg"
    other.write_text("not a database")
    result = run("log", other)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "not a GeoPackage" in result.output
    missing = run("log", tmp_path / "missing.gpkg")
    assert missing.exit_code == 1
    assert "does not exist; create it with 'gridgis init'" in missing.output
