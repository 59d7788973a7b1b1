"""The map and the figure of a filing's changes: grids before dashed, grids after filled.

Both draw the base grids a filing changes, over the other grids of the same
villages and the villages' outlines for context:

- ``changes.html``: an offline Leaflet page (:func:`gridgis.render.map.document.render_map`,
  the code of the supervision diagram), nothing loaded from the network, with
  a popup per grid (code, change, name, area, lineage);
- ``changes.png``: the printable figure (:func:`gridgis.render.figure.draw_map`),
  with legend, scale bar, north arrow and title block.

A county's first filing changes every grid: then the "after" grids are the
whole county and nothing is dashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from gridgis.render.labels import FILING_MAP_LABELS, STATUS_LABELS

BEFORE_COLOUR = "#c0392b"
AFTER_COLOUR = "#f39c12"
CONTEXT_COLOUR = "#bdbdbd"
VILLAGE_COLOUR = "#555555"


def _base(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[frame["level"] == "base"]


def _affected(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[gpd.GeoDataFrame, ...]:
    """Return the changed base grids before and after, their villages' other grids and outlines."""
    before, after = _base(layers["before"]), _base(layers["after"])
    current = layers["current"]
    villages = set(before["admin_code"]) | set(after["admin_code"])
    context = _base(current)
    context = context[
        context["admin_code"].isin(villages) & ~context["grid_code"].isin(set(after["grid_code"]))
    ]
    outlines = current[(current["level"] == "village") & current["admin_code"].isin(villages)]
    return before, after, context, outlines


def _texts(frame: gpd.GeoDataFrame, area_column: str) -> gpd.GeoDataFrame:
    """Add the popup texts: the change in Chinese, the area in km² (``area_column``)."""
    area = pd.to_numeric(frame.get(area_column), errors="coerce")
    changes = frame.get("change", pd.Series("", index=frame.index)).map(
        lambda c: f"{STATUS_LABELS.get(str(c), str(c))}" if isinstance(c, str) else ""
    )
    return frame.assign(
        change_label=changes.to_numpy(),
        area_text=[f"{a:.3f} km²" if a == a else "" for a in area.fillna(float("nan"))],
        name=frame["name"].fillna("").astype(str).to_numpy(),
    )


def changes_map_html(layers: Mapping[str, gpd.GeoDataFrame], manifest: Mapping[str, Any]) -> str:
    """Return the offline HTML map of a filing's changes.

    Parameters
    ----------
    layers : mapping
        The filing's ``before``, ``after`` and ``current`` grids (with
        ``area_km2`` and, for ``before``/``after``, ``change``).
    manifest : mapping
        The filing's manifest (for the title).

    Returns
    -------
    str
        One self-contained HTML page.
    """
    from gridgis.render.map.document import render_map
    from gridgis.render.map.layers import Field, Layer, LegendItem, Style

    before, after, context, outlines = _affected(layers)
    labels = FILING_MAP_LABELS
    fields = (
        Field("grid_code", labels["code"]),
        Field("change_label", labels["change"]),
        Field("area_text", labels["area"]),
    )
    map_layers = [
        Layer(
            "context",
            labels["context"],
            _texts(context, "area_km2"),
            Style(stroke="#8c8c8c", weight=0.8, fill=CONTEXT_COLOUR, fill_opacity=0.25),
            title="name",
            fields=(Field("grid_code", labels["code"]),),
            search=("grid_code", "name"),
        ),
        Layer(
            "after",
            labels["after"],
            _texts(after, "area_km2"),
            Style(stroke="#9c5700", weight=1.2, fill=AFTER_COLOUR, fill_opacity=0.55),
            title="name",
            fields=fields,
            label=("name",),
            search=("grid_code", "name"),
        ),
        Layer(
            "before",
            labels["before"],
            _texts(before, "area_km2"),
            Style(stroke=BEFORE_COLOUR, weight=2.0, dash="6 4"),
            title="name",
            fields=fields,
            search=("grid_code", "name"),
        ),
        Layer(
            "villages",
            labels["village"],
            outlines.assign(name=outlines["name"].fillna("").astype(str)),
            Style(stroke=VILLAGE_COLOUR, weight=1.6),
            interactive=False,
        ),
    ]
    county = manifest["county"]
    return render_map(
        [layer for layer in map_layers if len(layer.frame)],
        title=f"{county['name']}{labels['title']}",
        subtitle=f"{manifest['filing_id']}（{labels['versions']} "
        f"{manifest['versions']['from']} → {manifest['versions']['to']}）",
        legend=[
            LegendItem(labels["before"], BEFORE_COLOUR, "line", BEFORE_COLOUR, dash="6 4"),
            LegendItem(labels["after"], AFTER_COLOUR, "fill", "#9c5700"),
            LegendItem(labels["context"], CONTEXT_COLOUR, "fill", "#8c8c8c"),
            LegendItem(labels["village"], VILLAGE_COLOUR, "line"),
        ],
        notes=[labels["note"]],
    )


def changes_figure_png(
    layers: Mapping[str, gpd.GeoDataFrame], manifest: Mapping[str, Any]
) -> bytes:
    """Return the printable figure of a filing's changes (PNG, A4).

    Raises
    ------
    RenderError
        If no font with Chinese glyphs is installed.
    """
    from gridgis.render.figure import LayerStyle, MapLayer, TitleBlock, draw_map, figure_bytes

    before, after, context, outlines = _affected(layers)
    labels = FILING_MAP_LABELS
    county = manifest["county"]
    title = TitleBlock(
        f"{county['name']}{labels['title']}",
        (
            (labels["county"], f"{county['name']} {county['code']}"),
            (labels["filing"], str(manifest["filing_id"])),
            (
                labels["versions"],
                f"{manifest['versions']['from']} → {manifest['versions']['to']}",
            ),
            (labels["created"], str(manifest["created"])[:10]),
        ),
    )
    extent = pd.concat([before, after, outlines], ignore_index=True)
    drawn = draw_map(
        [
            MapLayer(
                context,
                LayerStyle(facecolor=CONTEXT_COLOUR, edgecolor="#8c8c8c", linewidth=0.3, alpha=0.4),
                legend=labels["context"],
            ),
            MapLayer(
                after,
                LayerStyle(facecolor=AFTER_COLOUR, edgecolor="#9c5700", linewidth=0.5, alpha=0.6),
                legend=labels["after"],
                labels="name" if len(after) <= 60 else None,
            ),
            MapLayer(
                before,
                LayerStyle(edgecolor=BEFORE_COLOUR, linewidth=1.0, linestyle="--"),
                legend=labels["before"],
            ),
            MapLayer(
                outlines,
                LayerStyle(edgecolor=VILLAGE_COLOUR, linewidth=0.9),
                legend=labels["village"],
            ),
        ],
        title_block=title,
        paper="A4",
        extent=gpd.GeoDataFrame(extent, geometry="geometry", crs=after.crs or before.crs),
    )
    return figure_bytes(drawn.figure, kind="png", dpi=150)
