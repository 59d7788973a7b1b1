r"""One self-contained HTML file from a list of map layers.

:func:`render_map` writes the layers' shapes and texts as one JSON document
(:mod:`gridgis.render.map.encode`) into a ``<script type="application/json">``
element, inlines Leaflet and gridgis's ``map.js`` (:mod:`gridgis.render.map.assets`),
and returns the page. The script builds popups, labels, the legend and the
search list from that JSON with ``textContent``, so no text of the data is
ever parsed as HTML: an enterprise named ``<img src=x onerror=alert(1)>`` is
shown as those characters. The JSON is also escaped for its element (``<``,
``>`` and ``&`` as ``\u003c``…), so no value can close it.

The page states its own Content-Security-Policy: no script, style, font or
connection from anywhere but the page itself, and images only as ``data:``
URIs or, with a basemap, from that basemap's tile server. So even a mistake
could not make a map with ``--basemap none`` reach the network.

The same layers and texts give the same bytes: keys are sorted, numbers are
integers or fixed texts, features keep the order they are given in.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import shapely

from gridgis.render.labels import MAP_INTERFACE
from gridgis.render.map.assets import load_assets
from gridgis.render.map.encode import (
    SCALE,
    Rings,
    encode_ints,
    encode_points,
    encode_polygons,
    encode_runs,
    encode_text,
    label_anchors,
    outline_runs,
    polygon_rings,
    quantise,
)
from gridgis.render.map.layers import Basemap, Layer, LegendItem

#: Characters written as JSON escapes, so that no text can end the data's element.
_JSON_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def render_map(
    layers: Sequence[Layer],
    *,
    title: str,
    subtitle: str = "",
    basemap: Basemap | None = None,
    legend: Iterable[LegendItem] = (),
    notes: Iterable[str] = (),
    interface: Mapping[str, str] | None = None,
) -> str:
    """Build an offline HTML map of the given layers.

    Parameters
    ----------
    layers : sequence of Layer
        Drawn in this order (later layers on top). Coordinates are used as
        given: shift them to GCJ-02 first for a basemap with ``gcj02``.
    title, subtitle : str
        Shown at the top of the map and as the page title.
    basemap : Basemap, optional
        Tiles under the layers; None (the default) draws on a plain
        background and loads nothing from the network.
    legend : iterable of LegendItem
    notes : iterable of str
        Lines shown under the legend (data caveats, counts not drawn).
    interface : mapping, optional
        Words of the page to use instead of :data:`~gridgis.render.labels.MAP_INTERFACE`'s
        (the search box's hint, say), by the same keys.

    Returns
    -------
    str
        The whole page, UTF-8 text.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(106, 38, 106.01, 38.01)])
    >>> page = render_map([Layer("boxes", "方框", frame, title="name")], title="示例")
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    keys = [layer.key for layer in layers]
    if len(set(keys)) != len(keys):
        raise ValueError(f"layer keys must be unique, got {keys}")
    assets = load_assets()
    encoded = _encode_layers(layers)
    payload: dict[str, Any] = {
        "title": title,
        "subtitle": subtitle,
        "scale": SCALE,
        "bounds": _bounds(layers),
        "basemap": _basemap(basemap),
        "layers": encoded,
        "legend": [
            {
                "label": item.label,
                "colour": item.colour,
                "shape": item.shape,
                "stroke": item.stroke,
                "dash": item.dash,
            }
            for item in legend
        ],
        "notes": list(notes),
        "text": {**MAP_INTERFACE, **(interface or {})},
    }
    data = json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    for character, escape in _JSON_ESCAPES:  # str.replace is ten times faster than translate
        data = data.replace(character, escape)
    page_title = html.escape(f"{title} {subtitle}".strip(), quote=True)
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{_policy(basemap)}">\n',
            '<meta name="generator" content="gridgis">\n',
            f"<title>{page_title}</title>\n",
            '<link rel="icon" href="data:,">\n',
            f"<!--\n{assets.leaflet_licence}-->\n",
            f"<style>\n{assets.leaflet_css}</style>\n",
            f"<style>\n{assets.map_css}</style>\n",
            "</head>\n<body>\n",
            '<div id="map"></div>\n',
            f'<script type="application/json" id="gridgis-data">{data}</script>\n',
            f"<script>\n{assets.leaflet_js}</script>\n",
            f"<script>\n{assets.map_js}</script>\n",
            "</body>\n</html>\n",
        ]
    )


def _policy(basemap: Basemap | None) -> str:
    """Return the page's Content-Security-Policy: inline code only; images from data: or tiles."""
    images = ["data:", *sorted({_tile_host(tile.url) for tile in basemap.tiles})] if basemap else []
    return (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        f"img-src {' '.join(images or ['data:'])}; base-uri 'none'; form-action 'none'"
    )


def _tile_host(url: str) -> str:
    """Return the CSP source of a tile URL (``https://t{s}.tianditu.gov.cn`` → ``*.tianditu``)."""
    parts = urlsplit(url)
    host = parts.netloc
    if "{s}" in host:
        # Subdomains vary (t0…t7); CSP allows a wildcard for the leftmost label only.
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def _bounds(layers: Sequence[Layer]) -> list[list[float]]:
    """South-west and north-east corners of everything drawn, as [lat, lon] pairs."""
    boxes = [
        layer.frame.geometry.total_bounds
        for layer in layers
        if len(layer.frame) and not layer.frame.geometry.is_empty.all()
    ]
    if not boxes:
        return [[-85.0, -180.0], [85.0, 180.0]]
    stacked = np.vstack(boxes)
    west, south = np.nanmin(stacked[:, 0]), np.nanmin(stacked[:, 1])
    east, north = np.nanmax(stacked[:, 2]), np.nanmax(stacked[:, 3])
    corners = quantise(np.array([[south, west], [north, east]])) / SCALE
    return [[float(v) for v in corner] for corner in corners]


def _basemap(basemap: Basemap | None) -> dict[str, Any] | None:
    if basemap is None:
        return None
    return {
        "label": basemap.label,
        "tiles": [
            {
                "url": tile.url,
                "attribution": tile.attribution,
                "subdomains": tile.subdomains,
                "maxZoom": tile.max_zoom,
            }
            for tile in basemap.tiles
        ],
    }


def _drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geometry = frame.geometry.to_numpy()
    keep = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    return frame[keep] if not keep.all() else frame


def _encode_layers(layers: Sequence[Layer]) -> list[dict[str, Any]]:
    """Encode every layer; outline layers reuse the rings of the layers they outline."""
    rings: dict[str, tuple[Rings, gpd.GeoDataFrame]] = {}
    encoded = []
    for layer in layers:
        frame = _drawable(layer.frame)
        geometry = frame.geometry.to_numpy()
        kinds = set(shapely.get_type_id(geometry).tolist())
        if layer.outline_of:
            shape = _outline(layer, frame, rings)
        elif kinds <= {0}:
            shape = {
                "type": "point",
                "xy": encode_points(shapely.get_x(geometry), shapely.get_y(geometry)),
            }
        elif kinds <= {3, 6}:
            polygons = polygon_rings(geometry)
            rings[layer.key] = (polygons, frame)
            shape = {"type": "polygon", "geometry": encode_polygons(polygons)}
            if layer.label:
                x, y, radius = label_anchors(geometry)
                shape["label"] = {
                    "columns": list(layer.label),
                    "xy": encode_points(x, y),
                    "r": encode_ints(np.rint(radius).astype("int64")),
                }
        else:
            raise ValueError(f"layer {layer.key!r} mixes points and polygons or holds lines")
        encoded.append({**_describe(layer, frame), **shape})
    return encoded


def _outline(
    layer: Layer, frame: gpd.GeoDataFrame, rings: dict[str, tuple[Rings, gpd.GeoDataFrame]]
) -> dict[str, Any]:
    """Encode runs along the source layers' rings, and each row's extent and search anchor."""
    missing = [key for key in layer.outline_of if key not in rings]
    if missing or layer.group is None:
        raise ValueError(
            f"outline layer {layer.key!r} needs a group column and polygon layers before it, "
            f"not {missing}"
        )
    sources = [rings[key] for key in layer.outline_of]
    joined = Rings(
        parts=np.concatenate([source.parts for source, _ in sources]),
        rings=np.concatenate([source.rings for source, _ in sources]),
        counts=np.concatenate([source.counts for source, _ in sources]),
        points=np.concatenate([source.points for source, _ in sources]),
        feature=np.concatenate(
            [
                source.feature + offset
                for (source, _), offset in zip(
                    sources,
                    np.cumsum([0, *(len(source.parts) for source, _ in sources[:-1])]),
                    strict=True,
                )
            ]
        ),
    )
    groups = np.concatenate([shapes[layer.group].to_numpy(dtype=object) for _, shapes in sources])
    geometry = frame.geometry.to_numpy()
    bounds = quantise(shapely.bounds(geometry).reshape(-1, 2)).reshape(-1, 4)
    anchor = shapely.point_on_surface(geometry)
    return {
        "type": "outline",
        "sources": list(layer.outline_of),
        "runs": encode_runs(outline_runs(joined, groups)),
        "bounds": encode_ints(bounds.ravel()),
        "anchors": encode_points(shapely.get_x(anchor), shapely.get_y(anchor)),
    }


def _describe(layer: Layer, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Describe what every layer has: names, style, and its text columns (each written once)."""
    style = layer.style
    used = [
        *([style.fill_column] if style.fill_column else []),
        *([layer.title] if layer.title else []),
        *(item.column for item in layer.fields),
        *layer.search,
        *layer.label,
    ]
    # Each column once, however many roles it plays (title, popup row, search key, label).
    columns = {column: encode_text(frame[column]) for column in dict.fromkeys(used)}
    return {
        "key": layer.key,
        "name": layer.name,
        "count": len(frame),
        "shown": layer.shown,
        "control": layer.control,
        "interactive": layer.interactive and not layer.outline_of,
        "style": {
            "stroke": style.stroke,
            "weight": style.weight,
            "dash": style.dash,
            "fill": style.fill,
            "fillOpacity": style.fill_opacity,
            "radius": style.radius,
        },
        "columns": columns,
        "fills": style.fill_column,
        "title": layer.title,
        "fields": [{"label": item.label, "column": item.column} for item in layer.fields],
        "search": list(layer.search),
        "label": None,
    }
