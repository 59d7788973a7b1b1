"""Reading tables kept by hand: CSV and XLSX files, their text and their header.

Ledgers and rosters reach the county as Excel workbooks or CSV exports laid
out the way each office likes: title rows above the header, header cells
merged over two rows, GBK text, a workbook renamed to ``.csv``. This module
holds what every such reader needs, so that :mod:`gridgis.io.ledger` and
:mod:`gridgis.io.roster` differ only in what their columns mean.

Choices a maintainer should know:

- **A file is judged by its bytes, not only its name.** :func:`check_table_file`
  refuses an ``.xls`` (OLE) workbook, a CSV renamed ``.xlsx`` and a workbook
  renamed ``.csv`` with a sentence saying which it is.
- **Encodings are tried strictly, over the whole file.** UTF-8 (with or
  without BOM) first, then GB18030, a superset of GBK; a UTF-16 BOM means
  Excel's "Unicode text". :func:`detect_encoding` decodes the file
  incrementally, so a GBK byte deep in a large UTF-8 file is found before a
  streamed read stops half-way.
- **The delimiter is the commonest of comma, tab, semicolon and bar** in the
  lines scanned for the header (:func:`sniff_delimiter`).
- **Workbooks are opened read-only with cached values** (``data_only``): the
  values Excel last calculated, not formulas. A stale ``<dimension>`` tag would
  cut read-only rows short, so it is reset before every read.
- **Cells are read as the text a person typed** (:func:`cell_text`): a phone
  number stored as a float loses its ``.0``, a boolean reads 是/否.
- **The header is looked for in the first** :data:`HEADER_SCAN_ROWS` **rows**
  (:func:`find_header`): the row, or pair of rows, whose cells name the most
  distinct known fields. A pair is a header merged over two rows (a group cell
  坐标 over 经度/纬度); openpyxl's read-only mode and CSV exports both lose the
  merged ranges but leave their values in the top-left cell.
- **Headers are compared folded** (:func:`fold_header`): NFKC, case folded,
  bracketed parts (units) removed, and spaces and separators dropped, so
  ``所属乡/镇/街道`` matches ``所属乡镇街道`` and ``营业收入（万元）`` matches ``营业收入``.
- **The csv module's field size limit is process-wide.** :func:`csv_records`
  raises it for one read under a lock and restores it.
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from gridgis.errors import EncodingError, InputDataError
from gridgis.text import fold

__all__ = [
    "CSV_SUFFIXES",
    "HEADER_SCAN_ROWS",
    "XLSX_SUFFIXES",
    "HeaderMatch",
    "Lookup",
    "cell_text",
    "check_table_file",
    "choose_sheets",
    "column_letter",
    "csv_records",
    "detect_encoding",
    "find_header",
    "fold_header",
    "list_headers",
    "load_workbook",
    "sheet_rows",
    "sniff_delimiter",
    "unique_labels",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

#: Header rows are looked for in the first rows only: title and note rows
#: above a header rarely take more than a handful.
HEADER_SCAN_ROWS = 30

# The csv module refuses a field longer than 131,072 characters by default,
# and a pasted product list or scope of business can be longer.
_CSV_FIELD_LIMIT = 10_000_000
# csv.field_size_limit is process-wide: raised and restored under this lock so
# two tables read in threads cannot restore each other's value mid-read.
_CSV_LIMIT_LOCK = threading.Lock()

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Separators and marks ignored in headers ("*企业名称", "所属乡/镇/街道"). The
# whitespace dropped is named here too: headers have always been folded with
# exactly this set, so fold() is called with whitespace=False.
_HEADER_MARKS = " \t\r\n\u3000/\\、,，;；:：-_.·*#№'\""

#: (field, alias rank) a header label names, or None; see :func:`find_header`.
Lookup = Callable[[str], tuple[str, int] | None]


# ----------------------------------------------------------------------------
# Files


def check_table_file(path: Path, what: str) -> str:
    """Refuse a file that is not a readable XLSX or CSV table; return its suffix.

    Parameters
    ----------
    path : Path
        The file.
    what : str
        What the file should hold ("ledger", "roster"), for the messages.

    Returns
    -------
    str
        The suffix, lower case (one of :data:`CSV_SUFFIXES` or :data:`XLSX_SUFFIXES`).

    Raises
    ------
    InputDataError
        Missing, a folder, empty, an unsupported suffix, or content that does not
        match the suffix (an .xls, a CSV named .xlsx, a workbook named .csv).

    Examples
    --------
    >>> check_table_file(Path("enterprises.xlsx"), "ledger")  # doctest: +SKIP
    '.xlsx'
    """
    if not path.exists():
        raise InputDataError(f"{what} file not found: {path}")
    if path.is_dir():
        raise InputDataError(f"{path} is a folder; give the {what}'s .xlsx or .csv file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputDataError(
            f"{path.name} is an Excel 97-2003 workbook (.xls), which cannot be read; "
            "open it and save it as .xlsx"
        )
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise InputDataError(
            f"{path.name}: unsupported {what} format {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(XLSX_SUFFIXES + CSV_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise InputDataError(f"{path.name} is an empty file")
    with path.open("rb") as handle:
        magic = handle.read(8)
    if suffix in XLSX_SUFFIXES:
        if magic.startswith(_OLE_MAGIC):
            raise InputDataError(
                f"{path.name} is not an .xlsx workbook but an Excel 97-2003 (.xls) or "
                "password-protected file; open it and save it as an unprotected .xlsx"
            )
        if not magic.startswith(_XLSX_MAGIC):
            raise InputDataError(
                f"{path.name} is not an Excel workbook but a text (CSV) file with an .xlsx "
                "name; rename it to .csv"
            )
    elif magic.startswith(_XLSX_MAGIC) or magic.startswith(_OLE_MAGIC):
        raise InputDataError(
            f"{path.name} is an Excel workbook, not a text (CSV) file; rename it to .xlsx"
        )
    return suffix


# ----------------------------------------------------------------------------
# CSV


def detect_encoding(path: Path, encoding: str | None) -> str:
    """Return an encoding that decodes the whole file strictly.

    Parameters
    ----------
    path : Path
        A text file.
    encoding : str, optional
        The encoding the user named; checked rather than detected.

    Returns
    -------
    str
        ``encoding``, ``"utf-16"`` (a UTF-16 BOM), ``"utf-8-sig"`` (UTF-8 with
        or without BOM) or ``"gb18030"``.

    Raises
    ------
    EncodingError
        ``encoding`` is unknown or does not decode the file, or no candidate does.

    Examples
    --------
    >>> detect_encoding(Path("enterprises_gbk.csv"), None)  # doctest: +SKIP
    'gb18030'
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise EncodingError(f"unknown text encoding {encoding!r}") from error
        candidates = [encoding]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export.
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    failure: tuple[str, int] | None = None
    for candidate in candidates:
        position = _first_undecodable(path, candidate)
        if position is None:
            return candidate
        failure = failure or (candidate, position)
    assert failure is not None
    if encoding is not None:
        raise EncodingError(
            f"{path.name}: text is not valid {encoding} (byte {failure[1]}); "
            "check the --encoding value"
        )
    raise EncodingError(
        f"{path.name}: text is neither UTF-8 nor GBK/GB18030 (bad byte near offset "
        f"{failure[1]}); save it as UTF-8 CSV or pass --encoding"
    )


def _first_undecodable(path: Path, encoding: str) -> int | None:
    """Return the offset of the first byte ``encoding`` cannot decode, 1 MiB at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                return offset + max(error.start, 0)
            if not block:
                return None
            offset += len(block)


def sniff_delimiter(lines: Sequence[str]) -> str:
    r"""Return the commonest of comma, tab, semicolon and bar in ``lines`` (comma if none).

    Parameters
    ----------
    lines : sequence of str
        The first lines of the file (those scanned for the header).

    Returns
    -------
    str

    Examples
    --------
    >>> sniff_delimiter(["企业名称\t地址", "甲\t乙"])
    '\t'
    """
    sample = "\n".join(lines)
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_records(text: str, delimiter: str, file_name: str) -> list[list[str]]:
    r"""Parse CSV text with the csv module, allowing cells of up to 10,000,000 characters.

    The field size limit is raised for this read only and then restored, as
    it is shared by every csv reader in the process.

    Parameters
    ----------
    text : str
        Decoded CSV text.
    delimiter : str
        From :func:`sniff_delimiter`.
    file_name : str
        For the messages.

    Returns
    -------
    list of list of str
        The records, cells as written (not stripped).

    Raises
    ------
    InputDataError
        A longer cell, or malformed CSV (naming the line).

    Examples
    --------
    >>> csv_records("a,b\n1,2\n", ",", "t.csv")
    [['a', 'b'], ['1', '2']]
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    with _CSV_LIMIT_LOCK:
        previous = csv.field_size_limit()
        limit = max(previous, _CSV_FIELD_LIMIT)
        csv.field_size_limit(limit)
        try:
            return list(reader)
        except csv.Error as error:
            if "field limit" in str(error):
                raise InputDataError(
                    f"{file_name}: line {reader.line_num} has a cell longer than "
                    f"{limit:,} characters; shorten it"
                ) from error
            raise InputDataError(
                f"{file_name}: malformed CSV (line {reader.line_num}: {error})"
            ) from error
        finally:
            csv.field_size_limit(previous)


# ----------------------------------------------------------------------------
# XLSX


def load_workbook(path: Path) -> Any:
    """Open an XLSX workbook read-only, with the values Excel last calculated.

    Parameters
    ----------
    path : Path
        An ``.xlsx``/``.xlsm`` file (see :func:`check_table_file`).

    Returns
    -------
    openpyxl.Workbook
        Read-only: rows stream with bounded memory. The caller closes it.

    Raises
    ------
    InputDataError
        The file is not a readable workbook.

    Examples
    --------
    >>> workbook = load_workbook(Path("staff.xlsx"))  # doctest: +SKIP
    """
    import openpyxl  # imported here: only XLSX tables need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise InputDataError(f"{path.name}: not a readable .xlsx workbook ({error})") from error


def choose_sheets(names: Sequence[str], sheet: str | int | None, file_name: str) -> list[str]:
    """Return the sheets to look in: the one asked for, or all of them in order.

    Parameters
    ----------
    names : sequence of str
        The workbook's sheet names.
    sheet : str or int, optional
        A sheet name, or its 0-based number.
    file_name : str
        For the messages.

    Returns
    -------
    list of str

    Raises
    ------
    InputDataError
        No such sheet (the message lists the sheets).

    Examples
    --------
    >>> choose_sheets(["说明", "台账"], 1, "l.xlsx")
    ['台账']
    """
    if sheet is None:
        return list(names)
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputDataError(
                f"{file_name} has no sheet number {sheet} (0-based); "
                f"its sheets are: {', '.join(names)}"
            )
        return [names[sheet]]
    if str(sheet) in names:
        return [str(sheet)]
    raise InputDataError(f"{file_name} has no sheet {sheet!r}; its sheets are: {', '.join(names)}")


def sheet_rows(workbook: Any, name: str, max_row: int | None = None) -> list[list[str]] | None:
    """Return a worksheet's rows as cell text, or None for a chart sheet.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        From :func:`load_workbook`.
    name : str
        The sheet.
    max_row : int, optional
        Read rows 1 to ``max_row`` only (default: all).

    Returns
    -------
    list of list of str or None
        The cells as :func:`cell_text` gives them (not stripped).

    Examples
    --------
    >>> rows = sheet_rows(load_workbook(Path("staff.xlsx")), "Sheet1", 30)  # doctest: +SKIP
    """
    worksheet = workbook[name]
    if not hasattr(worksheet, "iter_rows"):  # a chart sheet
        return None
    # The <dimension> tag some writers leave stale would make openpyxl stop
    # early in read-only mode; reset it so no row is silently cut off.
    worksheet.reset_dimensions()
    return [
        [cell_text(value) for value in row]
        for row in worksheet.iter_rows(min_row=1, max_row=max_row, values_only=True)
    ]


def cell_text(value: Any) -> str:
    """Return the text of a spreadsheet cell, as a person would have typed it.

    Parameters
    ----------
    value : object
        A value from openpyxl (None, str, bool, int, float, date/time).

    Returns
    -------
    str
        ``""`` for an empty cell; a whole float without ``.0`` (phone numbers
        and codes stored as numbers); 是/否 for a boolean; ISO dates.

    Examples
    --------
    >>> cell_text(13912345678.0), cell_text(True), cell_text(None)
    ('13912345678', '是', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        # Phone numbers and codes stored as numbers come back as 13912345678.0.
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------------------
# Headers


def fold_header(text: str) -> str:
    r"""Return a header in the form headers are compared in.

    NFKC (full-width to ASCII), bracketed parts such as units removed, case
    folded, spaces and separators (``/\、,;:-_.·*#№`` and quotes) dropped.

    Parameters
    ----------
    text : str
        A header as written.

    Returns
    -------
    str

    Examples
    --------
    >>> fold_header("*所属乡/镇/街道"), fold_header("营业收入（万元）"), fold_header("Grid_Code")
    ('所属乡镇街道', '营业收入', 'gridcode')
    """
    return fold(text, drop=_HEADER_MARKS, brackets=True, whitespace=False)


@dataclass(frozen=True)
class HeaderMatch:
    """The header found among a table's first rows.

    Attributes
    ----------
    rows : tuple of int
        0-based positions, among the scanned rows, of the header row or rows.
    labels : tuple of str
        Each column's header as written; ``坐标/经度`` for a sub-header under a
        group cell, ``""`` for a column without any.
    matches : tuple of (str, int) or None
        Per column, the (field, alias rank) its header names, if any.
    fields : dict of str to int
        Field -> column: the best-ranked alias wins, then the leftmost column.
    """

    rows: tuple[int, ...]
    labels: tuple[str, ...]
    matches: tuple[tuple[str, int] | None, ...]
    fields: dict[str, int]


def find_header(rows: Sequence[Sequence[str]], lookup: Lookup) -> HeaderMatch | None:
    """Find the header among a table's first rows.

    The header is the row whose cells name the most distinct fields, or the
    pair of rows around it (a two-row header with merged cells) if the pair
    names strictly more.

    Parameters
    ----------
    rows : sequence of sequence of str
        The first rows of the table (:data:`HEADER_SCAN_ROWS`), as text.
    lookup : callable
        Label -> (field, alias rank), or None for a label naming no field.

    Returns
    -------
    HeaderMatch or None
        None when no row names any field.

    Examples
    --------
    >>> found = find_header([["名册"], ["姓名", "角色"]], lambda s: {"姓名": ("name", 0)}.get(s))
    >>> found.rows, found.fields
    ((1,), {'name': 0})
    """
    table = [list(row) for row in rows]
    best_index = -1
    best_fields: dict[str, int] = {}
    for index, row in enumerate(table):
        fields = _match_fields(_single_row(row)[0], lookup)
        if len(fields) > len(best_fields):
            best_index, best_fields = index, fields
    if best_index < 0:
        return None
    best_candidates, labels = _single_row(table[best_index])
    header_rows = [best_index]
    for upper, lower in ((best_index, best_index + 1), (best_index - 1, best_index)):
        if upper < 0 or lower >= len(table):
            continue
        candidates, display = _two_rows(table[upper], table[lower])
        fields = _match_fields(candidates, lookup)
        if len(fields) > len(best_fields):
            best_fields, labels, header_rows = fields, display, [upper, lower]
            best_candidates = candidates
    return HeaderMatch(
        rows=tuple(header_rows),
        labels=tuple(labels),
        matches=tuple(_column_matches(best_candidates, lookup)),
        fields=best_fields,
    )


def _column_matches(candidates: list[list[str]], lookup: Lookup) -> list[tuple[str, int] | None]:
    """Return (field, alias rank) per column: its first candidate label that matches."""
    matches: list[tuple[str, int] | None] = []
    for labels in candidates:
        found = None
        for label in labels:
            found = lookup(label)
            if found is not None:
                break
        matches.append(found)
    return matches


def _match_fields(candidates: list[list[str]], lookup: Lookup) -> dict[str, int]:
    """Map fields to columns.

    Per column the first matching candidate label wins; per field the
    best-ranked alias wins, then the leftmost column.
    """
    best: dict[str, tuple[int, int]] = {}
    for column, found in enumerate(_column_matches(candidates, lookup)):
        if found is None:
            continue
        name, rank = found
        if name not in best or (rank, column) < best[name]:
            best[name] = (rank, column)
    return {name: column for name, (_, column) in best.items()}


def _single_row(row: list[str]) -> tuple[list[list[str]], list[str]]:
    return [[cell] if cell else [] for cell in row], list(row)


def _two_rows(upper: list[str], lower: list[str]) -> tuple[list[list[str]], list[str]]:
    """Labels of a two-row header with merged cells.

    openpyxl's read-only mode does not expose merged ranges, and a CSV export
    loses them, but both leave the same pattern: a merged cell's value sits in
    its top-left cell and the others are empty. So a column with nothing in
    the lower row takes the upper label (a label merged down two rows), and a
    column with a lower label takes the group label above it, or the nearest
    one to its left across an empty stretch (a group merged across columns).
    The lower label is tried alone first (经度 under 坐标), then joined to its
    group (姓名 under 主要负责人 → 主要负责人姓名).
    """
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    candidates: list[list[str]] = []
    display: list[str] = []
    group = ""
    for top, sub in zip(upper, lower, strict=True):
        if not sub:
            group = ""
            candidates.append([top] if top else [])
            display.append(top)
            continue
        if top:
            group = top
        if group and group != sub:
            candidates.append([sub, group + sub])
            display.append(f"{group}/{sub}")
        else:
            candidates.append([sub])
            display.append(sub)
    return candidates, display


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Return the labels made unique: ``备注``, ``备注_2``; ``column_C`` for an empty one.

    Parameters
    ----------
    labels : sequence of str
        Column headers as written.

    Returns
    -------
    list of str

    Examples
    --------
    >>> unique_labels(["备注", "", "备注"])
    ['备注', 'column_B', '备注_2']
    """
    seen: dict[str, int] = {}
    out = []
    for position, label in enumerate(labels):
        label = label or f"column_{column_letter(position)}"
        count = seen.get(label, 0) + 1
        seen[label] = count
        out.append(label if count == 1 else f"{label}_{count}")
    return out


def column_letter(position: int) -> str:
    """Return the spreadsheet letter of a 0-based column (0 → A, 26 → AA).

    Parameters
    ----------
    position : int

    Returns
    -------
    str

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def list_headers(labels: Sequence[str]) -> str:
    """Return the non-empty headers for a message, comma-separated, or ``(nothing)``.

    Parameters
    ----------
    labels : sequence of str

    Returns
    -------
    str

    Examples
    --------
    >>> list_headers(["姓名", "", "角色"]), list_headers([])
    ('姓名, 角色', '(nothing)')
    """
    shown = [label for label in labels if label]
    return ", ".join(shown) if shown else "(nothing)"
