"""What an offline map is made of: polygon and point layers, popups, legend and basemaps.

These are plain descriptions; :func:`gridgis.render.map.document.render_map`
turns them into one HTML file. Any map gridgis draws is a list of them: the
supervision diagram (:mod:`gridgis.render.map.supervision`), or a map of grid
changes with the old grids dashed and the new ones filled.

Every text a layer shows (popup values, labels, search keys) is a column of
its frame, already formatted as text: the page shows it with ``textContent``,
so whatever a column holds is displayed as text and never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd

from gridgis.errors import InputDataError


@dataclass(frozen=True)
class Field:
    """One row of a popup: a column of the layer's frame and its label."""

    column: str
    label: str


@dataclass(frozen=True)
class Style:
    """How a layer is drawn (Leaflet path options).

    Attributes
    ----------
    stroke : str
        Outline colour (``#rrggbb``).
    weight : float
        Outline width in pixels (0: no outline).
    dash : str or None
        A dash pattern such as ``"6 4"``, or None for a solid line.
    fill : str or None
        One fill colour for every feature, or None for no fill (unless
        ``fill_column`` gives one per feature).
    fill_column : str or None
        A column of ``#rrggbb`` colours, one per feature.
    fill_opacity : float
    radius : float
        Point layers: the circle's radius in pixels.
    """

    stroke: str = "#333333"
    weight: float = 1.0
    dash: str | None = None
    fill: str | None = None
    fill_column: str | None = None
    fill_opacity: float = 0.5
    radius: float = 4.0


@dataclass(frozen=True)
class Layer:
    r"""A layer of polygons or points, with its popup, labels and search keys.

    Attributes
    ----------
    key : str
        A short identifier, unique in the map (``grids``, ``enterprises``).
    name : str
        Its name in the layer control.
    frame : GeoDataFrame
        One feature per row, in lon/lat degrees (CGCS2000, or GCJ-02 over a
        Gaode basemap), in the order to draw them (later rows on top).
        Polygons and MultiPolygons, or Points; rows without geometry are
        left out.
    style : Style
    title : str or None
        The column whose text heads a feature's popup.
    fields : tuple of Field
        The popup's rows; a missing or empty value hides its row. Values may
        hold several lines (``\n``).
    label : tuple of str
        Polygon layers: columns whose texts, one a line, label each polygon at
        the zooms where they fit inside it; where only the first line fits,
        that line alone.
    outline_of : tuple of str
        Draw this layer as the outlines of groups of the polygons of these
        (earlier) layers, instead of its own shapes: each of their frames has
        the column ``group``, naming the group a polygon belongs to, which is
        this layer's ``group`` value of a row. The outlines then run exactly
        along those polygons' edges, and their points are not stored twice;
        the layer's own polygons only give each row's extent and popup
        anchor for the search. The source polygons must form a coverage
        (neighbours share their vertices), as ``coverage_simplify`` keeps them.
    group : str or None
        With ``outline_of``: the column naming each row's group.
    search : tuple of str
        Columns the search box looks in.
    interactive : bool
        Whether a click on a feature opens its popup (search opens it anyway).
    shown : bool
        Whether the layer is on when the map opens.
    control : bool
        Whether the layer control lists it.
    """

    key: str
    name: str
    frame: gpd.GeoDataFrame
    style: Style = field(default_factory=Style)
    title: str | None = None
    fields: tuple[Field, ...] = ()
    label: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    interactive: bool = True
    shown: bool = True
    control: bool = True
    outline_of: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True)
class LegendItem:
    """One line of the legend: a swatch and its text.

    ``shape`` is ``fill`` (a square), ``circle``, ``ring`` (a circle with a
    thick outline of ``stroke``) or ``line``.
    """

    label: str
    colour: str
    shape: str = "fill"
    stroke: str = "#333333"
    dash: str | None = None


@dataclass(frozen=True)
class TileSource:
    """One tile layer of a basemap (a Leaflet URL template)."""

    url: str
    attribution: str
    subdomains: str = ""
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A basemap: its name, its tile layers, and whether overlays must be in GCJ-02."""

    name: str
    label: str
    tiles: tuple[TileSource, ...]
    gcj02: bool = False


#: Basemap names ``gridgis map --basemap`` accepts; ``none`` needs no network.
BASEMAP_NAMES: tuple[str, ...] = ("none", "osm", "tianditu", "gaode")

_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def basemap(name: str, *, tianditu_key: str | None = None) -> Basemap | None:
    """Describe a basemap by name, or return None for ``none``.

    Parameters
    ----------
    name : str
        One of :data:`BASEMAP_NAMES`.
    tianditu_key : str, optional
        The Tianditu developer key (``tk``), required for ``tianditu``.

    Raises
    ------
    InputDataError
        For an unknown name, or ``tianditu`` without a key.

    Examples
    --------
    >>> basemap("gaode").gcj02
    True
    >>> basemap("none") is None
    True
    """
    if name == "none":
        return None
    if name == "osm":
        return Basemap(
            "osm",
            "OpenStreetMap",
            (
                TileSource(
                    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "© OpenStreetMap contributors",
                    max_zoom=19,
                ),
            ),
        )
    if name == "tianditu":
        if not tianditu_key:
            raise InputDataError(
                "the tianditu basemap needs a Tianditu key: pass --tianditu-key or set TIANDITU_KEY"
            )
        if not tianditu_key.isascii() or not tianditu_key.isalnum():
            # It goes into every tile URL: letters and digits only.
            raise InputDataError("a Tianditu key is letters and digits (32 hex digits as issued)")
        return Basemap(
            "tianditu",
            "天地图",
            tuple(
                TileSource(
                    _TIANDITU.format(layer=layer, key=tianditu_key),
                    "天地图 © 国家地理信息公共服务平台",
                    subdomains="01234567",
                )
                for layer in ("vec", "cva")
            ),
        )
    if name == "gaode":
        return Basemap(
            "gaode",
            "高德地图",
            (
                TileSource(
                    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                    "&style=8&x={x}&y={y}&z={z}",
                    "© 高德地图 AutoNavi",
                    subdomains="1234",
                ),
            ),
            gcj02=True,
        )
    raise InputDataError(f"unknown basemap {name!r}; use one of {', '.join(BASEMAP_NAMES)}")
