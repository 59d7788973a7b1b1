"""Upgrading a project made by an earlier gridgis to this release's store layout.

An upgrade is one write session: atomic like any other (the project is
replaced only when the whole upgrade has succeeded) and recorded as a version
of its own, so the log says when and by which release it happened. Every
earlier version stays readable: rows keep their ``valid_from`` and
``valid_to``.

Layout 1 → 2 (see :data:`gridgis.schema.SCHEMA_VERSION`):

- ``grids`` becomes a Polygon layer holding only the base grids' shapes (each
  one polygon, stored until now as a one-part MultiPolygon);
- a level grid's shape is its admin unit's, so it is no longer stored twice;
- a sector grid's shape, the cells that hold its units, moves to
  ``sector_cells``, with its history;
- the current views, the ``settings`` table, column titles and consistent
  metadata come with the session's end, as for every write.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from gridgis.crs import CGCS2000
from gridgis.io.layers import conform_geometry, promote_polygons
from gridgis.io.store import ProjectWriter, edit_project, project_layout
from gridgis.schema import SCHEMA_VERSION

logger = logging.getLogger(__name__)


def upgrade_project(path: Path, *, command: str) -> int | None:
    """Bring a project to this release's store layout, as a version of its own.

    Parameters
    ----------
    path : Path
        The project GeoPackage.
    command : str
        The command line, for the version log.

    Returns
    -------
    int or None
        The upgrade's version, or None if the project was already up to date.

    Raises
    ------
    StoreError
        If the file is not a project, is read-only, or holds rows that cannot
        be moved (a base grid of several parts).
    """
    layout = project_layout(path)
    if layout >= SCHEMA_VERSION:
        return None
    note = f"upgrade: store layout {layout} → {SCHEMA_VERSION}"
    with edit_project(path, command=command, note=note, upgrading=True) as writer:
        if layout < 2:
            _to_layout_2(writer)
        writer.set_meta("schema_version", str(SCHEMA_VERSION))
        version = writer.version
    logger.info("upgraded %s to store layout %d (version %d)", path.name, SCHEMA_VERSION, version)
    return version


def _to_layout_2(writer: ProjectWriter) -> None:
    """Store only base grids' shapes in ``grids`` (as polygons); sector shapes in their cells."""
    if not writer.has_layer("grids"):
        return
    rows = pyogrio.read_dataframe(writer.path, layer="grids", fid_as_index=True).sort_index()
    rows = rows.reset_index(drop=True).set_crs(CGCS2000, allow_override=True)
    if rows.geometry.name != "geometry":
        rows = rows.rename_geometry("geometry")
    sector = (rows["kind"] == "sector").to_numpy()
    base = (rows["level"] == "base").to_numpy() & ~sector
    cells = promote_polygons(rows.loc[sector, ["grid_code", "valid_from", "valid_to", "geometry"]])
    shapes = np.full(len(rows), None, dtype=object)
    if base.any():
        single = conform_geometry(rows.loc[base, ["grid_code", "geometry"]], "POLYGON", "grid_code")
        shapes[base] = single.geometry.to_numpy()
    grids = gpd.GeoDataFrame(
        rows.drop(columns=["geometry", "row_hash"], errors="ignore"),
        geometry=gpd.GeoSeries(shapes, crs=CGCS2000).to_numpy(),
        crs=CGCS2000,
    )
    writer.rewrite_layer("grids", grids)
    writer.rewrite_layer("sector_cells", gpd.GeoDataFrame(cells, crs=CGCS2000))
