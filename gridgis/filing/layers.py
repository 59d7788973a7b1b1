"""The members of a filing that hold data: ``grids.gpkg`` and the change table.

``grids.gpkg`` is a GeoPackage 1.2 (QGIS 3.x opens it without warnings) with
three layers, each ordered by code and styled for QGIS:

- ``before``: the grids the filing changes, as they were (dashed), and the
  grids they came from;
- ``after``: the grids the filing changes, as they are now (filled);
- ``current``: the county's complete grid set after the filing.

Each has the columns of :data:`gridgis.schema.GRIDS`; ``before`` and ``after``
also say the ``change``. Every shape is a MultiPolygon in CGCS2000.

The change table (:data:`gridgis.filing.changes.CHANGE_COLUMNS`) is written
twice: ``changes.csv`` for programs (English column names, UTF-8 with a
byte-order mark so Excel reads the Chinese) and ``changes.xlsx`` for people
(Chinese headers, text kept as text).
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gridgis.crs import CGCS2000
from gridgis.errors import InputDataError
from gridgis.filing.changes import CHANGE_COLUMNS
from gridgis.io import gpkg
from gridgis.io.safety import neutralise_formulas
from gridgis.schema import GRIDS, conform

#: The layers of ``grids.gpkg``, in order.
LAYERS = ("before", "after", "current")
#: The columns of each layer, besides the geometry.
LAYER_COLUMNS = {
    "before": [*GRIDS.column_names, "change"],
    "after": [*GRIDS.column_names, "change"],
    "current": GRIDS.column_names,
}


def as_multipolygons(geometry: np.ndarray) -> np.ndarray:
    """Return shapes as MultiPolygons (a Polygon becomes a MultiPolygon of one part).

    Missing shapes become empty MultiPolygons, so every row has one.
    """
    geometry = np.asarray(geometry, dtype=object)
    missing = shapely.is_missing(geometry)
    result = geometry.copy()
    result[missing] = shapely.from_wkt("MULTIPOLYGON EMPTY")
    single = shapely.get_type_id(result) == shapely.GeometryType.POLYGON
    if single.any():
        result[single] = [shapely.multipolygons([part]) for part in result[single]]
    return result


def grid_layer(grids: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Return grids with exactly a layer's columns, MultiPolygons in CGCS2000, by code."""
    frame = conform(pd.DataFrame(grids.drop(columns="geometry")), GRIDS)
    if layer != "current":
        frame["change"] = grids["change"].astype(object).to_numpy()
    shapes = gpd.GeoSeries(grids.geometry.to_numpy(), crs=grids.crs or CGCS2000).to_crs(CGCS2000)
    layered = gpd.GeoDataFrame(frame, geometry=as_multipolygons(shapes.to_numpy()), crs=CGCS2000)
    return layered.sort_values("grid_code").reset_index(drop=True)


def grids_file_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    """Write ``before``, ``after`` and ``current`` to a styled GeoPackage 1.2; return its bytes.

    Parameters
    ----------
    layers : dict
        Layer name -> grids (any columns of :data:`LAYER_COLUMNS`, a
        ``change`` column for ``before`` and ``after``).
    """
    with tempfile.TemporaryDirectory(prefix="gridgis-filing-") as folder:
        path = Path(folder) / "grids.gpkg"
        for index, name in enumerate(LAYERS):
            frame = grid_layer(layers[name], name)
            pyogrio.write_dataframe(
                frame,
                path,
                layer=name,
                driver="GPKG",
                geometry_type="MultiPolygon",
                append=index > 0,
                # GeoPackage 1.2, as the project: QGIS 3.x warns about GDAL's 1.4.
                dataset_options={"VERSION": "1.2"} if index == 0 else None,
            )
        with contextlib.closing(gpkg.connect(path)) as connection:
            _style(connection)
            connection.commit()
        return path.read_bytes()


#: What each layer holds, as QGIS lists it.
DESCRIPTIONS = {
    "before": "调整前网格 the grids the filing changes, as they were (dashed)",
    "after": "调整后网格 the grids the filing changes, as they are now",
    "current": "现行网格 the county's complete grid set after the filing",
}


def _style(connection: sqlite3.Connection) -> None:
    """Give the layers their QGIS styles, Chinese column titles and descriptions."""
    from gridgis.io.metadata import finish_metadata

    finish_metadata(connection, history=False)
    connection.executemany(
        "UPDATE gpkg_contents SET description = ? WHERE table_name = ?",
        [(text, name) for name, text in DESCRIPTIONS.items()],
    )


def read_grids_file(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """Read the three layers of a filing's ``grids.gpkg``.

    Raises
    ------
    InputDataError
        If the file is not a GeoPackage or lacks a layer or a column.
    """
    try:
        present = {str(name) for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as error:
        raise InputDataError(f"grids.gpkg is not a GeoPackage: {error}") from None
    missing = [name for name in LAYERS if name not in present]
    if missing:
        raise InputDataError(f"grids.gpkg has no layer {', '.join(missing)}")
    layers = {}
    for name in LAYERS:
        frame = pyogrio.read_dataframe(path, layer=name)
        lacking = [c for c in ("grid_code", "kind", "level", "admin_code") if c not in frame]
        if name != "current" and "change" not in frame.columns:
            lacking.append("change")
        if lacking:
            raise InputDataError(f"grids.gpkg layer {name} has no column {', '.join(lacking)}")
        if frame.crs is None or not frame.crs.equals(CGCS2000):
            raise InputDataError(f"grids.gpkg layer {name} is not in CGCS2000 (EPSG:4490)")
        layers[name] = frame
    return layers


def changes_csv_bytes(changes: pd.DataFrame) -> bytes:
    """Return the change table as CSV: UTF-8 with BOM, CRLF, text never a formula."""
    table = neutralise_formulas(changes.reindex(columns=CHANGE_COLUMNS))
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def read_changes_csv(content: bytes) -> pd.DataFrame:
    """Read ``changes.csv`` back, every column as text (codes keep their zeros).

    Raises
    ------
    InputDataError
        If it is not CSV or lacks a column of :data:`CHANGE_COLUMNS`.
    """
    try:
        table = pd.read_csv(
            io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (ValueError, UnicodeDecodeError) as error:
        raise InputDataError(f"changes.csv cannot be read: {error}") from None
    missing = [column for column in CHANGE_COLUMNS if column not in table.columns]
    if missing:
        raise InputDataError(f"changes.csv has no column {', '.join(missing)}")
    return table


def changes_xlsx_bytes(changes: pd.DataFrame, headers: dict[str, str], sheet: str) -> bytes:
    """Return the change table as a workbook with Chinese headers (text kept as text)."""
    from gridgis.render.workbook import write_workbook

    with tempfile.TemporaryDirectory(prefix="gridgis-filing-") as folder:
        path = Path(folder) / "changes.xlsx"
        write_workbook({sheet: changes.reindex(columns=CHANGE_COLUMNS)}, path, headers=headers)
        return path.read_bytes()
