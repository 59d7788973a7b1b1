"""Reading hazard report files and feedback files (隐患上报表, 办理反馈表).

Both are spreadsheets or CSV exports kept by township offices and the 12345
hotline, read by :func:`gridgis.io.place_tables.read_place_table`: title rows
above the header, GBK text, headers written in several ways. Completely empty
rows are left out. The canonical columns, and the headers recognised for them
(compared folded, best first):

Reports (:func:`read_reports`): ``report_id`` (隐患编号, optional),
``found_at`` (发现时间), ``reporter`` (上报人), ``description`` (隐患描述),
``category`` (隐患类别), ``level`` (隐患等级: 一般/重大), ``fixed_on_spot``
(当场整改), ``result`` (整改情况), ``grid_code`` (网格编码), and the place as
ledgers give it: 经度/纬度 (or one 坐标 column, and a 坐标系 column), 所属乡镇,
所属村, 详细地址 (or 隐患地址, 地点), 统一社会信用代码, 企业名称.

Feedback (:func:`read_feedback`): ``report_id`` (隐患编号), ``status`` (办理状态),
``date`` (办理日期), ``result`` (办理结果), ``reason`` (原因), ``handler`` (承办单位).

What the cells mean (dates, levels, states) is judged by :mod:`gridgis.hazards`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gridgis.io.place_tables import PlaceTable, normalise_places, place_lookup, read_place_table

__all__ = [
    "FEEDBACK_FIELDS",
    "REPORT_FIELDS",
    "HazardTable",
    "read_feedback",
    "read_reports",
]

_ID_HEADERS = (
    "隐患编号",
    "编号",
    "上报编号",
    "报告编号",
    "工单编号",
    "事件编号",
    "report_id",
    "id",
)
_REPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "report_id": _ID_HEADERS,
    "found_at": (
        "发现时间",
        "发现日期",
        "上报时间",
        "上报日期",
        "排查时间",
        "排查日期",
        "检查时间",
        "检查日期",
        "found",
        "found_at",
        "date",
    ),
    "reporter": ("上报人", "发现人", "报告人", "排查人", "检查人", "网格员", "reporter"),
    "description": (
        "隐患描述",
        "隐患内容",
        "隐患情况",
        "问题描述",
        "隐患问题",
        "描述",
        "description",
    ),
    "category": ("隐患类别", "隐患类型", "隐患分类", "类别", "类型", "category"),
    "level": ("隐患等级", "隐患级别", "等级", "级别", "level"),
    "fixed_on_spot": (
        "当场整改",
        "是否当场整改",
        "现场整改",
        "是否现场整改",
        "立即整改",
        "fixed_on_spot",
        "fixed",
    ),
    "result": ("整改情况", "整改结果", "处理结果", "处置结果", "result"),
    "grid_code": ("网格编码", "网格代码", "网格编号", "grid_code"),
    "address": ("隐患地址", "隐患位置", "发生地点", "地点", "位置"),
}
_FEEDBACK_HEADERS: dict[str, tuple[str, ...]] = {
    "report_id": _ID_HEADERS,
    "status": ("办理状态", "处置状态", "状态", "进度", "status"),
    "date": ("办理日期", "处置日期", "反馈日期", "日期", "时间", "date"),
    "result": ("办理结果", "处置结果", "结果", "反馈内容", "办理情况", "整改情况", "result"),
    "reason": ("原因", "理由", "退回原因", "重新办理原因", "说明", "reason"),
    "handler": (
        "承办单位",
        "承办人",
        "办理单位",
        "处置单位",
        "责任单位",
        "经办人",
        "handler",
    ),
}
#: Canonical text columns of :func:`read_reports` (before the place columns).
REPORT_FIELDS: tuple[str, ...] = (
    "report_id",
    "found_at",
    "reporter",
    "description",
    "category",
    "level",
    "fixed_on_spot",
    "result",
    "grid_code",
)
#: Canonical columns of :func:`read_feedback`.
FEEDBACK_FIELDS: tuple[str, ...] = ("report_id", "status", "date", "result", "reason", "handler")
_PLACES = ("lon", "lat", "coordinates", "township", "village", "address", "uscc", "grid_code")


@dataclass
class HazardTable:
    """A reports or feedback file as read.

    Attributes
    ----------
    rows : DataFrame
        One row per non-empty row of the file, indexed 0, 1, 2 …: ``source_row``
        (the spreadsheet row or CSV line) and the canonical columns as text
        (None where empty or absent); reports also carry the place columns of
        :func:`gridgis.io.place_tables.normalise_places`.
    problems : DataFrame
        ``position``, ``kind``, ``detail``: what reading the places found
        (unusable coordinates, invalid USCCs); empty for feedback.
    table : PlaceTable
        The file as read (format, sheet, where each row came from).
    """

    rows: pd.DataFrame
    problems: pd.DataFrame
    table: PlaceTable


def _has_report_fields(fields: Mapping[str, int]) -> bool:
    needed = {"found_at", "description"} <= set(fields)
    return needed and bool(set(_PLACES) & set(fields))


def _has_feedback_fields(fields: Mapping[str, int]) -> bool:
    return {"report_id", "status", "date"} <= set(fields)


def read_reports(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    coords: str | None = None,
    county_bounds: tuple[float, float, float, float] | None = None,
) -> HazardTable:
    """Read a hazard reports file (XLSX or CSV).

    Parameters
    ----------
    path : Path
        The file.
    sheet, encoding : str, optional
        A workbook's sheet; a CSV file's encoding (default: detected).
    coords : str, optional
        The coordinate system of the file's points (a 坐标系 column overrides
        it row by row); default CGCS2000/WGS-84.
    county_bounds : tuple of float, optional
        The county's extent, to tell swapped longitude and latitude.

    Returns
    -------
    HazardTable

    Raises
    ------
    InputDataError
        The file cannot be read, or its header lacks 发现时间, 隐患描述 or any
        place (经度/纬度, 坐标, 地址, 所属乡镇/村, 统一社会信用代码, 网格编码).
    """
    table = read_place_table(
        path,
        place_lookup(_REPORT_HEADERS),
        what="hazard reports",
        accepts=_has_report_fields,
        needs="发现时间, 隐患描述 and a place (经度/纬度, 地址, 统一社会信用代码 or 网格编码)",
        sheet=sheet,
        encoding=encoding,
    )
    places, problems = normalise_places(table, coords=coords, county_bounds=county_bounds)
    rows = pd.DataFrame({"source_row": table.rows}, index=table.cells.index)
    for name in REPORT_FIELDS:
        rows[name] = table.text(name)
    return HazardTable(pd.concat([rows, places], axis=1), problems, table)


def read_feedback(
    path: Path, *, sheet: str | None = None, encoding: str | None = None
) -> HazardTable:
    """Read a feedback file (XLSX or CSV): one change of state per row, in order.

    Parameters
    ----------
    path : Path
        The file.
    sheet, encoding : str, optional
        A workbook's sheet; a CSV file's encoding (default: detected).

    Returns
    -------
    HazardTable

    Raises
    ------
    InputDataError
        The file cannot be read, or its header lacks 隐患编号, 办理状态 or 日期.
    """
    table = read_place_table(
        path,
        place_lookup(_FEEDBACK_HEADERS),
        what="feedback",
        accepts=_has_feedback_fields,
        needs="隐患编号, 办理状态 and 办理日期",
        sheet=sheet,
        encoding=encoding,
    )
    rows = pd.DataFrame({"source_row": table.rows}, index=table.cells.index)
    for name in FEEDBACK_FIELDS:
        rows[name] = table.text(name)
    problems = pd.DataFrame(columns=["position", "kind", "detail"])
    return HazardTable(rows, problems, table)
