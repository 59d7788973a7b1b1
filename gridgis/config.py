"""The one TOML reader of gridgis: code scheme, departments and sector rules.

County staff edit these files by hand (``data/code_scheme.toml``,
``data/departments.toml``, ``data/rules.toml``), so every error names the
file, the line and the key, the way tomllib names the line of a syntax error::

    rules.toml, line 115: risk_level.levls: unknown key; expected one of levels, enabled

:class:`ConfigFile` is a parsed file with typed getters. A reader walks the
parsed :attr:`ConfigFile.data`, passing each value with its key path
(:data:`KeyPath`) to a getter, which returns the value typed or raises
:class:`~gridgis.errors.ConfigError`. What the keys mean is the reader's
business (:mod:`gridgis.codes.scheme`, :mod:`gridgis.sector.rules`); this
module knows only TOML.

Choices a maintainer must know:

* tomllib keeps no positions, so the lines come from a scan of the text:
  table headers, array-of-tables headers and ``key =`` lines. That covers how
  people write configuration; an odd construct (a key inside an inline table,
  a multi-line array) only loses its own line, and the error names the line
  of the nearest enclosing key or table instead.
* Entries of an array of tables are counted from 1 in messages
  (``segment[2].name``), as a reader counts them; key paths count from 0.
* Files are read as UTF-8 with an optional byte-order mark: Windows editors
  often save one.
* TOML booleans are not integers or numbers here, although Python's ``bool``
  is an ``int``: ``length = true`` is refused.
* tomllib on Python 3.11+, tomli (the same parser) on 3.10.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gridgis.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    # mypy checks as Python 3.10 (pyproject.toml), where tomli may be absent
    # from the environment that runs mypy on 3.11; the ignore then goes unused.
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["ConfigFile", "KeyPath", "format_key", "type_name"]

#: Where a value sits in a file: table keys (str) and array indices (int, from 0),
#: such as ``("segment", 1, "name")``.
KeyPath = tuple[str | int, ...]

# A best-effort index of where each key sits in a TOML file (see the module
# docstring): headers and "key =" lines.
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED_KEY = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_ARRAY_HEADER = re.compile(rf"^\[\[\s*({_DOTTED_KEY})\s*\]\]\s*(?:#.*)?$")
_TABLE_HEADER = re.compile(rf"^\[\s*({_DOTTED_KEY})\s*\]\s*(?:#.*)?$")
_KEY_VALUE = re.compile(rf"^({_DOTTED_KEY})\s*=")
_KEY_PART = re.compile(_KEY)


def _split_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(dotted))


def _key_lines(text: str) -> dict[KeyPath, int]:
    lines: dict[KeyPath, int] = {}
    table: KeyPath = ()
    array_counts: dict[KeyPath, int] = {}
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


def format_key(path: KeyPath) -> str:
    """Write a key path as messages show it.

    Parameters
    ----------
    path : tuple of str and int
        Table keys and array indices (from 0).

    Returns
    -------
    str
        Dotted keys; array entries counted from 1, as a reader would.

    Examples
    --------
    >>> format_key(("segment", 1, "name"))
    'segment[2].name'
    >>> format_key(())
    ''
    """
    text = ""
    for part in path:
        # Entries of an array of tables are counted from 1, as a reader would.
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def type_name(value: Any) -> str:
    """Name a parsed value's TOML type, for messages such as "must be a table, not …".

    Parameters
    ----------
    value : object
        A value tomllib returned.

    Returns
    -------
    str
        ``a boolean``, ``an integer``, ``a float``, ``a string``, ``an array``,
        ``a table``, or the Python type's name for the others (dates, times).

    Examples
    --------
    >>> type_name(True), type_name([1])
    ('a boolean', 'an array')
    """
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class ConfigFile:
    r"""A parsed TOML file whose errors name the file, the line and the key.

    Build one with :meth:`load` (a file) or :meth:`parse` (text). The getters
    take a value from :attr:`data` and its key path, and return it typed or
    raise :class:`~gridgis.errors.ConfigError` made by :meth:`error`.

    Attributes
    ----------
    source : str
        The file's path (or the name given to :meth:`parse`), for messages.
    data : dict
        The parsed file, as tomllib gives it.

    Examples
    --------
    >>> config = ConfigFile.parse('[base]\nlength = "1"\n', "scheme.toml")
    >>> base = config.table(config.data["base"], ("base",))
    >>> config.integer(base["length"], ("base", "length"))
    Traceback (most recent call last):
    ...
    gridgis.errors.ConfigError: scheme.toml, line 2: base.length: must be an integer, not a string
    """

    def __init__(self, data: dict[str, Any], source: str, lines: Mapping[KeyPath, int]) -> None:
        self.source = source
        self.data = data
        self._lines = dict(lines)

    @classmethod
    def parse(cls, text: str, source: str) -> ConfigFile:
        """Parse TOML text.

        Parameters
        ----------
        text : str
            The file's content.
        source : str
            A name for the text in messages, such as its path.

        Returns
        -------
        ConfigFile

        Raises
        ------
        ConfigError
            If the text is not valid TOML; tomllib's message names the line
            and column.
        """
        try:
            data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            # tomllib's message already names the line and column.
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
        return cls(data, source, _key_lines(text))

    @classmethod
    def load(cls, path: str | Path, what: str = "configuration file") -> ConfigFile:
        """Read and parse a TOML file.

        Parameters
        ----------
        path : str or Path
            The file; UTF-8, with or without a byte-order mark.
        what : str, optional
            What the file is, for messages: ``"rules file"`` gives "rules file
            not found: …".

        Returns
        -------
        ConfigFile

        Raises
        ------
        ConfigError
            If the file is missing, unreadable, not UTF-8 or not valid TOML.
        """
        path = Path(path)
        try:
            # utf-8-sig: Windows editors often save UTF-8 with a byte-order mark.
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"{what} not found: {path}") from None
        except UnicodeDecodeError as error:
            raise ConfigError(f"{path}: not UTF-8 text ({error.reason})") from None
        except OSError as error:
            raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None
        return cls.parse(text, str(path))

    # -- messages ----------------------------------------------------------

    def line(self, path: KeyPath) -> int | None:
        """Return the line of a key, or of its nearest enclosing key or table.

        Returns
        -------
        int or None
            Counted from 1; ``None`` when no line of the scan holds it.
        """
        return next(
            (self._lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self._lines),
            None,
        )

    def error(self, path: KeyPath, problem: str) -> ConfigError:
        """Return (not raise) an error about a key: ``"<file>, line <n>: <key>: <problem>"``.

        Parameters
        ----------
        path : tuple of str and int
            The key the problem is about; ``()`` for the whole file.
        problem : str
            What is wrong, such as ``"must not be empty"``.

        Returns
        -------
        ConfigError
            The line is left out when it is not known, the key when ``path``
            is empty.
        """
        line = self.line(path)
        where = f"{self.source}, line {line}" if line else self.source
        key = format_key(path)
        return ConfigError(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")

    # -- typed getters -----------------------------------------------------

    def keys(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        """Check a table's keys: every required one present, no unknown one.

        Raises
        ------
        ConfigError
            Naming the first unknown key (with the keys allowed), else the
            first missing one.
        """
        required = tuple(required)
        allowed = (*required, *optional)
        for key in table:
            if key not in allowed:
                raise self.error((*path, key), f"unknown key; expected one of {', '.join(allowed)}")
        for key in required:
            if key not in table:
                raise self.error(path, f"missing key {key!r}")

    def table(self, value: Any, path: KeyPath) -> dict[str, Any]:
        """Return a value that must be a table."""
        if not isinstance(value, dict):
            raise self.error(path, f"must be a table, not {type_name(value)}")
        return value

    def tables(self, value: Any, path: KeyPath) -> list[dict[str, Any]]:
        """Return a value that must be a non-empty array of tables (``[[key]]``)."""
        if not isinstance(value, list) or not value:
            raise self.error(path, f"must be an array of tables ([[{format_key(path)}]])")
        return [self.table(item, (*path, index)) for index, item in enumerate(value)]

    def integer(self, value: Any, path: KeyPath, *, minimum: int | None = None) -> int:
        """Return a value that must be an integer (not a boolean), at least ``minimum``."""
        # bool is an int in Python but not in TOML: refuse "length = true".
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(path, f"must be an integer, not {type_name(value)}")
        if minimum is not None and value < minimum:
            raise self.error(path, f"must be at least {minimum}, not {value}")
        return value

    def positive(self, value: Any, path: KeyPath) -> float:
        """Return a value that must be a finite number greater than 0, as a float."""
        # bool is an int in Python but not in TOML: refuse "revenue = true".
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(path, f"must be a number, not {type_name(value)}")
        if not math.isfinite(value) or value <= 0:
            raise self.error(path, f"must be a positive number, not {value}")
        return float(value)

    def boolean(self, value: Any, path: KeyPath) -> bool:
        """Return a value that must be ``true`` or ``false``."""
        if not isinstance(value, bool):
            raise self.error(path, f"must be true or false, not {type_name(value)}")
        return value

    def string(self, value: Any, path: KeyPath, *, allow_empty: bool = False) -> str:
        """Return a value that must be a string; not blank unless ``allow_empty``."""
        if not isinstance(value, str):
            raise self.error(path, f"must be a string, not {type_name(value)}")
        if not allow_empty and not value.strip():
            raise self.error(path, "must not be empty")
        return value

    def strings(self, value: Any, path: KeyPath) -> list[str]:
        """Return a value that must be an array of distinct, non-blank strings."""
        if not isinstance(value, list):
            raise self.error(path, f"must be an array of strings, not {type_name(value)}")
        texts = [self.string(item, (*path, index)) for index, item in enumerate(value)]
        for index, text in enumerate(texts):
            if text in texts[:index]:
                raise self.error((*path, index), f"{text!r} appears twice")
        return texts
