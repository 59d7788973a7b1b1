"""Low-level GeoPackage access with plain :mod:`sqlite3`.

pyogrio writes and reads the spatial layers; this module covers what it cannot:
attribute tables, updates of single attribute columns, and registering tables
in ``gpkg_contents`` so that GDAL and QGIS list them.

GDAL's R-tree triggers on a GeoPackage table call ``ST_IsEmpty`` and
``ST_MinX`` … ``ST_MaxY``, which plain SQLite lacks, so any ``UPDATE`` fails
with "no such function". :func:`connect` registers these five functions,
computed from the GeoPackage geometry blob, so attribute updates work and keep
the spatial index right.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import shapely

# Envelope sizes in bytes, by the envelope indicator in bits 1-3 of the flags
# byte (GeoPackage 1.3, clause 2.1.3): none, xy, xyz, xym, xyzm.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _blob_bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """Return (minx, maxx, miny, maxy) of a GeoPackage geometry blob, or None if empty."""
    if blob is None or len(blob) < 8:
        return None
    flags = blob[3]
    if flags & 0b10000:  # the empty-geometry flag
        return None
    envelope = (flags >> 1) & 0b111
    order = "<" if flags & 1 else ">"
    if envelope:
        minx, maxx, miny, maxy = struct.unpack_from(f"{order}4d", blob, 8)
        return minx, maxx, miny, maxy
    geometry = shapely.from_wkb(bytes(blob[8:]))
    if geometry is None or geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    return minx, maxx, miny, maxy


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(_blob_bounds(blob) is None)


def _bound(index: int):
    def st_bound(blob: bytes | None) -> float | None:
        bounds = _blob_bounds(blob)
        return None if bounds is None else bounds[index]

    return st_bound


def connect(path: Path | str) -> sqlite3.Connection:
    """Open a GeoPackage with the spatial functions its triggers need.

    Parameters
    ----------
    path : Path or str
        An existing GeoPackage.

    Returns
    -------
    sqlite3.Connection
        A connection in manual-commit mode.
    """
    connection = sqlite3.connect(str(path))
    connection.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, _bound(index), deterministic=True)
    return connection


def table_names(connection: sqlite3.Connection) -> list[str]:
    """List the tables registered in ``gpkg_contents``."""
    rows = connection.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")
    return [row[0] for row in rows]


def register_attribute_table(
    connection: sqlite3.Connection, table: str, description: str = ""
) -> None:
    """Register a non-spatial table in ``gpkg_contents`` so GDAL and QGIS list it."""
    connection.execute(
        "INSERT OR REPLACE INTO gpkg_contents "
        "(table_name, data_type, identifier, description, last_change) "
        "VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        (table, table, description),
    )


def drop_table(connection: sqlite3.Connection, table: str) -> None:
    """Drop a table and everything GeoPackage keeps about it (index, metadata rows)."""
    quoted = _quote(table)
    for trigger in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall():
        connection.execute(f"DROP TRIGGER IF EXISTS {_quote(trigger[0])}")
    if _has_table(connection, "gpkg_geometry_columns"):
        for (column,) in connection.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
            (table,),
        ).fetchall():
            # Dropping the R-tree virtual table drops its shadow tables too.
            connection.execute(f"DROP TABLE IF EXISTS {_quote(f'rtree_{table}_{column}')}")
    connection.execute(f"DROP TABLE IF EXISTS {quoted}")
    for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
        if _has_table(connection, meta):
            connection.execute(f"DELETE FROM {meta} WHERE lower(table_name) = lower(?)", (table,))
    if _has_table(connection, "gpkg_extensions"):
        connection.execute(
            "DELETE FROM gpkg_extensions WHERE lower(table_name) = lower(?)", (table,)
        )


def write_attribute_table(
    connection: sqlite3.Connection,
    table: str,
    frame: pd.DataFrame,
    *,
    column_types: dict[str, str] | None = None,
    description: str = "",
) -> None:
    """Replace an attribute table with the rows of a DataFrame.

    Parameters
    ----------
    connection : sqlite3.Connection
        An open GeoPackage.
    table : str
        Table name.
    frame : DataFrame
        The rows; missing values become NULL.
    column_types : dict, optional
        SQLite types by column; others are inferred (INTEGER, REAL or TEXT).
    description : str
        Shown by GIS programs that list the table.
    """
    column_types = column_types or {}
    drop_table(connection, table)
    columns = [str(column) for column in frame.columns]
    definitions = ", ".join(
        f"{_quote(name)} {column_types.get(name) or _sqlite_type(frame[name])}" for name in columns
    )
    connection.execute(
        f"CREATE TABLE {_quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, {definitions})"
    )
    insert_rows(connection, table, columns, _python_rows(frame))
    register_attribute_table(connection, table, description)


def insert_rows(
    connection: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
) -> None:
    """Insert rows into an existing table."""
    names = ", ".join(_quote(column) for column in columns)
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", rows)


def read_attribute_table(connection: sqlite3.Connection, table: str) -> pd.DataFrame:
    """Read an attribute table, without its ``fid`` column, in ``fid`` order."""
    frame = pd.read_sql_query(f"SELECT * FROM {_quote(table)} ORDER BY fid", connection)
    return frame.drop(columns=["fid"], errors="ignore")


def has_table(connection: sqlite3.Connection, table: str) -> bool:
    """Say whether a table exists."""
    return _has_table(connection, table)


def _has_table(connection: sqlite3.Connection, table: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table,)
    ).fetchone()
    return row is not None


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return _quote(name)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series):
        return "REAL"
    return "TEXT"


def _python_rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows as plain Python values, with every kind of missing value as None."""
    plain = frame.astype(object).where(frame.notna(), None)
    rows = []
    for row in plain.itertuples(index=False, name=None):
        rows.append(tuple(value.item() if hasattr(value, "item") else value for value in row))
    return rows
