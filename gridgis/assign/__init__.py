"""Enterprises → territorial grids: spatial join, address fallback, outcomes.

Three modules, one job each:

- :mod:`gridgis.assign.locator`: which grid covers each point (the raster
  index behind the fast spatial join, the boundary rule for points on shared
  edges, and which grids receive enterprises);
- :mod:`gridgis.assign.address`: which village a row's township, village and
  address text name (canonical spellings, the address fallback);
- :mod:`gridgis.assign.territorial`: one outcome per ledger row (a grid, or a
  reason), chunk by chunk, and the report of rows whose declared village
  differs from their point's.

``territorial`` builds on the other two, which know nothing of each other.
Everything is pure: GeoDataFrames and DataFrames in, arrays and DataFrames
out. Sector routing is :mod:`gridgis.sector`'s job.

The names below are the package's public interface; import them from
``gridgis.assign``.
"""

from gridgis.assign.address import (
    MATCH_METHODS,
    AddressMatcher,
    canonical_township_name,
    canonical_village_name,
    match_addresses,
)
from gridgis.assign.locator import PointLocator, locate_points, placement_grids
from gridgis.assign.territorial import (
    ASSIGNMENT_COLUMNS,
    MISMATCH_COLUMNS,
    TerritorialAssigner,
    assign_territorial,
    mismatch_report,
)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "MATCH_METHODS",
    "MISMATCH_COLUMNS",
    "AddressMatcher",
    "PointLocator",
    "TerritorialAssigner",
    "assign_territorial",
    "canonical_township_name",
    "canonical_village_name",
    "locate_points",
    "match_addresses",
    "mismatch_report",
    "placement_grids",
]
