"""The locate core on boxes: assign's tie rule and fallback, distances, people, units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import box_villages

from gridgis.errors import InputDataError
from gridgis.locate import LOCATED_COLUMNS, GridFinder, normalise_uscc

X0, Y0, STEP = 106.20, 38.50, 0.01


@pytest.fixture(scope="module")
def finder() -> GridFinder:
    """Township 640122100: 红星村 split in two grids, 新华村 and 河东村 one each."""
    villages = box_villages()
    west = shapely.box(X0, Y0, X0 + STEP / 2, Y0 + STEP)
    east = shapely.box(X0 + STEP / 2, Y0, X0 + STEP, Y0 + STEP)
    grids = gpd.GeoDataFrame(
        {
            "grid_code": [
                "6401221002010025",
                "6401221002010017",
                "6401221002020014",
                "640122100203001X",
                "6401220009060017",
            ],
            "kind": ["territorial"] * 4 + ["sector"],
            "level": ["base"] * 4 + ["county"],
            "admin_code": [
                "640122100201",
                "640122100201",
                "640122100202",
                "640122100203",
                "640122",
            ],
            "name": [
                "红星村第2网格",
                "红星村第1网格",
                "新华村第1网格",
                "河东村第1网格",
                "消防行业网格",
            ],
            "department": [None, None, None, None, 6],
        },
        geometry=[west, east, villages.geometry[1], villages.geometry[2], None],
        crs="EPSG:4490",
    )
    outline = shapely.union_all(villages.geometry.to_numpy())
    admin = gpd.GeoDataFrame(
        {
            "code": ["640122", "640122100", *villages["code"]],
            "name": ["贺兰县", "兴隆镇", *villages["name"]],
            "level": ["county", "township", "village", "village", "village"],
            "parent_code": [None, "640122", "640122100", "640122100", "640122100"],
        },
        geometry=[outline, outline, *villages.geometry],
        crs="EPSG:4490",
    )
    staff = pd.DataFrame(
        {
            "staff_id": ["s1", "s2", "s3", "s4"],
            "name": ["甲", "乙", "丙", "丁"],
            "role": ["网格员", "网格长", "挂点领导", "网格员"],
            "title": ["专职网格员", "村主任", "副镇长", "执法人员"],
            "duty": ["专职", None, None, None],
            "phone": ["139", "138", "137", "136"],
            "place_level": ["village", "village", "township", "department"],
            "grid_code": [None, None, None, None],
            "village_code": ["640122100201", "640122100201", None, None],
            "township_code": ["640122100", "640122100", "640122100", None],
            "department_number": [None, None, None, 6],
        }
    )
    assignments = pd.DataFrame(
        {
            "enterprise_id": ["E1", "E2", "E3", "E4"],
            "uscc": ["91640122MA0000000G", "91640122MA0000000G", "91640122MA0000001E", None],
            "name": ["甲厂", "甲厂（重复）", "乙厂", "丙坊"],
            "township": [None] * 4,
            "village": [None] * 4,
            "address": [None] * 4,
            "lon": [X0 + 0.002, X0 + 0.008, X0 + 0.015, X0 + 0.015],
            "lat": [Y0 + 0.005, Y0 + 0.005, Y0 + 0.005, Y0 + 0.006],
            "grid_code": [
                "6401221002010025",
                "6401221002010017",
                "6401220009060017",
                "6401221002020014",
            ],
            "kind": ["territorial", "territorial", "sector", "territorial"],
            "department": [1, 1, 6, None],
            "rules": [None, None, "risk_level", None],
            "reason": [None, None, "较大风险", None],
        }
    )
    return GridFinder(
        grids, admin, staff=staff, assignments=assignments, department_names={6: "县消防救援大队"}
    )


def _one(finder: GridFinder, **columns: object) -> pd.Series:
    row = {"lon": [np.nan], "lat": [np.nan], **{k: [v] for k, v in columns.items()}}
    return finder.locate(pd.DataFrame(row)).iloc[0]


def test_a_point_on_a_shared_edge_goes_to_the_smallest_code(finder: GridFinder) -> None:
    edge = _one(finder, lon=X0 + STEP / 2, lat=Y0 + STEP / 2)
    assert edge["grid_code"] == "6401221002010017"  # smaller than ...0025
    corner = _one(finder, lon=X0 + STEP, lat=Y0)  # 红星村 east, 新华村 and 河东村 meet here
    assert corner["grid_code"] == "6401221002010017"
    inside = _one(finder, lon=X0 + 0.002, lat=Y0 + 0.002)
    assert (inside["grid_code"], inside["village"], inside["township"]) == (
        "6401221002010025",
        "红星村",
        "兴隆镇",
    )


def test_a_point_outside_the_county_is_measured_to_its_border(finder: GridFinder) -> None:
    # 0.01 degree east of the county's east edge at 38.505 N: 870 m on the ground.
    outside = _one(finder, lon=X0 + 3 * STEP, lat=Y0 + 0.005)
    assert outside["grid_code"] is None and outside["reason_code"] == "outside_grids"
    assert outside["distance_m"] == pytest.approx(871.4, rel=0.01)
    assert outside["reason"] == f"在县界外，距县界 {outside['distance_m']:,.0f} 米"


def test_an_address_is_matched_as_assign_matches_it(finder: GridFinder) -> None:
    one = _one(finder, address="兴隆镇新华村3组")
    assert (one["grid_code"], one["method"]) == ("6401221002020014", "address")
    several = _one(finder, township="兴隆镇", village="红星村委会")
    assert several["grid_code"] is None and several["reason_code"] == "needs_coordinates"
    assert several["candidates"] == "6401221002010017 6401221002010025"
    nothing = _one(finder, address="不存在的地方")
    assert nothing["reason_code"] == "no_village_match"
    assert list(finder.locate(pd.DataFrame({"lon": [], "lat": []})).columns) == list(
        LOCATED_COLUMNS
    )


def test_the_people_of_a_grid_come_from_its_village_and_township(finder: GridFinder) -> None:
    people = finder.people(["6401221002010025"])
    assert people[["role", "name"]].values.tolist() == [
        ["挂点领导", "丙"],
        ["网格长", "乙"],
        ["网格员", "甲"],
    ]
    assert finder.members(pd.Series(["6401221002010017", "6401221002020014"])).tolist() == [
        "甲",
        None,
    ]
    assert finder.people(["6401220009060017"])["name"].tolist() == ["丁"]


def test_a_unit_is_found_by_its_code_with_its_sector_grid(finder: GridFinder) -> None:
    assert normalise_uscc(" 91640122ma0000001e ") == "91640122MA0000001E"
    units = finder.enterprises(["91640122ma0000001e", "91640122MA0000009X"])
    assert len(units) == 1
    unit = units.iloc[0]
    assert (unit["kind"], unit["assigned_grid"], unit["department"]) == (
        "sector",
        "6401220009060017",
        6,
    )
    assert unit["base_grid_code"] == "6401221002020014"  # where it stands: 新华村
    assert finder.department_name(unit["department"]) == "县消防救援大队"
    twice = finder.enterprises(["91640122MA0000000G"])
    assert twice["base_grid_code"].tolist() == ["6401221002010025", "6401221002010017"]


def test_a_project_without_base_grids_is_refused() -> None:
    villages = box_villages()
    grids = gpd.GeoDataFrame(
        {
            "grid_code": ["G"],
            "kind": ["territorial"],
            "level": ["village"],
            "admin_code": ["V"],
            "name": ["x"],
        },
        geometry=[villages.geometry[0]],
        crs="EPSG:4490",
    )
    with pytest.raises(InputDataError, match="no base grids"):
        GridFinder(grids, villages.assign(level="village", parent_code=None))
