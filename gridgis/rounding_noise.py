"""Rounding noise: overlaps and gaps too narrow to be real.

Polygons that share an edge should share its vertices exactly. Where a
boundary was computed twice (for example two Voronoi cells each clipped by the
county outline), the two copies of a crossing point can differ in the last
bits, leaving overlaps or gaps of about 1e-15 square degrees that GEOS's
coverage validator still flags. gridgis measures the *width* of every overlap
or gap it finds — the diameter of the largest circle that fits inside it
(:func:`width`, on :func:`shapely.maximum_inscribed_circle`) — and treats
anything narrower than :data:`ROUNDING_NOISE_M` (1 mm) as noise. The
threshold is principled from both ends: a double-precision coordinate near
106°E resolves about 1e-9 m, so rounding artefacts are a million times
narrower than 1 mm; the most precise cadastral surveys (1:500) are accurate
to about 5 cm, fifty times wider.

The coverage checks (:mod:`gridgis.topology`) count noise in their summary
but do not report it as a problem; the repair of invalid boundaries
(:mod:`gridgis.admin`) ignores it when it lists the overlaps a repair made.
Both measure the same way, so this module sits below both.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["ROUNDING_NOISE_M", "width"]

#: Overlaps and gaps narrower than this (metres) are rounding noise.
ROUNDING_NOISE_M = 1e-3


def width(geometries: np.ndarray, tolerance: float = ROUNDING_NOISE_M / 10) -> np.ndarray:
    """Return the diameter of the largest inscribed circle of each polygon (metric CRS)."""
    geometries = np.asarray(geometries, dtype=object)
    result = np.zeros(len(geometries))
    present = ~(shapely.is_empty(geometries) | shapely.is_missing(geometries))
    if present.any():
        radii = shapely.length(shapely.maximum_inscribed_circle(geometries[present], tolerance))
        result[present] = 2 * radii
    return result
