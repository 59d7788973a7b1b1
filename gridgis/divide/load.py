"""Loads: what a grid member has to look after, spread over a village.

A village's load is a :class:`LoadField`: a uniform density per square
kilometre plus weighted points. The three kinds the CLI offers map onto it:

- ``area``: density 1 load per km^2, no points;
- ``households``: the village's household count spread uniformly over its
  area (density), or over its building points when buildings are given;
- ``enterprises``: one point per located enterprise, weighted by a field or 1.

Any polygon's load is then ``density * area_km2 + sum(point weights inside)``,
which makes loads additive over base units and exact after any redrawing of
grid edges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gridgis.divide.metric import Metric
from gridgis.errors import InputDataError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadField:
    """Load over one area: a uniform density plus weighted points.

    Parameters
    ----------
    density : float
        Load per square kilometre, spread uniformly.
    xy : numpy.ndarray
        ``(n, 2)`` point coordinates in EPSG:4490 degrees.
    weights : numpy.ndarray
        ``(n,)`` load carried by each point.
    """

    density: float = 0.0
    xy: NDArray[np.float64] = field(default_factory=lambda: np.empty((0, 2)))
    weights: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))

    @property
    def has_points(self) -> bool:
        """Whether any point carries load."""
        return len(self.weights) > 0

    def within(self, polygon: shapely.Geometry) -> LoadField:
        """Return the field restricted to the points that lie in a polygon.

        Parameters
        ----------
        polygon : shapely.Polygon
            The area to keep (points on its boundary are kept).

        Returns
        -------
        LoadField
            Same density; only the points covered by ``polygon``.
        """
        if not self.has_points:
            return self
        shapely.prepare(polygon)
        inside = shapely.intersects_xy(polygon, self.xy[:, 0], self.xy[:, 1])
        return LoadField(self.density, self.xy[inside], self.weights[inside])

    def of(self, geoms: NDArray[np.object_], area_km2: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the load of each polygon of a coverage.

        Parameters
        ----------
        geoms : array of shapely.Polygon
            Non-overlapping polygons in EPSG:4490.
        area_km2 : numpy.ndarray
            Their areas in square kilometres (measured by the caller, who
            already has them).

        Returns
        -------
        numpy.ndarray
            ``density * area + weights of the points inside``. A point on a
            shared edge counts once, for the lowest-index polygon.
        """
        loads = self.density * np.asarray(area_km2, dtype=float)
        if self.has_points and len(geoms):
            owner = points_to_polygons(self.xy, geoms)
            found = owner >= 0
            loads = loads + np.bincount(
                owner[found], weights=self.weights[found], minlength=len(geoms)
            )
        return loads


def points_to_polygons(xy: NDArray[np.float64], geoms: NDArray[np.object_]) -> NDArray[np.int64]:
    """Return, for each point, the index of the first polygon that covers it.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` coordinates.
    geoms : array of shapely.Polygon
        Polygons in the same CRS.

    Returns
    -------
    numpy.ndarray
        Polygon index per point, or -1 when no polygon covers it. Ties (a point
        on a shared edge) go to the lowest index, so the answer is
        deterministic.
    """
    owner = np.full(len(xy), -1, dtype=np.int64)
    if len(xy) == 0 or len(geoms) == 0:
        return owner
    tree = shapely.STRtree(geoms)
    point_idx, geom_idx = tree.query(shapely.points(xy), predicate="intersects")
    if len(point_idx):
        order = np.lexsort((geom_idx, point_idx))
        point_idx, geom_idx = point_idx[order], geom_idx[order]
        first = np.r_[True, point_idx[1:] != point_idx[:-1]]
        owner[point_idx[first]] = geom_idx[first]
    return owner


def _group_by_owner(owner: NDArray[np.int64], n: int) -> list[NDArray[np.int64]]:
    """Split point indices by owner 0..n-1 in one sort (owner -1 is dropped)."""
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(n + 1))
    return [order[bounds[v] : bounds[v + 1]] for v in range(n)]


@dataclass
class VillageLoads:
    """The load fields of the villages, and what could not be placed.

    Attributes
    ----------
    fields : list of LoadField
        One per village, in the villages' order.
    totals : numpy.ndarray
        Total load per village.
    notes : list of str
        A remark per village ("" when there is none).
    points_outside : pandas.Index
        Labels of load points (enterprises or buildings) that lie in no village.
    """

    fields: list[LoadField]
    totals: NDArray[np.float64]
    notes: list[str]
    points_outside: pd.Index


def _point_coordinates(points: gpd.GeoDataFrame, what: str) -> NDArray[np.float64]:
    geoms = points.geometry.values
    if np.any(shapely.is_empty(geoms)) or np.any(pd.isna(geoms)):
        raise InputDataError(f"{what} has empty or missing geometries; locate or drop them first")
    # Building footprints and the like count at a point inside them.
    return np.asarray(shapely.get_coordinates(shapely.point_on_surface(geoms)), dtype=float)


def village_loads(
    villages: NDArray[np.object_],
    households: NDArray[np.float64] | None,
    metric: Metric,
    *,
    by: str,
    load_points: gpd.GeoDataFrame | None = None,
    weight_field: str | None = None,
    buildings: gpd.GeoDataFrame | None = None,
) -> VillageLoads:
    """Spread each village's load into a :class:`LoadField`.

    Parameters
    ----------
    villages : array of shapely geometries
        Village polygons in EPSG:4490.
    households : numpy.ndarray or None
        Households per village (``by="households"`` only).
    metric : Metric
        Where areas are measured.
    by : {"enterprises", "households", "area"}
        The kind of load.
    load_points : GeoDataFrame, optional
        Located enterprises in EPSG:4490 (``by="enterprises"``).
    weight_field : str, optional
        Column of ``load_points`` with each enterprise's weight; 1 each if None.
    buildings : GeoDataFrame, optional
        Building points or footprints in EPSG:4490; households are spread over
        them instead of over the area.

    Returns
    -------
    VillageLoads
        Fields, totals, notes and the points that fell outside every village.
    """
    area = metric.area_km2(villages)
    n = len(villages)
    notes = [""] * n
    empty_index = pd.Index([])
    if by == "area":
        fields = [LoadField(density=1.0) for _ in range(n)]
        return VillageLoads(fields, area.copy(), notes, empty_index)

    if by == "enterprises":
        assert load_points is not None
        xy = _point_coordinates(load_points, "the enterprise layer")
        if weight_field is None:
            weights = np.ones(len(xy))
        else:
            weights = pd.to_numeric(load_points[weight_field], errors="coerce").to_numpy(float)
            bad = ~np.isfinite(weights) | (weights < 0)
            if bad.any():
                labels = ", ".join(map(str, load_points.index[bad][:5]))
                raise InputDataError(
                    f"weight field {weight_field!r} has {int(bad.sum())} missing, "
                    f"non-numeric or negative values (rows {labels})"
                )
        owner = points_to_polygons(xy, villages)
        groups = _group_by_owner(owner, n)
        fields = [LoadField(0.0, xy[g], weights[g]) for g in groups]
        # bincount with weights gives float64 (numpy's stubs say int); astype copies nothing.
        totals = np.bincount(owner[owner >= 0], weights=weights[owner >= 0], minlength=n).astype(
            np.float64, copy=False
        )
        return VillageLoads(fields, totals, notes, load_points.index[owner < 0])

    # households
    assert households is not None
    if buildings is None or len(buildings) == 0:
        density = np.divide(households, area, out=np.zeros(n), where=area > 0)
        fields = [LoadField(density=float(d)) for d in density]
        return VillageLoads(fields, households.astype(float), notes, empty_index)
    xy = _point_coordinates(buildings, "the building layer")
    owner = points_to_polygons(xy, villages)
    fields = []
    for v, group in enumerate(_group_by_owner(owner, n)):  # per village, not per point
        if len(group) == 0:
            if households[v] > 0:
                notes[v] = "no buildings: households spread over the area"
            fields.append(LoadField(density=float(households[v] / area[v]) if area[v] else 0.0))
        else:
            share = households[v] / len(group)
            fields.append(LoadField(0.0, xy[group], np.full(len(group), share)))
    return VillageLoads(fields, households.astype(float), notes, buildings.index[owner < 0])
