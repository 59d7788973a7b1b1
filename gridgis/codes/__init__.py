"""Grid codes: the code scheme, the code value type, explanations and allocation.

Every grid has a unique code, set region-wide (docs/domain.md, "Codes"); the
layout comes from a configurable code scheme (docs/design.md, "Grid code
scheme"; file format in ``docs/code_scheme.md``). One module per job:

* :mod:`~gridgis.codes.scheme`: :class:`CodeScheme` and its parts, the check
  character algorithms, :func:`load_code_scheme`, :func:`default_scheme`,
  :func:`load_departments`;
* :mod:`~gridgis.codes.gridcode`: :class:`GridCode` (parse, format, check
  character, validation), :func:`parse`, :func:`is_valid`, :func:`check_char`;
* :mod:`~gridgis.codes.explain`: :func:`explain` -> :class:`CodeExplanation`,
  what ``gridgis code check`` prints, and the Chinese labels of grid kinds
  and levels;
* :mod:`~gridgis.codes.allocate`: :func:`next_sequences` and
  :func:`reading_order`, to number new grids;
* :mod:`~gridgis.codes.registry`: the code registry, which keeps codes stable
  across re-division and records their lineage (docs/design.md, "Code
  registry and re-division").

Import from ``gridgis.codes``; the names in ``__all__`` are its public API.

The registry's names are loaded on first use (PEP 562 ``__getattr__``): the
registry needs pandas and geopandas, whose import is most of the start-up
time of a command that only reads codes, such as ``gridgis code check``.
``from gridgis.codes import recode_villages`` works as for any other name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gridgis.codes.allocate import next_sequences, reading_order
from gridgis.codes.explain import CodeExplanation, explain
from gridgis.codes.gridcode import GridCode, check_char, is_valid, parse
from gridgis.codes.scheme import (
    DEFAULT_SCHEME_PATH,
    CodeScheme,
    Department,
    GridKind,
    GridLevel,
    PartType,
    ReservedRange,
    Segment,
    default_scheme,
    load_code_scheme,
    load_departments,
    parse_code_scheme,
)

if TYPE_CHECKING:
    from gridgis.codes.registry import (
        KEEP_IOU,
        LINK_SHARE,
        REGISTRY_COLUMNS,
        Redivision,
        empty_registry,
        level_grid_rows,
        recode_villages,
        redivide_village,
        register_level_grids,
        register_sector_grids,
        registry_for_storage,
        sector_sequences,
    )

_REGISTRY_NAMES = frozenset(
    {
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
    }
)

__all__ = [
    "DEFAULT_SCHEME_PATH",
    "KEEP_IOU",
    "LINK_SHARE",
    "REGISTRY_COLUMNS",
    "CodeExplanation",
    "CodeScheme",
    "Department",
    "GridCode",
    "GridKind",
    "GridLevel",
    "PartType",
    "Redivision",
    "ReservedRange",
    "Segment",
    "check_char",
    "default_scheme",
    "empty_registry",
    "explain",
    "is_valid",
    "level_grid_rows",
    "load_code_scheme",
    "load_departments",
    "next_sequences",
    "parse",
    "parse_code_scheme",
    "reading_order",
    "recode_villages",
    "redivide_village",
    "register_level_grids",
    "register_sector_grids",
    "registry_for_storage",
    "sector_sequences",
]


def __getattr__(name: str) -> Any:
    """Load a name of :mod:`gridgis.codes.registry` on first use."""
    if name in _REGISTRY_NAMES:
        value = getattr(importlib.import_module("gridgis.codes.registry"), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_REGISTRY_NAMES})
