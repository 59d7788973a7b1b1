"""Tables of places kept by hand: the points ``gridgis locate`` places, hazard reports, feedback.

These tables are small spreadsheets or CSV exports (a hotline's list of
addresses, a township's hazard reports), laid out as each office likes. They
are read the way ledgers and rosters are (:mod:`gridgis.io.tables`): the
encoding detected, the header found among the first rows (a row, or two rows
merged), headers compared folded. Their place columns are headed as ledgers
head them (经度/纬度, 坐标, 坐标系, 所属乡镇, 所属村, 详细地址, 统一社会信用代码),
so :func:`place_lookup` recognises those with the ledger's own aliases
(:func:`gridgis.io.ledger.ledger_header_field`) after a table's own, and
:func:`normalise_places` turns them into CGCS2000 points with the ledger's own
normaliser (:class:`gridgis.ledger.Normaliser`): degrees in any notation,
GCJ-02 and BD-09 converted, swapped pairs fixed.

Every row keeps its spreadsheet row (CSV line), so a problem can be found at
source. Nothing is judged here beyond the header and the coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridgis.coords import normalise_system_name
from gridgis.errors import InputDataError
from gridgis.io.ledger import ledger_header_field
from gridgis.io.tables import (
    HEADER_SCAN_ROWS,
    XLSX_SUFFIXES,
    HeaderMatch,
    Lookup,
    check_table_file,
    choose_sheets,
    csv_records,
    detect_encoding,
    find_header,
    fold_header,
    list_headers,
    load_workbook,
    sheet_rows,
    sniff_delimiter,
    unique_labels,
)
from gridgis.ledger import LedgerInfo, LedgerLayout, Normaliser

__all__ = [
    "PLACE_FIELDS",
    "PlaceTable",
    "normalise_places",
    "place_lookup",
    "read_place_table",
]

#: The ledger fields a place table may hold (see :func:`normalise_places`).
PLACE_FIELDS: tuple[str, ...] = (
    "lon",
    "lat",
    "coordinates",
    "coord_system",
    "township",
    "village",
    "address",
    "uscc",
    "name",
)
# Problems of the ledger normaliser that say something about a place (the
# others, such as a missing enterprise name, do not apply to these tables).
_PLACE_PROBLEMS = frozenset(
    {
        "invalid_coordinates",
        "swapped_coordinates",
        "coordinates_out_of_range",
        "unknown_coordinate_system",
        "invalid_uscc",
    }
)
#: Accepts a table's header: field -> column; True when it holds what is needed.
Accepts = Callable[[Mapping[str, int]], bool]


@dataclass
class PlaceTable:
    """A table as read: its cells as text, its header, and where each row came from.

    Attributes
    ----------
    cells : DataFrame
        Every data row below the header, cells as text (``""`` when empty),
        one column per header column under its label made unique
        (:func:`gridgis.io.tables.unique_labels`), index 0, 1, 2 …
    fields : dict of str to int
        Field → position of the column that holds it.
    rows : numpy.ndarray
        The 1-based spreadsheet row (CSV line) of each data row.
    source : Path
    format : str
        ``"csv"`` or ``"xlsx"``.
    sheet : str or None
    encoding : str or None
    header_rows : tuple of int
        1-based rows of the header (two for a header merged over two rows).
    empty_rows : int
        Completely empty rows left out (0 when ``keep_empty``).
    notes : list of str
        What was detected (encoding, sheet).
    """

    cells: pd.DataFrame
    fields: dict[str, int]
    rows: np.ndarray
    source: Path
    format: str
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    empty_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """The column labels, in order."""
        return [str(label) for label in self.cells.columns]

    def text(self, name: str) -> pd.Series:
        """Return a field's cells stripped, with None where empty or where the table lacks it."""
        if name not in self.fields:
            return pd.Series(None, index=self.cells.index, dtype=object)
        values = self.cells.iloc[:, self.fields[name]].astype(object).str.strip()
        return values.where(values != "", None)

    def where(self, position: int) -> str:
        """Say where a data row is: ``row 7`` (spreadsheet) or ``line 7`` (CSV)."""
        word = "line" if self.format == "csv" else "row"
        return f"{word} {int(self.rows[position])}"


def place_lookup(aliases: Mapping[str, tuple[str, ...]]) -> Lookup:
    """Return a header lookup: a table's own aliases first, then the ledger's place headers.

    Parameters
    ----------
    aliases : mapping of str to tuple of str
        Field → its headers, best first (compared folded).

    Returns
    -------
    callable
        Label → (field, rank) or None, for :func:`gridgis.io.tables.find_header`.
        A ledger header counts only for :data:`PLACE_FIELDS`, ranked after the
        table's own.

    Examples
    --------
    >>> lookup = place_lookup({"report_id": ("隐患编号", "编号")})
    >>> lookup("编号"), lookup("纬度"), lookup("主要负责人")
    (('report_id', 1), ('lat', 100), None)
    """
    own: dict[str, tuple[str, int]] = {}
    for name, labels in aliases.items():
        for rank, label in enumerate(labels):
            own.setdefault(fold_header(label), (name, rank))

    def lookup(label: str) -> tuple[str, int] | None:
        found = own.get(fold_header(label))
        if found is not None:
            return found
        ledger = ledger_header_field(label)
        if ledger is not None and ledger[0] in PLACE_FIELDS:
            return ledger[0], 100 + ledger[1]
        return None

    return lookup


def read_place_table(
    path: Path,
    lookup: Lookup,
    *,
    what: str,
    accepts: Accepts,
    needs: str,
    sheet: str | None = None,
    encoding: str | None = None,
    keep_empty: bool = False,
) -> PlaceTable:
    """Read a CSV or XLSX table kept by hand into cells of text, with its header found.

    Parameters
    ----------
    path : Path
        ``.csv``/``.txt``/``.tsv`` (UTF-8, UTF-8 with BOM, GBK: detected) or ``.xlsx``.
    lookup : callable
        Header label → (field, rank), as :func:`place_lookup` makes it.
    what : str
        What the table is (``points file``, ``hazard reports``), for messages.
    accepts : callable
        Given the fields the header names, says whether the table has what it
        needs; the first sheet that passes is read.
    needs : str
        The headers it needs, in words, for the message when none passes.
    sheet : str, optional
        The worksheet of a workbook (default: the first that passes).
    encoding : str, optional
        The text encoding of a CSV file (default: detected).
    keep_empty : bool
        Keep completely empty rows (up to the last row with any text), so the
        rows match the file's; otherwise they are left out and counted.

    Returns
    -------
    PlaceTable

    Raises
    ------
    InputDataError
        The file is missing, empty, of another format than its name says, has
        no such sheet, no header with what is needed (naming the headers it
        has), or no rows below its header.
    EncodingError
        A CSV file whose text cannot be decoded.
    """
    path = Path(path)
    suffix = check_table_file(path, what)
    notes: list[str] = []
    used_encoding: str | None = None
    if suffix in XLSX_SUFFIXES:
        sheet_name, rows, header = _xlsx_rows(path, sheet, lookup, accepts)
        file_format = "xlsx"
    else:
        if sheet is not None:
            raise InputDataError(f"{path.name} is a CSV file; it has no sheets to choose from")
        used_encoding = detect_encoding(path, encoding)
        if not used_encoding.startswith("utf-8"):
            notes.append(f"{path.name}: text read as {used_encoding}")
        text = path.read_text(encoding=used_encoding)
        delimiter = sniff_delimiter(text.splitlines()[:HEADER_SCAN_ROWS])
        rows = [
            [cell.strip() for cell in record] for record in csv_records(text, delimiter, path.name)
        ]
        sheet_name, header, file_format = None, find_header(rows[:HEADER_SCAN_ROWS], lookup), "csv"
    where = f" (sheet {sheet_name!r})" if sheet_name else ""
    if header is None or not accepts(header.fields):
        shown = list(header.labels) if header is not None else next((r for r in rows if any(r)), [])
        raise InputDataError(
            f"{path.name}{where}: no {what} header found: it needs {needs} in the first "
            f"{HEADER_SCAN_ROWS} rows; headers found: {list_headers(shown)}"
        )
    cells, numbers, empty = _data_rows(rows, header, keep_empty)
    if cells.empty:
        raise InputDataError(
            f"{path.name}{where}: no rows below the header in row {max(header.rows) + 1}"
        )
    return PlaceTable(
        cells=cells,
        fields=dict(header.fields),
        rows=numbers,
        source=path,
        format=file_format,
        sheet=sheet_name,
        encoding=used_encoding,
        header_rows=tuple(r + 1 for r in header.rows),
        empty_rows=empty,
        notes=notes,
    )


def _xlsx_rows(
    path: Path, sheet: str | None, lookup: Lookup, accepts: Accepts
) -> tuple[str | None, list[list[str]], HeaderMatch | None]:
    """Return the first sheet (of those chosen) whose header passes, its rows and header."""
    workbook = load_workbook(path)
    try:
        first: tuple[str, list[list[str]], HeaderMatch | None] | None = None
        for name in choose_sheets(list(workbook.sheetnames), sheet, path.name):
            cells = sheet_rows(workbook, name)
            if cells is None:  # a chart sheet
                continue
            rows = [[text.strip() for text in row] for row in cells]
            header = find_header(rows[:HEADER_SCAN_ROWS], lookup)
            first = first or (name, rows, header)
            if header is not None and accepts(header.fields):
                return name, rows, header
        if first is None:
            raise InputDataError(f"{path.name} has no worksheet")
        return first  # its header is refused by the caller, naming what it has
    finally:
        workbook.close()


def _data_rows(
    rows: list[list[str]], header: HeaderMatch, keep_empty: bool
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Return the rows below the header as a frame of text, their 1-based rows, and empties."""
    labels = unique_labels(list(header.labels))
    width = len(labels)
    first = max(header.rows) + 1
    body = [list(row[:width]) + [""] * (width - len(row)) for row in rows[first:]]
    filled = np.array([any(row) for row in body], dtype=bool)
    numbers = np.arange(first + 1, first + 1 + len(body), dtype=np.int64)
    if keep_empty:
        last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
        keep = np.zeros(len(body), dtype=bool)
        keep[:last] = True
    else:
        keep = filled
    kept = [row for row, wanted in zip(body, keep, strict=True) if wanted]
    frame = pd.DataFrame(
        np.array(kept, dtype=object).reshape(len(kept), width), columns=labels, dtype=object
    )
    empty = int((~filled & ~keep).sum()) if not keep_empty else 0
    return frame, numbers[keep], empty


def normalise_places(
    table: PlaceTable,
    *,
    coords: str | None = None,
    county_bounds: tuple[float, float, float, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a table's place columns as the ledger import reads them.

    Parameters
    ----------
    table : PlaceTable
        From :func:`read_place_table`.
    coords : str, optional
        Coordinate system of the whole table (``wgs84``, ``gcj02``, ``bd09``,
        ``高德`` …); a 坐标系 column overrides it row by row. Default CGCS2000/WGS-84.
    county_bounds : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` in CGCS2000 degrees: sharpens the test for
        swapped longitude and latitude.

    Returns
    -------
    places : DataFrame
        One row per table row, same index: ``lon``, ``lat`` (CGCS2000 degrees,
        NaN when missing or unusable), ``lon_input``, ``lat_input``,
        ``coord_system``, and ``township``, ``village``, ``address``, ``uscc``
        (normalised: upper case, no spaces), ``uscc_valid``, ``name`` as text
        or None.
    problems : DataFrame
        ``position`` (into the table's rows), ``kind`` and ``detail``: unusable
        coordinates, an unknown coordinate system, fixed swaps, invalid USCCs.

    Raises
    ------
    InputDataError
        An unknown ``coords`` name.
    """
    system = normalise_system_name(coords) if coords is not None else None
    fields = {name: column for name, column in table.fields.items() if name in PLACE_FIELDS}
    if "lon" in fields and "lat" in fields:
        fields.pop("coordinates", None)
    labels = tuple(table.labels)
    first_row = int(table.rows[0]) if len(table.rows) else 1
    info = LedgerInfo(
        source=table.source,
        format=table.format,
        sheet=table.sheet,
        encoding=table.encoding,
        header_rows=table.header_rows,
        columns={name: labels[column] for name, column in fields.items()},
        extra_columns=(),
    )
    layout = LedgerLayout(
        fields=fields, labels=labels, extra=(), sheet=table.sheet, first_source_row=first_row
    )
    normaliser = Normaliser(layout, info, coord_system=system, county_bounds=county_bounds)
    raw = pd.DataFrame(
        {
            position: table.cells.iloc[:, position].to_numpy(dtype=object)
            for position in range(len(labels))
        }
    )
    chunk = normaliser.normalise(raw, first_row=1)
    # The normaliser numbers rows 1, 2, 3 … below the header and leaves out
    # empty ones; spread its rows back to the table's.
    position = chunk.enterprises["row"].to_numpy(dtype=np.int64) - 1
    count = len(table.cells)
    places = pd.DataFrame(index=table.cells.index)
    for name in ("lon", "lat", "lon_input", "lat_input"):
        values = np.full(count, np.nan)
        values[position] = pd.to_numeric(chunk.enterprises[name], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        places[name] = values
    for name in ("coord_system", "township", "village", "address", "uscc", "name"):
        values = np.full(count, None, dtype=object)
        column = chunk.enterprises[name].astype(object)
        values[position] = column.where(column.notna(), None).to_numpy(dtype=object)
        places[name] = pd.Series(values, index=places.index, dtype=object)
    valid = np.full(count, None, dtype=object)
    valid[position] = chunk.enterprises["uscc_valid"].to_numpy(dtype=object, na_value=None)
    places["uscc_valid"] = pd.Series(valid, index=places.index, dtype=object)
    problems = chunk.problems[chunk.problems["kind"].isin(list(_PLACE_PROBLEMS))]
    return places, pd.DataFrame(
        {
            "position": problems["row"].to_numpy(dtype=np.int64) - 1,
            "kind": problems["kind"].astype(object).to_numpy(),
            "detail": problems["detail"].astype(object).to_numpy(),
        }
    )
