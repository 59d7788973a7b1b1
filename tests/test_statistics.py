"""The statistics table's rows: townships, departments, and functional areas (化工园区)."""

from __future__ import annotations

import pandas as pd

from gridgis.render.statistics import statistics_frame
from gridgis.statistics import count_statistics, is_functional_area


def _county_with_a_park() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    admin = pd.DataFrame(
        {
            "code": ["640122", "640122100", "640122100201", "640122400", "640122400201"],
            "name": ["贺兰县", "金山镇", "红星村", "暖泉化工园区管委会", "园区一社区"],
            "level": ["county", "township", "village", "township", "village"],
        }
    )
    grids = pd.DataFrame(
        {
            "grid_code": ["G1", "P1", "P2", "S1"],
            "kind": ["territorial", "territorial", "territorial", "sector"],
            "level": ["base", "base", "base", "county"],
            "admin_code": ["640122100201", "640122400201", "640122400201", "640122"],
            "department": [None, None, None, 1],
            "name": ["红星村第1网格", "园区第1网格", "园区第2网格", "应急"],
        }
    )
    units = pd.DataFrame(
        {
            "grid_code": ["G1", "P1", "P2", "P2", "S1", None],
            "kind": ["territorial"] * 4 + ["sector", None],
            "department": [None, None, None, None, 1, None],
            "located_village": [
                "640122100201",
                "640122400201",
                "640122400201",
                "640122400201",
                None,
                "640122400201",
            ],
            "declared_village": [None] * 6,
            "rented_or_abandoned": [False, True, False, False, False, False],
        }
    )
    staff = pd.DataFrame(
        {
            "name": ["王五"],
            "role": ["挂点领导"],
            "title": ["管委会主任"],
            "place_level": ["township"],
            "township_code": ["640122400"],
            "department_number": [None],
        }
    )
    return grids, admin, units, staff


def test_a_township_level_code_from_400_is_a_functional_area() -> None:
    assert not is_functional_area("640122001")  # a street
    assert not is_functional_area("640122399")  # a township
    assert is_functional_area("640122400")
    assert is_functional_area("640122599")
    assert not is_functional_area("640122600")


def test_a_park_gets_its_own_row_after_the_departments() -> None:
    grids, admin, units, staff = _county_with_a_park()
    table = count_statistics(grids, admin, units, staff, {1: "县应急管理局"})
    rows = [(r.kind, r.name, r.units.in_ledger, r.units.placed) for r in table.rows]
    assert rows == [
        ("township", "金山镇", 1, 1),
        ("department", "县应急管理局", 1, 1),
        ("area", "暖泉化工园区管委会", 4, 3),
    ]
    park = table.rows[-1]
    assert park.territorial_grids == 2 and park.units.rented_or_abandoned == 1
    assert "王五" in park.people.get("挂点领导", "")
    # The rows still add up to the top block.
    assert table.units.in_ledger == sum(r.units.in_ledger for r in table.rows) == 6
    labels = statistics_frame(table).iloc[:, 1].tolist()
    assert labels[:3] == ["乡镇（街道）", "部门", "功能区"]
