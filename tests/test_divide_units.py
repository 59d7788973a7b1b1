"""Tests of base units (gridgis.divide.units) and grid assembly helpers."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from gridgis.crs import gauss_kruger_crs
from gridgis.divide.api import _reading_order
from gridgis.divide.load import LoadField, points_to_polygons
from gridgis.divide.metric import Metric, metres_per_degree
from gridgis.divide.quality import same_rings, tiles_exactly
from gridgis.divide.units import MIN_CELL_M, build_units, cell_size_m, shared_edges

METRIC = Metric(gauss_kruger_crs(106.0))
VILLAGE = Polygon(
    [(106.0, 38.5), (106.013, 38.497), (106.03, 38.505), (106.021, 38.518), (106.004, 38.514)]
)


def test_shared_edges_of_boxes():
    kx, ky = metres_per_degree(38.5)
    boxes = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)])
    boxes[2] = Polygon([(0, 1), (1, 1), (2, 1), (2, 2), (0, 2)])  # noded with both below
    i, j, length = shared_edges(boxes, kx, ky)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    assert length == pytest.approx([ky, kx, kx])


@pytest.mark.parametrize("barriers", [False, True])
def test_units_tile_the_village_with_its_own_vertices(barriers):
    roads = np.array([shapely.LineString([(106.01, 38.49), (106.02, 38.53)])]) if barriers else []
    units = build_units(VILLAGE, LoadField(density=1.0), 0.2, np.array(roads, dtype=object), METRIC)
    assert units.n_units > 10
    assert shapely.coverage_is_valid(units.faces)
    assert same_rings(shapely.coverage_union_all(units.faces), VILLAGE)
    # No face has a vertex on the village boundary other than its corners.
    corners = set(map(tuple, shapely.get_coordinates(VILLAGE)))
    xy = shapely.get_coordinates(units.faces)
    on_boundary = shapely.distance(shapely.points(xy), VILLAGE.boundary) < 1e-12
    assert set(map(tuple, xy[on_boundary])) <= corners
    assert units.unit_load.sum() == pytest.approx(METRIC.area_km2(np.array([VILLAGE]))[0])


def test_units_can_add_vertices_when_asked():
    units = build_units(
        VILLAGE, LoadField(density=1.0), 0.2, np.empty(0, dtype=object), METRIC,
        keep_boundary_vertices=False,
    )  # fmt: skip
    assert shapely.coverage_is_valid(units.faces)
    union = shapely.coverage_union_all(units.faces)
    assert not same_rings(union, VILLAGE)
    assert tiles_exactly(units.faces, VILLAGE, same_vertices=False)


def test_crowded_cells_are_refined():
    rng = np.random.default_rng(0)
    crowd = rng.normal([106.015, 38.507], 0.002, (400, 2))
    crowd = crowd[shapely.contains_xy(VILLAGE, crowd[:, 0], crowd[:, 1])]
    field = LoadField(0.0, crowd, np.ones(len(crowd)))
    units = build_units(VILLAGE, field, 100.0, np.empty(0, dtype=object), METRIC)
    # Cells in the crowd are split (down to MIN_CELL_M), so every unit
    # carries a small share of the limit.
    assert units.face_area_km2.min() < (units.cell_m / 1000) ** 2 / 8
    assert units.unit_load.max() <= 100.0 / 10
    assert units.unit_load.sum() == pytest.approx(len(crowd))


def test_cell_size_bounds():
    assert cell_size_m(10.0, 1000.0, 300.0, 40) == pytest.approx(
        1000 * np.sqrt(10 / (40 * 1000 / 300))
    )
    assert cell_size_m(0.0001, 1000.0, 300.0, 40) == MIN_CELL_M


def test_points_on_shared_edges_count_once():
    polygons = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    owner = points_to_polygons(np.array([[1.0, 0.5], [1.5, 0.5], [3.0, 3.0]]), polygons)
    assert owner.tolist() == [0, 1, -1]


def test_reading_order_rows_then_columns():
    cells = np.array([box(x, y, x + 0.01, y + 0.01) for y in (0.01, 0.0) for x in (0.01, 0.0)])
    # Input order: NE, NW, SE, SW; reading order: NW, NE, SW, SE.
    assert _reading_order(cells).tolist() == [1, 0, 3, 2]
