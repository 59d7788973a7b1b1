"""The code registry: every grid code ever issued, its status and its lineage.

Codes are used in filings, statistics and event routing, so a re-division must
not renumber what it did not touch, and a code is never issued twice.

When a village is divided again, each new grid is compared with the village's
current grids by **intersection over union** (IoU) of their areas, measured in
metres in a Gauss-Krueger zone. A new grid whose IoU with an old grid is at
least :data:`KEEP_IOU` (0.9) is "essentially unchanged" and keeps the old code.
Because any IoU above 0.5 pairs a grid with at most one other, the rule is a
one-to-one matching with no ties to break. 0.9 tolerates the small boundary
shifts a re-balance makes (a grid gaining or losing a block of about a tenth of
its area keeps its code) while a real split or merge (IoU at most about 0.5)
always gets new codes.

All other new grids get fresh sequence numbers, after every number the village
has ever used, in reading order (west to east, then north to south). Old codes
not kept are retired. An old and a new grid are linked in the lineage when
their overlap is at least :data:`LINK_SHARE` (1 %) of the smaller of the two;
retired codes record their successors and new codes their predecessors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.codes import CodeScheme, GridCode, default_scheme, next_sequences, reading_order
from gridgis.crs import metric_crs_for

logger = logging.getLogger(__name__)

KEEP_IOU = 0.9
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
    """Give the new base grids of one village their codes, keeping stable ones.

    Parameters
    ----------
    village_code : str
        The 12-digit village code.
    village_name : str
        For grid names (红星村第3网格).
    new_grids : GeoDataFrame
        The village's new base grids (any columns, geometry in CGCS2000).
    current_grids : GeoDataFrame
        The village's current base grids with ``grid_code`` (empty at the
        first division).
    registry : DataFrame
        The registry before this division.
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
    metric = metric_crs_for(new_grids)
    new_metric = new_grids.geometry.to_crs(metric).to_numpy()
    codes = np.full(len(new_grids), None, dtype=object)
    links: list[tuple[int, int]] = []
    current_grids = current_grids.reset_index(drop=True)
    if len(current_grids):
        old_metric = current_grids.geometry.to_crs(metric).to_numpy()
        keep_pairs, links = _match(old_metric, new_metric)
        for old, new in keep_pairs:
            codes[new] = current_grids["grid_code"].iat[old]
    kept = [code for code in codes if code is not None]

    fresh = np.flatnonzero([code is None for code in codes])
    issued: list[str] = []
    if len(fresh):
        used = _used_sequences(registry, village_code)
        sequences = next_sequences(used, len(fresh), scheme)
        points = shapely.point_on_surface(new_metric[fresh])
        band = float(np.sqrt(np.median(shapely.area(new_metric))))
        order = reading_order(shapely.get_x(points), shapely.get_y(points), band_height=band)
        for sequence, position in zip(sequences, fresh[order], strict=True):
            codes[position] = GridCode.base(village_code, sequence, scheme=scheme).format()
            issued.append(codes[position])

    retired = sorted(set(current_grids.get("grid_code", pd.Series(dtype=object))) - set(kept))
    registry = _update_registry(
        registry, village_code, codes, current_grids, links, issued, retired, version
    )
    sequences = [GridCode.parse(code, scheme).sequence for code in codes]
    coded = new_grids.assign(
        grid_code=codes,
        kind="territorial",
        level="base",
        admin_code=village_code,
        sequence=sequences,
        name=[f"{village_name}第{s}网格" for s in sequences],
    )
    coded = coded.sort_values("grid_code").reset_index(drop=True)
    return Redivision(
        gpd.GeoDataFrame(coded, crs=new_grids.crs), registry, sorted(kept), sorted(issued), retired
    )


def _match(old: np.ndarray, new: np.ndarray) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Pair essentially unchanged grids (IoU ≥ KEEP_IOU) and list lineage links."""
    tree = shapely.STRtree(old)
    new_index, old_index = tree.query(new, predicate="intersects")
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


def _used_sequences(registry: pd.DataFrame, village_code: str) -> set[int]:
    if registry.empty:
        return set()
    mine = registry[(registry["admin_code"] == village_code) & (registry["level"] == "base")]
    return {int(sequence) for sequence in mine["sequence"]}


def _update_registry(
    registry: pd.DataFrame,
    village_code: str,
    codes: np.ndarray,
    current: pd.DataFrame,
    links: list[tuple[int, int]],
    issued: list[str],
    retired: list[str],
    version: int,
) -> pd.DataFrame:
    registry = registry.copy() if len(registry) else empty_registry()
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for old, new in links:
        old_code, new_code = current["grid_code"].iat[old], codes[new]
        if old_code == new_code:
            continue
        successors.setdefault(old_code, []).append(new_code)
        predecessors.setdefault(new_code, []).append(old_code)

    retiring = registry["grid_code"].isin(retired)
    registry.loc[retiring, "status"] = "retired"
    registry.loc[retiring, "retired_version"] = version
    registry.loc[retiring, "successors"] = registry.loc[retiring, "grid_code"].map(
        lambda code: " ".join(sorted(set(successors.get(code, []))))
    )
    rows = pd.DataFrame(
        {
            "grid_code": issued,
            "kind": "base",
            "level": "base",
            "admin_code": village_code,
            "sequence": [int(code[12:15]) for code in issued],
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
        used.setdefault(int(parsed.department), set()).add(parsed.sequence)
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
