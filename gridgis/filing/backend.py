"""What a registry's home must do: the interface both stores implement, and the target.

:mod:`gridgis.filing.registry` runs the use cases through these classes;
:mod:`gridgis.filing.gpkg_registry` and :mod:`gridgis.filing.postgis`
implement them. A :class:`CountySession` is one transaction holding the
county's lock; each store says how it gets that lock.
"""

from __future__ import annotations

import abc
import contextlib
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.schema import GRIDS

#: The schema a PostGIS registry lives in unless the URL says ``?schema=…``.
DEFAULT_SCHEMA = "gridgis_registry"
#: Seconds an apply waits for another apply of the same county (or, in a
#: GeoPackage, of any county) before giving up.
LOCK_TIMEOUT = 120.0
#: The grid columns a registry keeps, besides county, shape and history.
GRID_COLUMNS: tuple[str, ...] = tuple(GRIDS.column_names)

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Target:
    """Where a registry is: a GeoPackage file or a PostGIS schema."""

    kind: Literal["gpkg", "postgis"]
    location: str
    schema: str = DEFAULT_SCHEMA

    @property
    def label(self) -> str:
        """The target as messages name it, without a password."""
        if self.kind == "gpkg":
            return self.location
        parts = urlsplit(self.location)
        host = parts.hostname or ""
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path} (schema {self.schema})"


def parse_target(text: str) -> Target:
    """Read a registry target: a ``.gpkg`` path or a ``postgresql://`` URL.

    A URL may name the schema with ``?schema=NAME`` (default
    :data:`DEFAULT_SCHEMA`); the other URL parameters go to libpq.

    Raises
    ------
    InputDataError
        If the text is neither, or the schema name is not a plain identifier.

    Examples
    --------
    >>> parse_target("postgresql://gis@127.0.0.1:5432/prefecture?schema=yinchuan").schema
    'yinchuan'
    >>> parse_target("registry.gpkg").kind
    'gpkg'
    """
    if text.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = DEFAULT_SCHEMA
        kept = []
        for key, value in query:
            if key == "schema":
                schema = value
            else:
                kept.append((key, value))
        if not _SCHEMA_NAME.match(schema):
            raise InputDataError(
                f"schema {schema!r} is not a plain lower-case name (letters, digits, _)"
            )
        url = urlunsplit(parts._replace(query=urlencode(kept)))
        return Target("postgis", url, schema)
    if Path(text).suffix.lower() != ".gpkg":
        raise InputDataError(
            f"{text} is neither a .gpkg file nor a postgresql:// URL; a registry is one of them"
        )
    return Target("gpkg", text)


def is_registry(text: str) -> bool:
    """Say whether a command-line target names a registry rather than a project.

    A ``postgresql://`` URL always does (a project is a file); a file does when
    it is a GeoPackage holding the registry's ``registry_meta`` table. The
    file is opened read-only and only looked at; a missing file or any other
    file is not a registry (its command then says what is wrong with it).

    Examples
    --------
    >>> is_registry("postgresql://gis@127.0.0.1/prefecture")
    True
    >>> is_registry("no-such-file.gpkg")
    False
    """
    if text.startswith(("postgresql://", "postgres://")):
        return True
    path = Path(text)
    if not path.is_file():
        return False
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registry_meta'"
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return found is not None


@dataclass
class FilingRecord:
    """A filing as the registry keeps it."""

    id: int
    filing_id: str
    county_code: str
    number: int
    version_from: int
    version_to: int
    manifest_sha256: str
    created: str
    applied: str


class CountySession(abc.ABC):
    """What an apply does inside its transaction, holding its county's lock.

    ``keep`` False makes the store roll the transaction back although the
    block succeeded (a filing applied already: nothing is written, not even
    the county's row).
    """

    keep: bool = True

    @abc.abstractmethod
    def filing(self, filing_id: str) -> FilingRecord | None:
        """Return an applied filing by its id."""

    @abc.abstractmethod
    def filing_number(self, county_code: str, number: int) -> FilingRecord | None:
        """Return the county's applied filing of that number."""

    @abc.abstractmethod
    def last_filing(self, county_code: str) -> FilingRecord | None:
        """Return the county's last applied filing."""

    @abc.abstractmethod
    def current_hashes(self, county_code: str) -> dict[str, str]:
        """Return code -> row hash of the county's current grids."""

    @abc.abstractmethod
    def codes_elsewhere(self, county_code: str, codes: Iterable[str]) -> dict[str, str]:
        """Return code -> county for the given codes any other county has ever had."""

    @abc.abstractmethod
    def codes_of_county(self, county_code: str, codes: Iterable[str]) -> set[str]:
        """Return those of the codes the county has ever had, current or retired."""

    @abc.abstractmethod
    def record_filing(self, manifest: Mapping[str, Any], manifest_sha256: str) -> int:
        """Record a filing as applied; return its registry id."""

    @abc.abstractmethod
    def close_grids(self, county_code: str, codes: Iterable[str], filing: int) -> int:
        """End the current rows of the codes at a filing; return the rows closed."""

    @abc.abstractmethod
    def add_grids(self, county_code: str, grids: gpd.GeoDataFrame, filing: int) -> int:
        """Add grids (with ``row_hash``) made by a filing; return the rows added."""

    @abc.abstractmethod
    def set_last(self, county_code: str, filing: int, version: int) -> None:
        """Make a filing the county's last."""


class RegistryStore(abc.ABC):
    """A registry's home: creates its tables, runs applies, answers reads."""

    target: Target

    @abc.abstractmethod
    def create(self, meta: Mapping[str, str], *, overwrite: bool = False) -> None:
        """Create the registry's tables and record its metadata."""

    @abc.abstractmethod
    def meta(self) -> dict[str, str]:
        """Return the registry's metadata; raise StoreError if the target is no registry."""

    @abc.abstractmethod
    def county_session(
        self, county_code: str, county_name: str
    ) -> contextlib.AbstractContextManager[CountySession]:
        """Open a transaction holding the county's lock; commit if the block succeeds."""

    @abc.abstractmethod
    def filings(self) -> pd.DataFrame:
        """Return every applied filing, in the order applied."""

    @abc.abstractmethod
    def counties(self) -> pd.DataFrame:
        """Return every county that filed, with its last filing."""

    @abc.abstractmethod
    def current_grids(self, county_code: str | None = None) -> gpd.GeoDataFrame:
        """Return the current grids of one county or all, with ``filing_id``."""

    def close(self) -> None:  # noqa: B027 (a store without a connection has nothing to close)
        """Release the connection, if any."""
