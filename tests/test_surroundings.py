"""A grid's area in words (四至) from its geometry (gridgis.surroundings)."""

from __future__ import annotations

import geopandas as gpd
import shapely
from conftest import box_villages

from gridgis.surroundings import describe_surroundings


def _neighbours() -> gpd.GeoDataFrame:
    villages = box_villages()
    return villages.assign(grid_code=villages["code"], label=villages["name"])


def test_each_side_names_what_borders_it() -> None:
    """红星村 (201): 新华村 to the east, 河东村 to the south, the county border west and north."""
    neighbours = _neighbours()
    described = describe_surroundings(neighbours.iloc[[0]], neighbours)
    row = described.iloc[0]
    assert (row["east"], row["south"], row["west"], row["north"]) == (
        "新华村",
        "河东村",
        "县界",
        "县界",
    )
    assert row["text"] == "东至新华村；南至河东村；西至县界；北至县界"


def test_a_side_with_two_neighbours_names_both_longest_first() -> None:
    """河东村 (203) spans both villages above it: 红星村 and 新华村 share its north side."""
    neighbours = _neighbours()
    row = describe_surroundings(neighbours.iloc[[2]], neighbours).iloc[0]
    assert set(row["north"].split("、")) == {"红星村", "新华村"}
    assert row["south"] == "县界"


def test_a_named_road_along_a_side_names_it() -> None:
    neighbours = _neighbours()
    # A road along the boundary between 红星村 and 河东村 (latitude 38.50), 10 m off.
    road = gpd.GeoDataFrame(
        {"name": ["幸福路"]},
        geometry=[shapely.LineString([(106.195, 38.50009), (106.225, 38.50009)])],
        crs="EPSG:4490",
    )
    row = describe_surroundings(neighbours.iloc[[0]], neighbours, road).iloc[0]
    assert row["south"] == "幸福路（邻河东村）"
    assert row["east"] == "新华村"  # the road runs along the south side only


def test_an_unnamed_or_far_road_changes_nothing() -> None:
    neighbours = _neighbours()
    far = gpd.GeoDataFrame(
        {"name": ["远路", None]},
        geometry=[
            shapely.LineString([(106.195, 38.4950), (106.225, 38.4950)]),
            shapely.LineString([(106.195, 38.50009), (106.225, 38.50009)]),
        ],
        crs="EPSG:4490",
    )
    row = describe_surroundings(neighbours.iloc[[0]], neighbours, far).iloc[0]
    assert row["south"] == "河东村"
