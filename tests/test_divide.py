"""Tests of gridgis.divide.divide_villages: tiling, limits, barriers, input checks."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely import Polygon, box

from gridgis.crs import metric_crs_for
from gridgis.divide import divide_villages, tiles_exactly
from gridgis.divide.metric import Metric
from gridgis.divide.quality import same_rings
from gridgis.errors import CRSError, InputDataError

X0, Y0 = 106.00, 38.50


def township() -> gpd.GeoDataFrame:
    """Three villages of township 640122100 drawn from boxes (EPSG:4490).

    Village 001 is 0.02 deg x 0.01 deg (about 1.74 km x 1.11 km), 002 a
    0.01 deg square to its east, and 003 spans both to the south. 003 carries
    the vertex where 001 and 002 meet, so the three form a valid coverage.
    """
    v1 = box(X0, Y0, X0 + 0.02, Y0 + 0.01)
    v2 = box(X0 + 0.02, Y0, X0 + 0.03, Y0 + 0.01)
    v3 = Polygon(
        [(X0, Y0 - 0.01), (X0 + 0.03, Y0 - 0.01), (X0 + 0.03, Y0), (X0 + 0.02, Y0), (X0, Y0)]
    )
    return gpd.GeoDataFrame(
        {
            "code": ["640122100001", "640122100002", "640122100003"],
            "households": [590, 250, 880],
        },
        geometry=[v1, v2, v3],
        crs="EPSG:4490",
    )


@pytest.fixture
def villages() -> gpd.GeoDataFrame:
    return township()


def grids_of(division, code):
    return division.grids[division.grids["village_code"] == code]


def test_households_by_hand(villages):
    division = divide_villages(villages, by="households", max_load=300)
    counts = division.grids.groupby("village_code").size()
    # 590 -> 2 grids, 250 -> stays whole, 880 -> 3 grids.
    assert counts.to_dict() == {"640122100001": 2, "640122100002": 1, "640122100003": 3}
    assert (division.grids["load"] <= 300 + 1e-9).all()
    totals = division.grids.groupby("village_code")["load"].sum()
    assert np.allclose(totals.to_numpy(), [590, 250, 880])
    assert division.report["coverage_ok"].all()
    assert (division.report["area_error"] < 1e-12).all()
    assert list(division.report.columns[:8]) == [
        "village_code", "grids", "load", "max_load_ratio", "pp_median", "pp_min",
        "coverage_ok", "area_error",
    ]  # fmt: skip
    # The village under the limit is one grid: the village itself.
    single = grids_of(division, "640122100002").geometry.iloc[0]
    assert shapely.equals_exact(single, villages.geometry.iloc[1], tolerance=0)


@pytest.mark.parametrize("keep", [True, False])
def test_rectangle_halves_are_compact(villages, keep):
    village = villages.iloc[[0]]
    if keep:
        # Grid edges may only meet the boundary at its vertices: give the
        # box a vertex every 0.001 deg (about 100 m), as surveyed data has.
        village = village.set_geometry(shapely.segmentize(village.geometry.values, 0.001))
    division = divide_villages(village, by="households", max_load=300, keep_boundary_vertices=keep)
    grids = division.grids
    assert len(grids) == 2
    # A 1.74 km x 1.11 km rectangle in two: two near squares, split across
    # the long side, so each spans the full height.
    assert (grids["polsby_popper"] > 0.7).all()
    metric = Metric(metric_crs_for(villages))
    for grid in metric.project(grids.geometry.values):
        assert np.ptp(shapely.get_coordinates(grid)[:, 1]) == pytest.approx(1112, rel=0.01)
    # Reading order: west to east.
    x = shapely.get_x(shapely.centroid(grids.geometry.values))
    assert list(grids["part"]) == [1, 2] and x[0] < x[1]
    assert division.report["coverage_ok"].all()


def test_box_without_vertices_is_cut_corner_to_corner(villages):
    # With only its four corners, the box can only be cut between corners.
    division = divide_villages(villages.iloc[[0]], by="households", max_load=300)
    grids = division.grids
    assert len(grids) == 2
    corners = set(map(tuple, shapely.get_coordinates(villages.geometry.iloc[0])))
    for grid in grids.geometry:
        on_edge = shapely.get_coordinates(grid)
        on_edge = on_edge[
            shapely.distance(shapely.points(on_edge), villages.geometry.iloc[0].boundary) == 0
        ]
        assert set(map(tuple, on_edge)) <= corners


def test_grids_tile_exactly_and_match_neighbours(villages):
    division = divide_villages(villages, by="area", max_load=0.5)
    metric = Metric(metric_crs_for(villages))
    for code, village in zip(villages["code"], villages.geometry, strict=True):
        grids = grids_of(division, code).geometry.values
        assert np.all(shapely.get_type_id(grids) == 3)
        assert shapely.coverage_is_valid(grids)
        assert same_rings(shapely.coverage_union_all(grids), village)
        area = metric.area_km2(grids).sum()
        assert area == pytest.approx(metric.area_km2(np.array([village]))[0], rel=1e-9)
        assert tiles_exactly(grids, village, metric)
    # Grid edges meet village edges only at village vertices, so the grids
    # of the whole township form one valid coverage too.
    assert shapely.coverage_is_valid(division.grids.geometry.values)
    # Area limits keep a margin against other projections.
    assert (division.grids["area_km2"] <= 0.5).all()


def test_deterministic(villages):
    first = divide_villages(villages, by="area", max_load=0.4, seed=3)
    second = divide_villages(villages, by="area", max_load=0.4, seed=3)
    assert_geodataframe_equal(first.grids, second.grids)
    columns = [c for c in first.report.columns if c != "seconds"]
    pd.testing.assert_frame_equal(first.report[columns], second.report[columns])


def test_parts_numbered_in_reading_order(villages):
    division = divide_villages(villages.iloc[[2]], by="households", max_load=300)
    grids = division.grids
    assert list(grids["part"]) == [1, 2, 3]
    x = shapely.get_x(shapely.centroid(grids.geometry.values))
    assert np.all(np.diff(x) > 0)


def _box_with_vertices(x0, y0, x1, y1, cut_x):
    """A box with extra vertices where a north-south road at cut_x crosses it."""
    return Polygon([(x0, y0), (cut_x, y0), (x1, y0), (x1, y1), (cut_x, y1), (x0, y1)])


def _road(x):
    return gpd.GeoDataFrame(
        {"name": ["road"]},
        geometry=[shapely.LineString([(x, Y0 - 0.02), (x, Y0 + 0.03)])],
        crs="EPSG:4490",
    )


def test_barrier_blocks_become_grids():
    village = _box_with_vertices(X0, Y0, X0 + 0.02, Y0 + 0.01, X0 + 0.01)
    villages = gpd.GeoDataFrame(
        {"code": ["640122100001"], "households": [560]}, geometry=[village], crs="EPSG:4490"
    )
    division = divide_villages(villages, by="households", max_load=300, barriers=_road(X0 + 0.01))
    grids = division.grids
    # The road splits the village into two blocks of 280: each is a grid.
    assert len(grids) == 2
    west = Polygon([(X0, Y0), (X0 + 0.01, Y0), (X0 + 0.01, Y0 + 0.01), (X0, Y0 + 0.01)])
    assert shapely.equals(grids.geometry.iloc[0], west)
    assert len(division.oversized_units) == 0
    assert division.report["split_blocks"].iloc[0] == 0


def test_block_over_limit_is_split_and_reported():
    cut = X0 + 0.005
    village = _box_with_vertices(X0, Y0, X0 + 0.02, Y0 + 0.01, cut)
    villages = gpd.GeoDataFrame(
        {"code": ["640122100001"], "households": [800]}, geometry=[village], crs="EPSG:4490"
    )
    division = divide_villages(villages, by="households", max_load=300, barriers=_road(cut))
    oversized = division.oversized_units
    assert list(oversized["kind"]) == ["block"]
    assert list(oversized["action"]) == ["split"]
    assert oversized["load"].iloc[0] == pytest.approx(600)
    # The small block (200 households) lies wholly in one grid.
    small = box(X0, Y0, cut, Y0 + 0.01)
    shares = shapely.area(shapely.intersection(division.grids.geometry.values, small))
    assert np.sort(shares)[-1] == pytest.approx(small.area, rel=1e-9)
    assert (division.grids["load"] <= 300 + 1e-9).all()
    assert division.report["coverage_ok"].all()


def test_barrier_far_from_vertices_can_be_noded_instead():
    villages = gpd.GeoDataFrame(
        {"code": ["640122100001"], "households": [560]},
        geometry=[box(X0, Y0, X0 + 0.02, Y0 + 0.01)],
        crs="EPSG:4490",
    )
    road = _road(X0 + 0.01)
    kept = divide_villages(villages, by="households", max_load=300, barriers=road)
    # With the village's vertices kept, a road that meets the boundary far
    # from any vertex encloses nothing; the grids still keep the limit.
    assert kept.report["coverage_ok"].all() and (kept.grids["load"] <= 300 + 1e-9).all()
    noded = divide_villages(
        villages, by="households", max_load=300, barriers=road, keep_boundary_vertices=False
    )
    assert len(noded.grids) == 2
    assert noded.report["coverage_ok"].all()
    west = box(X0, Y0, X0 + 0.01, Y0 + 0.01)
    assert shapely.symmetric_difference(noded.grids.geometry.iloc[0], west).area < 1e-15


def test_indivisible_enterprise_is_kept_and_reported(villages):
    points = gpd.GeoDataFrame(
        {"weight": [5, 1, 1, 1, 1, 2]},
        geometry=shapely.points(
            [
                (X0 + 0.005, Y0 + 0.005),
                (X0 + 0.015, Y0 + 0.005),
                (X0 + 0.016, Y0 + 0.004),
                (X0 + 0.017, Y0 + 0.006),
                (X0 + 0.003, Y0 + 0.002),
                (X0 + 0.5, Y0 + 0.5),  # outside every village
            ]
        ),
        crs="EPSG:4490",
        index=[10, 11, 12, 13, 14, 15],
    )
    division = divide_villages(
        villages.iloc[[0]], by="enterprises", max_load=3, load_points=points, weight_field="weight"
    )
    assert list(division.ignored.points_outside) == [15]
    kept = division.oversized_units[division.oversized_units["kind"] == "unit"]
    assert list(kept["action"]) == ["kept"] and kept["load"].iloc[0] == pytest.approx(5)
    grids = division.grids
    assert grids["load"].sum() == pytest.approx(9)
    assert grids["over_limit"].sum() == 1
    assert grids.loc[grids["over_limit"], "load"].iloc[0] == pytest.approx(5)
    assert (grids.loc[~grids["over_limit"], "load"] <= 3 + 1e-9).all()
    assert division.report["coverage_ok"].all()
    assert "over the limit" in division.report["notes"].iloc[0]


def test_households_spread_over_buildings(villages):
    rng = np.random.default_rng(0)
    west = rng.uniform([X0, Y0], [X0 + 0.004, Y0 + 0.01], (30, 2))
    east = rng.uniform([X0 + 0.016, Y0], [X0 + 0.02, Y0 + 0.01], (30, 2))
    buildings = gpd.GeoDataFrame(geometry=shapely.points(np.vstack([west, east])), crs="EPSG:4490")
    division = divide_villages(
        villages.iloc[[0]], by="households", max_load=300, buildings=buildings
    )
    grids = division.grids
    assert len(grids) == 2
    assert grids["load"].to_numpy() == pytest.approx([295, 295])


def test_multi_part_village_keeps_islands_apart():
    islands = shapely.MultiPolygon(
        [box(X0, Y0, X0 + 0.01, Y0 + 0.01), box(X0 + 0.02, Y0, X0 + 0.03, Y0 + 0.01)]
    )
    villages = gpd.GeoDataFrame(
        {"code": ["640122100001"], "households": [100]}, geometry=[islands], crs="EPSG:4490"
    )
    division = divide_villages(villages, by="households", max_load=300)
    # A grid is one polygon, so each island is a grid of its own.
    assert len(division.grids) == 2
    assert (shapely.get_type_id(division.grids.geometry.values) == 3).all()
    assert "2 separate parts" in division.report["notes"].iloc[0]
    assert division.report["coverage_ok"].iloc[0]


def test_barriers_reprojected_and_outside_ones_reported(villages, caplog):
    road = _road(X0 + 0.01)
    far = gpd.GeoDataFrame(
        {"name": ["far"]}, geometry=[shapely.LineString([(110, 30), (110.1, 30)])], crs="EPSG:4490"
    )
    barriers = pd.concat([road, far], ignore_index=True).to_crs("EPSG:4544")
    with caplog.at_level(logging.DEBUG, logger="gridgis.divide"):
        division = divide_villages(villages, by="area", max_load=1.0, barriers=barriers)
    assert "EPSG:4544" in caplog.text and "EPSG:4490" in caplog.text
    assert list(division.ignored.barriers_outside) == [1]
    assert "touch no village" in caplog.text


def test_progress_is_called(villages):
    seen = {}

    def progress(items, *, total=None, label=""):
        seen.update(total=total, label=label)
        yield from items

    divide_villages(villages, by="area", max_load=1.0, progress=progress)
    assert seen == {"total": 3, "label": "Dividing villages"}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"by": "area", "max_load": 0}, InputDataError, "max_load must be a positive number"),
        ({"by": "area", "max_load": -1}, InputDataError, "max_load must be a positive number"),
        ({"by": "area", "max_load": float("nan")}, InputDataError, "positive number"),
        ({"by": "people", "max_load": 1}, InputDataError, "unknown load 'people'"),
        ({"by": "enterprises", "max_load": 1}, InputDataError, "needs located enterprise points"),
        (
            {"by": "households", "max_load": 1, "household_field": "hh"},
            InputDataError,
            "no household field 'hh'",
        ),
    ],
)
def test_bad_input(villages, kwargs, error, match):
    with pytest.raises(error, match=match):
        divide_villages(villages, **kwargs)


def test_bad_villages(villages):
    with pytest.raises(CRSError, match="EPSG:4490"):
        divide_villages(villages.to_crs("EPSG:4544"), by="area", max_load=1)
    repeated = villages.assign(code=["640122100001"] * 3)
    with pytest.raises(InputDataError, match="repeat: 640122100001"):
        divide_villages(repeated, by="area", max_load=1)
    negative = villages.assign(households=[1, -2, 3])
    with pytest.raises(InputDataError, match="640122100002"):
        divide_villages(negative, by="households", max_load=1)
    with pytest.raises(InputDataError, match="no 'code' column"):
        divide_villages(villages.drop(columns="code"), by="area", max_load=1)


def test_synthetic_county_by_area(synthetic_county):
    villages = synthetic_county.iloc[:25].to_crs("EPSG:4490")
    division = divide_villages(villages, by="area", max_load=2.0)
    report = division.report
    assert report["coverage_ok"].all()
    assert (report["area_error"] < 1e-9).all()
    assert (division.grids["area_km2"] <= 2.0).all()
    assert (division.grids["over_limit"] == False).all()  # noqa: E712
    # Villages within the limit stay whole.
    area = Metric(metric_crs_for(villages)).area_km2(villages.geometry.values)
    assert (report["grids"].to_numpy()[area <= 2.0] == 1).all()
    assert shapely.coverage_is_valid(division.grids.geometry.values)


def test_grid_edges_follow_barriers_or_cut_split_blocks(synthetic_county, helan_outline):
    from gridgis.divide.synthetic import road_grid

    villages = synthetic_county.iloc[:15].to_crs("EPSG:4490")
    roads = road_grid(helan_outline, 1500.0, seed=1)
    division = divide_villages(villages, by="households", max_load=300, barriers=roads)
    assert division.report["coverage_ok"].all()
    assert (division.grids["load"] <= 300 + 1e-9).all()
    # Every grid edge inside a village runs along a barrier, or through a
    # block that alone exceeds the limit (reported as split), or within the
    # short join of a barrier to a boundary vertex.
    edges = shapely.union_all(shapely.boundary(division.grids.geometry.values))
    borders = shapely.union_all(shapely.boundary(villages.geometry.values))
    inner_edges = shapely.difference(edges, shapely.buffer(borders, 60 / 111_000))
    off_roads = shapely.difference(
        inner_edges, shapely.buffer(shapely.union_all(roads.geometry.values), 1e-7)
    )
    split = shapely.union_all(division.oversized_units.geometry.values)
    assert shapely.covered_by(off_roads, shapely.buffer(split, 1e-7))
    assert len(division.oversized_units) > 0


def test_thin_village_touched_by_a_barrier_is_still_split():
    # Found by the property test: the village's point on surface lies within
    # the 10 m collar, so the whole village counted as collar and was never
    # cut; a barrier that only touches one vertex sent it down that path.
    village = shapely.from_wkt(
        "POLYGON ((106.015625 38.5, 106.01371222752954 38.50599281923255, "
        "106.00571631928808 38.50426024225015, 106.0100155759088 38.50959429377795, "
        "106.00844222352919 38.5105183873101, 106.00045979181084 38.50518697393034, "
        "105.98595844682941 38.505483088738735, 105.98453136724062 38.50176400010075, "
        "106.015625 38.5))"
    )
    villages = gpd.GeoDataFrame(
        {"code": ["640122100201"], "households": [151]}, geometry=[village], crs="EPSG:4490"
    )
    barrier = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(105.95, 38.5), (106.05, 38.5)])], crs="EPSG:4490"
    )
    division = divide_villages(villages, by="households", max_load=150, barriers=barrier)
    assert len(division.grids) == 2
    assert (division.grids["load"] <= 150).all()
    assert division.grids["load"].sum() == pytest.approx(151)


def test_thin_triangle_loads_add_up_without_boundary_vertices():
    # Found by the property test: grids that add vertices on a 3 km edge follow
    # its curve in the Gauss-Krueger zone while the 3-vertex village did not,
    # and 0.1 % of the households went missing. Both are now measured along
    # edges densified to 50 m.
    village = shapely.from_wkt(
        "POLYGON ((106.00316583382345 38.503944395241284, 105.99349770567895 "
        "38.511366217835324, 106.01875332591113 38.49563413284064, 106.00316583382345 "
        "38.503944395241284))"
    )
    villages = gpd.GeoDataFrame(
        {"code": ["640122100201"], "households": [151]}, geometry=[village], crs="EPSG:4490"
    )
    division = divide_villages(
        villages, by="households", max_load=150, keep_boundary_vertices=False
    )
    assert len(division.grids) == 2
    assert division.grids["load"].sum() == pytest.approx(151, rel=1e-6)
