"""Enterprises → territorial grids: every ledger row placed, or a reason why not.

:class:`TerritorialAssigner` combines the spatial join
(:mod:`gridgis.assign.locator`) with the address fallback
(:mod:`gridgis.assign.address`) and says, for each row, which grid it is in,
how that was decided, and whether the row's declared village agrees with
its point. :func:`mismatch_report` lists the rows where it does not.

Every function here is pure and works on one chunk of a ledger at a time, so
``gridgis assign`` can stream ledgers larger than memory: build a
:class:`TerritorialAssigner` once from the grids and admin units, then call
:meth:`TerritorialAssigner.assign` on each chunk. Nothing is read or written
here; the project store and the CLI sit at the edges.

Outcomes
--------
- A row with a point goes to the grid that covers it (method ``spatial``;
  shared edges follow the boundary rule of :mod:`gridgis.assign.locator`).
- A point outside every grid is never moved into its declared village: the
  row is left unplaced (``outside_grids``) and the reason says where the
  point is, so the county fixes the coordinates.
- A row without a usable point is matched to a village by its names and
  address. If that village has one grid, the row goes there (method
  ``address``); otherwise it is flagged ``needs_coordinates`` with the
  candidate grids listed.

Conservation
------------
Every input row gets exactly one outcome: a ``grid_code`` (method ``spatial``
or ``address``) or a ``reason`` (with a machine-readable ``reason_code``),
never both, never neither.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgis.assign.address import AddressMatcher
from gridgis.assign.locator import PointLocator, placement_grids
from gridgis.crs import gauss_kruger_crs
from gridgis.errors import CRSError, InputDataError

logger = logging.getLogger(__name__)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "MISMATCH_COLUMNS",
    "TerritorialAssigner",
    "assign_territorial",
    "mismatch_report",
]

#: Columns of :meth:`TerritorialAssigner.assign`'s result, in order.
ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "method",
    "reason_code",
    "reason",
    "located_village",
    "declared_village",
    "declared_how",
    "candidates",
    "mismatch",
)
#: Columns of :func:`mismatch_report`'s result, in order.
MISMATCH_COLUMNS: tuple[str, ...] = (
    "row",
    "name",
    "lon",
    "lat",
    "grid_code",
    "declared_village",
    "declared_village_name",
    "located_village",
    "located_village_name",
    "distance_m",
)
# Points farther than this (degrees) from every village are reported as "more
# than ... km" from the county rather than measured.
_NEAR_COUNTY_DEG = 0.1


def _check_degrees(frame: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a frame not in geographic degrees (CGCS2000, or WGS-84 treated as it)."""
    if frame.crs is None:
        raise CRSError(f"{what} have no CRS; expected CGCS2000 degrees (EPSG:4490)")
    if not frame.crs.is_geographic or frame.crs.to_epsg() not in (4490, 4326):
        raise CRSError(
            f"{what} are in {frame.crs.name} but enterprise coordinates are CGCS2000 "
            "degrees (EPSG:4490); reproject the grids first"
        )


@dataclass(frozen=True)
class _Outcome:
    """Result arrays for one chunk, before they become a DataFrame."""

    grid_code: np.ndarray
    method: np.ndarray
    reason_code: np.ndarray
    reason: np.ndarray
    located_village: np.ndarray
    declared_village: np.ndarray
    declared_how: np.ndarray
    candidates: np.ndarray
    mismatch: np.ndarray


class TerritorialAssigner:
    """Place enterprises in territorial grids, chunk by chunk.

    Build it once from the grids and admin units (this builds the spatial
    index and the name tables), then call :meth:`assign` on each chunk.

    Parameters
    ----------
    grids : GeoDataFrame
        ``grid_code``, ``admin_code`` (the village code) and Polygon geometry
        in CGCS2000 degrees: the project's grids layer (base grids are picked
        by :func:`gridgis.assign.locator.placement_grids`) or base grids alone.
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level``, ``parent_code`` and geometry in
        CGCS2000 degrees.
    threads : int, optional
        Worker threads for the spatial join (default up to 2).

    Raises
    ------
    InputDataError
        If a required column is missing.
    CRSError
        If the grids or admin units are not in geographic degrees.
    """

    def __init__(
        self,
        grids: gpd.GeoDataFrame,
        admin_units: gpd.GeoDataFrame,
        *,
        threads: int | None = None,
    ) -> None:
        missing = {"grid_code", "admin_code"} - set(grids.columns)
        if missing:
            raise InputDataError(f"grids lack the columns {', '.join(sorted(missing))}")
        _check_degrees(grids, "the grids")
        _check_degrees(admin_units, "the admin units")
        chosen = placement_grids(grids)
        self.grids = chosen
        self._grid_codes = chosen["grid_code"].astype(object).to_numpy()
        self._grid_villages = chosen["admin_code"].astype(object).to_numpy()
        self.locator = PointLocator(
            chosen.geometry.to_numpy(), keys=self._grid_codes, threads=threads
        )
        self.matcher = AddressMatcher(admin_units)
        grids_of_village: dict[str, list[str]] = {}
        for village, code in zip(self._grid_villages, self._grid_codes, strict=True):
            grids_of_village.setdefault(village, []).append(code)
        self._grids_of_village = {v: sorted(c) for v, c in grids_of_village.items()}
        villages = admin_units[admin_units["level"] == "village"]
        self._village_codes = villages["code"].astype(object).to_numpy()
        self._village_position = {code: i for i, code in enumerate(self._village_codes)}
        self._village_geometries = villages.geometry.to_numpy()
        self._village_tree = shapely.STRtree(self._village_geometries)
        # Distances in the "outside" reasons are measured in the county's
        # Gauss-Krueger zone (docs/domain.md, "Coordinate systems": a 3-degree
        # zone for local work).
        bounds = admin_units.total_bounds if len(admin_units) else chosen.total_bounds
        centre = (bounds[0] + bounds[2]) / 2 if np.isfinite(bounds).all() else 105.0
        self._to_metric = pyproj.Transformer.from_crs(
            admin_units.crs, gauss_kruger_crs(centre), always_xy=True
        )
        self._metric_villages: np.ndarray | None = None
        logger.debug(
            "assigner: %d placement grids in %d villages", len(chosen), len(self._grids_of_village)
        )

    # Pieces ---------------------------------------------------------------

    def _village_label(self, code: str) -> str:
        name = self.matcher.village_names.get(code)
        return f"{name} ({code})" if name else code

    def _metric_village_geometries(self) -> np.ndarray:
        """Return the villages in metres, projected the first time a reason needs them."""
        if self._metric_villages is None:
            self._metric_villages = shapely.transform(
                self._village_geometries,
                lambda xy: np.column_stack(self._to_metric.transform(xy[:, 0], xy[:, 1])),
            )
        return self._metric_villages

    def _outside_reasons(self, lon: np.ndarray, lat: np.ndarray, declared: np.ndarray) -> list[str]:
        """Say where each point outside every grid is, and what its row declared."""
        count = len(lon)
        points = shapely.points(lon, lat)
        holder = np.full(count, -1, dtype=np.int64)
        county_metres = np.full(count, np.nan)
        declared_metres = np.full(count, np.nan)
        if len(self._village_geometries):
            point_index, village_index = self._village_tree.query(points, predicate="intersects")
            order = np.lexsort((village_index, point_index))
            point_index, village_index = point_index[order], village_index[order]
            first = np.r_[True, point_index[1:] != point_index[:-1]][: len(point_index)]
            holder[point_index[first]] = village_index[first]
            metric_villages = self._metric_village_geometries()
            metric_points = shapely.points(*self._to_metric.transform(lon, lat))
            # A bounded search: an unbounded nearest search from far-away
            # points (swapped or garbage coordinates) costs ~50 µs a point.
            nearest_point, nearest_village = self._village_tree.query_nearest(
                points, all_matches=False, max_distance=_NEAR_COUNTY_DEG
            )
            county_metres[nearest_point] = shapely.distance(
                metric_points[nearest_point], metric_villages[nearest_village]
            )
            position = np.array(
                [self._village_position.get(code, -1) if code else -1 for code in declared],
                dtype=np.int64,
            )
            known = position >= 0
            declared_metres[known] = shapely.distance(
                metric_points[known], metric_villages[position[known]]
            )
        # The text is built per row, but only for the few rows outside.
        reasons = []
        for i in range(count):
            where = f"坐标 ({lon[i]:.6f}, {lat[i]:.6f}) 不在任何网格内"
            if holder[i] >= 0:
                village = str(self._village_codes[holder[i]])
                where += f"：位于{self._village_label(village)}，该村尚无网格"
            elif np.isfinite(county_metres[i]):
                where += f"（在县界外，距县界 {county_metres[i]:,.0f} 米）"
            else:
                # 0.1 degree of longitude is the shorter one: 111.32 km x cos(lat).
                km = _NEAR_COUNTY_DEG * 111.32 * math.cos(math.radians(min(abs(lat[i]), 89.0)))
                where += f"（在县界外，距县界超过 {km:.0f} 公里）"
            if declared[i] is None:
                reasons.append(where + "；未填所属村；请更正坐标")
                continue
            distance = (
                f"，相距 {declared_metres[i]:,.0f} 米" if np.isfinite(declared_metres[i]) else ""
            )
            reasons.append(
                f"{where}；所填村为{self._village_label(declared[i])}{distance}；请更正坐标"
            )
        return reasons

    def _no_coordinates_outcome(
        self, declared: str | None, unusable: bool
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """Return (grid_code, reason_code, reason, candidates) for a row without a point."""
        prefix = "坐标无效" if unusable else "无坐标"
        if declared is None:
            return (None, "no_village_match", f"{prefix}，名称和地址匹配不到村", None)
        codes = self._grids_of_village.get(declared, [])
        label = self._village_label(declared)
        if len(codes) == 1:
            return codes[0], None, None, None
        if not codes:
            return (None, "village_without_grid", f"{prefix}；{label}尚无网格", None)
        return (
            None,
            "needs_coordinates",
            f"需补坐标：{label}有 {len(codes)} 个网格：" + "、".join(codes),
            " ".join(codes),
        )

    def _outcome(self, enterprises: pd.DataFrame) -> _Outcome:
        count = len(enterprises)
        lon = pd.to_numeric(enterprises["lon"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        lat = pd.to_numeric(enterprises["lat"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        has_point = np.isfinite(lon) & np.isfinite(lat)
        position = self.locator.locate(lon, lat)
        placed = position >= 0
        # Declared villages: names only for rows with a point (fast on millions
        # of rows); the address text too for rows that need it to be placed.
        declared, declared_how, matched = self.matcher.match_arrays(
            enterprises, use_address=~has_point
        )

        empty = np.full(count, None, dtype=object)
        grid_code, method, reason_code = empty.copy(), empty.copy(), empty.copy()
        reason, located, candidates = empty.copy(), empty.copy(), empty.copy()

        grid_code[placed] = self._grid_codes[position[placed]]
        method[placed] = "spatial"
        located[placed] = self._grid_villages[position[placed]]
        mismatch = placed & matched & (declared != located)

        outside = np.flatnonzero(has_point & ~placed)
        if len(outside):
            reason_code[outside] = "outside_grids"
            reason[outside] = self._outside_reasons(lon[outside], lat[outside], declared[outside])
        missing = np.flatnonzero(~has_point)
        if len(missing):
            # Work out each distinct (declared village, unusable) pair once:
            # a ledger without coordinates repeats the same few villages.
            unusable = self._unusable_coordinates(enterprises)[missing]
            village_id, villages = pd.factorize(declared[missing], use_na_sentinel=True)
            key = (village_id.astype(np.int64) + 1) * 2 + unusable
            distinct, inverse = np.unique(key, return_inverse=True)
            outcomes = [
                self._no_coordinates_outcome(
                    villages[k // 2 - 1] if k // 2 > 0 else None, bool(k % 2)
                )
                for k in distinct
            ]
            table = np.array(outcomes, dtype=object).reshape(len(distinct), 4)[inverse]
            by_address = np.array([o[0] is not None for o in outcomes], dtype=bool)[inverse]
            grid_code[missing] = table[:, 0]
            method[missing[by_address]] = "address"
            reason_code[missing] = table[:, 1]
            reason[missing] = table[:, 2]
            candidates[missing] = table[:, 3]
        return _Outcome(
            grid_code,
            method,
            reason_code,
            reason,
            located,
            declared,
            declared_how,
            candidates,
            mismatch,
        )

    @staticmethod
    def _unusable_coordinates(enterprises: pd.DataFrame) -> np.ndarray:
        """Flag rows whose ledger numbers could not be used as a position."""
        if {"lon_input", "lat_input"} <= set(enterprises.columns):
            return (enterprises["lon_input"].notna() | enterprises["lat_input"].notna()).to_numpy(
                dtype=bool, na_value=False
            )
        return np.zeros(len(enterprises), dtype=bool)

    # Public ---------------------------------------------------------------

    def assign(self, enterprises: pd.DataFrame) -> pd.DataFrame:
        """Place one chunk of enterprises; see :func:`assign_territorial`.

        Parameters
        ----------
        enterprises : DataFrame
            ``lon``, ``lat`` (CGCS2000 degrees, NaN when missing), and
            optionally ``township``, ``village``, ``address``.

        Returns
        -------
        DataFrame
            :data:`ASSIGNMENT_COLUMNS`, one row per input row, same index.
        """
        missing = {"lon", "lat"} - set(enterprises.columns)
        if missing:
            raise InputDataError(f"enterprises lack the columns {', '.join(sorted(missing))}")
        outcome = self._outcome(enterprises)
        # Text columns stay object arrays of str/None: pandas' str dtype costs
        # about 0.3 s per column per million rows to build, which streaming
        # assignment of large ledgers cannot afford.
        columns = {
            name: pd.Series(getattr(outcome, name), index=enterprises.index, dtype=object)
            for name in ASSIGNMENT_COLUMNS
            if name != "mismatch"
        }
        columns["mismatch"] = pd.Series(outcome.mismatch.astype(bool), index=enterprises.index)
        result = pd.DataFrame(columns, index=enterprises.index)
        return result[list(ASSIGNMENT_COLUMNS)]


def assign_territorial(
    enterprises: pd.DataFrame,
    grids: gpd.GeoDataFrame,
    admin_units: gpd.GeoDataFrame,
    *,
    threads: int | None = None,
) -> pd.DataFrame:
    """Place every enterprise in one territorial grid, or say why it cannot be placed.

    - A row with a point goes to the grid that covers it (method
      ``spatial``; the boundary rule of :mod:`gridgis.assign.locator` decides
      shared edges). ``mismatch`` is True when the declared village (from the
      township and village names) differs from the grid's village.
    - A row with a point outside every grid is left unplaced
      (``outside_grids``), even when it declares a village: the reason says
      where the point is and what was declared, so the county fixes the
      coordinates.
    - A row without a usable point is matched to a village by its names or
      address (:func:`gridgis.assign.address.match_addresses`). A village with one grid takes it
      (method ``address``); a village with several is flagged
      ``needs_coordinates`` with the grids in ``candidates``.

    For ledgers larger than memory, build a :class:`TerritorialAssigner` once
    and call its ``assign`` on each chunk; the result is the same.

    Parameters
    ----------
    enterprises : DataFrame
        Ledger rows as :func:`gridgis.io.ledger.read_ledger` gives them:
        ``lon``, ``lat`` in CGCS2000 degrees (NaN when missing), ``township``,
        ``village``, ``address``.
    grids : GeoDataFrame
        The grids layer or base grids: ``grid_code``, ``admin_code``,
        Polygon geometry in CGCS2000 degrees.
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level``, ``parent_code``, geometry.
    threads : int, optional
        Worker threads for the spatial join (default up to 2).

    Returns
    -------
    DataFrame
        One row per input row, same index and order:

        - ``grid_code``: the grid, or missing;
        - ``method``: ``spatial`` or ``address``, or missing;
        - ``reason_code``: a key of :data:`REASON_LABELS` when unplaced;
        - ``reason``: why unplaced, in words, naming villages and grids;
        - ``located_village``: village code of the grid the point falls in;
        - ``declared_village``: village code matched from the names;
        - ``declared_how``: how it was matched
          (:data:`gridgis.assign.address.MATCH_METHODS`);
        - ``candidates``: space-separated grid codes, for ``needs_coordinates``;
        - ``mismatch``: declared village ≠ located village (bool).

    Raises
    ------
    InputDataError
        If a required column is missing.
    CRSError
        If the grids or admin units are not in CGCS2000 degrees.

    Examples
    --------
    >>> assigned = assign_territorial(ledger.enterprises, grids, units)  # doctest: +SKIP
    >>> assigned["grid_code"].notna().sum()  # doctest: +SKIP
    2997
    """
    return TerritorialAssigner(grids, admin_units, threads=threads).assign(enterprises)


def mismatch_report(
    assigned: pd.DataFrame, enterprises: pd.DataFrame, admin_units: gpd.GeoDataFrame
) -> pd.DataFrame:
    """List the rows whose declared village differs from the village their point is in.

    Parameters
    ----------
    assigned : DataFrame
        :func:`assign_territorial`'s result.
    enterprises : DataFrame
        The same rows (``lon``, ``lat``; ``row`` and ``name`` when present).
    admin_units : GeoDataFrame
        ``code``, ``name``, ``level`` and geometry in CGCS2000 degrees.

    Returns
    -------
    DataFrame
        :data:`MISMATCH_COLUMNS`, in input order: the row number and name,
        the point, the grid, both villages' codes and names, and
        ``distance_m``, the distance in metres from the point to the declared
        village (measured in the county's Gauss-Krueger zone).
    """
    _check_degrees(admin_units, "the admin units")
    flagged = assigned.index[assigned["mismatch"].to_numpy(dtype=bool)]
    rows = enterprises.loc[flagged]
    picked = assigned.loc[flagged]
    villages = admin_units[admin_units["level"] == "village"].set_index("code")
    names = villages["name"]
    declared = picked["declared_village"].astype(object)
    located = picked["located_village"].astype(object)
    lon = pd.to_numeric(rows["lon"], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(rows["lat"], errors="coerce").to_numpy(dtype=np.float64)
    distance = np.full(len(rows), np.nan)
    if len(rows):
        metric = gauss_kruger_crs(float(np.nanmean(lon)))
        points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=admin_units.crs).to_crs(metric)
        known = declared.isin(villages.index).to_numpy()
        shapes = gpd.GeoSeries(
            villages.geometry.reindex(declared[known]).to_numpy(), crs=admin_units.crs
        ).to_crs(metric)
        distance[known] = shapely.distance(points.to_numpy()[known], shapes.to_numpy())
    report = pd.DataFrame(
        {
            "row": rows["row"].to_numpy() if "row" in rows.columns else np.asarray(flagged),
            "name": rows["name"].astype(object).to_numpy()
            if "name" in rows.columns
            else np.full(len(rows), None, dtype=object),
            "lon": lon,
            "lat": lat,
            "grid_code": picked["grid_code"].to_numpy(),
            "declared_village": declared.to_numpy(),
            "declared_village_name": declared.map(names).to_numpy(),
            "located_village": located.to_numpy(),
            "located_village_name": located.map(names).to_numpy(),
            "distance_m": np.round(distance, 1),
        },
        index=flagged,
    )
    return report[list(MISMATCH_COLUMNS)]
