"""Project-level operations: each reads files or the store, calls the core, writes back.

These are the functions the CLI commands call. They keep files and the store at
the edges: the core modules (:mod:`gridgis.admin`, :mod:`gridgis.topology`, …)
see only GeoDataFrames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.admin import build_admin_units
from gridgis.errors import InputDataError
from gridgis.io.output import check_output_path, write_frame
from gridgis.io.store import edit_project, open_project, single_part_polygons
from gridgis.io.vector import VectorRead, read_vector
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
    """
    from gridgis.codes import load_code_scheme

    if project.exists() and not overwrite:
        raise InputDataError(f"{project} already exists; pass --overwrite to replace it")
    if project.suffix.lower() != ".gpkg":
        raise InputDataError(f"{project.name}: a project is a GeoPackage; name it *.gpkg")
    reads = [read_vector(path, layer=layer, encoding=encoding, crs=crs) for path in admin_files]
    built = build_admin_units(
        [(read.source.name, read.frame) for read in reads],
        code_field=code_field,
        name_field=name_field,
        county_names=load_code_scheme().counties,
    )
    county = built.units.loc[built.units["level"] == "county"].iloc[0]
    notes = [note for read in reads for note in read.notes] + built.notes
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
        check_output_path(output, overwrite=overwrite)
    reader = open_project(project)
    units = reader.read_layer("admin_units")
    result = check_admin_units(units, settings)
    grids = reader.read_layer("grids")
    if len(grids):
        result = result.merged(check_grids(grids, units))
    note = f"check: {len(result.issues)} problems" if len(result.issues) else "check: clean"
    with edit_project(project, command=command, note=note) as writer:
        writer.write_features("check_issues", result.issues)
        if output is not None:
            write_frame(result.issues, output, overwrite=overwrite, layer="check_issues")
    return result


GRID_EXPORT_COLUMNS = ["grid_code", "kind", "level", "admin_code", "name", "load", "area_km2"]


def export_layer(
    project: Path,
    layer: str,
    output: Path,
    *,
    version: int | None = None,
    overwrite: bool = False,
) -> gpd.GeoDataFrame:
    """Write a project layer, as it was at a version, to a file.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    layer : str
        ``grids`` (more layers come with later commands).
    output : Path
        GPKG, GeoJSON, SHP, CSV (geometry as WKT) or XLSX.
    version : int, optional
        Default: the current version.
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    GeoDataFrame
        What was written.
    """
    check_output_path(output, overwrite=overwrite)
    reader = open_project(project)
    if layer != "grids":
        raise InputDataError(f"cannot export layer {layer!r}; choose grids")
    grids = reader.read_layer("grids", version=version)
    if grids.empty:
        raise InputDataError(
            f"{project.name} has no grids"
            + (f" at version {version}" if version else "")
            + "; run 'gridgis divide' first"
        )
    grids = grids.sort_values("grid_code").reset_index(drop=True)
    frame = single_part_polygons(
        gpd.GeoDataFrame(grids[GRID_EXPORT_COLUMNS], geometry=grids.geometry, crs=grids.crs)
    )
    write_frame(frame, output, overwrite=overwrite, layer=layer)
    return frame


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
        redivide_village,
        register_level_grids,
        registry_for_storage,
    )

    if max_load <= 0:
        raise InputDataError(f"--max-load must be greater than 0, not {max_load:g}")
    reader = open_project(project)
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
    kept: list[str] = []
    issued: list[str] = []
    retired: list[str] = []
    with edit_project(project, command=command, note=note) as writer:
        grids = writer.read_layer("grids")
        registry = writer.read_table("code_registry")
        registry = empty_registry() if registry.empty else registry
        level_grids = level_grid_rows(admin)
        registry = register_level_grids(registry, level_grids, writer.version)
        is_base = grids["level"] == "base" if len(grids) else pd.Series(dtype=bool)
        new_base = []
        # One village at a time: each keeps or issues its own codes.
        for village_code, village_grids in division.grids.groupby("village_code", sort=True):
            current = (
                grids[is_base & (grids["admin_code"] == village_code)] if len(grids) else grids
            )
            result = redivide_village(
                village_code,
                names[village_code],
                village_grids,
                current,
                registry,
                version=writer.version,
            )
            registry = result.registry
            kept += result.kept
            issued += result.issued
            retired += result.retired
            new_base.append(result.grids.assign(load_kind=by, department=pd.NA))
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


PROBLEM_CONTEXT = ["row", "source_row", "source_sheet", "name", "uscc", "township", "village",
                   "address", "lon_input", "lat_input"]


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
    from gridgis.enterprises import EnterpriseIds, enterprise_layer
    from gridgis.io.ledger import iter_ledger_chunks

    reader = open_project(project)
    county = reader.read_layer("admin_units", where="level = 'county'")
    bounds = tuple(float(v) for v in county.total_bounds) if len(county) else None
    chunks = iter_ledger_chunks(
        ledger,
        sheet=sheet,
        encoding=encoding,
        coords=coords,
        coords_column=coords_column,
        county_bounds=bounds,
        chunk_rows=chunk_rows,
    )
    make_ids = EnterpriseIds()
    tally = {"rows": 0, "empty": 0, "problems": 0}
    kinds: dict[str, int] = {}
    notes: list[str] = []

    with edit_project(project, command=command, note=f"import ledger {ledger.name}") as writer:
        positions = writer.table_writer("ledger_rows")
        problems = writer.table_writer("ledger_problems")

        def layer_chunks():  # a generator of GeoDataFrames, one per ledger chunk
            for chunk in chunks:
                if not notes:
                    notes.extend(chunk.info.notes)
                rows = chunk.enterprises
                ids = make_ids(rows)
                tally["rows"] += len(rows)
                tally["empty"] += chunk.empty_rows
                located = rows[["row", "source_row", "source_sheet"]].assign(
                    enterprise_id=ids.to_numpy()
                )
                positions.write(located)
                if len(chunk.problems) or not problems.rows:
                    context = rows[PROBLEM_CONTEXT].assign(enterprise_id=ids.to_numpy())
                    found = chunk.problems.drop(columns=["source_row"], errors="ignore")
                    found = found.merge(context, on="row", how="left")
                    problems.write(found.astype({"value": str}) if len(found) else found)
                    tally["problems"] += len(found)
                    for kind, count in found["kind"].value_counts().items():
                        kinds[kind] = kinds.get(kind, 0) + int(count)
                yield enterprise_layer(rows, ids)

        change = writer.put_layer_chunks("enterprises", layer_chunks(), progress=progress)
        writer.append_table(
            "ledger_imports",
            pd.DataFrame([{
                "version": writer.version, "ledger": ledger.name, "rows": tally["rows"],
                "empty_rows": tally["empty"], "added": change.count("added"),
                "changed": change.count("changed"), "removed": change.count("removed"),
                "unchanged": change.count("unchanged"), "problems": tally["problems"],
            }]),
            "ledger imports",
        )
        version = writer.version
    problem_counts = pd.Series(kinds, dtype="int64").rename("rows")
    return ImportReport(version, tally["rows"], tally["empty"], change, problem_counts, notes)
