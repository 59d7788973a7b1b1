"""Printed worksheets: bordered cells, merged headers and A4 print settings (openpyxl).

Shared by the documents laid out like the guideline's sample tables: the
statistics table (:mod:`gridgis.render.statistics`) and the grid ledgers
(:mod:`gridgis.render.ledger`). Text is always written as a typed text cell, so
a name such as ``=HYPERLINK(…)`` from a ledger or roster stays text and never
becomes a formula (see :mod:`gridgis.render.workbook`); numbers stay numbers.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["merge", "print_setup", "put", "title"]

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def put(sheet: Worksheet, row: int, column: int, value: object, *, header: bool = False) -> None:
    """Write one bordered cell: text as typed text, centred if a header or a number."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        # XML cannot hold these control characters; a cell shows U+FFFD instead.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.border = BORDER
    cell.alignment = CENTRE if header or not isinstance(value, str) else LEFT
    if header:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL


def merge(sheet: Worksheet, first: str, last: str, value: str, *, header: bool = True) -> None:
    """Merge a range, write ``value`` in its first cell and border every cell of it."""
    sheet.merge_cells(f"{first}:{last}")
    for line in sheet[f"{first}:{last}"]:
        for cell in line:
            cell.border = BORDER
            if header:
                cell.fill = HEADER_FILL
    target = sheet[first]
    put(sheet, target.row, target.column, value, header=header)


def title(sheet: Worksheet, cells: str, text: str, *, size: int = 16, centre: bool = True) -> None:
    """Write an unbordered title (or subtitle line) across merged ``cells``."""
    sheet.merge_cells(cells)
    first = sheet[cells.split(":")[0]]
    first.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    first.data_type = "s"
    first.font = Font(bold=size > 11, size=size)
    first.alignment = Alignment(
        horizontal="center" if centre else "left", vertical="center", wrap_text=True
    )


def print_setup(sheet: Worksheet, *, area: str, title_rows: str, header: str, footer: str) -> None:
    """Print on A4 landscape, one page wide, with rows and a header repeated on every page.

    Parameters
    ----------
    area : str
        The print area, such as ``A1:I30``.
    title_rows : str
        Rows repeated at the top of every page, such as ``9:10``.
    header, footer : str
        The page header and footer text (``&P`` is the page number, ``&N``
        the number of pages). An ``&`` in ``header`` is printed as itself.
    """
    sheet.print_area = area
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddHeader.center.text = header.replace("&", "&&")  # & starts a header code
    sheet.oddHeader.center.size = 12
    sheet.oddFooter.center.text = footer
