"""Tests for gridgis.assign: the spatial join, its boundary rule, address fallback, outcomes."""

from __future__ import annotations

import itertools
import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis.admin import build_admin_units
from gridgis.assign import (
    ASSIGNMENT_COLUMNS,
    MATCH_METHODS,
    MISMATCH_COLUMNS,
    AddressMatcher,
    PointLocator,
    TerritorialAssigner,
    assign_territorial,
    canonical_township_name,
    canonical_village_name,
    locate_points,
    match_addresses,
    mismatch_report,
    placement_grids,
)
from gridgis.crs import gauss_kruger_crs
from gridgis.errors import CRSError, InputDataError
from gridgis.io.ledger import read_ledger
from gridgis.paths import DATA_DIR
from gridgis.render.labels import REASON_LABELS
from gridgis.testing import synthetic_villages

# --------------------------------------------------------------------------
# Hand-checkable boxes
#
#   y2 +-------------------------------+
#      |   E  640122104001 新华社区      |
#   y1 +-------+-------+---------------+-------+
#      |       |       |  D  202002    |       |
#      |  A    |  B    +---------------+   F   |   F: 640122201203 红星村 (河东乡)
#      | 201001| 201002|  C  202001    | 203001|
#   y0 +-------+-------+---------------+-------+
#      x0      x1      x2      x3      x4      x5
#
# A, B: 640122104201 红星村 (金山镇); C, D: 640122104202 光明村 (金山镇).
# Grid codes are the village code + a 3-digit sequence + a check character.
# --------------------------------------------------------------------------

STEP = 0.01
XS = [106.20 + k * STEP for k in range(6)]
YS = [38.50 + k * STEP for k in range(3)]
Y_HALF = 38.50 + 0.5 * STEP

RED_STAR = "640122104201"
BRIGHT = "640122104202"
NEW_CHINA = "640122104001"
RED_STAR_EAST = "640122201203"
CODE = {
    "A": RED_STAR + "0010",
    "B": RED_STAR + "0020",
    "C": BRIGHT + "0010",
    "D": BRIGHT + "0020",
    "E": NEW_CHINA + "0010",
    "F": RED_STAR_EAST + "0010",
}


def box_grids() -> gpd.GeoDataFrame:
    x0, x1, x2, _, x4, x5 = XS
    y0, y1, y2 = YS
    shapes = {
        "A": shapely.box(x0, y0, x1, y1),
        "B": shapely.box(x1, y0, x2, y1),
        "C": shapely.box(x2, y0, x4, Y_HALF),
        "D": shapely.box(x2, Y_HALF, x4, y1),
        "E": shapely.box(x0, y1, x4, y2),
        "F": shapely.box(x4, y0, x5, y1),
    }
    # Listed out of code order on purpose: the boundary rule must use codes.
    order = ["F", "D", "C", "B", "A", "E"]
    return gpd.GeoDataFrame(
        {
            "grid_code": [CODE[k] for k in order],
            "admin_code": [CODE[k][:12] for k in order],
            "label": order,
        },
        geometry=[shapes[k] for k in order],
        crs="EPSG:4490",
    )


def box_admin_units() -> gpd.GeoDataFrame:
    grids = box_grids()
    villages = grids.dissolve("admin_code").reset_index()
    names = {RED_STAR: "红星村", BRIGHT: "光明村", NEW_CHINA: "新华社区", RED_STAR_EAST: "红星村"}
    villages = gpd.GeoDataFrame(
        {"code": villages["admin_code"], "name": villages["admin_code"].map(names)},
        geometry=villages.geometry.to_numpy(),
        crs="EPSG:4490",
    )
    townships = gpd.GeoDataFrame(
        {"code": ["640122104", "640122201"], "name": ["金山镇", "河东乡"]},
        geometry=[
            shapely.union_all(villages.geometry[villages["code"].str[:9] == t].to_numpy())
            for t in ("640122104", "640122201")
        ],
        crs="EPSG:4490",
    )
    return build_admin_units([("townships", townships), ("villages", villages)]).units


@pytest.fixture(scope="module")
def grids() -> gpd.GeoDataFrame:
    return box_grids()


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return box_admin_units()


@pytest.fixture(scope="module")
def assigner(grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> TerritorialAssigner:
    return TerritorialAssigner(grids, units)


def labels_of(positions: np.ndarray, grids: gpd.GeoDataFrame) -> list[str | None]:
    return [grids["label"].iloc[p] if p >= 0 else None for p in positions]


# The expected grid of each hand-placed point, worked out from the picture.
HAND_POINTS = [
    ("inside A", XS[0] + 0.5 * STEP, YS[0] + 0.5 * STEP, "A"),
    ("inside C", XS[3], YS[0] + 0.25 * STEP, "C"),
    ("edge A|B", XS[1], YS[0] + 0.25 * STEP, "A"),
    ("edge B|C (village line)", XS[2], YS[0] + 0.25 * STEP, "B"),
    ("vertex B,C,D", XS[2], Y_HALF, "B"),
    ("edge C|D", XS[3], Y_HALF, "C"),
    ("edge A|E", XS[0] + 0.5 * STEP, YS[1], "E"),
    ("vertex A,B,E", XS[1], YS[1], "E"),
    ("vertex D,E,F", XS[4], YS[1], "E"),
    ("edge D|F (township line)", XS[4], YS[0] + 0.75 * STEP, "D"),
    ("outer edge of A", XS[0], Y_HALF, "A"),
    ("outer corner of A", XS[0], YS[0], "A"),
    ("outer corner of F", XS[5], YS[0], "F"),
    ("outer edge of E", XS[2], YS[2], "E"),
    ("west of everything", XS[0] - 1e-9, Y_HALF, None),
    ("north-east, in the bounding box but in no grid", XS[5] - 1e-4, YS[2] - 1e-4, None),
    ("far away", 110.0, 30.0, None),
    ("missing", math.nan, YS[0], None),
    ("infinite", math.inf, YS[0], None),
]


@pytest.mark.parametrize("max_cells", [None, 1, 64, 1 << 16])
def test_hand_points_and_boundary_rule(grids: gpd.GeoDataFrame, max_cells: int | None) -> None:
    locator = PointLocator(
        grids.geometry.to_numpy(), keys=grids["grid_code"].to_numpy(), max_cells=max_cells
    )
    lon = np.array([p[1] for p in HAND_POINTS])
    lat = np.array([p[2] for p in HAND_POINTS])
    found = labels_of(locator.locate(lon, lat), grids)
    expected = [p[3] for p in HAND_POINTS]
    assert dict(zip([p[0] for p in HAND_POINTS], found, strict=True)) == dict(
        zip([p[0] for p in HAND_POINTS], expected, strict=True)
    )


def test_boundary_rule_ignores_row_order(grids: gpd.GeoDataFrame) -> None:
    lon = np.array([p[1] for p in HAND_POINTS])
    lat = np.array([p[2] for p in HAND_POINTS])
    shuffled = grids.sample(frac=1, random_state=3)
    first = labels_of(locate_points(lon, lat, grids), grids)
    second = labels_of(locate_points(lon, lat, shuffled), shuffled)
    assert first == second


def test_locate_points_without_key_uses_row_order(grids: gpd.GeoDataFrame) -> None:
    # On the A|B edge, without codes the first row covering the point wins.
    frame = grids.drop(columns="grid_code")
    position = locate_points([XS[1]], [YS[0] + 0.25 * STEP], frame)
    assert frame["label"].iloc[position[0]] == "B"  # B is listed before A


def test_locate_handles_empty_input_and_empty_grids(grids: gpd.GeoDataFrame) -> None:
    assert locate_points([], [], grids).tolist() == []
    nothing = grids.iloc[:0]
    assert locate_points([XS[0]], [YS[0]], nothing).tolist() == [-1]
    with_missing = grids.copy()
    with_missing.loc[with_missing.index[0], "geometry"] = None
    # F (the first row) is gone; the rest still work.
    positions = locate_points([XS[4] + 0.5 * STEP, XS[0] + 0.001], [Y_HALF, Y_HALF], with_missing)
    assert labels_of(positions, with_missing) == [None, "A"]


def test_locate_rejects_mismatched_arrays(grids: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="equal length"):
        locate_points([1.0, 2.0], [1.0], grids)


def brute_force(grids: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
    """The boundary rule by exhaustion: smallest code among the grids that cover a point."""
    covers = np.column_stack(
        [shapely.intersects_xy(geometry, lon, lat) for geometry in grids.geometry]
    )
    codes = grids["grid_code"].to_numpy()
    result: list[str | None] = []
    for row in covers:
        result.append(min(codes[row]) if row.any() else None)
    return result


_VERTEX_X = st.sampled_from(XS)
_VERTEX_Y = st.sampled_from([*YS, Y_HALF])
_ANY_X = st.floats(XS[0] - STEP, XS[5] + STEP)
_ANY_Y = st.floats(YS[0] - STEP, YS[2] + STEP)
_POINT = st.one_of(
    st.tuples(_ANY_X, _ANY_Y),  # anywhere
    st.tuples(_VERTEX_X, _ANY_Y),  # on a vertical line through edges
    st.tuples(_ANY_X, _VERTEX_Y),  # on a horizontal line through edges
    st.tuples(_VERTEX_X, _VERTEX_Y),  # on vertices
)


@settings(max_examples=60, deadline=None)
@given(points=st.lists(_POINT, min_size=1, max_size=40), max_cells=st.sampled_from([4, 256, 4096]))
def test_locator_matches_brute_force(points: list[tuple[float, float]], max_cells: int) -> None:
    grids = box_grids()
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    locator = PointLocator(
        grids.geometry.to_numpy(), keys=grids["grid_code"].to_numpy(), max_cells=max_cells
    )
    positions = locator.locate(lon, lat)
    found = [grids["grid_code"].iloc[p] if p >= 0 else None for p in positions]
    assert found == brute_force(grids, lon, lat)


def holey_grids() -> gpd.GeoDataFrame:
    """A grid with a hole filled by another grid, and a two-part grid."""
    outer = shapely.Polygon(
        shapely.box(0, 0, 4, 4).exterior.coords, [shapely.box(1, 1, 2, 2).exterior.coords]
    )
    return gpd.GeoDataFrame(
        {"grid_code": ["G2", "G1", "G3"]},
        geometry=[
            outer,
            shapely.box(1, 1, 2, 2),
            shapely.MultiPolygon([shapely.box(4, 0, 5, 1), shapely.box(4, 3, 5, 4)]),
        ],
        crs="EPSG:4490",
    )


@pytest.mark.parametrize("polygon_driven_from", [0, 10**9])
def test_holes_multipolygons_and_both_exact_paths(
    monkeypatch: pytest.MonkeyPatch, polygon_driven_from: int
) -> None:
    # Both ways of testing points near edges (per point, per polygon) agree.
    monkeypatch.setattr("gridgis.assign.locator._POLYGON_DRIVEN_MIN", polygon_driven_from)
    grids = holey_grids()
    rng = np.random.default_rng(4)
    lon = np.concatenate(
        [rng.uniform(-0.5, 5.5, 3000), rng.integers(0, 6, 500) * 1.0, rng.integers(0, 6, 500) * 1.0]
    )
    lat = np.concatenate(
        [rng.uniform(-0.5, 4.5, 3000), rng.uniform(0, 4, 500), rng.integers(0, 5, 500) * 1.0]
    )
    for max_cells in (16, 4096):
        locator = PointLocator(
            grids.geometry.to_numpy(),
            keys=grids["grid_code"].to_numpy(),
            max_cells=max_cells,
            threads=2,
        )
        positions = locator.locate(lon, lat)
        found = [grids["grid_code"].iloc[p] if p >= 0 else None for p in positions]
        assert found == brute_force(grids, lon, lat)
    hole = locate_points([1.5, 1.0, 4.5, 4.5], [1.5, 1.5, 3.5, 2.0], grids)
    codes = [grids["grid_code"].iloc[p] if p >= 0 else None for p in hole]
    assert codes == ["G1", "G1", "G3", None]  # in the hole, on its edge, 2nd part, between


# --------------------------------------------------------------------------
# Agreement with geopandas on a synthetic county
# --------------------------------------------------------------------------


def split_into_grids(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cut each village by the quadrants of its bounding box: 1-4+ single-polygon grids."""
    rows = []
    for code, geometry in zip(villages["code"], villages.geometry, strict=True):
        minx, miny, maxx, maxy = geometry.bounds
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        quadrants = [
            shapely.box(minx, cy, cx, maxy),
            shapely.box(cx, cy, maxx, maxy),
            shapely.box(minx, miny, cx, cy),
            shapely.box(cx, miny, maxx, cy),
        ]
        pieces = shapely.get_parts(shapely.intersection(geometry, quadrants))
        pieces = pieces[shapely.area(pieces) > 0]
        for sequence, piece in enumerate(pieces, start=1):
            rows.append((f"{code}{sequence:03d}0", code, piece))
    return gpd.GeoDataFrame(
        {"grid_code": [r[0] for r in rows], "admin_code": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs="EPSG:4490",
    )


@pytest.fixture(scope="module")
def county_grids() -> gpd.GeoDataFrame:
    outline = gpd.read_file(DATA_DIR / "helan_county.geojson").geometry.iloc[0]
    villages = synthetic_villages(outline, villages=150, townships=8, seed=5, vertex_spacing=150)
    villages = villages.set_crs("EPSG:4490", allow_override=True)
    return split_into_grids(villages)


def test_agrees_with_sjoin_away_from_boundaries(county_grids: gpd.GeoDataFrame) -> None:
    assert len(county_grids) > 300
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = county_grids.total_bounds
    count = 20_000
    lon = rng.uniform(minx - 0.01, maxx + 0.01, count)
    lat = rng.uniform(miny - 0.01, maxy + 0.01, count)
    positions = locate_points(lon, lat, county_grids, threads=2)
    ours = np.where(positions >= 0, county_grids["grid_code"].to_numpy()[positions], None)

    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4490")
    joined = gpd.sjoin(
        points, county_grids[["grid_code", "geometry"]], predicate="within", how="left"
    )
    assert joined.index.is_unique  # within: at most one grid per point
    theirs = joined["grid_code"].astype(object).where(joined["grid_code"].notna(), None)

    metric = gauss_kruger_crs(106.2)
    edges = county_grids.boundary.to_crs(metric).to_numpy()
    _, distance = shapely.STRtree(edges).query_nearest(
        points.to_crs(metric).geometry.to_numpy(), return_distance=True, all_matches=False
    )
    far = distance > 1.0
    assert far.sum() > 0.99 * count
    disagree = far & (ours != theirs.to_numpy())
    assert not disagree.any(), f"{disagree.sum()} points disagree off the boundaries"
    assert (positions >= 0).sum() > 0.3 * count  # the test exercises both outcomes
    # One thread and two, big raster and tiny: the same answers.
    geometries = county_grids.geometry.to_numpy()
    keys = county_grids["grid_code"].to_numpy()
    for threads, max_cells in ((1, None), (2, 4096), (1, 1 << 20)):
        other = PointLocator(geometries, keys=keys, threads=threads, max_cells=max_cells)
        assert np.array_equal(other.locate(lon, lat), positions)


# --------------------------------------------------------------------------
# Names and addresses
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("红星村", "红星村"),
        ("红星村委会", "红星村"),
        ("红星村民委员会", "红星村"),
        ("红星村村委会", "红星村"),
        (" 红 星 村 ", "红星村"),
        ("红星村（原红星大队）", "红星村"),
        ("新华社区", "新华社区"),
        ("新华社区居委会", "新华社区"),
        ("新华社区居民委员会", "新华社区"),
        ("新华居委会", "新华社区"),
        ("ＸＩ村", "XI村"),
        (None, ""),
        (math.nan, ""),
    ],
)
def test_canonical_village_name(raw: object, canonical: str) -> None:
    assert canonical_village_name(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("金山镇", "金山镇"),
        ("金山镇人民政府", "金山镇"),
        ("凤翔街道办事处", "凤翔街道"),
        ("凤翔街办", "凤翔街道"),
        ("\u3000金山镇 ", "金山镇"),
    ],
)
def test_canonical_township_name(raw: str, canonical: str) -> None:
    assert canonical_township_name(raw) == canonical


ADDRESS_CASES = [
    # (township, village, address) -> (village code, how)
    (("金山镇", "光明村", None), (BRIGHT, "names")),
    (("金山", "光明村民委员会", None), (BRIGHT, "names")),
    (("金山镇人民政府", "光明", None), (BRIGHT, "names")),
    (("金　山　镇", "光明村委会", None), (BRIGHT, "names")),
    (("金山镇", "新华居委会", None), (NEW_CHINA, "names")),
    (("金山镇", "新华社区居委会", None), (NEW_CHINA, "names")),
    # 红星村 is in two townships: the township decides...
    (("金山镇", "红星村", None), (RED_STAR, "names")),
    (("河东乡", "红星村委会", None), (RED_STAR_EAST, "names")),
    # ...and without it the name alone is ambiguous.
    ((None, "红星村", None), (None, None)),
    # A unique village name alone, with a missing or wrong township.
    ((None, "光明村", None), (BRIGHT, "village_name")),
    (("河东乡", "光明村", None), (BRIGHT, "village_name")),
    # The address text.
    ((None, None, "宁夏贺兰县金山镇光明村三组12号"), (BRIGHT, "address_text")),
    ((None, None, "贺兰县金山镇新华居委会旁"), (NEW_CHINA, "address_text")),
    ((None, None, "贺兰县河东乡红星村五组"), (RED_STAR_EAST, "address_text")),
    (("金山镇", None, "红星村二队"), (RED_STAR, "address_text")),
    ((None, "光明村二组", None), (BRIGHT, "address_text")),
    ((None, None, "红星村五组"), (None, None)),  # two 红星村, no township
    ((None, None, "光明村与新华社区交界"), (NEW_CHINA, "address_text")),  # the longest name
    (("金山镇", None, "光明村与红星村交界"), (None, None)),  # two names as long
    ((None, None, "贺兰县某某路1号"), (None, None)),
    (("金山镇", "无名村", "不知道"), (None, None)),
    ((None, None, None), (None, None)),
]


def test_match_addresses_variants(units: gpd.GeoDataFrame) -> None:
    rows = pd.DataFrame(
        [case[0] for case in ADDRESS_CASES],
        columns=["township", "village", "address"],
        index=pd.RangeIndex(100, 100 + len(ADDRESS_CASES)),
    )
    matched = match_addresses(rows, units)
    assert list(matched.columns) == ["village_code", "how"]
    assert matched.index.equals(rows.index)
    found = [
        (None if pd.isna(code) else code, None if pd.isna(how) else how)
        for code, how in zip(matched["village_code"], matched["how"], strict=True)
    ]
    expected = [case[1] for case in ADDRESS_CASES]
    mismatched = [
        (case[0], got, want)
        for case, got, want in zip(ADDRESS_CASES, found, expected, strict=True)
        if got != want
    ]
    assert not mismatched
    assert set(matched["how"].dropna()) <= set(MATCH_METHODS)


def test_match_addresses_can_skip_the_address(units: gpd.GeoDataFrame) -> None:
    rows = pd.DataFrame({"township": [None], "village": [None], "address": ["金山镇光明村"]})
    assert match_addresses(rows, units, use_address=False)["village_code"].isna().all()


def test_match_addresses_missing_columns(units: gpd.GeoDataFrame) -> None:
    rows = pd.DataFrame({"village": ["光明村", None]})
    matched = match_addresses(rows, units)
    assert matched["village_code"].iloc[0] == BRIGHT
    assert pd.isna(matched["village_code"].iloc[1])


def test_address_matcher_needs_columns() -> None:
    with pytest.raises(InputDataError, match="level"):
        AddressMatcher(pd.DataFrame({"code": [], "name": []}))


# --------------------------------------------------------------------------
# Territorial assignment
# --------------------------------------------------------------------------


def enterprise_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("township", "village", "address"):
        if column not in frame.columns:
            frame[column] = None
    for column in ("lon", "lat"):
        frame[column] = pd.to_numeric(frame.get(column), errors="coerce").astype("float64")
    return frame


def test_assign_cases(assigner: TerritorialAssigner) -> None:
    inside_a = (XS[0] + 0.5 * STEP, YS[0] + 0.5 * STEP)
    rows = enterprise_frame(
        [
            # 0: a point in A, declaring its own village
            {"lon": inside_a[0], "lat": inside_a[1], "township": "金山镇", "village": "红星村"},
            # 1: a point in A, declaring 光明村: placed in A, flagged
            {"lon": inside_a[0], "lat": inside_a[1], "township": "金山镇", "village": "光明村"},
            # 2: no coordinates, single-grid village 新华社区 -> E by address
            {"township": "金山镇", "village": "新华居委会"},
            # 3: no coordinates, 光明村 has two grids -> needs coordinates
            {"township": "金山镇", "village": "光明村"},
            # 4: no coordinates, unknown village
            {"township": "金山镇", "village": "无名村", "address": "无"},
            # 5: outside every grid, declaring 光明村: never moved there
            {"lon": 106.0, "lat": 38.0, "township": "金山镇", "village": "光明村"},
            # 6: on the vertex B, C, D: the smallest code (B)
            {"lon": XS[2], "lat": Y_HALF},
            # 7: no coordinates, found in the address text
            {"address": "贺兰县河东乡红星村五组"},
        ]
    )
    rows.index = pd.Index([10, 11, 12, 13, 14, 15, 16, 17])
    result = assigner.assign(rows)
    assert list(result.columns) == list(ASSIGNMENT_COLUMNS)
    assert result.index.equals(rows.index)
    got = result.astype(object).where(result.notna(), None)

    assert got.loc[10, ["grid_code", "method", "located_village", "declared_village"]].tolist() == [
        CODE["A"],
        "spatial",
        RED_STAR,
        RED_STAR,
    ]
    assert not got.loc[10, "mismatch"]
    assert got.loc[11, "grid_code"] == CODE["A"]
    assert got.loc[11, "declared_village"] == BRIGHT
    assert got.loc[11, "mismatch"]

    assert got.loc[12, ["grid_code", "method", "declared_how"]].tolist() == [
        CODE["E"],
        "address",
        "names",
    ]
    assert got.loc[12, "reason"] is None

    assert got.loc[13, "grid_code"] is None
    assert got.loc[13, "reason_code"] == "needs_coordinates"
    assert got.loc[13, "candidates"] == f"{CODE['C']} {CODE['D']}"
    assert "光明村" in got.loc[13, "reason"] and "2 个网格" in got.loc[13, "reason"]

    assert got.loc[14, "reason_code"] == "no_village_match"
    assert got.loc[14, "reason"].startswith("无坐标")

    assert got.loc[15, "grid_code"] is None
    assert got.loc[15, "reason_code"] == "outside_grids"
    assert re.search(r"在县界外，距县界超过 \d+ 公里", got.loc[15, "reason"])
    assert "所填村为光明村 (640122104202)" in got.loc[15, "reason"]
    assert got.loc[15, "declared_village"] == BRIGHT
    assert not got.loc[15, "mismatch"]

    assert got.loc[16, "grid_code"] == CODE["B"]
    assert got.loc[17, ["grid_code", "method", "declared_how"]].tolist() == [
        CODE["F"],
        "address",
        "address_text",
    ]
    assert not result["mismatch"].loc[[12, 13, 14, 15, 16, 17]].any()


def test_unusable_coordinates_are_named(assigner: TerritorialAssigner) -> None:
    rows = enterprise_frame([{"township": "金山镇", "village": "无名村"}])
    rows["lon_input"] = [999.0]
    rows["lat_input"] = [38.5]
    result = assigner.assign(rows)
    assert result["reason"].iloc[0].startswith("坐标无效")


def test_point_in_village_without_grid(units: gpd.GeoDataFrame) -> None:
    without_f = box_grids()
    without_f = without_f[without_f["label"] != "F"]
    rows = enterprise_frame(
        [
            {"lon": XS[4] + 0.5 * STEP, "lat": Y_HALF},
            {"township": "河东乡", "village": "红星村"},
        ]
    )
    result = assign_territorial(rows, without_f, units)
    assert result["reason_code"].tolist() == ["outside_grids", "village_without_grid"]
    assert "位于红星村 (640122201203)，该村尚无网格" in result["reason"].iloc[0]
    assert "未填所属村" in result["reason"].iloc[0]


def test_chunks_give_the_same_result(assigner: TerritorialAssigner) -> None:
    rng = np.random.default_rng(2)
    count = 400
    rows = enterprise_frame(
        [
            {"lon": x, "lat": y, "township": t, "village": v}
            for x, y, t, v in zip(
                rng.uniform(XS[0] - STEP, XS[5] + STEP, count),
                rng.uniform(YS[0] - STEP, YS[2] + STEP, count),
                rng.choice(["金山镇", "河东乡", None], count),
                rng.choice(["红星村", "光明村", "新华社区", None], count),
                strict=True,
            )
        ]
    )
    rows.loc[rows.index % 7 == 0, ["lon", "lat"]] = np.nan
    whole = assigner.assign(rows)
    chunks = pd.concat([assigner.assign(rows.iloc[i : i + 64]) for i in range(0, count, 64)])
    pd.testing.assert_frame_equal(whole, chunks)


_LON = st.one_of(st.just(math.nan), st.floats(XS[0] - STEP, XS[5] + STEP), _VERTEX_X)
_LAT = st.one_of(st.just(math.nan), st.floats(YS[0] - STEP, YS[2] + STEP), _VERTEX_Y)
_ROW = st.fixed_dictionaries(
    {
        "lon": _LON,
        "lat": _LAT,
        "township": st.sampled_from([None, "", "金山镇", "金山", "河东乡", "不存在镇"]),
        "village": st.sampled_from(
            [None, "", "红星村", "红星村委会", "光明村", "新华居委会", "无名村"]
        ),
        "address": st.one_of(
            st.none(), st.sampled_from(["金山镇光明村3组", "红星村", "无"]), st.text(max_size=12)
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_ROW, min_size=1, max_size=30))
def test_every_row_has_exactly_one_outcome(rows: list[dict[str, object]]) -> None:
    assigner = _shared_assigner()
    frame = enterprise_frame(rows)
    result = assigner.assign(frame)
    assert len(result) == len(frame)
    assert result.index.equals(frame.index)
    placed = result["grid_code"].notna()
    explained = result["reason"].notna()
    assert (placed ^ explained).all()  # exactly one of the two
    assert result["method"].notna().equals(placed)
    assert result["reason_code"].notna().equals(explained)
    assert set(result["reason_code"].dropna()) <= set(REASON_LABELS)
    assert set(result["method"].dropna()) <= {"spatial", "address"}
    assert set(result["grid_code"].dropna()) <= set(CODE.values())
    has_point = frame["lon"].notna() & frame["lat"].notna()
    assert (result["method"] == "spatial").eq(placed & has_point).all()
    assert not (result["mismatch"] & ~placed).any()
    needs = result["reason_code"] == "needs_coordinates"
    assert result["candidates"].notna().equals(needs)


_ASSIGNER_CACHE: list[TerritorialAssigner] = []


def _shared_assigner() -> TerritorialAssigner:
    """One assigner for every hypothesis example (fixtures do not mix with @given)."""
    if not _ASSIGNER_CACHE:
        _ASSIGNER_CACHE.append(TerritorialAssigner(box_grids(), box_admin_units()))
    return _ASSIGNER_CACHE[0]


def test_placement_grids_pick_base_and_undivided_villages() -> None:
    base = box_grids().assign(kind="territorial", level="base")
    base = base[base["admin_code"] != BRIGHT]  # 光明村 not divided yet
    village_level = gpd.GeoDataFrame(
        {
            "grid_code": [RED_STAR + "0000", BRIGHT + "0000"],
            "kind": "territorial",
            "level": "village",
            "admin_code": [RED_STAR, BRIGHT],
        },
        geometry=[shapely.box(XS[0], YS[0], XS[2], YS[1]), shapely.box(XS[2], YS[0], XS[4], YS[1])],
        crs="EPSG:4490",
    )
    sector = gpd.GeoDataFrame(
        {
            "grid_code": ["640122000901001X"],
            "kind": "sector",
            "level": "base",
            "admin_code": [None],
        },
        geometry=[shapely.box(XS[0], YS[0], XS[5], YS[2])],
        crs="EPSG:4490",
    )
    layer = pd.concat([village_level, sector, base], ignore_index=True)
    chosen = placement_grids(layer)
    assert chosen["grid_code"].tolist() == sorted(
        [CODE["A"], CODE["B"], BRIGHT + "0000", CODE["E"], CODE["F"]]
    )
    # The layer as stored can be passed straight in.
    rows = enterprise_frame([{"lon": XS[3], "lat": Y_HALF}, {"lon": XS[1], "lat": Y_HALF}])
    result = assign_territorial(rows, layer, box_admin_units())
    assert result["grid_code"].tolist() == [BRIGHT + "0000", CODE["A"]]


def test_bad_inputs(grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="reproject"):
        TerritorialAssigner(grids.to_crs(4544), units)
    with pytest.raises(CRSError, match="no CRS"):
        TerritorialAssigner(grids.set_crs(None, allow_override=True), units)
    with pytest.raises(InputDataError, match="admin_code"):
        TerritorialAssigner(grids.drop(columns="admin_code"), units)
    with pytest.raises(InputDataError, match="lat, lon"):
        assign_territorial(pd.DataFrame({"village": ["光明村"]}), grids, units)


def test_mismatch_report_on_boxes(assigner: TerritorialAssigner, units: gpd.GeoDataFrame) -> None:
    rows = enterprise_frame(
        [
            {"lon": XS[0] + 0.5 * STEP, "lat": Y_HALF, "village": "光明村", "name": "甲厂"},
            {"lon": XS[3], "lat": YS[0] + 0.25 * STEP, "village": "光明村", "name": "乙厂"},
        ]
    )
    report = mismatch_report(assigner.assign(rows), rows, units)
    assert list(report.columns) == list(MISMATCH_COLUMNS)
    assert report["name"].tolist() == ["甲厂"]
    first = report.iloc[0]
    assert (first["declared_village_name"], first["located_village_name"]) == ("光明村", "红星村")
    # 1.5 box widths of longitude at 38.5°N: about 1,305 m.
    assert first["distance_m"] == pytest.approx(
        1.5 * STEP * 111_320 * math.cos(math.radians(38.5)), rel=0.01
    )


# --------------------------------------------------------------------------
# The demo county and its ledger
# --------------------------------------------------------------------------

BIG_VILLAGE = "640122101204"  # 谢家井村


@pytest.fixture(scope="module")
def demo() -> dict[str, object]:
    folder = DATA_DIR / "demo"
    townships = gpd.read_file(folder / "townships.geojson").set_crs(4490, allow_override=True)
    villages = gpd.read_file(folder / "villages.geojson").set_crs(4490, allow_override=True)
    units = build_admin_units([("townships", townships), ("villages", villages)]).units
    # Villages as grids, except 谢家井村, cut into three north-south strips.
    grids = villages.rename(columns={"code": "admin_code"})[["admin_code", "geometry"]]
    grids = grids.assign(grid_code=grids["admin_code"] + "0010")
    big = grids[grids["admin_code"] == BIG_VILLAGE].geometry.iloc[0]
    minx, miny, maxx, maxy = big.bounds
    cuts = np.linspace(minx, maxx, 4)
    strips = [
        shapely.intersection(big, shapely.box(a, miny, b, maxy))
        for a, b in itertools.pairwise(cuts)
    ]
    big_grids = gpd.GeoDataFrame(
        {"admin_code": BIG_VILLAGE, "grid_code": [f"{BIG_VILLAGE}{k:03d}0" for k in range(1, 4)]},
        geometry=strips,
        crs="EPSG:4490",
    )
    grids = pd.concat([grids[grids["admin_code"] != BIG_VILLAGE], big_grids], ignore_index=True)
    ledger = read_ledger(folder / "enterprises.xlsx").enterprises
    truth = pd.read_csv(folder / "enterprises_truth.csv", dtype={"village_code": str})
    faults = json.loads((folder / "ledger_faults.json").read_text(encoding="utf-8"))
    assigned = assign_territorial(ledger, gpd.GeoDataFrame(grids, crs="EPSG:4490"), units)
    return {
        "units": units,
        "ledger": ledger,
        "truth": truth,
        "faults": faults,
        "assigned": assigned,
        "big_grids": big_grids,
    }


def test_demo_rows_land_in_their_true_village(demo: dict[str, object]) -> None:
    ledger: pd.DataFrame = demo["ledger"]  # type: ignore[assignment]
    assigned: pd.DataFrame = demo["assigned"]  # type: ignore[assignment]
    truth: pd.DataFrame = demo["truth"]  # type: ignore[assignment]
    faults: dict[str, list[int]] = demo["faults"]  # type: ignore[assignment]
    grid_village = assigned["grid_code"].str[:12]
    frame = pd.DataFrame(
        {"row": ledger["row"], "village": grid_village, "method": assigned["method"]}
    )
    frame = frame.merge(truth, left_on="row", right_on="序号", validate="one_to_one")
    # Rows without a true village (moved outside the county) and the row
    # without coordinates in the big village are not placed.
    expected_unplaced = {*faults["outside_county"], *faults["missing_coordinates_big_village"]}
    checked = frame[~frame["row"].isin(expected_unplaced)]
    assert checked["village_code"].notna().all()
    wrong = checked[checked["village"] != checked["village_code"]]
    assert wrong.empty, wrong.head().to_string()
    assert len(checked) == len(ledger) - len(expected_unplaced)
    # Conservation on the real ledger.
    assert (assigned["grid_code"].notna() ^ assigned["reason"].notna()).all()


def test_demo_faulty_rows(demo: dict[str, object]) -> None:
    ledger: pd.DataFrame = demo["ledger"]  # type: ignore[assignment]
    assigned: pd.DataFrame = demo["assigned"]  # type: ignore[assignment]
    faults: dict[str, list[int]] = demo["faults"]  # type: ignore[assignment]
    big_grids: gpd.GeoDataFrame = demo["big_grids"]  # type: ignore[assignment]
    by_row = assigned.set_axis(ledger["row"].to_numpy())

    (single,) = faults["missing_coordinates_single_grid_village"]
    assert by_row.loc[single, "method"] == "address"
    assert by_row.loc[single, "grid_code"] == "6401221042080010"  # 光明村's one grid

    (big,) = faults["missing_coordinates_big_village"]
    assert pd.isna(by_row.loc[big, "grid_code"])
    assert by_row.loc[big, "reason_code"] == "needs_coordinates"
    assert "谢家井村" in by_row.loc[big, "reason"]
    assert by_row.loc[big, "candidates"].split() == big_grids["grid_code"].tolist()

    (outside,) = faults["outside_county"]
    assert by_row.loc[outside, "reason_code"] == "outside_grids"
    assert "在县界外" in by_row.loc[outside, "reason"]
    declared = ledger.set_index("row").loc[outside, "village"]
    assert declared and declared in by_row.loc[outside, "reason"]


def test_demo_mismatch_report(demo: dict[str, object]) -> None:
    ledger: pd.DataFrame = demo["ledger"]  # type: ignore[assignment]
    assigned: pd.DataFrame = demo["assigned"]  # type: ignore[assignment]
    faults: dict[str, list[int]] = demo["faults"]  # type: ignore[assignment]
    report = mismatch_report(assigned, ledger, demo["units"])  # type: ignore[arg-type]
    assert report["row"].tolist() == faults["declared_village_mismatch"]
    row = report.iloc[0]
    # The ledger declares one village; the true point lies in its neighbour.
    truth = demo["truth"].set_index("序号")  # type: ignore[attr-defined]
    names = demo["units"].set_index("code")["name"]  # type: ignore[attr-defined]
    declared = ledger.set_index("row").loc[row["row"], "village"]
    located = names[truth.loc[row["row"], "village_code"]]
    assert declared != located
    assert (row["declared_village_name"], row["located_village_name"]) == (declared, located)
    # make_demo.py puts the point 50-150 m inside the neighbour.
    assert 50 < row["distance_m"] < 150
