"""``gridgis divide``: villages divided into coded base grids, stored as a version."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.divide.api import Division, LoadKind
from gridgis.errors import InputDataError
from gridgis.io.store import ProjectReader, edit_project
from gridgis.io.vector import read_vector
from gridgis.progress import Progress, silent
from gridgis.project.access import open_for_writing
from gridgis.project.settings import record_configuration, record_inputs
from gridgis.schema import GRIDS, conform
from gridgis.summary import Summarised


@dataclass(repr=False)
class DivideReport(Summarised):
    """What ``divide`` did: the division, the codes kept, issued and retired."""

    version: int
    division: Division
    kept: list[str]
    issued: list[str]
    retired: list[str]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        quality = self.division.report
        return [
            ("version", self.version),
            ("villages", len(quality)),
            ("base grids", len(self.division.grids)),
            ("largest load / limit", f"{quality['max_load_ratio'].max():.2f}"),
            ("tiled exactly", f"{int(quality['coverage_ok'].sum())} of {len(quality)} villages"),
            (
                "codes",
                f"{len(self.kept)} kept, {len(self.issued)} issued, {len(self.retired)} retired",
            ),
        ]


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
    by: LoadKind,
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
    unchanged keep their codes (see :mod:`gridgis.codes.registry`).

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
    from gridgis.codes import (
        default_scheme,
        empty_registry,
        level_grid_rows,
        recode_villages,
        register_level_grids,
        registry_for_storage,
    )
    from gridgis.divide import divide_villages

    if max_load <= 0:
        raise InputDataError(f"--max-load must be greater than 0, not {max_load:g}")
    reader = open_for_writing(project, command=command)
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
        record_configuration(writer, "code_scheme", default_scheme().source)
        record_inputs(writer, "barriers", barriers)
        record_inputs(writer, "load_points", [load_points])
        record_inputs(writer, "buildings", [buildings])
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
        # A level grid's shape is its admin unit's; it is not stored twice.
        level_rows = level_grids.assign(load_kind=pd.NA, department=pd.NA, geometry=None)
        parts = [level_rows, carried, *new_base]
        combined = pd.concat([conform(p, GRIDS) for p in parts if len(p)], ignore_index=True)
        writer.put_layer("grids", gpd.GeoDataFrame(combined, geometry="geometry", crs=admin.crs))
        writer.write_table(
            "code_registry", registry_for_storage(registry), "every grid code issued"
        )
        report = division.report.assign(version=writer.version, by=by, max_load=max_load, seed=seed)
        writer.append_table("division_reports", report, "quality of each division")
        version = writer.version
    return DivideReport(version, division, sorted(kept), sorted(issued), sorted(retired), notes)


def _located_enterprises(reader: ProjectReader) -> gpd.GeoDataFrame:
    enterprises = reader.read_layer("enterprises")
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
    division: Division, barriers: gpd.GeoDataFrame | None, points: gpd.GeoDataFrame | None
) -> list[str]:
    notes = []
    ignored = division.ignored
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
