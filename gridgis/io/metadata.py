"""GeoPackage metadata kept consistent, whichever writer made a table.

GDAL and plain :mod:`sqlite3` both write the project's tables, and they leave
different metadata: GDAL gives an attribute table ``srs_id`` 0 and a feature
count, sqlite3 leaves both empty. At the end of every write session (and of an
export) :func:`finish_metadata` makes it one way:

- every table has an ``srs_id`` (0 for attribute tables, as GDAL writes it) and
  a description (its title in :mod:`gridgis.schema`);
- every table has a right feature count in ``gpkg_ogr_contents``; views have none;
- every column with a title gets it in ``gpkg_data_columns`` (the GeoPackage
  schema extension; GDAL 3.7 and later show it as the column's alternative
  name) and in the QGIS style as the column's alias (QGIS 3.22 reads that);
- the views come first in ``gpkg_contents``, so QGIS lists them first, then the
  layers with history, then the plain tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from gridgis.io import gpkg
from gridgis.io.qgis_style import write_styles
from gridgis.io.views import VIEWS
from gridgis.schema import GRIDS, HISTORY_TITLES, TABLES, VERSIONED_LAYERS, Table, titles

#: The tables with history that the current views join: their titles serve the views.
_VIEW_SOURCES: tuple[Table, ...] = (GRIDS, TABLES["admin_units"])


def table_columns(connection: sqlite3.Connection, table: str) -> list[str]:
    """Return a table's (or view's) column names, in order."""
    return [row[1] for row in connection.execute(f"PRAGMA table_info({gpkg.quote(table)})")]


def column_titles(connection: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Return table → column → title for every table and view the file lists."""
    everywhere = titles(*TABLES.values())
    found: dict[str, dict[str, str]] = {}
    for (table,) in connection.execute("SELECT table_name FROM gpkg_contents").fetchall():
        declared = TABLES.get(table)
        own = titles(declared) if declared else titles(*_VIEW_SOURCES)
        known = {**everywhere, **own, **HISTORY_TITLES}
        found[table] = {
            column: known[column] for column in table_columns(connection, table) if column in known
        }
    return found


def finish_metadata(connection: sqlite3.Connection, *, history: bool = True) -> None:
    """Make the file's metadata consistent: SRS ids, descriptions, counts, titles, styles, order.

    Parameters
    ----------
    connection : sqlite3.Connection
        An open GeoPackage (the project, or an export).
    history : bool
        The file is a project, whose layers with history are styled for review;
        an export holds current rows only.
    """
    connection.execute(
        "UPDATE gpkg_contents SET srs_id = 0 WHERE data_type = 'attributes' AND srs_id IS NULL"
    )
    for table in TABLES.values():
        connection.execute(
            "UPDATE gpkg_contents SET description = ? WHERE table_name = ?",
            (table.title, table.name),
        )
    found = column_titles(connection)
    _write_data_columns(connection, found)
    write_styles(connection, titles=found, history=set(VERSIONED_LAYERS) if history else ())
    _count_features(connection)  # after the styles, which are rows of a table too
    _order_contents(connection)


def _count_features(connection: sqlite3.Connection) -> None:
    """Give every table a right feature count, and views none."""
    if not gpkg.has_table(connection, "gpkg_ogr_contents"):
        connection.execute(
            "CREATE TABLE gpkg_ogr_contents (table_name TEXT NOT NULL PRIMARY KEY, "
            "feature_count INTEGER DEFAULT NULL)"
        )
    kinds = dict(connection.execute("SELECT name, type FROM sqlite_master").fetchall())
    counted = {row[0] for row in connection.execute("SELECT table_name FROM gpkg_ogr_contents")}
    for (table,) in connection.execute("SELECT table_name FROM gpkg_contents").fetchall():
        if kinds.get(table) == "view":
            connection.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = ?", (table,))
            continue
        triggers = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND name LIKE 'trigger_%_feature_count_%'",
            (table,),
        ).fetchone()[0]
        if table in counted and triggers:
            continue  # GDAL keeps this count right as rows come and go
        count = connection.execute(f"SELECT count(*) FROM {gpkg.quote(table)}").fetchone()[0]
        connection.execute(
            "INSERT OR REPLACE INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, ?)",
            (table, count),
        )


def _write_data_columns(
    connection: sqlite3.Connection, found: Mapping[str, Mapping[str, str]]
) -> None:
    """Record every column's title in ``gpkg_data_columns`` (the schema extension)."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, "
        "column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, "
        "constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), "
        "CONSTRAINT gdc_tn UNIQUE (table_name, name))"
    )
    # The schema extension is both tables, registered together.
    connection.execute(
        "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, "
        "constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, "
        "max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, "
        "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))"
    )
    if gpkg.has_table(connection, "gpkg_extensions"):
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            registered = connection.execute(
                "SELECT 1 FROM gpkg_extensions WHERE table_name = ? "
                "AND extension_name = 'gpkg_schema'",
                (table,),
            ).fetchone()
            if registered is None:
                connection.execute(
                    "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                    "definition, scope) VALUES (?, NULL, 'gpkg_schema', "
                    "'http://www.geopackage.org/spec120/#extension_schema', 'read-write')",
                    (table,),
                )
    connection.execute("DELETE FROM gpkg_data_columns")
    rows = []
    for table, columns in found.items():
        used: set[str] = set()
        for column, title in columns.items():
            # The spec wants a column's name unique within its table.
            name = title if title not in used else f"{title} ({column})"
            used.add(name)
            rows.append((table, column, name, title))
    connection.executemany(
        "INSERT INTO gpkg_data_columns (table_name, column_name, name, title) VALUES (?, ?, ?, ?)",
        rows,
    )


def _order_contents(connection: sqlite3.Connection) -> None:
    """List the views first, then the layers with history, then the plain tables."""
    rows = connection.execute("SELECT * FROM gpkg_contents").fetchall()
    names = [
        description[0]
        for description in connection.execute("SELECT * FROM gpkg_contents LIMIT 0").description
    ]
    position = {name: index for index, name in enumerate(names)}

    def rank(row: tuple[object, ...]) -> tuple[int, int, str]:
        table = str(row[position["table_name"]])
        views = list(VIEWS)
        if table in VIEWS:
            return (0, views.index(table), table)
        if table == "assignments_map":
            return (1, 0, table)
        if row[position["data_type"]] == "features":
            return (2, 0, table)
        return (3, 0, table)

    ordered = sorted(rows, key=rank)
    if [r[position["table_name"]] for r in ordered] == [r[position["table_name"]] for r in rows]:
        return
    marks = ", ".join("?" for _ in names)
    connection.execute("DELETE FROM gpkg_contents")
    connection.executemany(
        f"INSERT INTO gpkg_contents ({', '.join(names)}) VALUES ({marks})", ordered
    )
