"""The map's data encodings: integer text, rings, outline runs, text columns, label room."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from gridgis.render.map.encode import (
    ALPHABET,
    SCALE,
    encode_ints,
    encode_polygons,
    encode_text,
    label_anchors,
    outline_runs,
    polygon_rings,
)
from gridgis.render.map.geometry import simplify_coverage

_DIGITS = {character: value for value, character in enumerate(ALPHABET)}


def decode_ints(text: str) -> list[int]:
    """The page's decoder (static/map.js, decodeInts), written again in Python."""
    values, value, shift = [], 0, 0
    for character in text:
        digit = _DIGITS[character]
        value |= (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            values.append(-(value + 1) // 2 if value & 1 else value // 2)
            value, shift = 0, 0
    return values


@given(st.lists(st.integers(min_value=-(2**49), max_value=2**49)))
def test_integer_text_round_trips(values: list[int]) -> None:
    text = encode_ints(values)
    assert set(text) <= set(ALPHABET)
    assert decode_ints(text) == values


def test_small_integers_take_one_or_two_characters() -> None:
    assert len(encode_ints(range(-16, 16))) == 32
    assert len(encode_ints([511, -512])) == 4
    with pytest.raises(ValueError, match="too large"):
        encode_ints([2**51])


def test_rings_drop_closing_and_repeated_points() -> None:
    square = shapely.Polygon([(0, 0), (0.001, 0), (0.001, 0.000001), (0.001, 0.001), (0, 0.001)])
    holed = shapely.Polygon(
        [(1, 1), (1.01, 1), (1.01, 1.01), (1, 1.01)],
        [[(1.002, 1.002), (1.003, 1.002), (1.003, 1.003)]],
    )
    rings = polygon_rings(np.array([square, shapely.MultiPolygon([holed, square])]))
    assert rings.parts.tolist() == [1, 2]
    assert rings.rings.tolist() == [1, 2, 1]
    # (0.001, 0.000001) rounds onto (0.001, 0) and is dropped; no ring repeats its start.
    assert rings.counts.tolist() == [4, 4, 3, 4]
    assert rings.feature.tolist() == [0, 1, 1, 1]
    encoded = encode_polygons(rings)
    points = np.cumsum(np.array(decode_ints(encoded["xy"])).reshape(-1, 2), axis=0)
    assert points[:4].tolist() == [[0, 0], [100, 0], [100, 100], [0, 100]]
    assert (points[4:8] / SCALE).tolist() == [[1, 1], [1.01, 1], [1.01, 1.01], [1, 1.01]]


def _lines(rings, runs: np.ndarray) -> shapely.Geometry:
    """The outline the page draws from runs along rings."""
    starts = np.cumsum(rings.counts) - rings.counts
    lines = []
    for ring, start, length in runs:
        count = rings.counts[ring]
        index = starts[ring] + (start + np.arange(length + 1)) % count
        lines.append(shapely.LineString(rings.points[index] / SCALE))
    return shapely.MultiLineString(lines)


def test_outline_runs_follow_group_boundaries_once() -> None:
    cells = np.array(
        [shapely.box(x, y, x + 0.01, y + 0.01) for y in (0, 0.01) for x in (0, 0.01, 0.02)]
    )
    cells = shapely.normalize(
        shapely.union_all(cells).boundary.union(
            shapely.MultiLineString(
                [[(0.01, 0), (0.01, 0.02)], [(0.02, 0), (0.02, 0.02)], [(0, 0.01), (0.03, 0.01)]]
            )
        )
    )
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(cells))))
    centres = np.round(shapely.get_coordinates(shapely.centroid(faces)), 6)
    faces = faces[np.lexsort((centres[:, 0], centres[:, 1]))]  # by row, then column
    assert shapely.coverage_is_valid(faces)
    rings = polygon_rings(faces)
    left_right = np.array(["a", "a", "b", "a", "a", "b"], dtype=object)
    drawn = _lines(rings, outline_runs(rings, left_right))
    # The whole outline (0.1) and the line between the groups (0.02), each once.
    assert drawn.length == pytest.approx(0.12)
    assert shapely.equals(
        shapely.line_merge(shapely.union_all(drawn)),
        shapely.line_merge(
            shapely.union_all(
                [
                    shapely.box(0, 0, 0.03, 0.02).boundary,
                    shapely.LineString([(0.02, 0), (0.02, 0.02)]),
                ]
            )
        ),
    )
    one = _lines(rings, outline_runs(rings, np.array(["a"] * 6, dtype=object)))
    assert one.length == pytest.approx(0.1)
    alone = _lines(rings, outline_runs(rings, np.array([None] * 6, dtype=object)))
    assert alone.length == pytest.approx(0.1 + 0.01 * 7)


def test_outline_runs_on_a_synthetic_county_match_the_township_boundaries(
    synthetic_county: gpd.GeoDataFrame,
) -> None:
    villages = synthetic_county.to_crs(4490)
    shapes = simplify_coverage(villages.geometry.to_numpy(), 3.0)
    rings = polygon_rings(shapes)
    townships = villages["code"].str[:9].to_numpy(dtype=object)
    drawn = _lines(rings, outline_runs(rings, townships))
    expected = shapely.union_all(
        [
            shapely.boundary(shapely.coverage_union_all(shapes[townships == code]))
            for code in np.unique(townships)
        ]
    )
    # Drawn once each: the lengths agree to rounding (1e-5 degree a point).
    assert drawn.length == pytest.approx(expected.length, rel=1e-4)
    assert shapely.hausdorff_distance(drawn, expected) < 2e-5


def test_text_columns_with_repeats_become_dictionaries() -> None:
    assert encode_text(["甲", None, "乙"]) == ["甲", None, "乙"]
    encoded = encode_text(["一般", "低", None, "一般", "一般", "低", "低"])
    assert isinstance(encoded, dict)
    assert encoded["d"] == ["一般", "低"]
    assert decode_ints(encoded["i"]) == [0, 1, -1, 0, 0, 1, 1]
    assert encode_text([float("nan"), "x"]) == [None, "x"]


def test_label_points_sit_inside_with_room_in_metres() -> None:
    bent = shapely.Polygon([(0, 0), (0.03, 0), (0.03, 0.01), (0.01, 0.01), (0.01, 0.03), (0, 0.03)])
    square = shapely.box(106, 38, 106.01, 38.01)
    x, y, radius = label_anchors(
        np.array([bent, shapely.MultiPolygon([square.buffer(-0.004), bent])])
    )
    points = shapely.points(x, y)
    assert shapely.contains(bent, points[0])
    assert shapely.contains(bent, points[1])  # the larger part of the multipolygon
    # The widest spot of the L is about 0.01 degree across: about 557 m of radius.
    assert 450 < radius[0] < 650
    assert label_anchors(np.array([]))[2].size == 0
