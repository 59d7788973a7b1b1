"""Coordinate reference systems used throughout gridgis.

Everything is stored in CGCS2000 geographic coordinates. Lengths and areas are
measured in a 3-degree Gauss-Krueger zone chosen from the data's longitude, as
Chinese surveying practice does; the zone's distortion is below 1e-4 within
1.5 degrees of its central meridian.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pyproj

from gridgis.errors import CRSError

logger = logging.getLogger(__name__)

CGCS2000 = pyproj.CRS.from_epsg(4490)

# EPSG:4534 is "CGCS2000 / 3-degree Gauss-Kruger CM 75E"; the codes up to
# EPSG:4554 (CM 135E) follow one per 3-degree zone. These are the variants
# without the zone number prefixed to the false easting.
_GK3_FIRST_EPSG = 4534
_GK3_FIRST_MERIDIAN = 75
_GK3_LAST_MERIDIAN = 135


def gauss_kruger_crs(longitude: float) -> pyproj.CRS:
    """Return the CGCS2000 3-degree Gauss-Krueger CRS whose zone holds a longitude.

    Parameters
    ----------
    longitude : float
        Longitude in degrees east (typically the centre of the data).

    Returns
    -------
    pyproj.CRS
        One of EPSG:4534-4554.

    Raises
    ------
    CRSError
        If the longitude lies outside China's zones (73.5-136.5 degrees east).

    Examples
    --------
    >>> gauss_kruger_crs(106.2).to_epsg()
    4544
    """
    meridian = 3 * round(longitude / 3)
    if not _GK3_FIRST_MERIDIAN <= meridian <= _GK3_LAST_MERIDIAN:
        raise CRSError(
            f"longitude {longitude:.3f} lies outside China's Gauss-Krueger zones; "
            "are the coordinates swapped or not in degrees?"
        )
    return pyproj.CRS.from_epsg(_GK3_FIRST_EPSG + (meridian - _GK3_FIRST_MERIDIAN) // 3)


def metric_crs_for(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the Gauss-Krueger zone for the centre of a frame's extent.

    Parameters
    ----------
    frame : GeoDataFrame or GeoSeries
        Data in any geographic or projected CRS.

    Returns
    -------
    pyproj.CRS
        The 3-degree zone holding the centre of the frame's bounds.
    """
    if frame.crs is None:
        raise CRSError("data has no CRS; cannot choose a metric projection")
    minx, _, maxx, _ = frame.to_crs(CGCS2000).total_bounds
    return gauss_kruger_crs((minx + maxx) / 2)
