"""Printed maps: layers of GeoDataFrames drawn with matplotlib, with Chinese labels.

One function, :func:`draw_map`, draws every map gridgis prints: the county's
supervision diagram (``gridgis figure``), the small map of a village notice,
the thumbnail on a responsibility card, and the filing package's before/after
figure (old grids dashed, new grids filled). It takes layers
(:class:`MapLayer`), each a GeoDataFrame with a :class:`LayerStyle`, and adds what a printed map
needs: colours that differ between neighbours, labels that do not collide, a
legend, a scale bar, a north arrow and a title block.

Choices a maintainer should know:

- **The font is found, not configured.** :func:`cjk_font` takes the first of
  :data:`CJK_FAMILIES` that matplotlib's font manager sees; Debian's
  ``fonts-noto-cjk`` gives Noto Sans CJK SC, Windows has Microsoft YaHei.
  Without one, Chinese would print as boxes, so a :class:`RenderError` names
  the package to install instead. PDFs embed the glyphs they use (Type 3,
  with a Unicode map), so a PDF shows its Chinese on a computer without the
  font, and its text can be searched.
- **No global state.** Figures are :class:`matplotlib.figure.Figure` objects,
  not pyplot's, and matplotlib's settings are changed only inside
  :func:`figure_style`, so importing or calling this module changes nothing
  for other code.
- **Drawn in metres.** The layers are projected to the 3° Gauss–Krüger zone of
  their centre (:func:`gridgis.crs.metric_crs_for`): the scale bar is true and
  shapes are not stretched (at 38°N a degree of longitude is 0.79 of a degree
  of latitude). Grid north and true north differ by under 1° there.
- **Neighbours differ.** The HTML map's colouring
  (:func:`gridgis.render.map.geometry.neighbour_colours`) colours the graph of
  polygons that touch, largest degree first, over the palette's twelve colours,
  far more than grids need.
- **Labels do not collide.** Labels are placed greedily, the most important
  first (a layer's ``label_priority``, then larger shapes): at the shape's
  pole of inaccessibility, else at one of eight nearby spots inside the shape,
  else at a smaller size; a label that still has no room is hidden and
  reported in :attr:`MapFigure.hidden_labels`, never drawn over another.
- **Deterministic files.** Creation dates are left out and the SVG ids are
  salted with a constant, so the same project gives the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.patches import Patch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from gridgis.crs import metric_crs_for
from gridgis.errors import RenderError
from gridgis.render.labels import FIGURE_LABELS
from gridgis.render.map.geometry import neighbour_colours

logger = logging.getLogger(__name__)

__all__ = [
    "CJK_FAMILIES",
    "PAPER_SIZES_MM",
    "LayerStyle",
    "MapFigure",
    "MapLayer",
    "TitleBlock",
    "cjk_font",
    "draw_map",
    "figure_bytes",
    "figure_style",
    "save_figure",
]

#: Fonts with Chinese glyphs, in order of preference: Debian's fonts-noto-cjk
#: first, then what Windows, macOS and other Linux distributions ship.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Droid Sans Fallback",
)
#: Portrait paper sizes, millimetres (width, height).
PAPER_SIZES_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
#: Fill colours given to neighbouring polygons (ColorBrewer Pastel1 and Pastel2:
#: light enough for black labels on top).
PALETTE: tuple[str, ...] = (
    "#b3cde3",
    "#fed9a6",
    "#ccebc5",
    "#decbe4",
    "#ffffcc",
    "#fbb4ae",
    "#b3e2cd",
    "#fdcdac",
    "#cbd5e8",
    "#f4cae4",
    "#e6f5c9",
    "#f1e2cc",
)
_MM = 1 / 25.4  # inches per millimetre
_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn.

    Attributes
    ----------
    facecolor : str or None
        Fill colour; None draws outlines only. Ignored when the layer colours
        neighbours.
    edgecolor : str
        Outline colour.
    linewidth : float
        Outline width in points.
    linestyle : str
        Matplotlib line style: ``"-"``, ``"--"``, ``":"``.
    alpha : float
        Opacity of the fill.
    hatch : str or None
        A hatch pattern such as ``"//"``.
    """

    facecolor: str | None = None
    edgecolor: str = "#333333"
    linewidth: float = 0.5
    linestyle: str = "-"
    alpha: float = 1.0
    hatch: str | None = None


@dataclass(frozen=True)
class MapLayer:
    """One layer of a map: polygons (or lines) with a style and optional labels.

    Attributes
    ----------
    frame : GeoDataFrame
        The shapes, in any CRS (the map reprojects them).
    style : LayerStyle
        How to draw them.
    legend : str or None
        The legend entry; None leaves the layer out of the legend.
    colour_neighbours : bool
        Fill each polygon so that touching polygons differ.
    labels : str or None
        A column of label text; None or empty text draws no label.
    label_size : float
        Label size in points.
    label_weight : str
        ``"normal"`` or ``"bold"``.
    label_priority : str or None
        A numeric column: higher values are placed first. By default larger
        shapes go first.
    """

    frame: gpd.GeoDataFrame
    style: LayerStyle = field(default_factory=LayerStyle)
    legend: str | None = None
    colour_neighbours: bool = False
    labels: str | None = None
    label_size: float = 7.0
    label_weight: str = "normal"
    label_priority: str | None = None


@dataclass(frozen=True)
class TitleBlock:
    """The title block of a printed map: a title and labelled lines.

    Attributes
    ----------
    title : str
        Printed above the map.
    rows : tuple of (str, str)
        Label and value, such as ``("县（市、区）", "贺兰县 640122")``,
        ``("数据版本", "7")``, ``("制图日期", "2024-05-01")``.
    """

    title: str
    rows: tuple[tuple[str, str], ...] = ()


@dataclass
class MapFigure:
    """A drawn map.

    Attributes
    ----------
    figure : Figure
        The matplotlib figure (not registered with pyplot).
    crs : object
        The projected CRS the map is drawn in (a pyproj CRS).
    hidden_labels : list of str
        Labels that found no room and were left out.
    """

    figure: Figure
    crs: Any
    hidden_labels: list[str] = field(default_factory=list)


def cjk_font() -> str:
    """Return the family name of an installed font with Chinese glyphs.

    Returns
    -------
    str
        The first of :data:`CJK_FAMILIES` that matplotlib finds.

    Raises
    ------
    RenderError
        If none is installed.

    Examples
    --------
    >>> cjk_font()  # doctest: +SKIP
    'Noto Sans CJK SC'
    """
    installed = {font.name for font in fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise RenderError(
        "no font with Chinese characters is installed, so maps would show boxes: install "
        "Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk) or one of "
        + ", ".join(CJK_FAMILIES[1:])
    )


@contextlib.contextmanager
def figure_style() -> Iterator[str]:
    """Set matplotlib's settings for gridgis figures while the block runs.

    Yields
    ------
    str
        The CJK font family in use.
    """
    family = cjk_font()
    settings: dict[Any, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        # Type 3: the glyphs used are embedded with a Unicode map, so a PDF
        # shows its Chinese where the font is missing and its text can be
        # searched. Type 42 wraps Noto CJK's CFF outlines as TrueType, which
        # poppler reports as a font type mismatch.
        "pdf.fonttype": 3,
        "svg.fonttype": "path",
        "svg.hashsalt": "gridgis",
        "hatch.linewidth": 0.5,
    }
    with matplotlib.rc_context(settings):
        yield family


def draw_map(
    layers: Sequence[MapLayer],
    *,
    title_block: TitleBlock | None = None,
    paper: str | None = None,
    size_mm: tuple[float, float] | None = None,
    legend: bool = True,
    scale_bar: bool = True,
    north_arrow: bool = True,
    extent: gpd.GeoDataFrame | None = None,
) -> MapFigure:
    """Draw layers of shapes as a printed map.

    Parameters
    ----------
    layers : sequence of MapLayer
        Drawn in order, the first at the bottom. Empty layers are skipped.
    title_block : TitleBlock, optional
        The title above the map and the block of labelled lines below it
        (county, version, date …).
    paper : {"A4", "A3"}, optional
        Size the figure to this paper, portrait or landscape as the map's shape
        suits; the legend and title block go below the map.
    size_mm : (float, float), optional
        Width and height in millimetres, when not ``paper`` (default 160 × 120).
    legend : bool
        Draw a legend of the layers that name an entry.
    scale_bar, north_arrow : bool
        Draw them on the map.
    extent : GeoDataFrame, optional
        The area to show; default: the first layer's bounds.

    Returns
    -------
    MapFigure
        The figure and the labels that found no room.

    Raises
    ------
    RenderError
        If no CJK font is installed.
    ValueError
        If there is nothing to draw or the paper is unknown.

    Examples
    --------
    >>> grids = project.read_grids(levels=["base"])  # doctest: +SKIP
    >>> drawn = draw_map([MapLayer(grids, colour_neighbours=True, labels="name")],
    ...                  title_block=TitleBlock("示意图"), paper="A4")  # doctest: +SKIP
    >>> save_figure(drawn.figure, Path("map.png"))  # doctest: +SKIP
    """
    drawn = [layer for layer in layers if len(layer.frame)]
    if not drawn:
        raise ValueError("nothing to draw: every layer is empty")
    reference = extent if extent is not None and len(extent) else drawn[0].frame
    crs = metric_crs_for(reference)
    projected = [layer.frame.to_crs(crs) for layer in drawn]
    bounds = reference.to_crs(crs).total_bounds
    with figure_style():
        figure, map_axes, footer = _layout(bounds, title_block, paper, size_mm, legend)
        FigureCanvasAgg(figure)
        _frame_extent(map_axes, bounds)
        for layer, frame in zip(drawn, projected, strict=True):
            _draw_layer(map_axes, layer, frame)
        reserved = []
        if north_arrow:
            reserved.append(_north_arrow(map_axes))
        if scale_bar:
            reserved.append(_scale_bar(map_axes))
        hidden = _place_labels(map_axes, drawn, projected, reserved)
        if footer is not None:
            _footer(footer, drawn if legend else [], title_block)
    if hidden:
        logger.debug("%d labels found no room on the map and were left out", len(hidden))
    return MapFigure(figure, crs, hidden)


def save_figure(figure: Figure, path: Path, *, dpi: int = 200) -> None:
    """Write a figure as PNG, PDF or SVG (by the path's suffix), without a creation date.

    The caller chooses and checks the path (see
    :func:`gridgis.io.safety.atomic_path`); this only writes it.

    Raises
    ------
    ValueError
        If the suffix is not ``.png``, ``.pdf`` or ``.svg``.
    """
    kind = _FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise ValueError(f"cannot write {Path(path).name}: use .png, .pdf or .svg")
    with figure_style():
        figure.savefig(path, format=kind, dpi=dpi, metadata=_metadata(kind))


def figure_bytes(figure: Figure, *, kind: str = "png", dpi: int = 200) -> bytes:
    """Return a figure's PNG or SVG bytes, for embedding in an HTML page."""
    buffer = io.BytesIO()
    with figure_style():
        figure.savefig(buffer, format=kind, dpi=dpi, metadata=_metadata(kind))
    return buffer.getvalue()


def _metadata(kind: str) -> dict[str, Any]:
    # Leaving out dates and versions makes the same map give the same bytes.
    if kind == "png":
        return {"Software": "gridgis"}
    if kind == "pdf":
        return {"Creator": "gridgis", "Producer": "gridgis", "CreationDate": None}
    return {"Creator": "gridgis", "Date": None}


# -- layout ------------------------------------------------------------------


def _layout(
    bounds: np.ndarray,
    title_block: TitleBlock | None,
    paper: str | None,
    size_mm: tuple[float, float] | None,
    legend: bool,
) -> tuple[Figure, Axes, Axes | None]:
    """Make the figure and its axes: a title band, the map, and a footer band."""
    width_m, height_m = bounds[2] - bounds[0], bounds[3] - bounds[1]
    if paper is not None:
        if paper not in PAPER_SIZES_MM:
            raise ValueError(f"unknown paper {paper!r}; use {', '.join(PAPER_SIZES_MM)}")
        short, long = PAPER_SIZES_MM[paper]
        # Landscape when the map is wider than tall, allowing for the bands.
        width, height = (long, short) if width_m > height_m * 1.1 else (short, long)
        margin = 10.0
    else:
        width, height = size_mm or (160.0, 120.0)
        margin = 2.0
    figure = Figure(figsize=(width * _MM, height * _MM))
    title_band = 14.0 if title_block is not None and paper is not None else 0.0
    if title_block is not None and paper is None:
        title_band = 8.0
    footer_band = 30.0 if paper is not None and (legend or title_block is not None) else 0.0
    if title_band:
        size = 18 if paper is not None else 10
        figure.text(
            0.5,
            1 - (margin + title_band / 2) / height,
            title_block.title if title_block else "",
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
        )
    left, bottom = margin / width, (margin + footer_band) / height
    map_width = 1 - 2 * margin / width
    map_height = 1 - (2 * margin + title_band + footer_band) / height
    map_axes = figure.add_axes((left, bottom, map_width, map_height))
    footer = None
    if footer_band:
        footer = figure.add_axes((left, margin / height, map_width, (footer_band - 3) / height))
        footer.set_axis_off()
    return figure, map_axes, footer


def _frame_extent(axes: Axes, bounds: np.ndarray) -> None:
    """Show ``bounds`` with a margin, widened along one axis to fill the axes box.

    Setting limits that already have the box's shape keeps metres square
    without matplotlib moving the limits (which could cut the map off).
    """
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    box = axes.get_position()
    width_in, height_in = figure.get_size_inches()
    box_ratio = (box.height * height_in) / (box.width * width_in)
    x0, y0, x1, y1 = (float(v) for v in bounds)
    width = max(x1 - x0, 1.0) * 1.06
    height = max(y1 - y0, 1.0) * 1.06
    if height / width < box_ratio:
        height = width * box_ratio
    else:
        width = height / box_ratio
    centre_x, centre_y = (x0 + x1) / 2, (y0 + y1) / 2
    axes.set_xlim(centre_x - width / 2, centre_x + width / 2)
    axes.set_ylim(centre_y - height / 2, centre_y + height / 2)
    axes.set_aspect("equal", adjustable="box")
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_linewidth(0.8)


# -- layers ------------------------------------------------------------------


def _draw_layer(axes: Axes, layer: MapLayer, frame: gpd.GeoDataFrame) -> None:
    style = layer.style
    geometries = frame.geometry.to_numpy()
    polygonal = shapely.get_type_id(geometries)
    is_polygon = np.isin(polygonal, (3, 6))
    if is_polygon.any():
        faces: list[str] | str
        if layer.colour_neighbours:
            numbers = neighbour_colours(geometries[is_polygon], len(PALETTE))
            faces = [PALETTE[n] for n in numbers]
        else:
            faces = style.facecolor or "none"
        patches = [_polygon_patch(shape) for shape in geometries[is_polygon]]
        collection = PatchCollection(
            patches,
            facecolors=faces,
            edgecolors=style.edgecolor,
            linewidths=style.linewidth,
            linestyles=style.linestyle,
            alpha=None,
            hatch=style.hatch,
            zorder=2,
        )
        if style.alpha < 1:
            collection.set_alpha(style.alpha)
            collection.set_edgecolor(style.edgecolor)
        axes.add_collection(collection, autolim=False)
    lines = geometries[~is_polygon]
    for line in lines:
        for part in shapely.get_parts(line):
            coords = shapely.get_coordinates(part)
            if len(coords) >= 2:
                axes.plot(
                    coords[:, 0],
                    coords[:, 1],
                    color=style.edgecolor,
                    linewidth=style.linewidth,
                    linestyle=style.linestyle,
                    zorder=3,
                )


def _polygon_patch(shape: shapely.Geometry) -> PathPatch:
    """One patch for a polygon or multipolygon, holes included."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in shapely.get_parts(shape):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)[:, :2]
            ring_codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(coords)
            codes.append(ring_codes)
    return PathPatch(MplPath(np.concatenate(vertices), np.concatenate(codes)))


# -- labels ------------------------------------------------------------------

# Spots tried around a label's anchor, in label heights (x, y).
_NUDGES = (
    (0.0, 0.0),
    (0.0, 1.1),
    (0.0, -1.1),
    (1.0, 0.0),
    (-1.0, 0.0),
    (1.0, 1.1),
    (-1.0, 1.1),
    (1.0, -1.1),
    (-1.0, -1.1),
)


@dataclass
class _Label:
    text: str
    shape: shapely.Geometry
    anchor: tuple[float, float]
    size: float
    weight: str
    priority: float


def _labels_of(layer: MapLayer, frame: gpd.GeoDataFrame) -> list[_Label]:
    if layer.labels is None or layer.labels not in frame.columns:
        return []
    texts = frame[layer.labels]
    keep = texts.notna().to_numpy() & (texts.astype(str).str.strip() != "").to_numpy()
    shapes = frame.geometry.to_numpy()[keep]
    if not len(shapes):
        return []
    # The pole of inaccessibility: the centre of the largest circle inside,
    # where a label sits furthest from the edges (a centroid can lie outside).
    extent = np.sqrt(np.maximum(shapely.area(shapes), 1.0))
    centres = shapely.get_point(shapely.maximum_inscribed_circle(shapes, extent / 50), 0)
    xy = shapely.get_coordinates(centres)
    if layer.label_priority and layer.label_priority in frame.columns:
        priority = pd.to_numeric(frame[layer.label_priority], errors="coerce").fillna(0)
        priorities = priority.to_numpy(dtype=float)[keep] * 1e12 + shapely.area(shapes)
    else:
        priorities = shapely.area(shapes)
    return [
        _Label(str(text), shape, (float(x), float(y)), layer.label_size, layer.label_weight, p)
        for text, shape, (x, y), p in zip(
            texts[keep].astype(str), shapes, xy, priorities, strict=True
        )
    ]


def _place_labels(
    axes: Axes,
    layers: Sequence[MapLayer],
    frames: Sequence[gpd.GeoDataFrame],
    reserved: list[np.ndarray],
) -> list[str]:
    """Place every layer's labels without overlaps; return the texts left out."""
    labels = [
        label
        for layer, frame in zip(layers, frames, strict=True)
        for label in _labels_of(layer, frame)
    ]
    labels.sort(key=lambda label: -label.priority)
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    frame_box = axes.get_window_extent(renderer)
    placed = [box for box in reserved]
    to_data = axes.transData.inverted()
    hidden: list[str] = []
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for label in labels:
        text = axes.text(
            *label.anchor,
            label.text,
            ha="center",
            va="center",
            fontsize=label.size,
            fontweight=label.weight,
            zorder=6,
            clip_on=True,
            path_effects=halo,
        )
        spot = _free_spot(text, label, axes, renderer, frame_box, placed, to_data)
        if spot is None:
            text.set_fontsize(label.size * 0.8)
            spot = _free_spot(text, label, axes, renderer, frame_box, placed, to_data)
        if spot is None:
            text.remove()
            hidden.append(label.text)
            continue
        placed.append(spot)
    return hidden


def _free_spot(
    text: Text,
    label: _Label,
    axes: Axes,
    renderer: Any,
    frame_box: Any,
    placed: list[np.ndarray],
    to_data: Any,
) -> np.ndarray | None:
    """Move ``text`` to the first spot that overlaps nothing placed; return its box."""
    anchor = axes.transData.transform(label.anchor)
    text.set_position(label.anchor)
    box = text.get_window_extent(renderer)
    width, height = box.width, box.height
    boxes = np.array(placed).reshape(-1, 4)
    for dx, dy in _NUDGES:
        centre = anchor + np.array([dx * width, dy * height])
        candidate = np.array(
            [
                centre[0] - width / 2 - 1,
                centre[1] - height / 2 - 1,
                centre[0] + width / 2 + 1,
                centre[1] + height / 2 + 1,
            ]
        )
        if (
            candidate[0] < frame_box.x0
            or candidate[2] > frame_box.x1
            or candidate[1] < frame_box.y0
            or candidate[3] > frame_box.y1
        ):
            continue
        if len(boxes) and bool(
            (
                (boxes[:, 0] < candidate[2])
                & (candidate[0] < boxes[:, 2])
                & (boxes[:, 1] < candidate[3])
                & (candidate[1] < boxes[:, 3])
            ).any()
        ):
            continue
        x, y = to_data.transform(centre)
        if (dx or dy) and not shapely.contains_xy(label.shape, x, y):
            continue
        text.set_position((x, y))
        return candidate
    return None


# -- scale bar, north arrow, footer --------------------------------------------


def _nice_length(span: float) -> float:
    """Return a round length (1, 2 or 5 × 10ⁿ metres) about a fifth of ``span``."""
    target = max(span / 5, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def _scale_bar(axes: Axes) -> np.ndarray:
    """Draw a scale bar in the lower left; return its box in display units."""
    x0, x1 = axes.get_xlim()
    y0, y1 = axes.get_ylim()
    length = _nice_length(x1 - x0)
    left, base = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    height = (y1 - y0) * 0.008
    for index in range(4):
        axes.add_patch(
            Rectangle(
                (left + index * length / 4, base),
                length / 4,
                height,
                facecolor="black" if index % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=7,
            )
        )
    unit = (
        f"{length / 1000:g} {FIGURE_LABELS['kilometres']}"
        if length >= 1000
        else f"{length:g} {FIGURE_LABELS['metres']}"
    )
    size = 7
    texts = [
        axes.text(left, base + height * 1.6, "0", ha="center", va="bottom", fontsize=size),
        axes.text(
            left + length, base + height * 1.6, unit, ha="center", va="bottom", fontsize=size
        ),
    ]
    for text in texts:
        text.set_zorder(7)
        text.set_path_effects([patheffects.withStroke(linewidth=2, foreground="white")])
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    corner = axes.transData.transform([(left, base), (left + length, base + height)])
    top = max(text.get_window_extent(renderer).y1 for text in texts)
    right = max(corner[1][0], texts[1].get_window_extent(renderer).x1)
    return np.array([corner[0][0] - 8, corner[0][1] - 4, right + 4, top + 2])


def _north_arrow(axes: Axes) -> np.ndarray:
    """Draw a north arrow in the upper right; return its box in display units."""
    box = axes.get_window_extent()
    # The arrow is sized in points, so it looks the same on A3 and a thumbnail.
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    scale = figure.dpi / 72
    size = min(22 * scale, box.height * 0.12)
    x = box.x1 - size * 0.9
    y = box.y1 - size * 1.5
    to_axes = axes.transAxes.inverted()
    left, right, tip, low = (
        to_axes.transform((x - size * 0.3, y)),
        to_axes.transform((x + size * 0.3, y)),
        to_axes.transform((x, y + size)),
        to_axes.transform((x, y + size * 0.3)),
    )
    axes.add_patch(
        Polygon(
            [left, tip, low],
            closed=True,
            transform=axes.transAxes,
            facecolor="black",
            edgecolor="black",
            linewidth=0.6,
            zorder=7,
        )
    )
    axes.add_patch(
        Polygon(
            [right, tip, low],
            closed=True,
            transform=axes.transAxes,
            facecolor="white",
            edgecolor="black",
            linewidth=0.6,
            zorder=7,
        )
    )
    label_x, label_y = to_axes.transform((x, y + size * 1.05))
    axes.text(
        label_x,
        label_y,
        FIGURE_LABELS["north"],
        transform=axes.transAxes,
        ha="center",
        va="bottom",
        fontsize=max(6, size / scale * 0.45),
        fontweight="bold",
        zorder=7,
    )
    return np.array([x - size * 0.6, y - 4, x + size * 0.6, y + size * 1.7])


def _footer(axes: Axes, layers: Sequence[MapLayer], title_block: TitleBlock | None) -> None:
    """Draw the legend (left) and the title block (right) below the map."""
    handles = [
        Patch(
            facecolor=(PALETTE[0] if layer.colour_neighbours else layer.style.facecolor or "none"),
            edgecolor=layer.style.edgecolor,
            linewidth=max(layer.style.linewidth, 0.6),
            linestyle=cast(Any, layer.style.linestyle),
            hatch=layer.style.hatch,
            label=layer.legend,
        )
        for layer in layers
        if layer.legend
    ]
    if handles:
        axes.legend(
            handles=handles,
            loc="center left",
            bbox_to_anchor=(0.0, 0.5),
            title=FIGURE_LABELS["legend"],
            fontsize=8,
            title_fontsize=9,
            frameon=True,
            ncol=min(3, len(handles)),
            handlelength=2.4,
            handleheight=1.2,
        )
    if title_block is None or not title_block.rows:
        return
    table = axes.table(
        cellText=[[label, value] for label, value in title_block.rows],
        colWidths=[0.14, 0.30],
        cellLoc="left",
        loc="right",
        bbox=Bbox.from_bounds(0.56, 0.0, 0.44, 1.0),
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, column), cell in table.get_celld().items():
        cell.set_linewidth(0.6)
        if column == 0:
            cell.set_facecolor("#f0f0f0")
        del row
