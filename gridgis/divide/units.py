"""Base units of one village part: barrier blocks and lattice cells.

The grids of a village are unions of base units, so the units decide two
things: where grid edges can run, and how exactly the grids tile the village.

Exact tiling
------------
Units are faces of one planar arrangement built in EPSG:4490 degrees:
``shapely.polygonize`` of the noded union of the village boundary and the
cutting lines (barriers, lattice). Faces of one arrangement share their edges
vertex for vertex, so any union of them is a valid coverage.

By default cutting lines never end on the village boundary at a new point:
they stop short of it and are joined to the nearest *existing* boundary
vertex (a "connector"). The grids' outline is then the village's own vertices
and segments, unchanged. Noding the lines into the boundary instead
(``keep_boundary_vertices=False``) adds a vertex where each line crosses it.
That vertex lies on the edge in degrees but not in a projected CRS, where a
6 km edge bows by about 0.4 m: measured on the demo county, grid areas then
miss the village area by up to 1.3e-4 of it in the Gauss-Krueger zone (1e-9
is asked for), and the grids no longer share vertices with the neighbouring
village's grids.

The price of keeping the vertices is paid on long vertex-free edges (drawn
or synthetic data; surveyed boundaries have a vertex every few tens of
metres): a grid can only meet such an edge along all of it. A narrow "collar"
(the village minus its inward buffer by a few metres), cut by "spokes" at
boundary vertices, receives the lattice lines that find no vertex near
enough; the collar piece along such an edge goes whole to one grid.

Blocks
------
With barriers (roads, rivers, railways) the first arrangement is the village
boundary and the barrier lines, joined to boundary vertices within
``BARRIER_SNAP_M``: its faces are the enclosures (momepy's ``enclosures``
does the same with ``polygonize``; it is not imported for this one call).
Like any dangling line, a barrier that ends short of the boundary encloses
nothing. Blocks whose load exceeds ``max_load`` are cut by a lattice; the
others stay whole units, so grid edges follow the barriers.

Lattice
-------
Square cells sized so that a grid holds about ``UNITS_PER_GRID`` of them
(more when the load leaves little room per grid); where point loads crowd a
cell beyond that share, the cell is split in four, down to ``MIN_CELL_M``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from gridgis.divide.load import LoadField
from gridgis.divide.metric import Metric, metres_per_degree

logger = logging.getLogger(__name__)

#: Lattice cells per grid aimed at. More cells give finer balance and smoother
#: grids but cost time; measured in ``scripts/bench_divide.py`` (see README).
UNITS_PER_GRID = 40
#: Most lattice cells per grid. When the load leaves little room per grid
#: (a village of 8.99 limits in 9 grids), cells are made smaller than
#: ``UNITS_PER_GRID`` gives, down to about half the room, so whole cells can
#: still balance; beyond this bound a grid is added instead.
MAX_UNITS_PER_GRID = 200
#: Smallest lattice cell side in metres: about one rural house plot.
MIN_CELL_M = 20.0
#: Upper bound on lattice cells in one village part, to bound time and memory.
MAX_CELLS = 30_000
#: Width of the collar cut along the village boundary, in metres (at most; it
#: shrinks with small cells). Small enough that a collar piece carries little
#: load, large enough to be far from floating-point noise (1e-9 degrees).
COLLAR_M = 10.0
#: A barrier that reaches the village boundary within this many metres of a
#: boundary vertex is joined to that vertex and can enclose a block; farther
#: from any vertex it ends short and encloses nothing there. Measured on the
#: demo county (households, roads and canals): Polsby-Popper median 0.558 at
#: 20 m, 0.549 at 100 m, 0.542 at 250 m, 0.520 at 500 m, 0.473 at 3 km, as
#: long joins make grids take thin strips of the border.
BARRIER_SNAP_M = 50.0
#: Faces smaller than this share of a lattice cell are merged into a neighbour.
_SLIVER_SHARE = 0.02
#: Weight of a collar strip's edges in the partition, relative to their length.
#: A strip along a vertex-free village edge must go whole to one grid; left
#: to plain edge-cut minimisation it costs the same as a thin arm of another
#: grid or as a band of cells along the edge, and METIS takes arms. A higher
#: weight makes the cells beside the strip follow it (bands, not arms).
COLLAR_EDGE_WEIGHT = 4.0


@dataclass
class Units:
    """The base units of a village part.

    Units are stored as faces (the finest polygons of the arrangement) with a
    unit label; a unit is the union of its faces. Grids are built by uniting
    faces, so no unit geometry has to be materialised.

    Attributes
    ----------
    faces : numpy.ndarray
        Face polygons in EPSG:4490.
    face_unit : numpy.ndarray
        Unit index of each face.
    face_block : numpy.ndarray
        Block index of each face (all 0 without barriers).
    face_area_km2, face_load : numpy.ndarray
        Area and load of each face.
    face_core : numpy.ndarray
        Whether a face lies inside the collar (False: a collar piece).
    unit_load : numpy.ndarray
        Load of each unit.
    edges : tuple of numpy.ndarray
        ``(i, j, weight)``: unit pairs sharing an edge, ``i < j``; the weight
        is the shared length in metres, times ``COLLAR_EDGE_WEIGHT`` for
        edges of collar strips.
    face_edges : tuple of numpy.ndarray
        The same for faces.
    block_load : numpy.ndarray
        Load of each block.
    block_split : numpy.ndarray
        Whether a block was cut by the lattice because it exceeds the limit.
    cell_m : float
        Lattice cell side in metres (0 when no block was cut).
    simplify_deg : float
        Lattice scale for straightening lattice-made grid edges, in degrees
        (the side of an ordinary cell, before any refinement for balance).
    """

    faces: NDArray[np.object_]
    face_unit: NDArray[np.int64]
    face_block: NDArray[np.int64]
    face_area_km2: NDArray[np.float64]
    face_load: NDArray[np.float64]
    face_core: NDArray[np.bool_]
    unit_load: NDArray[np.float64]
    edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
    face_edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
    block_load: NDArray[np.float64]
    block_split: NDArray[np.bool_]
    cell_m: float
    simplify_deg: float

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.unit_load)

    def block_geometry(self, block: int) -> shapely.Geometry:
        """Return the polygon of one block (the union of its faces)."""
        return shapely.coverage_union_all(self.faces[self.face_block == block])


# ---------------------------------------------------------------------------
# Shared edges


def shared_edges(
    geoms: NDArray[np.object_], kx: float, ky: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Return the pairs of polygons that share boundary segments, and how much.

    Works on exactly noded polygons (faces of one arrangement, or unions of
    them): a shared edge is a segment that appears, with identical end
    coordinates, in two rings. This is exact and needs no spatial predicate.

    Parameters
    ----------
    geoms : array of shapely.Polygon
        The polygons.
    kx, ky : float
        Metres per degree east and north, to express lengths in metres.

    Returns
    -------
    tuple of numpy.ndarray
        ``(i, j, length_m)`` with ``i < j``, one row per adjacent pair.
    """
    rings, owner_of_ring = shapely.get_rings(geoms, return_index=True)
    xy, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_of_coord[:-1] == ring_of_coord[1:]
    a = xy[:-1][same_ring]
    b = xy[1:][same_ring]
    owner = owner_of_ring[ring_of_coord[:-1][same_ring]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    p = np.where(swap[:, None], b, a)
    q = np.where(swap[:, None], a, b)
    order = np.lexsort((q[:, 1], q[:, 0], p[:, 1], p[:, 0]))
    p, q, owner = p[order], q[order], owner[order]
    twin = np.all(p[1:] == p[:-1], axis=1) & np.all(q[1:] == q[:-1], axis=1)
    i = owner[:-1][twin]
    j = owner[1:][twin]
    d = q[:-1][twin] - p[:-1][twin]
    length = np.hypot(d[:, 0] * kx, d[:, 1] * ky)
    keep = i != j
    return aggregate_pairs(i[keep], j[keep], length[keep])


def aggregate_pairs(
    i: NDArray[np.int64], j: NDArray[np.int64], length: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Sum lengths per unordered pair, dropping self pairs.

    Parameters
    ----------
    i, j : numpy.ndarray
        Pair members.
    length : numpy.ndarray
        Length per row.

    Returns
    -------
    tuple of numpy.ndarray
        ``(i, j, length)`` with ``i < j``, sorted, one row per pair.
    """
    lo = np.minimum(i, j)
    hi = np.maximum(i, j)
    keep = lo != hi
    lo, hi, length = lo[keep], hi[keep], length[keep]
    if len(lo) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0)
    pairs, inverse = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    # bincount with weights gives float64 (numpy's stubs say int); astype copies nothing.
    total = np.bincount(inverse.ravel(), weights=length, minlength=len(pairs)).astype(
        np.float64, copy=False
    )
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64), total


# ---------------------------------------------------------------------------
# Arrangement


def _as_lines(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Return the LineString parts of linear (or polygonal: boundary) geometries."""
    if len(geoms) == 0:
        return np.empty(0, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    geoms = np.where(polygonal, shapely.boundary(geoms), geoms)
    parts = shapely.get_parts(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    return parts[~shapely.is_empty(parts)]


def _clip(lines: NDArray[np.object_], region: shapely.Geometry) -> NDArray[np.object_]:
    """Return the pieces of lines inside a region, as LineStrings."""
    if len(lines) == 0 or region.is_empty:
        return np.empty(0, dtype=object)
    shapely.prepare(region)
    hit = shapely.intersects(region, lines)
    return _as_lines(shapely.intersection(lines[hit], region))


class _Boundary:
    """The village part's boundary: linework, vertices and a nearest-vertex index."""

    def __init__(self, polygon: shapely.Geometry) -> None:
        self.lines = _as_lines(np.array([polygon]))
        xy, ring = shapely.get_coordinates(self.lines, return_index=True)
        same = ring[:-1] == ring[1:]
        self.segments = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
        self.ring = shapely.multilinestrings(self.lines)
        shapely.prepare(self.ring)
        self.vertices = np.unique(shapely.get_coordinates(self.lines), axis=0)
        self.tree = shapely.STRtree(shapely.points(self.vertices))

    def connectors(
        self, pieces: NDArray[np.object_], reach: float, snap: float
    ) -> NDArray[np.object_]:
        """Join line ends that stop near the boundary to the nearest boundary vertex.

        Parameters
        ----------
        pieces : array of LineString
            Cutting lines clipped short of the boundary.
        reach : float
            Ends closer than this to the boundary (degrees) get a connector.
        snap : float
            Largest connector length (degrees); farther ends stay unjoined.

        Returns
        -------
        array of LineString
            Connectors from each end to a vertex, which cross no boundary.
        """
        if len(pieces) == 0:
            return np.empty(0, dtype=object)
        ends = np.concatenate([shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)])
        ends = ends[shapely.distance(ends, self.ring) < reach]
        if len(ends) == 0:
            return np.empty(0, dtype=object)
        ends_xy = np.unique(shapely.get_coordinates(ends), axis=0)
        end_idx, vertex_idx = self.tree.query_nearest(
            shapely.points(ends_xy), max_distance=snap, all_matches=False
        )
        if len(end_idx) == 0:
            return np.empty(0, dtype=object)
        e = ends_xy[end_idx]
        v = self.vertices[vertex_idx]
        # A connector may touch the boundary only at its vertex: test it
        # shortened by a hair at that end.
        probe = shapely.linestrings(np.stack([e, v + (e - v) * 1e-6], axis=1))
        ok = ~shapely.intersects(self.ring, probe)
        return shapely.linestrings(np.stack([e[ok], v[ok]], axis=1))

    def stray_nodes(self, faces: NDArray[np.object_]) -> NDArray[np.float64]:
        """Return where faces do not follow the boundary vertex for vertex.

        That is: face vertices on (within 1e-9 degrees of) the boundary that
        are not its own, and boundary vertices that no face has.
        """
        xy = np.unique(shapely.get_coordinates(faces), axis=0)
        near = shapely.distance(shapely.points(xy), self.ring) < 1e-9
        xy = np.ascontiguousarray(xy[near])
        pair = np.dtype([("x", float), ("y", float)])
        found = xy.view(pair).ravel()
        own = np.ascontiguousarray(self.vertices).view(pair).ravel()
        extra = xy[~np.isin(found, own)]
        missing = self.vertices[~np.isin(own, found)]
        return np.concatenate([extra, missing])

    def without_lines_near(
        self, lines: NDArray[np.object_], trouble: NDArray[np.object_]
    ) -> NDArray[np.object_]:
        """Drop lines that come within 1e-8 degrees of any of the trouble geometries."""
        if len(lines) == 0 or len(trouble) == 0:
            return lines
        close = shapely.dwithin(lines[:, None], trouble[None, :], 1e-8).any(axis=1)
        return lines[~close]

    def spokes(
        self, inner: shapely.Geometry, spacing: float, kx: float, ky: float, overshoot: float
    ) -> NDArray[np.object_]:
        """Cut the collar at boundary vertices about ``spacing`` metres apart.

        Without cuts the collar would be a ring round everything else, and
        the grid that took it would enclose the others. Each spoke runs from
        a boundary vertex to the nearest point of the collar's inner edge and
        a little beyond, so it is noded there; every ring gets at least three.

        Parameters
        ----------
        inner : shapely.Geometry
            The inward buffer whose outline is the collar's inner edge.
        spacing : float
            Arc length between spokes, in metres.
        kx, ky : float
            Metres per degree east and north.
        overshoot : float
            Length past the inner edge, in degrees.

        Returns
        -------
        array of LineString
            Spokes that touch the boundary only at their vertex.
        """
        inner_edge = shapely.boundary(inner)
        if inner.is_empty or inner_edge.is_empty:
            return np.empty(0, dtype=object)
        picked = []
        for line in self.lines.tolist():  # one per ring; rings are few
            xy = shapely.get_coordinates(line)[:-1]
            step = np.hypot(np.diff(xy[:, 0]) * kx, np.diff(xy[:, 1]) * ky)
            arc = np.r_[0.0, np.cumsum(step)]
            bucket = np.floor(arc / spacing)
            pick = np.nonzero(np.r_[True, bucket[1:] != bucket[:-1]])[0]
            if len(pick) < 3:
                pick = np.unique(np.linspace(0, len(xy) - 1, 3).round().astype(int))
            picked.append(xy[pick])
        v = np.concatenate(picked)
        q = shapely.get_coordinates(shapely.shortest_line(shapely.points(v), inner_edge))[1::2]
        direction = q - v
        norm = np.hypot(direction[:, 0], direction[:, 1])
        ok = norm > 0
        v, q = v[ok], q[ok] + direction[ok] / norm[ok, None] * overshoot
        probe = shapely.linestrings(np.stack([v + (q - v) * 1e-6, q], axis=1))
        ok = ~shapely.intersects(self.ring, probe)
        return shapely.linestrings(np.stack([v[ok], q[ok]], axis=1))


def polygonize_part(
    polygon: shapely.Geometry,
    boundary: _Boundary,
    lines: list[NDArray[np.object_]],
    *,
    keep_boundary_vertices: bool = True,
) -> NDArray[np.object_]:
    """Return the faces inside a polygon of the arrangement of its boundary and lines.

    Parameters
    ----------
    polygon : shapely.Polygon
        The village part.
    boundary : _Boundary
        Its boundary.
    lines : list of arrays of LineString
        Cutting lines; with ``keep_boundary_vertices`` they must touch the
        boundary only at its vertices.
    keep_boundary_vertices : bool, optional
        Keep the boundary out of GEOS's noding and check that the faces
        follow it vertex for vertex and fill it. Boundaries with debris (two
        vertices 1e-11 degrees apart, a spike a hair wide) can still defeat
        floating-point geometry; the arrangement is then built again with the
        boundary noded, then without the lines near the trouble, and in the
        end the part is left whole (its load may then exceed the limit).

    Returns
    -------
    array of shapely.Polygon
        Faces tiling ``polygon`` exactly, in a deterministic order, without
        holes except the village's own.
    """
    if not keep_boundary_vertices:
        return _polygonize(polygon, boundary, lines, noded_boundary=True)
    area = shapely.area(polygon)
    # First with the boundary kept out of GEOS's noding, then noded with the
    # rest (GEOS is robust in other places), then without the lines near
    # the trouble.
    for attempt in range(3):
        faces = _polygonize(polygon, boundary, lines, noded_boundary=attempt == 1)
        stray = boundary.stray_nodes(faces)
        lost = abs(shapely.area(faces).sum() - area) > 1e-9 * area
        if len(stray) == 0 and not lost:
            return faces
        logger.debug("faces miss the boundary near %d vertices (area lost: %s)", len(stray), lost)
        if attempt == 1:
            trouble = [shapely.points(stray)] if len(stray) else []
            if lost:
                trouble.append(np.array([shapely.difference(polygon, shapely.union_all(faces))]))
            lines = [boundary.without_lines_near(arr, np.concatenate(trouble)) for arr in lines]
    # Give up cutting this part rather than change its boundary.
    logger.warning("a village part could not be cut without changing its boundary; kept whole")
    return np.array([polygon], dtype=object)


def _polygonize(
    polygon: shapely.Geometry,
    boundary: _Boundary,
    lines: list[NDArray[np.object_]],
    *,
    noded_boundary: bool,
) -> NDArray[np.object_]:
    if not noded_boundary:
        # The cutting lines touch the boundary only at its vertices, so the
        # boundary needs no noding: it goes in as its own segments, which
        # GEOS never sees in an overlay and cannot move (its snapping
        # fallback would, near a spike a hair wide). Only the cutting lines
        # are noded, among themselves.
        cuts = np.concatenate(lines) if lines else np.empty(0, dtype=object)
        noded = shapely.get_parts(shapely.union_all(cuts)) if len(cuts) else cuts
        linework = np.concatenate([boundary.segments, noded])
    else:
        linework = shapely.get_parts(shapely.union_all(np.concatenate([boundary.lines, *lines])))
    faces = shapely.get_parts(shapely.polygonize(linework))
    inside = shapely.point_on_surface(faces)
    shapely.prepare(polygon)
    # covers, not contains: a face a hair wide (a spike) has its inner point on the boundary.
    faces = faces[shapely.covers(polygon, inside)]
    faces = _fill_enclosed_holes(faces, polygon)
    # Order faces by a point inside them so the numbering (and everything that
    # follows: METIS input, tie-breaks) depends on geometry only.
    xy = shapely.get_coordinates(shapely.point_on_surface(faces))
    return faces[np.lexsort((xy[:, 0], -xy[:, 1]))]


def _fill_enclosed_holes(
    faces: NDArray[np.object_], polygon: shapely.Geometry
) -> NDArray[np.object_]:
    """Absorb a face that alone fills a hole of another face.

    Such an enclosed face (a speck where lines nearly meet) would become an
    enclave, and GEOS's coverage validator misreads a hole that touches its
    shell at a vertex. Holes filled by several faces (a ring road round a
    village centre) are left alone: those faces are real blocks.
    """
    holed = np.nonzero(shapely.get_num_interior_rings(faces) > 0)[0]
    if len(holed) == 0:
        return faces
    drop = np.zeros(len(faces), dtype=bool)
    tree = shapely.STRtree(faces)
    for f in holed.tolist():  # faces with holes are rare (a few per village at most)
        count = shapely.get_num_interior_rings(faces[f])
        keep_holes = []
        for ring in shapely.get_interior_ring(faces[f], range(count)).tolist():
            hole = shapely.polygons(ring)
            inside = tree.query(hole, predicate="covers")
            inside = inside[inside != f]
            if len(inside) == 1 and shapely.contains(polygon, shapely.point_on_surface(hole)):
                drop[inside] = True
            else:
                keep_holes.append(ring)
        faces[f] = shapely.polygons(shapely.get_exterior_ring(faces[f]), holes=keep_holes or None)
    return faces[~drop]


# ---------------------------------------------------------------------------
# Lattice


def _units_per_grid(total: float, max_load: float, units_per_grid: int, most: int) -> int:
    """Return the cells per grid to aim at so whole cells can balance the grids."""
    grids = math.ceil(total / max_load - 1e-9)
    room = grids - total / max_load  # free load over all grids, in limits
    # Cells of about half the free room per grid; at least units_per_grid.
    if room <= 2.0 * grids / most:
        return max(most, units_per_grid)
    return max(units_per_grid, min(most, math.ceil(2.0 * grids / room)))


def cell_size_m(area_km2: float, load: float, max_load: float, units_per_grid: int) -> float:
    """Return the lattice cell side for an area, in metres.

    Parameters
    ----------
    area_km2 : float
        Area to cut.
    load : float
        Its load.
    max_load : float
        Limit per grid.
    units_per_grid : int
        Cells aimed at per grid.

    Returns
    -------
    float
        The side, within ``[MIN_CELL_M, ...]`` and giving at most
        ``MAX_CELLS`` cells.
    """
    cells = units_per_grid * max(load / max_load, 1.0)
    side = 1000.0 * math.sqrt(area_km2 / cells) if area_km2 > 0 else MIN_CELL_M
    return max(side, MIN_CELL_M, 1000.0 * math.sqrt(area_km2 / MAX_CELLS))


def _lattice(
    region: shapely.Geometry,
    side_m: float,
    kx: float,
    ky: float,
    field: LoadField,
    cell_load_limit: float,
) -> NDArray[np.object_]:
    """Return lattice lines over a region, refined where points crowd a cell."""
    if region.is_empty:
        return np.empty(0, dtype=object)
    sx, sy = side_m / kx, side_m / ky
    minx, miny, maxx, maxy = region.bounds
    i0, i1 = math.floor(minx / sx), math.ceil(maxx / sx)
    j0, j1 = math.floor(miny / sy), math.ceil(maxy / sy)
    xs = np.arange(i0, i1 + 1) * sx
    ys = np.arange(j0, j1 + 1) * sy
    coords = [
        np.stack(
            [
                np.column_stack([xs, np.full_like(xs, ys[0])]),
                np.column_stack([xs, np.full_like(xs, ys[-1])]),
            ],
            axis=1,
        ),
        np.stack(
            [
                np.column_stack([np.full_like(ys, xs[0]), ys]),
                np.column_stack([np.full_like(ys, xs[-1]), ys]),
            ],
            axis=1,
        ),
    ]
    if field.has_points:
        coords.extend(_refinement_crosses(field, sx, sy, side_m, cell_load_limit, region))
    return shapely.linestrings(np.concatenate(coords))


def _refinement_crosses(
    field: LoadField,
    sx: float,
    sy: float,
    side_m: float,
    cell_load_limit: float,
    region: shapely.Geometry,
) -> list[NDArray[np.float64]]:
    """Return crosses that split crowded cells in four, level by level (a quadtree)."""
    shapely.prepare(region)
    inside = shapely.contains_xy(region, field.xy[:, 0], field.xy[:, 1])
    xy, weights = field.xy[inside], field.weights[inside]
    crosses = []
    level_side = side_m
    while len(xy) and level_side / 2 >= MIN_CELL_M:
        ci = np.floor(xy[:, 0] / sx).astype(np.int64)
        cj = np.floor(xy[:, 1] / sy).astype(np.int64)
        cells, inverse = np.unique(np.column_stack([ci, cj]), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        load = np.bincount(inverse, weights=weights, minlength=len(cells)).astype(
            np.float64, copy=False
        )
        load += field.density * (level_side / 1000.0) ** 2
        crowded = load > cell_load_limit
        if not crowded.any():
            break
        x0, y0 = cells[crowded, 0] * sx, cells[crowded, 1] * sy
        xm, ym = x0 + sx / 2, y0 + sy / 2
        crosses.append(
            np.stack([np.column_stack([xm, y0]), np.column_stack([xm, y0 + sy])], axis=1)
        )
        crosses.append(
            np.stack([np.column_stack([x0, ym]), np.column_stack([x0 + sx, ym])], axis=1)
        )
        keep = crowded[inverse]
        xy, weights = xy[keep], weights[keep]
        sx, sy, level_side = sx / 2, sy / 2, level_side / 2
    return crosses


# ---------------------------------------------------------------------------
# Blocks and units


def _attach(
    label: NDArray[np.int64],
    edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
    allowed: NDArray[np.bool_] | None = None,
) -> NDArray[np.int64]:
    """Give unlabelled (-1) faces the label of the labelled neighbour they share most edge with.

    Repeats until no unlabelled face touches a labelled one. ``allowed`` is an
    optional mask of edges that may be used.
    """
    i, j, length = edges
    if allowed is not None:
        i, j, length = i[allowed], j[allowed], length[allowed]
    src = np.concatenate([i, j])
    dst = np.concatenate([j, i])
    wt = np.concatenate([length, length])
    label = label.copy()
    while True:
        take = (label[src] < 0) & (label[dst] >= 0)
        if not take.any():
            return label
        s, d, w = src[take], dst[take], wt[take]
        # Longest edge first, then the lower neighbour index, per face.
        order = np.lexsort((d, -w, s))
        s, d = s[order], d[order]
        first = np.r_[True, s[1:] != s[:-1]]
        label[s[first]] = label[d[first]]


def _components(n: int, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return connected component labels of an undirected graph on n nodes."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    graph = coo_array((np.ones(len(i)), (i, j)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def _relabel(label: NDArray[np.int64]) -> NDArray[np.int64]:
    """Renumber labels 0.. in order of first appearance."""
    _, first, inverse = np.unique(label, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.ravel()].astype(np.int64)


def _face_blocks(
    faces: NDArray[np.object_],
    core: NDArray[np.bool_],
    edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
) -> NDArray[np.int64]:
    """Label the faces of the barrier arrangement with their block.

    Each core face is a block; collar pieces join the block they border most.
    Collar pieces out of reach of any core face (a part thinner than the
    collar) form blocks of their own, one per connected group.
    """
    label = np.where(core, np.arange(len(faces)), -1)
    label = _attach(label, edges)
    if (label < 0).any():
        i, j, _ = edges
        loose = label < 0
        both = loose[i] & loose[j]
        comp = _components(len(faces), i[both], j[both])
        label = np.where(loose, len(faces) + comp, label)
    return _relabel(label)


def _deepest_points(faces: NDArray[np.object_], tolerance: float) -> NDArray[np.float64]:
    """Return each face's point farthest from its edges, as (x, y) rows.

    A face lies in the collar when even this point is within it. The point on
    surface would not do: in a thin or star-shaped village it can sit a few
    metres from the boundary, and the whole village would count as collar.
    """
    centres = shapely.get_point(shapely.maximum_inscribed_circle(faces, tolerance / 10), 0)
    return shapely.get_coordinates(centres)


def build_units(
    polygon: shapely.Geometry,
    field: LoadField,
    max_load: float,
    barriers: NDArray[np.object_],
    metric: Metric,
    *,
    units_per_grid: int = UNITS_PER_GRID,
    max_units_per_grid: int = MAX_UNITS_PER_GRID,
    keep_boundary_vertices: bool = True,
) -> Units:
    """Cut a village part into base units.

    Parameters
    ----------
    polygon : shapely.Polygon
        One part of a village, EPSG:4490.
    field : LoadField
        The part's load.
    max_load : float
        Limit per grid; blocks above it are cut by the lattice.
    barriers : array of shapely geometries
        Barrier lines (or polygons, whose boundaries are used) near the part.
    metric : Metric
        Where areas are measured.
    units_per_grid : int, optional
        Lattice cells aimed at per grid.
    max_units_per_grid : int, optional
        Most cells per grid when the load leaves little room (see
        ``MAX_UNITS_PER_GRID``); set it to ``units_per_grid`` for a fixed size.
    keep_boundary_vertices : bool, optional
        True (default): cutting lines meet the village boundary only at its
        own vertices (see the module notes). False: they are noded into the
        boundary wherever they cross it, adding vertices there.

    Returns
    -------
    Units
        Faces, unit labels, loads and adjacency.
    """
    kx, ky = metres_per_degree(polygon.centroid.y)
    area = float(metric.area_km2(np.array([polygon]))[0])
    total = float(field.of(np.array([polygon]), np.array([area]))[0])
    spacing = cell_size_m(area, total, max_load, units_per_grid)
    collar_m = min(COLLAR_M, spacing / 5.0)
    collar = collar_m / ky
    boundary = _Boundary(polygon)
    if keep_boundary_vertices:
        # Lines are clipped to an inward buffer slightly wider than the
        # collar's inner edge, so they cross that edge (and are noded on it)
        # rather than end on it up to rounding.
        inner = shapely.buffer(polygon, -collar, quad_segs=2)
        reach_region = shapely.buffer(polygon, -collar * 2 / 3, quad_segs=2)
    else:
        # No collar: lines overshoot the boundary and are noded into it; the
        # stubs outside dangle and polygonize drops them.
        inner = polygon
        reach_region = shapely.buffer(polygon, collar / 3, quad_segs=2)
    reach, snap_barrier = 1.5 * collar, BARRIER_SNAP_M / ky
    # The enclosures: barrier lines that reach the boundary near a vertex are
    # joined to it; the others end short and, like any dangling line, enclose
    # nothing (momepy's enclosures behave the same at a dead end).
    base_lines: list[NDArray[np.object_]] = []
    barrier_lines = _as_lines(barriers)
    if len(barrier_lines):
        pieces = _clip(barrier_lines, reach_region)
        base_lines.append(pieces)
        if keep_boundary_vertices:
            base_lines.append(boundary.connectors(pieces, reach, snap_barrier))
        faces1 = polygonize_part(
            polygon, boundary, base_lines, keep_boundary_vertices=keep_boundary_vertices
        )
        edges1 = shared_edges(faces1, kx, ky)
        core1 = shapely.contains_xy(inner, *_deepest_points(faces1, collar).T)
        block1 = _face_blocks(faces1, core1, edges1)
    else:
        faces1 = np.array([polygon])
        core1 = np.array([True])
        block1 = np.zeros(1, dtype=np.int64)
    area1 = metric.area_km2(faces1)
    load1 = field.of(faces1, area1)
    n_blocks = int(block1.max()) + 1
    block_load = np.bincount(block1, weights=load1, minlength=n_blocks).astype(
        np.float64, copy=False
    )
    block_area = np.bincount(block1, weights=area1, minlength=n_blocks)
    block_split = block_load > max_load

    cell_m = 0.0
    faces = faces1
    simplify_m = 0.0
    if block_split.any():
        split_area = float(block_area[block_split].sum())
        split_load = float(block_load[block_split].sum())
        cell_m = cell_size_m(
            split_area,
            split_load,
            max_load,
            _units_per_grid(total, max_load, units_per_grid, max_units_per_grid),
        )
        # Straighten at the scale of the ordinary cell even when cells were
        # refined for balance: the staircase to remove is the grid's, not the cell's.
        simplify_m = cell_size_m(split_area, split_load, max_load, units_per_grid)
        if len(barrier_lines):
            cores = faces1[block_split[block1] & core1]
            # Overshoot the cores a little so lattice lines cross the barrier
            # lines; the overshooting stubs dangle and polygonize drops them.
            region = shapely.intersection(
                shapely.buffer(shapely.union_all(cores), collar / 3, quad_segs=2), reach_region
            )
        else:
            region = reach_region
        lattice = _clip(_lattice(region, cell_m, kx, ky, field, max_load / units_per_grid), region)
        # The collar, cut by spokes at boundary vertices, takes the lattice
        # lines that find no vertex near enough.
        lines = [*base_lines, lattice]
        if keep_boundary_vertices:
            lines += [
                _as_lines(np.array([inner])),
                boundary.spokes(inner, spacing, kx, ky, collar / 3),
                boundary.connectors(lattice, reach, cell_m / ky),
            ]
        faces = polygonize_part(
            polygon, boundary, lines, keep_boundary_vertices=keep_boundary_vertices
        )
    face_xy = shapely.get_coordinates(shapely.point_on_surface(faces))
    deepest_xy = _deepest_points(faces, collar)
    if len(faces1) > 1:
        tree = shapely.STRtree(faces1)
        face_idx, parent = tree.query(shapely.points(face_xy), predicate="intersects")
        parent_of = np.zeros(len(faces), dtype=np.int64)
        parent_of[face_idx[::-1]] = parent[::-1]  # first hit wins
        face_block = block1[parent_of]
    else:
        face_block = np.zeros(len(faces), dtype=np.int64)
    face_core = shapely.contains_xy(inner, deepest_xy[:, 0], deepest_xy[:, 1])
    face_area = metric.area_km2(faces)
    face_load = field.of(faces, face_area)
    face_edges = shared_edges(faces, kx, ky)
    face_unit = _units_from_faces(face_block, block_split, face_core, face_area, face_edges, cell_m)
    n_units = int(face_unit.max()) + 1
    unit_load = np.bincount(face_unit, weights=face_load, minlength=n_units).astype(
        np.float64, copy=False
    )
    fi, fj, fl = face_edges
    ui, uj, ul = aggregate_pairs(face_unit[fi], face_unit[fj], fl)
    unit_block = np.zeros(n_units, dtype=np.int64)
    unit_block[face_unit] = face_block  # all faces of a unit share its block
    collar_unit = np.bincount(face_unit, weights=face_core, minlength=n_units) == 0
    collar_unit &= block_split[unit_block]
    edges = (ui, uj, ul * np.where(collar_unit[ui] | collar_unit[uj], COLLAR_EDGE_WEIGHT, 1.0))
    return Units(
        faces=faces,
        face_unit=face_unit,
        face_block=face_block,
        face_area_km2=face_area,
        face_load=face_load,
        face_core=face_core,
        unit_load=unit_load,
        edges=edges,
        face_edges=face_edges,
        block_load=block_load,
        block_split=block_split,
        cell_m=cell_m,
        simplify_deg=simplify_m / ky,
    )


def _units_from_faces(
    face_block: NDArray[np.int64],
    block_split: NDArray[np.bool_],
    face_core: NDArray[np.bool_],
    face_area: NDArray[np.float64],
    face_edges: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
    cell_m: float,
) -> NDArray[np.int64]:
    """Group faces into units.

    A block that is not split is one unit. In a split block, each lattice cell
    inside the collar is a unit; a collar piece or a sliver joins the cell it
    shares most edge with (within the block), so units are not needlessly thin.
    A long collar piece along a vertex-free village edge borders many cells and
    stays a unit of its own.
    """
    n = len(face_block)
    split_face = block_split[face_block]
    fi, fj, fl = face_edges
    same_block = face_block[fi] == face_block[fj]
    sliver = face_area < _SLIVER_SHARE * (cell_m / 1000.0) ** 2
    # Seeds: one per unsplit block (its first face), and every core cell of a
    # split block that is not a sliver.
    label = np.full(n, -1, dtype=np.int64)
    seed = split_face & face_core & ~sliver
    label[seed] = np.nonzero(seed)[0]
    whole = ~split_face
    first_of_block = np.full(len(block_split), -1, dtype=np.int64)
    idx = np.nonzero(whole)[0]
    first_of_block[face_block[idx[::-1]]] = idx[::-1]
    label[whole] = first_of_block[face_block[whole]]

    # Collar pieces join a neighbouring cell when that cell takes most of the
    # piece's shared edge; otherwise they stay units of their own.
    collar = split_face & ~face_core & ~sliver
    if collar.any():
        shared_total = np.bincount(
            np.concatenate([fi[same_block], fj[same_block]]),
            weights=np.concatenate([fl[same_block], fl[same_block]]),
            minlength=n,
        )
        src = np.concatenate([fi, fj])
        dst = np.concatenate([fj, fi])
        wt = np.concatenate([fl, fl])
        ok = collar[src] & (label[dst] >= 0) & np.concatenate([same_block, same_block])
        s, d, w = src[ok], dst[ok], wt[ok]
        order = np.lexsort((d, -w, s))
        s, d, w = s[order], d[order], w[order]
        first = np.r_[True, s[1:] != s[:-1]]
        s, d, w = s[first], d[first], w[first]
        dominant = w >= 0.5 * shared_total[s]
        label[s[dominant]] = label[d[dominant]]
        rest = collar & (label < 0)
        label[rest] = np.nonzero(rest)[0]
    # Slivers (and anything left) join their best neighbour in the same block.
    label = _attach(label, face_edges, allowed=same_block)
    loose = label < 0
    label[loose] = np.nonzero(loose)[0]
    return _relabel(label)
