"""Property tests: the grids of a village tile it exactly and keep the limit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gridgis.crs import metric_crs_for
from gridgis.divide import divide_villages
from gridgis.divide.metric import Metric
from gridgis.divide.quality import area_error, same_rings


@st.composite
def villages(draw):
    """A star-shaped village near 106E 38.5N, maybe densified, with a load and a limit."""
    n = draw(st.integers(3, 14))
    angles = np.sort(
        np.array(draw(st.lists(st.floats(0, 2 * np.pi), min_size=n, max_size=n, unique=True)))
    )
    radii = np.array(draw(st.lists(st.floats(0.004, 0.02), min_size=n, max_size=n)))
    xy = np.column_stack([106.0 + radii * np.cos(angles), 38.5 + radii * np.sin(angles) * 0.8])
    polygon = shapely.Polygon(xy)
    if not polygon.is_valid or polygon.area < 1e-5:
        polygon = shapely.convex_hull(shapely.multipoints(xy))
    assume(polygon.geom_type == "Polygon" and polygon.area > 1e-5)
    if draw(st.booleans()):
        polygon = shapely.segmentize(polygon, draw(st.sampled_from([0.0005, 0.002])))
    households = draw(st.integers(0, 3000))
    max_load = draw(st.sampled_from([150.0, 300.0, 500.0]))
    barrier = None
    if draw(st.booleans()):
        a = draw(st.floats(0, np.pi))
        line = np.array([[-0.05, 0], [0.05, 0]]) @ np.array(
            [[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]]
        )
        barrier = shapely.LineString(line + np.array([106.0, 38.5]))
    keep = draw(st.booleans())
    return polygon, households, max_load, barrier, keep


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(villages())
def test_grids_tile_village_exactly(case):
    polygon, households, max_load, barrier, keep = case
    frame = gpd.GeoDataFrame(
        {"code": ["640122100201"], "households": [households]}, geometry=[polygon], crs="EPSG:4490"
    )
    barriers = None
    if barrier is not None:
        barriers = gpd.GeoDataFrame(geometry=[barrier], crs="EPSG:4490")
    division = divide_villages(
        frame, by="households", max_load=max_load, barriers=barriers, keep_boundary_vertices=keep
    )
    grids = division.grids
    geoms = grids.geometry.values
    assert division.report["coverage_ok"].all()
    assert np.all(shapely.get_type_id(geoms) == 3)
    assert shapely.coverage_is_valid(geoms)
    assert list(grids["part"]) == list(range(1, len(grids) + 1))
    # Loads are measured in the Gauss-Krueger zone, where added vertices
    # (keep=False) bend straight edges by up to about 1e-4 of the area.
    assert np.isclose(grids["load"].sum(), households, rtol=1e-9 if keep else 1e-3)
    assert (grids["load"] <= max_load * (1 + 1e-9)).all()
    if households <= max_load:
        assert len(grids) == 1
    if keep:
        metric = Metric(metric_crs_for(frame))
        assert same_rings(shapely.coverage_union_all(geoms), polygon)
        assert area_error(geoms, polygon, metric) < 1e-9
    else:
        union = shapely.coverage_union_all(geoms)
        assert shapely.area(shapely.symmetric_difference(union, polygon)) <= 1e-9 * polygon.area
