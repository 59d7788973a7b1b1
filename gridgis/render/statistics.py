"""The grid statistics table laid out as Appendix A sample table 2 (XLSX), and as CSV.

The workbook has one sheet, printed on A4 landscape, one page wide:

- rows 1–2: the title and the 单位 line (reporting unit, unit of count, date,
  data version);
- block 1, **一、网格单元划分情况** (rows 3–6): 横向属地网格数量 over 网格 /
  社区 / 村 / 居民区等, 纵向行业（专属）网格数量, and 纳入网格化监管范围的生产经营
  单位数量 over 台账内 / 已录入系统并落格 / 租赁厂房、废弃厂房, with merged
  header cells as in the sample;
- block 2, **二、网格监管责任落实情况** (row 8 on): 序号, 乡镇（街道）、部门、
  功能区, the four people columns 及职务, and the same three counts; one row per
  township or street, then per department, then 合计.

Block 2's two header rows repeat at the top of every printed page, and the
title is the page header, so every page says what it is. Text from the roster
is written as typed text cells, never as formulas (see
:mod:`gridgis.render.workbook`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from gridgis.render.labels import STATISTICS_LABELS as LABELS
from gridgis.render.sheets import BORDER, merge, print_setup, put, title
from gridgis.render.text import display_width
from gridgis.statistics import PEOPLE_ROLES, GridStatistics

__all__ = ["BLOCK2_HEADER_ROWS", "COLUMN_WIDTHS", "statistics_frame", "write_statistics_xlsx"]

#: Column widths (characters) of columns A–I.
COLUMN_WIDTHS: tuple[float, ...] = (6, 16, 24, 24, 24, 30, 11, 13, 13)
#: The rows of block 2's header, repeated on every printed page.
BLOCK2_HEADER_ROWS = (9, 10)


def write_statistics_xlsx(
    table: GridStatistics, path: Path, *, date: str, version: int, reporter: str = ""
) -> None:
    """Write the statistics table as an XLSX workbook laid out like sample table 2.

    Parameters
    ----------
    table : GridStatistics
        What :func:`gridgis.statistics.count_statistics` counted.
    path : Path
        Where to write; the caller checked it (and writes atomically).
    date : str
        The date printed in the 单位 line, e.g. ``2024年5月1日``.
    version : int
        The project version the numbers are of.
    reporter : str
        The reporting unit; default the county's name.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = LABELS["sheet"]
    heading = f"{table.county_name}{LABELS['title']}"
    _title_rows(sheet, heading, reporter or table.county_name, date, version)
    _block1(sheet, table)
    last = _block2(sheet, table)
    first, second = BLOCK2_HEADER_ROWS
    print_setup(
        sheet,
        area=f"A1:I{last}",
        title_rows=f"{first}:{second}",
        header=heading,
        footer=LABELS["page"],
    )
    workbook.save(path)


def statistics_frame(table: GridStatistics) -> pd.DataFrame:
    """Return block 2 as one flat table (for CSV), with each row's grids and a total."""
    records = []
    for number, row in enumerate(table.rows, start=1):
        records.append(
            {
                LABELS["number"]: number,
                LABELS["row_kind"]: LABELS[f"kind_{row.kind}"],
                LABELS["row_code"]: row.code,
                LABELS["row_name"]: row.name,
                **{LABELS[f"people_{role}"]: row.people.get(role, "") for role in PEOPLE_ROLES},
                LABELS["territorial_grids"]: row.territorial_grids,
                LABELS["sector_grids"]: row.sector_grids,
                LABELS["in_ledger"]: row.units.in_ledger,
                LABELS["placed"]: row.units.placed,
                LABELS["rented"]: row.units.rented_or_abandoned,
            }
        )
    records.append(
        {
            LABELS["number"]: None,
            LABELS["row_kind"]: "",
            LABELS["row_code"]: table.county_code,
            LABELS["row_name"]: LABELS["total"],
            **{LABELS[f"people_{role}"]: "" for role in PEOPLE_ROLES},
            LABELS["territorial_grids"]: table.territorial_grids,
            LABELS["sector_grids"]: table.sector_grids,
            LABELS["in_ledger"]: table.units.in_ledger,
            LABELS["placed"]: table.units.placed,
            LABELS["rented"]: table.units.rented_or_abandoned,
        }
    )
    frame = pd.DataFrame.from_records(records)
    frame[LABELS["number"]] = frame[LABELS["number"]].astype("Int64")
    return frame


# -- the sheet -------------------------------------------------------------------


def _title_rows(sheet: Worksheet, heading: str, reporter: str, date: str, version: int) -> None:
    title(sheet, "A1:I1", heading, size=16)
    sheet.row_dimensions[1].height = 30
    title(
        sheet,
        "A2:I2",
        f"{LABELS['reporter']}{reporter}　　{LABELS['unit']}　　"
        f"{LABELS['date']}{date}　　{LABELS['version']}{version}",
        size=11,
        centre=False,
    )
    sheet.row_dimensions[2].height = 20
    for letter, width in zip("ABCDEFGHI", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width


def _block1(sheet: Worksheet, table: GridStatistics) -> None:
    title(sheet, "A3:I3", LABELS["block1"], size=12, centre=False)
    merge(sheet, "A4", "E4", LABELS["territorial"])
    merge(sheet, "F4", "F5", LABELS["sector"])
    merge(sheet, "G4", "I4", LABELS["units"])
    merge(sheet, "A5", "B5", LABELS["grids"])
    for column, key in ((3, "communities"), (4, "villages"), (5, "other_areas")):
        put(sheet, 5, column, LABELS[key], header=True)
    for column, key in ((7, "in_ledger"), (8, "placed"), (9, "rented")):
        put(sheet, 5, column, LABELS[key], header=True)
    sheet.merge_cells("A6:B6")
    values: Sequence[tuple[int, int]] = (
        (1, table.territorial_grids),
        (3, table.communities),
        (4, table.villages),
        (5, table.other_areas),
        (6, table.sector_grids),
        (7, table.units.in_ledger),
        (8, table.units.placed),
        (9, table.units.rented_or_abandoned),
    )
    sheet["B6"].border = BORDER
    for column, value in values:
        put(sheet, 6, column, value)
    for row, height in ((4, 22), (5, 36), (6, 22)):
        sheet.row_dimensions[row].height = height


def _block2(sheet: Worksheet, table: GridStatistics) -> int:
    """Write block 2 from row 8; return the last row."""
    first, second = BLOCK2_HEADER_ROWS
    title(sheet, f"A{first - 1}:I{first - 1}", LABELS["block2"], size=12, centre=False)
    for letter, key in (
        ("A", "number"),
        ("B", "row_name_header"),
        *zip("CDEF", (f"people_{role}" for role in PEOPLE_ROLES), strict=True),
    ):
        merge(sheet, f"{letter}{first}", f"{letter}{second}", LABELS[key])
    merge(sheet, f"G{first}", f"I{first}", LABELS["units"])
    for column, key in ((7, "in_ledger"), (8, "placed"), (9, "rented")):
        put(sheet, second, column, LABELS[key], header=True)
    sheet.row_dimensions[first].height = 22
    sheet.row_dimensions[second].height = 36
    row_number = second
    for number, row in enumerate(table.rows, start=1):
        row_number += 1
        cells: list[object] = [
            number,
            row.name,
            *(row.people.get(role, "") or "" for role in PEOPLE_ROLES),
            row.units.in_ledger,
            row.units.placed,
            row.units.rented_or_abandoned,
        ]
        for column, value in enumerate(cells, start=1):
            put(sheet, row_number, column, value)
        sheet.row_dimensions[row_number].height = _row_height(cells)
    row_number += 1
    sheet.merge_cells(f"A{row_number}:B{row_number}")
    put(sheet, row_number, 1, LABELS["total"], header=True)
    sheet.cell(row=row_number, column=2).border = BORDER
    for column in range(3, 7):
        put(sheet, row_number, column, "")
    for column, value in (
        (7, table.units.in_ledger),
        (8, table.units.placed),
        (9, table.units.rented_or_abandoned),
    ):
        put(sheet, row_number, column, value)
    sheet.row_dimensions[row_number].height = 22
    return row_number


def _row_height(cells: Sequence[object]) -> float:
    """Points for a row whose wrapped text must show whole (Excel does not measure)."""
    lines = 1
    for value, width in zip(cells, COLUMN_WIDTHS, strict=True):
        if isinstance(value, str) and value:
            lines = max(lines, math.ceil(display_width(value) / max(width - 1, 1)))
    return max(22.0, 15.0 * lines + 6)
