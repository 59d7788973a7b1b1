"""Enterprises → territorial grids: spatial join, address fallback, quality flags.

Every function here is pure and works on one chunk of a ledger at a time, so
``gridgis assign`` can stream ledgers larger than memory: build a
:class:`TerritorialAssigner` once from the grids and admin units, then call
:meth:`TerritorialAssigner.assign` on each chunk. Nothing is read or written
here; the project store and the CLI sit at the edges.

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

Measured on this machine (2 cores, shared with other work, so times vary by
up to 1.5x between runs; ``scripts/bench_assign.py``), 1,000,000 points over
a province-size tiling, all methods agreeing 100%:

======================  ==========================  ==========  ===============
polygons                gridgis (index + locate)    geopandas   PostGIS (tuned)
======================  ==========================  ==========  ===============
2,875 (254k vertices)   0.38-0.61 s (0.19-0.27x)    2.0-2.3 s   2.6-3.6 s
15,002 (609k vertices)  1.05-1.36 s (0.47-0.61x)    2.2 s       3.9 s
======================  ==========================  ==========  ===============

The index costs 0.13-0.18 s for 2,875 polygons and 0.7-0.8 s for 15,002
(64 MB raster); a streaming caller builds it once for all chunks. Tried and
dropped: ``STRtree.query(points, predicate="intersects")`` over all points
(2.8 s on one thread, 2.1 s on two); a bounding-box query plus
``intersects_xy`` over all points (0.9 s unloaded, 5 s under load); labelling
clean regions with ``scipy.ndimage.label`` (fast, but importing it takes
0.5 s); densifying edges in numpy instead of ``shapely.segmentize`` (no faster).

Address fallback
----------------
A row without coordinates is matched to a village by its 所属乡/镇/街道 and
所属村/社区 names (:class:`AddressMatcher`): township and village together,
then the village name alone when it is unique in the county, then a search of
the address text for a village name. If that village has one grid, the row
goes there (method ``address``); otherwise it is flagged "needs coordinates"
with the candidate grids listed. A point outside every grid is never moved
into its declared village: the county must fix the coordinates.

Conservation
------------
Every input row gets exactly one outcome: a ``grid_code`` (method ``spatial``
or ``address``) or a ``reason`` (with a machine-readable ``reason_code``),
never both, never neither.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from gridgis.crs import gauss_kruger_crs
from gridgis.errors import CRSError, InputDataError

logger = logging.getLogger(__name__)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "MATCH_METHODS",
    "MISMATCH_COLUMNS",
    "REASON_CODES",
    "AddressMatcher",
    "PointLocator",
    "TerritorialAssigner",
    "assign_territorial",
    "canonical_township_name",
    "canonical_village_name",
    "locate_points",
    "match_addresses",
    "mismatch_report",
    "placement_grids",
]

#: Columns of :meth:`TerritorialAssigner.assign`'s result, in order.
ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "grid_code", "method", "reason_code", "reason", "located_village",
    "declared_village", "declared_how", "candidates", "mismatch",
)
#: How :func:`match_addresses` matched a row to a village.
MATCH_METHODS: tuple[str, ...] = ("names", "village_name", "address_text")
#: Why a row is left without a territorial grid.
REASON_CODES: dict[str, str] = {
    "needs_coordinates": "无坐标，所属村有多个网格 no coordinates, the village has several grids",
    "outside_grids": "坐标不在任何网格内 the point lies outside every grid",
    "no_village_match": "无坐标，名称和地址匹配不到村 no coordinates, no village matches",
    "village_without_grid": "无坐标，所属村尚无网格 no coordinates, the village has no grid",
}
#: Columns of :func:`mismatch_report`'s result, in order.
MISMATCH_COLUMNS: tuple[str, ...] = (
    "row", "name", "lon", "lat", "grid_code",
    "declared_village", "declared_village_name", "located_village", "located_village_name",
    "distance_m",
)

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
# Points farther than this (degrees) from every village are reported as "more
# than ... km" from the county rather than measured.
_NEAR_COUNTY_DEG = 0.1
# From this many points on, the exact test indexes the points and queries it
# with each polygon (see PointLocator._covering_by_polygons).
_POLYGON_DRIVEN_MIN = 20_000
# Below this many points threads cost more than they save.
_MIN_POINTS_PER_THREAD = 20_000

_OUTSIDE = -1
_HARD = -2


# --------------------------------------------------------------------------
# Spatial join
# --------------------------------------------------------------------------


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
        self._geometries = np.where(usable, geoms, None)
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
                len(geoms), nx, ny, 100 * marked.mean(),
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
        columns = (np.minimum(x_low[:-1], x_low[1:])[same],
                   np.maximum(x_high[:-1], x_high[1:])[same])
        rows = (np.minimum(y_low[:-1], y_low[1:])[same] * np.int32(nx),
                np.maximum(y_high[:-1], y_high[1:])[same] * np.int32(nx))
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
        stray = (np.floor((x - minx) / cell) != start_column[roots]) | \
            (np.floor((y - miny) / cell) != row[roots])
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
        polygon, beats querying the polygons once per point (measured: 0.45 s
        against 0.62 s for 136,000 points near the edges of 15,000 polygons),
        and the polygons split between threads.
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
            result[inside] = self._raster[row[inside].astype(np.intp),
                                          column[inside].astype(np.intp)]
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
                parts = pool.map(lambda b: self._lookup(x[b[0]:b[1]], y[b[0]:b[1]]),
                                 itertools.pairwise(bounds))
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


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

# Official long forms and their everyday short forms, replaced longest first.
# 村民委员会/村委会 are the villagers' committee of a 村; 居民委员会/居委会 the
# residents' committee of a 社区 (often written without 社区: 新华居委会).
_VILLAGE_FORMS: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"), ("社区居委会", "社区"), ("社区居委", "社区"),
    ("居民委员会", "社区"), ("居委会", "社区"),
    ("村民委员会", "村"), ("村委会", "村"), ("村委", "村"), ("行政村", "村"),
)
_TOWNSHIP_FORMS: tuple[tuple[str, str], ...] = (
    ("街道办事处", "街道"), ("街道办", "街道"), ("街办", "街道"),
    ("镇人民政府", "镇"), ("乡人民政府", "乡"), ("镇政府", "镇"), ("乡政府", "乡"),
)
_VILLAGE_TYPES = ("社区", "村", "居")
_TOWNSHIP_TYPES = ("街道", "镇", "乡")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_NOISE = re.compile(r"[\s·・,.;:\"'`_\-—/\\|]+")


def _fold(text: object) -> str:
    """NFKC (full-width → ASCII), no whitespace or separators; '' for missing."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    return _NOISE.sub("", folded)


def _replace_suffix(name: str, forms: tuple[tuple[str, str], ...]) -> str:
    for long_form, short_form in forms:
        if name.endswith(long_form):
            return name[: -len(long_form)] + short_form
    return name


def canonical_village_name(name: object) -> str:
    """Return a village or community name in one canonical spelling.

    Full-width characters become ASCII, whitespace, separators and bracketed
    notes are dropped, and committee forms become the unit's own name:
    红星村民委员会, 红星村委会 → 红星村; 新华社区居委会, 新华居委会 → 新华社区.
    Missing values give ``""``.

    Examples
    --------
    >>> canonical_village_name(" 红星村民委员会 ")
    '红星村'
    >>> canonical_village_name("新华居委会")
    '新华社区'
    """
    folded = _BRACKETED.sub("", _fold(name))
    folded = _replace_suffix(folded, _VILLAGE_FORMS)
    # "红星村村委会" → "红星村村" after the replacement above.
    return folded[:-1] if folded.endswith("村村") else folded


def canonical_township_name(name: object) -> str:
    """Return a township or street name in one canonical spelling.

    As :func:`canonical_village_name`, with 街道办事处 → 街道 and
    镇人民政府 → 镇.

    Examples
    --------
    >>> canonical_township_name("金山镇人民政府")
    '金山镇'
    """
    folded = _BRACKETED.sub("", _fold(name))
    return _replace_suffix(folded, _TOWNSHIP_FORMS)


def _core(name: str, types: tuple[str, ...]) -> str:
    """Strip the unit type: 红星村 → 红星, 新华社区 → 新华, 金山镇 → 金山."""
    for suffix in types:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _unique_map(keys: Iterable[str], codes: Iterable[str]) -> dict[str, str]:
    """Map each key to its code, keeping only keys that name exactly one code."""
    seen: dict[str, set[str]] = {}
    for key, code in zip(keys, codes, strict=True):
        if key:
            seen.setdefault(key, set()).add(code)
    return {key: next(iter(found)) for key, found in seen.items() if len(found) == 1}


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype(object)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


class AddressMatcher:
    """Match township, village and address text to the county's villages.

    Build it once from the admin units; :meth:`match` then works on any
    number of chunks.

    Parameters
    ----------
    admin_units : DataFrame
        ``code``, ``name``, ``level`` (``township`` / ``village``) and
        ``parent_code``, as :func:`gridgis.admin.build_admin_units` makes them.
        One county.
    """

    def __init__(self, admin_units: pd.DataFrame) -> None:
        missing = {"code", "name", "level"} - set(admin_units.columns)
        if missing:
            raise InputDataError(f"admin units lack the columns {', '.join(sorted(missing))}")
        units = admin_units.sort_values("code", kind="stable")
        townships = units[units["level"] == "township"]
        villages = units[units["level"] == "village"]
        self.village_names: dict[str, str] = dict(
            zip(villages["code"], villages["name"], strict=True)
        )
        self.township_names: dict[str, str] = dict(
            zip(townships["code"], townships["name"], strict=True)
        )
        town_canon = [canonical_township_name(n) for n in townships["name"]]
        self._township_by_name = _unique_map(town_canon, townships["code"])
        self._township_by_core = _unique_map(
            [_core(n, _TOWNSHIP_TYPES) for n in town_canon], townships["code"]
        )
        village_codes = list(villages["code"])
        parents = [code[:9] for code in village_codes]
        canon = [canonical_village_name(n) for n in villages["name"]]
        core = [_core(n, _VILLAGE_TYPES) for n in canon]
        self._village_in_township = _unique_map(
            [f"{p}|{n}" for p, n in zip(parents, canon, strict=True)], village_codes
        )
        self._village_core_in_township = _unique_map(
            [f"{p}|{n}" for p, n in zip(parents, core, strict=True)], village_codes
        )
        self._village_by_name = _unique_map(canon, village_codes)
        self._village_by_core = _unique_map(core, village_codes)
        # Address search: every canonical village name, with all its codes
        # (a name may repeat across townships), and township names.
        self._codes_by_village_name: dict[str, list[str]] = {}
        for name, code in zip(canon, village_codes, strict=True):
            if name:
                self._codes_by_village_name.setdefault(name, []).append(code)
        self._codes_by_township_name: dict[str, list[str]] = {}
        for name, code in zip(town_canon, townships["code"], strict=True):
            if name:
                self._codes_by_township_name.setdefault(name, []).append(code)

    # Compiling an alternation of thousands of names takes a few tenths of a
    # second, so it waits until a row first needs its address searched.
    @functools.cached_property
    def _village_pattern(self) -> re.Pattern[str] | None:
        return _overlapping_pattern(self._codes_by_village_name)

    @functools.cached_property
    def _township_pattern(self) -> re.Pattern[str] | None:
        return _overlapping_pattern(self._codes_by_township_name)

    def township_code(self, name: object) -> str | None:
        """Return the township code a name stands for, or None."""
        canon = canonical_township_name(name)
        if not canon:
            return None
        return self._township_by_name.get(canon) or self._township_by_core.get(
            _core(canon, _TOWNSHIP_TYPES)
        )

    def _by_names(self, township: object, village: object) -> tuple[str | None, str | None]:
        """Match one (township, village) pair by dictionary lookups."""
        canon = canonical_village_name(village)
        if not canon:
            return None, None
        core = _core(canon, _VILLAGE_TYPES)
        township_code = self.township_code(township)
        if township_code is not None:
            code = self._village_in_township.get(f"{township_code}|{canon}") or \
                self._village_core_in_township.get(f"{township_code}|{core}")
            if code is not None:
                return code, "names"
        code = self._village_by_name.get(canon) or self._village_by_core.get(core)
        if code is not None:
            return code, "village_name"
        return None, None

    def _by_text(self, township: object, village: object, address: object) -> str | None:
        """Find a village name in free text; the longest match, only if unique."""
        text = _canonical_text(f"{_fold(township)}{_fold(village)}{_fold(address)}")
        if not text or self._village_pattern is None:
            return None
        found = set(self._village_pattern.findall(text))
        if not found:
            return None
        towns = {self.township_code(township)} - {None}
        if self._township_pattern is not None:
            for name in self._township_pattern.findall(text):
                towns.update(self._codes_by_township_name[name])
        longest = max(len(name) for name in found)
        codes = {
            code
            for name in found if len(name) == longest
            for code in self._codes_by_village_name[name]
        }
        in_towns = {code for code in codes if code[:9] in towns}
        codes = in_towns or codes
        return next(iter(codes)) if len(codes) == 1 else None

    def match(
        self, rows: pd.DataFrame, *, use_address: bool | npt.ArrayLike = True
    ) -> pd.DataFrame:
        """Match rows to villages; see :func:`match_addresses`.

        Parameters
        ----------
        rows : DataFrame
            ``township``, ``village`` and ``address`` columns (any missing
            column counts as empty).
        use_address : bool or array-like of bool
            Search the address text, for all rows or per row, when the names
            do not match.

        Returns
        -------
        DataFrame
            ``village_code`` and ``how``, indexed like ``rows``.
        """
        codes, hows, _ = self._match_arrays(rows, use_address=use_address)
        return pd.DataFrame(
            {"village_code": pd.Series(codes, index=rows.index, dtype=object),
             "how": pd.Series(hows, index=rows.index, dtype=object)},
        )

    def _match_arrays(
        self, rows: pd.DataFrame, *, use_address: bool | npt.ArrayLike = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return :meth:`match`'s columns as object arrays (str or None), and a matched mask."""
        count = len(rows)
        result_code = np.full(count, None, dtype=object)
        result_how = np.full(count, None, dtype=object)
        if count == 0:
            return result_code, result_how, np.zeros(0, dtype=bool)
        # Ledgers repeat the same few thousand (township, village) pairs: look
        # each distinct pair up once and spread the answers back. Factorizing
        # each column and combining the integer codes is several times faster
        # than grouping on two string columns of a million rows.
        township_id, townships = _factorize(rows, "township")
        village_id, villages = _factorize(rows, "village")
        pair, pair_index = np.unique(
            township_id * (len(villages) + 1) + village_id, return_inverse=True
        )
        looked_up = [
            self._by_names(townships[p // (len(villages) + 1)], villages[p % (len(villages) + 1)])
            for p in pair
        ]
        result_code = np.array([c for c, _ in looked_up], dtype=object)[pair_index]
        result_how = np.array([h for _, h in looked_up], dtype=object)[pair_index]
        matched = np.array([c is not None for c, _ in looked_up], dtype=bool)[pair_index]
        search = np.broadcast_to(np.asarray(use_address, dtype=bool), (count,))
        todo = np.flatnonzero(~matched & search)
        if len(todo):
            # Address text needs a substring search per text, so this is a
            # Python loop, but only over the distinct texts of rows the names
            # left unmatched (rows without coordinates, in practice).
            address = _text_column(rows, "address").iloc[todo]
            address = address.where(address.notna(), None).to_numpy()
            keys = [
                (townships[township_id[i]], villages[village_id[i]], address[k])
                for k, i in enumerate(todo)
            ]
            found = {key: self._by_text(*key) for key in set(keys)}
            text_codes = np.array([found[key] for key in keys], dtype=object)
            hit = np.array([code is not None for code in text_codes], dtype=bool)
            result_code[todo[hit]] = text_codes[hit]
            result_how[todo[hit]] = "address_text"
            matched[todo[hit]] = True
        return result_code, result_how, matched


def _factorize(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[object]]:
    """Integer id per row (0 for missing) and the distinct values (index 0: None)."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64), [None]
    ids, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    return ids.astype(np.int64) + 1, [None, *uniques.tolist()]


def _canonical_text(text: str) -> str:
    """Rewrite committee forms inside free text: 红星村委会3组 → 红星村3组."""
    text = _BRACKETED.sub("", text)
    for long_form, short_form in (*_VILLAGE_FORMS, *_TOWNSHIP_FORMS):
        text = text.replace(long_form, short_form)
    return text


def _overlapping_pattern(names: dict[str, list[str]]) -> re.Pattern[str] | None:
    """Compile a pattern that finds every occurrence of any name, overlaps included."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    # A lookahead matches at every position without consuming text, so a short
    # name inside a longer one is found too and the longest can be chosen.
    return re.compile(f"(?=({alternatives}))")


def match_addresses(
    rows: pd.DataFrame, admin_units: pd.DataFrame, *, use_address: bool = True
) -> pd.DataFrame:
    """Match each row's township, village and address to one village of the county.

    Tried in order, the first that gives exactly one village wins:

    1. ``names``: township and village names together (the township by its
       full or short name, 金山镇 or 金山; the village by its full name or its
       committee's, 红星村 / 红星村委会 / 红星村民委员会, 新华社区 /
       新华社区居委会 / 新华居委会, or without its type, 红星);
    2. ``village_name``: the village name alone, when it is unique in the
       county;
    3. ``address_text``: village names found in the township, village and
       address text; the longest found name, only if it names one village
       (narrowed to townships named in the text or the row, when that helps).

    Names are compared after NFKC (full-width letters and digits become
    ASCII), with whitespace, separators and bracketed notes removed.

    Parameters
    ----------
    rows : DataFrame
        ``township``, ``village``, ``address`` (strings; missing columns or
        values count as empty).
    admin_units : DataFrame
        ``code``, ``name``, ``level`` of the county's townships and villages.
    use_address : bool
        Whether to try step 3.

    Returns
    -------
    DataFrame
        ``village_code`` (12 digits, or missing) and ``how`` (one of
        :data:`MATCH_METHODS`, or missing), indexed like ``rows``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({
    ...     "code": ["640122104", "640122104208"], "name": ["金山镇", "光明村"],
    ...     "level": ["township", "village"]})
    >>> rows = pd.DataFrame({"township": ["金山"], "village": ["光明村委会"],
    ...                      "address": [None]})
    >>> match_addresses(rows, units).iloc[0].tolist()
    ['640122104208', 'names']
    """
    return AddressMatcher(admin_units).match(rows, use_address=use_address)


# --------------------------------------------------------------------------
# Territorial assignment
# --------------------------------------------------------------------------


def _check_degrees(frame: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a frame not in geographic degrees (CGCS2000, or WGS-84 treated as it)."""
    if frame.crs is None:
        raise CRSError(f"{what} have no CRS; expected CGCS2000 degrees (EPSG:4490)")
    if not frame.crs.is_geographic or frame.crs.to_epsg() not in (4490, 4326):
        raise CRSError(
            f"{what} are in {frame.crs.name} but enterprise coordinates are CGCS2000 "
            "degrees (EPSG:4490); reproject the grids first"
        )


@dataclass(frozen=True)
class _Outcome:
    """Result arrays for one chunk, before they become a DataFrame."""

    grid_code: np.ndarray
    method: np.ndarray
    reason_code: np.ndarray
    reason: np.ndarray
    located_village: np.ndarray
    declared_village: np.ndarray
    declared_how: np.ndarray
    candidates: np.ndarray
    mismatch: np.ndarray


class TerritorialAssigner:
    """Place enterprises in territorial grids, chunk by chunk.

    Build it once from the grids and admin units (this builds the spatial
    index and the name tables), then call :meth:`assign` on each chunk.

    Parameters
    ----------
    grids : GeoDataFrame
        ``grid_code``, ``admin_code`` (the village code) and Polygon geometry
        in CGCS2000 degrees: the project's grids layer (base grids are picked
        by :func:`placement_grids`) or base grids alone.
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level``, ``parent_code`` and geometry in
        CGCS2000 degrees.
    threads : int, optional
        Worker threads for the spatial join (default up to 2).

    Raises
    ------
    InputDataError
        If a required column is missing.
    CRSError
        If the grids or admin units are not in geographic degrees.
    """

    def __init__(
        self,
        grids: gpd.GeoDataFrame,
        admin_units: gpd.GeoDataFrame,
        *,
        threads: int | None = None,
    ) -> None:
        missing = {"grid_code", "admin_code"} - set(grids.columns)
        if missing:
            raise InputDataError(f"grids lack the columns {', '.join(sorted(missing))}")
        _check_degrees(grids, "the grids")
        _check_degrees(admin_units, "the admin units")
        chosen = placement_grids(grids)
        self.grids = chosen
        self._grid_codes = chosen["grid_code"].astype(object).to_numpy()
        self._grid_villages = chosen["admin_code"].astype(object).to_numpy()
        self.locator = PointLocator(chosen.geometry.to_numpy(), keys=self._grid_codes,
                                    threads=threads)
        self.matcher = AddressMatcher(admin_units)
        grids_of_village: dict[str, list[str]] = {}
        for village, code in zip(self._grid_villages, self._grid_codes, strict=True):
            grids_of_village.setdefault(village, []).append(code)
        self._grids_of_village = {v: sorted(c) for v, c in grids_of_village.items()}
        villages = admin_units[admin_units["level"] == "village"]
        self._village_codes = villages["code"].astype(object).to_numpy()
        self._village_position = {code: i for i, code in enumerate(self._village_codes)}
        self._village_geometries = villages.geometry.to_numpy()
        self._village_tree = shapely.STRtree(self._village_geometries)
        # Distances in the "outside" reasons are measured in the county's
        # Gauss-Krueger zone (DESIGN.md: measure in a 3-degree zone).
        bounds = admin_units.total_bounds if len(admin_units) else chosen.total_bounds
        centre = (bounds[0] + bounds[2]) / 2 if np.isfinite(bounds).all() else 105.0
        self._to_metric = pyproj.Transformer.from_crs(
            admin_units.crs, gauss_kruger_crs(centre), always_xy=True
        )
        self._metric_villages: np.ndarray | None = None
        logger.debug("assigner: %d placement grids in %d villages",
                     len(chosen), len(self._grids_of_village))

    # Pieces ---------------------------------------------------------------

    def _village_label(self, code: str) -> str:
        name = self.matcher.village_names.get(code)
        return f"{name} ({code})" if name else code

    def _metric_village_geometries(self) -> np.ndarray:
        """Return the villages in metres, projected the first time a reason needs them."""
        if self._metric_villages is None:
            self._metric_villages = shapely.transform(
                self._village_geometries,
                lambda xy: np.column_stack(self._to_metric.transform(xy[:, 0], xy[:, 1])),
            )
        return self._metric_villages

    def _outside_reasons(
        self, lon: np.ndarray, lat: np.ndarray, declared: np.ndarray
    ) -> list[str]:
        """Say where each point outside every grid is, and what its row declared."""
        count = len(lon)
        points = shapely.points(lon, lat)
        holder = np.full(count, -1, dtype=np.int64)
        county_metres = np.full(count, np.nan)
        declared_metres = np.full(count, np.nan)
        if len(self._village_geometries):
            point_index, village_index = self._village_tree.query(points, predicate="intersects")
            order = np.lexsort((village_index, point_index))
            point_index, village_index = point_index[order], village_index[order]
            first = np.r_[True, point_index[1:] != point_index[:-1]][: len(point_index)]
            holder[point_index[first]] = village_index[first]
            metric_villages = self._metric_village_geometries()
            metric_points = shapely.points(*self._to_metric.transform(lon, lat))
            # A bounded search: an unbounded nearest search from far-away
            # points (swapped or garbage coordinates) costs ~50 µs a point.
            nearest_point, nearest_village = self._village_tree.query_nearest(
                points, all_matches=False, max_distance=_NEAR_COUNTY_DEG
            )
            county_metres[nearest_point] = shapely.distance(
                metric_points[nearest_point], metric_villages[nearest_village]
            )
            position = np.array([self._village_position.get(code, -1) if code else -1
                                 for code in declared], dtype=np.int64)
            known = position >= 0
            declared_metres[known] = shapely.distance(
                metric_points[known], metric_villages[position[known]]
            )
        # The text is built per row, but only for the few rows outside.
        reasons = []
        for i in range(count):
            where = f"坐标 ({lon[i]:.6f}, {lat[i]:.6f}) 不在任何网格内"
            if holder[i] >= 0:
                village = str(self._village_codes[holder[i]])
                where += f"：位于{self._village_label(village)}，该村尚无网格"
            elif np.isfinite(county_metres[i]):
                where += f"（在县界外，距县界 {county_metres[i]:,.0f} 米）"
            else:
                # 0.1 degree of longitude is the shorter one: 111.32 km x cos(lat).
                km = _NEAR_COUNTY_DEG * 111.32 * math.cos(math.radians(min(abs(lat[i]), 89.0)))
                where += f"（在县界外，距县界超过 {km:.0f} 公里）"
            if declared[i] is None:
                reasons.append(where + "；未填所属村；请更正坐标")
                continue
            distance = f"，相距 {declared_metres[i]:,.0f} 米" \
                if np.isfinite(declared_metres[i]) else ""
            reasons.append(f"{where}；所填村为{self._village_label(declared[i])}"
                           f"{distance}；请更正坐标")
        return reasons

    def _no_coordinates_outcome(
        self, declared: str | None, unusable: bool
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """Return (grid_code, reason_code, reason, candidates) for a row without a point."""
        prefix = "坐标无效" if unusable else "无坐标"
        if declared is None:
            return (None, "no_village_match",
                    f"{prefix}，名称和地址匹配不到村", None)
        codes = self._grids_of_village.get(declared, [])
        label = self._village_label(declared)
        if len(codes) == 1:
            return codes[0], None, None, None
        if not codes:
            return (None, "village_without_grid",
                    f"{prefix}；{label}尚无网格", None)
        return (None, "needs_coordinates",
                f"需补坐标：{label}有 {len(codes)} 个网格：" + "、".join(codes), " ".join(codes))

    def _outcome(self, enterprises: pd.DataFrame) -> _Outcome:
        count = len(enterprises)
        lon = pd.to_numeric(enterprises["lon"], errors="coerce").to_numpy(dtype=np.float64,
                                                                          na_value=np.nan)
        lat = pd.to_numeric(enterprises["lat"], errors="coerce").to_numpy(dtype=np.float64,
                                                                          na_value=np.nan)
        has_point = np.isfinite(lon) & np.isfinite(lat)
        position = self.locator.locate(lon, lat)
        placed = position >= 0
        # Declared villages: names only for rows with a point (fast on millions
        # of rows); the address text too for rows that need it to be placed.
        declared, declared_how, matched = self.matcher._match_arrays(
            enterprises, use_address=~has_point
        )

        empty = np.full(count, None, dtype=object)
        grid_code, method, reason_code = empty.copy(), empty.copy(), empty.copy()
        reason, located, candidates = empty.copy(), empty.copy(), empty.copy()

        grid_code[placed] = self._grid_codes[position[placed]]
        method[placed] = "spatial"
        located[placed] = self._grid_villages[position[placed]]
        mismatch = placed & matched & (declared != located)

        outside = np.flatnonzero(has_point & ~placed)
        if len(outside):
            reason_code[outside] = "outside_grids"
            reason[outside] = self._outside_reasons(lon[outside], lat[outside], declared[outside])
        missing = np.flatnonzero(~has_point)
        if len(missing):
            # Work out each distinct (declared village, unusable) pair once:
            # a ledger without coordinates repeats the same few villages.
            unusable = self._unusable_coordinates(enterprises)[missing]
            village_id, villages = pd.factorize(declared[missing], use_na_sentinel=True)
            key = (village_id.astype(np.int64) + 1) * 2 + unusable
            distinct, inverse = np.unique(key, return_inverse=True)
            outcomes = [
                self._no_coordinates_outcome(
                    villages[k // 2 - 1] if k // 2 > 0 else None, bool(k % 2)
                )
                for k in distinct
            ]
            table = np.array(outcomes, dtype=object).reshape(len(distinct), 4)[inverse]
            by_address = np.array([o[0] is not None for o in outcomes], dtype=bool)[inverse]
            grid_code[missing] = table[:, 0]
            method[missing[by_address]] = "address"
            reason_code[missing] = table[:, 1]
            reason[missing] = table[:, 2]
            candidates[missing] = table[:, 3]
        return _Outcome(grid_code, method, reason_code, reason, located, declared,
                        declared_how, candidates, mismatch)

    @staticmethod
    def _unusable_coordinates(enterprises: pd.DataFrame) -> np.ndarray:
        """Flag rows whose ledger numbers could not be used as a position."""
        if {"lon_input", "lat_input"} <= set(enterprises.columns):
            return (enterprises["lon_input"].notna() | enterprises["lat_input"].notna()).to_numpy(
                dtype=bool, na_value=False)
        return np.zeros(len(enterprises), dtype=bool)

    # Public ---------------------------------------------------------------

    def assign(self, enterprises: pd.DataFrame) -> pd.DataFrame:
        """Place one chunk of enterprises; see :func:`assign_territorial`.

        Parameters
        ----------
        enterprises : DataFrame
            ``lon``, ``lat`` (CGCS2000 degrees, NaN when missing), and
            optionally ``township``, ``village``, ``address``.

        Returns
        -------
        DataFrame
            :data:`ASSIGNMENT_COLUMNS`, one row per input row, same index.
        """
        missing = {"lon", "lat"} - set(enterprises.columns)
        if missing:
            raise InputDataError(f"enterprises lack the columns {', '.join(sorted(missing))}")
        outcome = self._outcome(enterprises)
        # Text columns stay object arrays of str/None: pandas' str dtype costs
        # about 0.3 s per column per million rows to build, which streaming
        # assignment of large ledgers cannot afford.
        columns = {
            name: pd.Series(getattr(outcome, name), index=enterprises.index, dtype=object)
            for name in ASSIGNMENT_COLUMNS if name != "mismatch"
        }
        columns["mismatch"] = pd.Series(outcome.mismatch.astype(bool), index=enterprises.index)
        result = pd.DataFrame(columns, index=enterprises.index)
        return result[list(ASSIGNMENT_COLUMNS)]


def assign_territorial(
    enterprises: pd.DataFrame,
    grids: gpd.GeoDataFrame,
    admin_units: gpd.GeoDataFrame,
    *,
    threads: int | None = None,
) -> pd.DataFrame:
    """Place every enterprise in one territorial grid, or say why it cannot be placed.

    - A row with a point goes to the grid that covers it (method
      ``spatial``; the boundary rule of the module docstring decides shared
      edges). ``mismatch`` is True when the declared village (from the
      township and village names) differs from the grid's village.
    - A row with a point outside every grid is left unplaced
      (``outside_grids``), even when it declares a village: the reason says
      where the point is and what was declared, so the county fixes the
      coordinates.
    - A row without a usable point is matched to a village by its names or
      address (:func:`match_addresses`). A village with one grid takes it
      (method ``address``); a village with several is flagged
      ``needs_coordinates`` with the grids in ``candidates``.

    For ledgers larger than memory, build a :class:`TerritorialAssigner` once
    and call its ``assign`` on each chunk; the result is the same.

    Parameters
    ----------
    enterprises : DataFrame
        Ledger rows as :func:`gridgis.io.ledger.read_ledger` gives them:
        ``lon``, ``lat`` in CGCS2000 degrees (NaN when missing), ``township``,
        ``village``, ``address``.
    grids : GeoDataFrame
        The grids layer or base grids: ``grid_code``, ``admin_code``,
        Polygon geometry in CGCS2000 degrees.
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level``, ``parent_code``, geometry.
    threads : int, optional
        Worker threads for the spatial join (default up to 2).

    Returns
    -------
    DataFrame
        One row per input row, same index and order:

        - ``grid_code``: the grid, or missing;
        - ``method``: ``spatial`` or ``address``, or missing;
        - ``reason_code``: a key of :data:`REASON_CODES` when unplaced;
        - ``reason``: why unplaced, in words, naming villages and grids;
        - ``located_village``: village code of the grid the point falls in;
        - ``declared_village``: village code matched from the names;
        - ``declared_how``: how it was matched (:data:`MATCH_METHODS`);
        - ``candidates``: space-separated grid codes, for ``needs_coordinates``;
        - ``mismatch``: declared village ≠ located village (bool).

    Raises
    ------
    InputDataError
        If a required column is missing.
    CRSError
        If the grids or admin units are not in CGCS2000 degrees.

    Examples
    --------
    >>> assigned = assign_territorial(ledger.enterprises, grids, units)  # doctest: +SKIP
    >>> assigned["grid_code"].notna().sum()  # doctest: +SKIP
    2997
    """
    return TerritorialAssigner(grids, admin_units, threads=threads).assign(enterprises)


def mismatch_report(
    assigned: pd.DataFrame, enterprises: pd.DataFrame, admin_units: gpd.GeoDataFrame
) -> pd.DataFrame:
    """List the rows whose declared village differs from the village their point is in.

    Parameters
    ----------
    assigned : DataFrame
        :func:`assign_territorial`'s result.
    enterprises : DataFrame
        The same rows (``lon``, ``lat``; ``row`` and ``name`` when present).
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level`` and geometry in CGCS2000 degrees.

    Returns
    -------
    DataFrame
        :data:`MISMATCH_COLUMNS`, in input order: the row number and name,
        the point, the grid, both villages' codes and names, and
        ``distance_m``, the distance in metres from the point to the declared
        village (measured in the county's Gauss-Krueger zone).
    """
    _check_degrees(admin_units, "the admin units")
    flagged = assigned.index[assigned["mismatch"].to_numpy(dtype=bool)]
    rows = enterprises.loc[flagged]
    picked = assigned.loc[flagged]
    villages = admin_units[admin_units["level"] == "village"].set_index("code")
    names = villages["name"]
    declared = picked["declared_village"].astype(object)
    located = picked["located_village"].astype(object)
    lon = pd.to_numeric(rows["lon"], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(rows["lat"], errors="coerce").to_numpy(dtype=np.float64)
    distance = np.full(len(rows), np.nan)
    if len(rows):
        metric = gauss_kruger_crs(float(np.nanmean(lon)))
        points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=admin_units.crs).to_crs(metric)
        known = declared.isin(villages.index).to_numpy()
        shapes = gpd.GeoSeries(
            villages.geometry.reindex(declared[known]).to_numpy(), crs=admin_units.crs
        ).to_crs(metric)
        distance[known] = shapely.distance(points.to_numpy()[known], shapes.to_numpy())
    report = pd.DataFrame(
        {
            "row": rows["row"].to_numpy() if "row" in rows.columns
            else np.asarray(flagged),
            "name": _text_column(rows, "name").to_numpy(),
            "lon": lon,
            "lat": lat,
            "grid_code": picked["grid_code"].to_numpy(),
            "declared_village": declared.to_numpy(),
            "declared_village_name": declared.map(names).to_numpy(),
            "located_village": located.to_numpy(),
            "located_village_name": located.map(names).to_numpy(),
            "distance_m": np.round(distance, 1),
        },
        index=flagged,
    )
    return report[list(MISMATCH_COLUMNS)]
