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

__version__ = "0.1.0"

from gridgis.api import Project, init, open

__all__ = ["Project", "__version__", "init", "open"]
