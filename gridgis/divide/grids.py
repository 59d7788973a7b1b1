"""Grid polygons from a partition of base units.

A grid is the coverage union of its faces. Lattice cells leave staircase
edges between grids; where the lattice cut a block, those edges are
straightened with ``shapely.coverage_simplify`` on the grid pieces *inside
that block only*, with ``simplify_boundary=False``, so the block's outline
(barriers and village boundary) keeps every vertex. Straightening moves a
little load between grids, so loads are measured again on the final shapes;
a grid that would pass its limit is frozen (left out of the simplified
coverage, whose boundary it then is, so it keeps its shape) and the rest is
straightened again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from gridgis.divide.load import LoadField
from gridgis.divide.metric import Metric
from gridgis.divide.partition import Partition
from gridgis.divide.quality import tiles_exactly
from gridgis.divide.units import Units

logger = logging.getLogger(__name__)

#: Straightening tolerance as a multiple of the lattice cell side. Measured
#: on 239 grids of synthetic villages (area load): Polsby-Popper median 0.615
#: unstraightened, 0.637 at 1 cell, 0.720 at 2 and 3 cells, 0.704 at 4; the
#: load moved grows with the tolerance (median 0.6%, 3.5%, 6%, 8%).
STRAIGHTEN_CELLS = 2.0
#: Share of the limit kept free (when the grid count allows) for straightening.
STRAIGHTEN_HEADROOM = 0.05


@dataclass
class PartGrids:
    """Grids of one village part.

    Attributes
    ----------
    geometry : numpy.ndarray
        Grid polygons, EPSG:4490.
    load : numpy.ndarray
        Load of each grid (measured on the final shape).
    area_km2 : numpy.ndarray
        Area of each grid.
    limit : numpy.ndarray
        Each grid's limit (``max_load``, or the load of an indivisible unit
        it holds that alone exceeds it).
    straightened : bool
        Whether lattice edges were straightened.
    """

    geometry: NDArray[np.object_]
    load: NDArray[np.float64]
    area_km2: NDArray[np.float64]
    limit: NDArray[np.float64]
    straightened: bool


def _union_by(faces: NDArray[np.object_], labels: NDArray[np.int64], k: int) -> NDArray[np.object_]:
    """Coverage-union faces per label 0..k-1."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    # One GEOS call per grid (k is small); the faces are exactly noded.
    return np.array(
        [shapely.coverage_union_all(faces[order[bounds[p] : bounds[p + 1]]]) for p in range(k)],
        dtype=object,
    )


def _straightened(
    units: Units,
    face_part: NDArray[np.int64],
    k: int,
    tolerance: float,
    frozen: NDArray[np.bool_],
) -> NDArray[np.object_]:
    """Return grids whose lattice-made edges inside split blocks are simplified.

    Grids flagged in ``frozen`` keep their shape: their pieces are left out of
    the simplified coverage, so their edges are its boundary, which
    ``simplify_boundary=False`` keeps.
    """
    pieces: list[shapely.Geometry] = []
    piece_part: list[int] = []
    for b in np.unique(units.face_block).tolist():  # per block; blocks are few
        in_block = units.face_block == b
        parts = np.unique(face_part[in_block])
        if not units.block_split[b] or len(parts) == 1:
            pieces.append(shapely.coverage_union_all(units.faces[in_block]))
            piece_part.append(int(parts[0]))
            continue
        block_pieces = np.array(
            [shapely.coverage_union_all(units.faces[in_block & (face_part == p)]) for p in parts],
            dtype=object,
        )
        free = ~frozen[parts]
        if free.sum() > 1:
            block_pieces[free] = shapely.coverage_simplify(
                block_pieces[free], tolerance, simplify_boundary=False
            )
        pieces.extend(block_pieces.tolist())
        piece_part.extend(parts.tolist())
    return _union_by(np.array(pieces, dtype=object), np.array(piece_part, dtype=np.int64), k)


def assemble(
    polygon: shapely.Geometry,
    units: Units,
    partition: Partition,
    field: LoadField,
    metric: Metric,
    max_load: float,
    *,
    straighten: bool = True,
    keep_boundary_vertices: bool = True,
) -> PartGrids:
    """Build the grid polygons of a partition and measure them.

    Parameters
    ----------
    polygon : shapely.Polygon
        The village part the units tile.
    units : Units
        The base units.
    partition : Partition
        Part of each unit.
    field : LoadField
        Load, to measure the final grids.
    metric : Metric
        Where areas are measured.
    max_load : float
        Limit per grid.
    straighten : bool, optional
        Straighten lattice-made edges (default True).
    keep_boundary_vertices : bool, optional
        Whether the units keep the village's boundary vertices (then so must
        the straightened grids).

    Returns
    -------
    PartGrids
        Polygons that tile the part exactly. A part that came out in pieces
        (only possible on a unit graph that is not connected) gives one grid
        per piece.
    """
    k = partition.k
    face_part = partition.labels[units.face_unit]
    limit = np.full(k, max_load)
    unit_over = units.unit_load > max_load
    if unit_over.any():
        np.maximum.at(limit, partition.labels[unit_over], units.unit_load[unit_over])
    plain_load = np.bincount(face_part, weights=units.face_load, minlength=k)

    # A grid may not pass its limit, nor end up heavier than it was before
    # straightening if it was already over (it holds an indivisible unit).
    allowed = np.maximum(limit, plain_load) * (1 + 1e-9)
    if straighten and units.cell_m > 0 and k > 1:
        tolerance = STRAIGHTEN_CELLS * units.simplify_deg
        frozen = np.zeros(k, dtype=bool)
        # Grids that straightening would push over their limit are frozen
        # (kept as lattice unions) and the rest straightened again; the
        # frozen set only grows, so this ends within k rounds.
        while not frozen.all():
            geoms = _straightened(units, face_part, k, tolerance, frozen)
            if not np.all(shapely.get_type_id(geoms) == 3) or not tiles_exactly(
                geoms, polygon, same_vertices=keep_boundary_vertices
            ):
                break
            area = metric.area_km2(geoms)
            load = field.of(geoms, area)
            over = load > allowed
            if not over.any():
                return PartGrids(geoms, load, area, limit, True)
            frozen |= over
    plain = _union_by(units.faces, face_part, k)
    if not np.all(shapely.get_type_id(plain) == 3):
        logger.warning("a grid came out in pieces; each piece becomes a grid of its own")
        owner = np.repeat(np.arange(k), shapely.get_num_geometries(plain))
        plain = shapely.get_parts(plain)
        limit = limit[owner]
    area = metric.area_km2(plain)
    return PartGrids(plain, field.of(plain, area), area, limit, False)
