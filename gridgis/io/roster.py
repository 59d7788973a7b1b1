"""Reading a staff roster (网格人员名册) into one table.

A roster is a small spreadsheet kept by hand: one row per person and role,
with title rows above the header. :func:`read_roster` finds the header (the
first of the first :data:`~gridgis.io.tables.HEADER_SCAN_ROWS` rows that
holds at least 姓名 and 角色), maps the known headers to canonical names and
returns every non-empty row as text, with its spreadsheet row number so a
problem can be found at source. Files, encodings and sheets are handled by
:mod:`gridgis.io.tables`. Nothing is judged here beyond the header: roles,
places and duplicates are checked by :func:`gridgis.staff.build_staff`.

Canonical columns (missing values where the roster lacks the header):

==========  ==========================================================
column      headers recognised (after NFKC, case and separator folding)
==========  ==========================================================
row         the 1-based spreadsheet row (CSV line) of the person
name        姓名, 名字, 人员姓名, name
role        角色, 网格角色, 岗位, role
title       职务, 职位, 现任职务, title, position
township    所属乡镇街道 (所属乡/镇/街道), 所属乡镇, 乡镇街道, 乡镇, 街道, township
village     所属村社区 (所属村/社区), 所属村, 所属社区, 村社区, 村, 社区, village
department  部门, 所属部门, 责任部门, department
grid_code   网格编码, 网格代码, 网格编号, grid_code
phone       联系电话, 电话, 手机, 手机号码, 联系方式, phone, tel, mobile
duty        专兼职, 专职兼职, 专兼职情况, duty
==========  ==========================================================

Other columns are kept under their own header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.tables import (
    HEADER_SCAN_ROWS,
    XLSX_SUFFIXES,
    check_table_file,
    choose_sheets,
    csv_records,
    detect_encoding,
    fold_header,
    list_headers,
    load_workbook,
    sheet_rows,
    sniff_delimiter,
)

__all__ = ["ROSTER_COLUMNS", "Roster", "read_roster"]

ROSTER_COLUMNS: tuple[str, ...] = (
    "row",
    "name",
    "role",
    "title",
    "township",
    "village",
    "department",
    "grid_code",
    "phone",
    "duty",
)
_REQUIRED = {"name": "姓名 (name)", "role": "角色 (role)"}

# Aliases per field, compared after gridgis.io.tables.fold_header (which drops
# separators, so 所属乡/镇/街道 reads as 所属乡镇街道 and grid_code as gridcode).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "人员姓名", "name"),
    "role": ("角色", "网格角色", "岗位", "role"),
    "title": ("职务", "职位", "现任职务", "title", "position"),
    "township": (
        "所属乡镇街道",
        "所属乡镇",
        "所属街道",
        "乡镇街道",
        "乡镇",
        "街道",
        "镇街",
        "township",
        "town",
    ),
    "village": (
        "所属村社区",
        "所属村",
        "所属社区",
        "村社区",
        "村居",
        "村",
        "社区",
        "village",
        "community",
    ),
    "department": ("部门", "所属部门", "责任部门", "department", "dept"),
    "grid_code": ("网格编码", "网格代码", "网格编号", "grid_code", "gridcode"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "phone", "tel", "mobile"),
    "duty": ("专兼职", "专职兼职", "专兼职情况", "duty"),
}
_ALIAS_INDEX: dict[str, str] = {
    fold_header(alias): name for name, aliases in _HEADER_ALIASES.items() for alias in aliases
}


@dataclass
class Roster:
    """A roster as read: its rows as text and where they came from.

    Attributes
    ----------
    people : DataFrame
        One row per non-empty roster row: :data:`ROSTER_COLUMNS` (text, ``row``
        an int) and then the unrecognised columns under their headers.
    source : Path
        The file.
    sheet : str or None
        The worksheet read (XLSX).
    encoding : str or None
        The text encoding used (CSV).
    header_row : int
        1-based row (CSV line) of the header.
    extra_columns : tuple of str
        Unrecognised headers, kept as columns.
    empty_rows : int
        Completely empty rows skipped.
    notes : list of str
        What was detected (encoding, sheet).
    """

    people: pd.DataFrame
    source: Path
    sheet: str | None
    encoding: str | None
    header_row: int
    extra_columns: tuple[str, ...] = ()
    empty_rows: int = 0
    notes: list[str] = field(default_factory=list)


def read_roster(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Roster:
    """Read a staff roster (XLSX or CSV) into a table of text.

    Parameters
    ----------
    path : Path
        An ``.xlsx`` workbook or a CSV file (UTF-8, UTF-8 with BOM or GBK,
        detected).
    sheet : str, optional
        The worksheet; default the first whose first rows hold a roster header.
    encoding : str, optional
        Text encoding of a CSV file (default: detected).

    Returns
    -------
    Roster

    Raises
    ------
    InputDataError
        One sentence: the file is missing, empty, of another format than its
        name says, has no such sheet, or lacks the 姓名 or 角色 header (naming
        the headers it has).

    Examples
    --------
    >>> from gridgis.paths import DEMO_DIR
    >>> roster = read_roster(DEMO_DIR / "staff.xlsx")
    >>> int(roster.people["row"].iloc[0]), roster.header_row, roster.people["role"].iloc[0]
    (2, 1, '挂点领导')
    """
    path = Path(path)
    suffix = check_table_file(path, "roster")
    if suffix in XLSX_SUFFIXES:
        sheet_name, rows = _xlsx_rows(path, sheet)
        notes: list[str] = []
        used_encoding = None
    else:
        if sheet is not None:
            raise InputDataError(f"{path.name} is a CSV file; it has no sheets to choose from")
        used_encoding = detect_encoding(path, encoding)
        notes = (
            []
            if used_encoding.startswith("utf-8")
            else [f"{path.name}: text read as {used_encoding}"]
        )
        sheet_name, rows = None, _csv_rows(path, used_encoding)
    where = f" (sheet {sheet_name!r})" if sheet_name else ""
    header_index, fields = _find_header(rows, path.name, where)
    labels = rows[header_index]
    people, empty = _people(rows, header_index, labels, fields)
    if people.empty:
        raise InputDataError(
            f"{path.name}{where}: no people below the header in row {header_index + 1}"
        )
    extra = tuple(c for c in people.columns if c not in ROSTER_COLUMNS)
    return Roster(people, path, sheet_name, used_encoding, header_index + 1, extra, empty, notes)


# -- files ----------------------------------------------------------------------


def _csv_rows(path: Path, encoding: str) -> list[list[str]]:
    # A roster has hundreds of rows, not millions: read it whole.
    text = path.read_text(encoding=encoding)
    delimiter = sniff_delimiter(text.splitlines()[:HEADER_SCAN_ROWS])
    return [[cell.strip() for cell in record] for record in csv_records(text, delimiter, path.name)]


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[str, list[list[str]]]:
    workbook = load_workbook(path)
    try:
        first: tuple[str, list[list[str]]] | None = None
        for name in choose_sheets(list(workbook.sheetnames), sheet, path.name):
            cells = sheet_rows(workbook, name)
            if cells is None:  # a chart sheet
                continue
            rows = [[text.strip() for text in row] for row in cells]
            first = first or (name, rows)
            if _best_header(rows)[1].keys() >= _REQUIRED.keys():
                return name, rows
        if first is None:
            raise InputDataError(f"{path.name} has no worksheet")
        return first  # its missing header is reported by _find_header
    finally:
        workbook.close()


# -- header and rows --------------------------------------------------------------


def _match(row: list[str]) -> dict[str, int]:
    """Map fields to the leftmost column whose header names them."""
    fields: dict[str, int] = {}
    for column, label in enumerate(row):
        name = _ALIAS_INDEX.get(fold_header(label)) if label else None
        if name is not None and name not in fields:
            fields[name] = column
    return fields


def _best_header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """Pick the first scanned row holding 姓名 and 角色, else the row matching most fields."""
    best_index = -1
    best_fields: dict[str, int] = {}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields = _match(row)
        if fields.keys() >= _REQUIRED.keys():
            return index, fields
        if len(fields) > len(best_fields):
            best_index, best_fields = index, fields
    return best_index, best_fields


def _find_header(rows: list[list[str]], file_name: str, where: str) -> tuple[int, dict[str, int]]:
    index, fields = _best_header(rows)
    missing = [label for name, label in _REQUIRED.items() if name not in fields]
    if missing:
        shown = rows[index] if index >= 0 else next((r for r in rows if any(r)), [])
        raise InputDataError(
            f"{file_name}{where}: missing required header {' and '.join(missing)} in the first "
            f"{HEADER_SCAN_ROWS} rows; headers found: {list_headers(shown)}"
        )
    return index, fields


def _people(
    rows: list[list[str]], header_index: int, labels: list[str], fields: dict[str, int]
) -> tuple[pd.DataFrame, int]:
    """Return the non-empty rows below the header (canonical columns first) and the empty count."""
    known = set(fields.values())
    extra: dict[int, str] = {}
    taken = set(ROSTER_COLUMNS)
    for position, label in enumerate(labels):
        if position in known or not label:
            continue
        unique, copy = label, 1
        while unique in taken:  # two 备注 columns: 备注, 备注_2
            copy += 1
            unique = f"{label}_{copy}"
        taken.add(unique)
        extra[position] = unique
    records = []
    empty = 0
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(row):
            empty += 1
            continue

        def cell(position: int, row: list[str] = row) -> str | None:
            return (row[position] or None) if position < len(row) else None

        record: dict[str, object] = {"row": offset}
        for name in ROSTER_COLUMNS[1:]:
            record[name] = cell(fields[name]) if name in fields else None
        for position, label in extra.items():
            record[label] = cell(position)
        records.append(record)
    columns = [*ROSTER_COLUMNS, *extra.values()]
    people = pd.DataFrame.from_records(records, columns=columns)
    for column in columns[1:]:
        people[column] = people[column].astype(object).where(people[column].notna(), None)
    people["row"] = people["row"].astype("int64")
    return people, empty
