"""The registry in a PostGIS schema: many counties filing at the same time.

The schema (``gridgis_registry`` unless the URL says ``?schema=…``) holds
real tables with constraints: ``counties`` (primary key the county code),
``filings`` (unique filing id and county + number, a foreign key to the
county and to the filing it follows, versions that increase), and ``grids``
(``geometry(MultiPolygon, 4490)`` with a GiST index; ``valid_from`` and
``valid_to`` are foreign keys to the filings that made and ended each row; a
partial unique index allows one current row per code).

**Concurrency.** Each apply is one transaction at READ COMMITTED that first
takes the county's row lock (``INSERT … ON CONFLICT DO NOTHING`` creates the
county's row if needed, then ``SELECT … FOR UPDATE`` locks it) and only then
reads anything it checks. So:

- two applies for **different counties** lock different rows and run at the
  same time; neither waits for the other;
- two applies for **the same county** serialise on that row: the second waits
  until the first commits or rolls back. Its checks then read the first's
  committed result (at READ COMMITTED every statement sees what was committed
  before it started), so it is checked against that state: it lands after
  the first if it continues it, and is refused with the reason if it does not
  (same number, skipped, before state changed). No update is lost, because
  every write of a county's rows happens under its lock;
- a county's grid codes begin with its own county code (verify checks this),
  so two counties never write the same code; the partial unique index would
  still stop a second current row of one code, whatever the cause.

SERIALIZABLE would be correct too, but it needs a retry loop and PostgreSQL's
predicate locks are coarse on GiST indexes, so applies of different counties
would abort each other; the row lock gives the same safety with no retry.
The lock wait is bounded by :data:`~gridgis.filing.backend.LOCK_TIMEOUT`.

psycopg (version 3) is imported only here, when a ``postgresql://`` target
is used; it comes with the ``postgis`` extra.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
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
from gridgis.schema import GRIDS, conform

_SQL_TYPES = {
    "text": "text",
    "integer": "integer",
    "real": "double precision",
    "boolean": "boolean",
}


def _schema_statements(schema: str) -> list[str]:
    s = f'"{schema}"'
    grid_columns = ",\n".join(
        f'    "{column.name}" {_SQL_TYPES[column.type]}'
        + (" NOT NULL" if column.name in ("grid_code", "kind", "level") else "")
        for column in GRIDS.columns
    )
    return [
        f"CREATE SCHEMA {s}",
        f"CREATE TABLE {s}.registry_meta (key text PRIMARY KEY, value text NOT NULL)",
        f"""CREATE TABLE {s}.counties (
    county_code text PRIMARY KEY CHECK (county_code ~ '^[0-9]{{6}}$'),
    county_name text NOT NULL DEFAULT '',
    last_filing bigint,
    last_version integer NOT NULL DEFAULT 0,
    filings integer NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE {s}.filings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filing_id text NOT NULL UNIQUE,
    county_code text NOT NULL REFERENCES {s}.counties (county_code),
    number integer NOT NULL CHECK (number >= 1),
    previous_filing text REFERENCES {s}.filings (filing_id),
    version_from integer NOT NULL CHECK (version_from >= 0),
    version_to integer NOT NULL,
    created timestamptz NOT NULL,
    applied timestamptz NOT NULL DEFAULT now(),
    note text,
    gridgis_version text,
    code_scheme text,
    manifest_sha256 text NOT NULL CHECK (manifest_sha256 ~ '^[0-9a-f]{{64}}$'),
    changes integer NOT NULL DEFAULT 0,
    manifest jsonb NOT NULL,
    UNIQUE (county_code, number),
    CHECK (version_to > version_from))""",
        f"ALTER TABLE {s}.counties ADD FOREIGN KEY (last_filing) REFERENCES {s}.filings (id)",
        f"""CREATE TABLE {s}.grids (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    county_code text NOT NULL REFERENCES {s}.counties (county_code),
{grid_columns},
    geom geometry(MultiPolygon, 4490) NOT NULL,
    valid_from bigint NOT NULL REFERENCES {s}.filings (id),
    valid_to bigint REFERENCES {s}.filings (id),
    row_hash text NOT NULL,
    CHECK (valid_to IS NULL OR valid_to > valid_from))""",
        # One current row per code in the whole registry.
        f"CREATE UNIQUE INDEX grids_active_code ON {s}.grids (grid_code) WHERE valid_to IS NULL",
        f"CREATE INDEX grids_geom ON {s}.grids USING gist (geom)",
        f"CREATE INDEX grids_code ON {s}.grids (grid_code)",
        f"CREATE INDEX grids_county_current ON {s}.grids (county_code) WHERE valid_to IS NULL",
        f"COMMENT ON TABLE {s}.grids IS 'every grid the filings brought, with its history'",
    ]


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a postgresql:// registry needs psycopg, which is not installed: "
            "pip install 'gridgis[postgis]'"
        ) from None
    return psycopg


class PostgisRegistry(RegistryStore):
    """A registry kept in a PostGIS schema."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.psycopg = _psycopg()
        self.schema = f'"{target.schema}"'
        self._connection: Any = None

    def _connect(self) -> Any:
        if self._connection is None:
            try:
                self._connection = self.psycopg.connect(
                    self.target.location, connect_timeout=10, application_name="gridgis"
                )
            except self.psycopg.OperationalError as error:
                lines = str(error).strip().splitlines()
                reason = lines[-1].strip() if lines else "refused"
                raise StoreError(f"cannot connect to {self.target.label}: {reason}") from None
        return self._connection

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def create(self, meta: Mapping[str, str], *, overwrite: bool = False) -> None:
        """Create the schema and its tables (the PostGIS extension too, if allowed)."""
        connection = self._connect()
        exists = connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
            (self.target.schema,),
        ).fetchone()
        connection.rollback()
        if exists:
            raise StoreError(
                f"schema {self.target.schema} already exists in {self.target.label}; "
                "choose another with ?schema=NAME (a registry is never replaced)"
            )
        try:
            with connection.transaction():
                connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                for statement in _schema_statements(self.target.schema):
                    connection.execute(statement)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {self.schema}.registry_meta (key, value) VALUES (%s, %s)",
                        list(meta.items()),
                    )
        except self.psycopg.Error as error:
            raise StoreError(
                f"cannot create the registry in {self.target.label}: {error}"
            ) from None

    def meta(self) -> dict[str, str]:
        """Return the registry's metadata."""
        connection = self._connect()
        found = connection.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'registry_meta'",
            (self.target.schema,),
        ).fetchone()
        if not found:
            connection.rollback()
            raise StoreError(
                f"{self.target.label} holds no gridgis registry; create one with "
                "'gridgis registry init'"
            )
        rows = connection.execute(f"SELECT key, value FROM {self.schema}.registry_meta").fetchall()
        connection.rollback()
        return dict(rows)

    @contextlib.contextmanager
    def county_session(self, county_code: str, county_name: str) -> Iterator[CountySession]:
        """Run an apply in one transaction that holds the county's row lock."""
        connection = self._connect()
        try:
            with connection.transaction():
                connection.execute(f"SET LOCAL lock_timeout = '{int(LOCK_TIMEOUT * 1000)}ms'")
                connection.execute(
                    f"INSERT INTO {self.schema}.counties (county_code, county_name) "
                    "VALUES (%s, %s) ON CONFLICT (county_code) DO NOTHING",
                    (county_code, county_name),
                )
                connection.execute(
                    f"SELECT county_code FROM {self.schema}.counties WHERE county_code = %s "
                    "FOR UPDATE",
                    (county_code,),
                )
                session = _Session(connection, self.schema)
                yield session
                if not session.keep:
                    raise _Discard
        except _Discard:
            pass
        except self.psycopg.errors.LockNotAvailable:
            raise StoreError(
                f"county {county_code} is being applied by another session that held it for "
                f"{LOCK_TIMEOUT:.0f} s; try again"
            ) from None
        except self.psycopg.errors.UniqueViolation as error:
            raise StoreError(f"the registry refused the change: {error}") from None

    def _frame(self, sql: str, parameters: tuple[object, ...] = ()) -> pd.DataFrame:
        connection = self._connect()
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            names = [column.name for column in cursor.description]
            rows = cursor.fetchall()
        connection.rollback()
        return pd.DataFrame(rows, columns=names)

    def filings(self) -> pd.DataFrame:
        """Return every applied filing, in the order applied."""
        frame = self._frame(
            "SELECT id, county_code, filing_id, number, previous_filing, version_from, "
            "version_to, created, applied, changes, note "
            f"FROM {self.schema}.filings ORDER BY id"
        )
        for column in ("created", "applied"):
            frame[column] = [value.isoformat() for value in frame[column]]
        return frame

    def counties(self) -> pd.DataFrame:
        """Return every county that filed."""
        return self._frame(
            "SELECT county_code, county_name, filings, last_version "
            f"FROM {self.schema}.counties ORDER BY county_code"
        )

    def current_grids(self, county_code: str | None = None) -> gpd.GeoDataFrame:
        """Return the current grids, with the id of the filing that made each."""
        columns = ", ".join(f'g."{name}"' for name in ["county_code", *GRID_COLUMNS])
        sql = (
            f"SELECT {columns}, f.filing_id, ST_AsBinary(g.geom) AS wkb "
            f"FROM {self.schema}.grids g JOIN {self.schema}.filings f ON f.id = g.valid_from "
            "WHERE g.valid_to IS NULL"
        )
        parameters: tuple[object, ...] = ()
        if county_code is not None:
            sql += " AND g.county_code = %s"
            parameters = (county_code,)
        frame = self._frame(sql + " ORDER BY g.county_code, g.grid_code", parameters)
        shapes = shapely.from_wkb([bytes(blob) for blob in frame.pop("wkb")])
        table = conform(frame, GRIDS).assign(
            county_code=frame["county_code"].to_numpy(), filing_id=frame["filing_id"].to_numpy()
        )
        table = table[["county_code", *GRID_COLUMNS, "filing_id"]]
        return gpd.GeoDataFrame(table, geometry=np.asarray(shapes, dtype=object), crs=CGCS2000)


class _Discard(Exception):
    """Raised inside a transaction to roll it back on purpose (nothing to write)."""


class _Session(CountySession):
    """An apply's statements, inside the transaction :meth:`county_session` opened."""

    def __init__(self, connection: Any, schema: str) -> None:
        self.connection = connection
        self.schema = schema

    def _record(self, where: str, values: tuple[object, ...]) -> FilingRecord | None:
        row = self.connection.execute(
            "SELECT id, filing_id, county_code, number, version_from, version_to, "
            f"manifest_sha256, created, applied FROM {self.schema}.filings WHERE {where}",
            values,
        ).fetchone()
        if row is None:
            return None
        return FilingRecord(
            id=int(row[0]),
            filing_id=str(row[1]),
            county_code=str(row[2]),
            number=int(row[3]),
            version_from=int(row[4]),
            version_to=int(row[5]),
            manifest_sha256=str(row[6]),
            created=row[7].isoformat(),
            applied=row[8].isoformat(),
        )

    def filing(self, filing_id: str) -> FilingRecord | None:
        return self._record("filing_id = %s", (filing_id,))

    def filing_number(self, county_code: str, number: int) -> FilingRecord | None:
        return self._record("county_code = %s AND number = %s", (county_code, number))

    def last_filing(self, county_code: str) -> FilingRecord | None:
        return self._record(
            f"id = (SELECT last_filing FROM {self.schema}.counties WHERE county_code = %s)",
            (county_code,),
        )

    def current_hashes(self, county_code: str) -> dict[str, str]:
        rows = self.connection.execute(
            f"SELECT grid_code, row_hash FROM {self.schema}.grids "
            "WHERE county_code = %s AND valid_to IS NULL",
            (county_code,),
        ).fetchall()
        return dict(rows)

    def codes_elsewhere(self, county_code: str, codes: Iterable[str]) -> dict[str, str]:
        rows = self.connection.execute(
            f"SELECT DISTINCT grid_code, county_code FROM {self.schema}.grids "
            "WHERE grid_code = ANY(%s) AND county_code <> %s",
            (sorted(set(codes)), county_code),
        ).fetchall()
        return dict(rows)

    def codes_of_county(self, county_code: str, codes: Iterable[str]) -> set[str]:
        rows = self.connection.execute(
            f"SELECT DISTINCT grid_code FROM {self.schema}.grids "
            "WHERE grid_code = ANY(%s) AND county_code = %s",
            (sorted(set(codes)), county_code),
        ).fetchall()
        return {row[0] for row in rows}

    def record_filing(self, manifest: Mapping[str, Any], manifest_sha256: str) -> int:
        counts = manifest["counts"]
        changes = sum(counts[k] for k in ("new", "split", "merged", "boundary changed", "retired"))
        row = self.connection.execute(
            f"INSERT INTO {self.schema}.filings (filing_id, county_code, number, previous_filing, "
            "version_from, version_to, created, note, gridgis_version, code_scheme, "
            "manifest_sha256, changes, manifest) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                manifest["filing_id"],
                manifest["county"]["code"],
                manifest["number"],
                manifest["previous_filing"],
                manifest["versions"]["from"],
                manifest["versions"]["to"],
                manifest["created"],
                manifest["note"],
                manifest["gridgis_version"],
                manifest["code_scheme"]["sha256"],
                manifest_sha256,
                changes,
                json.dumps(manifest, ensure_ascii=False, sort_keys=True),
            ),
        ).fetchone()
        return int(row[0])

    def close_grids(self, county_code: str, codes: Iterable[str], filing: int) -> int:
        cursor = self.connection.execute(
            f"UPDATE {self.schema}.grids SET valid_to = %s WHERE county_code = %s "
            "AND grid_code = ANY(%s) AND valid_to IS NULL",
            (filing, county_code, list(codes)),
        )
        return int(cursor.rowcount)

    def add_grids(self, county_code: str, grids: gpd.GeoDataFrame, filing: int) -> int:
        columns = ["county_code", *GRID_COLUMNS, "valid_from", "row_hash", "geom"]
        values = conform(pd.DataFrame(grids.drop(columns="geometry")), GRIDS)
        shapes = shapely.set_srid(as_multipolygons(grids.geometry.to_numpy()), 4490)
        values = values.assign(
            county_code=county_code,
            valid_from=filing,
            row_hash=grids["row_hash"].to_numpy(),
            # Hex EWKB: the geometry type's text input, SRID included.
            geom=shapely.to_wkb(shapes, hex=True, include_srid=True),
        )
        plain = values[columns].astype(object).where(values[columns].notna(), None)
        names = ", ".join(f'"{c}"' for c in columns)
        with self.connection.cursor() as cursor:
            with cursor.copy(f"COPY {self.schema}.grids ({names}) FROM STDIN") as copy:
                for row in plain.itertuples(index=False, name=None):
                    copy.write_row([v.item() if hasattr(v, "item") else v for v in row])
        return len(plain)

    def set_last(self, county_code: str, filing: int, version: int) -> None:
        self.connection.execute(
            f"UPDATE {self.schema}.counties SET last_filing = %s, last_version = %s, "
            "filings = filings + 1 WHERE county_code = %s",
            (filing, version, county_code),
        )
