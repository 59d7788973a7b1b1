"""Project-level operations: each reads files or the store, calls the core, writes back.

These are the functions the CLI commands call. They keep files and the store at
the edges: the core modules (:mod:`gridgis.admin`, :mod:`gridgis.topology`, …)
see only GeoDataFrames.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgis.admin import build_admin_units
from gridgis.errors import InputDataError
from gridgis.io import gpkg
from gridgis.io.assignment_view import (
    ASSIGNMENT_COLUMNS,
    iter_assignments,
    read_assignments,
    refresh_map_view,
)
from gridgis.io.output import check_output_path, write_frame
from gridgis.io.store import ProjectReader, edit_project, open_project, single_part_polygons
from gridgis.io.vector import VectorRead, read_vector
from gridgis.prefetch import prefetched
from gridgis.progress import Progress, silent
from gridgis.topology import CheckResult, CheckSettings, check_admin_units, check_grids

logger = logging.getLogger(__name__)


@dataclass
class InitReport:
    """What ``init`` read, repaired and built."""

    project: Path
    version: int
    reads: list[VectorRead]
    units: gpd.GeoDataFrame
    repaired: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def level_counts(self) -> dict[str, int]:
        """Count units per level."""
        counts = self.units["level"].value_counts()
        return {level: int(counts.get(level, 0)) for level in ("county", "township", "village")}


def init_project(
    project: Path,
    admin_files: list[Path],
    *,
    command: str,
    layer: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    overwrite: bool = False,
) -> InitReport:
    """Create a project from administrative boundary files.

    Parameters
    ----------
    project : Path
        The GeoPackage to create.
    admin_files : list of Path
        Boundary files (Shapefile, zipped Shapefile, GeoPackage, GeoJSON) at
        any of the county, township and village levels.
    command : str
        The command line, for the version log.
    layer, code_field, name_field, encoding, crs : str, optional
        See :func:`gridgis.io.vector.read_vector` and
        :func:`gridgis.admin.detect_fields`.
    overwrite : bool
        Replace an existing project.

    Returns
    -------
    InitReport

    Raises
    ------
    CodeError
        If the code scheme refuses the county: its grids could get no codes.
    """
    from gridgis.codes import load_code_scheme

    if project.exists() and not overwrite:
        raise InputDataError(f"{project} already exists; pass --overwrite to replace it")
    if project.suffix.lower() != ".gpkg":
        raise InputDataError(f"{project.name}: a project is a GeoPackage; name it *.gpkg")
    reads = [read_vector(path, layer=layer, encoding=encoding, crs=crs) for path in admin_files]
    scheme = load_code_scheme()
    built = build_admin_units(
        [(read.source.name, read.frame) for read in reads],
        code_field=code_field,
        name_field=name_field,
        county_names=scheme.counties,
    )
    county = built.units.loc[built.units["level"] == "county"].iloc[0]
    notes = [note for read in reads for note in read.notes] + built.notes
    # Refuse now a county the scheme cannot code, not after a long division.
    if not scheme.county_name(county["code"]):
        notes.append(
            f"county {county['code']} is not one of the {len(scheme.counties)} counties of "
            f"{scheme.region or 'the region'} in {scheme.source}; its grids get codes of the "
            "same layout"
        )
    with edit_project(
        project,
        command=command,
        note=f"init from {', '.join(p.name for p in admin_files)}",
        create=True,
        overwrite=overwrite,
        meta={"county_code": county["code"], "county_name": county["name"]},
    ) as writer:
        writer.put_layer("admin_units", built.units)
        if not built.repaired.empty:
            writer.write_table("repairs", built.repaired, "geometries repaired at import")
        version = writer.version
    return InitReport(project, version, reads, built.units, built.repaired, notes)


def check_project(
    project: Path,
    *,
    command: str,
    settings: CheckSettings | None = None,
    output: Path | None = None,
    overwrite: bool = False,
) -> CheckResult:
    """Check a project's admin units and store the problems in ``check_issues``.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    command : str
        The command line, for the version log.
    settings : CheckSettings, optional
        Tolerances.
    output : Path, optional
        Also write the problems to this file (any vector format, CSV or XLSX).
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    CheckResult
    """
    if output is not None:
        check_output_path(output, overwrite=overwrite, protected=[project])
    reader = open_project(project, for_writing=True)
    units = reader.read_layer("admin_units")
    result = check_admin_units(units, settings)
    grids = reader.read_layer("grids")
    if len(grids):
        result = result.merged(check_grids(grids, units))
    note = f"check: {len(result.issues)} problems" if len(result.issues) else "check: clean"
    with edit_project(project, command=command, note=note) as writer:
        writer.write_features("check_issues", result.issues)
        if output is not None:
            write_frame(
                result.issues,
                output,
                overwrite=overwrite,
                layer="check_issues",
                protected=[project],
            )
    return result


GRID_EXPORT_COLUMNS = ["grid_code", "kind", "level", "admin_code", "name", "load", "area_km2"]


ASSIGNMENT_EXPORT_COLUMNS = ["uscc", "name", "grid_code", "kind", "method", "reason", "lon", "lat"]
EXPORT_COLUMNS = {"grids": GRID_EXPORT_COLUMNS, "assignments": ASSIGNMENT_EXPORT_COLUMNS}


def export_layer(
    project: Path,
    layer: str,
    output: Path,
    *,
    version: int | None = None,
    overwrite: bool = False,
) -> int:
    """Write a project layer, as it was at a version, to a file.

    Large layers are written a batch at a time, so exporting millions of
    assignments needs little memory.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    layer : {"grids", "assignments"}
        Grids: ``grid_code``, ``kind``, ``level``, ``admin_code``, ``name``,
        ``load``, ``area_km2``. Assignments: ``uscc``, ``name``,
        ``grid_code``, ``kind``, ``method``, ``reason``, ``lon``, ``lat``
        (CGCS2000).
    output : Path
        GPKG, GeoJSON, SHP, CSV (UTF-8 with BOM; geometry as WKT for grids) or
        XLSX (attributes only: an outline may not fit in a cell).
    version : int, optional
        Default: the current version.
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    int
        Rows written.
    """
    from gridgis.io.output import BatchWriter

    if layer not in EXPORT_COLUMNS:
        raise InputDataError(f"cannot export layer {layer!r}; choose grids or assignments")
    check_output_path(output, overwrite=overwrite, protected=[project])
    reader = open_project(project)
    if not reader.has_layer(layer) or not reader.has_rows(layer, version=version):
        hint = "gridgis divide" if layer == "grids" else "gridgis assign"
        raise InputDataError(
            f"{project.name} has no {layer}"
            + (f" at version {version}" if version else "")
            + f"; run '{hint}' first"
        )
    columns = EXPORT_COLUMNS[layer]
    written = 0
    # A grid's outline as WKT can be longer than an Excel cell holds (32,767
    # characters): a workbook carries the grids' attributes only.
    keep_geometry = layer == "grids" and output.suffix.lower() != ".xlsx"
    with BatchWriter(
        output,
        layer=layer,
        overwrite=overwrite,
        keep_geometry=keep_geometry,
        protected=[project],
    ) as sink:
        if layer == "grids":
            grids = reader.read_layer("grids", version=version).sort_values("grid_code")
            batches = [grids]
        else:
            batches = iter_assignments(project, version=version, columns=columns, geometry=True)
        for batch in batches:
            frame = single_part_polygons(
                gpd.GeoDataFrame(batch[columns], geometry=batch.geometry.to_numpy(), crs=batch.crs)
            )
            sink.write(frame)
            written += len(frame)
    return written


def diff_versions(project: Path, before: int, after: int) -> pd.DataFrame:
    """Classify every grid between two versions (see :func:`gridgis.changes.diff_grids`)."""
    from gridgis.changes import diff_grids

    reader = open_project(project)
    return diff_grids(
        reader.read_layer("grids", version=before), reader.read_layer("grids", version=after)
    )


GRID_COLUMNS = [
    "grid_code",
    "kind",
    "level",
    "admin_code",
    "name",
    "sequence",
    "department",
    "load",
    "load_kind",
    "area_km2",
    "polsby_popper",
    "geometry",
]


@dataclass
class DivideReport:
    """What ``divide`` did: the division, the codes kept, issued and retired."""

    version: int
    division: object  # gridgis.divide.Division
    kept: list[str]
    issued: list[str]
    retired: list[str]
    notes: list[str] = field(default_factory=list)


def select_villages(
    admin_units: gpd.GeoDataFrame,
    *,
    villages: list[str] | tuple[str, ...] = (),
    townships: list[str] | tuple[str, ...] = (),
) -> gpd.GeoDataFrame:
    """Pick villages by village or township code (all villages when both are empty).

    Raises
    ------
    InputDataError
        Naming every code the project does not have.
    """
    all_villages = admin_units[admin_units["level"] == "village"]
    if not villages and not townships:
        return all_villages
    known_townships = set(admin_units.loc[admin_units["level"] == "township", "code"])
    unknown = [c for c in villages if c not in set(all_villages["code"])]
    unknown += [c for c in townships if c not in known_townships]
    if unknown:
        examples = ", ".join(all_villages["code"].head(3))
        raise InputDataError(
            f"unknown village or township code {', '.join(unknown)}; "
            f"the project has {len(all_villages)} villages (e.g. {examples})"
        )
    chosen = all_villages["code"].isin(villages) | all_villages["parent_code"].isin(townships)
    return all_villages[chosen]


def _read_lines(paths: list[Path], notes: list[str]) -> gpd.GeoDataFrame | None:
    if not paths:
        return None
    frames = []
    for path in paths:
        read = read_vector(path)
        notes.extend(read.notes)
        kinds = set(read.frame.geom_type.dropna())
        if not kinds <= {"LineString", "MultiLineString", "Polygon", "MultiPolygon"}:
            raise InputDataError(
                f"{path.name}: barriers must be lines or polygons, not {', '.join(sorted(kinds))}"
            )
        frames.append(read.frame[["geometry"]].assign(source=path.name))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _read_points(path: Path, notes: list[str], what: str) -> gpd.GeoDataFrame:
    read = read_vector(path)
    notes.extend(read.notes)
    kinds = set(read.frame.geom_type.dropna())
    if what == "load points" and not kinds <= {"Point", "MultiPoint"}:
        raise InputDataError(f"{path.name}: {what} must be points, not {', '.join(sorted(kinds))}")
    return read.frame


def divide_project(
    project: Path,
    *,
    by: str,
    max_load: float,
    command: str,
    villages: list[str] | tuple[str, ...] = (),
    townships: list[str] | tuple[str, ...] = (),
    barriers: list[Path] | tuple[Path, ...] = (),
    load_points: Path | None = None,
    weight_field: str | None = None,
    buildings: Path | None = None,
    seed: int = 0,
    progress: Progress = silent,
) -> DivideReport:
    """Divide (or re-divide) villages of a project into coded base grids.

    Grids of villages not selected keep their codes and geometry exactly.
    Inside a re-divided village, grids whose footprint is essentially
    unchanged keep their codes (see :mod:`gridgis.registry`).

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    by : {"enterprises", "households", "area"}
        The load.
    max_load : float
        The largest load a grid may carry.
    command : str
        The command line, for the version log.
    villages, townships : sequence of str
        Which villages to divide (default: all).
    barriers : sequence of Path
        Line files (roads, rivers, railways) that grid edges should follow.
    load_points : Path, optional
        Points carrying the load for ``by="enterprises"`` (default: the
        project's located enterprises).
    weight_field : str, optional
        Weight column of ``load_points``.
    buildings : Path, optional
        Building points or footprints to spread households over.
    seed : int
        The same input and seed give the same grids.
    progress : Progress
        Progress reporting over villages.

    Returns
    -------
    DivideReport
    """
    from gridgis.divide import divide_villages
    from gridgis.registry import (
        empty_registry,
        level_grid_rows,
        recode_villages,
        register_level_grids,
        registry_for_storage,
    )

    if max_load <= 0:
        raise InputDataError(f"--max-load must be greater than 0, not {max_load:g}")
    reader = open_project(project, for_writing=True)
    admin = reader.read_layer("admin_units")
    selected = select_villages(admin, villages=villages, townships=townships)
    notes: list[str] = []
    barrier_lines = _read_lines(list(barriers), notes)
    points = None
    if load_points is not None:
        points = _read_points(load_points, notes, "load points")
    elif by == "enterprises":
        points = _located_enterprises(reader)
    building_frame = _read_points(buildings, notes, "buildings") if buildings else None

    division = divide_villages(
        selected[["code", "name", "households", "geometry"]].reset_index(drop=True),
        by=by,
        max_load=max_load,
        load_points=points,
        weight_field=weight_field,
        buildings=building_frame,
        barriers=barrier_lines,
        seed=seed,
        progress=progress,
    )
    notes.extend(_ignored_notes(division, barrier_lines, points))
    names = dict(zip(admin["code"], admin["name"], strict=True))
    target = "all villages" if not (villages or townships) else f"{len(selected)} villages"
    note = f"divide {target} by {by}, max load {max_load:g}, seed {seed}"
    with edit_project(project, command=command, note=note) as writer:
        grids = writer.read_layer("grids")
        registry = writer.read_table("code_registry")
        registry = empty_registry() if registry.empty else registry
        level_grids = level_grid_rows(admin)
        registry = register_level_grids(registry, level_grids, writer.version)
        is_base = grids["level"] == "base" if len(grids) else pd.Series(dtype=bool)
        divided_codes = division.grids["village_code"].unique()
        current = grids[is_base & grids["admin_code"].isin(divided_codes)] if len(grids) else grids
        result = recode_villages(
            division.grids, current, registry, names=names, version=writer.version
        )
        registry = result.registry
        kept, issued, retired = result.kept, result.issued, result.retired
        new_base = [result.grids.assign(load_kind=by, department=pd.NA)]
        divided = set(division.grids["village_code"])
        # Level grids are rebuilt from the admin units; base grids of other
        # villages and sector grids are carried over untouched.
        keep = (
            (is_base & ~grids["admin_code"].isin(divided)) | (grids["kind"] == "sector")
            if len(grids)
            else is_base
        )
        carried = grids[keep] if len(grids) else grids
        parts = [level_grids.assign(load_kind=pd.NA, department=pd.NA), carried, *new_base]
        combined = pd.concat([_grid_frame(p) for p in parts if len(p)], ignore_index=True)
        writer.put_layer("grids", gpd.GeoDataFrame(combined, geometry="geometry", crs=admin.crs))
        writer.write_table(
            "code_registry", registry_for_storage(registry), "every grid code issued"
        )
        report = division.report.assign(version=writer.version, by=by, max_load=max_load, seed=seed)
        writer.append_table("division_reports", report, "quality of each division")
        version = writer.version
    return DivideReport(version, division, sorted(kept), sorted(issued), sorted(retired), notes)


def _grid_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the grid layer's columns, in order, adding missing ones empty."""
    frame = frame.copy()
    for column in GRID_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[GRID_COLUMNS]
    for column in ("sequence", "department"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    for column in ("load", "area_km2", "polsby_popper"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("load_kind", "name", "kind", "level", "admin_code", "grid_code"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _located_enterprises(reader: object) -> gpd.GeoDataFrame:
    enterprises = reader.read_layer("enterprises")  # type: ignore[attr-defined]
    located = (
        enterprises[~enterprises.geometry.isna() & ~enterprises.geometry.is_empty]
        if len(enterprises)
        else enterprises
    )
    if located.empty:
        raise InputDataError(
            "the project has no located enterprises to divide by; import a ledger with "
            "'gridgis enterprises import' or pass --load-points FILE"
        )
    return located


def _ignored_notes(
    division: object, barriers: gpd.GeoDataFrame | None, points: gpd.GeoDataFrame | None
) -> list[str]:
    notes = []
    ignored = division.ignored  # type: ignore[attr-defined]
    if barriers is not None and len(ignored.barriers_outside):
        notes.append(
            f"{len(ignored.barriers_outside)} of {len(barriers)} barrier lines lie "
            "outside the villages divided and were ignored"
        )
    if points is not None and len(ignored.points_outside):
        notes.append(
            f"{len(ignored.points_outside)} of {len(points)} load points lie in no "
            "village and carry no load"
        )
    return notes


@dataclass
class ImportReport:
    """What ``enterprises import`` read and changed."""

    version: int
    rows: int
    empty_rows: int
    change: object  # gridgis.io.store.LayerChange
    problems: pd.Series  # rows per problem kind
    notes: list[str] = field(default_factory=list)
    #: Problem kind -> why every row has it: a column the ledger lacks altogether.
    missing_columns: dict[str, str] = field(default_factory=dict)


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

    reader = open_project(project, for_writing=True)
    county = reader.read_layer("admin_units", where="level = 'county'")
    bounds = tuple(float(v) for v in county.total_bounds) if len(county) else None
    options = {
        "sheet": sheet,
        "encoding": encoding,
        "coords": coords,
        "coords_column": coords_column,
        "county_bounds": bounds,
        "chunk_rows": chunk_rows,
    }
    # Check the file, its header and the options here, before the project is
    # opened for writing; the helper process then reads it for real.
    _check_ledger(ledger, options)
    tally = {"rows": 0, "empty": 0, "problems": 0}
    kinds: dict[str, int] = {}
    notes: list[str] = []
    missing: dict[str, str] = {}

    with edit_project(project, command=command, note=f"import ledger {ledger.name}") as writer:
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


def _check_ledger(ledger: Path, options: dict[str, object]) -> None:
    """Raise the ledger's file, header or option errors now (the chunks are read later).

    What the check would say about the ledger is not logged: the helper
    process says it when it reads the file for real, so it is said once.
    """
    from gridgis.io.ledger import iter_ledger_chunks

    ledger_logger = logging.getLogger("gridgis.io.ledger")
    previous = ledger_logger.disabled
    ledger_logger.disabled = True
    try:
        chunks = iter_ledger_chunks(ledger, **options)  # type: ignore[arg-type]
        chunks.close()
    finally:
        ledger_logger.disabled = previous


def _ledger_parts(ledger: Path, options: dict[str, object]) -> Iterator[_LedgerPart]:
    """Read a ledger chunk by chunk: normalised rows, stable ids, positions and problems."""
    from gridgis.enterprises import EnterpriseIds, enterprise_rows
    from gridgis.io.ledger import iter_ledger_chunks

    make_ids = EnterpriseIds()
    for chunk in iter_ledger_chunks(ledger, **options):  # type: ignore[arg-type]
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


_ENTERPRISE_INPUT = [
    "enterprise_id",
    "uscc",
    "name",
    "township",
    "village",
    "address",
    "lon",
    "lat",
    "sector",
    "risk",
    "employees",
    "revenue",
    "major_hazard",
    "major_hazard_grade",
]


@dataclass
class AssignReport:
    """Where every enterprise went, and the conservation check."""

    version: int
    rows: int
    territorial: int
    sector: int
    unassigned: int
    conservation: str
    adds_up: bool
    by_rule: pd.Series
    by_reason: pd.Series
    sector_grids: gpd.GeoDataFrame
    capacity: pd.DataFrame
    mismatches: int


def assign_project(
    project: Path,
    *,
    command: str,
    rules_path: Path | None = None,
    batch_size: int = 200_000,
    progress: Progress = silent,
) -> AssignReport:
    """Place every enterprise in a territorial grid, a sector grid, or nowhere with a reason.

    Two passes over the enterprises, a batch at a time, so memory is bounded:

    1. spatial join into base grids (address fallback for rows without
       coordinates) and the sector rules; the results are spilled to Parquet
       files beside the project, and only the columns capacity matching needs
       are kept in memory;
    2. capacity matching moves the highest-risk units of over-capacity grids
       to sector grids; the county-level sector grids are built; the final
       assignments are written, batch by batch.

    Parameters
    ----------
    project : Path
        The project GeoPackage, with grids and imported enterprises.
    command : str
        The command line, for the version log.
    rules_path : Path, optional
        Sector rules TOML (default ``data/rules.toml``).
    batch_size : int
        Enterprises handled at a time.
    progress : Progress
        Progress over batches.

    Returns
    -------
    AssignReport
    """
    from gridgis.assign import TerritorialAssigner
    from gridgis.codes import default_scheme
    from gridgis.registry import (
        empty_registry,
        register_sector_grids,
        registry_for_storage,
        sector_sequences,
    )
    from gridgis.sector import (
        build_sector_grids,
        capacity_match,
        conservation_line,
        flag_sector_units,
        load_rules,
    )

    rules = load_rules(rules_path)
    departments = default_scheme().departments
    reader = open_project(project, for_writing=True)
    if not reader.has_rows("grids", where="level = 'base'"):
        raise InputDataError(f"{project.name} has no base grids; run 'gridgis divide' first")
    if not reader.has_rows("enterprises"):
        raise InputDataError(
            f"{project.name} has no enterprises; run 'gridgis enterprises import' first"
        )

    with (
        edit_project(project, command=command, note="assign enterprises") as writer,
        writer.temporary_folder("assign-") as spill,
    ):
        admin = writer.read_layer("admin_units")
        grids = writer.read_layer("grids")
        county_code = str(admin.loc[admin["level"] == "county", "code"].iloc[0])
        assigner = TerritorialAssigner(grids, admin)

        # Pass 1: place, flag, spill; keep what capacity matching needs, as
        # numbers: a unit is its row number in this pass (kept in the spill),
        # its grid a category; about 40 bytes a unit, so ten million fit.
        parts: list[Path] = []
        placed: list[pd.DataFrame] = []
        to_sector: list[pd.DataFrame] = []
        grid_dtype = pd.CategoricalDtype(pd.unique(grids["grid_code"].astype("str")))
        risk_dtype = pd.CategoricalDtype(list(dict(rules.risk_weights)))
        rows = 0
        # Points are placed from lon/lat; decoding the stored shapes is not needed.
        batches = writer.iter_layer(
            "enterprises", columns=_ENTERPRISE_INPUT, batch_size=batch_size, with_geometry=False
        )
        for batch in progress(batches, label="Assigning enterprises"):
            rows += len(batch)
            territorial = assigner.assign(batch)
            flags = flag_sector_units(batch, rules, departments)
            units = np.arange(rows - len(batch), rows, dtype=np.int64)
            # Spill only what pass 2 decides from; the enterprise's own
            # columns are joined from its layer whenever assignments are read.
            part = Path(spill) / f"part-{len(parts):05d}.parquet"
            _spill(units, batch, territorial, flags, part)
            parts.append(part)
            needs = pd.DataFrame(
                {
                    "unit": units,
                    "grid_code": territorial["grid_code"].to_numpy(),
                    "risk": batch["risk"].to_numpy(),
                    "department": flags["department"].astype("float64").to_numpy(),
                    "employees": batch["employees"].to_numpy(),
                    "lon": batch["lon"].to_numpy(),
                    "lat": batch["lat"].to_numpy(),
                }
            )
            sector_rows = flags["to_sector"].to_numpy(dtype=bool)
            to_sector.append(_unit_columns(needs[sector_rows], grid_dtype, risk_dtype))
            stays = ~sector_rows & territorial["grid_code"].notna().to_numpy()
            placed.append(_unit_columns(needs[stays], grid_dtype, risk_dtype))

        placed_frame = pd.concat(placed, ignore_index=True)
        del placed
        capacity = capacity_match(
            placed_frame.drop(columns=["lon", "lat"]), _roster_members(writer, grids), rules
        )
        moves = capacity.moves.set_index("enterprise_id")
        is_moved = np.zeros(rows, dtype=bool)
        is_moved[moves.index.to_numpy(dtype=np.int64)] = True
        moved_units = placed_frame[is_moved[placed_frame["enterprise_id"].to_numpy()]]
        sector_units = pd.concat(
            [*to_sector, moved_units[["enterprise_id", "department", "lon", "lat", "risk"]]],
            ignore_index=True,
        )
        del placed_frame, to_sector

        registry = writer.read_table("code_registry")
        registry = empty_registry() if registry.empty else registry
        previous_sector = grids[grids["kind"] == "sector"]
        sector_grids = build_sector_grids(
            sector_units,
            county_code,
            departments,
            previous_sector,
            sector_sequences(registry, county_code),
            rules=rules,
        )
        registry, _, _ = register_sector_grids(
            registry, sector_grids, previous_sector, version=writer.version
        )
        code_of_department = dict(
            zip(sector_grids["department"].astype(int), sector_grids["grid_code"], strict=True)
        )
        territorial_grids = grids[grids["kind"] != "sector"]
        writer.put_layer(
            "grids",
            gpd.GeoDataFrame(
                pd.concat(
                    [_grid_frame(territorial_grids), _grid_frame(sector_grids)], ignore_index=True
                ),
                geometry="geometry",
                crs=grids.crs,
            ),
        )
        writer.write_table(
            "code_registry", registry_for_storage(registry), "every grid code issued"
        )

        # Pass 2: final assignments, streamed back from the spill.
        tally = {"territorial": 0, "sector": 0, "unassigned": 0, "mismatches": 0}
        by_rule: dict[str, int] = {}
        by_reason: dict[str, int] = {}

        def final_batches():  # a generator of DataFrames
            # Deciding the outcomes in a helper process, overlapping the write,
            # was tried: on this 2-core machine it gained nothing (15.8 s
            # against 15.4 s for 1M rows), so it stays here.
            for frame, counts in _final_parts(parts, moves, is_moved, code_of_department):
                for name in tally:
                    tally[name] += counts[name]
                for rule, count in counts["by_rule"].items():
                    by_rule[rule] = by_rule.get(rule, 0) + count
                for reason, count in counts["by_reason"].items():
                    by_reason[reason] = by_reason.get(reason, 0) + count
                yield frame

        writer.put_layer_chunks("assignments", final_batches())
        refresh_map_view(writer.path)
        writer.write_table("capacity", capacity.grids, "grid load against supervisory capacity")
        line, adds_up = conservation_line(
            rows, tally["territorial"], tally["sector"], tally["unassigned"]
        )
        expected = _ledger_rows(writer)
        if expected is not None and expected != rows:
            adds_up = False
            line += f" (but the last ledger had {expected} rows)"
        writer.note = f"assign: {line}"
        version = writer.version
    return AssignReport(
        version,
        rows,
        tally["territorial"],
        tally["sector"],
        tally["unassigned"],
        line,
        adds_up,
        pd.Series(by_rule, dtype="int64"),
        pd.Series(by_reason, dtype="int64"),
        sector_grids,
        capacity.grids,
        tally["mismatches"],
    )


def _unit_columns(
    result: pd.DataFrame, grid_dtype: pd.CategoricalDtype, risk_dtype: pd.CategoricalDtype
) -> pd.DataFrame:
    """Keep what capacity matching and sector grids need of each unit, without text.

    ``enterprise_id`` is the unit's row number in the pass; a risk level the
    rules do not name weighs as unknown either way.
    """
    return pd.DataFrame(
        {
            "enterprise_id": result["unit"].to_numpy(dtype=np.int64),
            "grid_code": result["grid_code"].astype(grid_dtype),
            "risk": result["risk"].astype(risk_dtype),
            "department": pd.to_numeric(result["department"], errors="coerce").astype("float32"),
            "employees": pd.to_numeric(result["employees"], errors="coerce").astype("float32"),
            "lon": result["lon"].astype("float64"),
            "lat": result["lat"].astype("float64"),
        }
    )


def _spill(
    units: np.ndarray,
    batch: pd.DataFrame,
    territorial: pd.DataFrame,
    flags: pd.DataFrame,
    path: Path,
) -> None:
    """Write what pass 2 decides a batch's outcomes from to a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def text(values: pd.Series) -> pa.Array:
        # Arrow-backed text passes through as it is; NaN in object columns is missing.
        return pa.array(values, type=pa.string(), from_pandas=True)

    columns = {
        "unit": pa.array(units),
        "enterprise_id": text(batch["enterprise_id"]),
        **{name: text(territorial[name]) for name in _PLACED_TEXT},
        "mismatch": pa.array(territorial["mismatch"].to_numpy(dtype=bool)),
        "to_sector": pa.array(flags["to_sector"].to_numpy(dtype=bool)),
        "sector_rules": text(flags["rules"]),
        "department": pa.array(flags["department"], type=pa.int64(), from_pandas=True),
        "sector_reason": text(flags["reason"]),
        "route_problem": text(flags["route_problem"]),
    }
    pq.write_table(pa.table(columns), path)


#: The text columns of the territorial placement that pass 2 carries forward.
_PLACED_TEXT = [
    "grid_code",
    "method",
    "reason_code",
    "reason",
    "located_village",
    "declared_village",
    "candidates",
]


def _ledger_rows(reader: object) -> int | None:
    imports = reader.read_table("ledger_imports")  # type: ignore[attr-defined]
    if imports.empty:
        return None
    return int(imports["rows"].iloc[-1])


def _final_assignments(
    part: Any,
    moves: pd.DataFrame,
    is_moved: np.ndarray,
    code_of_department: dict[int, str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Decide each row's grid, kind, method and reason from a pass-1 spill (an Arrow table).

    Returns the assignment rows and what they count towards. The text read
    from the spill stays in Arrow, so it is written as it was read; only the
    reasons of units moved for capacity come from Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def mask(column: pa.ChunkedArray) -> np.ndarray:
        return pc.fill_null(column, False).to_numpy().astype(bool)

    def where(condition: np.ndarray, values: Any, otherwise: Any) -> pa.ChunkedArray:
        return pc.if_else(pa.array(condition), values, otherwise)

    nothing = pa.scalar(None, pa.string())
    by_rule = mask(part["to_sector"])
    moved = is_moved[part["unit"].to_numpy()]
    to_sector = by_rule | moved
    department = part["department"]
    sector_code = _sector_codes(department, code_of_department)
    placed = mask(pc.is_valid(part["grid_code"])) & ~to_sector

    kind = where(placed, "territorial", where(to_sector, "sector", nothing))
    method = where(by_rule, "rule", where(moved, "capacity", part["method"]))
    reason = where(by_rule, part["sector_reason"], part["reason"])
    if moved.any():
        moved_reason = np.full(len(moved), None, dtype=object)
        moved_reason[moved] = moves.loc[part["unit"].to_numpy()[moved], "reason"].to_numpy()
        reason = where(moved, pa.array(moved_reason, type=pa.string()), reason)
    unroutable = placed & mask(pc.is_valid(part["route_problem"]))
    reason = where(unroutable, part["route_problem"], reason)
    rules = where(moved, "over_capacity", where(by_rule, part["sector_rules"], nothing))
    unplaced = ~(placed | to_sector)
    # Kept for unassigned rows only: the report selects by it.
    reason_code = where(unplaced, part["reason_code"], nothing)

    first_rules: dict[str, int] = {}
    for combination, count in _counts(pc.filter(rules, pa.array(to_sector))).items():
        first = combination.split(",")[0]
        first_rules[first] = first_rules.get(first, 0) + count
    counts = {
        "territorial": int(placed.sum()),
        "sector": int(to_sector.sum()),
        "unassigned": int(unplaced.sum()),
        "mismatches": int(mask(part["mismatch"]).sum()),
        "by_rule": first_rules,
        "by_reason": _counts(pc.filter(reason_code, pa.array(unplaced))),
    }
    columns = {
        "enterprise_id": part["enterprise_id"],
        "grid_code": where(to_sector, sector_code, part["grid_code"]),
        "kind": kind,
        "method": method,
        "reason": reason,
        "reason_code": reason_code,
        "rules": rules,
        "department": department,
        "located_village": part["located_village"],
        "declared_village": part["declared_village"],
        "mismatch": part["mismatch"],
        "candidates": part["candidates"],
    }
    table = pa.table({name: columns[name] for name in ASSIGNMENT_COLUMNS})
    rows = table.to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    )
    return rows, counts


def _sector_codes(department: Any, code_of_department: dict[int, str]) -> Any:
    """Each row's sector grid code, looked up by department number in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lookup: list[str | None] = [None] * (max(code_of_department, default=0) + 1)
    for number, code in code_of_department.items():
        lookup[number] = code
    known = pc.and_kleene(pc.greater_equal(department, 0), pc.less(department, len(lookup)))
    # A number without a sector grid takes a missing index: a missing code.
    index = pc.if_else(pc.fill_null(known, False), department, pa.scalar(None, pa.int64()))
    return pc.take(pa.array(lookup, type=pa.string()), index)


def _counts(values: Any) -> dict[str, int]:
    """Count each distinct text value in an Arrow array (missing values are not counted)."""
    import pyarrow.compute as pc

    counted = pc.value_counts(pc.drop_null(values))
    return {
        str(value): int(count)
        for value, count in zip(
            counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
        )
    }


def _final_parts(
    parts: list[Path],
    moves: pd.DataFrame,
    is_moved: np.ndarray,
    code_of_department: dict[int, str],
) -> Iterator[tuple[pd.DataFrame, dict[str, Any]]]:
    """Yield each spilled part's final assignment rows, with what they count towards."""
    import pyarrow.parquet as pq

    for part in parts:
        yield _final_assignments(pq.read_table(part), moves, is_moved, code_of_department)


REPORT_HEADERS = {
    "row": "台账行号",
    "source_row": "表格行号",
    "source_sheet": "工作表",
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "township": "所属乡/镇/街道",
    "village": "所属村/社区",
    "address": "详细地址",
    "lon": "经度",
    "lat": "纬度",
    "lon_input": "原经度",
    "lat_input": "原纬度",
    "detail": "问题说明",
    "reason": "原因",
    "grid_code": "网格编码",
    "candidates": "候选网格",
    "declared_village": "填报村代码",
    "declared_name": "填报村",
    "located_village": "坐标所在村代码",
    "located_name": "坐标所在村",
    "copies": "重复次数",
    "enterprise_id": "企业标识",
    "sheet": "问题",
    "rows": "行数",
    "check": "检查",
}

REPORT_SHEETS = {
    "invalid_uscc": "统一社会信用代码无效",
    "duplicates": "统一社会信用代码重复",
    "swapped": "经纬度颠倒",
    "outside": "坐标在县外",
    "mismatch": "所属村与坐标不符",
    "unassigned": "未落格",
}


def quality_report(project: Path) -> dict[str, pd.DataFrame]:
    """Assemble the data-quality sheets: one per kind of problem, each row fixable at source.

    Parameters
    ----------
    project : Path
        A project with an imported ledger (and, for the last three sheets,
        assignments).

    Returns
    -------
    dict
        Sheet title → rows, starting with a summary sheet. Rows carry the
        ledger row number, the name, USCC, township, village and address.
    """
    reader = open_project(project)
    problems = reader.read_table("ledger_problems")
    if problems.empty and not reader.has_layer("enterprises"):
        raise InputDataError(
            f"{project.name} has no imported ledger; run 'gridgis enterprises import'"
        )
    context = ["row", "name", "uscc", "township", "village", "address"]

    def from_problems(kinds: list[str], extra: list[str]) -> pd.DataFrame:
        if problems.empty:
            return pd.DataFrame(columns=[*context, *extra, "detail"])
        found = problems[problems["kind"].isin(kinds)]
        columns = [c for c in [*context, *extra, "detail"] if c in found.columns]
        return found[columns].sort_values("row").reset_index(drop=True)

    sheets = {
        REPORT_SHEETS["invalid_uscc"]: from_problems(["invalid_uscc"], []),
        REPORT_SHEETS["duplicates"]: _duplicate_rows(reader),
        REPORT_SHEETS["swapped"]: from_problems(
            ["swapped_coordinates"], ["lon_input", "lat_input"]
        ),
    }
    # Only the rows a sheet shows are read, so a ten-million-row project
    # needs memory for its problems, not for its enterprises.
    assignments = (
        read_assignments(
            project,
            where="a.kind IS NULL OR a.mismatch = 1 OR a.reason_code = 'outside_grids'",
        )
        if reader.has_layer("assignments")
        else None
    )
    outside = from_problems(
        ["outside_county", "coordinates_out_of_range"], ["lon_input", "lat_input"]
    )
    if assignments is not None and len(assignments):
        admin = reader.read_layer("admin_units", columns=["code", "name"])
        names = dict(zip(admin["code"], admin["name"], strict=True))
        assignments = _with_rows(assignments, reader)
        unplaced = assignments[assignments["kind"].isna()]
        beyond = unplaced[unplaced["reason_code"] == "outside_grids"]
        beyond = beyond.rename(columns={"reason": "detail"})[[*context, "lon", "lat", "detail"]]
        outside = (
            pd.concat([outside, beyond], ignore_index=True)
            .drop_duplicates(subset=["row"], keep="last")
            .sort_values("row")
        )
        mismatched = assignments[assignments["mismatch"].fillna(False).astype(bool)].assign(
            declared_name=lambda f: f["declared_village"].map(names),
            located_name=lambda f: f["located_village"].map(names),
        )
        sheets[REPORT_SHEETS["outside"]] = outside.reset_index(drop=True)
        sheets[REPORT_SHEETS["mismatch"]] = (
            mismatched[
                [
                    *context,
                    "lon",
                    "lat",
                    "declared_village",
                    "declared_name",
                    "located_village",
                    "located_name",
                    "grid_code",
                ]
            ]
            .sort_values("row")
            .reset_index(drop=True)
        )
        sheets[REPORT_SHEETS["unassigned"]] = (
            unplaced[[*context, "lon", "lat", "reason", "candidates"]]
            .sort_values("row")
            .reset_index(drop=True)
        )
    else:
        sheets[REPORT_SHEETS["outside"]] = outside.reset_index(drop=True)
    summary = pd.DataFrame({"sheet": list(sheets), "rows": [len(f) for f in sheets.values()]})
    if assignments is None:
        summary.loc[len(summary)] = [
            "（尚未落格：运行 gridgis assign 后才有所属村不符与未落格两表）",
            0,
        ]
    return {"汇总": summary, **sheets}


def _with_rows(frame: pd.DataFrame, reader: ProjectReader) -> pd.DataFrame:
    """Add each enterprise's ledger row number (from the last import's ``ledger_rows``)."""
    if frame.empty or not reader.has_layer("ledger_rows"):
        return frame.assign(row=pd.NA)
    with contextlib.closing(gpkg.connect(reader.path)) as connection:
        connection.execute("CREATE TEMP TABLE wanted (enterprise_id TEXT PRIMARY KEY)")
        connection.executemany(
            "INSERT OR IGNORE INTO wanted VALUES (?)",
            ((str(k),) for k in frame["enterprise_id"].tolist()),
        )
        positions = pd.read_sql_query(
            "SELECT r.enterprise_id, r.row FROM ledger_rows r "
            "JOIN wanted w ON w.enterprise_id = r.enterprise_id",
            connection,
        )
    return frame.merge(positions, on="enterprise_id", how="left")


def _duplicate_rows(reader: ProjectReader) -> pd.DataFrame:
    """Every row whose USCC another row also has (all copies, not only the later ones)."""
    columns = ["enterprise_id", "name", "uscc", "township", "village", "address"]
    if not reader.has_layer("enterprises"):
        return pd.DataFrame(columns=["row", *columns[1:], "copies"])
    # The database finds the repeated codes; only their rows are read.
    repeated = reader.read_layer(
        "enterprises",
        columns=columns,
        where="uscc IN (SELECT uscc FROM enterprises WHERE valid_to IS NULL "
        "AND uscc IS NOT NULL GROUP BY uscc HAVING count(*) > 1)",
    )
    repeated = pd.DataFrame(repeated.drop(columns="geometry", errors="ignore"))
    repeated["copies"] = repeated.groupby("uscc")["uscc"].transform("size")
    repeated = _with_rows(repeated, reader)
    return (
        repeated[["row", *columns[1:], "copies"]]
        .sort_values(["uscc", "row"])
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------
# Staff roster
# --------------------------------------------------------------------------


@dataclass
class StaffImportReport:
    """What ``staff import`` read and changed."""

    version: int
    source: Path
    sheet: str | None
    people: int
    empty_rows: int
    roles: dict[str, int]  # role -> people, in the guideline's order
    base_grids: int
    grids_with_member: int
    change: object  # gridgis.io.store.LayerChange
    people_changes: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def grids_without_member(self) -> int:
        """Base grids no 网格员 of the roster serves (they get the rules' default)."""
        return self.base_grids - self.grids_with_member


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
    open_project(project, for_writing=True)
    roster = read_roster(roster_path, sheet=sheet, encoding=encoding)
    with edit_project(
        project, command=command, note=f"import staff roster {roster_path.name}"
    ) as writer:
        admin = writer.read_layer("admin_units", columns=["code", "name", "level", "parent_code"])
        grid_columns = ["grid_code", "kind", "level", "admin_code", "department"]
        grids = writer.read_layer("grids", columns=grid_columns)
        if grids.empty:  # staff may be imported before the first division
            grids = pd.DataFrame(columns=grid_columns)
        built = build_staff(roster.people, admin, grids, default_scheme().departments)
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
            f"import staff roster {roster_path.name}: {len(staff)} people, "
            f"{roles['网格员']} 网格员"
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


def _roster_members(reader: object, grids: gpd.GeoDataFrame) -> dict[str, float] | None:
    """Grid members per base grid from the project's staff, or None without a roster."""
    from gridgis.staff import members_per_grid

    staff = reader.read_layer(  # type: ignore[attr-defined]
        "staff", columns=["role", "place_level", "grid_code", "village_code"]
    )
    if staff.empty:
        return None
    return members_per_grid(pd.DataFrame(staff.drop(columns="geometry", errors="ignore")), grids)
