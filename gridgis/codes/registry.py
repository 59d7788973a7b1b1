"""The code registry: every grid code ever issued, its status and its lineage.

Codes are used in filings, statistics and event routing, so a re-division must
not renumber what it did not touch, and a code is never issued twice
(docs/design.md, "Code registry and re-division").

The registry is a table (:data:`REGISTRY_COLUMNS`) of every code ever issued:
its status (active or retired), the versions that issued and retired it, and
its lineage. :func:`recode_villages` gives the new base grids of divided
villages their codes and updates the registry; :func:`level_grid_rows` /
:func:`register_level_grids` and :func:`sector_sequences` /
:func:`register_sector_grids` do the same for level grids and county-level
sector grids. The functions take and return DataFrames; the project store
reads and writes the registry (:func:`registry_for_storage` orders and types
it).

Choices a maintainer must know:

* When a village is divided again, each new grid is compared with the
  village's current grids by **intersection over union** (IoU) of their
  areas, measured in metres in a Gauss-Krueger zone. A new grid whose IoU
  with an old grid is at least :data:`KEEP_IOU` (0.9) is "essentially
  unchanged" and keeps the old code. Because any IoU above 0.5 pairs a grid
  with at most one other, the rule is a one-to-one matching with no ties to
  break. 0.9 tolerates the small boundary shifts a re-balance makes (a grid
  gaining or losing a block of about a tenth of its area keeps its code)
  while a real split or merge (IoU at most about 0.5) always gets new codes.
* All other new grids get fresh sequence numbers, after every number the
  village has ever used, in reading order (west to east, then north to
  south; :mod:`gridgis.codes.allocate`). Old codes not kept are retired.
* An old and a new grid are linked in the lineage when their overlap is at
  least :data:`LINK_SHARE` (1 %) of the smaller of the two; retired codes
  record their successors and new codes their predecessors.
* This module needs pandas, geopandas and shapely; :mod:`gridgis.codes`
  loads it on first use of one of its names, so that reading and checking a
  code does not import them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.codes.allocate import next_sequences, reading_order
from gridgis.codes.gridcode import GridCode
from gridgis.codes.scheme import CodeScheme, default_scheme
from gridgis.crs import metric_crs_for
from gridgis.errors import CodeError

logger = logging.getLogger(__name__)

__all__ = [
    "KEEP_IOU",
    "LINK_SHARE",
    "REGISTRY_COLUMNS",
    "Redivision",
    "empty_registry",
    "level_grid_rows",
    "recode_villages",
    "redivide_village",
    "register_level_grids",
    "register_sector_grids",
    "registry_for_storage",
    "sector_sequences",
]

#: Least intersection over union for a new grid to keep an old grid's code.
KEEP_IOU = 0.9
#: Least overlap, as a share of the smaller grid, that links an old and a new
#: grid in the lineage.
LINK_SHARE = 0.01

REGISTRY_COLUMNS = [
    "grid_code",
    "kind",
    "level",
    "admin_code",
    "sequence",
    "status",
    "issued_version",
    "retired_version",
    "predecessors",
    "successors",
    "note",
]


def empty_registry() -> pd.DataFrame:
    """Return a registry with no codes."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in REGISTRY_COLUMNS})


@dataclass
class Redivision:
    """The coded grids of one village and the registry after a (re-)division."""

    grids: gpd.GeoDataFrame
    registry: pd.DataFrame
    kept: list[str]
    issued: list[str]
    retired: list[str]


def level_grid_rows(
    admin_units: gpd.GeoDataFrame, scheme: CodeScheme | None = None
) -> gpd.GeoDataFrame:
    """Return the level grids (county, township, village) of the admin units.

    Parameters
    ----------
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level`` and geometry.
    scheme : CodeScheme, optional
        Default: the bundled scheme.

    Returns
    -------
    GeoDataFrame
        Grid rows with ``grid_code``, ``kind`` (territorial), ``level``,
        ``admin_code``, ``name``, ``sequence`` (0) and geometry.
    """
    scheme = scheme or default_scheme()
    codes = [GridCode.for_level(code, scheme=scheme).format() for code in admin_units["code"]]
    return gpd.GeoDataFrame(
        {
            "grid_code": codes,
            "kind": "territorial",
            "level": admin_units["level"].to_numpy(),
            "admin_code": admin_units["code"].to_numpy(),
            "name": admin_units["name"].to_numpy(),
            "sequence": 0,
            "geometry": admin_units.geometry.to_numpy(),
        },
        crs=admin_units.crs,
    )


def register_level_grids(
    registry: pd.DataFrame, level_grids: gpd.GeoDataFrame, version: int
) -> pd.DataFrame:
    """Add level grid codes not yet in the registry."""
    new = level_grids[~level_grids["grid_code"].isin(registry["grid_code"])]
    if new.empty:
        return registry
    rows = pd.DataFrame(
        {
            "grid_code": new["grid_code"].to_numpy(),
            "kind": "level",
            "level": new["level"].to_numpy(),
            "admin_code": new["admin_code"].to_numpy(),
            "sequence": 0,
            "status": "active",
            "issued_version": version,
            "retired_version": None,
            "predecessors": "",
            "successors": "",
            "note": "level grid",
        }
    )
    return pd.concat([registry, rows], ignore_index=True) if len(registry) else rows


def redivide_village(
    village_code: str,
    village_name: str,
    new_grids: gpd.GeoDataFrame,
    current_grids: gpd.GeoDataFrame,
    registry: pd.DataFrame,
    *,
    version: int,
    scheme: CodeScheme | None = None,
) -> Redivision:
    """Give the new base grids of one village their codes; see :func:`recode_villages`."""
    return recode_villages(
        new_grids.assign(village_code=village_code),
        current_grids.assign(admin_code=village_code) if len(current_grids) else current_grids,
        registry,
        names={village_code: village_name},
        version=version,
        scheme=scheme,
    )


def recode_villages(
    new_grids: gpd.GeoDataFrame,
    current_grids: gpd.GeoDataFrame,
    registry: pd.DataFrame,
    *,
    names: dict[str, str],
    version: int,
    scheme: CodeScheme | None = None,
) -> Redivision:
    """Give the new base grids of divided villages their codes, keeping stable ones.

    All villages are handled in one pass: one spatial index matches new grids
    to the current grids of the same village, and the registry is updated
    once, so the cost grows with the number of grids, not with its square.

    Parameters
    ----------
    new_grids : GeoDataFrame
        The new base grids, with ``village_code`` and geometry in CGCS2000.
    current_grids : GeoDataFrame
        The current base grids of the same villages, with ``grid_code`` and
        ``admin_code`` (empty at the first division).
    registry : DataFrame
        The registry before this division.
    names : dict
        Village code → name, for grid names (红星村第3网格).
    version : int
        The project version being written.
    scheme : CodeScheme, optional
        Default: the bundled scheme.

    Returns
    -------
    Redivision
        ``grids`` is ``new_grids`` with ``grid_code``, ``kind``, ``level``,
        ``admin_code``, ``sequence`` and ``name`` added, ordered by code.
    """
    scheme = scheme or default_scheme()
    new_grids = new_grids.reset_index(drop=True)
    villages = new_grids["village_code"].astype(str).to_numpy()
    metric = metric_crs_for(new_grids)
    new_metric = new_grids.geometry.to_crs(metric).to_numpy()
    codes = np.full(len(new_grids), None, dtype=object)
    # Lineage links as (old code, position of the new grid): new codes come later.
    old_to_new: list[tuple[str, int]] = []
    current_grids = current_grids.reset_index(drop=True)
    current_codes = np.empty(0, dtype=object)
    if len(current_grids):
        current_codes = current_grids["grid_code"].astype(str).to_numpy()
        old_metric = current_grids.geometry.to_crs(metric).to_numpy()
        old_villages = current_grids["admin_code"].astype(str).to_numpy()
        keep_pairs, link_pairs = _match(old_metric, new_metric, old_villages, villages)
        for old, new in keep_pairs:
            codes[new] = current_codes[old]
        old_to_new = [(current_codes[old], new) for old, new in link_pairs]
    kept = [code for code in codes if code is not None]

    fresh = np.flatnonzero([code is None for code in codes])
    issued: list[str] = []
    if len(fresh):
        used = _used_sequences(registry)
        areas = shapely.area(new_metric)
        points = shapely.point_on_surface(new_metric[fresh])
        xs, ys = shapely.get_x(points), shapely.get_y(points)
        # A loop over villages: numbering is per village, each a few grids.
        for village in sorted(set(villages[fresh])):
            mine = np.flatnonzero(villages[fresh] == village)
            sequences = next_sequences(used.get(village, set()), len(mine), scheme)
            band = float(np.sqrt(np.median(areas[villages == village])))
            order = reading_order(xs[mine], ys[mine], band_height=band)
            for sequence, position in zip(sequences, fresh[mine[order]], strict=True):
                codes[position] = GridCode.base(village, sequence, scheme=scheme).format()
                issued.append(codes[position])

    links: list[tuple[str, str]] = [
        (old, codes[new]) for old, new in old_to_new if old != codes[new]
    ]
    retired = sorted(set(current_codes) - set(kept))
    registry = _update_registry(registry, codes, villages, links, issued, retired, version, scheme)
    sequences = [GridCode.parse(code, scheme).sequence for code in codes]
    coded = new_grids.assign(
        grid_code=codes,
        kind="territorial",
        level="base",
        admin_code=villages,
        sequence=sequences,
        name=[f"{names.get(v, v)}第{s}网格" for v, s in zip(villages, sequences, strict=True)],
    )
    coded = coded.sort_values("grid_code").reset_index(drop=True)
    return Redivision(
        gpd.GeoDataFrame(coded, crs=new_grids.crs), registry, sorted(kept), sorted(issued), retired
    )


def _match(
    old: np.ndarray, new: np.ndarray, old_villages: np.ndarray, new_villages: np.ndarray
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pair essentially unchanged grids (IoU ≥ KEEP_IOU) and list lineage links."""
    tree = shapely.STRtree(old)
    new_index, old_index = tree.query(new, predicate="intersects")
    same_village = old_villages[old_index] == new_villages[new_index]
    new_index, old_index = new_index[same_village], old_index[same_village]
    if not len(new_index):
        return [], []
    shared = shapely.area(shapely.intersection(old[old_index], new[new_index]))
    old_area, new_area = shapely.area(old[old_index]), shapely.area(new[new_index])
    iou = shared / (old_area + new_area - shared)
    keep = iou >= KEEP_IOU
    linked = shared >= LINK_SHARE * np.minimum(old_area, new_area)
    keep_pairs = sorted(zip(old_index[keep].tolist(), new_index[keep].tolist(), strict=True))
    links = sorted(zip(old_index[linked].tolist(), new_index[linked].tolist(), strict=True))
    return keep_pairs, links


def _used_sequences(registry: pd.DataFrame) -> dict[str, set[int]]:
    """Every base sequence ever issued, per village (retired ones included)."""
    if registry.empty:
        return {}
    base = registry[registry["level"] == "base"]
    used: dict[str, set[int]] = {}
    for village, sequence in zip(base["admin_code"], base["sequence"], strict=True):
        used.setdefault(str(village), set()).add(int(sequence))
    return used


def _update_registry(
    registry: pd.DataFrame,
    codes: np.ndarray,
    villages: np.ndarray,
    links: list[tuple[str, str]],
    issued: list[str],
    retired: list[str],
    version: int,
    scheme: CodeScheme,
) -> pd.DataFrame:
    registry = registry.copy() if len(registry) else empty_registry()
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for old_code, new_code in links:
        successors.setdefault(old_code, []).append(new_code)
        predecessors.setdefault(new_code, []).append(old_code)

    retiring = registry["grid_code"].isin(retired)
    registry.loc[retiring, "status"] = "retired"
    registry.loc[retiring, "retired_version"] = version
    registry.loc[retiring, "successors"] = registry.loc[retiring, "grid_code"].map(
        lambda code: " ".join(sorted(set(successors.get(code, []))))
    )
    village_of = dict(zip(codes, villages, strict=True))
    rows = pd.DataFrame(
        {
            "grid_code": issued,
            "kind": "base",
            "level": "base",
            "admin_code": [village_of[code] for code in issued],
            "sequence": [GridCode.parse(code, scheme).sequence for code in issued],
            "status": "active",
            "issued_version": version,
            "retired_version": None,
            "predecessors": [" ".join(sorted(set(predecessors.get(code, [])))) for code in issued],
            "successors": "",
            "note": "",
        }
    )
    if rows.empty:
        return registry
    return pd.concat([registry, rows], ignore_index=True) if len(registry) else rows


def registry_for_storage(registry: pd.DataFrame) -> pd.DataFrame:
    """Order and type the registry for the project store."""
    frame = registry[REGISTRY_COLUMNS].copy()
    for column in ("sequence", "issued_version", "retired_version"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame.sort_values("grid_code").reset_index(drop=True)


def sector_sequences(registry: pd.DataFrame, county_code: str) -> dict[int, set[int]]:
    """Return, per department, every county-level sector sequence ever issued."""
    if registry.empty:
        return {}
    mine = registry[(registry["kind"] == "sector") & (registry["admin_code"] == county_code)]
    used: dict[int, set[int]] = {}
    for code in mine["grid_code"]:
        parsed = GridCode.parse(str(code))
        if parsed.department is None:
            raise CodeError(
                f"code registry: {code} is recorded as a sector grid, "
                f"but it is a {parsed.kind} grid code"
            )
        used.setdefault(parsed.department, set()).add(parsed.sequence)
    return used


def register_sector_grids(
    registry: pd.DataFrame,
    sector_grids: gpd.GeoDataFrame,
    previous: gpd.GeoDataFrame,
    *,
    version: int,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Record new sector grid codes and retire those whose department has no units left.

    Returns
    -------
    (DataFrame, list of str, list of str)
        The registry, the codes issued, and the codes retired.
    """
    registry = registry.copy() if len(registry) else empty_registry()
    issued = sorted(set(sector_grids["grid_code"]) - set(registry["grid_code"]))
    retired = sorted(set(previous.get("grid_code", [])) - set(sector_grids["grid_code"]))
    retiring = registry["grid_code"].isin(retired)
    registry.loc[retiring, "status"] = "retired"
    registry.loc[retiring, "retired_version"] = version
    new = sector_grids[sector_grids["grid_code"].isin(issued)]
    rows = pd.DataFrame(
        {
            "grid_code": new["grid_code"].to_numpy(),
            "kind": "sector",
            "level": "county",
            "admin_code": new["admin_code"].to_numpy(),
            "sequence": [GridCode.parse(code).sequence for code in new["grid_code"]],
            "status": "active",
            "issued_version": version,
            "retired_version": None,
            "predecessors": "",
            "successors": "",
            "note": new["name"].to_numpy(),
        }
    )
    if len(rows):
        registry = pd.concat([registry, rows], ignore_index=True) if len(registry) else rows
    return registry, issued, retired
