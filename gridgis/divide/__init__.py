"""Territorial division: split villages into balanced, compact base grids.

Use :func:`divide_villages`; it takes villages (and loads, barriers) as
GeoDataFrames in EPSG:4490 and returns a :class:`Division`.
"""

from gridgis.divide.api import Division, IgnoredInput, divide_villages
from gridgis.divide.quality import tiles_exactly

__all__ = ["Division", "IgnoredInput", "divide_villages", "tiles_exactly"]
