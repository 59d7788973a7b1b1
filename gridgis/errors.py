"""The exception tree.

Every error the library raises on purpose derives from :class:`GridgisError`.
The CLI turns these into one clear sentence on stderr and exit code 1; anything
else is a bug and shows as an internal error.
"""

from __future__ import annotations


class GridgisError(Exception):
    """Root of all errors gridgis raises on purpose."""


class InputDataError(GridgisError):
    """An input file or table cannot be used as given."""


class CRSError(InputDataError):
    """A coordinate reference system is missing, unknown or inconsistent."""


class EncodingError(InputDataError):
    """Text in an input file cannot be decoded."""


class ConfigError(GridgisError):
    """A configuration file (TOML) is invalid."""


class CodeError(GridgisError):
    """An administrative or grid code is malformed or cannot be allocated."""


class StoreError(GridgisError):
    """The project store cannot be read or written."""


class ProjectInUseError(StoreError):
    """Another process holds the project's write lock."""


class RenderError(GridgisError):
    """A document or figure cannot be made: a font or a program it needs is missing."""
