"""Shapes made ready for a map: coverage-preserving simplification and neighbour colouring.

- :func:`simplify_coverage` thins a set of polygons that tile an area
  (grids, villages) with ``shapely.coverage_simplify``, which simplifies each
  shared edge once, so neighbours keep a common edge and no gap or overlap
  opens between them, as would with ``simplify`` on each polygon alone.
- :func:`neighbour_colours` gives every polygon a colour that no polygon
  touching it has (a greedy graph colouring over the ``STRtree`` adjacency),
  so that grids can be told apart at a glance.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from gridgis.render.map.encode import METRES_PER_DEGREE

logger = logging.getLogger(__name__)


def simplify_coverage(geometries: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify polygons that tile an area, keeping shared edges shared.

    Parameters
    ----------
    geometries : array of shapely Polygons or MultiPolygons
        A coverage in lon/lat degrees: polygons that meet along common edges
        and do not overlap.
    tolerance_m : float
        The simplification tolerance in metres (converted to degrees of
        latitude); 0 returns the shapes unchanged.

    Returns
    -------
    array of shapely geometries
        The simplified polygons, in the same order.

    Examples
    --------
    >>> squares = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> shapely.get_num_coordinates(simplify_coverage(squares, 1.0)).tolist()
    [5, 5]
    """
    geometries = np.asarray(geometries, dtype=object)
    if tolerance_m <= 0 or not len(geometries):
        return geometries
    simplified = shapely.coverage_simplify(geometries, tolerance_m / METRES_PER_DEGREE)
    return np.asarray(simplified, dtype=object)


def neighbours(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of polygons that touch (share an edge or a point), both ways.

    Returns
    -------
    offsets, targets : arrays of int
        Compressed adjacency: the neighbours of polygon ``i`` are
        ``targets[offsets[i]:offsets[i + 1]]``, in increasing order.
    """
    geometries = np.asarray(geometries, dtype=object)
    tree = shapely.STRtree(geometries)
    source, target = tree.query(geometries, predicate="intersects")
    distinct = source != target
    source, target = source[distinct], target[distinct]
    order = np.lexsort((target, source))
    source, target = source[order], target[order]
    offsets = np.zeros(len(geometries) + 1, dtype="int64")
    offsets[1:] = np.cumsum(np.bincount(source, minlength=len(geometries)))
    return offsets, target


def neighbour_colours(geometries: np.ndarray, colours: int) -> np.ndarray:
    """Colour polygons so that no two that touch share a colour.

    A greedy colouring in the "largest first" order (most neighbours first,
    then input order), each polygon taking, of the colours none of its
    neighbours has, the one used least so far, so that the colours come out
    balanced rather than mostly the first one. Touching at a single point
    counts as neighbouring: on a map two grids meeting at a corner look
    adjacent too.

    Parameters
    ----------
    geometries : array of shapely geometries
    colours : int
        How many colours the palette has. If a polygon's neighbours already
        use all of them (rare: only with more than ``colours`` mutually
        crowded neighbours), it takes the least used colour anyway, and a
        warning says how many polygons share a colour with a neighbour.

    Returns
    -------
    array of int
        A colour index in ``range(colours)`` per polygon.

    Examples
    --------
    >>> row = np.array([shapely.box(i, 0, i + 1, 1) for i in range(4)])
    >>> neighbour_colours(row, 3).tolist()
    [2, 0, 1, 0]
    """
    offsets, targets = neighbours(geometries)
    count = len(geometries)
    degree = np.diff(offsets)
    order = np.lexsort((np.arange(count), -degree))
    colour = np.full(count, -1, dtype="int64")
    used = np.zeros(colours, dtype="int64")
    clashes = 0
    # A greedy colouring is sequential by nature: each choice depends on the
    # ones before it. It runs once per map over the base grids (3,000 take
    # about 20 ms), with numpy for each polygon's neighbour set.
    for index in order:
        taken = colour[targets[offsets[index] : offsets[index + 1]]]
        free = np.ones(colours, dtype=bool)
        free[taken[taken >= 0]] = False
        if not free.any():
            clashes += 1
            free[:] = True
        candidates = np.flatnonzero(free)
        choice = candidates[np.argmin(used[candidates])]
        colour[index] = choice
        used[choice] += 1
    if clashes:
        logger.warning(
            "%d polygons share a colour with a neighbour: %d colours were not enough",
            clashes,
            colours,
        )
    return colour
