"""Quality checks of a division: exact tiling, contiguity, balance, compactness.

A division is only accepted when its grids tile the village exactly
(:func:`tiles_exactly`): single polygons, a valid coverage, and by default the
village's own rings vertex for vertex (:func:`same_rings`), so the areas add
up in any CRS. :func:`area_error` and :func:`polsby_popper_summary` give the
numbers reported for every run.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from gridgis.divide.metric import Metric

#: Largest relative difference allowed between the grids' total area and the
#: village area (the issue's requirement).
AREA_TOLERANCE = 1e-9


def tiles_exactly(
    grids: NDArray[np.object_],
    village: shapely.Geometry,
    metric: Metric | None = None,
    *,
    same_vertices: bool = True,
) -> bool:
    """Tell whether grids tile a village exactly.

    The grids must be single polygons and form a valid coverage
    (``shapely.coverage_is_valid``). With ``same_vertices`` their union must
    be the village itself, the same rings vertex for vertex; the areas then
    agree in any CRS. Without it, the union may carry extra vertices on the
    village's edges: it must cover the village and nothing else up to
    :data:`AREA_TOLERANCE` of its area, in EPSG:4490 degrees. With ``metric``
    the sum of areas is checked in that projection as well.

    Parameters
    ----------
    grids : array of shapely geometries
        The grids of one village, EPSG:4490.
    village : shapely.Polygon or MultiPolygon
        The village as stored.
    metric : Metric, optional
        Measure areas in this projection as well.
    same_vertices : bool, optional
        Require the village's own vertices on its boundary (default True).

    Returns
    -------
    bool
        True when all checks hold.

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import box
    >>> grids = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> tiles_exactly(grids, box(0, 0, 2, 1), same_vertices=False)
    True

    The grids add vertices at x = 1 that the village's rings lack:

    >>> tiles_exactly(grids, box(0, 0, 2, 1))
    False
    """
    grids = np.asarray(grids, dtype=object)
    if len(grids) == 0 or not np.all(shapely.get_type_id(grids) == 3):
        return False
    if not shapely.coverage_is_valid(grids):
        return False
    union = shapely.coverage_union_all(grids)
    if same_vertices:
        if not same_rings(union, village):
            return False
    else:
        village_area = shapely.area(village)
        mismatch = shapely.area(shapely.symmetric_difference(union, village))
        if mismatch > AREA_TOLERANCE * village_area:
            return False
        if abs(shapely.area(grids).sum() - village_area) > AREA_TOLERANCE * village_area:
            return False
    if metric is not None:
        area = metric.area_km2(grids).sum()
        village_area = metric.area_km2(np.array([village]))[0]
        if abs(area - village_area) > AREA_TOLERANCE * village_area:
            return False
    return True


def _plain(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return a one-part MultiPolygon as its Polygon (the store keeps polygons as multi)."""
    if geometry.geom_type == "MultiPolygon" and shapely.get_num_geometries(geometry) == 1:
        return shapely.get_geometry(geometry, 0)
    return geometry


def same_rings(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Tell whether two polygonal geometries have the same rings, vertex for vertex.

    Ring start points, orientation and the order of parts and holes do not
    matter; repeated consecutive vertices are ignored.

    Parameters
    ----------
    a, b : shapely.Geometry
        Polygons or multipolygons.

    Returns
    -------
    bool
        True when the normalised geometries are exactly equal.
    """
    na = shapely.normalize(shapely.remove_repeated_points(_plain(a)))
    nb = shapely.normalize(shapely.remove_repeated_points(_plain(b)))
    return bool(shapely.equals_exact(na, nb, tolerance=0.0))


def area_error(grids: NDArray[np.object_], village: shapely.Geometry, metric: Metric) -> float:
    """Return the relative difference between the grids' and the village's area.

    Parameters
    ----------
    grids : array of shapely geometries
        The grids of one village, EPSG:4490.
    village : shapely.Geometry
        The village.
    metric : Metric
        Where areas are measured.

    Returns
    -------
    float
        ``|sum(grid areas) - village area| / village area`` in the metric's
        projection: about 1e-15 when the grids keep the village's vertices,
        about 1e-5 when vertices were added on long straight edges.
    """
    village_area = float(metric.area_km2(np.array([village]))[0])
    return (
        abs(float(metric.area_km2(np.asarray(grids, dtype=object)).sum()) - village_area)
        / village_area
    )


def polsby_popper_summary(scores: NDArray[np.float64]) -> tuple[float, float]:
    """Return the median and minimum of Polsby-Popper scores (NaN when empty).

    Parameters
    ----------
    scores : numpy.ndarray
        Scores of the grids.

    Returns
    -------
    tuple of float
        ``(median, minimum)``.
    """
    if len(scores) == 0:
        return float("nan"), float("nan")
    return float(np.median(scores)), float(np.min(scores))
