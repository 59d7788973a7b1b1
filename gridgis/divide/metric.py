"""Measuring areas, lengths and compactness of EPSG:4490 geometry in metres.

Geometry stays in CGCS2000 degrees throughout the division so that grid edges
match the stored village boundary vertex for vertex. Only measurements are
taken in a Gauss-Krueger zone: the coordinates are projected on the fly and
the projected geometries are thrown away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from gridgis.crs import CGCS2000

# Metres per degree of latitude on the CGCS2000 ellipsoid near 38 N. It only
# sizes the lattice and the snapping tolerances (which are not measurements),
# so a constant is good enough anywhere in China (it varies by 0.5%).
METRES_PER_DEGREE_LATITUDE = 110_990.0
_METRES_PER_DEGREE_EQUATOR = 111_320.0
# Longest edge measured as straight (about 50 m): a 3 km edge bends up to
# 0.1 m away from its chord in the zone, which on a thin village is 0.1 % of
# its area; on 50 m edges the bend is below a micrometre.
MEASURE_SEGMENT_DEG = 0.0005


def metres_per_degree(latitude: float) -> tuple[float, float]:
    """Return approximate metres per degree of longitude and latitude.

    Parameters
    ----------
    latitude : float
        Latitude in degrees.

    Returns
    -------
    tuple of float
        ``(metres per degree east, metres per degree north)``; used to size
        lattices and tolerances, never to report a measurement.

    Examples
    --------
    >>> round(metres_per_degree(38.6)[0])
    86999
    """
    return (
        _METRES_PER_DEGREE_EQUATOR * math.cos(math.radians(latitude)),
        METRES_PER_DEGREE_LATITUDE,
    )


@dataclass
class Metric:
    """Measure EPSG:4490 geometries in one Gauss-Krueger zone.

    Parameters
    ----------
    crs : pyproj.CRS
        The projected CRS to measure in (a 3-degree Gauss-Krueger zone).
    """

    crs: pyproj.CRS
    _transformer: pyproj.Transformer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._transformer = pyproj.Transformer.from_crs(CGCS2000, self.crs, always_xy=True)

    def project(self, geoms: NDArray[np.object_]) -> NDArray[np.object_]:
        """Return the geometries in metres (for measuring only).

        Parameters
        ----------
        geoms : array of shapely geometries
            Geometries in EPSG:4490.

        Returns
        -------
        array of shapely geometries
            The same geometries in the zone's metres.
        """

        def _forward(xy: NDArray[np.float64]) -> NDArray[np.float64]:
            x, y = self._transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        # A straight edge in degrees is a curve in the zone; long edges are
        # densified first so that every geometry is measured along the same
        # curve, whatever its vertices (a village and its grids alike).
        dense = shapely.segmentize(np.asarray(geoms, dtype=object), MEASURE_SEGMENT_DEG)
        return np.asarray(shapely.transform(dense, _forward))

    def area_km2(self, geoms: NDArray[np.object_]) -> NDArray[np.float64]:
        """Return areas in square kilometres.

        Parameters
        ----------
        geoms : array of shapely geometries
            Polygons in EPSG:4490.

        Returns
        -------
        numpy.ndarray
            One area per geometry.
        """
        return np.asarray(shapely.area(self.project(geoms)), dtype=float) / 1e6

    def polsby_popper(self, geoms: NDArray[np.object_]) -> NDArray[np.float64]:
        """Return the Polsby-Popper score 4*pi*A/P**2 of each polygon, in metres.

        Parameters
        ----------
        geoms : array of shapely geometries
            Polygons in EPSG:4490.

        Returns
        -------
        numpy.ndarray
            Scores in (0, 1]; 1 is a disc, about 0.785 a square.
        """
        projected = self.project(geoms)
        area = shapely.area(projected)
        perimeter = shapely.length(projected)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 4.0 * np.pi * area / perimeter**2
        return np.where(perimeter > 0, score, 0.0)
