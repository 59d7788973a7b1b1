"""The grid code scheme: a region's code layout, read from TOML and checked.

Every grid has a unique code, set region-wide (docs/domain.md, "Codes"). The
layout of a code is not hard-wired: it comes from a *code scheme*, a TOML file
(``data/code_scheme.toml`` by default, format in ``docs/code_scheme.md``). The
default scheme is the one of docs/design.md, "Grid code scheme"::

    CCCCCC TTT VVV SSS X     county, township, village, sequence, check character

* level grids set the lower parts to zero (``CCCCCC000000000`` for a county);
* base grids number ``SSS`` from 001 to 899 inside their village;
* sector grids put ``9`` + the department number in the village part
  (``CCCCCC TTT 9DD SSS``, ``TTT`` = 000 at county level);
* the check character is ISO 7064 MOD 11-2, as on the resident ID card.

This module holds the scheme's value types (:class:`CodeScheme`,
:class:`Segment`, :class:`PartType`, :class:`ReservedRange`,
:class:`Department`), the check-character algorithms, and the loaders
:func:`load_code_scheme`, :func:`parse_code_scheme`, :func:`default_scheme`
and :func:`load_departments`. Codes themselves are
:mod:`gridgis.codes.gridcode`'s job.

Choices a maintainer must know:

* A scheme that could give two grids the same code is refused when it is
  loaded (overlapping ranges, a sector marker that collides with village
  numbers, a kind segment with repeated values...), so every code that
  parses is valid and unique under its scheme.
* Segments are found by role (``county``, ``township``, ``village``,
  ``sequence``, optional ``kind``), not by position, so a region may reorder
  or resize them without code changes.
* All zeros in a township, village or sequence part means "none" (level
  grids), so no range in use or reserved may include 0.
* :func:`default_scheme` is loaded once per process (``functools.cache``);
  a :class:`CodeScheme` is compared by identity.
* Errors are :class:`~gridgis.errors.ConfigError` from
  :class:`gridgis.config.ConfigFile`, naming the file, the line and the key.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from gridgis.config import ConfigFile, KeyPath
from gridgis.errors import CodeError
from gridgis.paths import DATA_DIR

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_DEPARTMENTS_PATH",
    "DEFAULT_SCHEME_PATH",
    "GB2260_PROVINCES",
    "KINDS",
    "CodeScheme",
    "Department",
    "GridKind",
    "GridLevel",
    "PartType",
    "ReservedRange",
    "Segment",
    "default_scheme",
    "format_span",
    "is_digits",
    "load_code_scheme",
    "load_departments",
    "parse_code_scheme",
]

DEFAULT_SCHEME_PATH = DATA_DIR / "code_scheme.toml"
DEFAULT_DEPARTMENTS_PATH = DATA_DIR / "departments.toml"

GridKind = Literal["level", "base", "sector"]
GridLevel = Literal["county", "township", "village", "base"]

KINDS: tuple[GridKind, ...] = ("level", "base", "sector")

# The roles a body segment can play. A scheme names its segments by role, so the
# code can find "the village part" whatever the order and the widths are.
_REQUIRED_SEGMENTS = ("county", "township", "village", "sequence")
_OPTIONAL_SEGMENTS = ("kind",)
# Reserved ranges make sense only where gridgis chooses or checks numbers.
_RESERVABLE_SEGMENTS = ("township", "village", "sequence")

#: The province-level parts of GB/T 2260 county codes (the first two digits).
GB2260_PROVINCES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


def is_digits(text: str) -> bool:
    """Tell whether a text is ASCII digits only (the digits of a code).

    Examples
    --------
    >>> is_digits("0901"), is_digits("０９"), is_digits("²")
    (True, False, False)
    """
    # str.isdigit() also accepts superscripts and full-width digits.
    return text.isascii() and text.isdigit()


def format_span(first: int, last: int, width: int) -> str:
    """Write a range of segment values as messages show it, zero-padded to ``width``.

    Examples
    --------
    >>> format_span(1, 99, 3), format_span(7, 7, 3)
    ('001-099', '007')
    """
    return f"{first:0{width}d}" if first == last else f"{first:0{width}d}-{last:0{width}d}"


def _overlap(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop


# --------------------------------------------------------------------------
# Check characters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _CheckAlgorithm:
    """A check-character algorithm: how many characters it adds, and which."""

    length: int
    alphabet: str
    compute: Callable[[str], str]


def _iso7064_mod_11_2(body: str) -> str:
    from stdnum.iso7064 import mod_11_2

    return mod_11_2.calc_check_digit(body)


def _iso7064_mod_97_10(body: str) -> str:
    from stdnum.iso7064 import mod_97_10

    return mod_97_10.calc_check_digits(body)


_CHECK_ALGORITHMS: Mapping[str, _CheckAlgorithm] = MappingProxyType(
    {
        # One character, 0-9 or X: the resident ID card's check (GB 11643).
        "iso7064_mod_11_2": _CheckAlgorithm(1, "0123456789X", _iso7064_mod_11_2),
        # Two digits: for regions that want no letter in their codes.
        "iso7064_mod_97_10": _CheckAlgorithm(2, "0123456789", _iso7064_mod_97_10),
        # No check character; codes are then only as safe as their typist.
        "none": _CheckAlgorithm(0, "", lambda body: ""),
    }
)

# --------------------------------------------------------------------------
# The scheme
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One part of a code body.

    Attributes
    ----------
    name : str
        Its role: ``county``, ``township``, ``village``, ``sequence`` or ``kind``.
    length : int
        Number of digits.
    start : int
        Offset of its first digit in the body.
    """

    name: str
    length: int
    start: int

    @property
    def stop(self) -> int:
        """Offset just after its last digit in the body."""
        return self.start + self.length


@dataclass(frozen=True)
class PartType:
    """A range of township or village parts and what kind of unit it denotes.

    Attributes
    ----------
    first, last : int
        The range, both ends included.
    type : str
        Short English name, such as ``street`` or ``town``.
    label : str
        Chinese label, such as ``街道`` or ``镇``.
    """

    first: int
    last: int
    type: str
    label: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.first <= value <= self.last


@dataclass(frozen=True)
class ReservedRange:
    """Values of one segment that no grid may use.

    Attributes
    ----------
    segment : str
        ``township``, ``village`` or ``sequence``.
    first, last : int
        The range, both ends included.
    reason : str
        Why it is reserved; shown in error messages.
    """

    segment: str
    first: int
    last: int
    reason: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.first <= value <= self.last


@dataclass(frozen=True)
class Department:
    """A department with work-safety supervision duties (``data/departments.toml``).

    Attributes
    ----------
    number : int
        Its number: the ``DD`` of its sector grid codes. Never renumbered.
    name : str
        Its name, such as ``县应急管理局``.
    sectors : tuple of str
        The sectors (行业) it supervises, as in the ledgers' 行业 column.
    """

    number: int
    name: str
    sectors: tuple[str, ...]


# eq=False: a scheme is compared by identity. It holds read-only mappings, which
# are not hashable, and two files describing the same layout are still two schemes.
@dataclass(frozen=True, eq=False)
class CodeScheme:
    """A region's grid code layout, loaded and checked by :func:`load_code_scheme`.

    Attributes
    ----------
    name : str
        Human-readable name of the scheme.
    region : str
        The region it covers, such as ``宁夏回族自治区``.
    source : str
        Where it was loaded from, for messages.
    check : str
        Check algorithm: ``iso7064_mod_11_2``, ``iso7064_mod_97_10`` or ``none``.
    body_length : int
        Number of digits before the check character.
    segments : tuple of Segment
        The body's parts, left to right.
    kind_values : Mapping
        Value of the ``kind`` segment for each grid kind; empty when the scheme
        has no kind segment and tells kinds apart by the sector marker and
        the sequence instead.
    township_types, village_types : tuple of PartType
        The township and village part ranges in use, with their meaning.
    base_sequences, sector_sequences : range
        Sequence numbers base and sector grids may use.
    sector_marker : str
        Leading digits of the village part that mark a sector grid; the
        department number fills the rest of the village part.
    reserved : tuple of ReservedRange
        Values no grid may use.
    counties : Mapping
        County code -> name for every county the region has.
    departments : Mapping
        Department number -> :class:`Department`.
    departments_source : str
        Where the departments were loaded from, for messages.
    other_provinces : bool
        Whether a county of a province none of ``counties`` is in is
        accepted (unnamed) when its code is well formed: the layout used
        outside its region. The listed provinces are always checked county by
        county.
    """

    name: str
    region: str
    source: str
    check: str
    body_length: int
    segments: tuple[Segment, ...]
    kind_values: Mapping[GridKind, str]
    township_types: tuple[PartType, ...]
    village_types: tuple[PartType, ...]
    base_sequences: range
    sector_sequences: range
    sector_marker: str
    reserved: tuple[ReservedRange, ...]
    counties: Mapping[str, str]
    departments: Mapping[int, Department]
    departments_source: str = ""
    other_provinces: bool = False

    @property
    def check_length(self) -> int:
        """Number of check characters after the body (0, 1 or 2)."""
        return _CHECK_ALGORITHMS[self.check].length

    @property
    def code_length(self) -> int:
        """Length of a full code: body and check characters."""
        return self.body_length + self.check_length

    @property
    def department_width(self) -> int:
        """Digits of the department number in a sector grid's village part."""
        return self.segment("village").length - len(self.sector_marker)

    @property
    def admin_length(self) -> int:
        """Length of a full administrative code (county + township + village)."""
        return sum(self.segment(name).length for name in ("county", "township", "village"))

    def segment(self, name: str) -> Segment:
        """Return the segment playing a role.

        Raises
        ------
        KeyError
            If the scheme has no such segment (only ``kind`` is optional).
        """
        for segment in self.segments:
            if segment.name == name:
                return segment
        raise KeyError(name)

    def check_char(self, body: str) -> str:
        """Return the check character(s) a code body needs.

        :func:`gridgis.codes.check_char` does the same, by default with the
        default scheme.

        Raises
        ------
        CodeError
            If the body has the wrong length or is not all digits.
        """
        if len(body) != self.body_length or not is_digits(body):
            raise CodeError(f"a code body is {self.body_length} digits, not {body!r}")
        return _CHECK_ALGORITHMS[self.check].compute(body)

    def split(self, body: str) -> dict[str, str]:
        """Cut a body into its segments, by name."""
        return {segment.name: body[segment.start : segment.stop] for segment in self.segments}

    def township_type(self, township: int) -> PartType | None:
        """Return the range a township part falls in, or ``None``."""
        return next((part for part in self.township_types if township in part), None)

    def village_type(self, village: int) -> PartType | None:
        """Return the range an ordinary village part falls in, or ``None``."""
        return next((part for part in self.village_types if village in part), None)

    def reserved_range(self, segment: str, value: int) -> ReservedRange | None:
        """Return the reserved range of a segment that holds a value, or ``None``."""
        return next((rr for rr in self.reserved if rr.segment == segment and value in rr), None)

    def county_name(self, county: str) -> str:
        """Return a county's name; ``""`` for an accepted county of another province.

        Raises
        ------
        CodeError
            If the county is not one of the region's and the scheme does not
            accept it as a county of another province.
        """
        if county in self.counties:
            return self.counties[county]
        province = county[:2]
        if (
            self.other_provinces
            and province in GB2260_PROVINCES
            and county[2:].strip("0")
            and not any(listed.startswith(province) for listed in self.counties)
        ):
            return ""
        raise CodeError(
            f"unknown county: {county} is not one of the {len(self.counties)} counties "
            f"of {self.region or 'the region'} listed in {self.source}"
        )


def load_code_scheme(path: str | Path | None = None) -> CodeScheme:
    """Load and check a code scheme.

    Parameters
    ----------
    path : str or Path, optional
        The scheme's TOML file. Default: ``data/code_scheme.toml``.

    Returns
    -------
    CodeScheme
        The checked scheme, with its counties and departments.

    Raises
    ------
    ConfigError
        If the file cannot be read, is not TOML, or describes a scheme that is
        inconsistent or could give two grids the same code. The message names
        the file, the line (when it can be found) and the key.

    Examples
    --------
    >>> scheme = load_code_scheme()
    >>> scheme.code_length, scheme.counties["640122"]
    (16, '贺兰县')
    """
    path = Path(path) if path is not None else DEFAULT_SCHEME_PATH
    toml = ConfigFile.load(path, "code scheme file")
    return _build_scheme(toml, base_dir=path.parent)


def parse_code_scheme(
    text: str, *, source: str = "<code scheme>", base_dir: str | Path | None = None
) -> CodeScheme:
    """Build a code scheme from TOML text, as :func:`load_code_scheme` does from a file.

    Parameters
    ----------
    text : str
        The scheme, in the format of ``docs/code_scheme.md``.
    source : str, optional
        A name for the text in messages.
    base_dir : str or Path, optional
        Folder against which a relative ``sector.departments`` path is resolved.
        Default: the bundled ``data/`` folder.

    Returns
    -------
    CodeScheme

    Raises
    ------
    ConfigError
        As :func:`load_code_scheme`.
    """
    toml = ConfigFile.parse(text, source)
    return _build_scheme(toml, base_dir=Path(base_dir) if base_dir is not None else DATA_DIR)


@functools.cache
def default_scheme() -> CodeScheme:
    """Return the bundled scheme (``data/code_scheme.toml``), loaded once per process.

    Returns
    -------
    CodeScheme

    Raises
    ------
    ConfigError
        If the bundled file has been edited into an invalid scheme.
    """
    return load_code_scheme(DEFAULT_SCHEME_PATH)


def _build_scheme(toml: ConfigFile, *, base_dir: Path) -> CodeScheme:
    data = toml.data
    toml.keys(
        data,
        (),
        required=(
            "check",
            "body_length",
            "segment",
            "township_type",
            "village_type",
            "base",
            "sector",
            "counties",
        ),
        optional=("name", "region", "reserved", "other_provinces"),
    )
    name = toml.string(data.get("name", "grid code scheme"), ("name",))
    region = toml.string(data.get("region", ""), ("region",), allow_empty=True)
    check = toml.string(data["check"], ("check",))
    if check not in _CHECK_ALGORITHMS:
        raise toml.error(
            ("check",),
            f"unknown check algorithm {check!r}; use one of {', '.join(_CHECK_ALGORITHMS)}",
        )
    body_length = toml.integer(data["body_length"], ("body_length",), minimum=1)
    segments, kind_values = _read_segments(toml, body_length)
    widths = {segment.name: segment.length for segment in segments}

    township_types = _read_part_types(toml, "township_type", widths["township"])
    village_types = _read_part_types(toml, "village_type", widths["village"])
    reserved = _read_reserved(toml, widths)
    for segment_name, types in (("township", township_types), ("village", village_types)):
        width = widths[segment_name]
        for index, reserved_range in enumerate(reserved):
            if reserved_range.segment != segment_name:
                continue
            for part in types:
                if _overlap(_as_range(reserved_range), _as_range(part)):
                    raise toml.error(
                        ("reserved", index, "range"),
                        f"reserved {segment_name} range "
                        f"{format_span(reserved_range.first, reserved_range.last, width)} "
                        f"overlaps the {part.type} range in use "
                        f"{format_span(part.first, part.last, width)}",
                    )

    base = toml.table(data["base"], ("base",))
    toml.keys(base, ("base",), required=("sequences",))
    base_sequences = _read_sequences(toml, base, ("base",), widths["sequence"], reserved)

    sector = toml.table(data["sector"], ("sector",))
    toml.keys(sector, ("sector",), required=("marker", "sequences"), optional=("departments",))
    sector_sequences = _read_sequences(toml, sector, ("sector",), widths["sequence"], reserved)
    marker = _read_marker(toml, sector, widths["village"], kind_values, village_types, reserved)

    counties = _read_counties(toml, widths["county"])
    other_provinces = toml.string(data.get("other_provinces", "refuse"), ("other_provinces",))
    if other_provinces not in ("accept", "refuse"):
        raise toml.error(
            ("other_provinces",), f'must be "accept" or "refuse", not {other_provinces!r}'
        )
    if other_provinces == "accept" and widths["county"] != 6:
        raise toml.error(
            ("other_provinces",), "accepting other provinces needs 6-digit GB/T 2260 counties"
        )

    departments_value = sector.get("departments", str(DEFAULT_DEPARTMENTS_PATH))
    departments_path = Path(toml.string(departments_value, ("sector", "departments")))
    if not departments_path.is_absolute():
        departments_path = base_dir / departments_path
    if not departments_path.is_file():
        raise toml.error(
            ("sector", "departments"), f"departments file not found: {departments_path}"
        )
    department_width = widths["village"] - len(marker)
    departments = load_departments(
        departments_path, max_number=10**department_width - 1, marker=marker
    )

    scheme = CodeScheme(
        name=name,
        region=region,
        source=toml.source,
        check=check,
        body_length=body_length,
        segments=segments,
        kind_values=MappingProxyType(kind_values),
        township_types=township_types,
        village_types=village_types,
        base_sequences=base_sequences,
        sector_sequences=sector_sequences,
        sector_marker=marker,
        reserved=reserved,
        counties=MappingProxyType(counties),
        departments=MappingProxyType(departments),
        departments_source=str(departments_path),
        other_provinces=other_provinces == "accept",
    )
    logger.debug(
        "code scheme %s: %d-character codes, %d counties, %d departments",
        toml.source,
        scheme.code_length,
        len(counties),
        len(departments),
    )
    return scheme


def _as_range(part: PartType | ReservedRange) -> range:
    return range(part.first, part.last + 1)


def _read_digits(toml: ConfigFile, value: Any, path: KeyPath, width: int | None) -> str:
    """Return a value that must be a string of ``width`` ASCII digits (any number if None)."""
    text = toml.string(value, path, allow_empty=width == 0)
    if text and not is_digits(text):
        raise toml.error(path, f"must be a string of digits, not {text!r}")
    if width is not None and len(text) != width:
        raise toml.error(path, f"must have {width} digits, not {len(text)} ({text!r})")
    return text


def _read_range(toml: ConfigFile, value: Any, path: KeyPath, width: int) -> range:
    """Return a ``[first, last]`` value of a ``width``-digit segment as a range."""
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise toml.error(path, f"must be [first, last], two integers, not {value!r}")
    first, last = value
    if first > last:
        raise toml.error(path, f"first {first} is greater than last {last}")
    if first < 0 or last >= 10**width:
        raise toml.error(
            path,
            f"{format_span(first, last, width)} does not fit {width} digits (0 to {10**width - 1})",
        )
    return range(first, last + 1)


def _read_segments(
    toml: ConfigFile, body_length: int
) -> tuple[tuple[Segment, ...], dict[GridKind, str]]:
    segments: list[Segment] = []
    kind_values: dict[GridKind, str] = {}
    start = 0
    for index, entry in enumerate(toml.tables(toml.data["segment"], ("segment",))):
        path: KeyPath = ("segment", index)
        toml.keys(entry, path, required=("name", "length"), optional=("values",))
        name = toml.string(entry["name"], (*path, "name"))
        if name not in (*_REQUIRED_SEGMENTS, *_OPTIONAL_SEGMENTS):
            raise toml.error(
                (*path, "name"),
                f"unknown segment {name!r}; segments are "
                f"{', '.join((*_REQUIRED_SEGMENTS, *_OPTIONAL_SEGMENTS))}",
            )
        if any(segment.name == name for segment in segments):
            raise toml.error((*path, "name"), f"segment {name!r} appears twice")
        length = toml.integer(entry["length"], (*path, "length"), minimum=1)
        if name == "kind":
            kind_values = _read_kind_values(toml, entry, path, length)
        elif "values" in entry:
            raise toml.error((*path, "values"), "only the kind segment has values")
        segments.append(Segment(name, length, start))
        start += length
    missing = [name for name in _REQUIRED_SEGMENTS if all(s.name != name for s in segments)]
    if missing:
        raise toml.error(("segment",), f"missing segment(s): {', '.join(missing)}")
    if start != body_length:
        parts = " + ".join(f"{s.name} {s.length}" for s in segments)
        raise toml.error(
            ("body_length",),
            f"the segments add up to {start} digits ({parts}), not body_length {body_length}",
        )
    return tuple(segments), kind_values


def _read_kind_values(
    toml: ConfigFile, entry: Mapping[str, Any], path: KeyPath, length: int
) -> dict[GridKind, str]:
    values_path: KeyPath = (*path, "values")
    if "values" not in entry:
        raise toml.error(path, "the kind segment needs values = {level, base, sector}")
    values = toml.table(entry["values"], values_path)
    toml.keys(values, values_path, required=KINDS)
    kind_values = {
        kind: _read_digits(toml, values[kind], (*values_path, kind), length) for kind in KINDS
    }
    if len(set(kind_values.values())) != len(KINDS):
        # Two kinds with one value could not be told apart when a code is read.
        raise toml.error(values_path, "level, base and sector need three different values")
    return kind_values


def _read_part_types(toml: ConfigFile, key: str, width: int) -> tuple[PartType, ...]:
    parts: list[PartType] = []
    for index, entry in enumerate(toml.tables(toml.data[key], (key,))):
        path: KeyPath = (key, index)
        toml.keys(entry, path, required=("range", "type", "label"))
        values = _read_range(toml, entry["range"], (*path, "range"), width)
        if 0 in values:
            # All zeros is the level grids' "no township / no village".
            raise toml.error(
                (*path, "range"),
                f"{format_span(values.start, values[-1], width)} includes {'0' * width}, "
                "which level grids use for 'none'",
            )
        part = PartType(
            values.start,
            values[-1],
            toml.string(entry["type"], (*path, "type")),
            toml.string(entry["label"], (*path, "label")),
        )
        for other in parts:
            if _overlap(_as_range(other), values):
                raise toml.error(
                    (*path, "range"),
                    f"{format_span(part.first, part.last, width)} overlaps the {other.type} range "
                    f"{format_span(other.first, other.last, width)}",
                )
        parts.append(part)
    return tuple(parts)


def _read_reserved(toml: ConfigFile, widths: Mapping[str, int]) -> tuple[ReservedRange, ...]:
    if "reserved" not in toml.data:
        return ()
    reserved: list[ReservedRange] = []
    for index, entry in enumerate(toml.tables(toml.data["reserved"], ("reserved",))):
        path: KeyPath = ("reserved", index)
        toml.keys(entry, path, required=("segment", "range"), optional=("reason",))
        segment = toml.string(entry["segment"], (*path, "segment"))
        if segment not in _RESERVABLE_SEGMENTS:
            raise toml.error(
                (*path, "segment"),
                f"cannot reserve values of {segment!r}; "
                f"use one of {', '.join(_RESERVABLE_SEGMENTS)}",
            )
        values = _read_range(toml, entry["range"], (*path, "range"), widths[segment])
        if 0 in values:
            raise toml.error(
                (*path, "range"), "includes 0, which level grids and county-level sector grids use"
            )
        reason = toml.string(entry.get("reason", "reserved"), (*path, "reason"))
        reserved.append(ReservedRange(segment, values.start, values[-1], reason))
    return tuple(reserved)


def _read_sequences(
    toml: ConfigFile,
    table: Mapping[str, Any],
    path: KeyPath,
    width: int,
    reserved: tuple[ReservedRange, ...],
) -> range:
    key_path: KeyPath = (*path, "sequences")
    sequences = _read_range(toml, table["sequences"], key_path, width)
    if 0 in sequences:
        # Sequence 0 is how a level grid is told from the grids inside it.
        raise toml.error(
            key_path,
            f"{format_span(sequences.start, sequences[-1], width)} includes {'0' * width}, "
            "the sequence of level grids; start at 1",
        )
    for reserved_range in reserved:
        if reserved_range.segment == "sequence" and _overlap(sequences, _as_range(reserved_range)):
            raise toml.error(
                key_path,
                f"{format_span(sequences.start, sequences[-1], width)} overlaps the reserved range "
                f"{format_span(reserved_range.first, reserved_range.last, width)}",
            )
    return sequences


def _read_marker(
    toml: ConfigFile,
    sector: Mapping[str, Any],
    village_width: int,
    kind_values: Mapping[GridKind, str],
    village_types: tuple[PartType, ...],
    reserved: tuple[ReservedRange, ...],
) -> str:
    path: KeyPath = ("sector", "marker")
    marker = _read_digits(toml, sector["marker"], path, None) if sector["marker"] != "" else ""
    if len(marker) >= village_width:
        raise toml.error(
            path,
            f"marker {marker!r} leaves no digit for the department number "
            f"in the {village_width}-digit village part",
        )
    department_width = village_width - len(marker)
    first = int(marker or "0") * 10**department_width + 1
    last = int(marker or "0") * 10**department_width + 10**department_width - 1
    sector_values = range(first, last + 1)
    pattern = marker + "D" * department_width
    where = f"sector village parts {format_span(first, last, village_width)} ({pattern})"
    if not kind_values:
        # Without a kind digit the marker is the only thing that tells a sector grid
        # from a base grid, so its values must lie outside every village range.
        if not marker:
            raise toml.error(
                path,
                "an empty marker needs a kind segment to tell sector grids from base grids",
            )
        for part in village_types:
            if _overlap(sector_values, _as_range(part)):
                raise toml.error(
                    path,
                    f"{where} collide with the {part.type} village range "
                    f"{format_span(part.first, part.last, village_width)}",
                )
    for reserved_range in reserved:
        if reserved_range.segment != "village":
            continue
        if _overlap(sector_values, _as_range(reserved_range)):
            raise toml.error(
                path,
                f"{where} overlap the reserved village range "
                f"{format_span(reserved_range.first, reserved_range.last, village_width)}",
            )
    return marker


def _read_counties(toml: ConfigFile, width: int) -> dict[str, str]:
    table = toml.table(toml.data["counties"], ("counties",))
    if not table:
        raise toml.error(("counties",), "lists no county; every code would be refused")
    counties: dict[str, str] = {}
    for county, county_name in table.items():
        path: KeyPath = ("counties", county)
        if not is_digits(county) or len(county) != width or int(county) == 0:
            raise toml.error(path, f"county codes must be {width} digits, not all zero")
        counties[county] = toml.string(county_name, path)
    return counties


def load_departments(
    path: str | Path | None = None, *, max_number: int | None = None, marker: str = ""
) -> dict[int, Department]:
    """Load the departments that hold sector grids.

    Parameters
    ----------
    path : str or Path, optional
        The departments TOML file (``[[department]]`` tables with ``number``,
        ``name`` and ``sectors``). Default: ``data/departments.toml``.
    max_number : int, optional
        Largest number that fits the code scheme's department digits.
    marker : str, optional
        The scheme's sector marker, for messages only.

    Returns
    -------
    dict
        Department number -> :class:`Department`, ordered by number.

    Raises
    ------
    ConfigError
        If the file is invalid, a number is used twice or does not fit the code
        scheme, or a sector is given to two departments (an enterprise of that
        sector could then go to either).

    Examples
    --------
    >>> load_departments()[1].name
    '县应急管理局'
    """
    path = Path(path) if path is not None else DEFAULT_DEPARTMENTS_PATH
    toml = ConfigFile.load(path, "departments file")
    toml.keys(toml.data, (), required=("department",))
    departments: dict[int, Department] = {}
    where_number: dict[int, int] = {}
    sector_owner: dict[str, int] = {}
    for index, entry in enumerate(toml.tables(toml.data["department"], ("department",))):
        entry_path: KeyPath = ("department", index)
        toml.keys(entry, entry_path, required=("number", "name"), optional=("sectors",))
        number = toml.integer(entry["number"], (*entry_path, "number"), minimum=1)
        if number in departments:
            raise toml.error(
                (*entry_path, "number"),
                f"department number {number} is already used by department"
                f"[{where_number[number] + 1}] ({departments[number].name}); "
                "each number must be unique, it is part of the department's grid codes",
            )
        if max_number is not None and number > max_number:
            raise toml.error(
                (*entry_path, "number"),
                f"department number {number} does not fit the code scheme: after the sector "
                f"marker {marker!r} there is room for 1 to {max_number}",
            )
        name = toml.string(entry["name"], (*entry_path, "name"))
        sectors_value = entry.get("sectors", [])
        if not isinstance(sectors_value, list):
            raise toml.error((*entry_path, "sectors"), "must be an array of strings")
        sectors = tuple(toml.string(sector, (*entry_path, "sectors")) for sector in sectors_value)
        for sector in sectors:
            if sector in sector_owner and sector_owner[sector] != number:
                raise toml.error(
                    (*entry_path, "sectors"),
                    f"sector {sector!r} is already given to department {sector_owner[sector]}",
                )
            sector_owner[sector] = number
        departments[number] = Department(number, name, sectors)
        where_number[number] = index
    return dict(sorted(departments.items()))
