"""Every Chinese (and English) label gridgis shows, in one place.

Terminal tables, workbooks, maps and messages take their labels from here, so a
term is worded once. Column titles of stored layers are declared with the
columns themselves, in :mod:`gridgis.schema`. This module is data only and
imports nothing, so any module may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Grid kinds: the three axes a grid code tells apart.
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {"level": "层级网格", "base": "基础网格", "sector": "行业专属网格"}
)
#: The levels a grid can sit at.
LEVEL_LABELS: Mapping[str, str] = MappingProxyType(
    {"county": "县级", "township": "乡镇级", "village": "村级", "base": "四级(基础)"}
)

#: The guideline's six roles (docs/domain.md, "People and roles"), in English.
ROLE_NAMES_EN: Mapping[str, str] = MappingProxyType(
    {
        "挂点领导": "linked leader",
        "网格安全监管责任人": "responsible person",
        "直接监管责任人": "direct supervisor",
        "网格长": "grid head",
        "网格员": "grid member",
        "联系负责人": "contact person",
    }
)

#: How a grid changed between two versions (``gridgis diff``).
STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "new": "新增",
        "split": "拆分",
        "merged": "合并",
        "boundary changed": "边界调整",
        "retired": "撤销",
        "unchanged": "未变",
    }
)

#: Why a row is left without a territorial grid; stored as the assignment's reason.
REASON_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "needs_coordinates": (
            "无坐标，所属村有多个网格 no coordinates, the village has several grids"
        ),
        "outside_grids": "坐标不在任何网格内 the point lies outside every grid",
        "no_village_match": "无坐标，名称和地址匹配不到村 no coordinates, no village matches",
        "village_without_grid": "无坐标，所属村尚无网格 no coordinates, the village has no grid",
    }
)

#: The rules that send a unit to a county-level sector grid (docs/rules.md).
RULE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "large_scale": "规模以上大型 large scale",
        "risk_level": "重大/较大风险 high risk",
        "major_hazard": "重大危险源 major hazard",
        "uscc_list": "指定名单 listed USCC",
        "over_capacity": "网格超能力 over capacity",
    }
)

#: The problems a ledger import finds, row by row.
PROBLEM_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "invalid_uscc": "统一社会信用代码无效 invalid USCC",
        "duplicate_uscc": "统一社会信用代码重复 duplicate USCC",
        "missing_uscc": "无统一社会信用代码 no USCC",
        "missing_name": "无企业名称 no name",
        "missing_coordinates": "无坐标 no coordinates",
        "invalid_coordinates": "坐标无法识别 unreadable coordinates",
        "swapped_coordinates": "经纬度颠倒（已纠正） swapped lon/lat (fixed)",
        "coordinates_out_of_range": "坐标超出范围 coordinates out of range",
        "outside_county": "坐标在县外 outside the county",
        "unknown_coordinate_system": "坐标系无法识别 unknown coordinate system",
        "invalid_number": "数值无法识别 unreadable number",
        "unrecognised_value": "取值无法识别 unrecognised value",
    }
)

#: What ``gridgis check`` checks.
CHECK_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "code": "代码 codes",
        "empty": "空几何 empty geometry",
        "containment": "包含 containment",
        "overlap": "重叠 overlaps",
        "gap": "缝隙 gaps",
        "uncovered": "未覆盖 uncovered area",
        "sliver": "碎片 slivers",
        "grid_code": "网格编码 grid codes",
        "grid_shape": "单一多边形 single polygons",
        "tiling": "网格铺满村 grids tile villages",
    }
)

#: The sheets of the data-quality workbook (``gridgis report``), one per problem.
REPORT_SHEETS: Mapping[str, str] = MappingProxyType(
    {
        "summary": "汇总",
        "invalid_uscc": "统一社会信用代码无效",
        "duplicates": "统一社会信用代码重复",
        "swapped": "经纬度颠倒",
        "outside": "坐标在县外",
        "mismatch": "所属村与坐标不符",
        "unassigned": "未落格",
    }
)

#: Headers of columns the report adds to stored ones (whose titles are in the schema).
REPORT_COLUMN_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "detail": "问题说明",
        "reason": "原因",
        "declared_name": "填报村",
        "located_name": "坐标所在村",
        "copies": "重复次数",
        "sheet": "问题",
        "rows": "行数",
        "check": "检查",
    }
)
