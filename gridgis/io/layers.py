"""Rows into GeoPackage layers through GDAL's Arrow writer: streamed, or staged and written at once.

- :func:`stream_rows` writes chunks as they are produced, in one GDAL session,
  so a layer's spatial index is built once (a first import of a million rows).
- :class:`StagedRows` holds chunks in Parquet files in the write session's
  private folder until they go in at once (rows changed by a re-import), and
  :class:`TableWriter` does the same for a table replaced chunk by chunk.
- Geometry travels as ISO WKB; two-dimensional points are packed with numpy.
- A GeoPackage layer has one geometry type: polygonal layers are stored as
  MultiPolygon (:func:`promote_polygons`), so QGIS never splits a layer into
  sublayers, and read back as Polygons where single (:func:`single_part_polygons`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gridgis.errors import StoreError


class StagedRows:
    """Rows to append to one layer, held in Parquet files until they go in at once.

    Memory stays bounded by one chunk; GDAL then reads the files as one Arrow
    stream in a single session.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._spill: Path | None = None
        self._parts: list[Path] = []
        self._geometry_types: set[str] = set()
        self._spatial = False
        self.rows = 0

    def __enter__(self) -> StagedRows:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)

    def add(self, frame: pd.DataFrame) -> None:
        """Stage one chunk (a GeoDataFrame in CGCS2000, or a plain table)."""
        import pyarrow.parquet as pq

        if self._spill is None:
            self._spill = Path(tempfile.mkdtemp(dir=self._folder, prefix="staged-"))
        table, geometry_types = arrow_table(frame)
        self._spatial |= geometry_types is not None
        self._geometry_types.update(geometry_types or ())
        part = self._spill / f"{len(self._parts):05d}.parquet"
        pq.write_table(table, part)
        self._parts.append(part)
        self.rows += len(frame)

    def write(self, path: Path, layer: str, *, append: bool) -> None:
        """Append (or create) the layer from every staged chunk in one GDAL session."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schemas = [pq.read_schema(part) for part in self._parts]
        schema = _typed(pa.unify_schemas(schemas, promote_options="permissive"))

        def batches() -> Iterator[pa.RecordBatch]:
            for part in self._parts:
                for batch in pq.ParquetFile(part).iter_batches(batch_size=100_000):
                    yield pa.Table.from_batches([batch]).cast(schema).to_batches()[0]

        reader = pa.RecordBatchReader.from_batches(schema, batches())
        options = geometry_options(self._geometry_types if self._spatial else None)
        pyogrio.write_arrow(reader, path, layer=layer, driver="GPKG", append=append, **options)


def arrow_table(frame: pd.DataFrame) -> tuple[Any, set[str] | None]:
    """Return a chunk as an Arrow table (geometry as ISO WKB in ``geometry``).

    The second value is the set of geometry types, or None for a plain table.
    """
    import pyarrow as pa

    table = pd.DataFrame(frame)
    geometry_types = None
    wkb = None
    if isinstance(frame, gpd.GeoDataFrame):
        geometry_types = set(frame.geom_type.dropna().unique())
        table = table.drop(columns=frame.geometry.name)
        wkb = iso_wkb(frame.geometry.to_numpy())
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata()
    if wkb is not None:
        arrow = arrow.append_column("geometry", wkb)
    return arrow, geometry_types


def iso_wkb(geometry: np.ndarray) -> Any:
    """Encode geometries as ISO WKB in an Arrow binary array (missing ones null).

    Two-dimensional points, the whole of an enterprise layer, are packed from
    their coordinates with numpy: shapely's writer costs 0.6 s a million.
    """
    import pyarrow as pa

    missing = shapely.is_missing(geometry)
    present = geometry[~missing]
    is_point = shapely.get_type_id(present) == shapely.GeometryType.POINT
    if not is_point.all() or shapely.has_z(present).any() or shapely.is_empty(present).any():
        return pa.array(shapely.to_wkb(geometry, flavor="iso"), type=pa.binary())
    point = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    packed = np.zeros(len(present), dtype=point)
    packed["order"] = 1  # little-endian
    packed["type"] = 1  # Point
    xy = shapely.get_coordinates(present)
    packed["x"], packed["y"] = xy[:, 0], xy[:, 1]
    offsets = np.zeros(len(geometry) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum(np.where(missing, 0, point.itemsize))
    return pa.Array.from_buffers(
        pa.binary(),
        len(geometry),
        [
            pa.py_buffer(np.packbits(~missing, bitorder="little")),
            pa.py_buffer(offsets),
            pa.py_buffer(packed.tobytes()),
        ],
        null_count=int(missing.sum()),
    )


def _typed(schema: Any) -> Any:
    """Give a column that is empty throughout (Arrow type null) the text type GDAL needs."""
    import pyarrow as pa

    return pa.schema(
        [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema]
    ).remove_metadata()


def stream_rows(
    frames: Iterable[pd.DataFrame],
    path: Path,
    layer: str,
    *,
    append: bool,
    geometry_type: str | None = None,
) -> int:
    """Write chunks into a layer in one GDAL session, without staging them.

    The layer takes the first chunk's column types (a column empty there is
    text); later chunks are cast to them. An error raised while producing a
    chunk (a bad ledger row, Ctrl-C) is raised again as itself, not as
    GDAL's report of a broken stream.

    Returns
    -------
    int
        Rows written.
    """
    import pyarrow as pa

    frames = iter(frames)
    failures: list[BaseException] = []
    rows = 0
    first = next(frames, None)
    if first is None:
        return 0
    table, geometry_types = arrow_table(first)
    schema = _typed(table.schema)

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        try:
            rows += table.num_rows
            yield from table.cast(schema).to_batches()
            for frame in frames:
                rows += len(frame)
                yield from arrow_table(frame)[0].cast(schema).to_batches()
        except BaseException as error:
            failures.append(error)
            raise

    options = geometry_options(geometry_types, geometry_type)
    reader = pa.RecordBatchReader.from_batches(schema, batches())
    try:
        pyogrio.write_arrow(reader, path, layer=layer, driver="GPKG", append=append, **options)
    except Exception:
        if failures:
            raise failures[0] from None
        raise
    if failures:
        raise failures[0]
    return rows


def geometry_options(
    geometry_types: set[str] | None, geometry_type: str | None = None
) -> dict[str, object]:
    """GDAL's options for the geometry column (none for a plain table)."""
    if geometry_types is None:
        return {}
    return {
        "geometry_name": "geometry",
        "crs": "EPSG:4490",
        # Used when the layer is created; an append keeps the layer's type.
        "geometry_type": geometry_type or geometry_type_of(geometry_types),
    }


class TableWriter:
    """Replace a non-spatial table chunk by chunk; see :meth:`ProjectWriter.table_writer`.

    Chunks are staged in Parquet and written when the version is finished,
    so that they never compete with a layer GDAL is still streaming into the
    same file.
    """

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.rows = 0
        self._chunks = 0
        self._staged = StagedRows(folder)

    def write(self, frame: pd.DataFrame) -> None:
        """Stage one chunk; an empty first chunk still replaces the table with an empty one."""
        if frame.empty and self._chunks:
            return
        self._staged.add(pd.DataFrame(frame))
        self._chunks += 1
        self.rows += len(frame)

    def flush(self, path: Path) -> None:
        """Replace the table in ``path`` with the staged chunks, then drop the staging."""
        with self._staged:
            if self._chunks:
                self._staged.write(path, self.name, append=False)
        self._chunks = 0

    def discard(self) -> None:
        """Drop the staged chunks unwritten."""
        self._staged.__exit__(None, None, None)


def promote_polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Store polygonal layers as MultiPolygon throughout.

    A GeoPackage layer has one geometry type; mixing Polygon and MultiPolygon
    makes QGIS split the layer into sublayers. Single-part MultiPolygons
    read back are turned into Polygons again by :func:`single_part_polygons`.
    """
    geometry = frame.geometry.to_numpy()
    single = shapely.get_type_id(geometry) == 3
    polygonal = np.isin(shapely.get_type_id(geometry), (3, 6)) | shapely.is_missing(geometry)
    if not single.any() or not polygonal.all():
        return frame
    promoted = np.asarray(geometry, dtype=object).copy()
    promoted[single] = shapely.multipolygons(promoted[single].reshape(-1, 1))
    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(promoted, index=frame.index, crs=frame.crs)
    return frame


def single_part_polygons(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn single-part MultiPolygons into Polygons (for export and for people)."""
    geometry = frame.geometry.to_numpy()
    single = (shapely.get_type_id(geometry) == 6) & (shapely.get_num_geometries(geometry) == 1)
    if not single.any():
        return frame
    plain = np.asarray(geometry, dtype=object).copy()
    plain[single] = shapely.get_geometry(plain[single], 0)
    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(plain, index=frame.index, crs=frame.crs)
    return frame


#: pyogrio's names of the GeoPackage geometry types the schema declares.
GEOMETRY_TYPE_NAMES = {"POINT": "Point", "POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon"}


def conform_geometry(frame: gpd.GeoDataFrame, declared: str | None, key: str) -> gpd.GeoDataFrame:
    """Give a frame's shapes the geometry type its layer declares.

    A ``POLYGON`` layer holds single polygons: single-part MultiPolygons become
    Polygons, and a shape of several parts is refused (a base grid is one
    polygon, by construction). A ``MULTIPOLYGON`` layer holds MultiPolygons only
    (:func:`promote_polygons`). Other layers keep their shapes.

    Raises
    ------
    StoreError
        If a shape of several parts is given for a ``POLYGON`` layer.
    """
    if declared == "MULTIPOLYGON":
        return promote_polygons(frame)
    if declared != "POLYGON":
        return frame
    geometry = frame.geometry.to_numpy()
    parts = shapely.get_num_geometries(geometry)
    several = (shapely.get_type_id(geometry) == 6) & (parts > 1)
    if several.any():
        named = ", ".join(str(k) for k in frame.loc[several, key].head(5))
        raise StoreError(
            f"cannot store {named}: a shape of {int(parts[several].max())} parts where one "
            "polygon is required"
        )
    return single_part_polygons(frame)


def layer_geometry_type(frame: gpd.GeoDataFrame) -> str:
    """Return the one GeoPackage geometry type that holds a frame's shapes."""
    return geometry_type_of(set(frame.geom_type.dropna().unique()))


def geometry_type_of(types: set[str]) -> str:
    """Return the one GeoPackage geometry type that holds all the given types.

    No types at all (an empty layer) gives MultiPolygon, the type of most
    project layers, so that QGIS still opens the layer as a map layer.
    """
    if len(types) == 1:
        return next(iter(types))
    if types <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon"
    if types <= {"Point", "MultiPoint"}:
        return "MultiPoint"
    if types <= {"LineString", "MultiLineString"}:
        return "MultiLineString"
    return "Unknown"


#: What a missing value (NULL, NaN, None, no geometry) hashes to, whatever its column's type.
