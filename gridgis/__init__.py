"""gridgis: work-safety supervision grids for Chinese counties.

The library takes and returns GeoDataFrames; files, the project store and the
terminal live at the edges (:mod:`gridgis.io`, :mod:`gridgis.cli`,
:mod:`gridgis.render`).
"""

__version__ = "0.1.0"
