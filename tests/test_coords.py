"""Tests for gridgis.coords: published reference pairs, round trips, system names."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis import coords
from gridgis.errors import InputDataError

GEOD = pyproj.Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between two sets of points."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    return np.asarray(GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())[2])


# Published reference pairs, (function, input lon/lat, expected lon/lat). All
# coordinates are (longitude, latitude) here, whatever order the source used.
REFERENCE_PAIRS = [
    # googollee/eviltransform, go/transform_test.go and javascript/test.js
    # (Shanghai, Shenzhen, Beijing; WGS-84 -> GCJ-02, and its "exact" inverse
    # is tested against the same pairs).
    ("wgs84_to_gcj02", (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ("wgs84_to_gcj02", (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ("wgs84_to_gcj02", (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ("gcj02_to_wgs84", (121.531541859215, 31.17530398364597), (121.5272106, 31.1774276)),
    ("gcj02_to_wgs84", (113.9171764808363, 22.540796131694766), (113.912316, 22.543847)),
    ("gcj02_to_wgs84", (116.38404722455657, 39.91334545536069), (116.377817, 39.911954)),
    # wandergis/coordtransform, test/app.js, all from input (116.404, 39.915).
    # Its inverses are the one-step approximations, within a few cm here.
    ("wgs84_to_gcj02", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ("gcj02_to_bd09", (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    ("bd09_to_gcj02", (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    ("gcj02_to_wgs84", (116.404, 39.915), (116.39775550083061, 39.91359571849836)),
    # hujiulong/gcoord, test/unit/crs/{WGS84,GCJ02,BD09}.spec.ts, input (123, 45).
    ("wgs84_to_gcj02", (123.0, 45.0), (123.00607541, 45.00197815)),
    ("wgs84_to_bd09", (123.0, 45.0), (123.0124491, 45.0083293)),
    ("gcj02_to_wgs84", (123.0, 45.0), (122.99395597, 44.99804071)),
    ("gcj02_to_bd09", (123.0, 45.0), (123.00636499, 45.00636899)),
    ("bd09_to_gcj02", (123.0, 45.0), (122.99363304, 44.99365430)),
    ("bd09_to_wgs84", (123.0, 45.0), (122.98762210, 44.99171540)),
    # madlogos/asesgeo, tests/testthat/test_tranform_coord.R (offline algorithm).
    ("wgs84_to_gcj02", (116.39089, 39.90734), (116.39713094, 39.90874107)),
    ("gcj02_to_wgs84", (116.397131, 39.908746), (116.39089006, 39.90734493)),
    ("gcj02_to_bd09", (116.397131, 39.908746), (116.40350426, 39.91508839)),
    ("bd09_to_gcj02", (116.40350, 39.91509), (116.39712692, 39.90874808)),
    # madlogos/asesgeo: answers of the official web services, recorded in its
    # tests. test_tranform_coord.R "api" value, and test_conv_coord.R with the
    # Baidu geoconv API and the Amap convert API. These are independent of the
    # reimplemented formula; they agree with it to within 0.7 m.
    ("wgs84_to_gcj02", (116.39089, 39.90734), (116.39713623, 39.90874539)),
    ("wgs84_to_gcj02", (116.42079, 39.90105), (116.42702745, 39.90245063)),
    ("wgs84_to_gcj02", (116.42079, 39.90105), (116.427020941841, 39.902445203994)),
]


@pytest.mark.parametrize(("function", "source", "expected"), REFERENCE_PAIRS)
def test_published_reference_pairs(function, source, expected):
    lon, lat = getattr(coords, function)(*source)
    assert metres(lon, lat, *expected)[0] < 1.0


def test_returns_float64_arrays_of_input_shape():
    lon, lat = coords.wgs84_to_gcj02([[106.2, 106.3]], [[38.4, 38.5]])
    assert lon.dtype == np.float64 and lat.dtype == np.float64
    assert lon.shape == (1, 2)
    lon, lat = coords.gcj02_to_wgs84(106.2, 38.4)
    assert isinstance(lon, np.ndarray) and lon.shape == ()


@pytest.mark.parametrize(
    "function",
    [
        "wgs84_to_gcj02",
        "gcj02_to_wgs84",
        "gcj02_to_bd09",
        "bd09_to_gcj02",
        "wgs84_to_bd09",
        "bd09_to_wgs84",
    ],
)
def test_nan_in_nan_out(function):
    lon, lat = getattr(coords, function)([np.nan, 106.2, 106.2], [38.4, np.nan, 38.4])
    assert np.isnan(lon[:2]).all() and np.isnan(lat[:2]).all()
    assert np.isfinite(lon[2]) and np.isfinite(lat[2])


def test_outside_china_is_unshifted_by_gcj02():
    lon = np.array([2.35, -74.0, 183.0, 106.0])
    lat = np.array([48.85, 40.7, 45.0, 60.0])
    for function in (coords.wgs84_to_gcj02, coords.gcj02_to_wgs84):
        out_lon, out_lat = function(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_dense_grid_round_trip_is_exact():
    # A 0.25-degree grid over the whole GCJ-02 box (the module docstring reports
    # the 0.05-degree figure; this keeps the test fast).
    lon, lat = np.meshgrid(np.arange(72.1, 137.8, 0.25), np.arange(0.9, 55.8, 0.25))
    lon, lat = lon.ravel(), lat.ravel()
    assert metres(lon, lat, *coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))).max() < 1e-3
    assert metres(lon, lat, *coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))).max() < 1e-3
    assert metres(lon, lat, *coords.bd09_to_gcj02(*coords.gcj02_to_bd09(lon, lat))).max() < 1e-3


def test_shift_is_hundreds_of_metres_in_ningxia():
    # The reason the module exists: an unconverted GCJ-02 point near Yinchuan
    # sits hundreds of metres off.
    lon, lat = coords.wgs84_to_gcj02(106.23, 38.48)
    assert 300 < metres(106.23, 38.48, lon, lat)[0] < 1000


china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=3.0, max_value=54.0, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_property(lon, lat):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back)[0] < 1e-3
    # The inverse is also a true inverse the other way round.
    forward = coords.wgs84_to_gcj02(*coords.gcj02_to_wgs84(lon, lat))
    assert metres(lon, lat, *forward)[0] < 1e-3


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trip_property(lon, lat):
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back)[0] < 1e-3


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("WGS-84", "wgs84"),
        ("wgs84", "wgs84"),
        ("WGS 84", "wgs84"),
        (4326, "wgs84"),
        ("EPSG:4326", "wgs84"),
        (4326.0, "wgs84"),
        ("\uff37\uff27\uff33\uff18\uff14", "wgs84"),
        ("CGCS2000", "cgcs2000"),
        ("4490", "cgcs2000"),
        ("epsg:4490", "cgcs2000"),
        ("GCJ-02", "gcj02"),
        ("gcj02", "gcj02"),
        ("火星", "gcj02"),
        ("高德", "gcj02"),
        ("腾讯地图", "gcj02"),
        ("Amap", "gcj02"),
        ("BD-09", "bd09"),
        ("bd09ll", "bd09"),
        ("百度", "bd09"),
        (" Baidu ", "bd09"),
    ],
)
def test_normalise_system_name(alias, canonical):
    assert coords.normalise_system_name(alias) == canonical


@pytest.mark.parametrize("bad", ["UTM", "bd09mc", "", None, float("nan")])
def test_unknown_system_name_raises(bad):
    with pytest.raises(InputDataError, match=r"coordinate system .*wgs84, cgcs2000, gcj02, bd09"):
        coords.normalise_system_name(bad)


def test_unknown_system_message_names_the_value():
    with pytest.raises(InputDataError, match="unknown coordinate system 'UTM'"):
        coords.to_cgcs2000(106.0, 38.0, "UTM")


def test_to_cgcs2000_scalar_system():
    lon, lat = np.array([106.2, 106.3]), np.array([38.4, 38.5])
    for name in ("WGS-84", "CGCS2000"):
        out = coords.to_cgcs2000(lon, lat, name)
        np.testing.assert_array_equal(out[0], lon)
        np.testing.assert_array_equal(out[1], lat)
    gcj = coords.wgs84_to_gcj02(lon, lat)
    out = coords.to_cgcs2000(*gcj, "高德")
    assert metres(lon, lat, *out).max() < 1e-3


def test_to_cgcs2000_per_row_systems():
    lon = np.array([106.2, 106.3, 106.4, 106.5])
    lat = np.array([38.4, 38.5, 38.6, 38.7])
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(lon, lat)
    bd_lon, bd_lat = coords.wgs84_to_bd09(lon, lat)
    mixed_lon = np.array([lon[0], gcj_lon[1], bd_lon[2], lon[3]])
    mixed_lat = np.array([lat[0], gcj_lat[1], bd_lat[2], lat[3]])
    out = coords.to_cgcs2000(mixed_lon, mixed_lat, ["WGS84", "GCJ-02", "百度", "4490"])
    assert metres(lon, lat, *out).max() < 1e-3


def test_to_cgcs2000_per_row_errors():
    with pytest.raises(InputDataError, match="got 1 coordinate system names for 2 points"):
        coords.to_cgcs2000([1.0, 2.0], [3.0, 4.0], ["wgs84"])
    with pytest.raises(InputDataError, match="coordinate system missing for point 1"):
        coords.to_cgcs2000([1.0, 2.0], [3.0, 4.0], ["wgs84", None])
    with pytest.raises(InputDataError, match="unknown coordinate system 'Mars'"):
        coords.to_cgcs2000([1.0, 2.0], [3.0, 4.0], ["wgs84", "Mars"])
