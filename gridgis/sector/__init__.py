"""Sector grids: which enterprises go to county-level sector grids, and why.

The guideline sends units that are large, high-spec or high-risk, or too much
for their territorial grid to supervise, to **county-level sector grids**
(行业专属网格) run by the department responsible for their sector, so that
supervisory capacity matches supervisory load (docs/domain.md, "Grids";
docs/design.md, "Sector grids and capacity"). The package holds the
pure steps of that routing; the project store and the CLI call them. One
module per job:

* :mod:`~gridgis.sector.rules`: :func:`load_rules` reads ``data/rules.toml``
  (format in ``docs/rules.md``) into :class:`Rules`; risk levels, size
  classes and :func:`risk_weights`;
* :mod:`~gridgis.sector.flags`: :func:`flag_sector_units` applies the unit
  rules (large scale, risk level, major hazard, USCC list);
* :mod:`~gridgis.sector.capacity`: :func:`capacity_match` moves the
  highest-risk units of over-capacity territorial grids to their sector
  grids; :func:`conservation_line` states that every ledger row ended in
  exactly one place;
* :mod:`~gridgis.sector.grids`: :func:`build_sector_grids` makes one
  county-level sector grid per department with units, coded
  ``CCCCCC 000 9DD SSS``;
* :mod:`~gridgis.sector.columns`: helpers the steps share.

Import from ``gridgis.sector``; the names below are its public API.
"""

from __future__ import annotations

from gridgis.sector.capacity import (
    CAPACITY_GRID_COLUMNS,
    MOVE_COLUMNS,
    CapacityMatch,
    capacity_match,
    conservation_line,
)
from gridgis.sector.flags import FLAG_COLUMNS, flag_sector_units
from gridgis.sector.grids import SECTOR_GRID_COLUMNS, UNIT_RADIUS_M, build_sector_grids
from gridgis.sector.rules import (
    DEFAULT_RULES_PATH,
    RISK_LEVELS,
    RULE_ORDER,
    Rules,
    SizeClass,
    load_rules,
    parse_rules,
    risk_weights,
)

__all__ = [
    "CAPACITY_GRID_COLUMNS",
    "DEFAULT_RULES_PATH",
    "FLAG_COLUMNS",
    "MOVE_COLUMNS",
    "RISK_LEVELS",
    "RULE_ORDER",
    "SECTOR_GRID_COLUMNS",
    "UNIT_RADIUS_M",
    "CapacityMatch",
    "Rules",
    "SizeClass",
    "build_sector_grids",
    "capacity_match",
    "conservation_line",
    "flag_sector_units",
    "load_rules",
    "parse_rules",
    "risk_weights",
]
