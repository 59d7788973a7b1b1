"""``gridgis enterprises import``: a ledger read, normalised and stored as a version."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gridgis.io.ledger import LedgerOptions
from gridgis.io.store import LayerChange, edit_project
from gridgis.prefetch import prefetched
from gridgis.progress import Progress, silent
from gridgis.project.access import open_for_writing
from gridgis.project.settings import record_inputs
from gridgis.summary import Summarised


@dataclass(repr=False)
class ImportReport(Summarised):
    """What ``enterprises import`` read and changed."""

    version: int
    rows: int
    empty_rows: int
    change: LayerChange
    problems: pd.Series  # rows per problem kind
    notes: list[str] = field(default_factory=list)
    #: Problem kind -> why every row has it: a column the ledger lacks altogether.
    missing_columns: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        change = self.change
        return [
            ("version", self.version),
            ("rows", self.rows),
            (
                "enterprises",
                f"{change.count('added')} new, {change.count('changed')} changed, "
                f"{change.count('removed')} removed, {change.count('unchanged')} unchanged",
            ),
            ("problems", ", ".join(f"{k} {v}" for k, v in self.problems.items()) or "none"),
        ]


PROBLEM_CONTEXT = [
    "row",
    "source_row",
    "source_sheet",
    "name",
    "uscc",
    "township",
    "village",
    "address",
    "lon_input",
    "lat_input",
]


def import_ledger(
    project: Path,
    ledger: Path,
    *,
    command: str,
    sheet: str | None = None,
    coords: str | None = None,
    coords_column: str | None = None,
    encoding: str | None = None,
    chunk_rows: int = 200_000,
    progress: Progress = silent,
) -> ImportReport:
    """Import (or re-import) an enterprise ledger into the project as a new version.

    The ledger is read in chunks, so its size is bounded by disk, not memory.
    Every row is kept: invalid USCCs, duplicates and rows without usable
    coordinates are stored and listed in the ``ledger_problems`` table.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    ledger : Path
        CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX in the Appendix A layout.
    command : str
        The command line, for the version log.
    sheet, coords, coords_column, encoding : str, optional
        See :func:`gridgis.io.ledger.read_ledger`.
    chunk_rows : int
        Rows read and written at a time.
    progress : Progress
        Progress over chunks.

    Returns
    -------
    ImportReport
        The layer change (new, changed and removed enterprises) and the problems.
    """
    from gridgis.enterprises import with_points

    reader = open_for_writing(project, command=command)
    county = reader.read_layer("admin_units", where="level = 'county'")
    box = county.total_bounds
    options = LedgerOptions(
        sheet=sheet,
        encoding=encoding,
        coords=coords,
        coords_column=coords_column,
        county_bounds=(float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        if len(county)
        else None,
        chunk_rows=chunk_rows,
    )
    # Check the file, its header and the options here, before the project is
    # opened for writing; the helper process then reads it for real.
    _check_ledger(ledger, options)
    tally = {"rows": 0, "empty": 0, "problems": 0}
    kinds: dict[str, int] = {}
    notes: list[str] = []
    missing: dict[str, str] = {}

    with edit_project(project, command=command, note=f"import ledger {ledger.name}") as writer:
        record_inputs(writer, "ledger", [ledger])
        positions = writer.table_writer("ledger_rows")
        problems = writer.table_writer("ledger_problems")

        def layer_chunks():  # a generator of GeoDataFrames, one per ledger chunk
            # Reading and normalising run in a second process, overlapping
            # GDAL's write of the previous chunk here.
            for part in prefetched(_ledger_parts, ledger, options):
                if not notes:
                    notes.extend(part.notes)
                    missing.update(part.missing_columns)
                tally["rows"] += len(part.rows)
                tally["empty"] += part.empty_rows
                positions.write(part.positions)
                if len(part.problems) or not problems.rows:
                    problems.write(part.problems)
                    tally["problems"] += len(part.problems)
                    for kind, count in part.problems["kind"].value_counts().items():
                        kinds[kind] = kinds.get(kind, 0) + int(count)
                yield with_points(part.rows)

        change = writer.put_layer_chunks(
            "enterprises", layer_chunks(), geometry_type="Point", progress=progress
        )
        writer.append_table(
            "ledger_imports",
            pd.DataFrame(
                [
                    {
                        "version": writer.version,
                        "ledger": ledger.name,
                        "rows": tally["rows"],
                        "empty_rows": tally["empty"],
                        "added": change.count("added"),
                        "changed": change.count("changed"),
                        "removed": change.count("removed"),
                        "unchanged": change.count("unchanged"),
                        "problems": tally["problems"],
                    }
                ]
            ),
            "ledger imports",
        )
        version = writer.version
    # A column missing altogether is one note, not a problem row per row, but
    # it counts in the summary as every row's problem, as an empty cell would.
    for kind in missing:
        kinds[kind] = kinds.get(kind, 0) + tally["rows"]
    problem_counts = pd.Series(kinds, dtype="int64").rename("rows")
    return ImportReport(
        version, tally["rows"], tally["empty"], change, problem_counts, notes, missing
    )


@dataclass
class _LedgerPart:
    """One chunk of a ledger, read, normalised and identified (see :func:`_ledger_parts`)."""

    rows: pd.DataFrame  # the enterprises layer's attribute columns
    positions: pd.DataFrame  # ledger row number → enterprise_id
    problems: pd.DataFrame  # with the context a user fixes the ledger from
    empty_rows: int
    notes: tuple[str, ...]
    missing_columns: dict[str, str]


def _check_ledger(ledger: Path, options: LedgerOptions) -> None:
    """Raise the ledger's file, header or option errors now (the chunks are read later).

    What the check would say about the ledger is not logged: the helper
    process says it when it reads the file for real, so it is said once.
    """
    from gridgis.io.ledger import iter_ledger_chunks

    ledger_logger = logging.getLogger("gridgis.io.ledger")
    previous = ledger_logger.disabled
    ledger_logger.disabled = True
    try:
        chunks = iter_ledger_chunks(ledger, options)
        chunks.close()
    finally:
        ledger_logger.disabled = previous


def _ledger_parts(ledger: Path, options: LedgerOptions) -> Iterator[_LedgerPart]:
    """Read a ledger chunk by chunk: normalised rows, stable ids, positions and problems."""
    from gridgis.enterprises import EnterpriseIds, enterprise_rows
    from gridgis.io.ledger import iter_ledger_chunks

    make_ids = EnterpriseIds()
    for chunk in iter_ledger_chunks(ledger, options):
        rows = chunk.enterprises
        ids = make_ids(rows).to_numpy()
        context = rows[PROBLEM_CONTEXT].assign(enterprise_id=ids)
        found = chunk.problems.drop(columns=["source_row"], errors="ignore")
        found = found.merge(context, on="row", how="left")
        yield _LedgerPart(
            rows=enterprise_rows(rows, pd.Series(ids, index=rows.index)),
            # The spreadsheet row and sheet follow from the row number
            # (ledger_problems carries them for the rows with problems).
            positions=rows[["row"]].assign(enterprise_id=ids).reset_index(drop=True),
            problems=found.astype({"value": str}) if len(found) else found,
            empty_rows=chunk.empty_rows,
            notes=tuple(chunk.info.notes),
            missing_columns=dict(chunk.info.missing_columns),
        )
