"""Conversions between WGS-84/CGCS2000 and China's obfuscated map coordinates.

Coordinates picked from Amap (高德) or Tencent (腾讯) maps are in GCJ-02 (the
"Mars" system, 火星坐标); coordinates from Baidu (百度) maps are in BD-09, a
further shift of GCJ-02. Both sit hundreds of metres from WGS-84 and CGCS2000,
enough to put an enterprise in the wrong grid near a boundary.

The forward transforms are the widely published reimplementations of the
official algorithm (the same formulae as coordtransform, eviltransform, prcoords
and gcoord). The official algorithm has no inverse, so :func:`gcj02_to_wgs84` and
:func:`bd09_to_gcj02` solve ``forward(x) = target`` by fixed-point iteration,
vectorised over all points. The shift varies slowly with position (its
derivative is at most about 5e-3), so each round shrinks the error about
200-fold: from the one-step start (up to 5e-5 degrees off) four rounds reach
1e-11 degrees.

Accuracy, measured on a 0.05-degree grid over the whole GCJ-02 box (1.4 million
points, 72-138 E, 1-55.8 N) with :class:`pyproj.Geod` on the WGS-84 ellipsoid:

============================  ====================
round trip                    max error
============================  ====================
WGS-84 → GCJ-02 → WGS-84      1.5e-6 m
WGS-84 → BD-09 → WGS-84       1.5e-6 m
GCJ-02 → BD-09 → GCJ-02       6e-9 m
============================  ====================

For comparison the common one-step inverse (subtract the shift computed at the
GCJ-02 point) errs by up to 5.2 m on the same grid, and the published one-step
BD-09 → GCJ-02 inverse by up to 0.22 m. The iterated inverse costs four rounds
of the forward transform.
``tests/test_coords.py`` checks these bounds and published reference pairs.

All functions take scalars or array-likes in degrees (broadcast together) and
return a tuple of float64 numpy arrays of the broadcast shape (0-d for scalars).
NaN in gives NaN out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.text import fold

logger = logging.getLogger(__name__)

__all__ = [
    "SYSTEMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "normalise_system_name",
    "out_of_china",
    "to_cgcs2000",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

# Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm uses for its shift.
_A = 6378245.0
_EE = 0.00669342162296594323
# BD-09's rotation constant.
_X_PI = np.pi * 3000.0 / 180.0

# The official algorithm leaves points outside this rough box unshifted; we do
# the same so that our output matches what Amap/Tencent do abroad.
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)

# Inverse iteration: stop when every point moved less than this (degrees,
# about 1e-5 m) or after this many rounds. Each round shrinks the error about
# 200-fold, so four rounds suffice; the cap is a guard, never reached on the
# measured grid.
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 20

# Canonical names accepted by to_cgcs2000.
SYSTEMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")

# Aliases after _fold(): lower case, NFKC (full-width → ASCII), no spaces,
# tabs, line breaks, hyphens, underscores, dots, colons or slashes.
_ALIASES: dict[str, str] = {
    # WGS-84, as GPS receivers, Google Earth and OpenStreetMap give it.
    "wgs84": "wgs84",
    "wgs": "wgs84",
    "4326": "wgs84",
    "epsg4326": "wgs84",
    "gps": "wgs84",
    "世界大地坐标系": "wgs84",
    # CGCS2000, China's legal datum (天地图 uses it).
    "cgcs2000": "cgcs2000",
    "cgcs": "cgcs2000",
    "4490": "cgcs2000",
    "epsg4490": "cgcs2000",
    "2000": "cgcs2000",
    "国家2000": "cgcs2000",
    "2000国家大地坐标系": "cgcs2000",
    "国家大地坐标系": "cgcs2000",
    "天地图": "cgcs2000",
    "tianditu": "cgcs2000",
    # GCJ-02, Amap and Tencent (and Google Maps inside China).
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "火星": "gcj02",
    "火星坐标": "gcj02",
    "火星坐标系": "gcj02",
    "国测局": "gcj02",
    "国测局坐标": "gcj02",
    "高德": "gcj02",
    "高德地图": "gcj02",
    "腾讯": "gcj02",
    "腾讯地图": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "autonavi": "gcj02",
    "tencent": "gcj02",
    "qq": "gcj02",
    "soso": "gcj02",
    # BD-09 (latitude/longitude flavour, bd09ll), Baidu.
    "bd09": "bd09",
    "bd09ll": "bd09",
    "bd": "bd09",
    "百度": "bd09",
    "百度地图": "bd09",
    "百度坐标": "bd09",
    "百度坐标系": "bd09",
    "baidu": "bd09",
}

# Of whitespace only these go (whitespace=False keeps the set as it always
# was): NFKC first turns no-break and ideographic spaces into " ", while rarer
# kinds (vertical tab, line separator) keep a name from matching an alias.
_FOLD_DROP = " \t\r\n-_.:/"


def _fold(name: str) -> str:
    return fold(name, drop=_FOLD_DROP, whitespace=False)


def normalise_system_name(name: Any) -> str:
    """Return the canonical name of a coordinate system given by any common alias.

    Parameters
    ----------
    name : str or int
        For example ``"WGS-84"``, ``4326``, ``"CGCS2000"``, ``"EPSG:4490"``,
        ``"GCJ-02"``, ``"火星"``, ``"高德"``, ``"腾讯"``, ``"BD-09"``, ``"百度"``.
        Case, spaces, hyphens and full-width characters do not matter.

    Returns
    -------
    str
        One of ``"wgs84"``, ``"cgcs2000"``, ``"gcj02"``, ``"bd09"``.

    Raises
    ------
    InputDataError
        If the name is not known; the message names the value and the allowed names.

    Examples
    --------
    >>> normalise_system_name("GCJ-02")
    'gcj02'
    >>> normalise_system_name("百度")
    'bd09'
    """
    if (
        isinstance(name, (bool, np.bool_))
        or name is None
        or (isinstance(name, float) and np.isnan(name))
    ):
        raise InputDataError(
            f"no coordinate system given ({name!r}); use one of {', '.join(SYSTEMS)}"
        )
    if isinstance(name, (int, np.integer)):
        name = str(int(name))
    elif isinstance(name, (float, np.floating)) and float(name).is_integer():
        # A spreadsheet cell holding 4326 often comes back as 4326.0.
        name = str(int(name))
    canonical = _ALIASES.get(_fold(str(name)))
    if canonical is None:
        if _fold(str(name)) in {"bd09mc", "bdmc", "百度墨卡托"}:
            hint = " (Baidu Mercator metres are not supported; export longitude/latitude)"
        else:
            hint = ""
        raise InputDataError(
            f"unknown coordinate system {name!r}{hint}; use one of {', '.join(SYSTEMS)} "
            "(aliases: WGS-84/4326, CGCS2000/4490, GCJ-02/火星/高德/腾讯, BD-09/百度)"
        )
    return canonical


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    # broadcast_arrays returns read-only views; the transforms never write into
    # them, but callers get fresh arrays back.
    return lon_arr, lat_arr


def _result(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    # Arithmetic on 0-d arrays yields numpy scalars; callers are promised arrays.
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Return True where a point lies outside the rough box GCJ-02 shifts.

    Parameters
    ----------
    lon, lat : array-like
        Degrees.

    Returns
    -------
    numpy.ndarray of bool
        False for NaN (the shift then yields NaN, which is what we want).
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    minx, miny, maxx, maxy = _CHINA_BOX
    with np.errstate(invalid="ignore"):
        return (lon_arr < minx) | (lon_arr > maxx) | (lat_arr < miny) | (lat_arr > maxy)


def _gcj_delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 shift (dlon, dlat) in degrees at WGS-84 points; zero outside China."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lon: FloatArray,
    lat: FloatArray,
    guess: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration from ``guess``.

    ``x <- x - (forward(x) - target)`` converges because the forward map is the
    identity plus a shift whose derivative is small (at most about 5e-3).
    """
    x_lon, x_lat = (np.array(a, dtype=np.float64) for a in guess)
    finite = np.isfinite(lon) & np.isfinite(lat)
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(x_lon, x_lat)
        err_lon = f_lon - lon
        err_lat = f_lat - lat
        x_lon = x_lon - err_lon
        x_lat = x_lat - err_lat
        step = np.maximum(np.abs(err_lon), np.abs(err_lat))
        if not finite.any() or float(np.max(step[finite])) < _TOLERANCE_DEG:
            break
    else:
        logger.debug("inverse transform stopped after %d iterations", _MAX_ITERATIONS)
    return x_lon, x_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 (or CGCS2000) coordinates to GCJ-02.

    Parameters
    ----------
    lon, lat : array-like or float
        Degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude (float64). Points outside China are unchanged.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.397, 39.909)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.403244, 39.910403)
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_arr, lat_arr)
    return _result(lon_arr + dlon, lat_arr + dlat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 coordinates back to WGS-84, exactly (iterated inverse).

    Parameters
    ----------
    lon, lat : array-like or float
        GCJ-02 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude; the round trip through
        :func:`wgs84_to_gcj02` is exact to a few micrometres.
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    # The one-step approximation is the starting point; iteration removes its
    # error of up to about 5 m.
    dlon, dlat = _gcj_delta(lon_arr, lat_arr)
    return _result(*_invert(wgs84_to_gcj02, lon_arr, lat_arr, (lon_arr - dlon, lat_arr - dlat)))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 coordinates to Baidu's BD-09.

    Parameters
    ----------
    lon, lat : array-like or float
        GCJ-02 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitude and latitude (Baidu applies this shift everywhere).
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    z = np.hypot(lon_arr, lat_arr) + 0.00002 * np.sin(lat_arr * _X_PI)
    theta = np.arctan2(lat_arr, lon_arr) + 0.000003 * np.cos(lon_arr * _X_PI)
    return _result(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift BD-09 coordinates back to GCJ-02 (iterated inverse).

    Parameters
    ----------
    lon, lat : array-like or float
        BD-09 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 longitude and latitude.
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    # The published one-step inverse (errs by up to 0.2 m) is the start.
    x = lon_arr - 0.0065
    y = lat_arr - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    guess = (z * np.cos(theta), z * np.sin(theta))
    return _result(*_invert(gcj02_to_bd09, lon_arr, lat_arr, guess))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 (or CGCS2000) coordinates to BD-09 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array-like or float
        Degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 longitude and latitude.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift BD-09 coordinates back to WGS-84 (via GCJ-02, both steps iterated).

    Parameters
    ----------
    lon, lat : array-like or float
        BD-09 degrees; broadcast together.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 longitude and latitude.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84: dict[str, Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def to_cgcs2000(lon: ArrayLike, lat: ArrayLike, system: Any) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in any supported system to CGCS2000 (EPSG:4490).

    Parameters
    ----------
    lon, lat : array-like or float
        Degrees; broadcast together.
    system : str or array-like of str
        One name for all points, or one name per point (same length as the
        broadcast coordinates). Any alias :func:`normalise_system_name` accepts.

    Returns
    -------
    tuple of numpy.ndarray
        CGCS2000 longitude and latitude (float64).

    Raises
    ------
    InputDataError
        If a system name is unknown or missing, or a per-point array has the wrong length.

    Examples
    --------
    >>> lon, lat = to_cgcs2000([106.23, 106.24], [38.48, 38.49], ["WGS-84", "高德"])
    """
    lon_arr, lat_arr = _as_arrays(lon, lat)
    # WGS-84 and CGCS2000 are both ITRF-aligned geocentric frames (WGS 84 (G1762)
    # and ITRF97 at epoch 2000.0); in China they differ by a few centimetres to
    # decimetres of plate motion, far below the metres we care about for placing
    # an enterprise in a grid, so no datum shift is applied.
    if np.ndim(system) == 0:
        canonical = normalise_system_name(
            system.item() if isinstance(system, np.ndarray) else system
        )
        convert = _TO_WGS84.get(canonical)
        if convert is None:
            return np.array(lon_arr, dtype=np.float64), np.array(lat_arr, dtype=np.float64)
        return convert(lon_arr, lat_arr)

    names = pd.Series(np.asarray(system, dtype=object).ravel())
    if len(names) != lon_arr.size:
        raise InputDataError(f"got {len(names)} coordinate system names for {lon_arr.size} points")
    # Normalise each distinct name once; factorize keeps this vectorised for
    # millions of rows with a handful of spellings.
    codes, uniques = pd.factorize(names, use_na_sentinel=True)
    if (codes < 0).any():
        first = int(np.flatnonzero(codes < 0)[0])
        raise InputDataError(
            f"coordinate system missing for point {first} (0-based); "
            f"use one of {', '.join(SYSTEMS)}"
        )
    canonical_per_unique = np.array([normalise_system_name(u) for u in uniques], dtype=object)
    canonical = canonical_per_unique[codes].reshape(lon_arr.shape)
    out_lon = np.array(lon_arr, dtype=np.float64)
    out_lat = np.array(lat_arr, dtype=np.float64)
    for name, convert in _TO_WGS84.items():
        mask = canonical == name
        if mask.any():
            out_lon[mask], out_lat[mask] = convert(lon_arr[mask], lat_arr[mask])
    return out_lon, out_lat
