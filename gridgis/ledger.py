"""Normalising enterprise ledger rows (企业台账): raw text in, one clean table out.

:mod:`gridgis.io.ledger` reads a ledger file and finds its header; this module
turns its raw chunks (every cell a Python ``str``, columns by position) into a
DataFrame with canonical English column names and a problems table that says,
row by row, what had to be fixed or could not be used. It does no file I/O and
logs nothing: what it assumes is returned in :class:`LedgerInfo`.

The Appendix A columns, the four-colour risk levels, the major-hazard grades and
the coordinate systems are explained in ``docs/domain.md`` ("Enterprise ledger
(Appendix A)", "Risk and scale", "Coordinate systems").

Rules that hold for every ledger:

- **No row is silently dropped.** Every data row keeps a stable ``row`` number:
  its 1-based position below the header, counting blank rows, so ``row`` N is
  always the N-th line under the header in the source. ``source_row`` is the
  spreadsheet row (or CSV line; exact unless a quoted field spans lines) and
  ``source_sheet`` the sheet, so a user can find it. Completely empty rows are
  skipped and counted.
- **Bad values are kept and flagged**, never dropped: an invalid USCC stays with
  ``uscc_valid`` False; unusable coordinates become missing but the row stays.
- **Coordinates come out in CGCS2000** (EPSG:4490). GCJ-02 and BD-09 input is
  converted with :func:`gridgis.coords.to_cgcs2000`; the parsed input values are
  kept in ``lon_input``/``lat_input``.

Output columns, always present (missing values where the ledger lacks them):

======================  ==========  ============================================
column                  dtype       meaning (Appendix A header)
======================  ==========  ============================================
row                     int64       1-based position below the header
source_row              int64       spreadsheet row / CSV line number
source_sheet            str         sheet name (missing for CSV)
name                    str         企业名称
uscc                    str         统一社会信用代码, normalised (upper case, no spaces)
uscc_valid              boolean     GB 32100 check passed; missing when no code
uscc_duplicate          boolean     another row has the same code (when streaming:
                                    an earlier row has it)
address                 str         详细地址
principal               str         主要负责人
phone                   str         联系电话
email                   str         电子邮箱
employees               Int64       员工人数
products                str         生产/经营/储存主要产品
licensed                boolean     是否注册营业执照
township, village       str         所属乡/镇/街道, 所属村/社区
sector                  str         行业
risk                    str         风险等级 as 重大/较大/一般/低 (红/橙/黄/蓝 accepted)
major_hazard            boolean     重大危险源 present
major_hazard_grade      Int8        0 none, 1-4 for 一级-四级, missing if unknown
revenue                 float64     营业收入 in 万元 (header or cell units converted)
plant                   str         厂房性质 as 自有/租赁/废弃
rented_plant            boolean     租赁厂房
abandoned_plant         boolean     废弃厂房
lon, lat                float64     CGCS2000 degrees
lon_input, lat_input    float64     the numbers as read, before swap and conversion
coord_system            str         wgs84/cgcs2000/gcj02/bd09 the input was taken as
======================  ==========  ============================================

Columns the reader does not recognise follow, under their original headers.

Problems (:data:`PROBLEM_COLUMNS`): one row per problem with ``row``,
``source_row``, ``kind``, ``field``, ``value`` and ``detail``. Kinds:
``missing_name``, ``missing_uscc``, ``invalid_uscc``, ``duplicate_uscc``,
``missing_coordinates``, ``invalid_coordinates``, ``swapped_coordinates``,
``coordinates_out_of_range``, ``unknown_coordinate_system``, ``outside_county``,
``invalid_number``, ``unrecognised_value``. A column missing altogether (no USCC
column; no coordinate columns in a ledger located by township and village) is
not repeated on every row: it is given once, in :attr:`LedgerInfo.missing_columns`.

Choices a maintainer should know:

- **Vectorised over a chunk.** Cells are numpy object arrays of Python ``str``;
  a vocabulary (yes/no, risk, hazard grade, plant, coordinate system) is mapped
  once per distinct value, numbers and coordinates are parsed with numpy and
  only the cells that fail the fast path go through the slower parsers. A new
  per-row Python loop in :meth:`Normaliser.normalise` costs seconds per
  million rows.
- **Swapped axes** are fixed only when unambiguous: China's latitudes (3-54)
  and longitudes (73-136) do not overlap, and with county bounds the swapped
  point must land in the county.
- **Duplicate USCCs**: :func:`combine_chunks` (a whole read) reports every copy;
  :func:`flag_streaming_duplicates` (chunk by chunk) reports each later copy and
  remembers the codes seen in 16 bytes each (:class:`FirstRows`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from gridgis.coords import SYSTEMS, normalise_system_name, to_cgcs2000
from gridgis.errors import InputDataError
from gridgis.text import fold

__all__ = [
    "LEDGER_COLUMNS",
    "PROBLEM_COLUMNS",
    "FirstRows",
    "LedgerChunk",
    "LedgerInfo",
    "LedgerLayout",
    "LedgerRead",
    "Normaliser",
    "check_county_bounds",
    "combine_chunks",
    "flag_streaming_duplicates",
]

# Plausible extent of Chinese coordinates in degrees (with a margin), used to
# spot swapped axes and values in the wrong unit.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
# GCJ-02/BD-09 input sits up to about 1 km from its CGCS2000 position, so the
# swap test against county bounds allows this margin (degrees).
_COUNTY_MARGIN_DEG = 0.02

LEDGER_COLUMNS: tuple[str, ...] = (
    *("row", "source_row", "source_sheet"),
    *("name", "uscc", "uscc_valid", "uscc_duplicate", "address", "principal", "phone", "email"),
    *("employees", "products", "licensed", "township", "village"),
    *("sector", "risk", "major_hazard", "major_hazard_grade", "revenue"),
    *("plant", "rented_plant", "abandoned_plant"),
    *("lon", "lat", "lon_input", "lat_input", "coord_system"),
)
PROBLEM_COLUMNS: tuple[str, ...] = ("row", "source_row", "kind", "field", "value", "detail")


# ----------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class LedgerInfo:
    """What the reader found out about a ledger file before reading its rows.

    Attributes
    ----------
    source : Path
        The file.
    format : str
        ``"csv"`` or ``"xlsx"``.
    sheet : str or None
        The worksheet read (XLSX).
    encoding : str or None
        The text encoding used (CSV).
    header_rows : tuple of int
        1-based rows (CSV lines) holding the header; two for a two-row header.
    columns : dict of str to str
        Canonical field -> header as written in the file (``坐标/经度`` for a
        sub-header under a merged group cell).
    extra_columns : tuple of str
        Unrecognised headers, kept as output columns.
    notes : tuple of str
        What was detected or assumed.
    missing_columns : dict of str to str
        Problem kind -> detail for a column the ledger lacks altogether:
        ``missing_uscc`` ("the ledger has no USCC column") and
        ``missing_coordinates`` ("the ledger has no coordinate columns", for
        a ledger located by township and village only). Every row has the
        problem, so it is reported here once, with a note, instead of once
        per row in the problems table (an empty cell is reported per row).
    """

    source: Path
    format: str
    sheet: str | None
    encoding: str | None
    header_rows: tuple[int, ...]
    columns: dict[str, str]
    extra_columns: tuple[str, ...]
    notes: tuple[str, ...] = ()
    missing_columns: dict[str, str] = field(default_factory=dict)


@dataclass
class LedgerChunk:
    """A block of normalised ledger rows and their problems."""

    enterprises: pd.DataFrame
    problems: pd.DataFrame
    empty_rows: int
    info: LedgerInfo


@dataclass
class LedgerRead:
    """A whole ledger, normalised.

    Attributes
    ----------
    enterprises : pandas.DataFrame
        One row per non-empty data row; see the module docstring for the columns.
    problems : pandas.DataFrame
        One row per problem (:data:`PROBLEM_COLUMNS`), sorted by row.
    info : LedgerInfo
        Format, sheet, encoding, header rows and the header each field came from.
    empty_rows : int
        Completely empty rows skipped.
    notes : list of str
        What was assumed or detected (encoding, sheet, coordinate system), for
        the user's report.
    """

    enterprises: pd.DataFrame
    problems: pd.DataFrame
    info: LedgerInfo
    empty_rows: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerLayout:
    """Where a ledger's fields sit in its raw chunks, as the reader found them.

    Attributes
    ----------
    fields : mapping of str to int
        Canonical field (``name``, ``uscc``, ``lon``, ``coord_system`` …) ->
        column position in the raw chunks. ``coordinates`` (one cell holding
        "lon, lat") is read only without ``lon`` and ``lat``.
    labels : tuple of str
        Every column's header, made unique: the ``field`` of a problem, and
        the name of an extra column.
    extra : tuple of int
        Columns output after :data:`LEDGER_COLUMNS`, under their labels.
    sheet : str or None
        The worksheet, for ``source_sheet`` (None for a CSV file).
    first_source_row : int
        Spreadsheet row (CSV line) of ledger row 1, the first below the header.
    """

    fields: Mapping[str, int]
    labels: tuple[str, ...]
    extra: tuple[int, ...]
    sheet: str | None
    first_source_row: int


def combine_chunks(chunks: list[LedgerChunk]) -> LedgerRead:
    """Join a whole ledger's chunks, and report every copy of a repeated USCC.

    Parameters
    ----------
    chunks : list of LedgerChunk
        All chunks of one ledger, in order, from :meth:`Normaliser.normalise`
        (at least one).

    Returns
    -------
    LedgerRead
        ``uscc_duplicate`` set on every copy; a ``duplicate_uscc`` problem per
        copy naming the other rows; a note counting the empty rows.

    Examples
    --------
    >>> read = combine_chunks(list(chunks))  # doctest: +SKIP
    """
    info = chunks[0].info
    enterprises = pd.concat([c.enterprises for c in chunks], ignore_index=True)
    problem_frames = [c.problems for c in chunks if len(c.problems)]
    duplicates = _duplicate_problems(enterprises, info)
    if len(duplicates):
        problem_frames.append(duplicates)
    problems = _finish_problems(problem_frames)
    empty_rows = sum(c.empty_rows for c in chunks)
    notes = list(info.notes)
    if empty_rows:
        notes.append(f"{empty_rows} empty rows skipped")
    return LedgerRead(enterprises, problems, info, empty_rows, notes)


def flag_streaming_duplicates(chunk: LedgerChunk, seen: FirstRows) -> None:
    """Flag the USCCs of ``chunk`` already seen in an earlier row, in place.

    Parameters
    ----------
    chunk : LedgerChunk
        The next chunk of a ledger; its ``uscc_duplicate`` column and
        problems are updated (a ``duplicate_uscc`` problem per later copy,
        naming the first row).
    seen : FirstRows
        The codes of the earlier chunks; this chunk's new codes are added.

    Examples
    --------
    >>> seen = FirstRows()
    >>> for chunk in chunks:  # doctest: +SKIP
    ...     flag_streaming_duplicates(chunk, seen)
    """
    extra = _streaming_duplicates(chunk.enterprises, seen, chunk.info)
    if len(extra):
        chunk.problems = _finish_problems([chunk.problems, extra])


# ----------------------------------------------------------------------------
# Normalisation (vectorised over a chunk)


_PROBLEM_DTYPES = dict(zip(PROBLEM_COLUMNS, ("int64", "int64", str, str, str, str), strict=True))
_EMPTY_PROBLEMS = pd.DataFrame({name: pd.Series(dtype=t) for name, t in _PROBLEM_DTYPES.items()})


# The stripped cells of a field in the chunk's kept rows (None without its column).
_Column = Callable[[str], np.ndarray | None]
# A vocabulary: a cell's text -> its value, None when not recognised.
_Vocabulary = Callable[[str], Any]


class Normaliser:
    """Turns a ledger's raw chunks into normalised rows and problems.

    Parameters
    ----------
    layout : LedgerLayout
        Where each field sits in the raw chunks.
    info : LedgerInfo
        What the reader found; attached to every chunk.
    coord_system : str, optional
        Canonical system (see :func:`gridgis.coords.normalise_system_name`) of
        rows without one in a system column; default CGCS2000/WGS-84.
    county_bounds : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` in CGCS2000 degrees: points outside are
        reported, and it sharpens the swapped-axes test.

    Raises
    ------
    InputDataError
        Malformed ``county_bounds``.

    Examples
    --------
    >>> normaliser = Normaliser(layout, info, coord_system="gcj02")  # doctest: +SKIP
    >>> chunk = normaliser.normalise(raw, first_row=1)  # doctest: +SKIP
    """

    def __init__(
        self,
        layout: LedgerLayout,
        info: LedgerInfo,
        *,
        coord_system: str | None = None,
        county_bounds: tuple[float, float, float, float] | None = None,
    ) -> None:
        self.fields = dict(layout.fields)
        self.labels = layout.labels
        self.extra_positions = layout.extra
        self.sheet = layout.sheet
        self.first_source_row = layout.first_source_row
        self.info = info
        self.default_system = coord_system
        self.county_bounds = check_county_bounds(county_bounds)
        self.revenue_scale = (
            _unit_scale(self.labels[self.fields["revenue"]]) if "revenue" in self.fields else 1.0
        )

    def label(self, name: str) -> str:
        """Return the header of the column a field is read from."""
        return self.labels[self.fields[name]]

    # -- one chunk --------------------------------------------------------

    def normalise(self, raw: pd.DataFrame, first_row: int) -> LedgerChunk:
        """Normalise one raw chunk.

        Parameters
        ----------
        raw : pandas.DataFrame
            Text cells (``""`` when empty), columns by position.
        first_row : int
            Ledger row number of the chunk's first line (1 for the first chunk).

        Returns
        -------
        LedgerChunk
            The non-empty rows, normalised, and their problems.
        """
        # Cells are handled as numpy object arrays of Python str: pandas' .str
        # accessor costs about 1 us per cell on the python string storage (no
        # pyarrow), a plain comprehension about a tenth of that.
        cells = {pos: raw[pos].to_numpy(dtype=object) for pos in raw.columns}
        stripped = {pos: _strip(cells[pos]) for pos in set(self.fields.values())}
        empty = _empty_rows(cells, stripped)
        keep = ~empty
        n = int(keep.sum())
        row = np.arange(first_row, first_row + len(raw), dtype=np.int64)[keep]
        source_row = row + (self.first_source_row - 1)
        values = {pos: arr[keep] for pos, arr in stripped.items()}
        problems = _ProblemLog(row, source_row)
        sheet = self.sheet
        out: dict[str, Any] = {
            "row": row,
            "source_row": source_row,
            "source_sheet": _str_series(
                np.full(n, sheet if sheet is not None else np.nan, dtype=object)
            ),
        }

        def column(name: str) -> np.ndarray | None:
            return values[self.fields[name]] if name in self.fields else None

        names = column("name")
        out["name"] = _text(names, n)
        if names is not None:
            problems.add(names == "", "missing_name", self.label("name"), None, "企业名称 is empty")
        self._uscc(column("uscc"), n, out, problems)
        for name in ("address", "principal", "phone", "email"):
            out[name] = _text(column(name), n)
        out["employees"] = self._employees(column("employees"), n, problems)
        out["products"] = _text(column("products"), n)
        out["licensed"] = _boolean(
            self._mapped(column("licensed"), n, "licensed", _yes_no, problems)
        )
        for name in ("township", "village", "sector"):
            out[name] = _text(column(name), n)
        out["risk"] = _text_or_none(self._mapped(column("risk"), n, "risk", _risk_level, problems))
        self._hazard(column("major_hazard"), n, out, problems)
        out["revenue"] = self._revenue(column("revenue"), n, problems)
        self._plant(column, n, out, problems)
        self._coordinates(column, n, out, problems)

        enterprises = pd.DataFrame(out, index=range(n))[list(LEDGER_COLUMNS)]
        if self.extra_positions:
            extras = pd.DataFrame(
                {self.labels[pos]: _extra(cells[pos][keep]) for pos in self.extra_positions},
                index=range(n),
            )
            enterprises = pd.concat([enterprises, extras], axis=1)
        return LedgerChunk(enterprises, problems.frame(), int(empty.sum()), self.info)

    # -- fields -----------------------------------------------------------

    def _uscc(
        self, raw: np.ndarray | None, n: int, out: dict[str, Any], problems: _ProblemLog
    ) -> None:
        if raw is None:
            out["uscc"] = _text(None, n)
            out["uscc_valid"] = pd.array([pd.NA] * n, dtype="boolean")
            out["uscc_duplicate"] = pd.array([pd.NA] * n, dtype="boolean")
            return
        label = self.label("uscc")
        code = _normalise_uscc(raw)
        present = code != ""
        valid = _uscc_valid(code)
        out["uscc"] = _text(code, n)
        out["uscc_valid"] = pd.array(valid, dtype="boolean")
        out["uscc_valid"][~present] = pd.NA
        out["uscc_duplicate"] = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
        out["uscc_duplicate"][~present] = pd.NA
        problems.add(~present, "missing_uscc", label, None, "统一社会信用代码 is empty")
        bad = present & ~valid
        if bad.any():
            reasons = [_uscc_reason(value) for value in code[bad]]
            problems.add(bad, "invalid_uscc", label, raw[bad], reasons)

    def _employees(self, raw: np.ndarray | None, n: int, problems: _ProblemLog) -> Any:
        if raw is None:
            return pd.array([pd.NA] * n, dtype="Int64")
        values, bad = _parse_numbers(raw, _COUNT_UNITS)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(values) & (values >= 0) & (np.mod(values, 1) == 0)
        bad |= np.isfinite(values) & ~whole
        label = self.label("employees")
        problems.add(
            bad, "invalid_number", label, raw[bad], "员工人数 is not a whole number of people"
        )
        return pd.arrays.IntegerArray(np.where(whole, values, 0).astype(np.int64), ~whole)

    def _revenue(self, raw: np.ndarray | None, n: int, problems: _ProblemLog) -> np.ndarray:
        if raw is None:
            return np.full(n, np.nan)
        values, bad = _parse_numbers(raw, _MONEY_UNITS, default_scale=self.revenue_scale)
        label = self.label("revenue")
        problems.add(bad, "invalid_number", label, raw[bad], "营业收入 is not a number (万元)")
        return values

    def _mapped(
        self, raw: np.ndarray | None, n: int, name: str, mapping: _Vocabulary, problems: _ProblemLog
    ) -> np.ndarray:
        """Map a vocabulary column; object array with None where empty or unknown."""
        if raw is None:
            return np.full(n, None, dtype=object)
        values, bad = _map_unique(raw, mapping)
        label = self.label(name)
        problems.add(bad, "unrecognised_value", label, raw[bad], f"{label}: value not recognised")
        return values

    def _hazard(
        self, raw: np.ndarray | None, n: int, out: dict[str, Any], problems: _ProblemLog
    ) -> None:
        values = self._mapped(raw, n, "major_hazard", _hazard_grade, problems)
        code = np.where(values == None, -1, values).astype(np.int8)  # noqa: E711
        out["major_hazard"] = pd.arrays.BooleanArray(code > 0, code < 0)
        out["major_hazard_grade"] = pd.arrays.IntegerArray(
            np.where(code > 4, 0, code), (code < 0) | (code > 4)
        )

    def _plant(self, column: _Column, n: int, out: dict[str, Any], problems: _ProblemLog) -> None:
        plant = self._mapped(column("plant"), n, "plant", _plant_kind, problems)
        rented = self._mapped(column("rented_plant"), n, "rented_plant", _yes_no, problems)
        abandoned = self._mapped(column("abandoned_plant"), n, "abandoned_plant", _yes_no, problems)
        # Separate yes/no columns fill in the category where it is missing,
        # and a known category sets both flags.
        is_rented = rented == True  # noqa: E712
        is_abandoned = abandoned == True  # noqa: E712
        missing = plant == None  # noqa: E711
        plant = np.where(missing & is_abandoned, "废弃", plant)
        missing = plant == None  # noqa: E711
        plant = np.where(missing & is_rented, "租赁", plant)
        known = plant != None  # noqa: E711
        rented = np.where(known, (plant == "租赁") | is_rented, rented)
        abandoned = np.where(known, (plant == "废弃") | is_abandoned, abandoned)
        out["plant"] = _text_or_none(plant)
        out["rented_plant"] = _boolean(rented)
        out["abandoned_plant"] = _boolean(abandoned)

    # -- coordinates ------------------------------------------------------

    def _coordinates(
        self, column: _Column, n: int, out: dict[str, Any], problems: _ProblemLog
    ) -> None:
        if "lon" in self.fields and "lat" in self.fields:
            raw_lon, raw_lat = column("lon"), column("lat")
            label = f"{self.label('lon')}/{self.label('lat')}"
        elif "coordinates" in self.fields:
            raw_lon, raw_lat = _split_pair(column("coordinates"))
            label = self.label("coordinates")
        else:
            nan = np.full(n, np.nan)
            out.update(lon=nan, lat=nan, lon_input=nan, lat_input=nan, coord_system=_text(None, n))
            return
        assert raw_lon is not None and raw_lat is not None

        def shown(mask: np.ndarray) -> list[str]:
            return [f"{x}, {y}" for x, y in zip(raw_lon[mask], raw_lat[mask], strict=True)]

        lon_in, lon_bad = _parse_coordinates(raw_lon)
        lat_in, lat_bad = _parse_coordinates(raw_lat)
        lon_empty = raw_lon == ""
        lat_empty = raw_lat == ""
        both_empty = lon_empty & lat_empty
        one_empty = (lon_empty | lat_empty) & ~both_empty
        problems.add(both_empty, "missing_coordinates", label, None, "no coordinates")
        problems.add(
            one_empty,
            "missing_coordinates",
            label,
            shown(one_empty),
            "only one of longitude and latitude is given",
        )
        invalid = (lon_bad | lat_bad) & ~(lon_empty | lat_empty)
        problems.add(
            invalid, "invalid_coordinates", label, shown(invalid), "not a number in degrees"
        )
        usable = np.isfinite(lon_in) & np.isfinite(lat_in)

        systems, system_known = self._systems(column("coord_system"), n, usable, problems)
        usable &= system_known

        lon, lat, swapped = _fix_swapped(lon_in, lat_in, usable, self.county_bounds)
        read_as = _pair_text(lon[swapped], lat[swapped])
        detail = [f"longitude and latitude were swapped; read as {text}" for text in read_as]
        problems.add(swapped, "swapped_coordinates", label, shown(swapped), detail)
        in_china = _in_box(lon, lat, (CHINA_LON[0], CHINA_LAT[0], CHINA_LON[1], CHINA_LAT[1]))
        out_of_range = usable & ~in_china
        hint = _range_hint(lon[out_of_range], lat[out_of_range])
        problems.add(out_of_range, "coordinates_out_of_range", label, shown(out_of_range), hint)
        usable &= in_china

        lon_out = np.full(n, np.nan)
        lat_out = np.full(n, np.nan)
        if usable.any():
            lon_out[usable], lat_out[usable] = to_cgcs2000(
                lon[usable], lat[usable], systems[usable]
            )
        if self.county_bounds is not None:
            outside = usable & ~_in_box(lon_out, lat_out, self.county_bounds)
            points = _pair_text(lon_out[outside], lat_out[outside])
            detail = [f"point lies outside the county bounds: {text}" for text in points]
            problems.add(outside, "outside_county", label, shown(outside), detail)
        out["lon"], out["lat"] = lon_out, lat_out
        out["lon_input"], out["lat_input"] = lon_in, lat_in
        known = np.isfinite(lon_in) & np.isfinite(lat_in) & system_known
        out["coord_system"] = _str_series(np.where(known, systems, np.nan))

    def _systems(
        self, raw: np.ndarray | None, n: int, usable: np.ndarray, problems: _ProblemLog
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the canonical system per row ('' where unknown) and a known-mask."""
        default = self.default_system or "cgcs2000"
        if raw is None:
            return np.full(n, default, dtype=object), np.ones(n, dtype=bool)

        def canonical(text: str) -> str | None:
            try:
                return normalise_system_name(text)
            except InputDataError:
                return None

        values, unknown = _map_unique(raw, canonical)
        # An empty cell (None) takes the ledger-wide system.
        systems = np.where(unknown, "", np.where(values == None, default, values))  # noqa: E711
        detail = (
            f"unknown coordinate system; use one of {', '.join(SYSTEMS)} "
            "(or 高德/腾讯/百度); coordinates not used"
        )
        label = self.label("coord_system")
        problems.add(unknown, "unknown_coordinate_system", label, raw[unknown], detail)
        return systems.astype(object), ~unknown


class _ProblemLog:
    """Collects problems as parallel arrays; built into a frame once per chunk."""

    def __init__(self, row: np.ndarray, source_row: np.ndarray) -> None:
        self.row = row
        self.source_row = source_row
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, kind: str, column: str, value: Any, detail: Any) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        value = "" if value is None else value
        self.parts.append(
            pd.DataFrame(
                {
                    "row": self.row[mask],
                    "source_row": self.source_row[mask],
                    "kind": kind,
                    "field": column,
                    "value": _text_or_cells(value),
                    "detail": _text_or_cells(detail),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        return _finish_problems(self.parts)


def _text_or_cells(value: Any) -> Any:
    """Return one text for every problem, or the per-problem texts as an object array."""
    return value if isinstance(value, str) else np.asarray(value, dtype=object)


def _finish_problems(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return _EMPTY_PROBLEMS.copy()
    problems = pd.concat(parts, ignore_index=True)
    problems = problems.astype(_PROBLEM_DTYPES)
    return problems.sort_values(["row", "kind"], kind="stable", ignore_index=True)


# ----------------------------------------------------------------------------
# Vectorised helpers. Cells arrive as numpy object arrays of Python str ("" for
# an empty cell); comprehensions over them are the fast path here (see
# Normaliser.normalise).


def _strip(values: np.ndarray) -> np.ndarray:
    """Strip every cell; skipped for a column with no white space at all.

    Most columns (codes, numbers, names) hold none, and one join plus two
    scans of the joined text costs about a third less than stripping each cell.
    """
    joined = "".join(values.tolist())
    # Every white-space character but the ASCII space is "not printable".
    if " " not in joined and joined.isprintable():
        return values
    return np.array([v.strip() for v in values], dtype=object)


def _str_series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=str)


def _text(values: np.ndarray | None, n: int) -> pd.Series:
    """Return stripped text with empty cells missing."""
    if values is None:
        return _str_series(np.full(n, np.nan, dtype=object))
    return _str_series(np.where(values == "", np.nan, values))


def _text_or_none(values: np.ndarray) -> pd.Series:
    """Return a text column from an object array with None for missing."""
    return _str_series(np.where(values == None, np.nan, values))  # noqa: E711


def _boolean(values: np.ndarray) -> pd.arrays.BooleanArray:
    """Return a nullable boolean array from an object array of True/False/None."""
    missing = values == None  # noqa: E711
    return pd.arrays.BooleanArray((values == True) & ~missing, missing)  # noqa: E712


def _extra(values: np.ndarray) -> pd.Series:
    """Return an unrecognised column's text as given, empty cells missing."""
    return _str_series(np.where(values == "", np.nan, values))


def _empty_rows(cells: dict[Any, np.ndarray], stripped: dict[Any, np.ndarray]) -> np.ndarray:
    """Rows whose every cell is empty or blank."""
    n = len(next(iter(cells.values()))) if cells else 0
    blank = np.ones(n, dtype=bool)
    for position, values in cells.items():
        if not blank.any():
            break
        if position in stripped:
            blank &= stripped[position] == ""
            continue
        # Only rows still blank need the (slower) whitespace test.
        candidates = blank & (values != "")
        if candidates.any():
            blank[np.flatnonzero(candidates)] = [not v.strip() for v in values[candidates]]
    return blank


def _map_unique(values: np.ndarray, mapping: Callable[[str], Any]) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``mapping`` once per distinct value.

    Returns the mapped values (object array; None for empty cells) and a mask
    of non-empty cells that ``mapping`` did not recognise (it returned None).
    """
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    unknown = np.zeros(len(uniques) + 1, dtype=bool)
    for i, text in enumerate(uniques):
        result = mapping(text) if text != "" else None
        mapped[i] = result
        unknown[i] = result is None and text != ""
    mapped[-1] = None  # factorize's -1 (missing) lands here
    return mapped[codes], unknown[codes]


def _to_halfwidth(values: list[str] | np.ndarray) -> list[str]:
    """NFKC (full-width digits, letters and brackets to ASCII) where needed."""
    return [v if v.isascii() else fold(v, casefold=False, whitespace=False) for v in values]


def _fast_floats(values: np.ndarray) -> np.ndarray:
    """float() of every non-empty cell; NaN where it fails or gives inf/nan."""
    result = np.full(len(values), np.nan)
    nonempty = values != ""
    if not nonempty.any():
        return result
    try:
        # numpy calls float() per object, which also accepts full-width digits.
        parsed = values[nonempty].astype(np.float64)
    except (ValueError, TypeError):
        parsed = pd.to_numeric(pd.Series(values[nonempty], dtype=object), errors="coerce").to_numpy(
            dtype=np.float64, copy=True
        )
    parsed[~np.isfinite(parsed)] = np.nan
    result[nonempty] = parsed
    return result


# ``\d+(?:\.\d*)?``, not ``\d+\.?\d*``: two digit runs that can trade digits
# make a failed match quadratic in the cell's length (measured: 3 s for 8,000
# digits, so about half an hour for a 200,000-character cell).
_NUMBER_WITH_UNIT = re.compile(
    r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(\D*)$", re.IGNORECASE
)
_NUMBER_NOISE = re.compile(r"[\s,]")
_COUNT_UNITS: dict[str, float | None] = {"": 1.0, "人": 1.0, "名": 1.0, "个": 1.0}
_MONEY_UNITS: dict[str, float | None] = {
    "": None,
    "万元": 1.0,
    "万": 1.0,
    "亿元": 1e4,
    "亿": 1e4,
    "千元": 0.1,
    "元": 1e-4,
}


def _parse_numbers(
    values: np.ndarray, units: dict[str, float | None], default_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers, plain ones fast; returns (float64 values, mask of bad non-empty cells).

    ``units`` maps a suffix ("万元", "人") to a multiplier; None means the
    column's own unit, ``default_scale``.
    """
    plain_scale = units.get("")
    numbers = _fast_floats(values) * (default_scale if plain_scale is None else plain_scale)
    retry = np.isnan(numbers) & (values != "")
    bad = np.zeros(len(values), dtype=bool)
    if retry.any():
        fixed = []
        for text in _to_halfwidth(values[retry]):
            match = _NUMBER_WITH_UNIT.match(_NUMBER_NOISE.sub("", text))
            scale = units.get(match.group(2), 0.0) if match else 0.0
            if not match or scale == 0.0:
                fixed.append(np.nan)
            else:
                fixed.append(float(match.group(1)) * (default_scale if scale is None else scale))
        numbers[retry] = fixed
        bad[retry] = np.isnan(numbers[retry])
    return numbers, bad


_DMS = re.compile(
    r"^(?P<d>\d+(?:\.\d+)?)[°度]\s*(?:(?P<m>\d+(?:\.\d+)?)['′’分])?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)(?:\"|″|”|''|′′|秒))?$"
)
_COORD_PREFIX = re.compile(r"^(?:东经|北纬|[EN])", re.IGNORECASE)
_COORD_SUFFIX = re.compile(r"(?:[EN]|东经|北纬)$", re.IGNORECASE)


def _parse_coordinate(text: str) -> float:
    text = _COORD_SUFFIX.sub("", _COORD_PREFIX.sub("", re.sub(r"\s", "", text)))
    try:
        return float(text.rstrip("°度"))
    except ValueError:
        pass
    match = _DMS.match(text)
    if match is None:
        return np.nan
    return float(match["d"]) + float(match["m"] or 0) / 60 + float(match["s"] or 0) / 3600


def _parse_coordinates(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees from text: '106.3', ' １０６.３ ', '106.3°', 'E106.3', 106°18'30"."""
    numbers = _fast_floats(values)
    retry = np.isnan(numbers) & (values != "")
    bad = np.zeros(len(values), dtype=bool)
    if retry.any():
        numbers[retry] = [_parse_coordinate(text) for text in _to_halfwidth(values[retry])]
        bad[retry] = ~np.isfinite(numbers[retry])
    return numbers, bad


_PAIR_SEPARATOR = re.compile(r"\s*[,;/|]\s*|\s+")


def _split_pair(values: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Split '106.2, 38.4' (any common separator) into two text columns."""
    assert values is not None
    parts = [
        _PAIR_SEPARATOR.split(text, maxsplit=1) if text else ["", ""]
        for text in _to_halfwidth(values)
    ]
    first = np.array([p[0] for p in parts], dtype=object)
    second = np.array([p[1] if len(p) > 1 else "" for p in parts], dtype=object)
    return first, second


def _in_box(
    lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float, float], margin: float = 0.0
) -> np.ndarray:
    minx, miny, maxx, maxy = box
    with np.errstate(invalid="ignore"):
        return (
            (lon >= minx - margin)
            & (lon <= maxx + margin)
            & (lat >= miny - margin)
            & (lat <= maxy + margin)
        )


def _fix_swapped(
    lon: np.ndarray,
    lat: np.ndarray,
    usable: np.ndarray,
    county_bounds: tuple[float, float, float, float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Swap rows whose latitude looks like a longitude and the other way round.

    China's latitudes (3-54) and longitudes (73-136) do not overlap, so a pair
    outside China that lands inside it when swapped is unambiguous. With county
    bounds the test is stricter: the swapped point must fall in (or within
    about 2 km of) the county, so a pair that is simply wrong is reported as
    out of range rather than "fixed" to some other part of China.
    """
    china = (CHINA_LON[0], CHINA_LAT[0], CHINA_LON[1], CHINA_LAT[1])
    as_given = _in_box(lon, lat, china)
    if county_bounds is None:
        swapped_ok = _in_box(lat, lon, china)
    else:
        swapped_ok = _in_box(lat, lon, county_bounds, _COUNTY_MARGIN_DEG)
    swap = usable & ~as_given & swapped_ok
    new_lon = np.where(swap, lat, lon)
    new_lat = np.where(swap, lon, lat)
    return new_lon, new_lat, swap


def _pair_text(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.array([f"{x:.6f}, {y:.6f}" for x, y in zip(lon, lat, strict=True)], dtype=str)


def _range_hint(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    hints = np.full(
        len(lon),
        "outside China's range of degrees (lon 73-136, lat 3-54); coordinates not used",
        dtype=object,
    )
    metres = (np.abs(lon) > 1000) | (np.abs(lat) > 1000)
    hints[metres] = (
        "looks like projected metres (e.g. Gauss-Krueger), not degrees; coordinates not used"
    )
    zero = (lon == 0) & (lat == 0)
    hints[zero] = "0, 0 is a placeholder, not a location; coordinates not used"
    return hints


def check_county_bounds(
    bounds: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    """Return county bounds as four floats, checked.

    Parameters
    ----------
    bounds : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` in degrees.

    Returns
    -------
    tuple of float or None

    Raises
    ------
    InputDataError
        Not four numbers, or an empty box.

    Examples
    --------
    >>> check_county_bounds((105.8, 38.4, 106.6, 39.0))
    (105.8, 38.4, 106.6, 39.0)
    """
    if bounds is None:
        return None
    values = tuple(float(v) for v in bounds)
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise InputDataError(
            f"county bounds must be (minx, miny, maxx, maxy) in degrees, got {bounds!r}"
        )
    return values


def _unit_scale(label: str) -> float:
    """Multiplier from a revenue header's unit to 万元 (the default unit)."""
    text = fold(label, casefold=False, whitespace=False)
    if "亿" in text:
        return 1e4
    if "万" in text or "10k" in text.casefold():
        return 1.0
    if "千元" in text:
        return 0.1
    if "元" in text or "yuan" in text.casefold() or "cny" in text.casefold():
        return 1e-4
    return 1.0


# --- USCC --------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_USCC_LOOKUP = np.full(256, -1, dtype=np.int64)
for _value, _char in enumerate(_USCC_ALPHABET):
    _USCC_LOOKUP[ord(_char)] = _value


def _normalise_uscc(values: np.ndarray) -> np.ndarray:
    """Upper case, half-width, without spaces and hyphens ("" when empty)."""
    joined = "".join(values.tolist())
    if joined.isascii() and (joined.isalnum() or not joined) and joined == joined.upper():
        return values  # the usual case: nothing to change
    return np.array(
        [
            v.upper() if v.isascii() and v.isalnum() else fold(v, drop="-", casefold=False).upper()
            for v in values
        ],
        dtype=object,
    )


def _uscc_valid(codes: np.ndarray) -> np.ndarray:
    """Vectorised GB 32100 check, equal to ``stdnum.cn.uscc.is_valid``.

    stdnum costs a few microseconds per code in Python; this applies the same
    rule (8 digits, then 10 characters of the 31-character alphabet, the last
    a mod-31 check character) to all codes at once. ``tests/test_ledger.py``
    checks that the two agree.
    """
    valid = np.zeros(len(codes), dtype=bool)
    if not len(codes):
        return valid
    lengths = np.fromiter(map(len, codes), dtype=np.int64, count=len(codes))
    candidates = lengths == 18
    if not candidates.any():
        return valid
    # Fixed-width unicode gives one row of 18 code points per code.
    points = codes[candidates].astype("U18").view(np.uint32).reshape(-1, 18)
    values = _USCC_LOOKUP[np.minimum(points, 255)]
    ok = (values >= 0).all(axis=1) & (values[:, :8] <= 9).all(axis=1)
    check = np.mod(-(values[:, :17] * _USCC_WEIGHTS).sum(axis=1), 31)
    ok &= values[:, 17] == check
    valid[candidates] = ok
    return valid


def _uscc_reason(code: str) -> str:
    try:
        stdnum_uscc.validate(code)
    except InvalidLength:
        return f"统一社会信用代码 has {len(code)} characters, not 18"
    except InvalidChecksum:
        expected = stdnum_uscc.calc_check_digit(code[:17])
        return f"统一社会信用代码 check character is {code[-1]!r}, should be {expected!r}"
    except InvalidFormat:
        return (
            "统一社会信用代码 has characters not allowed: the first 8 must be digits, "
            "the rest digits or letters other than I, O, Z, S, V"
        )
    except ValidationError:
        return "统一社会信用代码 is not valid"
    return "统一社会信用代码 is not valid"


def _duplicate_problems(enterprises: pd.DataFrame, info: LedgerInfo) -> pd.DataFrame:
    """Report every copy of a repeated USCC, naming the other rows."""
    codes = enterprises["uscc"]
    repeated = codes.duplicated(keep=False) & codes.notna()
    if not repeated.any():
        return _EMPTY_PROBLEMS.copy()
    subset = enterprises.loc[repeated, ["row", "uscc"]]
    # Name at most a few rows: a code repeated hundreds of times (a template
    # value pasted down) would otherwise make every detail enormous.
    rows_per_code = subset.groupby("uscc")["row"].agg(_row_list)
    detail = "统一社会信用代码 repeated on rows " + subset["uscc"].map(rows_per_code)
    return _flag_duplicates(enterprises, repeated.to_numpy(), info, detail.to_numpy())


def _row_list(rows: pd.Series, shown: int = 5) -> str:
    head = ", ".join(str(r) for r in rows.iloc[:shown])
    return head if len(rows) <= shown else f"{head} … ({len(rows)} rows)"


class FirstRows:
    """The ledger row where each code was first seen, in 16 bytes per code.

    A streamed ledger may hold ten million codes; a ``dict`` of them costs
    about 140 bytes each (1.4 GB). Codes are kept instead as sorted 64-bit
    hashes beside their first row. Two different codes share a hash with
    probability about n²/2⁶⁵ (three in a million for ten million codes); such
    a pair would be reported as a duplicate, with both rows kept and the
    earlier row named, so nothing is lost.
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.int64)

    def first_rows(self, codes: pd.Series, rows: np.ndarray) -> np.ndarray:
        """Return each code's first row (its own row if new) and remember new codes.

        ``rows`` must increase through the chunk, as ledger rows do.
        """
        hashes = pd.util.hash_pandas_object(codes.astype("str"), index=False).to_numpy()
        # Work on the distinct codes in sorted order: a stable sort keeps a
        # code's first row first, and sorted queries search the table fast.
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        unique = ordered[starts]
        first_here = rows[order][starts]
        position = np.searchsorted(self.hashes, unique)
        known = np.zeros(len(unique), dtype=bool)
        inside = position < len(self.hashes)
        known[inside] = self.hashes[position[inside]] == unique[inside]
        first_unique = first_here.copy()
        first_unique[known] = self.rows[position[known]]
        first = np.empty(len(rows), dtype=np.int64)
        first[order] = first_unique[np.cumsum(starts) - 1]
        fresh = ~known
        self.hashes = np.insert(self.hashes, position[fresh], unique[fresh])
        self.rows = np.insert(self.rows, position[fresh], first_here[fresh])
        return first


def _streaming_duplicates(
    enterprises: pd.DataFrame, seen: FirstRows, info: LedgerInfo
) -> pd.DataFrame:
    """Report later copies of a USCC seen in this or an earlier chunk."""
    codes = enterprises["uscc"]
    present = codes.notna().to_numpy()
    if not present.any():
        return _EMPTY_PROBLEMS.copy()
    rows = enterprises["row"].to_numpy(dtype=np.int64)
    first_rows = np.zeros(len(codes), dtype=np.int64)
    first_rows[present] = seen.first_rows(codes[present], rows[present])
    repeated = present & (first_rows != rows)
    if not repeated.any():
        return _EMPTY_PROBLEMS.copy()
    detail = [f"统一社会信用代码 already on row {r}" for r in first_rows[repeated]]
    return _flag_duplicates(enterprises, repeated, info, detail)


def _flag_duplicates(
    enterprises: pd.DataFrame, repeated: np.ndarray, info: LedgerInfo, detail: Any
) -> pd.DataFrame:
    """Set ``uscc_duplicate`` on the repeated rows; return their duplicate_uscc problems."""
    flag = enterprises["uscc_duplicate"].copy()
    flag[repeated] = True
    enterprises["uscc_duplicate"] = flag
    columns = {name: enterprises[name].to_numpy()[repeated] for name in ("row", "source_row")}
    return pd.DataFrame(
        {
            **columns,
            "kind": "duplicate_uscc",
            "field": info.columns.get("uscc", "统一社会信用代码"),
            "value": enterprises["uscc"].to_numpy()[repeated],
            "detail": detail,
        }
    )


# --- value vocabularies --------------------------------------------------------

# Separators and marks ignored in vocabulary cells ("是/否", "*一级"): the set
# headers are folded with (gridgis.io.tables), whitespace included, so fold()
# is called with whitespace=False.
_VALUE_MARKS = " \t\r\n\u3000/\\、,，;；:：-_.·*#№'\""


def _fold_value(text: str) -> str:
    return fold(text, drop=_VALUE_MARKS, whitespace=False)


# Cells are compared folded (case folded, full-width to ASCII).
_YES = frozenset("是 有 已 已注册 已办理 已办 y yes true t 1 √ ✓ ✔ 对 已领取 有证".split())
_NO = frozenset("否 无 未 未注册 未办理 没有 n no false f 0 × ✗ x 不是 无证".split())


def _yes_no(text: str) -> bool | None:
    folded = _fold_value(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


# Four-colour risk levels (docs/domain.md, "Risk and scale"): 重大/较大/一般/低 =
# red/orange/yellow/blue. The high/medium/low wording some townships use is
# mapped onto the same scale.
_RISK = {
    **dict.fromkeys("重大 红 red 高 极高 major".split(), "重大"),
    **dict.fromkeys("较大 橙 orange 较高 significant".split(), "较大"),
    **dict.fromkeys("一般 黄 yellow 中 中等 general".split(), "一般"),
    **dict.fromkeys("低 蓝 blue 较低 low".split(), "低"),
}
_RISK_NOISE = re.compile(r"(?:风险|等级|级别|色|级|risk|level)")


def _risk_level(text: str) -> str | None:
    folded = _fold_value(text)
    return _RISK.get(folded) or _RISK.get(_RISK_NOISE.sub("", folded))


# 重大危险源 cells map to one code: 0 none, 1-4 the grade, 5 present with the
# grade unknown ("是").
_HAZARD_PRESENT_UNGRADED = 5
_GRADES = {
    alias: grade
    for grade, aliases in enumerate(("一 1 i", "二 2 ii", "三 3 iii", "四 4 iv"), start=1)
    for alias in aliases.split()
}
_HAZARD_NOISE = re.compile(r"(?:重大危险源|危险源|等级|级别|级)")


def _hazard_grade(text: str) -> int | None:
    """Return the code of a 重大危险源 cell (see ``_HAZARD_PRESENT_UNGRADED``)."""
    folded = _fold_value(text)
    answer = _yes_no(folded)
    if answer is False or folded in {"none", "不构成", "非", "未构成", "不涉及"}:
        return 0
    if answer is True or folded in {"构成", "涉及"}:
        return _HAZARD_PRESENT_UNGRADED
    return _GRADES.get(_HAZARD_NOISE.sub("", folded))


def _plant_kind(text: str) -> str | None:
    folded = _fold_value(text)
    if any(word in folded for word in ("废弃", "闲置", "停用", "abandon")):
        return "废弃"
    if "租" in folded or "rent" in folded or "lease" in folded:
        return "租赁"
    if any(word in folded for word in ("自有", "自建", "自购", "产权", "own")):
        return "自有"
    return None
