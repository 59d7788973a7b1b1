"""The use cases: one module per command, each reading the store, calling the core, writing back.

``gridgis/cli/<command>.py`` parses options and calls ``gridgis/project/<command>.py``,
which opens the project (:mod:`gridgis.io.store`), reads files (:mod:`gridgis.io`),
calls the core modules, which see only GeoDataFrames (:mod:`gridgis.admin`,
:mod:`gridgis.divide`, :mod:`gridgis.assign`, :mod:`gridgis.sector`, …), and writes
one new version. Each returns a report object that the CLI prints.
"""
