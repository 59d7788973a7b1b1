"""Output files never replace a project and never carry live spreadsheet formulas."""

from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner, Result
from conftest import box_villages, file_digest, folder_listing, run

from gridgis.cli.main import cli
from gridgis.errors import InputDataError
from gridgis.io.output import BatchWriter, write_frame
from gridgis.io.safety import check_output_path
from gridgis.render.workbook import write_workbook

#: Text that Excel or WPS would run as a formula if it were stored as one.
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "-5",
    "+86 138 0000 0000",
]
#: Text openpyxl would otherwise store as an error value rather than as text.
ERROR_LOOKALIKES = ["#N/A", "#DIV/0!", "#REF!"]
#: Text that needs no quote; the carriage return inside a cell must not split the CSV row.
SAFE_TEXT = ["红星村", "POLYGON ((0 0, 1 0, 1 1, 0 0))", "a=b", "", "x\r=1+1"]
TEXT = HOSTILE + ERROR_LOOKALIKES + SAFE_TEXT
CSV_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def hostile_frame() -> pd.DataFrame:
    rows = len(TEXT)
    return pd.DataFrame(
        {
            "name": pd.Series(TEXT, dtype=object),
            "count": pd.Series([-(i % 3) * 7 + i for i in range(rows)], dtype="int64"),
            "load": pd.Series([-2.5 + i for i in range(rows)], dtype="float64"),
        }
    )


def hostile_geoframe() -> gpd.GeoDataFrame:
    frame = hostile_frame()
    points = shapely.points(range(len(frame)), range(len(frame)))
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4490")


# -- XLSX ----------------------------------------------------------------------
def assert_xlsx_keeps_text_and_numbers(path: Path, frame: pd.DataFrame) -> None:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, max_row=len(frame) + 1))
    assert len(rows) == len(frame)
    for row, (text, count, load) in zip(
        rows, frame[["name", "count", "load"]].itertuples(index=False), strict=True
    ):
        name_cell, count_cell, load_cell = row[0], row[1], row[2]
        if text == "":
            assert name_cell.value in ("", None)
        else:
            assert name_cell.data_type == "s", text
            # unchanged: no quote, no formula (XML reads a carriage return as a line feed)
            assert name_cell.value == text.replace("\r", "\n")
        assert count_cell.data_type == "n"
        assert count_cell.value == count and isinstance(count_cell.value, int)
        assert load_cell.data_type == "n"
        assert load_cell.value == load and isinstance(load_cell.value, float)


def test_workbook_keeps_formula_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    frame = hostile_frame()
    write_workbook({"sheet": frame}, path)
    assert_xlsx_keeps_text_and_numbers(path, frame)


def test_workbook_headers_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    frame = hostile_frame()
    write_workbook({"sheet": frame}, path, headers={"name": "=1+1", "count": "#N/A"})
    header = next(openpyxl.load_workbook(path).worksheets[0].iter_rows(max_row=1))
    assert [(c.value, c.data_type) for c in header[:2]] == [("=1+1", "s"), ("#N/A", "s")]


def test_write_frame_xlsx_keeps_formula_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "issues.xlsx"
    frame = hostile_geoframe()
    write_frame(frame, path, layer="check_issues")
    assert_xlsx_keeps_text_and_numbers(path, frame)


def test_batch_writer_xlsx_keeps_formula_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "assignments.xlsx"
    frame = hostile_geoframe()
    with BatchWriter(path, layer="assignments") as sink:
        sink.write(frame.iloc[:5])
        sink.write(frame.iloc[5:])
    assert_xlsx_keeps_text_and_numbers(path, frame)


# -- CSV -----------------------------------------------------------------------
def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(CSV_PREFIXES) else text


def assert_csv_neutralised(path: Path, frame: pd.DataFrame) -> None:
    rows = read_csv_rows(path)
    assert [row["name"] for row in rows] == [neutralised(t) for t in frame["name"]]
    # numeric columns are never altered, negative numbers included
    assert [row["count"] for row in rows] == [str(v) for v in frame["count"]]
    assert [float(row["load"]) for row in rows] == frame["load"].tolist()
    assert any(row["count"].startswith("-") for row in rows)
    assert any(row["load"].startswith("-") for row in rows)


def test_write_frame_csv_neutralises_formula_text(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    frame = hostile_frame()
    write_frame(frame, path)
    assert_csv_neutralised(path, frame)
    names = [row["name"] for row in read_csv_rows(path)]
    assert '\'=HYPERLINK("http://x","y")' in names
    assert "'-5" in names and "'\t=1+1" in names
    assert "红星村" in names and "a=b" in names


def test_write_frame_csv_leaves_wkt_alone(tmp_path: Path) -> None:
    path = tmp_path / "issues.csv"
    frame = hostile_geoframe()
    write_frame(frame, path)
    assert_csv_neutralised(path, frame)
    assert all(row["wkt"].startswith("POINT (") for row in read_csv_rows(path))


def test_csv_neutralises_every_kind_of_text_column(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    frame = pd.DataFrame(
        {
            "mixed": pd.Series(["=1+1", 3, None, -4.5], dtype=object),
            "category": pd.Categorical(["-1", "=A1", "ok", "-1"]),
            "string": pd.Series(["@x", None, "y", "+1"], dtype="string"),
            "negative": [-1, -2, -3, -4],
            "=header": ["a", "b", "c", "d"],
        }
    )
    write_frame(frame, path)
    rows = read_csv_rows(path)
    assert [row["mixed"] for row in rows] == ["'=1+1", "3", "", "-4.5"]
    assert [row["category"] for row in rows] == ["'-1", "'=A1", "ok", "'-1"]
    assert [row["string"] for row in rows] == ["'@x", "", "y", "'+1"]
    assert [row["negative"] for row in rows] == ["-1", "-2", "-3", "-4"]
    assert [row["'=header"] for row in rows] == ["a", "b", "c", "d"]


def test_write_frame_csv_does_not_change_the_frame(tmp_path: Path) -> None:
    frame = hostile_frame()
    before = frame.copy()
    write_frame(frame, tmp_path / "issues.csv")
    pd.testing.assert_frame_equal(frame, before)


def test_batch_writer_csv_neutralises_every_batch(tmp_path: Path) -> None:
    path = tmp_path / "grids.csv"
    frame = hostile_geoframe()
    with BatchWriter(path, layer="grids") as sink:
        sink.write(frame.iloc[:4])
        sink.write(frame.iloc[4:])
    assert_csv_neutralised(path, frame)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_bytes().count(b"name,count,load") == 1


# -- never replace a project: the CLI -------------------------------------------
REFUSED = "an export never replaces a project. Choose another output file"


def assert_refused(result: Result, project: Path, digest: str, message: str = REFUSED) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert file_digest(project) == digest


@pytest.mark.parametrize("overwrite", [["--overwrite"], []])
def test_check_never_writes_over_its_project(demo_project: Path, overwrite: list[str]) -> None:
    digest = file_digest(demo_project)
    listing = folder_listing(demo_project.parent)
    result = run("check", demo_project, "-o", demo_project, *overwrite)
    assert_refused(result, demo_project, digest)
    assert folder_listing(demo_project.parent) == listing


def test_check_refuses_the_project_by_relative_spelling(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = file_digest(demo_project)
    monkeypatch.chdir(demo_project.parent)
    result = run("check", demo_project.name, "-o", f"./{demo_project.name}", "--overwrite")
    assert_refused(result, demo_project, digest)
    result = run(
        "check",
        demo_project.name,
        "-o",
        f"../{demo_project.parent.name}/{demo_project.name}",
        "--overwrite",
    )
    assert_refused(result, demo_project, digest)


def test_check_refuses_a_symlink_to_the_project(demo_project: Path) -> None:
    digest = file_digest(demo_project)
    link = demo_project.with_name("issues.gpkg")
    link.symlink_to(demo_project)
    assert_refused(run("check", demo_project, "-o", link, "--overwrite"), demo_project, digest)
    assert link.is_symlink()


def test_check_refuses_a_hard_link_to_the_project(demo_project: Path) -> None:
    digest = file_digest(demo_project)
    link = demo_project.with_name("issues.gpkg")
    os.link(demo_project, link)
    assert_refused(run("check", demo_project, "-o", link, "--overwrite"), demo_project, digest)
    assert os.path.samefile(link, demo_project)


def test_check_refuses_the_project_through_a_symlinked_folder(
    demo_project: Path, tmp_path: Path
) -> None:
    digest = file_digest(demo_project)
    folder = tmp_path / "elsewhere"
    folder.symlink_to(demo_project.parent, target_is_directory=True)
    result = run("check", demo_project, "-o", folder / demo_project.name, "--overwrite")
    assert_refused(result, demo_project, digest)


def test_check_refuses_the_project_working_copy(demo_project: Path) -> None:
    # The write session copies the project to this name and swaps the copy in
    # at the end; an output written there would become the project.
    digest = file_digest(demo_project)
    copy = demo_project.with_name(f".{demo_project.name}.{os.getpid()}.tmp.gpkg")
    result = run("check", demo_project, "-o", copy, "--overwrite")
    assert_refused(result, demo_project, digest, "is a working file of the gridgis project")
    assert not copy.exists()


def test_export_never_writes_over_its_project(demo_project: Path) -> None:
    digest = file_digest(demo_project)
    result = run("export", demo_project, "--layer", "grids", "-o", demo_project, "--overwrite")
    assert_refused(result, demo_project, digest)
    link = demo_project.with_name("grids.csv")
    link.symlink_to(demo_project)
    result = run("export", demo_project, "--layer", "assignments", "-o", link, "--overwrite")
    assert_refused(result, demo_project, digest)


@pytest.fixture
def hostile_ledger_project(tmp_path: Path) -> Path:
    """The box township with a ledger whose names are formulas and whose USCCs are invalid."""
    villages = tmp_path / "v.geojson"
    box_villages().to_file(villages)
    project = tmp_path / "p.gpkg"
    assert run("init", project, "--admin", villages).exit_code == 0
    ledger = tmp_path / "ledger.csv"
    with ledger.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["企业名称", "统一社会信用代码", "所属乡/镇/街道", "所属村/社区", "经度", "纬度"]
        )
        for number, name in enumerate(LEDGER_NAMES):
            writer.writerow([name, f"BAD{number}", "金山镇", "红星村", 106.205, 38.505])
    result = run("enterprises", "import", project, ledger)
    assert result.exit_code == 0, result.output
    return project


LEDGER_NAMES = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(A1)", "+1+1"]


def test_report_keeps_ledger_formulas_as_text(hostile_ledger_project: Path) -> None:
    output = hostile_ledger_project.with_name("quality.xlsx")
    result = run("report", hostile_ledger_project, "-o", output)
    assert result.exit_code == 0, result.output
    cells = [
        cell
        for sheet in openpyxl.load_workbook(output).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value in LEDGER_NAMES
    ]
    assert {cell.value for cell in cells} == set(LEDGER_NAMES)
    assert {cell.data_type for cell in cells} == {"s"}


def test_report_never_writes_over_its_project(hostile_ledger_project: Path) -> None:
    project = hostile_ledger_project
    digest = file_digest(project)
    link = project.with_name("quality.xlsx")
    os.link(project, link)
    assert_refused(run("report", project, "-o", link, "--overwrite"), project, digest)
    link.unlink()
    link.symlink_to(project)
    assert_refused(run("report", project, "-o", link, "--overwrite"), project, digest)


# -- never replace a project: check_output_path ---------------------------------
def make_project_file(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE versions (id INTEGER PRIMARY KEY)")
        connection.execute("CREATE TABLE project_meta (key TEXT, value TEXT)")
    connection.close()
    return path


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_project_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    make_project_file(tmp_path / "P.gpkg")
    monkeypatch.chdir(tmp_path)
    for spelling in ("P.gpkg", "./P.gpkg"):
        with pytest.raises(
            InputDataError,
            match=r"^P\.gpkg is a gridgis project; an export never replaces a project\. "
            r"Choose another output file$",
        ):
            check_output_path(Path(spelling), overwrite=overwrite)


def test_the_existing_signature_still_works(tmp_path: Path) -> None:
    check_output_path(tmp_path / "new.csv", overwrite=False)
    check_output_path(tmp_path / "new.xlsx", overwrite=True, suffixes={".xlsx"})


@pytest.mark.parametrize("content", [b"", b"not a database", b"\x00" * 4096])
def test_a_non_project_file_may_be_overwritten(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "out.gpkg"
    path.write_bytes(content)
    check_output_path(path, overwrite=True)


def test_an_sqlite_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    # It may be a damaged project: replacing what we cannot look at is refused.
    path = tmp_path / "out.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(
        InputDataError,
        match=r"cannot read .*out\.gpkg to make sure it is not "
        r"a gridgis project \(.*\); choose another output file",
    ):
        check_output_path(path, overwrite=True)


def test_an_ordinary_geopackage_may_be_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "grids.gpkg"
    write_frame(hostile_geoframe(), path)
    write_frame(hostile_geoframe(), path, overwrite=True)
    assert len(gpd.read_file(path, layer="grids")) == len(hostile_frame())


def test_protected_paths_that_do_not_exist_yet_are_refused(tmp_path: Path) -> None:
    project = tmp_path / "P.gpkg"  # not created: only its path is known
    (tmp_path / "sub").mkdir()
    spellings = [project, tmp_path / "sub" / ".." / "P.gpkg", tmp_path / "." / "P.gpkg"]
    dangling = tmp_path / "link.gpkg"
    dangling.symlink_to(project)
    folder = tmp_path / "folder"
    folder.symlink_to(tmp_path, target_is_directory=True)
    for output in [*spellings, dangling, folder / "P.gpkg"]:
        with pytest.raises(
            InputDataError,
            match=r"is the project P\.gpkg; an export never "
            r"replaces a project\. Choose another output file",
        ):
            check_output_path(output, overwrite=True, protected=[project])
    check_output_path(tmp_path / "other.gpkg", overwrite=True, protected=[project])


def test_protected_paths_that_exist_are_compared_as_files(tmp_path: Path) -> None:
    # Not a project by its tables (say, one being created): only `protected` knows.
    project = tmp_path / "P.gpkg"
    project.write_text("")
    link = tmp_path / "copy.gpkg"
    os.link(project, link)
    for output in (link, project):
        with pytest.raises(InputDataError, match=r"is the project P\.gpkg"):
            check_output_path(output, overwrite=True, protected=[str(project)])


@pytest.mark.parametrize("name", [".P.gpkg.lock", ".P.gpkg.4242.tmp.gpkg"])
def test_project_sidecars_are_refused(tmp_path: Path, name: str) -> None:
    project = make_project_file(tmp_path / "P.gpkg")
    message = rf"{name} is a working file of the gridgis project P\.gpkg"
    for suffixes in (None, {".lock", ".gpkg"}):
        with pytest.raises(InputDataError, match=message):
            check_output_path(tmp_path / name, overwrite=True, suffixes=suffixes)
        with pytest.raises(InputDataError, match=message):
            check_output_path(
                tmp_path / name, overwrite=True, suffixes=suffixes, protected=[project]
            )


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    with pytest.raises(InputDataError, match=r"out\.csv is a folder; give the name of a file"):
        check_output_path(folder, overwrite=True)


def test_a_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    parent = tmp_path / "notes.txt"
    parent.write_text("")
    with pytest.raises(InputDataError, match=r"notes\.txt is not a folder"):
        check_output_path(parent / "out.csv", overwrite=True)


def test_a_parent_that_is_not_writable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root passes every permission check (CI runs as root), so os.access says no.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(
        InputDataError,
        match=r"cannot write in folder .*: permission denied; choose another folder",
    ):
        check_output_path(tmp_path / "out.csv", overwrite=True)


def test_every_writer_refuses_a_project(tmp_path: Path) -> None:
    project = make_project_file(tmp_path / "P.gpkg")
    workbook_alias = tmp_path / "P.xlsx"
    os.link(project, workbook_alias)
    digest = file_digest(project)
    listing = folder_listing(tmp_path)
    with pytest.raises(InputDataError, match="is a gridgis project"):
        write_frame(hostile_frame(), project, overwrite=True)
    with pytest.raises(InputDataError, match="is a gridgis project"):
        BatchWriter(project, layer="grids", overwrite=True)
    with pytest.raises(InputDataError, match="is a gridgis project"):
        write_workbook({"sheet": hostile_frame()}, workbook_alias, overwrite=True)
    assert file_digest(project) == digest
    assert folder_listing(tmp_path) == listing


def test_every_writer_passes_protected_on(tmp_path: Path) -> None:
    project = tmp_path / "P.gpkg"  # not created yet
    (tmp_path / "sub").mkdir()
    output = tmp_path / "sub" / ".." / "P.gpkg"
    with pytest.raises(InputDataError, match=r"is the project P\.gpkg"):
        write_frame(hostile_geoframe(), output, protected=[project])
    with pytest.raises(InputDataError, match=r"is the project P\.gpkg"):
        BatchWriter(output, layer="grids", protected=[project])
    workbook = tmp_path / "P.xlsx"
    with pytest.raises(InputDataError, match=r"is the project P\.xlsx"):
        write_workbook({"sheet": hostile_frame()}, workbook, protected=[workbook])
    assert folder_listing(tmp_path) == ["sub"]


def test_control_characters_become_a_visible_mark_in_a_workbook(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "out.xlsx"
    write_workbook({"问题": pd.DataFrame({"name": ["甲\x07公司", "乙公司"]})}, path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "甲\ufffd公司"
    assert sheet["A3"].value == "乙公司"
    assert "control characters" in caplog.text


def test_text_longer_than_an_excel_cell_is_refused_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with pytest.raises(InputDataError, match=r"column 'wkt', data row 2: 40,000 characters"):
        write_workbook({"grids": pd.DataFrame({"wkt": ["short", "x" * 40_000]})}, path)
    assert not path.exists()


def test_a_grid_workbook_carries_attributes_only(demo_run, tmp_path: Path) -> None:
    out, _ = demo_run
    path = tmp_path / "grids.xlsx"
    result = CliRunner().invoke(
        cli, ["export", str(out / "helan.gpkg"), "--layer", "grids", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    header = [cell.value for cell in next(openpyxl.load_workbook(path).active.iter_rows())]
    assert "grid_code" in header and "wkt" not in header
