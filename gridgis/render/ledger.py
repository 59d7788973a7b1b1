"""Grid enterprise ledgers (网格化监管企业台帐) laid out as Appendix A sample table 1.

One worksheet per grid: a title naming the grid, a line with its code, kind,
place, 网格员 and the date, then the columns of sample table 1 (企业名称 …
所属村/社区) followed by the grid code, the grid kind and, for a sector grid,
why the unit was placed there. Printed on A4 landscape, one page wide, with
the title and header rows repeated on every page, so each grid's ledger
starts on a page of its own and can be handed to its 网格员.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gridgis.render.labels import LEDGER_LABELS
from gridgis.render.sheets import print_setup, put, title
from gridgis.render.text import display_width

__all__ = ["LEDGER_COLUMNS", "GridLedger", "write_ledger_workbook"]

#: Column → header: sample table 1's columns, then the grid's.
LEDGER_COLUMNS: Mapping[str, str] = {
    "number": "序号",
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "address": "详细地址",
    "principal": "主要负责人",
    "phone": "联系电话",
    "email": "电子邮箱",
    "employees": "员工人数",
    "products": "生产/经营/储存主要产品",
    "licensed": "是否注册营业执照",
    "township": "所属乡/镇/街道",
    "village": "所属村/社区",
    "grid_code": "网格编码",
    "grid_kind": "网格类型",
    "sector_reason": "划入行业专属网格原因",
}
_WIDTH_LIMITS = {"name": 30, "address": 34, "products": 24, "sector_reason": 30}
_HEADER_ROW = 3
# Characters Excel forbids in sheet titles.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class GridLedger:
    """One grid's ledger: what its sheet shows.

    Attributes
    ----------
    grid_code, grid_name : str
    kind : str
        ``territorial`` or ``sector``.
    place : str
        Where the grid is (``丰安镇谢家井村``) or whose it is (a department).
    members : str
        Its 网格员 (may be empty).
    units : DataFrame
        Its enterprises: the keys of :data:`LEDGER_COLUMNS` but ``number``,
        ``grid_code`` and ``grid_kind``.
    """

    grid_code: str
    grid_name: str
    kind: str
    place: str
    members: str
    units: pd.DataFrame


def write_ledger_workbook(ledgers: Sequence[GridLedger], path: object, *, date: str) -> None:
    """Write one sheet per grid's ledger into an XLSX workbook.

    Parameters
    ----------
    ledgers : sequence of GridLedger
        In the order the sheets should have (by grid code).
    path : path-like
        The file to write; the caller checked it (and writes atomically).
    date : str
        Printed in each sheet's second line.
    """
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    for ledger in ledgers:
        sheet = workbook.create_sheet(_SHEET_FORBIDDEN.sub("_", ledger.grid_code)[:31])
        _fill(sheet, ledger, date)
    workbook.save(path)


def _fill(sheet: Worksheet, ledger: GridLedger, date: str) -> None:
    columns = list(LEDGER_COLUMNS)
    last = get_column_letter(len(columns))
    kind = LEDGER_LABELS[f"kind_{ledger.kind}"]
    title(sheet, f"A1:{last}1", f"{ledger.grid_name}{LEDGER_LABELS['title']}", size=15)
    sheet.row_dimensions[1].height = 28
    facts = [
        f"{LEDGER_LABELS['grid_code']}{ledger.grid_code}",
        f"{LEDGER_LABELS['grid_kind']}{kind}",
        f"{LEDGER_LABELS['place']}{ledger.place}",
    ]
    if ledger.members:
        facts.append(f"{LEDGER_LABELS['members']}{ledger.members}")
    facts += [f"{LEDGER_LABELS['count']}{len(ledger.units)}", f"{LEDGER_LABELS['date']}{date}"]
    title(sheet, f"A2:{last}2", "　　".join(facts), size=10, centre=False)
    sheet.row_dimensions[2].height = 30
    for position, column in enumerate(columns, start=1):
        put(sheet, _HEADER_ROW, position, LEDGER_COLUMNS[column], header=True)
    sheet.row_dimensions[_HEADER_ROW].height = 32
    widths = [max(6, display_width(LEDGER_COLUMNS[c]) // 2 + 4) for c in columns]
    units = ledger.units.reset_index(drop=True)
    row = _HEADER_ROW
    for number, unit in enumerate(units.itertuples(index=False), start=1):
        row += 1
        values = unit._asdict()
        cells = {
            **{c: _plain(values.get(c)) for c in columns},
            "number": number,
            "licensed": _yes_no(values.get("licensed")),
            "grid_code": ledger.grid_code,
            "grid_kind": kind,
            "sector_reason": _plain(values.get("sector_reason"))
            if ledger.kind == "sector"
            else None,
        }
        for position, column in enumerate(columns, start=1):
            value = cells[column]
            put(sheet, row, position, "" if value is None else value)
            if isinstance(value, str):
                limit = _WIDTH_LIMITS.get(column, 22)
                widths[position - 1] = min(
                    limit, max(widths[position - 1], display_width(value) + 2)
                )
    if not len(units):
        row += 1
        sheet.merge_cells(f"A{row}:{last}{row}")
        put(sheet, row, 1, LEDGER_LABELS["empty"])
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    print_setup(
        sheet,
        area=f"A1:{last}{row}",
        title_rows=f"1:{_HEADER_ROW}",
        header="",
        footer=f"{ledger.grid_code}　{LEDGER_LABELS['page']}",
    )


def _plain(value: object) -> object:
    """Return a cell value: None for missing, Python numbers, text as is."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _yes_no(value: object) -> str | None:
    plain = _plain(value)
    if plain is None:
        return None
    return LEDGER_LABELS["yes"] if bool(plain) else LEDGER_LABELS["no"]
