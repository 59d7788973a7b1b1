"""The current, per-level layers QGIS shows first: registered GeoPackage views.

The history tables keep every row of every version, which is what a reviewer
needs and what confuses a county officer: QGIS's attribute table, feature count,
selection and identify tool all see the retired rows, and identify on one point
returns the county, township, village and base grid at once. So each write
session (re)creates one view per level, of the current rows only:

====================  =============  ==============================================
view                  geometry       rows
====================  =============  ==============================================
``base_grids``        POLYGON        current base grids (四级网格)
``village_grids``     MULTIPOLYGON   current village-level grids, shaped as villages
``township_grids``    MULTIPOLYGON   current township-level grids
``county``            MULTIPOLYGON   the county-level grid
``sector_grids``      MULTIPOLYGON   county-level sector grids, shaped by their cells
``villages``          MULTIPOLYGON   current villages and communities (admin units)
``townships``         MULTIPOLYGON   current townships and streets (admin units)
====================  =============  ==============================================

Each view is registered in ``gpkg_contents`` and ``gpkg_geometry_columns``, as
GDAL documents for spatial views, and listed before the tables, so QGIS offers
it first. Its first column, ``OGC_FID``, is the row id of the table its shape
comes from, which lets GDAL use that table's spatial index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gridgis.io import gpkg


@dataclass(frozen=True)
class View:
    """One current view: its name, geometry type, description and SQL (after ``AS``).

    ``tables`` are the tables it reads, the first being the one its shapes come from.
    """

    name: str
    geometry_type: str
    description: str
    select: str
    tables: tuple[str, ...]


_GRID_COLUMNS = (
    "g.grid_code, g.kind, g.level, g.admin_code, g.name, g.sequence, g.department, g.load, "
    "g.load_kind, g.area_km2, g.polsby_popper, g.valid_from"
)
_ADMIN_COLUMNS = "a.code, a.name, a.level, a.parent_code, a.households, a.valid_from"


def _level_grids(level: str) -> str:
    return (
        f"SELECT g.fid AS OGC_FID, a.{{admin}} AS {{admin}}, {_GRID_COLUMNS} FROM grids g "
        "JOIN admin_units a ON a.code = g.admin_code AND a.valid_to IS NULL "
        f"WHERE g.valid_to IS NULL AND g.kind = 'territorial' AND g.level = '{level}'"
    )


def _admin_units(level: str) -> str:
    return (
        f"SELECT a.fid AS OGC_FID, a.{{admin}} AS {{admin}}, {_ADMIN_COLUMNS} "
        f"FROM admin_units a WHERE a.valid_to IS NULL AND a.level = '{level}'"
    )


#: The views, in the order QGIS lists them. ``{grids}``, ``{admin}`` and
#: ``{cells}`` stand for the geometry columns of those tables.
VIEWS: Mapping[str, View] = MappingProxyType(
    {
        view.name: view
        for view in (
            View(
                "base_grids",
                "POLYGON",
                "基础网格（现行） current base grids",
                f"SELECT g.fid AS OGC_FID, g.{{grids}} AS {{grids}}, {_GRID_COLUMNS} FROM grids g "
                "WHERE g.valid_to IS NULL AND g.level = 'base'",
                ("grids",),
            ),
            View(
                "village_grids",
                "MULTIPOLYGON",
                "村级网格（现行） current village-level grids",
                _level_grids("village"),
                ("admin_units", "grids"),
            ),
            View(
                "township_grids",
                "MULTIPOLYGON",
                "乡镇级网格（现行） current township-level grids",
                _level_grids("township"),
                ("admin_units", "grids"),
            ),
            View(
                "county",
                "MULTIPOLYGON",
                "县级网格（现行） the county-level grid",
                _level_grids("county"),
                ("admin_units", "grids"),
            ),
            View(
                "sector_grids",
                "MULTIPOLYGON",
                "行业专属网格（现行） current sector grids, shaped by the cells of their units",
                f"SELECT g.fid AS OGC_FID, c.{{cells}} AS {{cells}}, {_GRID_COLUMNS} FROM grids g "
                "JOIN sector_cells c ON c.grid_code = g.grid_code AND c.valid_to IS NULL "
                "WHERE g.valid_to IS NULL AND g.kind = 'sector'",
                ("sector_cells", "grids"),
            ),
            View(
                "villages",
                "MULTIPOLYGON",
                "村/社区（现行） current villages and communities",
                _admin_units("village"),
                ("admin_units",),
            ),
            View(
                "townships",
                "MULTIPOLYGON",
                "乡镇/街道（现行） current townships and streets",
                _admin_units("township"),
                ("admin_units",),
            ),
        )
    }
)


def _geometry_columns(connection: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """Each table's geometry column and SRS id."""
    rows = connection.execute(
        "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns"
    ).fetchall()
    return {table: (column, srs_id) for table, column, srs_id in rows}


def create_views(connection: sqlite3.Connection) -> list[str]:
    """(Re)create every current view whose tables the project holds.

    Returns
    -------
    list of str
        The views created, in :data:`VIEWS` order.
    """
    columns = _geometry_columns(connection)
    placeholders = {"grids": "grids", "admin": "admin_units", "cells": "sector_cells"}
    created = []
    for view in VIEWS.values():
        connection.execute(f"DROP VIEW IF EXISTS {gpkg.quote(view.name)}")
        for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents"):
            if gpkg.has_table(connection, meta):
                connection.execute(f"DELETE FROM {meta} WHERE table_name = ?", (view.name,))
        if any(table not in columns for table in view.tables):
            continue
        names = {
            key: gpkg.quote(columns[table][0])
            for key, table in placeholders.items()
            if table in view.tables
        }
        geometry, srs_id = columns[view.tables[0]]
        connection.execute(f"CREATE VIEW {gpkg.quote(view.name)} AS {view.select.format(**names)}")
        try:  # SQLite checks a view's columns only when it is read
            connection.execute(f"SELECT * FROM {gpkg.quote(view.name)} LIMIT 0")
        except sqlite3.OperationalError:
            connection.execute(f"DROP VIEW {gpkg.quote(view.name)}")
            continue
        connection.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES (?, 'features', ?, ?, "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)",
            (view.name, view.name, view.description, srs_id),
        )
        connection.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
            "srs_id, z, m) VALUES (?, ?, ?, ?, 0, 0)",
            (view.name, geometry, view.geometry_type, srs_id),
        )
        created.append(view.name)
    return created
