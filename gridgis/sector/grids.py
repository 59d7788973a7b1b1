"""Sector grids: one county-level sector grid per department with units, coded and drawn.

:func:`build_sector_grids` makes (or updates) one county-level sector grid
per department that has units, coded ``CCCCCC 000 9DD SSS``
(``GridCode.sector``; docs/design.md, "Sector grids and capacity").

Choices a maintainer must know:

* A department that already has a county-level sector grid **keeps its
  code**; only its geometry, load and unit count change. Otherwise the grid
  takes the smallest sequence the department never used in the county, from
  the code registry (codes are never reused).
* A county-level sector grid's **jurisdiction is the whole county**; its
  geometry only marks where its units are: the union of the 100 m cells
  (2 x :data:`UNIT_RADIUS_M`) of a metric raster that hold them, a
  MultiPolygon, so the grids layer keeps one polygonal geometry type in the
  GeoPackage and in QGIS. A department whose units fill more than
  :data:`MAX_SECTOR_CELLS` cells gets coarser cells, so its geometry stays
  drawable.
* Units without coordinates count in the load but draw nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.codes import CodeScheme, Department, GridCode, default_scheme, next_sequences
from gridgis.crs import CGCS2000, gauss_kruger_crs
from gridgis.errors import CodeError, InputDataError
from gridgis.sector.columns import require_columns
from gridgis.sector.rules import Rules, load_rules, risk_weights

logger = logging.getLogger(__name__)

__all__ = ["MAX_SECTOR_CELLS", "SECTOR_GRID_COLUMNS", "UNIT_RADIUS_M", "build_sector_grids"]

#: Half the side of the raster cell that marks a unit in a sector grid's
#: geometry, metres. A 100 m cell is about a factory site, and is still
#: visible at the county-wide zoom of the supervision map.
UNIT_RADIUS_M = 50.0
#: Most raster cells one sector grid's geometry is built from. A department
#: with more occupied cells gets cells twice as large, as often as needed:
#: the geometry stays drawable and its cost bounded (timings in
#: docs/performance.md).
MAX_SECTOR_CELLS = 20_000

SECTOR_GRID_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "kind",
    "level",
    "admin_code",
    "name",
    "sequence",
    "department",
    "load",
    "load_kind",
    "units",
    "geometry",
)


def build_sector_grids(
    units: pd.DataFrame,
    county_code: str,
    departments: Mapping[int, Department],
    existing_sector_grids: gpd.GeoDataFrame | None = None,
    registry_sequences: Mapping[int, Iterable[int]] | None = None,
    scheme: CodeScheme | None = None,
    *,
    rules: Rules | None = None,
    radius_m: float = UNIT_RADIUS_M,
) -> gpd.GeoDataFrame:
    """Create or update the county-level sector grids of the departments with units.

    Each department with units gets one county-level sector grid, coded
    ``GridCode.sector(county, department, sequence)`` (township part 000). A
    department that already has a county-level sector grid in the county keeps
    its code; only its geometry, load and unit count change. Otherwise the
    grid takes the smallest sequence the department never used in the county
    (codes are never reused).

    The grid's jurisdiction is the whole county. Its geometry only marks where
    its units are: the union of the raster cells (``2 * radius_m`` metres
    square, aligned in the county's 3-degree Gauss-Krueger zone) that hold
    them, stored in CGCS2000
    as a MultiPolygon, so the grids layer stays polygonal. Units without
    coordinates count in the load but draw nothing; a grid none of whose units
    has coordinates has an empty geometry.

    Parameters
    ----------
    units : DataFrame
        The units sent to sector grids: ``enterprise_id``, ``department``,
        ``lon`` and ``lat`` (CGCS2000 degrees), and ``weight`` or ``risk``
        for the load.
    county_code : str
        The county (6 digits in the default scheme).
    departments : Mapping
        Department number -> :class:`~gridgis.codes.Department`, for names.
    existing_sector_grids : GeoDataFrame, optional
        The project's current sector grids (``grid_code`` at least).
    registry_sequences : Mapping, optional
        Department number -> every sequence ever issued to its county-level
        sector grids in this county (from the code registry), retired included.
    scheme : CodeScheme, optional
        Default: :func:`~gridgis.codes.default_scheme`.
    rules : Rules, optional
        For risk weights when ``units`` has no ``weight`` column. Default:
        :func:`load_rules`.
    radius_m : float, optional
        Half the side of each unit's raster cell, metres. Default
        :data:`UNIT_RADIUS_M`.

    Returns
    -------
    GeoDataFrame
        EPSG:4490, one row per department with units, ordered by code, columns
        :data:`SECTOR_GRID_COLUMNS`: ``kind`` "sector", ``level`` "county",
        ``admin_code`` the county, ``name`` such as "县应急管理局行业专属网格",
        ``load`` (sum of risk weights), ``load_kind`` "risk_weight", ``units``.

    Raises
    ------
    InputDataError
        If a column is missing or a unit has no or an unknown department.
    CodeError
        If the county is unknown or a department has no sequence left.

    Examples
    --------
    >>> import pandas as pd
    >>> from gridgis.codes import default_scheme
    >>> units = pd.DataFrame({"enterprise_id": [1, 2], "department": [1, 1],
    ...                       "lon": [106.30, 106.31], "lat": [38.60, 38.61],
    ...                       "risk": ["重大", "较大"]})
    >>> grids = build_sector_grids(units, "640122", default_scheme().departments)
    >>> grids[["grid_code", "name", "load", "units"]].values.tolist()
    [['640122000901001X', '县应急管理局行业专属网格', 12.0, 2]]
    """
    scheme = scheme or default_scheme()
    require_columns(units, ("enterprise_id", "department", "lon", "lat"), "build sector grids")
    scheme.county_name(county_code)  # raises CodeError for an unknown county
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be a positive number, not {radius_m!r}")
    department = pd.to_numeric(units["department"], errors="coerce").astype("Int64")
    bad = department.isna() | ~department.isin(list(departments))
    if bad.any():
        shown = units.loc[bad, "enterprise_id"].head(5).tolist()
        raise InputDataError(
            f"cannot build sector grids: {int(bad.sum())} unit(s) have no or an unknown "
            f"department (enterprise_id {', '.join(map(str, shown))})"
        )
    if "weight" in units.columns:
        weight = pd.to_numeric(units["weight"], errors="coerce").astype("float64")
    elif "risk" in units.columns:
        weight = risk_weights(units["risk"], rules or load_rules())
    else:
        raise InputDataError("cannot build sector grids: units need a weight or a risk column")

    frame = pd.DataFrame(
        {
            "department": department.astype("int64").to_numpy(),
            "weight": weight.to_numpy(),
            "lon": pd.to_numeric(units["lon"], errors="coerce").to_numpy(dtype=float),
            "lat": pd.to_numeric(units["lat"], errors="coerce").to_numpy(dtype=float),
        }
    )
    summary = frame.groupby("department", sort=True).agg(
        load=("weight", "sum"), units=("weight", "size")
    )
    codes = _sector_codes(
        list(summary.index), county_code, existing_sector_grids, registry_sequences, scheme
    )
    geometry = _unit_cells(frame, list(summary.index), radius_m)
    grids = gpd.GeoDataFrame(
        {
            "grid_code": pd.array([codes[n].format() for n in summary.index], dtype="str"),
            "kind": "sector",
            "level": "county",
            "admin_code": county_code,
            "name": pd.array(
                [f"{departments[n].name}行业专属网格" for n in summary.index], dtype="str"
            ),
            "sequence": np.array([codes[n].sequence for n in summary.index], dtype="int64"),
            "department": summary.index.to_numpy(dtype="int64"),
            "load": summary["load"].to_numpy(dtype="float64"),
            "load_kind": "risk_weight",
            "units": summary["units"].to_numpy(dtype="int64"),
        },
        geometry=gpd.GeoSeries(geometry, crs=CGCS2000).to_numpy(),
        crs=CGCS2000,
    )
    return grids.sort_values("grid_code").reset_index(drop=True)[list(SECTOR_GRID_COLUMNS)]


def _sector_codes(
    numbers: list[int],
    county_code: str,
    existing: gpd.GeoDataFrame | None,
    registry_sequences: Mapping[int, Iterable[int]] | None,
    scheme: CodeScheme,
) -> dict[int, GridCode]:
    """Keep each department's county-level sector grid code, or issue a fresh one."""
    current: dict[int, list[GridCode]] = {}
    if existing is not None and len(existing):
        if "grid_code" not in existing.columns:
            raise InputDataError("existing sector grids have no grid_code column")
        for text in existing["grid_code"].dropna().astype(str):
            code = GridCode.parse(text, scheme)
            if code.kind == "sector" and code.level == "county" and code.county == county_code:
                current.setdefault(int(code.department or 0), []).append(code)
    codes: dict[int, GridCode] = {}
    for number in numbers:
        mine = sorted(current.get(number, []), key=lambda code: code.sequence)
        if mine:
            if len(mine) > 1:
                logger.warning(
                    "department %d has %d county-level sector grids (%s); keeping %s",
                    number,
                    len(mine),
                    ", ".join(map(str, mine)),
                    mine[0],
                )
            codes[number] = mine[0]
            continue
        used = {int(value) for value in (registry_sequences or {}).get(number, ())}
        used |= {code.sequence for code in current.get(number, [])}
        try:
            (sequence,) = next_sequences(used, 1, scheme, kind="sector")
        except CodeError as error:
            raise CodeError(f"department {number}: {error}") from None
        codes[number] = GridCode.sector(county_code, number, sequence, scheme=scheme)
    return codes


def _unit_cells(frame: pd.DataFrame, numbers: list[int], radius_m: float) -> list[shapely.Geometry]:
    """Return, per department, the cells of a metric raster that hold its units (EPSG:4490).

    A union of one circle per unit grows costly with hundreds of thousands of
    units (timings in docs/performance.md). Snapping units to an aligned raster of
    ``2 * radius_m`` squares gives the same picture at map scale, merges the
    units that share a cell, and the squares form an exact coverage, which
    GEOS unites in linear time.
    """
    located = frame[np.isfinite(frame["lon"]) & np.isfinite(frame["lat"])]
    empty = shapely.MultiPolygon()
    if located.empty:
        return [empty] * len(numbers)
    metric = gauss_kruger_crs(float(np.median(located["lon"])))
    points = gpd.GeoSeries(
        shapely.points(located["lon"].to_numpy(), located["lat"].to_numpy()), crs=CGCS2000
    ).to_crs(metric)
    x_all = shapely.get_x(points.to_numpy())
    y_all = shapely.get_y(points.to_numpy())
    departments = pd.to_numeric(located["department"]).to_numpy(dtype="float64", na_value=np.nan)
    geometry = []
    # One union per department (at most 99, the department digits).
    for number in numbers:
        mine = departments == number
        if not mine.any():
            geometry.append(empty)
            continue
        size = 2 * radius_m
        while True:
            cells = np.unique(
                np.column_stack([np.floor(x_all[mine] / size), np.floor(y_all[mine] / size)]),
                axis=0,
            )
            if len(cells) <= MAX_SECTOR_CELLS:
                break
            size *= 2
        x, y = cells[:, 0] * size, cells[:, 1] * size
        union = shapely.coverage_union_all(shapely.box(x, y, x + size, y + size))
        geometry.append(
            union if union.geom_type == "MultiPolygon" else shapely.MultiPolygon([union])
        )
    # Reprojection keeps each geometry's type, so these stay MultiPolygons.
    return list(gpd.GeoSeries(geometry, crs=metric).to_crs(CGCS2000).to_numpy())
