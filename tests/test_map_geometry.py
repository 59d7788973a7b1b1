"""Shapes for the map: simplified as a coverage, coloured so that neighbours differ."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gridgis.render.map.geometry import neighbour_colours, neighbours, simplify_coverage
from gridgis.testing import synthetic_villages


@pytest.fixture(scope="module")
def dense_villages(helan_outline: shapely.Geometry) -> np.ndarray:
    """Villages with edges densified to 50 m and wiggled, as surveyed boundaries are."""
    villages = synthetic_villages(
        helan_outline, villages=150, townships=6, seed=3, vertex_spacing=50
    )
    return villages.to_crs(4490).geometry.to_numpy()


def test_simplifying_keeps_a_coverage_and_drops_vertices(dense_villages: np.ndarray) -> None:
    simplified = simplify_coverage(dense_villages, 3.0)
    assert shapely.coverage_is_valid(simplified)
    before = shapely.get_num_coordinates(dense_villages).sum()
    after = shapely.get_num_coordinates(simplified).sum()
    assert after < before
    # No shape moves by more than a few times the tolerance.
    moved = shapely.hausdorff_distance(dense_villages, simplified) * 111_320
    assert moved.max() < 10
    assert simplify_coverage(dense_villages, 0) is dense_villages or np.all(
        shapely.equals(simplify_coverage(dense_villages, 0), dense_villages)
    )


def test_no_two_touching_polygons_share_a_colour(synthetic_county: gpd.GeoDataFrame) -> None:
    shapes = synthetic_county.geometry.to_numpy()
    colours = neighbour_colours(shapes, 8)
    offsets, targets = neighbours(shapes)
    owner = np.repeat(np.arange(len(shapes)), np.diff(offsets))
    assert len(targets) > len(shapes)  # they do touch
    assert not np.any(colours[owner] == colours[targets])
    # Balanced: every colour is used, none by more than a third of the polygons.
    counts = np.bincount(colours, minlength=8)
    assert counts.min() > 0 and counts.max() < len(shapes) / 3


def test_colouring_is_deterministic_and_small_cases_work() -> None:
    row = np.array([shapely.box(i, 0, i + 1, 1) for i in range(4)])
    assert neighbour_colours(row, 3).tolist() == neighbour_colours(row, 3).tolist()
    colours = neighbour_colours(row, 3)
    assert all(colours[i] != colours[i + 1] for i in range(3))
    assert neighbour_colours(np.array([shapely.box(0, 0, 1, 1)]), 8).tolist() == [0]


def test_too_few_colours_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    # Four squares meeting at a point all touch each other: two colours cannot do.
    squares = np.array([shapely.box(x, y, x + 1, y + 1) for x in (0, 1) for y in (0, 1)])
    colours = neighbour_colours(squares, 2)
    assert set(colours.tolist()) <= {0, 1}
    assert "were not enough" in caplog.text
