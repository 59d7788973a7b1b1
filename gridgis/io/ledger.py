"""Reading enterprise ledgers (企业台账) from CSV and XLSX files.

A ledger reaches the county as an Excel workbook or a CSV export, laid out the
way each township likes it: title rows above the header, merged two-row headers
(a group cell "坐标" over 经度/纬度), GBK text, USCCs typed by hand, coordinates
picked from Amap or Baidu and sometimes swapped. :func:`read_ledger` and
:func:`iter_ledger_chunks` read it into one clean table and a problems table;
nothing is written anywhere (the project store comes later).

This module does the reading: it checks the file, finds the header among the
first rows (:mod:`gridgis.io.tables`), maps its headers to the Appendix A fields
and reads the rows as raw chunks of text, numbered from the header down.
:mod:`gridgis.ledger` normalises each chunk; its docstring lists the output
columns and the problem kinds.

Choices a maintainer should know:

- **Headers are recognised by alias** (``_HEADER_ALIASES``, best first,
  compared folded), and a unit written after the header (``营业收入万元``) is
  ignored. The best-ranked alias wins a field; two equally good coordinate
  headers (two 纬度) must hold the same values, checked chunk by chunk.
- **Required headers**: 企业名称, and 经度/纬度 (or one coordinates column) or
  所属乡镇 and 所属村. One of 经度/纬度 without the other is refused, with the
  nearest known spelling suggested for a misspelt header.
- **What was detected or assumed is logged here once**, under this module's
  logger (the encoding, the sheet, the coordinate system, a missing column),
  and given in :attr:`gridgis.ledger.LedgerInfo.notes`.
- **CSV rows go through pandas' C parser** (no field length limit), as
  Python strings; the header scan uses the csv module. **XLSX rows stream**
  from one read-only workbook, opened once for the header scan and the rows.
- **Memory is bounded by the chunk size** when iterating with
  :func:`iter_ledger_chunks` (default :data:`DEFAULT_CHUNK_ROWS` rows).
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
import weakref
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridgis.coords import normalise_system_name
from gridgis.errors import InputDataError
from gridgis.io.tables import (
    HEADER_SCAN_ROWS,
    XLSX_SUFFIXES,
    cell_text,
    check_table_file,
    choose_sheets,
    column_letter,
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
from gridgis.ledger import (
    LEDGER_COLUMNS,
    PROBLEM_COLUMNS,
    FirstRows,
    LedgerChunk,
    LedgerInfo,
    LedgerLayout,
    LedgerRead,
    Normaliser,
    check_county_bounds,
    combine_chunks,
    flag_streaming_duplicates,
)

logger = logging.getLogger(__name__)

__all__ = [
    "LEDGER_COLUMNS",
    "PROBLEM_COLUMNS",
    "LedgerChunk",
    "LedgerInfo",
    "LedgerOptions",
    "LedgerRead",
    "iter_ledger_chunks",
    "ledger_header_field",
    "read_ledger",
]

DEFAULT_CHUNK_ROWS = 100_000

# How alike (difflib ratio) an unknown header must be to an alias to be
# suggested: 0.5 still catches a one-character slip in a two-character header
# (维度 for 纬度), the commonest misspelling in township ledgers.
_SUGGESTION_CUTOFF = 0.5

# Header aliases per canonical field, best first, separated by spaces. They are
# compared folded (gridgis.io.tables.fold_header: NFKC, case-folded, bracketed
# parts such as units removed, spaces and separators removed). The rank (the
# position) decides which column wins when two map to the same field (详细地址
# before 地址).
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(aliases.split())
    for name, aliases in {
        "name": (
            "企业名称 单位名称 生产经营单位名称 企业单位名称 企业全称 名称 "
            "name enterprise enterprisename company companyname unitname"
        ),
        "uscc": (
            "统一社会信用代码 社会信用代码 信用代码 统一代码 "
            "uscc creditcode unifiedsocialcreditcode socialcreditcode"
        ),
        "address": "详细地址 企业地址 地址 经营地址 生产经营地址 单位地址 所在地址 address addr",
        "principal": (
            "主要负责人 负责人 主要负责人姓名 负责人姓名 法定代表人 法人代表 法人 "
            "principal manager legalrepresentative principalname"
        ),
        "phone": (
            "联系电话 电话 联系方式 手机 手机号码 电话号码 主要负责人电话 主要负责人联系电话 "
            "负责人电话 负责人联系电话 主要负责人联系方式 "
            "phone tel telephone mobile contactphone"
        ),
        "email": "电子邮箱 邮箱 电子邮件 email mail emailaddress",
        "employees": (
            "员工人数 从业人数 从业人员 从业人员数 职工人数 员工数 人数 "
            "employees staff headcount employeecount"
        ),
        "products": (
            "生产经营储存主要产品 主要产品 生产经营主要产品 产品 主要产品名称 "
            "products mainproducts product"
        ),
        "licensed": (
            "是否注册营业执照 是否办理营业执照 是否有营业执照 有无营业执照 营业执照 "
            "licensed license businesslicense"
        ),
        "township": (
            "所属乡镇街道 所属乡镇 乡镇街道 所属街道 乡镇 街道 镇街 所属镇街 乡镇名称 "
            "township town street subdistrict"
        ),
        "village": (
            "所属村社区 所属村 所属社区 村社区 村居 村委会 行政村 社区 村 村名 village community"
        ),
        "sector": "行业 所属行业 行业类别 行业类型 行业分类 行业领域 sector industry",
        "risk": "风险等级 安全风险等级 风险级别 风险分级 风险 risk risklevel",
        "major_hazard": (
            "重大危险源 重大危险源等级 是否重大危险源 危险源等级 重大危险源级别 "
            "majorhazard hazard majorhazardgrade"
        ),
        "revenue": "营业收入 年营业收入 营业额 年营业额 revenue turnover",
        "plant": "厂房性质 厂房类型 厂房情况 厂房 plant planttype premises",
        "rented_plant": "是否租赁厂房 租赁厂房 rentedplant rented",
        "abandoned_plant": "是否废弃厂房 废弃厂房 abandonedplant abandoned",
        "coord_system": (
            "坐标系 坐标系统 坐标系类型 坐标类型 坐标来源 "
            "coordsystem coordinatesystem crs srs datum"
        ),
        "lon": "经度 东经 经度坐标 x坐标 坐标x lon lng long longitude x",
        "lat": "纬度 北纬 纬度坐标 y坐标 坐标y lat latitude y",
        # One cell holding "lon, lat"; used only when there are no separate columns.
        "coordinates": "经纬度 坐标 经纬度坐标 位置坐标 coordinates coords lonlat lnglat location",
    }.items()
}

# A unit written after a header without brackets ("营业收入万元", "员工人数人").
_TRAILING_UNIT = re.compile(r"(?:万元|亿元|千元|元|人|个|名|度|°)$")

_ALIAS_INDEX: dict[str, tuple[str, int]] = {}
for _field, _aliases in _HEADER_ALIASES.items():
    for _rank, _alias in enumerate(_aliases):
        _ALIAS_INDEX.setdefault(fold_header(_alias), (_field, _rank))


def _lookup_header(text: str) -> tuple[str, int] | None:
    folded = fold_header(text)
    if not folded:
        return None
    found = _ALIAS_INDEX.get(folded)
    if found is None:
        found = _ALIAS_INDEX.get(_TRAILING_UNIT.sub("", folded))
    return found


def ledger_header_field(text: str) -> tuple[str, int] | None:
    """Return the ledger field a header names and the alias's rank, or None.

    The lookup :func:`read_ledger` finds a ledger's header with (a
    :data:`gridgis.io.tables.Lookup`), for other tables whose place columns are
    headed the way ledgers head them: the points of ``gridgis locate``, hazard
    reports.

    Examples
    --------
    >>> ledger_header_field("经度"), ledger_header_field("所属乡/镇/街道")
    (('lon', 0), ('township', 0))
    >>> ledger_header_field("备注") is None
    True
    """
    return _lookup_header(text)


# ----------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class LedgerOptions:
    """How to read a ledger; see :func:`read_ledger` for each choice.

    Attributes
    ----------
    sheet : str or int, optional
        Worksheet name or 0-based index (XLSX).
    encoding : str, optional
        CSV text encoding; detected by default.
    coords : str, optional
        Coordinate system of the whole ledger (``wgs84``, ``gcj02``, ``百度`` …).
    coords_column : str, optional
        Header of a per-row coordinate system column.
    county_bounds : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` of the county in CGCS2000 degrees.
    chunk_rows : int
        Rows normalised at a time; bounds peak memory.

    Examples
    --------
    >>> options = LedgerOptions(coords="gcj02", chunk_rows=50_000)
    >>> read = read_ledger("enterprises.xlsx", options)  # doctest: +SKIP
    """

    sheet: str | int | None = None
    encoding: str | None = None
    coords: str | None = None
    coords_column: str | None = None
    county_bounds: tuple[float, float, float, float] | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS


def read_ledger(
    path: Path | str,
    options: LedgerOptions | None = None,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    coords: str | None = None,
    coords_column: str | None = None,
    county_bounds: tuple[float, float, float, float] | None = None,
    chunk_rows: int | None = None,
) -> LedgerRead:
    """Read an enterprise ledger (CSV or XLSX) into a normalised table.

    Pass the choices as a :class:`LedgerOptions` or as keywords, not both.

    Parameters
    ----------
    path : Path or str
        A ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm`` file.
    options : LedgerOptions, optional
        All the choices below at once.
    sheet : str or int, optional
        Worksheet name or 0-based index. By default the first sheet whose
        header is recognised.
    encoding : str, optional
        CSV text encoding. By default UTF-8 (with or without BOM) is tried
        strictly, then GB18030 (a superset of GBK).
    coords : str, optional
        Coordinate system of the whole ledger (``wgs84``, ``cgcs2000``,
        ``gcj02``, ``bd09`` or an alias such as ``高德``, ``百度``). A per-row
        system column, when present, overrides it row by row. Without either,
        coordinates are taken as CGCS2000/WGS-84 and a note says so.
    coords_column : str, optional
        Header of the per-row coordinate system column; by default a column
        headed 坐标系 (or an alias) is used when present.
    county_bounds : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` of the county in CGCS2000 degrees. Points
        outside are reported, and it sharpens the swapped-axes test.
    chunk_rows : int, optional
        Rows normalised at a time (default 100,000); bounds peak memory.

    Returns
    -------
    LedgerRead
        The enterprises, the problems table, and what was detected.

    Raises
    ------
    InputDataError
        Missing file, unsupported or disguised format, unknown sheet, missing
        required header (企业名称, and 经度/纬度 or 所属乡镇/所属村), a ledger
        with no data rows, an unknown ``coords`` name, or malformed CSV.
        Also one of 经度/纬度 without the other (the message lists the
        unknown headers and suggests the nearest known one for a misspelling),
        two equally named coordinate columns (two 纬度) that differ on some
        row (identical copies are read as one, with a note), and a CSV cell
        longer than 10,000,000 characters in the first 30 lines (the lines
        scanned for the header; later cells have no limit).
    EncodingError
        If the CSV text cannot be decoded.
    TypeError
        Both ``options`` and keywords are given.

    Examples
    --------
    >>> ledger = read_ledger("enterprises.xlsx", coords="gcj02")  # doctest: +SKIP
    >>> ledger.problems.query("kind == 'invalid_uscc'")  # doctest: +SKIP
    """
    chosen = _options(
        options,
        sheet=sheet,
        encoding=encoding,
        coords=coords,
        coords_column=coords_column,
        county_bounds=county_bounds,
        chunk_rows=chunk_rows,
    )
    read = combine_chunks(list(_iter_chunks(path, chosen, streaming_duplicates=False)))
    logger.info(
        "%s: %d enterprises, %d problems, %d empty rows skipped",
        read.info.source.name,
        len(read.enterprises),
        len(read.problems),
        read.empty_rows,
    )
    return read


def iter_ledger_chunks(
    path: Path | str,
    options: LedgerOptions | None = None,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    coords: str | None = None,
    coords_column: str | None = None,
    county_bounds: tuple[float, float, float, float] | None = None,
    chunk_rows: int | None = None,
) -> Generator[LedgerChunk, None, None]:
    """Read a ledger in normalised chunks, with memory bounded by ``chunk_rows``.

    The file is checked (format, encoding, sheet, header, ``coords``) before
    this function returns, so those errors are raised at the call, not at
    the first iteration.

    Parameters
    ----------
    path, options, sheet, encoding, coords, coords_column, county_bounds
        As for :func:`read_ledger`.
    chunk_rows : int, optional
        Source rows per chunk (default 100,000).

    Returns
    -------
    iterator of LedgerChunk
        Chunks in file order. A duplicate USCC is reported on each later copy
        (naming the first row); :func:`read_ledger` reports every copy. The
        duplicate check keeps one entry per distinct code (16 bytes).

    Raises
    ------
    InputDataError
        As :func:`read_ledger`. "No data rows" is raised when the iterator
        ends, and differing copies of a coordinate column at the chunk where
        they differ.
    TypeError
        Both ``options`` and keywords are given.

    Examples
    --------
    >>> for chunk in iter_ledger_chunks("enterprises.csv", LedgerOptions(chunk_rows=10_000)):
    ...     print(len(chunk.enterprises))  # doctest: +SKIP
    """
    chosen = _options(
        options,
        sheet=sheet,
        encoding=encoding,
        coords=coords,
        coords_column=coords_column,
        county_bounds=county_bounds,
        chunk_rows=chunk_rows,
    )
    return _iter_chunks(path, chosen, streaming_duplicates=True)


def _options(options: LedgerOptions | None, **keywords: Any) -> LedgerOptions:
    """Return ``options``, or LedgerOptions from the keywords given (those not None)."""
    given = {name: value for name, value in keywords.items() if value is not None}
    if options is None:
        return LedgerOptions(**given)
    if not isinstance(options, LedgerOptions):
        raise TypeError(f"options must be LedgerOptions, not {type(options).__name__}")
    if given:
        raise TypeError(
            f"pass either options or keyword arguments, not both (got {', '.join(given)})"
        )
    return options


def _iter_chunks(
    path: Path | str, options: LedgerOptions, *, streaming_duplicates: bool
) -> Generator[LedgerChunk, None, None]:
    if options.chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    coords = options.coords
    default_system = normalise_system_name(coords) if coords is not None else None
    source = _open_source(Path(path), sheet=options.sheet, encoding=options.encoding)
    try:
        normaliser, copies = _prepare(source, default_system, options)
    except BaseException:
        source.close()
        raise
    chunks = _generate(source, normaliser, copies, options.chunk_rows, streaming_duplicates)
    # A generator that is never started never runs its ``finally``; close the
    # workbook when the iterator is dropped instead.
    weakref.finalize(chunks, source.close)
    return chunks


def _generate(
    source: _Source,
    normaliser: Normaliser,
    copies: dict[str, tuple[int, ...]],
    chunk_rows: int,
    streaming_duplicates: bool,
) -> Generator[LedgerChunk, None, None]:
    seen = FirstRows()
    rows_out = 0
    try:
        for raw, first_row in source.raw_chunks(chunk_rows):
            _check_copies(source, copies, raw, first_row)
            chunk = normaliser.normalise(raw, first_row)
            _warn_unlabelled(source, raw, chunk, first_row)
            if streaming_duplicates:
                flag_streaming_duplicates(chunk, seen)
            rows_out += len(chunk.enterprises)
            yield chunk
    finally:
        source.close()
    if rows_out == 0:
        raise InputDataError(
            f"{source.path.name}: the ledger has a header but no data rows"
            + (f" (sheet {source.sheet!r})" if source.sheet else "")
        )


# ----------------------------------------------------------------------------
# Sources: the opened file, its header and its raw chunks


@dataclass
class _Header:
    labels: list[str]  # display label per source column (made unique)
    fields: dict[str, int]  # canonical field -> column position
    header_rows: list[int]  # 0-based indices (within the scanned rows)
    unlabelled: frozenset[int]  # columns without any header text
    written: list[str] = field(default_factory=list)  # display labels as written
    unknown: tuple[int, ...] = ()  # labelled columns that match no alias
    # Coordinate field -> every column naming it as well as the one read (the
    # first); see _coordinate_copies.
    copies: dict[str, tuple[int, ...]] = field(default_factory=dict)


class _Source:
    """An opened ledger: format, header and a way to read raw string chunks."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        sheet: str | None,
        encoding: str | None,
        header: _Header,
        notes: list[str],
        reader: Callable[[int], Iterator[pd.DataFrame]],
        close: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self.format = fmt
        self.sheet = sheet
        self.encoding = encoding
        self.header = header
        # 1-based source rows (spreadsheet rows or CSV lines) of the header and
        # of the first data row.
        self.header_source_rows = tuple(r + 1 for r in header.header_rows)
        self.first_data_source_row = max(header.header_rows) + 2
        self.notes = notes
        self._reader = reader
        self._close = close

    def close(self) -> None:
        """Release the file (an open workbook); safe to call more than once."""
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def raw_chunks(self, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
        """Yield (frame of strings with positional columns, 1-based row of its first line)."""
        first = 1
        for frame in self._reader(chunk_rows):
            yield frame, first
            first += len(frame)


def _open_source(path: Path, *, sheet: str | int | None, encoding: str | None) -> _Source:
    suffix = check_table_file(path, "ledger")
    if suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, sheet)
    if sheet is not None:
        raise InputDataError(f"{path.name} is a CSV file; it has no sheets to choose from")
    return _open_csv(path, encoding)


# --- CSV ---------------------------------------------------------------------


def _open_csv(path: Path, encoding: str | None) -> _Source:
    encoding = detect_encoding(path, encoding)
    notes: list[str] = []
    if encoding not in ("utf-8-sig", "utf-8"):
        notes.append(f"{path.name}: text read as {encoding}")
    with path.open("r", encoding=encoding, newline="") as handle:
        lines = [line for _, line in zip(range(HEADER_SCAN_ROWS), handle, strict=False)]
    delimiter = sniff_delimiter(lines)
    # csv_records allows long cells in the header scan; the data rows go
    # through pandas' C parser, which has no limit.
    records = csv_records("".join(lines), delimiter, path.name)
    rows = [[cell.strip() for cell in record] for record in records]
    header = _find_header(rows, path.name, where="")
    _check_coordinate_pair(header, path.name, where="")
    n_columns = len(header.labels)
    skip = max(header.header_rows) + 1

    def reader(chunk_rows: int) -> Iterator[pd.DataFrame]:
        try:
            chunks = pd.read_csv(
                path,
                sep=delimiter,
                encoding=encoding,
                header=None,
                skiprows=skip,
                names=list(range(n_columns)),
                dtype=object,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                chunksize=chunk_rows,
                engine="c",
                quoting=csv.QUOTE_MINIMAL,
            )
            # With na_filter off, empty and missing fields (a short line) are
            # both "", never NaN, so the cells are all text. Python strings
            # (object), not pandas' Arrow-backed str: the normaliser works on
            # Python strings, and converting costs 2 s a million rows.
            with chunks:
                yield from chunks
        except pd.errors.ParserError as error:
            raise InputDataError(
                f"{path.name}: malformed CSV ({_parser_message(error, n_columns)})"
            ) from error
        except pd.errors.EmptyDataError:
            return

    return _Source(path, "csv", None, encoding, header, notes, reader)


def _parser_message(error: Exception, n_columns: int) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        return (
            f"line {match.group(2)} has {match.group(3)} fields but the header has "
            f"{n_columns}; check for unquoted commas"
        )
    return text


# --- XLSX --------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | int | None) -> _Source:
    # The workbook stays open from the header scan to the last row: opening it
    # again would parse the shared-strings table twice, which for a ledger of
    # unique names costs as much as reading the rows.
    workbook = load_workbook(path)
    try:
        return _scan_workbook(workbook, path, sheet)
    except BaseException:
        workbook.close()
        raise


def _scan_workbook(workbook: Any, path: Path, sheet: str | int | None) -> _Source:
    names = list(workbook.sheetnames)
    candidates = choose_sheets(names, sheet, path.name)
    first_error: InputDataError | None = None
    for name in candidates:
        rows = sheet_rows(workbook, name, HEADER_SCAN_ROWS)
        if rows is None:  # a chart sheet
            continue
        try:
            header = _find_header(rows, path.name, where=f" (sheet {name!r})")
        except InputDataError as error:
            first_error = first_error or error
            continue
        # This sheet is the ledger: a lone 经度 or 纬度 is its fault, not a
        # reason to look at the next sheet.
        _check_coordinate_pair(header, path.name, where=f" (sheet {name!r})")
        notes = []
        if sheet is None and len(names) > 1:
            notes.append(f"{path.name}: read sheet {name!r} (of {', '.join(names)})")
        return _Source(
            path,
            "xlsx",
            name,
            None,
            header,
            notes,
            _xlsx_reader(workbook, path, name, header),
            workbook.close,
        )
    if first_error is None:
        raise InputDataError(f"{path.name} has no worksheet")
    if len(candidates) > 1:
        raise InputDataError(f"{first_error} (no other sheet has a ledger header either)")
    raise first_error


def _xlsx_reader(
    workbook: Any, path: Path, sheet: str, header: _Header
) -> Callable[[int], Iterator[pd.DataFrame]]:
    n_columns = len(header.labels)
    first_data_row = max(header.header_rows) + 2
    padding = (None,) * n_columns

    def reader(chunk_rows: int) -> Iterator[pd.DataFrame]:
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()
        beyond = 0
        buffer: list[tuple[Any, ...]] = []
        try:
            # openpyxl yields Python tuples row by row; this loop is the cost of
            # reading XLSX at all (the parser itself is slower than this code).
            for values in worksheet.iter_rows(min_row=first_data_row, values_only=True):
                if len(values) > n_columns:
                    if any(v is not None and str(v).strip() for v in values[n_columns:]):
                        beyond += 1
                    values = values[:n_columns]
                elif len(values) < n_columns:
                    # Without dimensions, read-only rows end at their last cell.
                    values = values + padding[len(values) :]
                buffer.append(values)
                if len(buffer) >= chunk_rows:
                    yield _xlsx_frame(buffer, n_columns)
                    buffer = []
            if buffer:
                yield _xlsx_frame(buffer, n_columns)
        finally:
            if beyond:
                logger.warning(
                    "%s: %d rows have values right of the last header column; "
                    "those cells were not read",
                    path.name,
                    beyond,
                )

    return reader


def _xlsx_frame(rows: list[tuple[Any, ...]], n_columns: int) -> pd.DataFrame:
    """Turn openpyxl value tuples into a frame of cell text (object columns)."""
    columns = zip(*rows, strict=True) if rows else [()] * n_columns
    return pd.DataFrame(
        {
            position: np.array([cell_text(v) for v in values], dtype=object)
            for position, values in enumerate(columns)
        },
        index=range(len(rows)),
        dtype=object,
    )


# ----------------------------------------------------------------------------
# The header: fields, required columns, coordinate columns


def _find_header(rows: list[list[str]], file_name: str, where: str) -> _Header:
    """Find the ledger header among the first rows (see :func:`gridgis.io.tables.find_header`)."""
    found = find_header(rows, _lookup_header)
    if found is None:
        first = next((r for r in rows if any(r)), [])
        raise InputDataError(
            f"{file_name}{where}: no ledger header found (looked for 企业名称, 统一社会信用代码, "
            f"经度/纬度 …); the first row holds: {list_headers(first)}"
        )
    labels = list(found.labels)
    # Columns without any header text (trailing commas of a CSV export, a
    # formatted but empty spreadsheet column) are read but not output.
    header = _Header(
        unique_labels(labels),
        found.fields,
        list(found.rows),
        frozenset(i for i, label in enumerate(labels) if not label),
        written=labels,
        unknown=tuple(i for i, match in enumerate(found.matches) if match is None and labels[i]),
        copies=_coordinate_copies(found.fields, found.matches),
    )
    _check_required(header, file_name, where)
    return header


# Fields read from one column each whose copies are checked (_check_copies).
_COORDINATE_FIELDS = ("lon", "lat", "coordinates")
_FIELD_WORDS = {"lon": "longitude", "lat": "latitude", "coordinates": "coordinates"}


def _coordinate_copies(
    fields: dict[str, int], matches: tuple[tuple[str, int] | None, ...]
) -> dict[str, tuple[int, ...]]:
    """Return the coordinate fields named by several columns with the same alias rank.

    A better-ranked alias still wins silently (纬度 over Y坐标, which may hold
    projected metres); two equally good headers (two 纬度 columns) leave no
    reason to prefer either, so the leftmost is read and the others are
    checked to be copies of it.
    """
    copies = {}
    for name in _COORDINATE_FIELDS:
        if name in fields:
            chosen = matches[fields[name]]
            same = tuple(i for i, found in enumerate(matches) if found == chosen)
            if len(same) > 1:
                copies[name] = same
    return copies


def _lone_coordinate(fields: dict[str, int]) -> tuple[str, str] | None:
    """Return (present, absent) for one of lon/lat without the other and no pair column."""
    if "coordinates" in fields or ("lon" in fields) == ("lat" in fields):
        return None
    return ("lon", "lat") if "lon" in fields else ("lat", "lon")


def _check_required(header: _Header, file_name: str, where: str) -> None:
    fields = header.fields
    missing = []
    if "name" not in fields:
        missing.append("企业名称 (name)")
    has_coordinates = ("lon" in fields and "lat" in fields) or "coordinates" in fields
    has_admin = "township" in fields and "village" in fields
    lone = _lone_coordinate(fields)
    if not has_coordinates and not has_admin:
        if lone is not None:
            missing.append(f"{_HEADER_ALIASES[lone[1]][0]} ({lone[1]})")
        else:
            missing.append(
                "经度/纬度 (lon/lat) or 所属乡/镇/街道 and 所属村/社区 (township and village)"
            )
    if missing:
        raise InputDataError(
            f"{file_name}{where}: missing required header {' and '.join(missing)}; "
            f"headers found: {list_headers(header.written)}"
            + (_partner_hint(header, *lone, listed=True) if lone else "")
        )


def _check_coordinate_pair(header: _Header, file_name: str, where: str) -> None:
    """Refuse a ledger with one of 经度/纬度 but not the other.

    It has the required headers otherwise (township and village), so without
    this it would be read with every row silently losing its point.
    """
    lone = _lone_coordinate(header.fields)
    if lone is None:
        return
    present, absent = lone
    raise InputDataError(
        f"{file_name}{where}: found a {_FIELD_WORDS[present]} column "
        f"({header.labels[header.fields[present]]}) but no {_FIELD_WORDS[absent]} column"
        + _partner_hint(header, present, absent, listed=False)
    )


def _partner_hint(header: _Header, present: str, absent: str, *, listed: bool) -> str:
    """Say which header may have been meant for the missing half of 经度/纬度.

    ``listed`` tells that the message already lists every header, so the
    unknown ones are not listed again.
    """
    unknown = [header.written[i] for i in header.unknown]
    nearest = _nearest_alias(unknown, absent)
    parts = []
    if unknown and not listed:
        text = f"unknown headers: {', '.join(unknown)}"
        if nearest is not None:
            label, alias = nearest
            text += (
                f" — did you mean {alias}?"
                if len(unknown) == 1
                else f" — did you mean {alias} for {label}?"
            )
        parts.append(text)
    elif nearest is not None:
        parts.append(f"did you mean {nearest[1]} for {nearest[0]}?")
    if present in header.copies:
        parts.append(
            f"{_same_header(header, present)} — should one of them be {_HEADER_ALIASES[absent][0]}?"
        )
    elif nearest is None and not listed:
        parts.append(f"head the {_FIELD_WORDS[absent]} column {_HEADER_ALIASES[absent][0]}")
    return "".join(f"; {part}" for part in parts)


def _nearest_alias(labels: list[str], name: str) -> tuple[str, str] | None:
    """Return (label, alias of ``name``) for the label spelt most like an alias, if any.

    Spellings are compared folded (fold_header), as headers are matched.
    """
    aliases: dict[str, str] = {}
    for alias in _HEADER_ALIASES[name]:
        aliases.setdefault(fold_header(alias), alias)
    best: tuple[float, str, str] | None = None
    for label in labels:
        folded = fold_header(label)
        for match in difflib.get_close_matches(
            folded, list(aliases), n=1, cutoff=_SUGGESTION_CUTOFF
        ):
            score = difflib.SequenceMatcher(None, folded, match).ratio()
            if best is None or score > best[0]:
                best = (score, label, aliases[match])
    return None if best is None else (best[1], best[2])


def _same_header(header: _Header, name: str) -> str:
    """'columns E and G are both headed 纬度' for a field's copies."""
    positions = header.copies[name]
    letters = [column_letter(i) for i in positions]
    labels = dict.fromkeys(header.written[i] for i in positions)
    return (
        f"columns {', '.join(letters[:-1])} and {letters[-1]} are "
        f"{'both' if len(letters) == 2 else 'all'} headed {' / '.join(labels)}"
    )


# ----------------------------------------------------------------------------
# From the header to the normaliser, and the checks on each raw chunk


def _prepare(
    source: _Source, default_system: str | None, options: LedgerOptions
) -> tuple[Normaliser, dict[str, tuple[int, ...]]]:
    """Return the ledger's normaliser and its coordinate copies; log what was assumed."""
    header = source.header
    fields = dict(header.fields)
    if "lon" in fields and "lat" in fields:
        fields.pop("coordinates", None)
    county_bounds = check_county_bounds(options.county_bounds)
    if options.coords_column is not None:
        fields["coord_system"] = _find_column(
            options.coords_column, header.labels, source.path.name
        )
    # Equally named coordinate columns: the first is read, the others must
    # repeat it (checked chunk by chunk in _check_copies).
    copies = {
        name: positions
        for name, positions in header.copies.items()
        if fields.get(name) == positions[0]
    }
    notes, missing_columns = _notes(source, fields, copies, default_system)
    # Columns mapped to a field leave the extras; everything else is kept.
    used = set(fields.values()).union(*copies.values())
    extra = tuple(
        i for i in range(len(header.labels)) if i not in used and i not in header.unlabelled
    )
    info = LedgerInfo(
        source=source.path,
        format=source.format,
        sheet=source.sheet,
        encoding=source.encoding,
        header_rows=source.header_source_rows,
        columns={
            name: header.labels[pos] for name, pos in sorted(fields.items(), key=lambda x: x[1])
        },
        extra_columns=tuple(header.labels[i] for i in extra),
        notes=notes,
        missing_columns=missing_columns,
    )
    layout = LedgerLayout(
        fields=fields,
        labels=tuple(header.labels),
        extra=extra,
        sheet=source.sheet,
        first_source_row=source.first_data_source_row,
    )
    normaliser = Normaliser(layout, info, coord_system=default_system, county_bounds=county_bounds)
    return normaliser, copies


def _notes(
    source: _Source,
    fields: dict[str, int],
    copies: dict[str, tuple[int, ...]],
    default_system: str | None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Log what was detected (info) and what the ledger lacks (warnings); return both.

    Returns the notes for :attr:`LedgerInfo.notes` (detected, then warned) and
    the columns missing altogether (:attr:`LedgerInfo.missing_columns`).
    """
    file_name = source.path.name
    notes = list(source.notes)
    has_coordinates = "coordinates" in fields or "lon" in fields
    if has_coordinates and default_system is None:
        notes.append(
            f"{file_name}: no coordinate system given"
            + (" for rows without one in the system column" if "coord_system" in fields else "")
            + "; coordinates taken as CGCS2000/WGS-84 (pass --coords gcj02 for points "
            "picked on Amap or Tencent maps, --coords bd09 for Baidu)"
        )
    for note in notes:
        logger.info(note)
    # A column missing altogether is noted once (and given in the info),
    # where an empty cell is a problem on its row.
    missing_columns: dict[str, str] = {}
    warnings = []
    if "uscc" not in fields:
        missing_columns["missing_uscc"] = "the ledger has no USCC column"
        warnings.append(
            f"{file_name}: the ledger has no USCC column (统一社会信用代码); no row has a code"
        )
    if not has_coordinates:
        missing_columns["missing_coordinates"] = "the ledger has no coordinate columns"
        warnings.append(
            f"{file_name}: the ledger has no coordinate columns (经度/纬度); no row has a point"
        )
    for name, (first, *others) in copies.items():
        warnings.append(
            f"{file_name}: {_same_header(source.header, name)}; {column_letter(first)} is "
            f"read, and {' and '.join(map(column_letter, others))} must hold the same values"
        )
    for warning in warnings:
        logger.warning(warning)
    return (*notes, *warnings), missing_columns


def _find_column(wanted: str, labels: list[str], file_name: str) -> int:
    if wanted in labels:
        return labels.index(wanted)
    folded = fold_header(wanted)
    for position, label in enumerate(labels):
        if fold_header(label) == folded:
            return position
    raise InputDataError(
        f"{file_name}: no column {wanted!r} for the coordinate system; "
        f"headers found: {list_headers(labels)}"
    )


def _check_copies(
    source: _Source, copies: dict[str, tuple[int, ...]], raw: pd.DataFrame, first_row: int
) -> None:
    """Raise at the first row where two equally named coordinate columns differ.

    A copied column is harmless; differing ones leave no way to tell
    which holds the coordinates, and reading either would be a guess. Cells
    are compared stripped; an empty row never differs, so the row found is
    the one the normaliser would keep.
    """
    for name, (first, *others) in copies.items():
        first_cells = raw[first].to_numpy(dtype=object)
        for other in others:
            other_cells = raw[other].to_numpy(dtype=object)
            # Only the cells whose text differs at all are stripped and compared.
            differ = (
                i
                for i in np.flatnonzero(first_cells != other_cells)
                if first_cells[i].strip() != other_cells[i].strip()
            )
            at = next(differ, None)
            if at is None:
                continue
            row = first_row + at
            source_row = row + source.first_data_source_row - 1
            where = (
                f"line {source_row}" if source.sheet is None else f"spreadsheet row {source_row}"
            )
            raise InputDataError(
                f"{source.path.name}: {_same_header(source.header, name)} "
                f"but differ on row {row} ({where}): "
                f"{_shorten(first_cells[at].strip())!r} in {column_letter(first)}, "
                f"{_shorten(other_cells[at].strip())!r} in {column_letter(other)}; "
                "delete or rename one of them"
            )


def _shorten(text: str, limit: int = 40) -> str:
    """Return a cell's text for a message, cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + "…"


def _warn_unlabelled(
    source: _Source, raw: pd.DataFrame, chunk: LedgerChunk, first_row: int
) -> None:
    """Warn of the text in columns without a header in the chunk's kept rows."""
    unlabelled = [pos for pos in source.header.unlabelled if pos in raw.columns]
    if not unlabelled:
        return
    kept = chunk.enterprises["row"].to_numpy() - first_row
    lost = sum(int((raw[pos].to_numpy(dtype=object)[kept] != "").sum()) for pos in unlabelled)
    if lost:
        logger.warning(
            "%s: %d cells in columns without a header were not read", source.path.name, lost
        )
