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

#: Words on printed maps (``gridgis figure``, notices, cards, filings).
FIGURE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "安全生产网格化监管示意图",
        "legend": "图例",
        "north": "北",
        "kilometres": "公里",
        "metres": "米",
        "base_grid": "基础网格（四级网格）",
        "village": "村（社区）界",
        "township": "乡镇（街道）界",
        "county": "县（市、区）界",
        "neighbour": "相邻村（社区）",
        "highlight": "本人负责网格",
        "county_row": "县（市、区）",
        "version_row": "数据版本",
        "date_row": "制图日期",
        "area_row": "制图范围",
        "maker_row": "制图",
        "whole_county": "全县",
    }
)

#: The supervision map (``gridgis map``): its title, layers, popup rows and legend.
MAP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "安全生产网格化监管示意图",
        "version": "版本",
        "generated": "生成于",
        "public": "公开版",
        "county": "县（市、区）界",
        "township": "乡镇（街道）界",
        "village": "村（社区）界",
        "grids": "基础网格",
        "sector": "行业专属网格",
        "enterprises": "生产经营单位（按风险等级）",
        "unassigned": "未落格单位",
        "undivided": "尚未划分网格的村（社区）",
        "grid_code": "网格编码",
        "level": "网格层级",
        "place": "所在村（社区）",
        "area": "面积",
        "units": "监管单位",
        "capacity": "监管负荷/能力",
        "admin_code": "区划代码",
        "parent": "所属乡镇（街道）",
        "level_grid": "层级网格编码",
        "base_grids": "基础网格数",
        "villages": "村（社区）数",
        "households": "户数",
        "uscc": "统一社会信用代码",
        "address": "详细地址",
        "sector_name": "行业",
        "risk": "风险等级",
        "grid": "所在网格",
        "sector_reason": "转入行业网格原因",
        "unassigned_reason": "未落格原因",
        "location": "位置",
        "approximate": "无坐标，标在填报村（社区）中心",
        "principal": "主要负责人",
        "phone": "联系电话",
        "email": "电子邮箱",
        "employees": "员工人数",
        "revenue": "营业收入（万元）",
        "major_hazard": "重大危险源",
        "unknown_risk": "风险等级未填",
        "neighbours": "基础网格（相邻网格颜色不同）",
        "not_drawn": "另有 {count} 家未落格单位无坐标、无法定位，见数据质量报告（gridgis report）",
        "pending": "单位尚未落格：运行 gridgis assign 后，地图显示其所在网格",
        # Why a unit went to a sector grid, by rule, for a public map (the full
        # reason of a large unit quotes its employees and revenue).
        "rule:large_scale": "大型企业",
        "rule:risk_level": "重大/较大风险",
        "rule:major_hazard": "重大危险源",
        "rule:uscc_list": "指定名单",
        "rule:over_capacity": "所在网格超出监管能力",
    }
)

#: The words of the map page itself (search box, controls), read by its script.
MAP_INTERFACE: Mapping[str, str] = MappingProxyType(
    {
        "search": "搜索：网格编码或名称、村名、单位名称、信用代码",
        "none": "没有找到",
        "legend": "图例",
        "blank": "无底图",
        "more": "还有 {count} 项，请输入更多字",
    }
)

#: The prefecture's map of its registry (``gridgis map REGISTRY``): what differs from the
#: supervision map's words (:data:`MAP_LABELS`, :data:`MAP_INTERFACE`).
REGISTRY_MAP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "安全生产网格化监管示意图",
        "grids": "基础网格",
        "county_name": "所属县（市、区）",
        "place": "所在地",
        "filing": "备案编号",
        "applied": "备案入库日期",
        "latest": "最新备案",
        "counties": "{count} 个县（市、区）",
        "not_filed": "尚未备案的县（市、区）：{names}",
        "search": "搜索：网格编码或名称、村名、乡镇名、县名",
    }
)

#: The grid statistics table (网格化统计表, Appendix A sample table 2).
STATISTICS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "sheet": "网格化统计表",
        "title": "安全生产网格化统计表",
        "reporter": "填报单位（盖章）：",
        "unit": "单位：个、家",
        "date": "填报日期：",
        "version": "数据版本：",
        "block1": "一、网格单元划分情况",
        "block2": "二、网格监管责任落实情况",
        "territorial": "横向属地网格数量",
        "sector": "纵向行业（专属）网格数量",
        "units": "纳入网格化监管范围的生产经营单位数量",
        "grids": "网格",
        "communities": "社区",
        "villages": "村",
        "other_areas": "居民区等",
        "in_ledger": "台账内",
        "placed": "已录入系统并落格",
        "rented": "租赁厂房、废弃厂房",
        "number": "序号",
        "row_name_header": "乡镇（街道）、部门、功能区",
        "row_kind": "类别",
        "row_code": "代码",
        "row_name": "名称",
        "kind_township": "乡镇（街道）",
        "kind_department": "部门",
        "kind_area": "功能区",
        "kind_unknown": "未能确定",
        "people_挂点领导": "挂点领导及职务",
        "people_网格安全监管责任人": "网格安全监管责任人及职务",
        "people_直接监管责任人": "直接监管责任人及职务",
        "people_网格员": "网格管理员及职务",
        "territorial_grids": "属地网格",
        "sector_grids": "专属网格",
        "total": "合计",
        "page": "第 &P 页，共 &N 页",
    }
)

#: The change table of a filing (``changes.xlsx``): column titles.
FILING_CHANGE_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "grid_code": "网格编码",
        "change": "调整类型",
        "kind": "网格类型",
        "level": "网格层级",
        "admin_code": "所在区划代码",
        "name": "网格名称",
        "predecessors": "前身网格",
        "successors": "后继网格",
        "area_before_km2": "调整前面积（平方公里）",
        "area_after_km2": "调整后面积（平方公里）",
        "enterprises_in": "迁入企业数",
        "enterprises_out": "迁出企业数",
        "staff_in": "新增网格人员",
        "staff_out": "减少网格人员",
    }
)
#: The sheet of ``changes.xlsx``.
FILING_SHEET = "网格调整明细"

#: Grid enterprise ledgers (网格化监管企业台帐, Appendix A sample table 1).
LEDGER_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "网格化监管企业台帐",
        "grid_code": "网格编码：",
        "grid_kind": "网格类型：",
        "place": "所属：",
        "members": "网格员：",
        "count": "生产经营单位（家）：",
        "date": "导出日期：",
        "kind_territorial": "属地网格",
        "kind_sector": "行业专属网格",
        "empty": "本网格暂无纳入监管的生产经营单位",
        "yes": "是",
        "no": "否",
        "page": "第 &P 页，共 &N 页",
    }
)

#: A grid's area in words (区域范围, 四至), on public notices.
SURROUNDINGS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "east": "东至",
        "south": "南至",
        "west": "西至",
        "north": "北至",
        "county_border": "县界",
        "bordering": "邻",
    }
)

#: A village's public notice of its grids and grid staff (公示, ``gridgis notice``).
NOTICE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "安全生产网格化管理公示",
        "village": "本村",
        "community": "本社区",
        "lead": (
            "根据安全生产网格化工作管理要求，{place}共划分为 {count} 个安全生产网格。"
            "现将各网格的名称、编码、区域范围及网格长、网格员公示如下，接受群众监督。"
            "发现安全隐患或对网格员履职有意见的，可向网格员反映，或拨打监督电话。"
        ),
        "caption": "网格划分示意图",
        "h_grid": "网格名称及编码",
        "h_area": "区域范围（四至）",
        "h_head": "网格长",
        "h_members": "网格员（专职/兼职）及电话",
        "no_phone": "（无电话）",
        "none": "（待配备）",
        "complaint": "监督电话：",
        "committee_village": "村民委员会",
        "committee_community": "居民委员会",
        "seal": "（盖章）",
        "note": "{county}（{code}），项目数据版本 {version}。{source}",
        "area_from_neighbours": "区域范围按网格边界及相邻网格、村（社区）生成。",
        "area_from_barriers": "区域范围按网格边界、相邻网格、村（社区）及道路、渠道生成。",
    }
)

#: Grid members' responsibility cards (网格员责任告知卡, ``gridgis cards``).
CARD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "网格员责任告知卡",
        "member": "网格员",
        "phone": "联系电话：",
        "no_phone": "（无）",
        "place": "所属：",
        "grids": "负责网格：",
        "many_grids": "全部 {count} 个网格",
        "thumbnail": "负责网格示意图",
        "tasks": "工作职责",
        "task_information": (
            "信息员：经常巡查网格内的生产经营单位、“三小”场所（小商店、小作坊、小餐饮等）"
            "和居民户，采集安全生产基本信息，发现事故隐患和非法违法生产经营行为及时报告。"
        ),
        "task_publicity": (
            "宣传员：向网格内单位和群众宣传安全生产法律法规和安全常识，"
            "督促生产经营单位落实安全生产主体责任。"
        ),
        "how_to_report": "如何报告",
        "step_fix": "能当场整改的隐患，督促当场整改并记录。",
        "step_report": "不能当场整改的，立即报告{office}。",
        "step_report_plain": "不能当场整改的，立即报告村（社区）网格工作站。",
        "step_escalate": "重大隐患或村（社区）无法处置的，同时报告{office}。",
        "step_time": "一般隐患 2～3 日内办结反馈，疑难的 7 日，经批准最长不超过 15 日。",
        "no_contact": "（联系人未配备）",
        "village_office": "网格工作站",
        "township_office": "网格化管理办公室",
        "department_office": "网格化管理办公室",
        "county_office": "县网格化管理办公室",
        "complaint": "监督电话：",
    }
)
#: The map (changes.html) and the figure (changes.png) of a filing's changes.
FILING_MAP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title": "网格调整示意图",
        "before": "调整前网格（虚线）",
        "after": "调整后网格",
        "context": "未调整的网格",
        "village": "村（社区）界",
        "code": "网格编码",
        "change": "调整类型",
        "name": "网格名称",
        "area": "面积",
        "predecessors": "前身网格",
        "successors": "后继网格",
        "county": "县（市、区）",
        "filing": "备案编号",
        "versions": "项目版本",
        "created": "生成时间",
        "note": "说明：虚线为调整前网格，填色为调整后网格。",
    }
)
#: The summary of a filing (summary.html), for the filing letter; ``{}`` fields are filled in.
FILING_SUMMARY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "title_first": "{county}安全生产网格划分备案说明",
        "title": "{county}安全生产网格调整备案说明",
        "filing": "备案编号",
        "county": "县（市、区）",
        "previous": "上次备案",
        "no_previous": "无（首次备案，报送全部网格）",
        "versions": "项目版本",
        "created": "生成时间",
        "software": "生成软件",
        "why": "一、调整原因",
        "no_note": "（未填写）",
        "what": "二、调整情况",
        "first_count": "首次报送网格",
        "changes": (
            "本次备案涉及网格 {changed} 个；{totals}。迁入企业 {moved_in} 家次，"
            "迁出企业 {moved_out} 家次；网格人员变动涉及 {staff} 处。明细见附件 changes.xlsx。"
        ),
        "totals": "调整后全县共有基础网格 {base} 个、行业专属网格 {sector} 个",
        "totals_all": "调整后全县共有网格 {current} 个（含各级层级网格）",
        "contact": "三、联系人",
        "office": "联系单位：{office}",
        "office_default": "县网格化管理办公室",
        "person": "联系人：{person}",
        "phone": "，电话 {phone}",
        "no_contact": (
            "（未登记联系人：请在 data/county.toml 填写县网格办及电话，"
            "或在人员名册中登记联系负责人）"
        ),
        "attachments": "四、附件",
        "attachment_list": (
            "grids.gpkg（调整前、调整后及现行网格，可用 QGIS 打开）；changes.xlsx、changes.csv"
            "（调整明细）；changes.html（调整示意图，离线可打开）；changes.png（打印图）；"
            "manifest.json（清单及校验值）。"
        ),
        "checksums": "各文件的 SHA-256 校验值见 manifest.json；可用 gridgis filing verify 校验。",
    }
)

#: ``gridgis locate``: who is responsible for a point, an address or a unit.
LOCATE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "outside_county": "在县界外，距县界 {distance} 米",
        "in_no_grid": "在县界内，但不在任何网格内（所在村尚无网格）",
        "grid": "网格 grid",
        "village": "村/社区 village",
        "township": "乡镇/街道 township",
        "people": "网格人员 people",
        "no_people": "（未导入人员名册 no roster imported）",
        "enterprise": "单位 unit",
        "sector_grid": "行业专属网格 sector grid",
        "department": "责任部门 department",
        "rules": "转入规则 rules",
        "not_placed": "未落格 no grid",
        "candidates": "候选网格 candidate grids",
        "unknown_uscc": "统一社会信用代码不在台账中 USCC not in the ledger",
    }
)

#: Hazard reports (``gridgis hazards``): the states of Appendix B's work loop, in order.
HAZARD_STATES: Mapping[str, str] = MappingProxyType(
    {
        "登记": "registered",
        "交办": "assigned",
        "上报": "escalated",
        "处置中": "in progress",
        "已办结": "closed",
    }
)

#: The four outcomes ``gridgis hazards list`` counts, and its sheets and rows.
HAZARD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "open": "在办（未超期）",
        "overdue": "超期未办结",
        "closed_on_time": "按期办结",
        "closed_late": "超期办结",
        "total": "合计",
        "scope": "层级",
        "unit": "单位",
        "township": "乡镇/街道",
        "department": "部门",
        "county": "全县",
        "no_township": "（未定位）",
        "no_department": "（无部门）",
        "summary_sheet": "汇总",
        "reports_sheet": "隐患清单",
        "events_sheet": "处置记录",
        "on_spot_result": "当场整改",
        "outcome": "办理情况",
        "today": "统计日期",
        "days_overdue": "超期天数",
    }
)

#: Why a hazard report went to a department (stored with the report).
HAZARD_ROUTES: Mapping[str, str] = MappingProxyType(
    {
        "sector": "单位在{grid}：{reason}",
        "category": "隐患类别“{category}”归{department}",
    }
)

#: The hazards layers of the supervision map (``gridgis map``): open reports by state.
HAZARD_MAP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "open": "在办隐患",
        "overdue": "超期未办结隐患",
        "status": "办理状态",
        "found": "发现时间",
        "category": "隐患类别",
        "level": "隐患等级",
        "description": "隐患描述",
        "place": "位置",
        "grid": "网格",
        "department": "责任部门",
        "deadline": "办结时限",
        "days_overdue": "超期天数",
        "members": "网格员",
        "grid_head": "网格长",
        "reporter": "上报人",
        "approximate": "无坐标，标在所属网格内",
        "overdue_days": "{days} 天",
    }
)
