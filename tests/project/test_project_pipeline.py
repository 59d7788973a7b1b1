"""The ledger, staff, assign, report and export use cases, called directly on the demo county."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR
from gridgis.project.assign import assign_project
from gridgis.project.check import check_project
from gridgis.project.export import export_layer
from gridgis.project.ledger import import_ledger
from gridgis.project.report import quality_report
from gridgis.project.staff import import_staff, roster_members


@pytest.fixture
def project(demo_divided: Path, tmp_path: Path) -> Path:
    path = tmp_path / "helan.gpkg"
    shutil.copyfile(demo_divided, path)
    return path


def test_re_importing_the_same_ledger_changes_nothing(project: Path) -> None:
    version = open_project(project).current_version
    report = import_ledger(project, DEMO_DIR / "enterprises.xlsx", command="again")
    assert report.rows == 3000
    assert report.change.count("unchanged") == 3000
    assert report.change.count("added") == report.change.count("changed") == 0
    assert report.version == version + 1
    assert report.problems.sum() > 0  # the demo ledger's faults are listed again


def test_staff_give_grids_their_members_and_assign_uses_them(project: Path) -> None:
    staff = import_staff(project, DEMO_DIR / "staff.xlsx", command="staff")
    assert staff.people > 1000 and staff.roles["网格员"] > 0
    reader = open_project(project)
    members = roster_members(reader, reader.read_layer("grids"))
    assert members is not None and len(members) == staff.grids_with_member
    report = assign_project(project, command="assign")
    assert report.adds_up
    assert report.rows == report.territorial + report.sector + report.unassigned == 3000
    assert report.version == staff.version + 1
    capacity = open_project(project).read_table("capacity")
    assert len(capacity) and (capacity["members"] > 0).all()


def test_report_and_export_read_what_assign_stored(demo_assigned: Path, tmp_path: Path) -> None:
    sheets = quality_report(demo_assigned)
    summary = sheets["汇总"].set_index("sheet")["rows"]
    assert summary["未落格"] == len(sheets["未落格"])
    assert next(iter(sheets)) == "汇总"
    rows = export_layer(demo_assigned, "assignments", tmp_path / "a.csv")
    assert rows == 3000
    exported = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig", dtype=str)
    assert exported["grid_code"].notna().sum() == 3000 - summary["未落格"]


def test_check_stores_its_problems(project: Path, tmp_path: Path) -> None:
    version = open_project(project).current_version
    result = check_project(project, command="check", output=tmp_path / "issues.gpkg")
    assert result.ok
    assert open_project(project).current_version == version  # a check only reads
    check_project(project, command="check", save=True)
    assert open_project(project).versions()["note"].iloc[-1] == "check: clean"
