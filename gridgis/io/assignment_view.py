"""Assignments as stored: one attribute row per enterprise, shown on the map through a view.

An assignment says where one enterprise went (grid, kind, method, reason).
Its name, USCC, address and point are the enterprise's own, so they are not
copied: the ``assignments`` table holds only the outcome, keyed by
``enterprise_id``. Writing a million assignments is then a plain table write,
with no second million-point layer and no second spatial index.

What people look at joins the two:

- ``assignments_map`` is a GeoPackage spatial view (registered in
  ``gpkg_contents`` and ``gpkg_geometry_columns``, as GDAL documents), so
  QGIS opens the current assignments as points, styled by kind. Its row id
  is the enterprise's, so QGIS uses the enterprises' spatial index.
- :func:`iter_assignments` reads the same join at any version, in batches,
  for exports and the quality report.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gridgis.crs import CGCS2000
from gridgis.io import gpkg
from gridgis.io.history import rows_at_version

#: The columns of the ``assignments`` table (besides the history columns).
ASSIGNMENT_COLUMNS = [
    "enterprise_id",
    "grid_code",
    "kind",
    "method",
    "reason",
    "reason_code",
    "rules",
    "department",
    "located_village",
    "declared_village",
    "mismatch",
    "candidates",
]
#: The enterprise's own columns shown beside its assignment.
ENTERPRISE_CONTEXT = ["uscc", "name", "township", "village", "address", "lon", "lat"]
#: The spatial view QGIS opens.
MAP_VIEW = "assignments_map"

_MAP_COLUMNS = ["enterprise_id", *ENTERPRISE_CONTEXT[:5], *ASSIGNMENT_COLUMNS[1:], "lon", "lat"]


def _select(
    version: int | None, columns: list[str], geometry: str | None, where: str | None = None
) -> str:
    """Return the SQL joining assignments and enterprises as they were at a version."""
    from_enterprise = set(ENTERPRISE_CONTEXT)
    fields = [f"{'e' if c in from_enterprise else 'a'}.{gpkg.quote(c)}" for c in columns]
    if geometry:
        fields.append(f"e.{gpkg.quote(geometry)}")
    # An enterprise removed by a later import keeps its assignment row until
    # the next assign; LEFT JOIN keeps it visible (without a point) meanwhile.
    return (
        f"SELECT {', '.join(fields)} FROM assignments a "
        "LEFT JOIN enterprises e ON e.enterprise_id = a.enterprise_id "
        f"AND {rows_at_version(version, 'e')} WHERE {rows_at_version(version, 'a')}"
        + (f" AND ({where})" if where else "")
    )


def _geometry_column(connection: sqlite3.Connection) -> tuple[str, int] | None:
    """Return the enterprises' geometry column and SRS id (None without enterprises)."""
    found = connection.execute(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = 'enterprises'"
    ).fetchone()
    return (str(found[0]), int(found[1])) if found else None


def iter_assignments(
    project: Path,
    *,
    version: int | None = None,
    columns: list[str] | None = None,
    geometry: bool = False,
    where: str | None = None,
    batch_size: int = 200_000,
) -> Iterator[pd.DataFrame]:
    """Read assignments with their enterprise's name, USCC, address and point, in batches.

    Parameters
    ----------
    project : Path
        The project GeoPackage (it must hold both tables).
    version : int, optional
        Default: the current version.
    columns : list of str, optional
        Any of :data:`ASSIGNMENT_COLUMNS` and :data:`ENTERPRISE_CONTEXT`
        (default: all, enterprise columns first).
    geometry : bool
        Yield GeoDataFrames with the enterprise's point (CGCS2000).
    where : str, optional
        An SQL condition on the joined rows; columns are qualified ``a.`` (the
        assignment) or ``e.`` (the enterprise), e.g. ``a.kind IS NULL``.
    batch_size : int
        Rows held at once.

    Yields
    ------
    DataFrame or GeoDataFrame
    """
    columns = list(columns or _MAP_COLUMNS)
    unknown = set(columns) - set(ASSIGNMENT_COLUMNS) - set(ENTERPRISE_CONTEXT)
    if unknown:
        raise ValueError(f"unknown assignment columns: {sorted(unknown)}")
    with contextlib.closing(gpkg.connect(project)) as connection:
        found = _geometry_column(connection)
    geometry_name = found[0] if found and geometry else None
    sql = _select(version, columns, geometry_name, where)
    with pyogrio.open_arrow(
        project, sql=sql, batch_size=batch_size, use_pyarrow=True, read_geometry=geometry
    ) as (meta, reader):
        for batch in reader:
            table = batch.to_pandas()
            if not geometry:
                yield table
                continue
            name = meta["geometry_name"] or geometry_name
            points = (
                gpd.GeoSeries.from_wkb(table.pop(name), crs=CGCS2000)
                if name in table.columns
                else gpd.GeoSeries([None] * len(table), crs=CGCS2000)
            )
            yield gpd.GeoDataFrame(table, geometry=points.values, crs=CGCS2000)


def read_assignments(
    project: Path, *, version: int | None = None, where: str | None = None
) -> pd.DataFrame:
    """Read the assignments at a version (those matching ``where``) as one frame.

    See :func:`iter_assignments`; this holds them all in memory at once.
    """
    parts = list(iter_assignments(project, version=version, where=where))
    if not parts:
        return pd.DataFrame(columns=_MAP_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def read_problem_assignments(project: Path, *, version: int | None = None) -> pd.DataFrame:
    """Read the assignments a quality report lists: unassigned, outside or mismatched.

    Only those rows are read (the database selects them), so a report on ten
    million enterprises needs memory for its problems only.
    """
    return read_assignments(
        project,
        version=version,
        where="a.kind IS NULL OR a.mismatch = 1 OR a.reason_code = 'outside_grids'",
    )


def create_map_view(connection: sqlite3.Connection) -> None:
    """(Re)create the ``assignments_map`` view of current assignments, as a point layer."""
    found = _geometry_column(connection)
    if found is None or not gpkg.has_table(connection, "assignments"):
        return
    geometry, srs_id = found
    fields = ", ".join(
        f"{'e' if c in ENTERPRISE_CONTEXT else 'a'}.{gpkg.quote(c)}" for c in _MAP_COLUMNS
    )
    connection.execute(f"DROP VIEW IF EXISTS {gpkg.quote(MAP_VIEW)}")
    # The first column is the enterprise's row id, named OGC_FID, so GDAL
    # (and QGIS) can use the enterprises' spatial index for the view.
    connection.execute(
        f"CREATE VIEW {gpkg.quote(MAP_VIEW)} AS SELECT e.fid AS OGC_FID, "
        f"e.{gpkg.quote(geometry)} AS {gpkg.quote(geometry)}, {fields}, a.valid_from, "
        "a.valid_to FROM assignments a JOIN enterprises e ON e.enterprise_id = a.enterprise_id "
        "AND e.valid_to IS NULL WHERE a.valid_to IS NULL"
    )
    for meta in ("gpkg_contents", "gpkg_geometry_columns"):
        connection.execute(f"DELETE FROM {meta} WHERE table_name = ?", (MAP_VIEW,))
    connection.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES (?, 'features', ?, ?, "
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)",
        (
            MAP_VIEW,
            MAP_VIEW,
            "落格结果：current assignments at their enterprise's point (a view)",
            srs_id,
        ),
    )
    connection.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
        "srs_id, z, m) VALUES (?, ?, 'POINT', ?, 0, 0)",
        (MAP_VIEW, geometry, srs_id),
    )


def refresh_map_view(path: Path) -> None:
    """Create the map view in a project file (see :func:`create_map_view`)."""
    with contextlib.closing(gpkg.connect(path)) as connection:
        create_map_view(connection)
        connection.commit()
