"""Grid codes: the code scheme, the code value type, check characters and allocation.

Every grid has a unique code, set region-wide (DOMAIN.md, "Codes"). The layout
of a code is not hard-wired: it comes from a *code scheme*, a TOML file
(``data/code_scheme.toml`` by default, format in ``docs/code_scheme.md``). The
default scheme is DESIGN.md's::

    CCCCCC TTT VVV SSS X     county, township, village, sequence, check character

* level grids set the lower parts to zero (``CCCCCC000000000`` for a county);
* base grids number ``SSS`` from 001 to 899 inside their village;
* sector grids put ``9`` + the department number in the village part
  (``CCCCCC TTT 9DD SSS``, ``TTT`` = 000 at county level);
* the check character is ISO 7064 MOD 11-2, as on the resident ID card.

A scheme that could give two grids the same code is refused when it is loaded
(:func:`load_code_scheme`), so every :class:`GridCode` that exists is valid and
unique under its scheme.

The pieces:

* :func:`load_code_scheme` / :func:`default_scheme` -> :class:`CodeScheme`;
* :class:`GridCode`, a frozen value type: :meth:`GridCode.parse`,
  :meth:`GridCode.format`, :attr:`GridCode.check_char` and the constructors
  :meth:`GridCode.for_level`, :meth:`GridCode.base`, :meth:`GridCode.sector`;
* :func:`explain` -> :class:`CodeExplanation`, what ``gridgis code check`` prints;
* :func:`next_sequences` and :func:`reading_order`, used to allocate new codes.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from gridgis.errors import CodeError, ConfigError
from gridgis.paths import DATA_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SCHEME_PATH",
    "KIND_LABELS",
    "LEVEL_LABELS",
    "CodeExplanation",
    "CodeScheme",
    "Department",
    "GridCode",
    "GridKind",
    "GridLevel",
    "PartType",
    "ReservedRange",
    "Segment",
    "check_char",
    "default_scheme",
    "explain",
    "is_valid",
    "load_code_scheme",
    "load_departments",
    "next_sequences",
    "parse",
    "parse_code_scheme",
    "reading_order",
]

DEFAULT_SCHEME_PATH = DATA_DIR / "code_scheme.toml"
DEFAULT_DEPARTMENTS_PATH = DATA_DIR / "departments.toml"

GridKind = Literal["level", "base", "sector"]
GridLevel = Literal["county", "township", "village", "base"]

KINDS: tuple[GridKind, ...] = ("level", "base", "sector")

#: Chinese names of the grid kinds, for maps, tables and the CLI.
KIND_LABELS: Mapping[GridKind, str] = MappingProxyType(
    {"level": "层级网格", "base": "基础网格", "sector": "行业专属网格"}
)
#: Chinese names of the levels a grid can sit at.
LEVEL_LABELS: Mapping[GridLevel, str] = MappingProxyType(
    {"county": "县级", "township": "乡镇级", "village": "村级", "base": "四级(基础)"}
)

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

    return cast(str, mod_11_2.calc_check_digit(body))


def _iso7064_mod_97_10(body: str) -> str:
    from stdnum.iso7064 import mod_97_10

    return cast(str, mod_97_10.calc_check_digits(body))


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

    @property
    def zero(self) -> str:
        """The all-zero value of this segment, as written in a code."""
        return "0" * self.length


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

    def has_segment(self, name: str) -> bool:
        """Tell whether the scheme has a segment playing a role."""
        return any(segment.name == name for segment in self.segments)

    def check_char(self, body: str) -> str:
        """Return the check character(s) for a body; see :func:`check_char`."""
        return check_char(body, self)

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


# --------------------------------------------------------------------------
# Loading a scheme
# --------------------------------------------------------------------------

# A best-effort index of where each key sits in a TOML file, so that a semantic
# error can name the line as tomllib does for syntax errors. tomllib keeps no
# positions, so we scan the text: headers and "key =" lines, which covers how
# people write configuration; an odd construct only loses the line number.
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"^\[\[\s*({_DOTTED_KEY})\s*\]\]\s*(?:#.*)?$")
_TABLE_HEADER = re.compile(rf"^\[\s*({_DOTTED_KEY})\s*\]\s*(?:#.*)?$")
_KEY_VALUE = re.compile(rf"^({_DOTTED_KEY})\s*=")
_KEY_PART = re.compile(_KEY)

_KeyPath = tuple[str | int, ...]


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(dotted))


def _key_lines(text: str) -> dict[_KeyPath, int]:
    lines: dict[_KeyPath, int] = {}
    table: _KeyPath = ()
    array_counts: dict[_KeyPath, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if match := _ARRAY_HEADER.match(line):
            name = _split_key(match.group(1))
            index = array_counts.get(name, -1) + 1
            array_counts[name] = index
            table = (*name, index)
            lines.setdefault(name, number)
            lines.setdefault(table, number)
        elif match := _TABLE_HEADER.match(line):
            table = _split_key(match.group(1))
            lines.setdefault(table, number)
        elif match := _KEY_VALUE.match(line):
            lines.setdefault((*table, *_split_key(match.group(1))), number)
    return lines


def _format_key(path: _KeyPath) -> str:
    text = ""
    for part in path:
        # Entries of an array of tables are counted from 1, as a reader would.
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if text else part
    return text


class _TomlFile:
    """A parsed TOML file whose errors name the file, the line and the key."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        try:
            self.data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            # tomllib's message already names the line and column.
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
        self._lines = _key_lines(text)

    @classmethod
    def read(cls, path: Path, what: str) -> _TomlFile:
        try:
            # utf-8-sig: Windows editors often save UTF-8 with a byte-order mark.
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"{what} not found: {path}") from None
        except UnicodeDecodeError as error:
            raise ConfigError(f"{path}: not UTF-8 text ({error.reason})") from None
        except OSError as error:
            raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None
        return cls(text, str(path))

    def error(self, path: _KeyPath, problem: str) -> ConfigError:
        line = next(
            (self._lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self._lines),
            None,
        )
        where = f"{self.source}, line {line}" if line else self.source
        key = _format_key(path)
        return ConfigError(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")

    def keys(
        self,
        table: Mapping[str, Any],
        path: _KeyPath,
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        required = tuple(required)
        allowed = (*required, *optional)
        for key in table:
            if key not in allowed:
                raise self.error((*path, key), f"unknown key; expected one of {', '.join(allowed)}")
        for key in required:
            if key not in table:
                raise self.error(path, f"missing key {key!r}")

    def table(self, value: Any, path: _KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"must be a table, not {_toml_type(value)}")
        return value

    def tables(self, value: Any, path: _KeyPath) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.error(path, f"must be an array of tables ([[{_format_key(path)}]])")
        return [self.table(item, (*path, index)) for index, item in enumerate(value)]

    def integer(self, value: Any, path: _KeyPath, *, minimum: int | None = None) -> int:
        # bool is an int in Python but not in TOML: refuse "length = true".
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(path, f"must be an integer, not {_toml_type(value)}")
        if minimum is not None and value < minimum:
            raise self.error(path, f"must be at least {minimum}, not {value}")
        return value

    def string(self, value: Any, path: _KeyPath, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.error(path, f"must be a string, not {_toml_type(value)}")
        if not allow_empty and not value.strip():
            raise self.error(path, "must not be empty")
        return value

    def digits(self, value: Any, path: _KeyPath, width: int | None) -> str:
        text = self.string(value, path, allow_empty=width == 0)
        if text and not _is_digits(text):
            raise self.error(path, f"must be a string of digits, not {text!r}")
        if width is not None and len(text) != width:
            raise self.error(path, f"must have {width} digits, not {len(text)} ({text!r})")
        return text

    def value_range(self, value: Any, path: _KeyPath, width: int) -> range:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise self.error(path, f"must be [first, last], two integers, not {value!r}")
        first, last = value
        if first > last:
            raise self.error(path, f"first {first} is greater than last {last}")
        if first < 0 or last >= 10**width:
            raise self.error(
                path,
                f"{_span(first, last, width)} does not fit {width} digits (0 to {10**width - 1})",
            )
        return range(first, last + 1)


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _is_digits(text: str) -> bool:
    # str.isdigit() also accepts superscripts and full-width digits.
    return text.isascii() and text.isdigit()


def _span(first: int, last: int, width: int) -> str:
    return f"{first:0{width}d}" if first == last else f"{first:0{width}d}-{last:0{width}d}"


def _overlap(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop


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
    toml = _TomlFile.read(path, "code scheme file")
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
    toml = _TomlFile(text, source)
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


def _build_scheme(toml: _TomlFile, *, base_dir: Path) -> CodeScheme:
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
        for index, reserved_range in enumerate(reserved):
            if reserved_range.segment != segment_name:
                continue
            for part in types:
                if _overlap(_as_range(reserved_range), _as_range(part)):
                    raise toml.error(
                        ("reserved", index, "range"),
                        f"reserved {segment_name} range "
                        f"{_span(reserved_range.first, reserved_range.last, widths[segment_name])} "
                        f"overlaps the {part.type} range in use "
                        f"{_span(part.first, part.last, widths[segment_name])}",
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
            ("other_provinces",), f"must be \"accept\" or \"refuse\", not {other_provinces!r}"
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


def _read_segments(
    toml: _TomlFile, body_length: int
) -> tuple[tuple[Segment, ...], dict[GridKind, str]]:
    segments: list[Segment] = []
    kind_values: dict[GridKind, str] = {}
    start = 0
    for index, entry in enumerate(toml.tables(toml.data["segment"], ("segment",))):
        path: _KeyPath = ("segment", index)
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
    toml: _TomlFile, entry: Mapping[str, Any], path: _KeyPath, length: int
) -> dict[GridKind, str]:
    values_path: _KeyPath = (*path, "values")
    if "values" not in entry:
        raise toml.error(path, "the kind segment needs values = {level, base, sector}")
    values = toml.table(entry["values"], values_path)
    toml.keys(values, values_path, required=KINDS)
    kind_values = {kind: toml.digits(values[kind], (*values_path, kind), length) for kind in KINDS}
    if len(set(kind_values.values())) != len(KINDS):
        # Two kinds with one value could not be told apart when a code is read.
        raise toml.error(values_path, "level, base and sector need three different values")
    return kind_values


def _read_part_types(toml: _TomlFile, key: str, width: int) -> tuple[PartType, ...]:
    parts: list[PartType] = []
    for index, entry in enumerate(toml.tables(toml.data[key], (key,))):
        path: _KeyPath = (key, index)
        toml.keys(entry, path, required=("range", "type", "label"))
        values = toml.value_range(entry["range"], (*path, "range"), width)
        if 0 in values:
            # All zeros is the level grids' "no township / no village".
            raise toml.error(
                (*path, "range"),
                f"{_span(values.start, values[-1], width)} includes {'0' * width}, "
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
                    f"{_span(part.first, part.last, width)} overlaps the {other.type} range "
                    f"{_span(other.first, other.last, width)}",
                )
        parts.append(part)
    return tuple(parts)


def _read_reserved(toml: _TomlFile, widths: Mapping[str, int]) -> tuple[ReservedRange, ...]:
    if "reserved" not in toml.data:
        return ()
    reserved: list[ReservedRange] = []
    for index, entry in enumerate(toml.tables(toml.data["reserved"], ("reserved",))):
        path: _KeyPath = ("reserved", index)
        toml.keys(entry, path, required=("segment", "range"), optional=("reason",))
        segment = toml.string(entry["segment"], (*path, "segment"))
        if segment not in _RESERVABLE_SEGMENTS:
            raise toml.error(
                (*path, "segment"),
                f"cannot reserve values of {segment!r}; "
                f"use one of {', '.join(_RESERVABLE_SEGMENTS)}",
            )
        values = toml.value_range(entry["range"], (*path, "range"), widths[segment])
        if 0 in values:
            raise toml.error(
                (*path, "range"), "includes 0, which level grids and county-level sector grids use"
            )
        reason = toml.string(entry.get("reason", "reserved"), (*path, "reason"))
        reserved.append(ReservedRange(segment, values.start, values[-1], reason))
    return tuple(reserved)


def _read_sequences(
    toml: _TomlFile,
    table: Mapping[str, Any],
    path: _KeyPath,
    width: int,
    reserved: tuple[ReservedRange, ...],
) -> range:
    key_path: _KeyPath = (*path, "sequences")
    sequences = toml.value_range(table["sequences"], key_path, width)
    if 0 in sequences:
        # Sequence 0 is how a level grid is told from the grids inside it.
        raise toml.error(
            key_path,
            f"{_span(sequences.start, sequences[-1], width)} includes {'0' * width}, "
            "the sequence of level grids; start at 1",
        )
    for reserved_range in reserved:
        if reserved_range.segment == "sequence" and _overlap(sequences, _as_range(reserved_range)):
            raise toml.error(
                key_path,
                f"{_span(sequences.start, sequences[-1], width)} overlaps the reserved range "
                f"{_span(reserved_range.first, reserved_range.last, width)}",
            )
    return sequences


def _read_marker(
    toml: _TomlFile,
    sector: Mapping[str, Any],
    village_width: int,
    kind_values: Mapping[GridKind, str],
    village_types: tuple[PartType, ...],
    reserved: tuple[ReservedRange, ...],
) -> str:
    path: _KeyPath = ("sector", "marker")
    marker = toml.digits(sector["marker"], path, None) if sector["marker"] != "" else ""
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
    where = f"sector village parts {_span(first, last, village_width)} ({pattern})"
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
                    f"{_span(part.first, part.last, village_width)}",
                )
    for reserved_range in reserved:
        if reserved_range.segment != "village":
            continue
        if _overlap(sector_values, _as_range(reserved_range)):
            raise toml.error(
                path,
                f"{where} overlap the reserved village range "
                f"{_span(reserved_range.first, reserved_range.last, village_width)}",
            )
    return marker


def _read_counties(toml: _TomlFile, width: int) -> dict[str, str]:
    table = toml.table(toml.data["counties"], ("counties",))
    if not table:
        raise toml.error(("counties",), "lists no county; every code would be refused")
    counties: dict[str, str] = {}
    for county, county_name in table.items():
        path: _KeyPath = ("counties", county)
        if not _is_digits(county) or len(county) != width or int(county) == 0:
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
    toml = _TomlFile.read(path, "departments file")
    toml.keys(toml.data, (), required=("department",))
    departments: dict[int, Department] = {}
    where_number: dict[int, int] = {}
    sector_owner: dict[str, int] = {}
    for index, entry in enumerate(toml.tables(toml.data["department"], ("department",))):
        entry_path: _KeyPath = ("department", index)
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


# --------------------------------------------------------------------------
# Check characters and the code value type
# --------------------------------------------------------------------------


def check_char(body: str, scheme: CodeScheme | None = None) -> str:
    """Return the check character(s) a code body needs.

    Parameters
    ----------
    body : str
        The digits before the check character.
    scheme : CodeScheme, optional
        Default: :func:`default_scheme`.

    Returns
    -------
    str
        One character (``0``-``9`` or ``X``) for ISO 7064 MOD 11-2, two digits
        for MOD 97-10, empty for ``none``.

    Raises
    ------
    CodeError
        If the body has the wrong length or is not all digits.

    Examples
    --------
    >>> check_char("640122101201001")
    '5'
    """
    scheme = scheme or default_scheme()
    if len(body) != scheme.body_length or not _is_digits(body):
        raise CodeError(f"a code body is {scheme.body_length} digits, not {body!r}")
    return _CHECK_ALGORITHMS[scheme.check].compute(body)


@dataclass(frozen=True)
class GridCode:
    """A grid code: a small immutable value, always valid under its scheme.

    Build one with :meth:`parse`, :meth:`for_level`, :meth:`base` or
    :meth:`sector`; the fields are checked on construction, so an invalid
    combination raises :class:`~gridgis.errors.CodeError`.

    Attributes
    ----------
    county : str
        County part, such as ``"640122"``.
    township : str
        Township part, such as ``"101"``; all zeros for county-level grids.
    village : str
        Village part, such as ``"201"``; for sector grids the sector marker and
        the department number (``"901"``); all zeros above village level.
    sequence : int
        Grid number inside its village or department; 0 for level grids.
    kind : {'level', 'base', 'sector'}
        Level grid (an administrative unit), base grid or sector grid.
    scheme : CodeScheme
        The scheme the code follows (keyword only; default
        :func:`default_scheme`). Not part of equality.

    Examples
    --------
    >>> code = GridCode.base("640122101201", 1)
    >>> code.format()
    '6401221012010015'
    >>> GridCode.parse("6401221012010015") == code
    True
    >>> GridCode.sector("640122", department=1, sequence=2).format()
    '6401220009010028'
    """

    county: str
    township: str
    village: str
    sequence: int
    kind: GridKind
    scheme: CodeScheme = field(
        default_factory=default_scheme, compare=False, repr=False, kw_only=True
    )

    def __post_init__(self) -> None:
        _validate(self)

    # -- constructors ------------------------------------------------------

    @classmethod
    def parse(cls, text: str, scheme: CodeScheme | None = None) -> GridCode:
        """Read and validate a code.

        Whitespace anywhere is ignored (so ``"640122 101 201 001 5"`` is read),
        and a lower-case ``x`` check character is accepted.

        Parameters
        ----------
        text : str
            The code.
        scheme : CodeScheme, optional
            Default: :func:`default_scheme`.

        Returns
        -------
        GridCode

        Raises
        ------
        CodeError
            With the reason: wrong length, a non-digit in the body, bad check
            character (naming the expected one), unknown county, reserved range,
            a part outside the ranges in use, unknown department, or parts that
            contradict each other.

        Examples
        --------
        >>> GridCode.parse("6401221012010015").sequence
        1
        """
        scheme = scheme or default_scheme()
        if not isinstance(text, str):
            raise CodeError(f"a grid code is text, not {type(text).__name__}")
        code = "".join(text.split()).upper()
        shown = code or repr(text)
        if len(code) != scheme.code_length:
            hint = ""
            if scheme.check_length and len(code) == scheme.body_length:
                hint = "; is the check character missing?"
            raise CodeError(
                f"{shown}: wrong length: {len(code)} characters, a grid code has "
                f"{scheme.code_length} ({_layout(scheme)}){hint}"
            )
        body, given = code[: scheme.body_length], code[scheme.body_length :]
        for position, char in enumerate(body, start=1):
            if not ("0" <= char <= "9"):
                raise CodeError(
                    f"{shown}: not a number: character {position} ({char!r}) "
                    f"of the {scheme.body_length}-digit body is not a digit"
                )
        expected = check_char(body, scheme)
        if given != expected:
            raise CodeError(
                f"{shown}: bad check character: the code ends in {given!r}, "
                f"but its body {body} needs {expected!r} ({scheme.check}); "
                "a digit is probably mistyped"
            )
        parts = scheme.split(body)
        try:
            kind = _classify(parts, scheme)
            return cls(
                county=parts["county"],
                township=parts["township"],
                village=parts["village"],
                sequence=int(parts["sequence"]),
                kind=kind,
                scheme=scheme,
            )
        except CodeError as error:
            raise CodeError(f"{shown}: {error}") from None

    @classmethod
    def for_level(cls, admin_code: str, *, scheme: CodeScheme | None = None) -> GridCode:
        """Return the level grid of an administrative unit.

        Parameters
        ----------
        admin_code : str
            A county, township or village code (6, 9 or 12 digits in the default
            scheme); a 12-digit statistical code ending in zeros also works.
        scheme : CodeScheme, optional
            Default: :func:`default_scheme`.

        Returns
        -------
        GridCode
            Its parts below the unit's level are zero.

        Raises
        ------
        CodeError
            If the code is malformed or names an unknown county or a part
            outside the ranges in use.

        Examples
        --------
        >>> GridCode.for_level("640122101").format()
        '6401221010000008'
        """
        scheme = scheme or default_scheme()
        county_width = scheme.segment("county").length
        township_width = scheme.segment("township").length
        lengths = (county_width, county_width + township_width, scheme.admin_length)
        text = admin_code.strip() if isinstance(admin_code, str) else ""
        if not _is_digits(text) or len(text) not in lengths:
            raise CodeError(
                f"{admin_code!r} is not an administrative code of "
                f"{', '.join(map(str, lengths[:-1]))} or {lengths[-1]} digits"
            )
        text = text.ljust(scheme.admin_length, "0")
        return cls(
            county=text[:county_width],
            township=text[county_width : county_width + township_width],
            village=text[county_width + township_width :],
            sequence=0,
            kind="level",
            scheme=scheme,
        )

    @classmethod
    def base(
        cls, village_code: str, sequence: int, *, scheme: CodeScheme | None = None
    ) -> GridCode:
        """Return the code of a base grid.

        Parameters
        ----------
        village_code : str
            The village's full administrative code (12 digits by default).
        sequence : int
            The grid's number in the village, within the scheme's base range.
        scheme : CodeScheme, optional
            Default: :func:`default_scheme`.

        Returns
        -------
        GridCode

        Raises
        ------
        CodeError
            If the village code is malformed or the sequence is outside the
            base range (or in a reserved one).

        Examples
        --------
        >>> str(GridCode.base("640122101201", 12))
        '640122101201012X'
        """
        scheme = scheme or default_scheme()
        county_width = scheme.segment("county").length
        township_width = scheme.segment("township").length
        text = village_code.strip() if isinstance(village_code, str) else ""
        if not _is_digits(text) or len(text) != scheme.admin_length:
            raise CodeError(f"{village_code!r} is not a {scheme.admin_length}-digit village code")
        return cls(
            county=text[:county_width],
            township=text[county_width : county_width + township_width],
            village=text[county_width + township_width :],
            sequence=sequence,
            kind="base",
            scheme=scheme,
        )

    @classmethod
    def sector(
        cls,
        county: str,
        department: int,
        sequence: int,
        township: str | int = 0,
        *,
        scheme: CodeScheme | None = None,
    ) -> GridCode:
        """Return the code of a sector grid.

        Parameters
        ----------
        county : str
            County code.
        department : int
            Department number, from the departments file.
        sequence : int
            The grid's number among the department's grids in that county or
            township, within the scheme's sector range.
        township : str or int, optional
            Township part for a township-level sector grid; default 0, a
            county-level sector grid.
        scheme : CodeScheme, optional
            Default: :func:`default_scheme`.

        Returns
        -------
        GridCode

        Raises
        ------
        CodeError
            If the department is unknown or does not fit, or another part is
            invalid.

        Examples
        --------
        >>> GridCode.sector("640122", 3, 1).village
        '903'
        """
        scheme = scheme or default_scheme()
        width = scheme.department_width
        if not isinstance(department, int) or not 0 < department < 10**width:
            raise CodeError(
                f"department number {department!r} does not fit the {width} digit(s) "
                f"after the sector marker {scheme.sector_marker!r}"
            )
        return cls(
            county=county,
            township=_pad(township, scheme.segment("township").length, "township"),
            village=f"{scheme.sector_marker}{department:0{width}d}",
            sequence=sequence,
            kind="sector",
            scheme=scheme,
        )

    # -- derived values ----------------------------------------------------

    @property
    def body(self) -> str:
        """The digits before the check character."""
        values = {
            "county": self.county,
            "township": self.township,
            "village": self.village,
            "sequence": f"{self.sequence:0{self.scheme.segment('sequence').length}d}",
        }
        if self.scheme.kind_values:
            values["kind"] = self.scheme.kind_values[self.kind]
        return "".join(values[segment.name] for segment in self.scheme.segments)

    @property
    def check_char(self) -> str:
        """The check character(s) that follow the body."""
        return check_char(self.body, self.scheme)

    def format(self) -> str:
        """Return the full code: body and check character.

        Returns
        -------
        str
            16 characters in the default scheme.
        """
        body = self.body
        return body + check_char(body, self.scheme)

    def __str__(self) -> str:
        return self.format()

    @property
    def level(self) -> GridLevel:
        """Where the grid sits: ``county``, ``township``, ``village`` or ``base``.

        Sector grids sit at county or township level.
        """
        if self.kind == "base":
            return "base"
        if int(self.township) == 0:
            return "county"
        if self.kind == "sector" or int(self.village) == 0:
            return "township"
        return "village"

    @property
    def department(self) -> int | None:
        """Department number of a sector grid, else ``None``."""
        if self.kind != "sector":
            return None
        return int(self.village[len(self.scheme.sector_marker) :])

    @property
    def admin_code(self) -> str:
        """Code of the administrative unit the grid belongs to.

        The village code for a base grid, the unit's own code for a level grid,
        and the county (or township) code for a sector grid.
        """
        level = self.level
        if level == "county":
            return self.county
        if level == "township":
            return self.county + self.township
        return self.county + self.township + self.village


def parse(text: str, scheme: CodeScheme | None = None) -> GridCode:
    """Read and validate a grid code; see :meth:`GridCode.parse`.

    Parameters
    ----------
    text : str
        The code.
    scheme : CodeScheme, optional
        Default: :func:`default_scheme`.

    Returns
    -------
    GridCode

    Raises
    ------
    CodeError
        Saying why the code is invalid.
    """
    return GridCode.parse(text, scheme)


def is_valid(text: str, scheme: CodeScheme | None = None) -> bool:
    """Tell whether a text is a valid grid code.

    Parameters
    ----------
    text : str
        The code.
    scheme : CodeScheme, optional
        Default: :func:`default_scheme`.

    Returns
    -------
    bool
    """
    try:
        GridCode.parse(text, scheme)
    except CodeError:
        return False
    return True


def _layout(scheme: CodeScheme) -> str:
    body = f"a {scheme.body_length}-digit body"
    if scheme.check_length == 0:
        return body
    return f"{body} and {scheme.check_length} check character{'s' * (scheme.check_length > 1)}"


def _pad(value: str | int, width: int, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**width:
        return f"{value:0{width}d}"
    if isinstance(value, str) and _is_digits(value) and len(value) <= width:
        return value.zfill(width)
    raise CodeError(f"{what} part {value!r} is not a number of up to {width} digits")


def _classify(parts: Mapping[str, str], scheme: CodeScheme) -> GridKind:
    """Tell a code's kind from its parts (the kind digit, or marker and sequence)."""
    if scheme.kind_values:
        for kind, value in scheme.kind_values.items():
            if parts["kind"] == value:
                return kind
        known = ", ".join(f"{value} ({kind})" for kind, value in scheme.kind_values.items())
        raise CodeError(f"unknown kind: the kind part is {parts['kind']}, not one of {known}")
    if parts["village"].startswith(scheme.sector_marker):
        return "sector"
    return "level" if int(parts["sequence"]) == 0 else "base"


def _validate(code: GridCode) -> None:
    """Check a code's parts against its scheme; raise CodeError with the reason."""
    scheme = code.scheme
    for name in ("county", "township", "village"):
        value = getattr(code, name)
        width = scheme.segment(name).length
        if not isinstance(value, str) or not _is_digits(value) or len(value) != width:
            raise CodeError(f"the {name} part must be {width} digits, not {value!r}")
    if not isinstance(code.sequence, int) or isinstance(code.sequence, bool):
        raise CodeError(f"the sequence must be an integer, not {code.sequence!r}")
    if code.kind not in KINDS:
        raise CodeError(f"unknown kind {code.kind!r}; use one of {', '.join(KINDS)}")
    scheme.county_name(code.county)  # raises "unknown county"

    township = int(code.township)
    village = int(code.village)
    if code.kind == "level":
        if code.sequence != 0:
            raise CodeError(f"a level grid has sequence 0, not {code.sequence}")
        if township == 0:
            if village != 0:
                raise CodeError(
                    f"inconsistent parts: village part {code.village} under township part "
                    f"{code.township} (a county-level code has zeros below the county)"
                )
            return
        _check_part(scheme, "township", township)
        if village != 0:
            _check_village(scheme, code.village)
    elif code.kind == "base":
        if township == 0:
            raise CodeError(
                f"inconsistent parts: a base grid lies in a village, but its township part "
                f"is {code.township}"
            )
        _check_part(scheme, "township", township)
        if village == 0:
            raise CodeError(
                f"inconsistent parts: a base grid lies in a village, but its village part "
                f"is {code.village}"
            )
        _check_village(scheme, code.village)
        _check_sequence(scheme, code.sequence, scheme.base_sequences, "base")
    else:
        if township != 0:
            _check_part(scheme, "township", township)
        marker = scheme.sector_marker
        if not code.village.startswith(marker):
            raise CodeError(
                f"inconsistent parts: a sector grid's village part starts with the marker "
                f"{marker!r}, not {code.village}"
            )
        department = int(code.village[len(marker) :])
        if department not in scheme.departments:
            raise CodeError(
                f"unknown department: {department:0{scheme.department_width}d} is not "
                f"numbered in {scheme.departments_source}"
            )
        _check_sequence(scheme, code.sequence, scheme.sector_sequences, "sector")


def _check_part(scheme: CodeScheme, name: Literal["township", "village"], value: int) -> None:
    width = scheme.segment(name).length
    _check_reserved(scheme, name, value, f"{name} part")
    types = scheme.township_types if name == "township" else scheme.village_types
    if not any(value in part for part in types):
        spans = ", ".join(_span(part.first, part.last, width) for part in types)
        if name == "village":
            marker = scheme.sector_marker
            spans += f"; {marker}{'D' * scheme.department_width} for sector grids"
        raise CodeError(
            f"out of range: {name} part {value:0{width}d} is not in a range in use ({spans})"
        )


def _check_village(scheme: CodeScheme, village: str) -> None:
    marker = scheme.sector_marker
    if not scheme.kind_values and marker and village.startswith(marker):
        raise CodeError(
            f"inconsistent parts: village part {village} carries the sector marker {marker!r}"
        )
    _check_part(scheme, "village", int(village))


def _check_reserved(scheme: CodeScheme, name: str, value: int, what: str) -> None:
    reserved = scheme.reserved_range(name, value)
    if reserved is not None:
        width = scheme.segment(name).length
        raise CodeError(
            f"reserved range: {what} {value:0{width}d} is in "
            f"{_span(reserved.first, reserved.last, width)} ({reserved.reason})"
        )


def _check_sequence(scheme: CodeScheme, sequence: int, allowed: range, kind: str) -> None:
    width = scheme.segment("sequence").length
    if 0 <= sequence < 10**width:
        _check_reserved(scheme, "sequence", sequence, "sequence")
    if sequence not in allowed:
        raise CodeError(
            f"out of range: sequence {sequence} is outside "
            f"{_span(allowed.start, allowed[-1], width)} for {kind} grids"
        )


# --------------------------------------------------------------------------
# Explanation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeExplanation:
    """What a grid code says, part by part (what ``gridgis code check`` prints).

    Parts are given as written in the code (zero-padded strings).

    Attributes
    ----------
    code, body, check_char : str
        The full code, its body and its check character(s).
    kind : {'level', 'base', 'sector'}
        The grid kind.
    level : {'county', 'township', 'village', 'base'}
        Where the grid sits.
    admin_code : str
        The administrative unit the grid belongs to.
    county, county_name : str
        County code and name (``""`` for a county of another province that
        the scheme accepts but does not list).
    township : str
        Township part; all zeros at county level.
    township_type, township_label : str or None
        Its range's type and label, such as ``town`` / ``镇``.
    village : str
        Village part (the marker and department for sector grids).
    village_type, village_label : str or None
        Its range's type and label, for ordinary village parts.
    sequence : str or None
        Sequence part; ``None`` for level grids.
    department : str or None
        Department number of a sector grid.
    department_name : str or None
        Its name.
    """

    code: str
    body: str
    check_char: str
    kind: GridKind
    level: GridLevel
    admin_code: str
    county: str
    county_name: str
    township: str
    township_type: str | None
    township_label: str | None
    village: str
    village_type: str | None
    village_label: str | None
    sequence: str | None
    department: str | None
    department_name: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the explanation as a plain dict (for JSON)."""
        return dataclasses.asdict(self)


def explain(code: GridCode | str, scheme: CodeScheme | None = None) -> CodeExplanation:
    """Explain a grid code part by part.

    Parameters
    ----------
    code : GridCode or str
        The code; text is parsed first.
    scheme : CodeScheme, optional
        Used to parse text. Default: :func:`default_scheme`.

    Returns
    -------
    CodeExplanation

    Raises
    ------
    CodeError
        If the text is not a valid code.

    Examples
    --------
    >>> explanation = explain("6401221012010015")
    >>> explanation.county_name, explanation.township_label, explanation.kind
    ('贺兰县', '镇', 'base')
    """
    grid_code = code if isinstance(code, GridCode) else GridCode.parse(code, scheme)
    scheme = grid_code.scheme
    township_type = scheme.township_type(int(grid_code.township))
    village_type = (
        None if grid_code.kind == "sector" else scheme.village_type(int(grid_code.village))
    )
    department = grid_code.department
    body = grid_code.body
    return CodeExplanation(
        code=grid_code.format(),
        body=body,
        check_char=check_char(body, scheme),
        kind=grid_code.kind,
        level=grid_code.level,
        admin_code=grid_code.admin_code,
        county=grid_code.county,
        county_name=scheme.county_name(grid_code.county),
        township=grid_code.township,
        township_type=township_type.type if township_type else None,
        township_label=township_type.label if township_type else None,
        village=grid_code.village,
        village_type=village_type.type if village_type else None,
        village_label=village_type.label if village_type else None,
        sequence=(
            None
            if grid_code.kind == "level"
            else f"{grid_code.sequence:0{scheme.segment('sequence').length}d}"
        ),
        department=None if department is None else f"{department:0{scheme.department_width}d}",
        department_name=None if department is None else scheme.departments[department].name,
    )


# --------------------------------------------------------------------------
# Allocation helpers
# --------------------------------------------------------------------------


def next_sequences(
    used: Iterable[int],
    n: int,
    scheme: CodeScheme | None = None,
    *,
    kind: Literal["base", "sector"] = "base",
) -> list[int]:
    """Return the ``n`` smallest sequence numbers never used in one village.

    Codes are never reused (DESIGN.md): pass every sequence ever issued in the
    village (or, for sector grids, the department's county or township),
    retired ones included, and the numbers returned are new.

    Parameters
    ----------
    used : iterable of int
        Sequence numbers already issued, current and retired.
    n : int
        How many new numbers are needed.
    scheme : CodeScheme, optional
        Default: :func:`default_scheme`.
    kind : {'base', 'sector'}, optional
        Which range to draw from.

    Returns
    -------
    list of int
        Ascending, each in the scheme's range for ``kind``.

    Raises
    ------
    CodeError
        If the range has fewer than ``n`` numbers left.
    ValueError
        If ``n`` is negative or ``kind`` unknown.

    Examples
    --------
    >>> next_sequences({1, 2, 4}, 3)
    [3, 5, 6]
    """
    scheme = scheme or default_scheme()
    if n < 0:
        raise ValueError(f"n must not be negative, not {n}")
    if kind not in ("base", "sector"):
        raise ValueError(f"kind must be 'base' or 'sector', not {kind!r}")
    allowed = scheme.base_sequences if kind == "base" else scheme.sector_sequences
    candidates = np.arange(allowed.start, allowed.stop, dtype=np.int64)
    issued = np.fromiter((int(value) for value in used), dtype=np.int64)
    free = candidates[~np.isin(candidates, issued)]
    if free.size < n:
        width = scheme.segment("sequence").length
        raise CodeError(
            f"sequence range exhausted: {n} new {kind} grid code(s) needed, but only "
            f"{free.size} of {_span(allowed.start, allowed[-1], width)} were never issued "
            "(codes are never reused)"
        )
    return [int(value) for value in free[:n]]


def reading_order(
    xs: npt.ArrayLike, ys: npt.ArrayLike, *, band_height: float | None = None
) -> npt.NDArray[np.intp]:
    """Return the order in which to number grids: west to east, then north to south.

    Grids are read like a page of text (DESIGN.md: "numbered west→east, then
    north→south", Beijing's rule for unit grids). Irregular grids do not line
    up in exact rows, so rows are formed with a tolerance:

    1. the northernmost point not yet in a row starts a new row;
    2. every remaining point less than ``band_height / 2`` south of it joins
       that row;
    3. rows are taken north to south, and points within a row west to east
       (ties: north first, then input order).

    Parameters
    ----------
    xs, ys : array_like
        Eastings and northings of one representative point per grid (for
        example ``grids.representative_point()``), best in a projected CRS.
    band_height : float, optional
        Typical north-south size of a grid, in the coordinates' units. Pass
        ``sqrt(median grid area)`` when the polygons are at hand. Default: the
        median distance from each point to its nearest neighbour, which is the
        grid spacing for grids of about equal size.

    Returns
    -------
    numpy.ndarray of intp
        Indices into ``xs``/``ys``: the grid at ``order[k]`` gets the k-th
        sequence number.

    Raises
    ------
    ValueError
        If the arrays differ in shape, are not one-dimensional, or hold
        non-finite values.

    Examples
    --------
    >>> reading_order([0, 1, 0, 1], [1, 1, 0, 0]).tolist()
    [0, 1, 2, 3]
    >>> reading_order([1.0, 0.0, 0.1], [10.0, 10.2, 9.0], band_height=1.0).tolist()
    [1, 0, 2]
    """
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"xs and ys must be 1-d arrays of one length, not {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("xs and ys must be finite")
    n = x.size
    if n == 0:
        return np.empty(0, dtype=np.intp)
    height = _typical_spacing(x, y) if band_height is None else float(band_height)
    if not np.isfinite(height) or height < 0:
        raise ValueError(f"band_height must be a finite non-negative number, not {band_height}")
    tolerance = height / 2

    north_first = np.lexsort((np.arange(n), x, -y))
    southing = -y[north_first]  # ascending
    row_sorted = np.empty(n, dtype=np.intp)
    start = 0
    row = 0
    # One pass per row (a few dozen per village), each a vectorised search.
    while start < n:
        stop = int(np.searchsorted(southing, southing[start] + tolerance, side="right"))
        row_sorted[start:stop] = row
        row += 1
        start = stop
    rows = np.empty(n, dtype=np.intp)
    rows[north_first] = row_sorted
    return np.lexsort((np.arange(n), -y, x, rows)).astype(np.intp)


def _typical_spacing(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Median nearest-neighbour distance, ignoring coincident points."""
    n = x.size
    if n < 2:
        return 0.0
    points = np.column_stack((x, y))
    nearest = np.empty(n)
    # Blocks of rows bound the pairwise matrix to about 2 million entries, so
    # even a county's worth of points stays within tens of megabytes.
    block = max(1, 2_000_000 // n)
    for start in range(0, n, block):
        chunk = points[start : start + block]
        squared = ((chunk[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1)
        squared[squared == 0] = np.inf  # self and coincident points
        nearest[start : start + block] = np.sqrt(squared.min(axis=1))
    finite = nearest[np.isfinite(nearest)]
    return float(np.median(finite)) if finite.size else 0.0
