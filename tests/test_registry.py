import itertools

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis.changes import diff_grids
from gridgis.codes import GridCode, empty_registry, level_grid_rows, redivide_village

VILLAGE = "640122100201"
X0, Y0, WIDTH, HEIGHT = 106.20, 38.50, 0.04, 0.01


def strips(cuts: list[float]) -> gpd.GeoDataFrame:
    """Vertical strips of the village box, cut at fractions of its width."""
    edges = [0.0, *sorted(cuts), 1.0]
    boxes = [
        shapely.box(X0 + a * WIDTH, Y0, X0 + b * WIDTH, Y0 + HEIGHT)
        for a, b in itertools.pairwise(edges)
        if b > a
    ]
    return gpd.GeoDataFrame({"load": [1.0] * len(boxes)}, geometry=boxes, crs="EPSG:4490")


def divide(cuts, current, registry, version):
    return redivide_village(VILLAGE, "红星村", strips(cuts), current, registry, version=version)


def test_first_division_numbers_west_to_east() -> None:
    result = divide([0.25, 0.5, 0.75], gpd.GeoDataFrame(geometry=[], crs=4490), empty_registry(), 1)
    grids = result.grids.sort_values("grid_code")
    assert [GridCode.parse(c).sequence for c in grids["grid_code"]] == [1, 2, 3, 4]
    xs = shapely.get_x(shapely.centroid(grids.geometry.to_numpy()))
    assert list(xs) == sorted(xs)
    assert grids["name"].iloc[0] == "红星村第1网格"
    assert set(result.registry["status"]) == {"active"}


def test_redivision_keeps_unchanged_and_retires_split() -> None:
    first = divide([0.25, 0.5, 0.75], gpd.GeoDataFrame(geometry=[], crs=4490), empty_registry(), 1)
    # Split the last strip in two; nudge the first boundary by 1 % of the width.
    second = divide([0.26, 0.5, 0.75, 0.875], first.grids, first.registry, 2)
    before = first.grids.set_index("grid_code")
    assert len(second.kept) == 3  # strips 1-3 essentially unchanged (IoU ≥ 0.9)
    assert len(second.retired) == 1 and len(second.issued) == 2
    retired = second.registry.set_index("grid_code").loc[second.retired[0]]
    assert retired["status"] == "retired" and retired["retired_version"] == 2
    assert sorted(retired["successors"].split()) == second.issued
    assert [GridCode.parse(c).sequence for c in second.issued] == [5, 6]
    assert second.retired[0] in before.index

    diff = diff_grids(first.grids, second.grids).set_index("grid_code")
    assert diff.loc[second.retired[0], "status"] == "split"
    assert set(diff.loc[second.issued, "status"]) == {"split"}
    assert diff.loc[second.issued[0], "predecessors"] == second.retired[0]
    statuses = diff["status"].value_counts().to_dict()
    assert statuses == {"split": 3, "boundary changed": 2, "unchanged": 1}


def test_merge_is_reported() -> None:
    first = divide([0.25, 0.5, 0.75], gpd.GeoDataFrame(geometry=[], crs=4490), empty_registry(), 1)
    second = divide([0.5, 0.75], first.grids, first.registry, 2)
    diff = diff_grids(first.grids, second.grids)
    merged = diff[diff["status"] == "merged"]
    assert len(merged) == 3  # two retired grids and the one made from them
    new = merged[merged["area_before_km2"].isna()]
    assert len(new["predecessors"].iloc[0].split()) == 2


def test_level_grids_get_level_codes() -> None:
    units = gpd.GeoDataFrame(
        {
            "code": ["640122", "640122100", VILLAGE],
            "name": ["贺兰县", "金山镇", "红星村"],
            "level": ["county", "township", "village"],
        },
        geometry=[shapely.box(0, 0, 1, 1)] * 3,
        crs=4490,
    )
    rows = level_grid_rows(units)
    assert [code[:15] for code in rows["grid_code"]] == [
        "640122000000000",
        "640122100000000",
        "640122100201000",
    ]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(0.05, 0.95), min_size=0, max_size=6), min_size=1, max_size=6))
def test_a_code_is_never_reused(divisions: list[list[float]]) -> None:
    current = gpd.GeoDataFrame(geometry=[], crs=4490)
    registry = empty_registry()
    ever_retired: set[str] = set()
    for version, cuts in enumerate(divisions, start=1):
        cuts = sorted({round(c, 3) for c in cuts})
        result = divide(cuts, current, registry, version)
        registry, current = result.registry, result.grids
        codes = registry["grid_code"]
        assert not codes.duplicated().any()
        active = set(registry.loc[registry["status"] == "active", "grid_code"])
        assert active == set(current["grid_code"])
        assert not (active & ever_retired), "a retired code came back"
        ever_retired |= set(registry.loc[registry["status"] == "retired", "grid_code"])
        # The grids still tile the village exactly.
        assert shapely.coverage_is_valid(current.geometry.to_numpy())
        assert np.isclose(shapely.area(current.geometry.to_numpy()).sum(), WIDTH * HEIGHT)
