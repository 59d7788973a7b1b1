"""Grid codes as values: parse, format, check characters and validation.

:class:`GridCode` is a small frozen value, in the manner of mercantile's
tiles: build one with :meth:`GridCode.parse`, :meth:`GridCode.for_level`,
:meth:`GridCode.base` or :meth:`GridCode.sector`, write it with
:meth:`GridCode.format`. The functions :func:`parse`, :func:`is_valid` and
:func:`check_char` are the same operations for text.

Choices a maintainer must know:

* Every :class:`GridCode` that exists is valid under its scheme: the fields
  are checked in ``__post_init__``, so an invalid combination raises
  :class:`~gridgis.errors.CodeError` at construction, with the reason (wrong
  length, bad check character, unknown county, reserved range, a part out of
  the ranges in use, unknown department, or parts that contradict each other).
* Reading is lenient only where typing is: whitespace anywhere is dropped and
  a lower-case ``x`` check character is accepted. Full-width digits are not
  digits.
* A code's kind comes from the scheme's kind segment when it has one, else
  from the sector marker in the village part and from the sequence (0 for
  level grids).
* The scheme is carried by each code but is not part of equality.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from gridgis.codes.scheme import (
    KINDS,
    CodeScheme,
    GridKind,
    GridLevel,
    default_scheme,
    format_span,
    is_digits,
)
from gridgis.errors import CodeError

logger = logging.getLogger(__name__)

__all__ = ["GridCode", "check_char", "is_valid", "parse"]


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
    return (scheme or default_scheme()).check_char(body)


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
        if not is_digits(text) or len(text) not in lengths:
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
        if not is_digits(text) or len(text) != scheme.admin_length:
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
    if isinstance(value, str) and is_digits(value) and len(value) <= width:
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
        if not isinstance(value, str) or not is_digits(value) or len(value) != width:
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
        spans = ", ".join(format_span(part.first, part.last, width) for part in types)
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
            f"{format_span(reserved.first, reserved.last, width)} ({reserved.reason})"
        )


def _check_sequence(scheme: CodeScheme, sequence: int, allowed: range, kind: str) -> None:
    width = scheme.segment("sequence").length
    if 0 <= sequence < 10**width:
        _check_reserved(scheme, "sequence", sequence, "sequence")
    if sequence not in allowed:
        raise CodeError(
            f"out of range: sequence {sequence} is outside "
            f"{format_span(allowed.start, allowed[-1], width)} for {kind} grids"
        )
