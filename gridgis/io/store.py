"""The project store: one GeoPackage per county project, with its history.

Design
------
- **Layers with history.** The data layers (``admin_units``, ``grids``,
  ``enterprises``, ``assignments``, ``staff``) never lose a row. Each row
  carries ``valid_from`` (the version that wrote it) and ``valid_to`` (the
  version that replaced or removed it, NULL while current). Reading "version
  V" selects ``valid_from <= V AND (valid_to IS NULL OR valid_to > V)``.
- **Versions.** The ``versions`` table has one row per change: id (1, 2, 3,
  …), UTC time, the command line, a note, and the parent version.
- **Atomic writes.** A write session works on a copy beside the project
  (``.NAME.gpkg.PID.tmp.gpkg``) and swaps it in with :func:`os.replace` only when
  the whole command succeeded. A command that fails or is killed leaves the
  project byte-identical; a killed command's leftover copy is removed by the
  next writer.
- **One writer at a time.** Writers take an exclusive lock on the sidecar file
  ``.NAME.gpkg.lock`` (``flock`` on POSIX, ``msvcrt.locking`` on Windows; the OS
  releases it when a process dies). A second writer waits up to
  :data:`DEFAULT_LOCK_TIMEOUT` seconds (environment variable
  ``GRIDGIS_LOCK_TIMEOUT``), then fails with "project is in use". Readers
  need no lock: they always see a whole file, old or new.
- **Styled in QGIS.** Each spatial layer gets a default QGIS style in the
  ``layer_styles`` table (see :mod:`gridgis.io.qgis_style`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gridgis import __version__
from gridgis.crs import CGCS2000
from gridgis.errors import ProjectInUseError, StoreError
from gridgis.io import gpkg
from gridgis.io.qgis_style import style_for_layer
from gridgis.progress import Progress, silent

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_LOCK_TIMEOUT = 10.0
HISTORY_COLUMNS = ("valid_from", "valid_to", "row_hash")
#: Layers other tables join to by key (the assignments view joins enterprises):
#: their key is indexed, over all versions, when the layer is created.
JOINED_BY_KEY = frozenset({"enterprises"})
#: The change lists of a :class:`LayerChange` keep at most this many keys.
CHANGE_LIST_LIMIT = 10_000

#: The layers that keep their history, and the column that identifies a row.
VERSIONED_LAYERS: dict[str, str] = {
    "admin_units": "code",
    "grids": "grid_code",
    "enterprises": "enterprise_id",
    "assignments": "enterprise_id",
    "staff": "staff_id",
}


@dataclass(frozen=True)
class LayerChange:
    """What one :meth:`ProjectWriter.put_layer` call changed."""

    layer: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Say whether nothing changed."""
        return not (self.added or self.changed or self.removed)

    def count(self, kind: str) -> int:
        """Return the exact number of rows added, changed, removed or unchanged."""
        if kind in self.counts:
            return self.counts[kind]
        return self.unchanged if kind == "unchanged" else len(getattr(self, kind))


class ProjectReader:
    """Read a project at its current or an earlier version.

    Parameters
    ----------
    path : Path or str
        The project GeoPackage.

    Raises
    ------
    StoreError
        If the file is missing or is not a gridgis project.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(f"project {self.path} does not exist; create it with 'gridgis init'")
        self._check_is_project()

    def _connect(self) -> sqlite3.Connection:
        return gpkg.connect(self.path)

    def _check_is_project(self) -> None:
        try:
            with contextlib.closing(self._connect()) as connection:
                ok = gpkg.has_table(connection, "versions") and gpkg.has_table(
                    connection, "project_meta"
                )
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a GeoPackage ({error})") from error
        if not ok:
            raise StoreError(f"{self.path} is a GeoPackage but not a gridgis project")

    # -- versions and metadata -------------------------------------------------
    def versions(self) -> pd.DataFrame:
        """Return the version log: id, time, command, note, parent."""
        with contextlib.closing(self._connect()) as connection:
            return pd.read_sql_query(
                "SELECT id, time, command, note, parent FROM versions ORDER BY id", connection
            )

    @property
    def current_version(self) -> int:
        """The newest version number (0 for a project being created)."""
        with contextlib.closing(self._connect()) as connection:
            row = connection.execute("SELECT max(id) FROM versions").fetchone()
        return int(row[0] or 0)

    def meta(self) -> dict[str, str]:
        """Return the project's key/value metadata (county code, schema version, …)."""
        with contextlib.closing(self._connect()) as connection:
            rows = connection.execute("SELECT key, value FROM project_meta").fetchall()
        return dict(rows)

    def table_names(self) -> list[str]:
        """List every layer and table the project holds."""
        with contextlib.closing(self._connect()) as connection:
            return gpkg.table_names(connection)

    def has_layer(self, name: str) -> bool:
        """Say whether a layer or table exists."""
        return name in self.table_names()

    def has_rows(
        self, name: str, *, where: str | None = None, version: int | None = None
    ) -> bool:
        """Say whether a layer holds any row (matching a SQL ``where``) at a version.

        Reads one row at most, however large the layer. The default version
        is the current one.
        """
        if not self.has_layer(name):
            return False
        version = None if version is None else self._resolve_version(version)
        condition = _rows_at(name, version, where)
        clause = f" WHERE {condition}" if condition else ""
        with contextlib.closing(self._connect()) as connection:
            found = connection.execute(f'SELECT 1 FROM "{name}"{clause} LIMIT 1').fetchone()
        return found is not None

    def _resolve_version(self, version: int | None) -> int:
        current = self.current_version
        if version is None:
            return current
        if not 1 <= version <= current:
            raise StoreError(
                f"version {version} does not exist in {self.path.name}; "
                f"versions run from 1 to {current}"
            )
        return version

    # -- layers ----------------------------------------------------------------
    def read_layer(
        self,
        name: str,
        *,
        version: int | None = None,
        where: str | None = None,
        columns: list[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read the rows of a layer as they were at a version.

        Parameters
        ----------
        name : str
            Layer name; a layer with history is filtered to the version.
        version : int, optional
            Defaults to the current version.
        where : str, optional
            An extra OGR SQL attribute filter.
        columns : list of str, optional
            Attribute columns to read (default all).

        Returns
        -------
        GeoDataFrame
            In CGCS2000, with an empty frame if the layer does not exist yet.
        """
        version = self._resolve_version(version)
        if not self.has_layer(name):
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CGCS2000))
        condition = _rows_at(name, version, where)
        frame = pyogrio.read_dataframe(
            self.path,
            layer=name,
            where=condition,
            columns=columns,
        )
        if "valid_to" in frame.columns:
            frame["valid_to"] = frame["valid_to"].astype("Int64")
        if "valid_from" in frame.columns:
            frame["valid_from"] = frame["valid_from"].astype("int64")
        return frame

    def iter_layer(
        self,
        name: str,
        *,
        version: int | None = None,
        where: str | None = None,
        columns: list[str] | None = None,
        batch_size: int = 200_000,
        with_geometry: bool = True,
        with_fid: bool = False,
    ) -> Iterator[gpd.GeoDataFrame]:
        """Read a layer at a version in batches, for layers larger than memory.

        Parameters are as for :meth:`read_layer`; ``batch_size`` bounds the
        rows held at once. ``with_geometry=False`` skips decoding shapes;
        ``with_fid`` adds the GeoPackage row id as column ``fid``.

        Yields
        ------
        GeoDataFrame or DataFrame
            Consecutive batches in storage order, in CGCS2000; plain DataFrames
            for an attributes table or without geometry.
        """
        version = self._resolve_version(version)
        if not self.has_layer(name):
            return
        condition = _rows_at(name, version, where)
        with pyogrio.open_arrow(
            self.path,
            layer=name,
            where=condition,
            columns=columns,
            batch_size=batch_size,
            read_geometry=with_geometry,
            return_fids=with_fid,
            use_pyarrow=True,
        ) as (meta, reader):
            geometry_column = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                table = batch.to_pandas()
                if geometry_column not in table.columns:
                    yield table
                    continue
                geometry = gpd.GeoSeries.from_wkb(table.pop(geometry_column), crs=CGCS2000)
                yield gpd.GeoDataFrame(table, geometry=geometry.values, crs=CGCS2000)

    def read_table(self, name: str) -> pd.DataFrame:
        """Read a non-spatial table (empty if it does not exist)."""
        with contextlib.closing(self._connect()) as connection:
            if not gpkg.has_table(connection, name):
                return pd.DataFrame()
            return gpkg.read_attribute_table(connection, name)


class ProjectWriter(ProjectReader):
    """Write one new version of a project; obtained from :func:`edit_project`.

    All writes go to a private copy. :func:`edit_project` swaps it in when the
    ``with`` block ends without an error.
    """

    def __init__(self, path: Path, *, version: int, command: str, note: str) -> None:
        self.path = path
        self.version = version
        self.command = command
        self.note = note
        self.changes: list[LayerChange] = []
        self._touched = False
        self._tables: list[TableWriter] = []

    def _resolve_version(self, version: int | None) -> int | None:  # type: ignore[override]
        # Inside a write session "current" means the rows as they stand now,
        # including those this session wrote (valid_to IS NULL).
        return None if version is None else super()._resolve_version(version)

    @property
    def touched(self) -> bool:
        """Say whether anything was written in this session."""
        return self._touched

    def put_layer(
        self, name: str, frame: gpd.GeoDataFrame, *, key: str | None = None
    ) -> LayerChange:
        """Make ``frame`` the current content of a layer with history.

        Rows whose key is new are added; rows whose attributes or geometry
        differ are closed (``valid_to``) and added again; rows missing from
        ``frame`` are closed. Unchanged rows are left alone, so their history
        stays one row.

        Parameters
        ----------
        name : str
            One of :data:`VERSIONED_LAYERS`.
        frame : GeoDataFrame
            The complete new content, in CGCS2000. Its key must be unique.
        key : str, optional
            The identifying column; defaults to the layer's own.

        Returns
        -------
        LayerChange
        """
        return self.put_layer_chunks(name, [frame], key=key)

    def put_layer_chunks(
        self,
        name: str,
        chunks: Iterable[gpd.GeoDataFrame],
        *,
        key: str | None = None,
        geometry_type: str | None = None,
        progress: Progress = silent,
    ) -> LayerChange:
        """Like :meth:`put_layer`, for content that arrives in chunks.

        Memory stays bounded by one chunk. Keys must be unique across all
        chunks.

        - A layer with no current rows (a first import) streams the chunks
          straight into GDAL in one session, so the spatial index is built
          once, and stores no ``row_hash``: there is nothing to compare yet.
        - Otherwise each row's attributes and geometry are hashed and compared,
          in memory, with the current row of the same key (:class:`_CurrentRows`);
          stored rows that have no hash yet get one first
          (:meth:`_hash_stored_rows`). Only new and changed rows are written.

        Parameters
        ----------
        name : str
            One of :data:`VERSIONED_LAYERS`.
        chunks : iterable of GeoDataFrame
            The complete new content, chunk by chunk, all with the same columns.
            Plain DataFrames make an attributes table.
        key : str, optional
            The identifying column; defaults to the layer's own.
        geometry_type : str, optional
            The layer's geometry type when it is created (default: from the
            first chunk); give it when early chunks may have no geometry.
        progress : Progress
            Wraps the loop over chunks.

        Returns
        -------
        LayerChange
            Exact counts; the key lists hold at most :data:`CHANGE_LIST_LIMIT` each.
        """
        key = key or VERSIONED_LAYERS[name]
        if self.has_rows(name):
            change = self._replace_rows(name, chunks, key, progress)
        else:
            change = self._write_first_rows(name, chunks, key, geometry_type, progress)
        self.changes.append(change)
        return change

    def _write_first_rows(
        self,
        name: str,
        chunks: Iterable[gpd.GeoDataFrame],
        key: str,
        geometry_type: str | None,
        progress: Progress,
    ) -> LayerChange:
        added: list[str] = []
        key_hashes: list[np.ndarray] = []

        def frames() -> Iterator[pd.DataFrame]:
            for frame in progress(chunks, label=f"Writing {name}"):
                frame = self._with_history(self._prepare(frame, key))
                frame["row_hash"] = pd.array([None] * len(frame), dtype="str")
                keys = frame[key].astype(str).to_numpy(dtype=object)
                key_hashes.append(_key_hashes(keys))
                added.extend(keys[: CHANGE_LIST_LIMIT - len(added)].tolist())
                yield frame

        rows = _stream_rows(
            frames(), self.path, name, append=self.has_layer(name), geometry_type=geometry_type
        )
        self._touched = True
        self._refuse_duplicate_keys(name, key, key_hashes)
        if name in JOINED_BY_KEY:
            self._index_keys(name, key)
        return LayerChange(name, added=sorted(added), counts={
            "added": rows, "changed": 0, "removed": 0, "unchanged": 0,
        })

    def _refuse_duplicate_keys(self, name: str, key: str, key_hashes: list[np.ndarray]) -> None:
        """Raise if a key was written twice in this version (compared by 128-bit hashes)."""
        repeated = _repeated(key_hashes)
        if len(repeated):
            raise StoreError(
                f"cannot store {name}: duplicate {key} values: "
                + ", ".join(self._keys_with_hashes(name, key, repeated))
            )

    def _replace_rows(
        self, name: str, chunks: Iterable[gpd.GeoDataFrame], key: str, progress: Progress
    ) -> LayerChange:
        """Compare chunks with the current rows in memory; write only what changed.

        The current rows are held as a 128-bit hash of their key, their row
        hash and their row id: 32 bytes a row, so ten million fit in 320 MB.
        """
        stored = _CurrentRows.read(self, name, key)
        if not stored.hashed.all():
            stored.fill(*self._hash_stored_rows(name))
        counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
        lists: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        seen: list[np.ndarray] = []
        closing: list[np.ndarray] = []
        with _StagedRows(self.path.parent) as staged:
            for frame in progress(chunks, label=f"Writing {name}"):
                frame = self._prepare(frame, key)
                keys = frame[key].astype(str).to_numpy(dtype=object)
                key_hashes = _key_hashes(keys)
                seen.append(key_hashes)
                hashes = _fingerprints(frame, [c for c in frame.columns if c != "geometry"])
                position, found = stored.find(key_hashes)
                is_new = ~found
                is_changed = found & (stored.row_hash[position] != hashes)
                stored.matched[position[found]] = True
                closing.append(stored.fid[position[is_changed]])
                write = is_new | is_changed
                if write.any():
                    rows = frame[write].assign(row_hash=_hex(hashes[write]))
                    staged.add(self._with_history(rows))
                for kind, mask in (("added", is_new), ("changed", is_changed)):
                    counts[kind] += int(mask.sum())
                    room = CHANGE_LIST_LIMIT - len(lists[kind])
                    lists[kind].extend(keys[mask][:room].tolist())
                counts["unchanged"] += int((~write).sum())
            self._refuse_duplicate_keys(name, key, seen)
            removed_fids = stored.fid[~stored.matched]
            counts["removed"] = len(removed_fids)
            lists["removed"] = self._keys_of(name, key, removed_fids[:CHANGE_LIST_LIMIT])
            to_close = np.concatenate([*closing, removed_fids])
            if len(to_close):
                self._close_rows(name, to_close)
            # All new rows go in through one GDAL session.
            if staged.rows:
                staged.write(self.path, name, append=True)
                self._touched = True
        return LayerChange(
            name,
            added=sorted(lists["added"]),
            changed=sorted(lists["changed"]),
            removed=sorted(lists["removed"]),
            unchanged=counts["unchanged"],
            counts=counts,
        )

    def _hash_stored_rows(
        self, name: str, batch_size: int = 200_000
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hash the current rows written without a ``row_hash`` (a first write), and store it.

        The hash is taken of the row as read back, which
        :func:`_fingerprints` makes equal to the hash of the row as written.

        Returns
        -------
        tuple of ndarray
            The rows' ids and their hashes.
        """
        # Hashes are collected first (16 bytes a row) and stored after the
        # read has finished: writing while GDAL still reads the file breaks it.
        fids, hashes = [np.empty(0, np.int64)], [np.empty(0, np.uint64)]
        for frame in self.iter_layer(
            name, where="row_hash IS NULL", batch_size=batch_size, with_fid=True
        ):
            fids.append(frame.pop("fid").to_numpy(dtype=np.int64))
            columns = [c for c in frame.columns if c not in (*HISTORY_COLUMNS, "geometry")]
            hashes.append(_fingerprints(frame, columns))
        fid, digest = np.concatenate(fids), np.concatenate(hashes)
        with contextlib.closing(self._connect()) as connection:
            connection.executemany(
                f'UPDATE "{name}" SET row_hash = ? WHERE fid = ?',
                zip(_hex(digest).tolist(), fid.tolist(), strict=True),
            )
            connection.commit()
        self._touched = True
        return fid, digest

    def _close_rows(self, name: str, fids: np.ndarray) -> None:
        """Close rows by their row id: they stop being current at this version."""
        with contextlib.closing(self._connect()) as connection:
            _temporary_ids(connection, "closing", fids)
            connection.execute(
                f'UPDATE "{name}" SET valid_to = ? WHERE fid IN (SELECT id FROM closing)',
                (self.version,),
            )
            connection.commit()
        self._touched = True

    def _keys_of(self, name: str, key: str, fids: np.ndarray) -> list[str]:
        if not len(fids):
            return []
        with contextlib.closing(self._connect()) as connection:
            _temporary_ids(connection, "wanted", fids)
            return [
                row[0]
                for row in connection.execute(
                    f'SELECT CAST({gpkg.quote(key)} AS TEXT) FROM "{name}" '
                    "WHERE fid IN (SELECT id FROM wanted)"
                )
            ]

    def _keys_with_hashes(self, name: str, key: str, wanted: np.ndarray) -> list[str]:
        """Name the keys given more than once (found by hash; read back for the message)."""
        found: list[str] = []
        for frame in self.iter_layer(name, columns=[key], with_geometry=False):
            keys = frame[key].astype(str).to_numpy(dtype=object)
            hit = np.isin(_key_hashes(keys), wanted)
            found.extend(keys[hit].tolist())
        named = sorted(set(found))[:5]
        return named or [f"{len(wanted)} repeated key(s)"]

    def write_features(self, name: str, frame: gpd.GeoDataFrame) -> None:
        """Replace a layer that keeps no history (check results, reports)."""
        frame = frame.to_crs(CGCS2000) if frame.crs is not None else frame.set_crs(CGCS2000)
        frame = promote_polygons(frame)
        geometry_type = _layer_geometry_type(frame)
        pyogrio.write_dataframe(
            frame, self.path, layer=name, driver="GPKG", geometry_type=geometry_type
        )
        self._touched = True

    def write_table(self, name: str, frame: pd.DataFrame, description: str = "") -> None:
        """Replace a non-spatial table."""
        with contextlib.closing(self._connect()) as connection:
            gpkg.write_attribute_table(connection, name, frame, description=description)
            connection.commit()
        self._touched = True

    def table_writer(self, name: str) -> TableWriter:
        """Return a writer that replaces a non-spatial table chunk by chunk.

        For tables too large for :meth:`write_table` (one row per enterprise):
        the first chunk replaces the table, later chunks are appended, in
        columnar batches through GDAL.
        """
        self._touched = True
        table = TableWriter(self.path.parent, name)
        self._tables.append(table)
        return table

    def temporary_folder(self, prefix: str) -> tempfile.TemporaryDirectory[str]:
        """Return a temporary folder inside this session's private folder.

        For a command's own spill files (they hold enterprise data): the
        folder is removed when the ``with`` block ends, and with the session
        folder if the command is killed.
        """
        return tempfile.TemporaryDirectory(dir=self.path.parent, prefix=prefix)

    def append_table(self, name: str, frame: pd.DataFrame, description: str = "") -> None:
        """Append rows to a non-spatial table, creating it if needed."""
        if frame.empty:
            return
        existing = self.read_table(name)
        combined = frame if existing.empty else pd.concat([existing, frame], ignore_index=True)
        self.write_table(name, combined, description)

    # -- internals -------------------------------------------------------------
    def _prepare(self, frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
        if key not in frame.columns:
            raise StoreError(f"cannot store rows without their key column {key!r}")
        history = [c for c in HISTORY_COLUMNS if c in frame.columns]
        if not isinstance(frame, gpd.GeoDataFrame):
            # Rows without a place (the staff roster) become a GeoPackage
            # attributes table, which QGIS opens as a plain table.
            return frame.drop(columns=history)
        if frame.crs is None:
            raise StoreError("cannot store geometry without a CRS")
        frame = promote_polygons(frame.to_crs(CGCS2000))
        return frame.drop(columns=history)

    def _with_history(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame = frame.copy()
        frame["valid_from"] = np.int64(self.version)
        frame["valid_to"] = pd.array([None] * len(frame), dtype="Int64")
        return frame

    def _index_keys(self, name: str, key: str) -> None:
        """Index a layer's key (all versions), for joins by key at any version."""
        with contextlib.closing(self._connect()) as connection:
            connection.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}_{key}" ON "{name}" ({gpkg.quote(key)})'
            )
            connection.commit()

    def _discard(self) -> None:
        """Drop what was staged but not written (the version failed)."""
        for table in self._tables:
            table.discard()

    def _finish(self) -> None:
        """Write the staged tables, record the version and refresh the QGIS styles."""
        for table in self._tables:
            table.flush(self.path)
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with contextlib.closing(self._connect()) as connection:
            parent = connection.execute("SELECT max(id) FROM versions").fetchone()[0]
            connection.execute(
                "INSERT INTO versions (id, time, command, note, parent, author, gridgis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.version, now, self.command, self.note, parent, _author(), __version__),
            )
            _write_styles(connection)
            connection.commit()


class _StagedRows:
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

    def __enter__(self) -> _StagedRows:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)

    def add(self, frame: pd.DataFrame) -> None:
        """Stage one chunk (a GeoDataFrame in CGCS2000, or a plain table)."""
        import pyarrow.parquet as pq

        if self._spill is None:
            self._spill = Path(tempfile.mkdtemp(dir=self._folder, prefix="staged-"))
        table, geometry_types = _arrow_table(frame)
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
        options = _geometry_options(self._geometry_types if self._spatial else None)
        pyogrio.write_arrow(reader, path, layer=layer, driver="GPKG", append=append, **options)


def _arrow_table(frame: pd.DataFrame) -> tuple[Any, set[str] | None]:
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
        wkb = _iso_wkb(frame.geometry.to_numpy())
    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata()
    if wkb is not None:
        arrow = arrow.append_column("geometry", wkb)
    return arrow, geometry_types


def _iso_wkb(geometry: np.ndarray) -> Any:
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


def _stream_rows(
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
    table, geometry_types = _arrow_table(first)
    schema = _typed(table.schema)

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal rows
        try:
            rows += table.num_rows
            yield from table.cast(schema).to_batches()
            for frame in frames:
                rows += len(frame)
                yield from _arrow_table(frame)[0].cast(schema).to_batches()
        except BaseException as error:
            failures.append(error)
            raise

    options = _geometry_options(geometry_types, geometry_type)
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


class _CurrentRows:
    """The current rows of a layer, as sorted 128-bit key hashes, row hashes and row ids."""

    def __init__(self, key_hash: np.ndarray, row_hash: np.ndarray, fid: np.ndarray) -> None:
        order = np.argsort(key_hash)
        self.key_hash = key_hash[order]
        self.row_hash = row_hash[order]
        self.fid = fid[order]
        self.matched = np.zeros(len(order), dtype=bool)
        #: Rows written without a hash (a first write) are hashed before comparing.
        self.hashed = self.row_hash != 0

    def fill(self, fids: np.ndarray, hashes: np.ndarray) -> None:
        """Set the row hashes of the given row ids."""
        position = pd.Index(self.fid).get_indexer(fids)
        known = position >= 0
        self.row_hash[position[known]] = hashes[known]
        self.hashed[position[known]] = True

    @classmethod
    def read(cls, reader: ProjectReader, name: str, key: str) -> _CurrentRows:
        key_hashes, row_hashes, fids = [], [], []
        for frame in reader.iter_layer(
            name, columns=[key, "row_hash"], with_geometry=False, with_fid=True
        ):
            key_hashes.append(_key_hashes(frame[key].astype(str).to_numpy(dtype=object)))
            row_hashes.append(_unhex(frame["row_hash"].to_numpy(dtype=object)))
            fids.append(frame["fid"].to_numpy(dtype=np.int64))
        if not fids:
            return cls(np.empty(0, _KEY_HASH), np.empty(0, np.uint64), np.empty(0, np.int64))
        return cls(np.concatenate(key_hashes), np.concatenate(row_hashes), np.concatenate(fids))

    def find(self, key_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each key's position among the current rows, and whether it is there."""
        if not len(self.key_hash):
            return np.zeros(len(key_hashes), dtype=np.int64), np.zeros(len(key_hashes), bool)
        position = np.searchsorted(self.key_hash, key_hashes)
        position = np.minimum(position, len(self.key_hash) - 1)
        return position, self.key_hash[position] == key_hashes


#: Two independent 64-bit hashes of a key, compared as one 16-byte value:
#: equal hashes then mean equal keys for any ledger that will ever exist.
_KEY_HASH = np.dtype("V16")


def _key_hashes(keys: np.ndarray) -> np.ndarray:
    pair = np.empty((len(keys), 2), dtype=np.uint64)
    # Keys are unique and never missing, so factorising first (pandas'
    # default) only costs time: 0.2 s instead of 1 s a million keys.
    pair[:, 0] = pd.util.hash_array(keys, hash_key="gridgis-key-hi01", categorize=False)
    pair[:, 1] = pd.util.hash_array(keys, hash_key="gridgis-key-lo02", categorize=False)
    return pair.view(_KEY_HASH).ravel()


def _repeated(key_hashes: list[np.ndarray]) -> np.ndarray:
    """Return the key hashes that occur more than once."""
    if not key_hashes:
        return np.empty(0, _KEY_HASH)
    ordered = np.sort(np.concatenate(key_hashes))
    return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])


def _hex(hashes: np.ndarray) -> np.ndarray:
    return np.char.mod("%016x", hashes).astype(object)


def _unhex(texts: np.ndarray) -> np.ndarray:
    """Turn stored hex row hashes back into numbers (missing: 0, which matches nothing)."""
    present = pd.notna(texts)
    values = np.zeros(len(texts), dtype=np.uint64)
    if present.any():
        joined = "".join(texts[present].tolist())
        values[present] = np.frombuffer(bytes.fromhex(joined), dtype=">u8").astype(np.uint64)
    return values


def _temporary_ids(connection: sqlite3.Connection, table: str, ids: np.ndarray) -> None:
    """Put row ids in a temporary table, for ``fid IN (SELECT id FROM table)``."""
    connection.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
    connection.executemany(
        f"INSERT OR IGNORE INTO {table} VALUES (?)", ((int(i),) for i in ids.tolist())
    )


def _geometry_options(
    geometry_types: set[str] | None, geometry_type: str | None = None
) -> dict[str, object]:
    """GDAL's options for the geometry column (none for a plain table)."""
    if geometry_types is None:
        return {}
    return {
        "geometry_name": "geometry",
        "crs": "EPSG:4490",
        # Used when the layer is created; an append keeps the layer's type.
        "geometry_type": geometry_type or _geometry_type_of(geometry_types),
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
        self._staged = _StagedRows(folder)

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


def _rows_at(name: str, version: int | None, where: str | None) -> str | None:
    """Return the SQL condition for a layer's rows at a version (None: current rows)."""
    filters = []
    if name in VERSIONED_LAYERS:
        filters.append(rows_at_version(version))
    if where:
        filters.append(f"({where})")
    return " AND ".join(filters) or None


def rows_at_version(version: int | None, alias: str = "") -> str:
    """Return the SQL condition selecting a history layer's rows at a version.

    Layers with history keep every row; a row belongs to the versions from
    ``valid_from`` up to, not including, ``valid_to``. ``None`` selects the
    current rows; ``alias`` qualifies the columns (``"e"`` gives ``e.valid_to``).
    """
    prefix = f"{alias}." if alias else ""
    if version is None:
        return f"{prefix}valid_to IS NULL"
    version = int(version)
    return (
        f"{prefix}valid_from <= {version} AND "
        f"({prefix}valid_to IS NULL OR {prefix}valid_to > {version})"
    )


def _author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return ""


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


def _layer_geometry_type(frame: gpd.GeoDataFrame) -> str:
    return _geometry_type_of(set(frame.geom_type.dropna().unique()))


def _geometry_type_of(types: set[str]) -> str:
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
_MISSING_HASH = np.uint64(0x6D697373696E6721)
_NUMBER_KINDS = ("boolean", "integer", "floating", "mixed-integer-float", "decimal")


def _fingerprints(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Hash each row's attributes and geometry, the same before and after storage.

    A row read back from the GeoPackage may carry an integer column as float
    (when it has NULLs), a boolean one as objects, and a column with nothing
    in it as anything. So numbers and booleans are hashed as float64, text as
    text, and every missing value alike, value by value: a row's hash does not
    depend on the other rows read with it.

    Returns
    -------
    ndarray of uint64
    """
    combined = np.zeros(len(frame), dtype=np.uint64)
    for column in columns:
        values = frame[column]
        missing = values.isna().to_numpy(dtype=bool)
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=0)
            hashes = pd.util.hash_array(numbers, categorize=False)
        elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
            _NUMBER_KINDS
        ):
            numbers = pd.to_numeric(values.where(~missing, 0), errors="coerce")
            hashes = pd.util.hash_array(numbers.to_numpy(dtype="float64"), categorize=False)
        else:
            text = values.astype("str").where(~missing, "")
            hashes = pd.util.hash_pandas_object(text, index=False, categorize=False).to_numpy()
        hashes = hashes.astype(np.uint64, copy=True)
        hashes[missing] = _MISSING_HASH
        combined = _mix(combined, hashes)
    if "geometry" in frame.columns:
        shapes = np.asarray(frame.geometry.values)
        hashes = pd.util.hash_array(
            shapely.to_wkb(shapes, hex=True).astype(object), categorize=False
        )
        hashes[shapely.is_missing(shapes)] = _MISSING_HASH
        combined = _mix(combined, hashes)
    return combined


def _mix(combined: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Fold one column's hashes into the row hashes (order matters, as it should)."""
    with np.errstate(over="ignore"):
        return (combined * np.uint64(0x100000001B3)) ^ hashes ^ (combined >> np.uint64(29))


def _write_styles(connection: sqlite3.Connection) -> None:
    """Give every spatial layer its default QGIS style (the ``layer_styles`` table)."""
    if not gpkg.has_table(connection, "layer_styles"):
        connection.execute(
            "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        )
        gpkg.register_attribute_table(connection, "layer_styles", "QGIS layer styles")
    layers = connection.execute(
        "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns"
    ).fetchall()
    for table, column, geometry_type in layers:
        qml = style_for_layer(table, geometry_type)
        if qml is None:
            continue
        connection.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
        connection.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'gridgis', '', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (table, column, f"gridgis {table}", qml, "default style written by gridgis"),
        )


def _create_schema(path: Path, meta: dict[str, str]) -> None:
    """Create the empty project tables in a new GeoPackage."""
    # pyogrio creates a standards-conforming GeoPackage container; the
    # metadata table is its first content.
    meta = {"schema_version": str(SCHEMA_VERSION), "created_by": f"gridgis {__version__}", **meta}
    frame = pd.DataFrame({"key": list(meta), "value": [str(v) for v in meta.values()]})
    # GeoPackage 1.2 rather than GDAL's default 1.4: the QGIS 3.x releases
    # still common in county offices warn about 1.4 files.
    pyogrio.write_dataframe(
        frame, path, layer="project_meta", driver="GPKG", dataset_options={"VERSION": "1.2"}
    )
    with contextlib.closing(gpkg.connect(path)) as connection:
        connection.execute(
            "CREATE TABLE versions (id INTEGER PRIMARY KEY, time TEXT NOT NULL, "
            "command TEXT NOT NULL, note TEXT, parent INTEGER REFERENCES versions(id), "
            "author TEXT, gridgis TEXT)"
        )
        gpkg.register_attribute_table(connection, "versions", "gridgis version log")
        connection.commit()


# -- locking -----------------------------------------------------------------
#: The names of a project's sidecars beside it: the lock file ``.NAME.lock``,
#: and a write session's private folder ``.NAME.PID.tmp`` (earlier releases
#: left working copies ``.NAME.PID.tmp.gpkg``). Nothing else may be written
#: under these names: a session folder is deleted by the next writer.
SIDECAR_NAME = re.compile(
    r"^\.(?P<project>.+?)\.(?:lock|\d+\.tmp(?:\.gpkg(?:-journal)?)?)$", re.IGNORECASE
)


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


#: Lock descriptors this process holds. A forked child (the ledger reader,
#: :mod:`gridgis.prefetch`) inherits them, and a ``flock`` lock lives as long
#: as any process keeps its descriptor open: a child that outlived its parent
#: would keep the project locked. So a forked child closes them at once.
_HELD_LOCKS: set[int] = set()


def _release_inherited_locks() -> None:
    for fd in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_release_inherited_locks)


def lock_timeout() -> float:
    """Return how many seconds a writer waits for another (``GRIDGIS_LOCK_TIMEOUT``)."""
    raw = os.environ.get("GRIDGIS_LOCK_TIMEOUT")
    if raw is None:
        return DEFAULT_LOCK_TIMEOUT
    try:
        return max(0.0, float(raw))
    except ValueError as error:
        raise StoreError(
            f"GRIDGIS_LOCK_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from error


@contextlib.contextmanager
def project_lock(path: Path, *, command: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the project's write lock, waiting up to ``timeout`` seconds for it.

    Raises
    ------
    ProjectInUseError
        If another process still holds the lock when the time is up.
    """
    timeout = lock_timeout() if timeout is None else timeout
    lock_file = _lock_path(path)
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(f"cannot create the lock file {lock_file}: {error.strerror}") from error
    _HELD_LOCKS.add(fd)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(lock_file)
                raise ProjectInUseError(
                    f"project {path.name} is in use by another gridgis command ({holder}); "
                    f"waited {timeout:g} s. Try again when it has finished"
                )
            time.sleep(0.05)
        holder = json.dumps({"pid": os.getpid(), "command": command, "since": time.time()})
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, holder.encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


def _read_holder(lock_file: Path) -> str:
    try:
        holder = json.loads(lock_file.read_text() or "{}")
    except (OSError, ValueError):
        return "unknown process"
    if not holder:
        return "unknown process"
    return f"pid {holder.get('pid')}: {holder.get('command', '?')}"


# -- write sessions ------------------------------------------------------------
def session_folder(path: Path) -> Path:
    """Return the private folder a write session of this process works in.

    It holds the working copy of the project and every temporary file of the
    session (staged rows, assign's spill), all of them enterprise data: it is
    created readable by its owner only (0700) and removed when the session
    ends, or by the next writer if the session was killed.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _remove_stale_sessions(path: Path) -> None:
    # Holding the lock means no other writer of this project is running, so
    # whatever a session left beside the project belongs to a killed command.
    stale = [
        *path.parent.glob(f".{path.name}.*.tmp"),  # session folders
        # What earlier gridgis releases left beside the project itself:
        *path.parent.glob(f".{path.name}.*.tmp.gpkg"),
        *path.parent.glob(f".{path.name}.*.tmp.gpkg-journal"),
        *path.parent.glob(".gridgis-rows-*"),
        *path.parent.glob(".gridgis-assign-*"),
    ]
    for leftover in stale:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                leftover.unlink()
        logger.debug("removed %s, left by an interrupted command", leftover.name)


def check_writable(path: Path, *, create: bool = False) -> int | None:
    """Refuse a project (or its folder) the user may not write; return its permission bits.

    A project whose owner has no write permission (``chmod a-w``) is refused
    even for root, who could write it anyway: the mode says "keep this as it
    is". The returned bits are given to the new file, so a write keeps them.
    """
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot write in folder {path.parent}: permission denied; "
            "gridgis writes a new copy of the project there and swaps it in"
        )
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if not os.access(path, os.W_OK) or not mode & stat.S_IWUSR:
        action = "replace" if create else "change"
        raise StoreError(
            f"project {path} is read-only (mode {mode:04o}); gridgis will not {action} it. "
            f"Make it writable first (chmod u+w {path.name}) or work on a copy"
        )
    return mode


@contextlib.contextmanager
def edit_project(
    path: Path | str,
    *,
    command: str,
    note: str = "",
    create: bool = False,
    overwrite: bool = False,
    meta: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Iterator[ProjectWriter]:
    """Open a project for one atomic change that becomes the next version.

    Parameters
    ----------
    path : Path or str
        The project GeoPackage.
    command : str
        The command line, recorded in the version log.
    note : str
        A human note for the version log.
    create : bool
        Create a new project (version 1).
    overwrite : bool
        With ``create``, replace an existing file.
    meta : dict, optional
        Project metadata to record when creating (for example the county code).
    timeout : float, optional
        Seconds to wait for another writer; see :func:`lock_timeout`.

    Yields
    ------
    ProjectWriter
        Writes go to a private copy; it replaces the project only if the block
        ends without an error and something was written. The new file keeps
        the project's permission bits.

    Raises
    ------
    StoreError
        If the project is missing (or exists, when creating without
        overwrite), or is read-only, or its folder cannot be written.
    ProjectInUseError
        If another writer holds the project longer than ``timeout``.

    Examples
    --------
    >>> with edit_project("helan.gpkg", command="gridgis divide …") as project:  # doctest: +SKIP
    ...     project.put_layer("grids", grids)
    """
    path = Path(path)
    if create and path.exists() and not overwrite:
        raise StoreError(f"{path} already exists; pass --overwrite to replace it")
    if not create and not path.exists():
        raise StoreError(f"project {path} does not exist; create it with 'gridgis init'")
    if not path.parent.exists():
        raise StoreError(f"folder {path.parent} does not exist")
    mode = check_writable(path, create=create)
    with project_lock(path, command=command, timeout=timeout):
        _remove_stale_sessions(path)
        session = session_folder(path)
        os.mkdir(session, 0o700)
        working = session / path.name
        writer: ProjectWriter | None = None
        try:
            if create:
                _create_schema(working, meta or {})
                version = 1
            else:
                ProjectReader(path)  # refuse files that are not projects
                shutil.copyfile(path, working)
                version = ProjectReader(working).current_version + 1
            writer = ProjectWriter(working, version=version, command=command, note=note)
            yield writer
            if not writer.touched and not create:
                logger.info("nothing changed; %s keeps version %d", path.name, version - 1)
                return
            writer._finish()
            if mode is not None:
                os.chmod(working, mode)
            _fsync(working)
            os.replace(working, path)
            _fsync_directory(path.parent)
        finally:
            if writer is not None:
                writer._discard()
            shutil.rmtree(session, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_project(path: Path | str, *, for_writing: bool = False) -> ProjectReader:
    """Open a project for reading.

    Parameters
    ----------
    path : Path or str
        The project GeoPackage.
    for_writing : bool
        Also refuse, now, a project the command will not be allowed to write
        (see :func:`check_writable`), before any long work is done.

    Returns
    -------
    ProjectReader

    Raises
    ------
    StoreError
        If the file is not a project, or is read-only when ``for_writing``.
    """
    reader = ProjectReader(path)
    if for_writing:
        check_writable(reader.path)
    return reader
