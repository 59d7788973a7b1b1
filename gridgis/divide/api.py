"""Divide villages into base grids: the public entry point.

The steps, per village (villages are independent):

1. spread the village's load (:mod:`gridgis.divide.load`);
2. for each part of the village: if its load is within the limit it is one
   grid; otherwise cut it into base units, blocks along the barriers and
   lattice cells in blocks over the limit (:mod:`gridgis.divide.units`);
3. partition the units with METIS and repair contiguity and the limit
   (:mod:`gridgis.divide.partition`);
4. unite each part's units into a grid and straighten lattice edges
   (:mod:`gridgis.divide.grids`);
5. check that the grids tile the village exactly and measure them
   (:mod:`gridgis.divide.quality`).

Multi-part villages: a grid must be one polygon, so every part (an island,
an exclave) is divided on its own and never shares a grid with another part.
A village within the limit therefore gets one grid per part.

Grid edges meet the village boundary only at the village's own vertices
(``keep_boundary_vertices=True``, the default): the grids' outline is the
stored village, unchanged, so areas add up in any CRS and the grids of
neighbouring villages share vertices. See :mod:`gridgis.divide.units` for
the cost on villages drawn with long straight edges, and the alternative.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gridgis.crs import CGCS2000, metric_crs_for
from gridgis.divide.grids import STRAIGHTEN_HEADROOM, PartGrids, assemble
from gridgis.divide.load import LoadField, points_to_polygons, village_loads
from gridgis.divide.metric import Metric, metres_per_degree
from gridgis.divide.partition import partition_units
from gridgis.divide.quality import area_error, polsby_popper_summary, tiles_exactly
from gridgis.divide.units import UNITS_PER_GRID, build_units
from gridgis.errors import CRSError, InputDataError
from gridgis.progress import Progress, silent

logger = logging.getLogger(__name__)

LoadKind = Literal["enterprises", "households", "area"]
LOAD_KINDS: tuple[str, ...] = ("enterprises", "households", "area")

#: Area loads are measured in the run's Gauss-Krueger zone. Another
#: conformal projection measures up to about 5e-4 more near a zone's edge, so
#: grids are kept this much under the area limit to stay under it whatever
#: zone a reader measures in. (A village within the limit stays whole.)
AREA_MARGIN = 1e-3

GRID_COLUMNS = ["village_code", "part", "load", "area_km2", "polsby_popper", "over_limit"]
REPORT_COLUMNS = [
    "village_code",
    "grids",
    "load",
    "max_load_ratio",
    "pp_median",
    "pp_min",
    "coverage_ok",
    "area_error",
    "seconds",
    "split_blocks",
    "notes",
]
OVERSIZED_COLUMNS = ["village_code", "kind", "load", "action"]


@dataclass
class IgnoredInput:
    """Input that took no part in the division, for the caller to report.

    Attributes
    ----------
    points_outside : pandas.Index
        Labels of load points (enterprises, or buildings) that lie in no
        village.
    barriers_outside : pandas.Index
        Labels of barrier features that touch no village.
    """

    points_outside: pd.Index = field(default_factory=lambda: pd.Index([]))
    barriers_outside: pd.Index = field(default_factory=lambda: pd.Index([]))


@dataclass
class Division:
    """The result of :func:`divide_villages`.

    Attributes
    ----------
    grids : GeoDataFrame
        One row per base grid, EPSG:4490, ordered by ``village_code`` then
        ``part``. Columns: ``village_code``; ``part`` (1.. within the
        village, in reading order: rows north to south, west to east within a
        row); ``load``; ``area_km2``; ``polsby_popper`` (measured in the
        Gauss-Krueger zone); ``over_limit`` (the grid holds an indivisible
        unit that alone exceeds the limit); geometry (a Polygon).
    report : DataFrame
        One row per village: ``grids``, ``load`` (total), ``max_load_ratio``
        (largest grid load / max_load), ``pp_median``, ``pp_min``,
        ``coverage_ok`` (the grids are single polygons forming a valid
        coverage whose union is the village: vertex for vertex and with areas
        within 1e-9 in the Gauss-Krueger zone by default, in EPSG:4490 when
        vertices may be added), ``area_error`` (relative difference of the
        grids' and the village's area in the zone), ``seconds``,
        ``split_blocks`` (blocks cut because they exceed the limit), ``notes``.
    oversized_units : GeoDataFrame
        Blocks and indivisible units that alone exceed the limit, with
        ``kind`` ("block" or "unit"), ``load`` and ``action`` ("split": the
        block was cut by the lattice; "kept": the unit forms a grid over the
        limit).
    ignored : IgnoredInput
        Points and barriers outside every village.
    max_load : float
        The limit used.
    by : str
        The kind of load.
    """

    grids: gpd.GeoDataFrame
    report: pd.DataFrame
    oversized_units: gpd.GeoDataFrame
    ignored: IgnoredInput
    max_load: float
    by: str


# ---------------------------------------------------------------------------
# Validation


def _to_cgcs2000(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise CRSError(f"{what} has no CRS; set it (for example EPSG:4490) before dividing")
    if not frame.crs.equals(CGCS2000):
        logger.warning(
            "%s is in %s; reprojecting it to the villages' CRS %s",
            what,
            frame.crs.to_string(),
            CGCS2000.to_string(),
        )
        frame = frame.to_crs(CGCS2000)
    return frame


def _validate(
    villages: gpd.GeoDataFrame,
    by: str,
    max_load: float,
    load_points: gpd.GeoDataFrame | None,
    weight_field: str | None,
    household_field: str,
) -> None:
    if by not in LOAD_KINDS:
        raise InputDataError(f"unknown load {by!r}; use one of {', '.join(LOAD_KINDS)}")
    if not isinstance(max_load, (int, float)) or not math.isfinite(max_load) or max_load <= 0:
        raise InputDataError(f"max_load must be a positive number, not {max_load!r}")
    if "code" not in villages.columns:
        raise InputDataError("the villages have no 'code' column")
    if villages.crs is None or not villages.crs.equals(CGCS2000):
        found = "no CRS" if villages.crs is None else villages.crs.to_string()
        raise CRSError(
            f"villages must be stored in EPSG:4490 (CGCS2000), found {found}; "
            "grids tile the stored geometry, so convert the villages first"
        )
    codes = villages["code"].astype(str)
    if codes.duplicated().any():
        dup = ", ".join(sorted(set(codes[codes.duplicated()]))[:5])
        raise InputDataError(f"village codes repeat: {dup}")
    geoms = villages.geometry.values
    bad = pd.isna(geoms) | shapely.is_empty(geoms) | ~np.isin(shapely.get_type_id(geoms), [3, 6])
    if bad.any():
        raise InputDataError("villages without a polygon: " + ", ".join(codes[bad].tolist()[:5]))
    if by == "enterprises":
        if load_points is None or len(load_points) == 0:
            raise InputDataError("dividing by enterprises needs located enterprise points")
        if weight_field is not None and weight_field not in load_points.columns:
            raise InputDataError(f"the enterprises have no weight field {weight_field!r}")
    if by == "households":
        if household_field not in villages.columns:
            raise InputDataError(f"the villages have no household field {household_field!r}")
        values = pd.to_numeric(villages[household_field], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            raise InputDataError(
                "household counts missing, non-numeric or negative for villages "
                + ", ".join(codes[bad.to_numpy()].tolist()[:5])
            )


def _clean_villages(villages: gpd.GeoDataFrame) -> tuple[NDArray[np.object_], list[str]]:
    """Return village geometries fit to divide, with a note per repaired village."""
    geoms = np.asarray(villages.geometry.values, dtype=object).copy()
    notes = [""] * len(geoms)
    invalid = ~shapely.is_valid(geoms)
    for v in np.nonzero(invalid)[0].tolist():  # invalid villages are rare
        reason = shapely.is_valid_reason(geoms[v])
        fixed = shapely.make_valid(geoms[v])
        polys = shapely.get_parts(fixed)
        polys = polys[np.isin(shapely.get_type_id(polys), [3, 6])]
        geoms[v] = shapely.union_all(polys)
        notes[v] = f"invalid geometry ({reason}) repaired with make_valid; grids tile the repair"
        logger.warning("village %s: %s", villages["code"].iloc[v], notes[v])
    # Repeated vertices carry no shape; polygonize drops them, so drop them first.
    geoms = shapely.remove_repeated_points(geoms, 0.0)
    return geoms, notes


# ---------------------------------------------------------------------------
# The division


def divide_villages(
    villages: gpd.GeoDataFrame,
    *,
    by: LoadKind,
    max_load: float,
    load_points: gpd.GeoDataFrame | None = None,
    weight_field: str | None = None,
    household_field: str = "households",
    buildings: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    seed: int = 0,
    progress: Progress = silent,
    units_per_grid: int = UNITS_PER_GRID,
    straighten: bool = True,
    keep_boundary_vertices: bool = True,
) -> Division:
    """Divide villages into base grids that tile them exactly and keep a load limit.

    Parameters
    ----------
    villages : GeoDataFrame
        Villages with a ``code`` column (12-digit village code), in EPSG:4490.
    by : {"enterprises", "households", "area"}
        What a grid's load is: located enterprises (``load_points``, weighted
        by ``weight_field`` or 1 each); households (the ``household_field``
        of each village, spread over its area, or over ``buildings`` when
        given); or area in km^2 (measured in a Gauss-Krueger zone).
    max_load : float
        Limit of a grid's load. A village within it stays one grid.
    load_points : GeoDataFrame, optional
        Located enterprises (points), for ``by="enterprises"``.
    weight_field : str, optional
        Column of ``load_points`` holding each enterprise's weight.
    household_field : str, optional
        Column of ``villages`` with household counts (default "households").
    buildings : GeoDataFrame, optional
        Building points or footprints; households are spread over them.
    barriers : GeoDataFrame or GeoSeries, optional
        Roads, rivers, railways (lines; polygons count by their outline).
        Base units are then the blocks these lines enclose in each village,
        and a grid edge cuts a block only if the block alone exceeds
        ``max_load``; such blocks are reported in ``oversized_units``.
    seed : int, optional
        Seed for METIS; the same input and seed give identical output.
    progress : Progress, optional
        Wraps the loop over villages (the CLI passes a progress bar).
    units_per_grid : int, optional
        Lattice cells aimed at per grid (finer: better balance, more time).
    straighten : bool, optional
        Straighten staircase edges left by the lattice (default True).
    keep_boundary_vertices : bool, optional
        True (default): grid edges meet the village boundary only at the
        village's own vertices, so the grids' outline is the stored village
        vertex for vertex: areas add up in every CRS and neighbouring
        villages' grids match. A grid next to a long vertex-free village edge
        must then take all of that edge, which costs compactness on villages
        drawn with few vertices. False: grid edges may meet the boundary
        anywhere and a vertex is added there; grids are more compact, they
        tile the village exactly in EPSG:4490, but a projected CRS sees the
        added vertex off the straight edge (areas differ by about 1e-5) and
        neighbouring villages' grids no longer share vertices.

    Returns
    -------
    Division
        Grids, a per-village quality report, oversized units and ignored input.

    Raises
    ------
    InputDataError
        For an unknown ``by``, a non-positive ``max_load``, missing enterprise
        points or household counts, repeated village codes, or villages
        without polygons.
    CRSError
        If the villages are not in EPSG:4490, or another layer has no CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> villages = gpd.GeoDataFrame(
    ...     {"code": ["640122100001"]}, geometry=[box(106.0, 38.5, 106.02, 38.51)], crs=4490
    ... )
    >>> division = divide_villages(villages, by="area", max_load=0.7)
    >>> len(division.grids), bool(division.report["coverage_ok"].all())
    (3, True)
    """
    _validate(villages, by, max_load, load_points, weight_field, household_field)
    villages = villages.assign(code=villages["code"].astype(str)).sort_values("code", kind="stable")
    if load_points is not None:
        load_points = _to_cgcs2000(load_points, "the enterprise layer")
    if buildings is not None:
        buildings = _to_cgcs2000(buildings, "the building layer")
    geoms, notes = _clean_villages(villages)
    codes = villages["code"].tolist()
    metric = Metric(metric_crs_for(villages))
    households = (
        pd.to_numeric(villages[household_field]).to_numpy(float) if by == "households" else None
    )
    loads = village_loads(
        geoms,
        households,
        metric,
        by=by,
        load_points=load_points if by == "enterprises" else None,
        weight_field=weight_field,
        buildings=buildings if by == "households" else None,
    )
    if len(loads.points_outside):
        logger.warning(
            "%d load points lie in no village and are left out", len(loads.points_outside)
        )
    barrier_lines, barriers_outside = _prepare_barriers(barriers, geoms)
    barrier_tree = shapely.STRtree(barrier_lines) if len(barrier_lines) else None
    # Area limits keep a margin against other projections (see AREA_MARGIN).
    split_limit = max_load * (1 - AREA_MARGIN) if by == "area" else max_load

    grid_rows: list[pd.DataFrame] = []
    report_rows: list[dict[str, object]] = []
    oversized_rows: list[dict[str, object]] = []
    for v in progress(range(len(geoms)), total=len(geoms), label="Dividing villages"):
        started = time.perf_counter()
        nearby = np.empty(0, dtype=object)
        if barrier_tree is not None:
            nearby = barrier_lines[barrier_tree.query(geoms[v], predicate="intersects")]
        village = _divide_village(
            codes[v],
            geoms[v],
            loads.fields[v],
            float(loads.totals[v]),
            max_load,
            split_limit,
            nearby,
            metric,
            seed=seed,
            units_per_grid=units_per_grid,
            straighten=straighten,
            keep_boundary_vertices=keep_boundary_vertices,
        )
        grid_rows.append(village.grids)
        oversized_rows.extend(village.oversized)
        village_notes = "; ".join(n for n in [notes[v], loads.notes[v], *village.notes] if n)
        pp_median, pp_min = polsby_popper_summary(village.grids["polsby_popper"].to_numpy())
        report_rows.append(
            {
                "village_code": codes[v],
                "grids": len(village.grids),
                "load": float(loads.totals[v]),
                "max_load_ratio": float(village.grids["load"].max() / max_load),
                "pp_median": pp_median,
                "pp_min": pp_min,
                "coverage_ok": tiles_exactly(
                    village.grids.geometry.values,
                    geoms[v],
                    metric if keep_boundary_vertices else None,
                    same_vertices=keep_boundary_vertices,
                ),
                "area_error": area_error(village.grids.geometry.values, geoms[v], metric),
                "seconds": time.perf_counter() - started,
                "split_blocks": village.split_blocks,
                "notes": village_notes,
            }
        )
    grids = gpd.GeoDataFrame(
        pd.concat(grid_rows, ignore_index=True) if grid_rows else None,
        columns=[*GRID_COLUMNS, "geometry"],
        geometry="geometry",
        crs=CGCS2000,
    )
    report = pd.DataFrame(report_rows, columns=REPORT_COLUMNS)
    oversized = gpd.GeoDataFrame(
        pd.DataFrame(oversized_rows, columns=[*OVERSIZED_COLUMNS, "geometry"]),
        geometry="geometry",
        crs=CGCS2000,
    )
    bad = report.loc[~report["coverage_ok"], "village_code"].tolist()
    if bad:
        logger.error("grids do not tile %d villages exactly: %s", len(bad), ", ".join(bad[:5]))
    return Division(
        grids=grids,
        report=report,
        oversized_units=oversized,
        ignored=IgnoredInput(loads.points_outside, barriers_outside),
        max_load=float(max_load),
        by=by,
    )


def _prepare_barriers(
    barriers: gpd.GeoDataFrame | gpd.GeoSeries | None, villages: NDArray[np.object_]
) -> tuple[NDArray[np.object_], pd.Index]:
    """Return barrier geometries in EPSG:4490 that touch a village, and the others' labels."""
    if barriers is None or len(barriers) == 0:
        return np.empty(0, dtype=object), pd.Index([])
    if isinstance(barriers, gpd.GeoSeries):
        barriers = gpd.GeoDataFrame(geometry=barriers)
    barriers = _to_cgcs2000(barriers, "the barrier layer")
    geoms = np.asarray(barriers.geometry.values, dtype=object)
    usable = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    usable[usable] = np.isin(shapely.get_type_id(geoms[usable]), [1, 2, 3, 5, 6, 7])
    tree = shapely.STRtree(villages)
    touched = np.zeros(len(geoms), dtype=bool)
    idx = np.nonzero(usable)[0]
    hit, _ = tree.query(geoms[idx], predicate="intersects")
    touched[idx[np.unique(hit)]] = True
    outside = barriers.index[~touched]
    if len(outside):
        # Debug only: the result's ``ignored`` carries them, and the caller reports.
        logger.debug("%d barrier features touch no village and are ignored", len(outside))
    kept = np.nonzero(touched)[0]
    return geoms[kept], outside


@dataclass
class _VillageResult:
    grids: gpd.GeoDataFrame
    oversized: list[dict[str, object]]
    notes: list[str]
    split_blocks: int


def _divide_village(
    code: str,
    village: shapely.Geometry,
    field: LoadField,
    total: float,
    max_load: float,
    split_limit: float,
    barriers: NDArray[np.object_],
    metric: Metric,
    *,
    seed: int,
    units_per_grid: int,
    straighten: bool,
    keep_boundary_vertices: bool,
) -> _VillageResult:
    """Divide one village, part by part."""
    parts = shapely.get_parts(village)
    notes: list[str] = []
    if len(parts) > 1:
        notes.append(f"{len(parts)} separate parts, divided one by one")
    # Points on the line between two touching parts count once.
    part_fields = _split_field(field, parts)
    part_grids: list[PartGrids] = []
    oversized: list[dict[str, object]] = []
    split_blocks = 0
    for part, part_field in zip(parts.tolist(), part_fields, strict=True):
        area = metric.area_km2(np.array([part]))
        part_load = float(part_field.of(np.array([part]), area)[0])
        if total <= max_load or part_load <= max_load:
            one = np.array([part], dtype=object)
            part_grids.append(
                PartGrids(one, np.array([part_load]), area, np.array([max_load]), False)
            )
            continue
        units = build_units(
            part,
            part_field,
            split_limit,
            barriers,
            metric,
            units_per_grid=units_per_grid,
            keep_boundary_vertices=keep_boundary_vertices,
        )
        for b in np.nonzero(units.block_split)[0].tolist():
            split_blocks += 1
            oversized.append(
                {
                    "village_code": code,
                    "kind": "block",
                    "load": float(units.block_load[b]),
                    "action": "split",
                    "geometry": units.block_geometry(b),
                }
            )
        partition = partition_units(
            units.n_units,
            units.edges,
            units.unit_load,
            split_limit,
            seed=seed,
            headroom=STRAIGHTEN_HEADROOM if straighten else 0.0,
        )
        for u in np.nonzero(units.unit_load > split_limit)[0].tolist():
            oversized.append(
                {
                    "village_code": code,
                    "kind": "unit",
                    "load": float(units.unit_load[u]),
                    "action": "kept",
                    "geometry": shapely.coverage_union_all(units.faces[units.face_unit == u]),
                }
            )
        part_grids.append(
            assemble(
                part,
                units,
                partition,
                part_field,
                metric,
                split_limit,
                straighten=straighten,
                keep_boundary_vertices=keep_boundary_vertices,
            )
        )
    geometry = np.concatenate([g.geometry for g in part_grids])
    load = np.concatenate([g.load for g in part_grids])
    area = np.concatenate([g.area_km2 for g in part_grids])
    limit = np.concatenate([g.limit for g in part_grids])
    order = _reading_order(geometry)
    grids = gpd.GeoDataFrame(
        {
            "village_code": code,
            "part": np.arange(1, len(geometry) + 1),
            "load": load[order],
            "area_km2": area[order],
            "polsby_popper": metric.polsby_popper(geometry[order]),
            "over_limit": (load > max_load * (1 + 1e-9))[order] & (limit[order] > max_load),
            "geometry": geometry[order],
        },
        geometry="geometry",
        crs=CGCS2000,
    )
    if grids["over_limit"].any():
        notes.append(f"{int(grids['over_limit'].sum())} grids over the limit: indivisible units")
    unmet = (grids["load"] > max_load * (1 + 1e-9)) & ~grids["over_limit"]
    if unmet.any():
        notes.append(f"{int(unmet.sum())} grids over the limit: blocks could not be packed")
    return _VillageResult(grids, oversized, notes, split_blocks)


def _split_field(field: LoadField, parts: NDArray[np.object_]) -> list[LoadField]:
    """Share a village's load field among its parts (each point goes to one part)."""
    if len(parts) == 1 or not field.has_points:
        return [field] * len(parts)
    owner = points_to_polygons(field.xy, parts)
    return [
        LoadField(field.density, field.xy[owner == p], field.weights[owner == p])
        for p in range(len(parts))
    ]


def _reading_order(geoms: NDArray[np.object_]) -> NDArray[np.int64]:
    """Order grids in rows from north to south, west to east within a row.

    Rows are bands as high as a typical grid, so the order reads like a page,
    as the Beijing unit-grid numbering does.
    """
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
    if len(xy) < 2:
        return np.arange(len(xy))
    _, ky = metres_per_degree(float(xy[:, 1].mean()))
    bounds = shapely.bounds(geoms)
    height = np.median((bounds[:, 3] - bounds[:, 1]) * ky)
    band = max(height, 1.0) / ky
    row = np.round((xy[:, 1].max() - xy[:, 1]) / band)
    return np.lexsort((xy[:, 0], row))
