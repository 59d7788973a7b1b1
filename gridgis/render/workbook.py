"""Excel workbooks for people: Chinese headers, frozen header row, readable widths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridgis.errors import InputDataError
from gridgis.io.output import atomic_path, check_output_path
from gridgis.render.text import display_width

#: Rows an XLSX sheet can hold, less the header.
XLSX_MAX_ROWS = 1_048_575

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_workbook(
    sheets: dict[str, pd.DataFrame],
    path: Path,
    *,
    overwrite: bool = False,
    headers: dict[str, str] | None = None,
) -> None:
    """Write one sheet per DataFrame, atomically.

    Parameters
    ----------
    sheets : dict
        Sheet title (at most 31 characters) → rows.
    path : Path
        The ``.xlsx`` file.
    overwrite : bool
        Replace an existing file.
    headers : dict, optional
        Column name → header shown (e.g. ``name`` → ``企业名称``).

    Raises
    ------
    InputDataError
        If the file exists without ``overwrite`` or a sheet has too many rows.
    """
    check_output_path(path, overwrite=overwrite, suffixes={".xlsx"})
    headers = headers or {}
    workbook = Workbook(write_only=True)
    for title, frame in sheets.items():
        if len(frame) > XLSX_MAX_ROWS:
            raise InputDataError(
                f"sheet {title} has {len(frame):,} rows, more than Excel holds; export CSV instead"
            )
        sheet = workbook.create_sheet(title=title[:31])
        labels = [headers.get(str(column), str(column)) for column in frame.columns]
        widths = [min(60, max(8, display_width(label) + 2)) for label in labels]
        values = frame.astype(object).where(frame.notna(), None)
        for row in values.itertuples(index=False, name=None):
            for position, value in enumerate(row[: len(widths)]):
                if value is not None:
                    widths[position] = min(60, max(widths[position], display_width(str(value)) + 2))
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, label) for label in labels])
        for row in values.itertuples(index=False, name=None):
            sheet.append([_plain(value) for value in row])
    with atomic_path(path) as temporary:
        workbook.save(temporary)


def _header_cell(sheet: object, label: str) -> object:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=label)
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center")
    return cell


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return value
