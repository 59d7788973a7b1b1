"""Excel workbooks for people: Chinese headers, frozen header row, readable widths.

Text stays text. These workbooks are opened in Excel and WPS, and their text
comes from ledgers that come from outside the office. openpyxl stores a
``str`` that starts with ``=`` as a live formula (so a company "named"
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` would run) and one of Excel's
error codes (``#N/A`` …) as an error value. Such text is therefore written as
a cell typed as text (``data_type = "s"``), unchanged, with no quote added;
numbers stay numeric cells. The output path is checked by
:func:`gridgis.io.safety.check_output_path`, so a workbook never replaces a
project.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridgis.errors import InputDataError
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.render.text import display_width

#: Rows an XLSX sheet can hold, less the header.
XLSX_MAX_ROWS = 1_048_575
#: Characters an Excel cell holds; openpyxl would silently keep only these.
XLSX_MAX_CELL = 32_767

logger = logging.getLogger(__name__)

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# openpyxl's Cell._bind_value types a str starting with "=" as a formula and
# one of its ERROR_CODES ("#N/A", "#REF!" …) as an error; every other str as
# text. Text starting with these is written as an explicitly typed text cell;
# the CSV formula prefixes are included so the rule does not hang on
# openpyxl's choice (the cost is one cell object for those few values).
_RETYPED_PREFIXES = ("=", "#", "+", "-", "@", "\t", "\r")


def write_workbook(
    sheets: dict[str, pd.DataFrame],
    path: Path,
    *,
    overwrite: bool = False,
    headers: dict[str, str] | None = None,
    protected: Iterable[Path | str] = (),
) -> None:
    """Write one sheet per DataFrame, atomically, with text kept as text.

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
    protected : iterable of Path or str, optional
        Paths that must not be written, such as the project being read (see
        :func:`gridgis.io.safety.check_output_path`).

    Raises
    ------
    InputDataError
        If the path is refused (it exists without ``overwrite``, or is a
        project) or a sheet has too many rows.

    Examples
    --------
    >>> import pandas as pd
    >>> duplicates = pd.DataFrame({"企业名称": ["=HYPERLINK('x')", "甲"], "行": [3, 9]})
    >>> write_workbook({"重复": duplicates}, Path("quality.xlsx"))
    >>> from openpyxl import load_workbook
    >>> load_workbook("quality.xlsx")["重复"]["A2"].data_type  # text stays text
    's'
    """
    path = Path(path)
    check_output_path(path, overwrite=overwrite, suffixes={".xlsx"}, protected=protected)
    headers = headers or {}
    workbook = Workbook(write_only=True)
    try:
        _fill(workbook, sheets, headers)
    except BaseException:
        # A sheet left open is a generator that would write when collected.
        for sheet in workbook.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()
        raise
    with atomic_path(path) as temporary:
        workbook.save(temporary)


def _fill(workbook: Workbook, sheets: dict[str, pd.DataFrame], headers: dict[str, str]) -> None:
    """Append every sheet's header and rows to a write-only workbook."""
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
        for number, row in enumerate(values.itertuples(index=False, name=None), start=1):
            cells = [
                _cell(sheet, value, title, label, number)
                for label, value in zip(labels, row, strict=True)
            ]
            sheet.append(cells)


def _header_cell(sheet: object, label: str) -> object:
    cell = WriteOnlyCell(sheet, value=label)
    cell.data_type = "s"  # a header is text, even one that starts with "="
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center")
    return cell


def _cell(sheet: object, value: object, title: str, label: str, row: int) -> object:
    """Return what to append for one value: itself, or a cell typed as text.

    Raises
    ------
    InputDataError
        If the value is text longer than an Excel cell holds.
    """
    value = _plain(value)
    if not isinstance(value, str):
        return value
    if len(value) > XLSX_MAX_CELL:
        raise InputDataError(
            f"sheet {title!r}, column {label!r}, data row {row}: {len(value):,} characters, "
            f"more than an Excel cell holds ({XLSX_MAX_CELL:,}); write CSV instead"
        )
    if ILLEGAL_CHARACTERS_RE.search(value):
        # XML, and so XLSX, cannot hold these control characters at all.
        logger.warning(
            "sheet %s, column %s, data row %d: control characters a workbook cannot store "
            "are shown as \ufffd",
            title,
            label,
            row,
        )
        value = str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    if value.startswith(_RETYPED_PREFIXES):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return value
