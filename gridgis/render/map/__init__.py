"""Offline HTML maps: Leaflet and the data inlined in one file that opens without network.

- :mod:`~gridgis.render.map.layers` describes a map: layers, popups, legend, basemaps.
- :mod:`~gridgis.render.map.document` turns the description into one HTML page.
- :mod:`~gridgis.render.map.encode` writes shapes and texts compactly.
- :mod:`~gridgis.render.map.geometry` simplifies coverages and colours neighbours apart.
- :mod:`~gridgis.render.map.assets` reads Leaflet and the page's own script and style.
- :mod:`~gridgis.render.map.supervision` builds the supervision diagram from a project's frames.
- :mod:`~gridgis.render.map.registry` builds the prefecture's map of its registry's grids.
"""
