"""Enterprises as the project stores them: stable identifiers and the layer's columns.

A ledger row becomes one row of the ``enterprises`` layer. Its key,
``enterprise_id``, must stay the same when a newer ledger is imported, so that
the import can say which enterprises are new, changed or gone:

- a valid USCC is the id (统一社会信用代码 is unique per legal entity);
- a later copy of a USCC already seen in the same ledger gets ``USCC#row``
  (both copies are kept and reported as duplicates, never merged);
- a row without a valid USCC gets ``N-`` plus a hash of its name, township
  and village (``#row`` is added if two such rows collide).

Ledger row numbers are not part of the layer: inserting a row at the top of
a ledger would otherwise "change" every enterprise below it. They live in the
import's problem table, which is what a user fixes the ledger from.
"""

from __future__ import annotations

import hashlib
import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgis.crs import CGCS2000
from gridgis.io.ledger import LEDGER_COLUMNS

logger = logging.getLogger(__name__)

#: Ledger columns that describe where a row sits in the file, not the enterprise.
POSITION_COLUMNS = ("row", "source_row", "source_sheet")


class EnterpriseIds:
    """Give ledger rows their stable ``enterprise_id``, chunk after chunk.

    Only rows without a valid USCC are remembered between chunks (to make
    their hashed ids unique), which keeps memory small for large ledgers.
    """

    def __init__(self) -> None:
        self._hashed: set[str] = set()

    def __call__(self, chunk: pd.DataFrame) -> pd.Series:
        """Return the ids of one chunk of normalised ledger rows."""
        uscc = chunk["uscc"].astype(object).where(chunk["uscc"].notna(), None)
        valid = chunk["uscc_valid"].fillna(False).astype(bool).to_numpy()
        duplicate = chunk["uscc_duplicate"].fillna(False).astype(bool).to_numpy()
        rows = chunk["row"].astype("int64").astype(str).to_numpy()
        ids = np.empty(len(chunk), dtype=object)
        plain = valid & ~duplicate
        ids[plain] = uscc.to_numpy()[plain]
        later_copy = valid & duplicate
        ids[later_copy] = uscc.to_numpy()[later_copy] + "#" + rows[later_copy]
        # Rows without a valid code: a hash of what identifies them on the ground.
        # A loop, but only over these rows, which are few in a real ledger.
        for position in np.flatnonzero(~valid):
            identity = "|".join(
                str(chunk[column].iat[position] or "") for column in ("name", "township", "village")
            )
            candidate = "N-" + hashlib.sha1(identity.encode("utf-8")).hexdigest()[:12]
            if candidate in self._hashed:
                candidate = f"{candidate}#{rows[position]}"
            self._hashed.add(candidate)
            ids[position] = candidate
        return pd.Series(ids, index=chunk.index, dtype=object)


def enterprise_rows(chunk: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Turn normalised ledger rows into the ``enterprises`` layer's attribute columns.

    Columns the ledger reader did not recognise are kept, as JSON text in
    ``extra``, so the layer's schema is the same for every ledger. The points
    are added by :func:`with_points`.

    Parameters
    ----------
    chunk : DataFrame
        Rows from :func:`gridgis.io.ledger.iter_ledger_chunks`.
    ids : Series
        Their ids from :class:`EnterpriseIds`.

    Returns
    -------
    DataFrame
    """
    known = [c for c in LEDGER_COLUMNS if c not in POSITION_COLUMNS]
    extra_columns = [c for c in chunk.columns if c not in LEDGER_COLUMNS]
    frame = pd.DataFrame(chunk[known]).copy()
    frame.insert(0, "enterprise_id", ids.to_numpy())
    if extra_columns:
        # pandas writes JSON lines in C; one json.dumps per row would be slow.
        lines = chunk[extra_columns].to_json(orient="records", lines=True, force_ascii=False)
        # Records end in "\n" (JSON escapes it inside strings); splitlines()
        # would also split at U+2028 or U+0085, which JSON leaves as they are.
        frame["extra"] = lines.split("\n")[: len(chunk)] if len(chunk) else []
    else:
        frame["extra"] = "{}"
    return frame.reset_index(drop=True)


def with_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add each row's point at (lon, lat) in CGCS2000 (none where either is missing)."""
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    geometry = gpd.points_from_xy(lon, lat, crs=CGCS2000)
    geometry[np.isnan(lon) | np.isnan(lat)] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CGCS2000)
