"""Find the grid that covers each point: the spatial join of enterprises to grids.

:class:`PointLocator` is built once per set of grids and then places any
number of chunks of points, so a ledger larger than memory streams through
it. :func:`locate_points` is the one-call form, and :func:`placement_grids`
picks the grids that receive enterprises. Nothing here knows about ledgers,
villages or names; :mod:`gridgis.assign.territorial` builds on it.

Which grids place enterprises
-----------------------------
Enterprises go into **base grids** (四级网格). When the grids frame has a
``level`` column (the project's ``grids`` layer), :func:`placement_grids`
picks the base grids, and for a village not divided yet its village-level
grid (``CCCCCCTTTVVV000``), which then stands for the whole village. Sector
grids and county or township level grids never receive a point here; sector
routing is :mod:`gridgis.sector`'s job.

The boundary rule
-----------------
Base grids tile their village exactly, so neighbours share edges and vertices.
A point counts as being in a grid when the grid **covers** it (interior or
boundary, GEOS ``intersects`` for a point). A point exactly on an edge or a
vertex shared by two or more grids goes to **the grid with the smallest
grid_code** among those that cover it (string order; the codes have a fixed
width). The rule needs no tolerance, gives the same answer whatever the input
order, and agrees with a ``within`` join everywhere except on boundaries,
where ``within`` places the point nowhere. A point on the county outline is
in the grid whose edge it lies on. A point that no grid covers, or whose
coordinates are missing or not finite, is in no grid.

How the spatial join is fast
----------------------------
:class:`PointLocator` lays a regular raster of cells over the grids (about
1,600 cells per grid, at most 2**24 cells, 64 MB). Every cell that a polygon
edge may touch is marked, conservatively: each edge is cut into pieces of at
most 0.9 cell and the bounding box of each piece, widened by a millionth of a
cell for rounding, is marked. An unmarked cell contains no boundary at
all, so every point in it lies in the same grid, or in none; so does every
point of a run of unmarked cells along a raster row, and of runs that touch
across rows. One cell centre per connected region is placed exactly with GEOS.
A point in an unmarked cell is then placed by one array lookup; only the
points in marked cells (near an edge, about 11% of uniformly spread points
for village-sized grids) go through the exact test, on prepared polygons:
for many points an STRtree over the points queried once per polygon, split
between two threads (shapely releases the GIL); for few points a bounding-box
query per point and ``shapely.intersects_xy``.

The index is built once per set of grids; a streaming caller reuses it for
all chunks. ``scripts/bench_assign.py`` times the join against geopandas and
PostGIS on the same points and checks that all three agree. Tried and
dropped as slower (timings in docs/performance.md):
``STRtree.query(points, predicate="intersects")`` over all points; a
bounding-box query plus ``intersects_xy`` over all points; labelling clean
regions with ``scipy.ndimage.label`` (fast, but slow to import); densifying
edges in numpy instead of ``shapely.segmentize`` (no faster).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

__all__ = ["PointLocator", "locate_points", "placement_grids"]


# Raster size of PointLocator: about this many cells per grid polygon, so a cell
# is about 1/40 of a typical grid's width and the band of marked cells along
# the edges covers a few per cent of the area (5% for 3,000 province villages at
# 4M cells, 3% at 16M). The cap bounds memory (int32: 64 MB at 2**24 cells).
_CELLS_PER_POLYGON = 1600
_MIN_CELLS = 1 << 12
_MAX_CELLS = 1 << 24
# A cell is never smaller than this fraction of the coordinates' magnitude, so
# the rounding margin of the edge marking (a millionth of a cell) stays far
# above the rounding error of segmentized vertices (about 1e-16 relative).
_MIN_CELL_RELATIVE = 1e-7
_MARK_MARGIN = 1e-6
# Edges are cut into pieces of at most this many cells (see _mark_edges).
_PIECE_LENGTH = 0.9
# From this many points on, the exact test indexes the points and queries it
# with each polygon (see PointLocator._covering_by_polygons).
_POLYGON_DRIVEN_MIN = 20_000
# Below this many points threads cost more than they save.
_MIN_POINTS_PER_THREAD = 20_000

# Answers besides a polygon's position: in no polygon; near an edge (the
# raster cannot tell, so the exact test decides).
_OUTSIDE = -1
_HARD = -2


class PointLocator:
    """Find the polygon that covers each point, fast, for many batches of points.

    Build it once per set of grids and call :meth:`locate` on each chunk.

    Parameters
    ----------
    geometries : array-like of shapely Polygon or MultiPolygon
        The grids, in one CRS; missing or empty geometries never match.
    keys : array-like, optional
        One sortable key per polygon (the grid codes). A point covered by
        several polygons goes to the one with the smallest key, then the
        smallest position. Default: the position.
    threads : int, optional
        Worker threads for :meth:`locate`. Default: up to 2, the number of
        cores on the target machines.
    max_cells : int, optional
        Upper bound on the raster size (default 2**24 cells, 64 MB).

    Notes
    -----
    The polygons are prepared (``shapely.prepare``) in place; that only adds a
    cache to the geometry objects.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> locator = PointLocator([box(0, 0, 1, 1), box(1, 0, 2, 1)], keys=["b", "a"])
    >>> locator.locate([0.5, 1.0, 3.0], [0.5, 0.5, 0.5]).tolist()
    [0, 1, -1]
    """

    def __init__(
        self,
        geometries: npt.ArrayLike,
        *,
        keys: npt.ArrayLike | None = None,
        threads: int | None = None,
        max_cells: int | None = None,
    ) -> None:
        geoms = np.asarray(geometries, dtype=object)
        if geoms.ndim != 1:
            raise ValueError("geometries must be one-dimensional")
        usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self._geometries = geoms.copy()
        self._geometries[~usable] = None
        self.size = len(geoms)
        if keys is None:
            order = np.arange(self.size)
        else:
            key_array = np.asarray(keys)
            if len(key_array) != self.size:
                raise ValueError("keys must have one value per geometry")
            order = np.argsort(key_array, kind="stable")
        # rank[i]: where polygon i comes in the tie-break order.
        self._rank = np.empty(self.size, dtype=np.int64)
        self._rank[order] = np.arange(self.size)
        self.threads = max(1, threads if threads is not None else min(2, os.cpu_count() or 1))
        shapely.prepare(self._geometries[usable])
        self._tree = shapely.STRtree(self._geometries)
        self._build_raster(max_cells or _MAX_CELLS)

    # The raster ------------------------------------------------------------

    def _build_raster(self, max_cells: int) -> None:
        geoms = self._geometries[~shapely.is_missing(self._geometries)]
        self._cell = 0.0
        self._origin = (0.0, 0.0)
        self._raster = np.full((1, 1), _HARD, dtype=np.int32)
        if len(geoms) == 0:
            return
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        width, height = maxx - minx, maxy - miny
        magnitude = max(abs(minx), abs(miny), abs(maxx), abs(maxy), 1.0)
        target = min(max(_CELLS_PER_POLYGON * len(geoms), _MIN_CELLS), max_cells)
        cell = max(
            math.sqrt(width * height / target),
            max(width, height) / max_cells,
            magnitude * _MIN_CELL_RELATIVE,
        )
        nx = int(width / cell) + 1
        ny = int(height / cell) + 1
        marked = self._mark_edges(geoms, minx, miny, cell, nx, ny)
        self._cell = cell
        self._origin = (float(minx), float(miny))
        self._raster = self._label_clean_cells(marked, minx, miny, cell)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "point locator: %d polygons, raster %d x %d, %.1f%% of cells near an edge",
                len(geoms),
                nx,
                ny,
                100 * marked.mean(),
            )

    @staticmethod
    def _mark_edges(
        geoms: np.ndarray, minx: float, miny: float, cell: float, nx: int, ny: int
    ) -> np.ndarray:
        """Return a boolean raster, True for every cell an edge may touch."""
        # Pieces of at most 0.9 cell: with the margin for rounding on both
        # sides, a piece's widened bounding box is still narrower than a cell,
        # so it spans at most 2 x 2 cells, and marking those four covers every
        # cell the piece touches. (Pieces of a whole cell could span three
        # columns when they start within the margin of a cell line.)
        # Coordinates come per polygon, so the step from one ring or part to
        # the next makes a spurious piece too; it only marks up to 4 cells more.
        pieces = shapely.segmentize(geoms, _PIECE_LENGTH * cell)
        coords, polygon_index = shapely.get_coordinates(pieces, return_index=True)
        margin = cell * _MARK_MARGIN

        def cells(values: np.ndarray, origin: float, size: int) -> tuple[np.ndarray, np.ndarray]:
            """Return each vertex's cell range when widened by the margin."""
            low = np.clip(np.floor((values - margin - origin) / cell), 0, size - 1)
            high = np.clip(np.floor((values + margin - origin) / cell), 0, size - 1)
            return low.astype(np.int32), high.astype(np.int32)

        # A piece's cell range is the range of its two vertices' ranges.
        x_low, x_high = cells(coords[:, 0], minx, nx)
        y_low, y_high = cells(coords[:, 1], miny, ny)
        same = polygon_index[1:] == polygon_index[:-1]
        columns = (
            np.minimum(x_low[:-1], x_low[1:])[same],
            np.maximum(x_high[:-1], x_high[1:])[same],
        )
        rows = (
            np.minimum(y_low[:-1], y_low[1:])[same] * np.int32(nx),
            np.maximum(y_high[:-1], y_high[1:])[same] * np.int32(nx),
        )
        marked = np.zeros(ny * nx, dtype=bool)
        for column in columns:
            for row in rows:
                marked[row + column] = True
        return marked.reshape(ny, nx)

    def _label_clean_cells(
        self, marked: np.ndarray, minx: float, miny: float, cell: float
    ) -> np.ndarray:
        """Return the raster: polygon position per clean cell, -1 outside, -2 near an edge."""
        ny, nx = marked.shape
        clean = ~marked
        # A run of clean cells along a raster row is one boundary-free
        # rectangle, so all its points share one answer. Runs are numbered in
        # row-major order; each is [start, end) in flat cell positions.
        first = clean.copy()
        first[:, 1:] &= marked[:, :-1]
        last = clean
        last[:, :-1] &= marked[:, 1:]
        start = np.flatnonzero(first)
        end = np.flatnonzero(last) + 1
        del first, last, clean
        count = len(start)
        if count == 0:
            return np.full((ny, nx), _HARD, dtype=np.int32)
        row = start // nx
        start_column = start - row * nx
        end_column = end - row * nx
        # Runs in neighbouring rows whose columns overlap touch along a cell
        # side, so they share their answer too. Each run links to the first
        # run of the row above that ends after it starts, if that one overlaps
        # it (binary search; no pass over the raster). Links point to earlier
        # runs, so following them ends at a root; pointer jumping finds every
        # run's root in about log2(rows) vectorised steps. A region reached
        # through two roots is only tested twice, never placed wrongly.
        above = np.searchsorted(end, (row - 1) * nx + start_column, side="right")
        above = np.minimum(above, count - 1)
        linked = (row > 0) & (row[above] == row - 1) & (start_column[above] < end_column)
        parent = np.where(linked, above, np.arange(count))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        # One exact test per root (the centre of its first cell) places every
        # run under it: a few thousand tests instead of millions of cells.
        roots = np.flatnonzero(parent == np.arange(count))
        x = minx + (start_column[roots] + 0.5) * cell
        y = miny + (row[roots] + 0.5) * cell
        placed = self._exact(x, y).astype(np.int32)
        # A centre that rounds into another cell would place the wrong region;
        # such a region (never seen) falls back to the exact test.
        stray = (np.floor((x - minx) / cell) != start_column[roots]) | (
            np.floor((y - miny) / cell) != row[roots]
        )
        placed[stray] = _HARD
        owner = np.full(count, _HARD, dtype=np.int32)
        owner[roots] = placed
        owner = owner[parent]
        logger.debug("point locator: %d runs of clean cells in %d regions", count, len(roots))
        # Paint the runs with a difference array and one cumulative sum: each
        # run adds its owner at its start and takes it away at its end. Starts
        # are distinct, and so are ends (an end may equal the next row's start,
        # hence two separate additions).
        steps = np.zeros(ny * nx + 1, dtype=np.int32)
        steps[0] = _HARD
        steps[start] += owner - np.int32(_HARD)
        steps[end] += np.int32(_HARD) - owner
        return np.cumsum(steps[:-1], dtype=np.int32).reshape(ny, nx)

    # Locating --------------------------------------------------------------

    def _exact(self, x: np.ndarray, y: np.ndarray, workers: int = 1) -> np.ndarray:
        """Place points exactly: the covering polygon of smallest rank, or -1."""
        if len(x) >= _POLYGON_DRIVEN_MIN:
            point_index, polygon_index = self._covering_by_polygons(x, y, workers)
        else:
            point_index, polygon_index = self._tree.query(shapely.points(x, y))
            hit = shapely.intersects_xy(
                self._geometries[polygon_index], x[point_index], y[point_index]
            )
            point_index, polygon_index = point_index[hit], polygon_index[hit]
        result = np.full(len(x), _OUTSIDE, dtype=np.int64)
        if len(point_index) == 0:
            return result
        # Boundary rule: among the polygons that cover a point, smallest rank.
        order = np.lexsort((self._rank[polygon_index], point_index))
        point_index, polygon_index = point_index[order], polygon_index[order]
        first = np.r_[True, point_index[1:] != point_index[:-1]]
        result[point_index[first]] = polygon_index[first]
        return result

    def _covering_by_polygons(
        self, x: np.ndarray, y: np.ndarray, workers: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (point, polygon) pairs where the polygon covers the point.

        For many points an index over the points, queried once per prepared
        polygon, beats querying the polygons once per point (timings in
        docs/performance.md), and the polygons split between threads.
        """
        tree = shapely.STRtree(shapely.points(x, y))
        usable = np.flatnonzero(~shapely.is_missing(self._geometries))

        def query(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            local, point_index = tree.query(self._geometries[positions], predicate="intersects")
            return point_index, positions[local]

        groups = np.array_split(usable, max(1, workers))
        if len(groups) == 1:
            return query(groups[0])
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            pairs = list(pool.map(query, groups))
        return (np.concatenate([p for p, _ in pairs]), np.concatenate([q for _, q in pairs]))

    def _lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the raster's answer per point: a position, -1, or -2 (near an edge)."""
        result = np.full(len(x), _OUTSIDE, dtype=np.int64)
        if self._cell > 0:
            column = np.floor((x - self._origin[0]) / self._cell)
            row = np.floor((y - self._origin[1]) / self._cell)
            ny, nx = self._raster.shape
            # NaN and infinite coordinates fail these comparisons: no grid.
            inside = (column >= 0) & (column < nx) & (row >= 0) & (row < ny)
            result[inside] = self._raster[
                row[inside].astype(np.intp), column[inside].astype(np.intp)
            ]
        else:
            result[np.isfinite(x) & np.isfinite(y)] = _HARD
        return result

    def locate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
        """Return, for each point, the position of the polygon that covers it.

        Parameters
        ----------
        x, y : array-like of float
            Coordinates in the polygons' CRS (longitude and latitude for
            grids in degrees). NaN means missing.

        Returns
        -------
        numpy.ndarray of int64
            Position into the geometries given at construction, -1 for a point
            in no polygon or with missing coordinates. See the module docstring
            for the boundary rule.
        """
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("x and y must be one-dimensional and of equal length")
        workers = min(self.threads, max(1, len(x) // _MIN_POINTS_PER_THREAD))
        if workers == 1:
            result = self._lookup(x, y)
        else:
            # numpy's array work releases the GIL, so blocks run in parallel.
            bounds = np.linspace(0, len(x), workers + 1).astype(int)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                parts = pool.map(
                    lambda b: self._lookup(x[b[0] : b[1]], y[b[0] : b[1]]),
                    itertools.pairwise(bounds),
                )
                result = np.concatenate(list(parts))
        hard = np.flatnonzero(result == _HARD)
        result[hard] = self._exact(x[hard], y[hard], workers=self.threads)
        return result


def locate_points(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    grids: gpd.GeoDataFrame,
    *,
    key: str | None = "grid_code",
    threads: int | None = None,
) -> np.ndarray:
    """Return the position in ``grids`` of the grid that covers each point.

    Parameters
    ----------
    lon, lat : array-like of float
        Coordinates in the grids' CRS (CGCS2000 degrees for stored grids);
        NaN when missing.
    grids : GeoDataFrame
        Polygons that tile the area (neighbours share edges).
    key : str or None
        Column that breaks ties on shared edges: the smallest value wins.
        When the column is absent (or ``key`` is None) the first row wins.
    threads : int, optional
        Worker threads; default up to 2.

    Returns
    -------
    numpy.ndarray of int64
        Position into ``grids`` (as with ``iloc``), -1 when the point is in no
        grid or has missing coordinates.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grids = gpd.GeoDataFrame({"grid_code": ["G2", "G1"]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> locate_points([0.5, 1.0, 5.0], [0.5, 0.5, 0.5], grids).tolist()
    [0, 1, -1]
    """
    keys = grids[key].to_numpy() if key is not None and key in grids.columns else None
    locator = PointLocator(grids.geometry.to_numpy(), keys=keys, threads=threads)
    return locator.locate(lon, lat)


def placement_grids(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the grids that receive enterprises: base grids, plus undivided villages.

    Parameters
    ----------
    grids : GeoDataFrame
        The project's grids layer (``grid_code``, ``kind``, ``level``,
        ``admin_code``, geometry) or any frame of base grids.

    Returns
    -------
    GeoDataFrame
        Without a ``level`` column, the rows with a geometry, unchanged.
        Otherwise the ``base`` grids, and the ``village`` level grid of each
        village that has no base grid, ordered by ``grid_code``. Sector grids
        are left out.
    """
    frame = grids[~(grids.geometry.isna() | grids.geometry.is_empty)]
    if "kind" in frame.columns:
        frame = frame[frame["kind"].astype(object) != "sector"]
    if "level" not in frame.columns:
        return frame
    base = frame[frame["level"] == "base"]
    divided = set(base["admin_code"].dropna())
    village_level = frame[(frame["level"] == "village") & ~frame["admin_code"].isin(divided)]
    chosen = pd.concat([base, village_level])
    return chosen.sort_values("grid_code", kind="stable")
