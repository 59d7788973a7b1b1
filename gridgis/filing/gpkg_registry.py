"""The registry in one GeoPackage file: for one office on one machine.

The file is created by GDAL (a GeoPackage 1.2 that QGIS opens, the ``grids``
layer styled to draw current grids and, for review, retired ones dashed) and
then written with plain :mod:`sqlite3`, so that an apply is **one SQLite
transaction**: ``BEGIN IMMEDIATE`` takes the file's write lock before the
checks read anything, so two applies run one after the other, each checked
against the state the other left, and an apply that fails or is killed
leaves the file as it was (SQLite's journal). A second apply waits up to
:data:`~gridgis.filing.backend.LOCK_TIMEOUT` seconds for the first.

Shapes are written as GeoPackage geometry blobs (the ``GP`` header with the
envelope, then WKB, clause 2.1.3); GDAL's R-tree triggers keep the spatial
index up to date through the functions :func:`gridgis.io.gpkg.connect`
registers. SQLite enforces the foreign keys of ``filings`` and ``counties``,
and a partial unique index keeps one current row per code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gridgis.crs import CGCS2000
from gridgis.errors import StoreError
from gridgis.filing.backend import (
    GRID_COLUMNS,
    LOCK_TIMEOUT,
    CountySession,
    FilingRecord,
    RegistryStore,
    Target,
)
from gridgis.filing.layers import as_multipolygons
from gridgis.io import gpkg
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.schema import GRIDS, conform

_TABLES = (
    "CREATE TABLE registry_meta (fid INTEGER PRIMARY KEY AUTOINCREMENT, "
    "key TEXT NOT NULL UNIQUE, value TEXT NOT NULL)",
    "CREATE TABLE counties (fid INTEGER PRIMARY KEY AUTOINCREMENT, "
    "county_code TEXT NOT NULL UNIQUE CHECK (length(county_code) = 6), county_name TEXT, "
    "last_filing INTEGER REFERENCES filings (fid), last_version INTEGER NOT NULL DEFAULT 0, "
    "filings INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE filings (fid INTEGER PRIMARY KEY AUTOINCREMENT, "
    "filing_id TEXT NOT NULL UNIQUE, "
    "county_code TEXT NOT NULL REFERENCES counties (county_code), "
    "number INTEGER NOT NULL CHECK (number >= 1), "
    "previous_filing TEXT REFERENCES filings (filing_id), "
    "version_from INTEGER NOT NULL CHECK (version_from >= 0), "
    "version_to INTEGER NOT NULL, created TEXT NOT NULL, applied TEXT NOT NULL, note TEXT, "
    "gridgis_version TEXT, code_scheme TEXT, "
    "manifest_sha256 TEXT NOT NULL CHECK (length(manifest_sha256) = 64), "
    "changes INTEGER NOT NULL DEFAULT 0, manifest TEXT NOT NULL, "
    "UNIQUE (county_code, number), CHECK (version_to > version_from))",
)
_INDEXES = (
    # One current row per code, in the whole registry.
    "CREATE UNIQUE INDEX grids_active_code ON grids (grid_code) WHERE valid_to IS NULL",
    "CREATE INDEX grids_code ON grids (grid_code)",
    "CREATE INDEX grids_county_current ON grids (county_code, valid_to)",
)
_DESCRIPTIONS = {
    "registry_meta": "备案库信息 the registry's scope and code scheme",
    "counties": "县（市、区）the counties that filed, with their last filing",
    "filings": "备案记录 every filing applied, in order",
    "grids": "网格 every grid the filings brought, with its history",
}
# Bytes of a GeoPackage geometry blob's envelope by its indicator (clause 2.1.3).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def geometry_blobs(geometry: np.ndarray, srs_id: int) -> list[bytes]:
    """Encode shapes as GeoPackage geometry blobs (little-endian, with an xy envelope)."""
    wkb = shapely.to_wkb(geometry, byte_order=1, output_dimension=2)
    bounds = shapely.bounds(geometry)
    empty = shapely.is_empty(geometry)
    blobs = []
    # One header per grid: thousands per filing.
    for blob, box, is_empty in zip(wkb, bounds, empty, strict=True):
        if is_empty:
            blobs.append(b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id) + blob)
            continue
        envelope = struct.pack("<4d", box[0], box[2], box[1], box[3])
        blobs.append(b"GP\x00\x03" + struct.pack("<i", srs_id) + envelope + blob)
    return blobs


def blob_wkb(blob: bytes) -> bytes:
    """Return the WKB inside a GeoPackage geometry blob."""
    return bytes(blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 0b111] :])


class GeoPackageRegistry(RegistryStore):
    """A registry kept in one GeoPackage file."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.path = Path(target.location)

    def create(self, meta: Mapping[str, str], *, overwrite: bool = False) -> None:
        """Create the registry file (refusing a project, and an existing file without overwrite)."""
        check_output_path(self.path, overwrite=overwrite, suffixes={".gpkg"})
        with atomic_path(self.path) as temporary:
            columns = conform(pd.DataFrame(columns=GRIDS.column_names), GRIDS)
            empty = gpd.GeoDataFrame(
                {
                    "county_code": pd.Series([], dtype=object),
                    **{name: columns[name] for name in GRID_COLUMNS},
                    "valid_from": pd.Series([], dtype="Int64"),
                    "valid_to": pd.Series([], dtype="Int64"),
                    "row_hash": pd.Series([], dtype=object),
                },
                geometry=gpd.GeoSeries([], crs=CGCS2000),
            )
            pyogrio.write_dataframe(
                empty,
                temporary,
                layer="grids",
                driver="GPKG",
                geometry_type="MultiPolygon",
                dataset_options={"VERSION": "1.2"},
            )
            with contextlib.closing(gpkg.connect(temporary)) as connection:
                for statement in (*_TABLES, *_INDEXES):
                    connection.execute(statement)
                for table, description in _DESCRIPTIONS.items():
                    if table != "grids":
                        gpkg.register_attribute_table(connection, table, description)
                connection.execute(
                    "UPDATE gpkg_contents SET description = ? WHERE table_name = 'grids'",
                    (_DESCRIPTIONS["grids"],),
                )
                connection.executemany(
                    "INSERT INTO registry_meta (key, value) VALUES (?, ?)", list(meta.items())
                )
                _style(connection)
                connection.commit()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise StoreError(
                f"registry {self.path} does not exist; create it with 'gridgis registry init'"
            )
        try:
            connection = gpkg.connect(self.path)
            connection.isolation_level = None  # transactions are begun explicitly
            connection.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            if not gpkg.has_table(connection, "registry_meta"):
                connection.close()
                raise StoreError(
                    f"{self.path} is not a gridgis registry; "
                    "create one with 'gridgis registry init'"
                )
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a GeoPackage ({error})") from error
        return connection

    def meta(self) -> dict[str, str]:
        """Return the registry's metadata."""
        with contextlib.closing(self._connect()) as connection:
            return dict(connection.execute("SELECT key, value FROM registry_meta").fetchall())

    @contextlib.contextmanager
    def county_session(self, county_code: str, county_name: str) -> Iterator[CountySession]:
        """Run an apply in one transaction that holds the file's write lock."""
        connection = self._connect()
        try:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise StoreError(
                    f"registry {self.path} is busy ({error}); another apply held it for "
                    f"{LOCK_TIMEOUT:.0f} s. Try again"
                ) from error
            session = _Session(connection)
            session.ensure_county(county_code, county_name)
            try:
                yield session
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT" if session.keep else "ROLLBACK")
        finally:
            connection.close()

    def filings(self) -> pd.DataFrame:
        """Return every applied filing, in the order applied."""
        with contextlib.closing(self._connect()) as connection:
            return pd.read_sql_query(
                "SELECT fid AS id, county_code, filing_id, number, previous_filing, version_from, "
                "version_to, created, applied, changes, note FROM filings ORDER BY fid",
                connection,
            )

    def counties(self) -> pd.DataFrame:
        """Return every county that filed."""
        with contextlib.closing(self._connect()) as connection:
            return pd.read_sql_query(
                "SELECT county_code, county_name, filings, last_version FROM counties "
                "ORDER BY county_code",
                connection,
            )

    def current_grids(self, county_code: str | None = None) -> gpd.GeoDataFrame:
        """Return the current grids, with the id of the filing that made each."""
        where = "valid_to IS NULL"
        if county_code is not None:
            where += f" AND county_code = '{_digits(county_code)}'"
        self.meta()
        grids = pyogrio.read_dataframe(self.path, layer="grids", where=where)
        filings = self.filings()[["id", "filing_id"]]
        made_by = dict(zip(filings["id"], filings["filing_id"], strict=True))
        grids["filing_id"] = grids["valid_from"].map(made_by)
        columns = ["county_code", *GRID_COLUMNS, "filing_id"]
        ordered = grids.sort_values(["county_code", "grid_code"]).reset_index(drop=True)
        return gpd.GeoDataFrame(
            ordered[columns], geometry=ordered.geometry.to_numpy(), crs=CGCS2000
        )


def _digits(code: str) -> str:
    if not code.isdigit():
        raise StoreError(f"{code!r} is not a county code")
    return code


def _style(connection: sqlite3.Connection) -> None:
    """Style the grids layer for QGIS: current grids drawn, retired ones dashed."""
    from gridgis.io.qgis_style import write_styles
    from gridgis.schema import HISTORY_TITLES, titles

    names = {**titles(GRIDS), **HISTORY_TITLES, "county_code": "县代码"}
    write_styles(connection, titles={"grids": names}, history={"grids"})


class _Session(CountySession):
    """An apply's statements, inside the transaction :meth:`county_session` opened."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        found = connection.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = 'grids'"
        ).fetchone()
        self.geometry_column, self.srs_id = str(found[0]), int(found[1])

    def ensure_county(self, county_code: str, county_name: str) -> None:
        self.connection.execute(
            "INSERT INTO counties (county_code, county_name) VALUES (?, ?) "
            "ON CONFLICT (county_code) DO NOTHING",
            (county_code, county_name),
        )

    def _record(self, where: str, values: tuple[object, ...]) -> FilingRecord | None:
        row = self.connection.execute(
            "SELECT fid, filing_id, county_code, number, version_from, version_to, "
            f"manifest_sha256, created, applied FROM filings WHERE {where}",
            values,
        ).fetchone()
        return None if row is None else FilingRecord(*row)

    def filing(self, filing_id: str) -> FilingRecord | None:
        return self._record("filing_id = ?", (filing_id,))

    def filing_number(self, county_code: str, number: int) -> FilingRecord | None:
        return self._record("county_code = ? AND number = ?", (county_code, number))

    def last_filing(self, county_code: str) -> FilingRecord | None:
        return self._record(
            "fid = (SELECT last_filing FROM counties WHERE county_code = ?)", (county_code,)
        )

    def current_hashes(self, county_code: str) -> dict[str, str]:
        rows = self.connection.execute(
            "SELECT grid_code, row_hash FROM grids WHERE county_code = ? AND valid_to IS NULL",
            (county_code,),
        )
        return dict(rows.fetchall())

    def _codes(self, sql: str, county_code: str, codes: Iterable[str]) -> list[tuple[str, str]]:
        wanted = sorted(set(codes))
        if not wanted:
            return []
        self.connection.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (code TEXT PRIMARY KEY)")
        self.connection.execute("DELETE FROM wanted")
        self.connection.executemany("INSERT INTO wanted VALUES (?)", [(c,) for c in wanted])
        return self.connection.execute(sql, (county_code,)).fetchall()

    def codes_elsewhere(self, county_code: str, codes: Iterable[str]) -> dict[str, str]:
        return dict(
            self._codes(
                "SELECT DISTINCT grid_code, county_code FROM grids "
                "WHERE grid_code IN (SELECT code FROM wanted) AND county_code != ?",
                county_code,
                codes,
            )
        )

    def codes_of_county(self, county_code: str, codes: Iterable[str]) -> set[str]:
        found = self._codes(
            "SELECT DISTINCT grid_code, county_code FROM grids "
            "WHERE grid_code IN (SELECT code FROM wanted) AND county_code = ?",
            county_code,
            codes,
        )
        return {code for code, _ in found}

    def record_filing(self, manifest: Mapping[str, Any], manifest_sha256: str) -> int:
        counts = manifest["counts"]
        changes = sum(counts[k] for k in ("new", "split", "merged", "boundary changed", "retired"))
        cursor = self.connection.execute(
            "INSERT INTO filings (filing_id, county_code, number, previous_filing, version_from, "
            "version_to, created, applied, note, gridgis_version, code_scheme, manifest_sha256, "
            "changes, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                manifest["filing_id"],
                manifest["county"]["code"],
                manifest["number"],
                manifest["previous_filing"],
                manifest["versions"]["from"],
                manifest["versions"]["to"],
                manifest["created"],
                dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                manifest["note"],
                manifest["gridgis_version"],
                manifest["code_scheme"]["sha256"],
                manifest_sha256,
                changes,
                json.dumps(manifest, ensure_ascii=False, sort_keys=True),
            ),
        )
        return int(cursor.lastrowid or 0)

    def close_grids(self, county_code: str, codes: Iterable[str], filing: int) -> int:
        rows = [(filing, county_code, code) for code in codes]
        cursor = self.connection.executemany(
            "UPDATE grids SET valid_to = ? WHERE county_code = ? AND grid_code = ? "
            "AND valid_to IS NULL",
            rows,
        )
        return cursor.rowcount

    def add_grids(self, county_code: str, grids: gpd.GeoDataFrame, filing: int) -> int:
        columns = ["county_code", *GRID_COLUMNS, "valid_from", "row_hash"]
        values = conform(pd.DataFrame(grids.drop(columns="geometry")), GRIDS)
        values = values.assign(
            county_code=county_code, valid_from=filing, row_hash=grids["row_hash"].to_numpy()
        )
        plain = values[columns].astype(object).where(values[columns].notna(), None)
        blobs = geometry_blobs(as_multipolygons(grids.geometry.to_numpy()), self.srs_id)
        names = ", ".join(gpkg.quote(c) for c in [self.geometry_column, *columns])
        marks = ", ".join("?" for _ in range(len(columns) + 1))
        rows = [
            (blob, *(v.item() if hasattr(v, "item") else v for v in row))
            for blob, row in zip(blobs, plain.itertuples(index=False, name=None), strict=True)
        ]
        self.connection.executemany(f"INSERT INTO grids ({names}) VALUES ({marks})", rows)
        return len(rows)

    def set_last(self, county_code: str, filing: int, version: int) -> None:
        self.connection.execute(
            "UPDATE counties SET last_filing = ?, last_version = ?, filings = filings + 1 "
            "WHERE county_code = ?",
            (filing, version, county_code),
        )
