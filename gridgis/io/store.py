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
- **Atomic writes.** A write session works on a copy of the project in a
  private folder beside it (``.NAME.gpkg.PID.tmp/``, mode 0700, which also
  holds the session's staged rows and spill files, all enterprise data) and
  swaps it in with :func:`os.replace` only when the whole command succeeded.
  A command that fails or is killed leaves the project byte-identical; a
  killed command's folder is removed by the next writer. The new file keeps
  the project's permission bits, and a read-only project is refused.
- **One writer at a time** (:mod:`gridgis.io.lock`). Readers need no lock:
  they always see a whole file, old or new.
- **Styled in QGIS.** Each spatial layer gets a default QGIS style in the
  ``layer_styles`` table (see :mod:`gridgis.io.qgis_style`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gridgis import __version__
from gridgis.crs import CGCS2000
from gridgis.errors import StoreError
from gridgis.io import gpkg
from gridgis.io.assignment_view import create_map_view
from gridgis.io.history import (
    CurrentRows,
    fingerprints,
    hex_hashes,
    key_hashes,
    repeated_keys,
    rows_at_version,
    rows_condition,
)
from gridgis.io.layers import (
    GEOMETRY_TYPE_NAMES,
    StagedRows,
    TableWriter,
    conform_geometry,
    layer_geometry_type,
    stream_rows,
)
from gridgis.io.lock import project_lock
from gridgis.io.metadata import finish_metadata
from gridgis.io.safety import uninterrupted
from gridgis.io.views import create_views
from gridgis.progress import Progress, silent
from gridgis.schema import HISTORY_COLUMNS, SCHEMA_VERSION, SETTINGS, TABLES, VERSIONED_LAYERS

logger = logging.getLogger(__name__)

#: Layers other tables join to by key (the assignments view joins enterprises):
#: their key is indexed, over all versions, when the layer is created.
JOINED_BY_KEY = frozenset({"enterprises"})
#: The change lists of a :class:`LayerChange` keep at most this many keys.
CHANGE_LIST_LIMIT = 10_000


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
        layout = project_layout(self.path)
        if layout < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path.name} was made by an earlier gridgis (store layout {layout}); "
                f"upgrade it with 'gridgis upgrade {self.path}', which keeps every version "
                "(any command that changes the project upgrades it first)"
            )

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

    def has_rows(self, name: str, *, where: str | None = None, version: int | None = None) -> bool:
        """Say whether a layer holds any row (matching a SQL ``where``) at a version.

        Reads one row at most, however large the layer. The default version
        is the current one.
        """
        if not self.has_layer(name):
            return False
        version = None if version is None else self._resolve_version(version)
        condition = rows_condition(name, version, where)
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
        condition = rows_condition(name, version, where)
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
        condition = rows_condition(name, version, where)
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

    def read_grids(
        self,
        *,
        version: int | None = None,
        levels: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Read the grids of a version, every kind with its geometry, ordered by code.

        This is how code outside the store reads grids: it does not depend on
        how each kind's geometry is stored.

        Parameters
        ----------
        version : int, optional
            Default: the current version.
        levels : iterable of str, optional
            Keep these levels only: ``base``, ``village``, ``township``, ``county``.
        kinds : iterable of str, optional
            Keep these kinds only: ``territorial``, ``sector``.

        Returns
        -------
        GeoDataFrame
            The columns of :data:`gridgis.schema.GRIDS` and ``geometry`` (CGCS2000),
            without the history columns; empty if the project has no grids.
        """
        grids = self.read_layer("grids", version=version)
        if grids.empty:
            return grids
        if levels is not None:
            grids = grids[grids["level"].isin(list(levels))]
        if kinds is not None:
            grids = grids[grids["kind"].isin(list(kinds))]
        grids = grids.drop(columns=[c for c in HISTORY_COLUMNS if c in grids.columns])
        # A base grid's shape is stored with it; a level grid's is its admin
        # unit's, and a sector grid's the cells of sector_cells (docs/design.md).
        shapes = grids.geometry.to_numpy().copy()
        level = (grids["level"] != "base").to_numpy() & (grids["kind"] != "sector").to_numpy()
        if level.any():
            units = self.read_layer("admin_units", version=version, columns=["code"])
            outline = pd.Series(units.geometry.to_numpy(), index=units["code"].to_numpy())
            shapes[level] = grids.loc[level, "admin_code"].map(outline).to_numpy()
        sector = (grids["kind"] == "sector").to_numpy()
        if sector.any() and self.has_layer("sector_cells"):
            cells = self.read_layer("sector_cells", version=version, columns=["grid_code"])
            where = pd.Series(cells.geometry.to_numpy(), index=cells["grid_code"].to_numpy())
            shapes[sector] = grids.loc[sector, "grid_code"].map(where).to_numpy()
        grids = gpd.GeoDataFrame(
            grids.drop(columns=grids.geometry.name), geometry=shapes, crs=CGCS2000
        )
        return grids.sort_values("grid_code").reset_index(drop=True)

    def ledger_rows_of(self, enterprise_ids: Iterable[str]) -> pd.DataFrame:
        """Return the ledger row number of each given enterprise, as last imported.

        Returns
        -------
        DataFrame
            ``enterprise_id`` and ``row``; enterprises not in the last ledger are absent.
        """
        if not self.has_layer("ledger_rows"):
            return pd.DataFrame(columns=["enterprise_id", "row"])
        with contextlib.closing(self._connect()) as connection:
            connection.execute("CREATE TEMP TABLE wanted (enterprise_id TEXT PRIMARY KEY)")
            connection.executemany(
                "INSERT OR IGNORE INTO wanted VALUES (?)",
                ((str(key),) for key in enterprise_ids),
            )
            return pd.read_sql_query(
                "SELECT r.enterprise_id, r.row FROM ledger_rows r "
                "JOIN wanted w ON w.enterprise_id = r.enterprise_id",
                connection,
            )

    def repeated_uscc(self, columns: list[str], *, version: int | None = None) -> pd.DataFrame:
        """Return the enterprises whose USCC another enterprise of the version also has.

        The database finds the repeated codes, so only their rows are read,
        however large the layer.
        """
        if not self.has_layer("enterprises"):
            return pd.DataFrame(columns=columns)
        version = None if version is None else self._resolve_version(version)
        repeated = self.read_layer(
            "enterprises",
            version=version,
            columns=columns,
            where=(
                "uscc IN (SELECT uscc FROM enterprises WHERE "
                f"{rows_at_version(version)} AND uscc IS NOT NULL "
                "GROUP BY uscc HAVING count(*) > 1)"
            ),
        )
        return pd.DataFrame(repeated.drop(columns="geometry", errors="ignore"))

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
        self._settings: list[dict[str, object]] = []

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
        hashed_keys: list[np.ndarray] = []

        def frames() -> Iterator[pd.DataFrame]:
            for frame in progress(chunks, label=f"Writing {name}"):
                frame = self._with_history(self._prepare(name, frame, key))
                frame["row_hash"] = pd.array([None] * len(frame), dtype="str")
                keys = frame[key].astype(str).to_numpy(dtype=object)
                hashed_keys.append(key_hashes(keys))
                added.extend(keys[: CHANGE_LIST_LIMIT - len(added)].tolist())
                yield frame

        declared = GEOMETRY_TYPE_NAMES.get(_declared_geometry(name) or "")
        rows = stream_rows(
            frames(),
            self.path,
            name,
            append=self.has_layer(name),
            geometry_type=geometry_type or declared,
        )
        self._touched = True
        self._refuse_duplicate_keys(name, key, hashed_keys)
        if name in JOINED_BY_KEY:
            self._index_keys(name, key)
        return LayerChange(
            name,
            added=sorted(added),
            counts={
                "added": rows,
                "changed": 0,
                "removed": 0,
                "unchanged": 0,
            },
        )

    def _refuse_duplicate_keys(self, name: str, key: str, hashed: list[np.ndarray]) -> None:
        """Raise if a key was written twice in this version (compared by 128-bit hashes)."""
        repeated = repeated_keys(hashed)
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
        stored = CurrentRows.from_frames(
            self.iter_layer(name, columns=[key, "row_hash"], with_geometry=False, with_fid=True),
            key,
        )
        if not stored.hashed.all():
            stored.fill(*self._hash_stored_rows(name))
        counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
        lists: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
        seen: list[np.ndarray] = []
        closing: list[np.ndarray] = []
        with StagedRows(self.path.parent) as staged:
            for frame in progress(chunks, label=f"Writing {name}"):
                frame = self._prepare(name, frame, key)
                keys = frame[key].astype(str).to_numpy(dtype=object)
                hashed_keys = key_hashes(keys)
                seen.append(hashed_keys)
                hashes = fingerprints(frame, [c for c in frame.columns if c != "geometry"])
                position, found = stored.find(hashed_keys)
                is_new = ~found
                is_changed = found & (stored.row_hash[position] != hashes)
                stored.matched[position[found]] = True
                closing.append(stored.fid[position[is_changed]])
                write = is_new | is_changed
                if write.any():
                    rows = frame[write].assign(row_hash=hex_hashes(hashes[write]))
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
            hashes.append(fingerprints(frame, columns))
        fid, digest = np.concatenate(fids), np.concatenate(hashes)
        with contextlib.closing(self._connect()) as connection:
            connection.executemany(
                f'UPDATE "{name}" SET row_hash = ? WHERE fid = ?',
                zip(hex_hashes(digest).tolist(), fid.tolist(), strict=True),
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
            hit = np.isin(key_hashes(keys), wanted)
            found.extend(keys[hit].tolist())
        named = sorted(set(found))[:5]
        return named or [f"{len(wanted)} repeated key(s)"]

    def write_features(self, name: str, frame: gpd.GeoDataFrame) -> None:
        """Replace a layer that keeps no history (check results, reports)."""
        frame = frame.to_crs(CGCS2000) if frame.crs is not None else frame.set_crs(CGCS2000)
        declared = _declared_geometry(name)
        frame = conform_geometry(frame, declared, frame.columns[0])
        geometry_type = GEOMETRY_TYPE_NAMES.get(declared or "", layer_geometry_type(frame))
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
    def _prepare(self, name: str, frame: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
        if key not in frame.columns:
            raise StoreError(f"cannot store rows without their key column {key!r}")
        history = [c for c in HISTORY_COLUMNS if c in frame.columns]
        if not isinstance(frame, gpd.GeoDataFrame):
            # Rows without a place (the staff roster) become a GeoPackage
            # attributes table, which QGIS opens as a plain table.
            return frame.drop(columns=history)
        if frame.crs is None:
            raise StoreError("cannot store geometry without a CRS")
        frame = conform_geometry(frame.to_crs(CGCS2000), _declared_geometry(name), key)
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

    def record_setting(
        self, kind: str, name: str, *, path: Path | None = None, text: str | None = None
    ) -> None:
        """Record a configuration file or an input file this version was made with.

        Parameters
        ----------
        kind : str
            What it is: ``code_scheme``, ``departments``, ``rules`` (configuration,
            kept with its text) or ``admin``, ``barriers``, ``load_points``,
            ``buildings``, ``ledger``, ``roster`` (inputs, kept by name and hash).
        name : str
            The file's name.
        path : Path, optional
            The file, hashed (SHA-256) as it is.
        text : str, optional
            The file's text, kept for configuration files.
        """
        digest = file_sha256(path) if path is not None else None
        if digest is None and text is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._settings.append(
            {"version": self.version, "kind": kind, "name": name, "sha256": digest, "text": text}
        )
        self._touched = True

    def rewrite_layer(self, name: str, frame: gpd.GeoDataFrame) -> None:
        """Replace a whole layer with rows that carry their own history columns.

        For store upgrades: the rows keep their ``valid_from`` and ``valid_to``;
        their ``row_hash`` is cleared, so the next comparison hashes them as
        read back.
        """
        frame = frame.copy()
        frame["row_hash"] = pd.array([None] * len(frame), dtype="str")
        frame["valid_from"] = frame["valid_from"].astype("int64")
        frame["valid_to"] = frame["valid_to"].astype("Int64")
        with contextlib.closing(self._connect()) as connection:
            gpkg.drop_table(connection, name)
            connection.commit()
        declared = _declared_geometry(name)
        pyogrio.write_dataframe(
            frame,
            self.path,
            layer=name,
            driver="GPKG",
            geometry_type=GEOMETRY_TYPE_NAMES.get(declared or "", layer_geometry_type(frame)),
        )
        self._touched = True

    def set_meta(self, key: str, value: str) -> None:
        """Set one key of the project's metadata (``project_meta``)."""
        with contextlib.closing(self._connect()) as connection:
            connection.execute("DELETE FROM project_meta WHERE key = ?", (key,))
            connection.execute(
                "INSERT INTO project_meta (key, value) VALUES (?, ?)", (key, str(value))
            )
            connection.commit()
        self._touched = True

    def _finish(self) -> None:
        """Write the staged tables, record the version, refresh views, metadata and styles."""
        for table in self._tables:
            table.flush(self.path)
        if self._settings:
            self.append_table("settings", pd.DataFrame(self._settings), SETTINGS.title)
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with contextlib.closing(self._connect()) as connection:
            parent = connection.execute("SELECT max(id) FROM versions").fetchone()[0]
            connection.execute(
                "INSERT INTO versions (id, time, command, note, parent, author, gridgis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.version, now, self.command, self.note, parent, _author(), __version__),
            )
            create_views(connection)
            create_map_view(connection)
            finish_metadata(connection)
            connection.commit()


def _declared_geometry(name: str) -> str | None:
    """Return the geometry type the schema declares for a layer (None: not declared)."""
    table = TABLES.get(name)
    return table.geometry if table is not None else None


def _temporary_ids(connection: sqlite3.Connection, table: str, ids: np.ndarray) -> None:
    """Put row ids in a temporary table, for ``fid IN (SELECT id FROM table)``."""
    connection.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
    connection.executemany(
        f"INSERT OR IGNORE INTO {table} VALUES (?)", ((int(i),) for i in ids.tolist())
    )


def _author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return ""


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
    upgrading: bool = False,
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
        Seconds to wait for another writer; see :func:`gridgis.io.lock.lock_timeout`.
    upgrading : bool
        This session upgrades the store's layout (:mod:`gridgis.io.upgrade`);
        any other session refuses a project of an earlier layout.

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
    if not create and not upgrading and project_layout(path) < SCHEMA_VERSION:
        raise StoreError(
            f"{path.name} was made by an earlier gridgis; upgrade it first: gridgis upgrade {path}"
        )
    with project_lock(path, command=command, timeout=timeout):
        _remove_stale_sessions(path)
        session = session_folder(path)
        working = session / path.name
        writer: ProjectWriter | None = None
        try:
            os.mkdir(session, 0o700)
            if create:
                _create_schema(working, meta or {})
                version = 1
            else:
                project_layout(path)  # refuse files that are not projects
                shutil.copyfile(path, working)
                with contextlib.closing(gpkg.connect(working)) as connection:
                    newest = connection.execute("SELECT max(id) FROM versions").fetchone()[0]
                version = int(newest or 0) + 1
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
            # An interrupt landing here would leave the session folder (enterprise
            # data) behind, so it waits until the folder is gone.
            with uninterrupted():
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
    if for_writing:
        check_writable(Path(path))
    return ProjectReader(path)


def project_layout(path: Path) -> int:
    """Return the store layout (``schema_version``) of a project file.

    Raises
    ------
    StoreError
        If the file is not a GeoPackage, or not a gridgis project, or was
        written by a newer gridgis.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"project {path} does not exist; create it with 'gridgis init'")
    try:
        # Read-only: looking must never create or change a file.
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            if not (
                gpkg.has_table(connection, "versions")
                and gpkg.has_table(connection, "project_meta")
            ):
                raise StoreError(f"{path} is a GeoPackage but not a gridgis project")
            row = connection.execute(
                "SELECT value FROM project_meta WHERE key = 'schema_version'"
            ).fetchone()
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a GeoPackage ({error})") from error
    layout = int(row[0]) if row else 1
    if layout > SCHEMA_VERSION:
        raise StoreError(
            f"{path.name} was written by a newer gridgis (store layout {layout}); this one reads "
            f"layouts up to {SCHEMA_VERSION}: install the newer gridgis"
        )
    return layout


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, read in blocks (a ledger may be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
