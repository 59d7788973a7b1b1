"""``gridgis stats``: the grid statistics table (网格化统计表) of a project, as XLSX and CSV.

The counts are defined in :mod:`gridgis.statistics`; they are taken from the
last ``gridgis assign`` and checked against the conservation line it wrote in
the version log (``rows N = territorial T + sector S + unassigned U``): the
table's 台账内 must be N and its 已录入系统并落格 T + S.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.assignment_view import iter_assignments
from gridgis.io.safety import atomic_path, check_output_path, neutralise_formulas
from gridgis.io.store import ProjectReader, open_project
from gridgis.render.statistics import statistics_frame, write_statistics_xlsx
from gridgis.statistics import GridStatistics, count_statistics

logger = logging.getLogger(__name__)

_CONSERVATION = re.compile(r"rows (\d+) = territorial (\d+) \+ sector (\d+) \+ unassigned (\d+)")
_ASSIGNMENT_COLUMNS = [
    "enterprise_id",
    "grid_code",
    "kind",
    "department",
    "located_village",
    "declared_village",
]


@dataclass
class StatsReport:
    """What ``gridgis stats`` counted and wrote."""

    table: GridStatistics
    version: int
    conservation: str | None
    agrees: bool
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_stats(
    project: Path,
    output: Path,
    *,
    csv: Path | None = None,
    overwrite: bool = False,
    date: dt.date | None = None,
) -> StatsReport:
    """Count the statistics table of a project and write it as XLSX (and CSV).

    Parameters
    ----------
    project : Path
        A project with grids and assignments (a roster is optional: without
        one the people columns are empty).
    output : Path
        The ``.xlsx`` file, laid out as Appendix A sample table 2.
    csv : Path, optional
        Also write block 2 as a flat CSV (UTF-8 with BOM).
    overwrite : bool
        Replace existing files.
    date : date, optional
        The date printed in the table (default: today).

    Returns
    -------
    StatsReport

    Raises
    ------
    InputDataError
        If an output path is refused, or the project has no grids or no
        assignments.
    """
    check_output_path(output, overwrite=overwrite, suffixes={".xlsx"}, protected=[project])
    if csv is not None:
        check_output_path(csv, overwrite=overwrite, suffixes={".csv"}, protected=[project, output])
    reader = open_project(project)
    table, notes = _count(reader, project)
    conservation = _last_conservation(reader)
    agrees = True
    if conservation is not None:
        rows, territorial, sector, _ = conservation[1]
        agrees = table.units.in_ledger == rows and table.units.placed == territorial + sector
        if not agrees:
            notes.append(
                f"the counts (台账内 {table.units.in_ledger}, 已落格 {table.units.placed}) "
                f"disagree with the last assign: {conservation[0]}"
            )
    day = date or dt.date.today()
    written = [output]
    with atomic_path(output) as temporary:
        write_statistics_xlsx(
            table,
            temporary,
            date=f"{day.year}年{day.month}月{day.day}日",
            version=reader.current_version,
        )
    if csv is not None:
        frame = neutralise_formulas(statistics_frame(table))
        with atomic_path(csv) as temporary:
            frame.to_csv(temporary, index=False, encoding="utf-8-sig")
        written.append(csv)
    return StatsReport(
        table,
        reader.current_version,
        conservation[0] if conservation else None,
        agrees,
        written,
        notes,
    )


def _count(reader: ProjectReader, project: Path) -> tuple[GridStatistics, list[str]]:
    from gridgis.codes import default_scheme

    notes: list[str] = []
    grids = pd.DataFrame(reader.read_grids().drop(columns="geometry", errors="ignore"))
    if grids.empty:
        raise InputDataError(f"{project.name} has no grids; run 'gridgis divide' first")
    if not reader.has_rows("assignments"):
        raise InputDataError(
            f"{project.name} has no assignments, and the unit counts come from them; "
            "run 'gridgis assign' first"
        )
    admin = pd.DataFrame(
        reader.read_layer("admin_units", columns=["code", "name", "level"]).drop(
            columns="geometry", errors="ignore"
        )
    )
    assignments = pd.concat(
        list(iter_assignments(project, columns=_ASSIGNMENT_COLUMNS)), ignore_index=True
    )
    plants = _rented_or_abandoned(reader)
    assignments["rented_or_abandoned"] = (
        assignments["enterprise_id"].map(plants).fillna(False).astype(bool)
    )
    if len(plants) != len(assignments):
        notes.append(
            f"the ledger now has {len(plants)} units but the last assign placed "
            f"{len(assignments)}: the counts are those of the last assign; run "
            "'gridgis assign' to count the new ledger"
        )
    staff = pd.DataFrame(reader.read_layer("staff").drop(columns="geometry", errors="ignore"))
    if staff.empty:
        notes.append("the project has no staff roster: the people columns are empty")
    departments = {number: d.name for number, d in default_scheme().departments.items()}
    return count_statistics(grids, admin, assignments, staff, departments), notes


def _rented_or_abandoned(reader: ProjectReader) -> pd.Series:
    """Each current enterprise's id → whether it is a rented or an abandoned plant."""
    parts = [
        frame.set_index("enterprise_id")["rented_plant"].fillna(False).astype(bool)
        | frame.set_index("enterprise_id")["abandoned_plant"].fillna(False).astype(bool)
        for frame in reader.iter_layer(
            "enterprises",
            columns=["enterprise_id", "rented_plant", "abandoned_plant"],
            with_geometry=False,
        )
    ]
    return pd.concat(parts) if parts else pd.Series(dtype=bool)


def _last_conservation(reader: ProjectReader) -> tuple[str, tuple[int, int, int, int]] | None:
    """Return the last assign's conservation line and its four numbers, from the version log."""
    notes = reader.versions()["note"].dropna().astype(str)
    for note in reversed(notes.tolist()):
        if note.startswith("assign"):
            found = _CONSERVATION.search(note)
            if found:
                numbers = tuple(int(n) for n in found.groups())
                return found.group(0), (numbers[0], numbers[1], numbers[2], numbers[3])
    return None
