"""gridgis: work-safety supervision grids for Chinese counties.

The front door is :func:`open`, which returns a :class:`Project`: read its
grids, enterprises, assignments and staff as GeoDataFrames at any version, and
divide, import, assign and export with the same arguments and reports as the
``gridgis`` command line (see ``docs/api.md``). :func:`init` creates a project.

Everything else lives in submodules: the core (:mod:`gridgis.divide`,
:mod:`gridgis.assign`, :mod:`gridgis.codes`, :mod:`gridgis.sector`, …) takes and
returns GeoDataFrames; files and the store are in :mod:`gridgis.io`; one use
case per command in :mod:`gridgis.project`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Project", "__version__", "init", "open"]

if TYPE_CHECKING:
    from gridgis.api import Project, init, open


def __getattr__(name: str) -> Any:
    # The front door loads the store (pandas, GDAL) on first use, so that
    # ``import gridgis`` and ``gridgis --help`` stay quick.
    if name in ("Project", "init", "open"):
        from gridgis import api

        return getattr(api, name)
    raise AttributeError(f"module 'gridgis' has no attribute {name!r}")
