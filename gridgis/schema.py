"""What a project stores: every layer and table, its columns, their types and Chinese titles.

This is the one declaration of the project's schema. The store takes from it
which layers keep their history and by which key (:data:`VERSIONED_LAYERS`);
the use cases take the columns a layer is written with (:func:`conform`); the
report and the exports take their Chinese headers (:func:`titles`); and a
test checks the demo project's tables against it, column for column.

- **Layers with history** (``admin_units``, ``grids``, ``enterprises``,
  ``assignments``, ``staff``) also carry ``valid_from``, ``valid_to`` and
  ``row_hash`` (:data:`HISTORY_COLUMNS`), added by the store; they are not
  listed per layer. See docs/design.md, "Project store and history".
- **Tables** are replaced or appended whole by the command that owns them.
- Column types are the store's: ``text``, ``integer``, ``real``, ``boolean``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import pandas as pd

ColumnType = Literal["text", "integer", "real", "boolean"]

#: The layout of the store this release writes. 1: every grid's geometry in
#: ``grids``, as MultiPolygon. 2: ``grids`` is a Polygon layer holding the base
#: grids' shapes; a level grid's shape is its admin unit's, a sector grid's is
#: in ``sector_cells``; current per-level views; ``settings``; Chinese column
#: titles. :mod:`gridgis.io.upgrade` moves a project from one to the next.
SCHEMA_VERSION = 2

#: The history columns every layer with history carries (written by the store).
HISTORY_COLUMNS: tuple[str, ...] = ("valid_from", "valid_to", "row_hash")
#: Their titles.
HISTORY_TITLES: Mapping[str, str] = MappingProxyType(
    {"valid_from": "启用版本", "valid_to": "停用版本", "row_hash": "行哈希"}
)


@dataclass(frozen=True)
class Column:
    """One column: its name, its type in the store and its Chinese title."""

    name: str
    type: ColumnType
    title: str


@dataclass(frozen=True)
class Table:
    """A stored layer or table.

    Attributes
    ----------
    name : str
        The GeoPackage table name.
    title : str
        What it holds, in Chinese and English (the table's description).
    columns : tuple of Column
        Its attribute columns, in order (without history columns).
    geometry : str or None
        The GeoPackage geometry type, or None for a plain table.
    key : str or None
        The column identifying a row across versions, for a layer with history.
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    geometry: str | None = None
    key: str | None = None

    @property
    def has_history(self) -> bool:
        """Say whether the layer keeps every row with ``valid_from``/``valid_to``."""
        return self.key is not None

    @property
    def column_names(self) -> list[str]:
        """The attribute column names, in order."""
        return [column.name for column in self.columns]


def _columns(*specs: tuple[str, ColumnType, str]) -> tuple[Column, ...]:
    return tuple(Column(name, kind, title) for name, kind, title in specs)


_LEDGER_FIELDS = _columns(
    ("name", "text", "企业名称"),
    ("uscc", "text", "统一社会信用代码"),
    ("uscc_valid", "boolean", "信用代码有效"),
    ("uscc_duplicate", "boolean", "信用代码重复"),
    ("address", "text", "详细地址"),
    ("principal", "text", "主要负责人"),
    ("phone", "text", "联系电话"),
    ("email", "text", "电子邮箱"),
    ("employees", "integer", "员工人数"),
    ("products", "text", "生产/经营/储存主要产品"),
    ("licensed", "boolean", "是否注册营业执照"),
    ("township", "text", "所属乡/镇/街道"),
    ("village", "text", "所属村/社区"),
    ("sector", "text", "行业"),
    ("risk", "text", "风险等级"),
    ("major_hazard", "boolean", "重大危险源"),
    ("major_hazard_grade", "integer", "重大危险源等级"),
    ("revenue", "real", "营业收入（万元）"),
    ("plant", "text", "厂房性质"),
    ("rented_plant", "boolean", "租赁厂房"),
    ("abandoned_plant", "boolean", "废弃厂房"),
    ("lon", "real", "经度"),
    ("lat", "real", "纬度"),
    ("lon_input", "real", "原经度"),
    ("lat_input", "real", "原纬度"),
    ("coord_system", "text", "坐标系"),
)

ADMIN_UNITS = Table(
    "admin_units",
    "行政区划 administrative units: county, townships, villages",
    _columns(
        ("code", "text", "区划代码"),
        ("name", "text", "名称"),
        ("level", "text", "层级"),
        ("parent_code", "text", "上级代码"),
        ("households", "integer", "户数"),
        ("origin", "text", "来源"),
        ("source", "text", "来源文件"),
        ("attributes", "text", "其他属性"),
    ),
    geometry="MULTIPOLYGON",
    key="code",
)

GRIDS = Table(
    "grids",
    "网格 grids: county, township, village and base grids, and sector grids",
    _columns(
        ("grid_code", "text", "网格编码"),
        ("kind", "text", "网格类型"),
        ("level", "text", "网格层级"),
        ("admin_code", "text", "所在区划代码"),
        ("name", "text", "网格名称"),
        ("sequence", "integer", "序号"),
        ("department", "integer", "部门编号"),
        ("load", "real", "负荷"),
        ("load_kind", "text", "负荷类型"),
        ("area_km2", "real", "面积（平方公里）"),
        ("polsby_popper", "real", "紧凑度"),
    ),
    # Only a base grid's shape is stored here, and it is one polygon; a level
    # grid's shape is its admin unit's, a sector grid's is in sector_cells.
    geometry="POLYGON",
    key="grid_code",
)

SECTOR_CELLS = Table(
    "sector_cells",
    "行业专属网格单元 where each sector grid's units are: the cells that hold them",
    _columns(("grid_code", "text", "网格编码")),
    geometry="MULTIPOLYGON",
    key="grid_code",
)

ENTERPRISES = Table(
    "enterprises",
    "生产经营单位 enterprises, as imported from the ledger",
    (
        Column("enterprise_id", "text", "企业标识"),
        *_LEDGER_FIELDS,
        Column("extra", "text", "其他列"),
    ),
    geometry="POINT",
    key="enterprise_id",
)

ASSIGNMENTS = Table(
    "assignments",
    "落格结果 assignments: where each enterprise went, and why",
    _columns(
        ("enterprise_id", "text", "企业标识"),
        ("grid_code", "text", "网格编码"),
        ("kind", "text", "网格类型"),
        ("method", "text", "落格方式"),
        ("reason", "text", "原因"),
        ("reason_code", "text", "原因代码"),
        ("rules", "text", "行业专属规则"),
        ("department", "integer", "部门编号"),
        ("located_village", "text", "坐标所在村代码"),
        ("declared_village", "text", "填报村代码"),
        ("mismatch", "boolean", "所属村与坐标不符"),
        ("candidates", "text", "候选网格"),
    ),
    key="enterprise_id",
)

STAFF = Table(
    "staff",
    "网格人员 staff: who serves which place, in which role",
    _columns(
        ("staff_id", "text", "人员标识"),
        ("name", "text", "姓名"),
        ("role", "text", "角色"),
        ("title", "text", "职务"),
        ("duty", "text", "专兼职"),
        ("phone", "text", "联系电话"),
        ("place_level", "text", "服务层级"),
        ("grid_code", "text", "网格编码"),
        ("village_code", "text", "村代码"),
        ("village", "text", "所属村/社区"),
        ("township_code", "text", "乡镇代码"),
        ("township", "text", "所属乡镇/街道"),
        ("department_number", "integer", "部门编号"),
        ("department", "text", "部门"),
        ("extra", "text", "其他列"),
    ),
    key="staff_id",
)

CODE_REGISTRY = Table(
    "code_registry",
    "网格编码登记 every grid code ever issued, with its lineage",
    _columns(
        ("grid_code", "text", "网格编码"),
        ("kind", "text", "网格类型"),
        ("level", "text", "网格层级"),
        ("admin_code", "text", "所在区划代码"),
        ("sequence", "integer", "序号"),
        ("status", "text", "状态"),
        ("issued_version", "integer", "启用版本"),
        ("retired_version", "integer", "撤销版本"),
        ("predecessors", "text", "前身网格"),
        ("successors", "text", "后继网格"),
        ("note", "text", "说明"),
    ),
)

LEDGER_PROBLEMS = Table(
    "ledger_problems",
    "台账问题 problems found in the last ledger imported, row by row",
    _columns(
        ("row", "integer", "台账行号"),
        ("kind", "text", "问题"),
        ("field", "text", "字段"),
        ("value", "text", "原值"),
        ("detail", "text", "问题说明"),
        ("source_row", "integer", "表格行号"),
        ("source_sheet", "text", "工作表"),
        ("name", "text", "企业名称"),
        ("uscc", "text", "统一社会信用代码"),
        ("township", "text", "所属乡/镇/街道"),
        ("village", "text", "所属村/社区"),
        ("address", "text", "详细地址"),
        ("lon_input", "real", "原经度"),
        ("lat_input", "real", "原纬度"),
        ("enterprise_id", "text", "企业标识"),
    ),
)

LEDGER_ROWS = Table(
    "ledger_rows",
    "台账行号 the ledger row of each enterprise, as last imported",
    _columns(("row", "integer", "台账行号"), ("enterprise_id", "text", "企业标识")),
)

LEDGER_IMPORTS = Table(
    "ledger_imports",
    "台账导入记录 ledger imports",
    _columns(
        ("version", "integer", "版本"),
        ("ledger", "text", "台账文件"),
        ("rows", "integer", "行数"),
        ("empty_rows", "integer", "空行"),
        ("added", "integer", "新增"),
        ("changed", "integer", "变更"),
        ("removed", "integer", "删除"),
        ("unchanged", "integer", "未变"),
        ("problems", "integer", "问题行"),
    ),
)

STAFF_ROWS = Table(
    "staff_rows",
    "名册行号 the roster row of each person, as last imported",
    _columns(
        ("staff_id", "text", "人员标识"),
        ("row", "integer", "名册行号"),
        ("sheet", "text", "工作表"),
    ),
)

STAFF_IMPORTS = Table(
    "staff_imports",
    "名册导入记录 staff roster imports",
    _columns(
        ("version", "integer", "版本"),
        ("roster", "text", "名册文件"),
        ("people", "integer", "人数"),
        ("added", "integer", "新增"),
        ("changed", "integer", "变更"),
        ("removed", "integer", "删除"),
        ("unchanged", "integer", "未变"),
        ("base_grids", "integer", "基础网格数"),
        ("grids_with_member", "integer", "有网格员的网格数"),
    ),
)

CAPACITY = Table(
    "capacity",
    "监管能力 grid load against supervisory capacity",
    _columns(
        ("grid_code", "text", "网格编码"),
        ("units", "integer", "单位数"),
        ("members", "real", "网格员"),
        ("members_source", "text", "网格员来源"),
        ("capacity", "real", "监管能力"),
        ("load", "real", "监管负荷"),
        ("moved_units", "integer", "转出单位数"),
        ("moved_load", "real", "转出负荷"),
        ("load_after", "real", "转出后负荷"),
        ("over_capacity", "boolean", "仍超能力"),
        ("reason", "text", "说明"),
    ),
)

DIVISION_REPORTS = Table(
    "division_reports",
    "划分质量 quality of each division, per village",
    _columns(
        ("village_code", "text", "村代码"),
        ("grids", "integer", "网格数"),
        ("load", "real", "负荷"),
        ("max_load_ratio", "real", "最大负荷/上限"),
        ("pp_median", "real", "紧凑度中位数"),
        ("pp_min", "real", "紧凑度最小值"),
        ("coverage_ok", "boolean", "完整覆盖"),
        ("area_error", "real", "面积误差"),
        ("seconds", "real", "耗时（秒）"),
        ("split_blocks", "integer", "切分街区数"),
        ("notes", "text", "说明"),
        ("version", "integer", "版本"),
        ("by", "text", "负荷类型"),
        ("max_load", "real", "负荷上限"),
        ("seed", "integer", "随机种子"),
    ),
)

CHECK_ISSUES = Table(
    "check_issues",
    "检查问题 problems found by the last check",
    _columns(
        ("check", "text", "检查"),
        ("level", "text", "层级"),
        ("code", "text", "代码"),
        ("name", "text", "名称"),
        ("reason", "text", "问题说明"),
        ("measure", "text", "量值"),
    ),
    geometry="MULTIPOLYGON",
)

VERSIONS = Table(
    "versions",
    "版本记录 the version log",
    _columns(
        ("id", "integer", "版本"),
        ("time", "text", "时间"),
        ("command", "text", "命令"),
        ("note", "text", "说明"),
        ("parent", "integer", "上一版本"),
        ("author", "text", "操作人"),
        ("gridgis", "text", "gridgis 版本"),
    ),
)

SETTINGS = Table(
    "settings",
    "配置与输入记录 the configuration and input files each version was made with",
    _columns(
        ("version", "integer", "版本"),
        ("kind", "text", "类别"),
        ("name", "text", "文件"),
        ("sha256", "text", "SHA-256"),
        ("text", "text", "内容"),
    ),
)

PROJECT_META = Table(
    "project_meta",
    "项目信息 project metadata (county, schema version)",
    _columns(("key", "text", "键"), ("value", "text", "值")),
)

FILINGS = Table(
    "filings",
    "备案记录 the filings the county made to the prefecture (gridgis filing create)",
    _columns(
        ("filing_id", "text", "备案编号"),
        ("number", "integer", "备案序号"),
        ("previous_filing", "text", "上次备案编号"),
        ("version_from", "integer", "起始版本"),
        ("version_to", "integer", "截止版本"),
        ("version", "integer", "记录版本"),
        ("created", "text", "生成时间"),
        ("note", "text", "说明"),
        ("file", "text", "文件"),
        ("manifest_sha256", "text", "清单 SHA-256"),
        ("changes", "integer", "调整网格数"),
    ),
)

HAZARDS = Table(
    "hazards",
    "隐患 hazard reports: where each was found, who it went to, its time limit and state",
    _columns(
        ("report_id", "text", "隐患编号"),
        ("found_at", "text", "发现时间"),
        ("found_date", "text", "发现日期"),
        ("reporter", "text", "上报人"),
        ("description", "text", "隐患描述"),
        ("category", "text", "隐患类别"),
        ("level", "text", "隐患等级"),
        ("fixed_on_spot", "boolean", "当场整改"),
        ("located_by", "text", "定位方式"),
        ("lon", "real", "经度"),
        ("lat", "real", "纬度"),
        ("address", "text", "地址"),
        ("uscc", "text", "统一社会信用代码"),
        ("enterprise_id", "text", "企业标识"),
        ("enterprise_name", "text", "单位名称"),
        ("grid_code", "text", "网格编码"),
        ("grid_name", "text", "网格名称"),
        ("village_code", "text", "村代码"),
        ("village", "text", "所属村/社区"),
        ("township_code", "text", "乡镇代码"),
        ("township", "text", "所属乡镇/街道"),
        ("department", "integer", "部门编号"),
        ("department_name", "text", "责任部门"),
        ("routing", "text", "流转说明"),
        ("members", "text", "网格员"),
        ("grid_head", "text", "网格长"),
        ("deadline", "text", "办结时限"),
        ("status", "text", "办理状态"),
        ("status_date", "text", "状态日期"),
        ("handler", "text", "承办单位"),
        ("result", "text", "办理结果"),
        ("closed_date", "text", "办结日期"),
        ("digest", "text", "内容摘要"),
        ("source", "text", "来源文件"),
        ("source_row", "integer", "表格行号"),
    ),
    geometry="POINT",
    key="report_id",
)

HAZARD_EVENTS = Table(
    "hazard_events",
    "隐患处置记录 every change of state of every hazard report (建档留存, Appendix B)",
    _columns(
        ("report_id", "text", "隐患编号"),
        ("seq", "integer", "序号"),
        ("status", "text", "办理状态"),
        ("previous_status", "text", "原状态"),
        ("date", "text", "日期"),
        ("handler", "text", "承办单位"),
        ("result", "text", "办理结果"),
        ("reason", "text", "原因"),
        ("source", "text", "来源文件"),
        ("source_row", "integer", "表格行号"),
        ("version", "integer", "版本"),
    ),
)

#: Every layer and table a project may hold, by name: each :class:`Table` declared
#: in this module (a new one is registered by declaring it above).
TABLES: Mapping[str, Table] = MappingProxyType(
    {table.name: table for table in list(globals().values()) if isinstance(table, Table)}
)

#: The layers that keep their history, and the column that identifies a row.
VERSIONED_LAYERS: Mapping[str, str] = MappingProxyType(
    {table.name: table.key for table in TABLES.values() if table.key is not None}
)

#: The columns ``gridgis export`` writes, per layer (the enterprise's name,
#: USCC and point beside each assignment).
EXPORT_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "grids": ("grid_code", "kind", "level", "admin_code", "name", "load", "area_km2"),
        "assignments": ("uscc", "name", "grid_code", "kind", "method", "reason", "lon", "lat"),
        "admin_units": ("code", "name", "level", "parent_code", "households"),
        "enterprises": tuple(ENTERPRISES.column_names),
        "staff": tuple(STAFF.column_names),
    }
)

_NUMBER_TYPES: Mapping[ColumnType, str] = MappingProxyType(
    {"integer": "Int64", "real": "float64", "boolean": "boolean"}
)


def titles(*tables: Table) -> dict[str, str]:
    """Return column name → Chinese title over the given tables (the first title wins)."""
    found: dict[str, str] = {}
    for table in tables:
        for column in table.columns:
            found.setdefault(column.name, column.title)
    return found


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, typed for the store.

    Missing columns are added empty; columns the table does not have are
    dropped; a geometry column is kept. Numbers become nullable numbers and
    text keeps None for missing values, so that a row hashes the same however
    it was built.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Rows built by a use case.
    table : Table
        The layer or table they are stored in.

    Returns
    -------
    DataFrame or GeoDataFrame
        A new frame; ``frame`` is not changed.
    """
    names = table.column_names
    geometry = ["geometry"] if table.geometry and "geometry" in frame.columns else []
    conformed = frame.copy()
    for name in names:
        if name not in conformed.columns:
            conformed[name] = pd.NA
    conformed = conformed[[*names, *geometry]]
    for column in table.columns:
        values = conformed[column.name]
        if column.type == "text":
            conformed[column.name] = values.astype(object).where(values.notna(), None)
        elif column.type in ("integer", "boolean"):
            conformed[column.name] = pd.to_numeric(values, errors="coerce").astype(
                _NUMBER_TYPES[column.type]
            )
        else:
            conformed[column.name] = pd.to_numeric(values, errors="coerce").astype("float64")
    return conformed
