"""``gridgis staff import``: the roster resolved to places and roles, stored as a version."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.store import LayerChange, ProjectReader, edit_project
from gridgis.progress import Progress, silent
from gridgis.project.access import open_for_writing
from gridgis.project.settings import record_configuration, record_inputs
from gridgis.summary import Summarised


@dataclass(repr=False)
class StaffImportReport(Summarised):
    """What ``staff import`` read and changed."""

    version: int
    source: Path
    sheet: str | None
    people: int
    empty_rows: int
    roles: dict[str, int]  # role -> people, in the guideline's order
    base_grids: int
    grids_with_member: int
    change: LayerChange
    people_changes: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def grids_without_member(self) -> int:
        """Base grids no 网格员 of the roster serves (they get the rules' default)."""
        return self.base_grids - self.grids_with_member

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            ("version", self.version),
            ("people", self.people),
            ("roles", ", ".join(f"{role} {count}" for role, count in self.roles.items())),
            ("base grids with a 网格员", f"{self.grids_with_member} of {self.base_grids}"),
        ]


def import_staff(
    project: Path,
    roster_path: Path,
    *,
    command: str,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: Progress = silent,
) -> StaffImportReport:
    """Import (or re-import) a staff roster into the project as a new version.

    Every row must resolve to a place of the project (a current grid, a
    village, a township or a department of ``data/departments.toml``) with one
    of the guideline's roles. If any row has a problem (no name, an unknown
    role, an unknown place, a duplicate) nothing is written and the error
    lists the first few rows by spreadsheet row number: see
    :mod:`gridgis.staff` for why bad rows are fatal.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    roster_path : Path
        XLSX or CSV (UTF-8, UTF-8 with BOM or GBK); see
        :func:`gridgis.io.roster.read_roster`.
    command : str
        The command line, for the version log.
    sheet, encoding : str, optional
        The worksheet of an XLSX roster; the text encoding of a CSV one.
    progress : Progress
        Progress while writing the staff layer.

    Returns
    -------
    StaffImportReport
        People per role, grids with and without a 网格员, and the layer change
        (people added, changed, removed), keyed by a stable ``staff_id``.

    Raises
    ------
    InputDataError
        If the file cannot be read or a row has a problem.
    """
    from gridgis.codes import default_scheme
    from gridgis.io.roster import read_roster
    from gridgis.staff import (
        ROLES,
        STAFF_COLUMNS,
        build_staff,
        describe_people,
        members_per_grid,
        problems_message,
    )

    # A missing or read-only project is reported before the roster is read.
    open_for_writing(project, command=command)
    roster = read_roster(roster_path, sheet=sheet, encoding=encoding)
    with edit_project(
        project, command=command, note=f"import staff roster {roster_path.name}"
    ) as writer:
        admin = writer.read_layer("admin_units", columns=["code", "name", "level", "parent_code"])
        grid_columns = ["grid_code", "kind", "level", "admin_code", "department"]
        grids = writer.read_layer("grids", columns=grid_columns)
        if grids.empty:  # staff may be imported before the first division
            grids = pd.DataFrame(columns=grid_columns)
        scheme = default_scheme()
        built = build_staff(roster.people, admin, grids, scheme.departments)
        record_inputs(writer, "roster", [roster_path])
        record_configuration(writer, "departments", scheme.departments_source)
        if len(built.problems):
            raise InputDataError(problems_message(built.problems, roster_path.name))
        staff = built.staff
        stored = writer.read_layer("staff")
        previous = pd.DataFrame(stored.drop(columns="geometry", errors="ignore"))
        change = writer.put_layer_chunks(
            "staff", [pd.DataFrame(staff[list(STAFF_COLUMNS)])], progress=progress
        )
        labels = dict(zip(staff["staff_id"], describe_people(staff), strict=True))
        if len(previous):
            before = dict(zip(previous["staff_id"], describe_people(previous), strict=True))
            labels = {**before, **labels}
        people_changes = {
            kind: sorted(labels.get(key, key) for key in getattr(change, kind))
            for kind in ("added", "changed", "removed")
        }
        writer.write_table(
            "staff_rows",
            staff[["staff_id", "row"]].assign(sheet=roster.sheet),
            "roster row of each person, as last imported",
        )
        members = members_per_grid(staff, grids)
        base_grids = int(((grids["level"] == "base") & (grids["kind"] == "territorial")).sum())
        counts = staff["role"].value_counts()
        roles = {role: int(counts.get(role, 0)) for role in ROLES}
        writer.append_table(
            "staff_imports",
            pd.DataFrame(
                [
                    {
                        "version": writer.version,
                        "roster": roster_path.name,
                        "people": len(staff),
                        "added": change.count("added"),
                        "changed": change.count("changed"),
                        "removed": change.count("removed"),
                        "unchanged": change.count("unchanged"),
                        "base_grids": base_grids,
                        "grids_with_member": len(members),
                    }
                ]
            ),
            "staff roster imports",
        )
        writer.note = (
            f"import staff roster {roster_path.name}: {len(staff)} people, {roles['网格员']} 网格员"
        )
        version = writer.version
    return StaffImportReport(
        version,
        roster_path,
        roster.sheet,
        len(staff),
        roster.empty_rows,
        roles,
        base_grids,
        len(members),
        change,
        people_changes,
        list(roster.notes),
    )


def roster_members(reader: ProjectReader, grids: gpd.GeoDataFrame) -> dict[str, float] | None:
    """Grid members per base grid from the project's staff, or None without a roster."""
    from gridgis.staff import members_per_grid

    staff = reader.read_layer("staff", columns=["role", "place_level", "grid_code", "village_code"])
    if staff.empty:
        return None
    return members_per_grid(pd.DataFrame(staff.drop(columns="geometry", errors="ignore")), grids)
