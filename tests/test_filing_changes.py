"""The change table of a filing: one row per changed grid, with enterprises and staff moved."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from gridgis.changes import diff_grids
from gridgis.filing.changes import CHANGE_COLUMNS, change_table

VILLAGE = "640122100201"


def grids(*pieces: tuple[str, tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "grid_code": [code for code, _ in pieces],
            "kind": "territorial",
            "level": "base",
            "admin_code": VILLAGE,
            "name": [f"第{i}网格" for i in range(len(pieces))],
        },
        geometry=[shapely.box(*box) for _, box in pieces],
        crs="EPSG:4490",
    )


def staff(*people: tuple[str, str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "staff_id": staff_id,
                "name": name,
                "role": "网格员",
                "place_level": level,
                "grid_code": grid,
                "village_code": VILLAGE,
            }
            for staff_id, name, level, grid in people
        ]
    )


def test_a_split_lists_its_units_and_people_moving() -> None:
    old = "6401221002010015"
    west, east = "6401221002010023", "6401221002010031"
    before = grids((old, (106.2, 38.5, 106.22, 38.51)))
    after = grids((west, (106.2, 38.5, 106.21, 38.51)), (east, (106.21, 38.5, 106.22, 38.51)))
    diff = diff_grids(before, after)
    table = change_table(
        diff,
        grids_before=before,
        grids_after=after,
        assignments_before=pd.DataFrame(
            {"enterprise_id": ["a", "b", "c"], "grid_code": [old, old, old]}
        ),
        assignments_after=pd.DataFrame(
            {"enterprise_id": ["a", "b", "c"], "grid_code": [west, east, east]}
        ),
        staff_before=staff(("p1", "张三", "grid", old), ("p2", "李四", "village", None)),
        staff_after=staff(("p3", "王五", "grid", west), ("p2", "李四", "village", None)),
    )
    assert list(table.columns) == CHANGE_COLUMNS
    rows = table.set_index("grid_code")
    assert rows.loc[old, "change"] == "split"
    assert rows.loc[old, "successors"] == f"{west} {east}"
    assert rows.loc[old, "enterprises_out"] == 3 and rows.loc[old, "enterprises_in"] == 0
    assert rows.loc[east, "enterprises_in"] == 2 and rows.loc[west, "enterprises_in"] == 1
    assert rows.loc[west, "predecessors"] == old
    assert rows.loc[old, "staff_out"] == "张三（网格员）；李四（网格员）"
    # A village's people serve each of its base grids; the new member serves the west grid.
    assert rows.loc[west, "staff_in"] == "李四（网格员）；王五（网格员）"
    assert rows.loc[east, "staff_in"] == "李四（网格员）"
    assert abs(rows.loc[old, "area_before_km2"] - 2 * rows.loc[west, "area_after_km2"]) < 0.01


def test_unchanged_grids_are_not_listed_and_missing_tables_are_fine() -> None:
    same = grids(("6401221002010015", (106.2, 38.5, 106.21, 38.51)))
    table = change_table(
        diff_grids(same, same),
        grids_before=same,
        grids_after=same,
        assignments_before=pd.DataFrame(),
        assignments_after=pd.DataFrame(),
        staff_before=pd.DataFrame(),
        staff_after=pd.DataFrame(),
    )
    assert table.empty and list(table.columns) == CHANGE_COLUMNS
