"""The maps gridgis prints, composed from :func:`gridgis.render.figure.draw_map`.

- :func:`supervision_figure`: the supervision diagram of a county or some of
  its townships (``gridgis figure``): base grids coloured so neighbours
  differ and numbered, village and township boundaries, village names, a
  legend, scale bar, north arrow and title block.
- :func:`village_figure`: one village's grids with the villages around it
  (notices), or with some grids picked out (the thumbnail on a card).

Both take GeoDataFrames; the use cases read them from the project.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from gridgis.render.figure import LayerStyle, MapFigure, MapLayer, TitleBlock, draw_map
from gridgis.render.labels import FIGURE_LABELS

__all__ = ["grid_short_names", "sector_figure", "supervision_figure", "village_figure"]

_BASE = LayerStyle(edgecolor="#555555", linewidth=0.35)
_VILLAGE = LayerStyle(edgecolor="#222222", linewidth=0.9)
_TOWNSHIP = LayerStyle(edgecolor="#000000", linewidth=1.6, linestyle="--")
_COUNTY = LayerStyle(edgecolor="#000000", linewidth=2.4)
_AROUND = LayerStyle(facecolor="#eeeeee", edgecolor="#9a9a9a", linewidth=0.5)
_ROAD = LayerStyle(edgecolor="#b07030", linewidth=0.8)
_HIGHLIGHT = LayerStyle(facecolor="#fdb462", edgecolor="#c0392b", linewidth=1.4)


def grid_short_names(grids: pd.DataFrame, villages: pd.DataFrame) -> pd.Series:
    """Name each grid inside its village: ``第2网格`` for ``谢家井村第2网格``.

    Examples
    --------
    >>> grids = pd.DataFrame({"name": ["谢家井村第2网格"], "admin_code": ["1"], "sequence": [2]})
    >>> grid_short_names(grids, pd.DataFrame({"code": ["1"], "name": ["谢家井村"]})).tolist()
    ['第2网格']
    """
    names = dict(zip(villages["code"].astype(str), villages["name"].astype(str), strict=True))
    prefixes = grids["admin_code"].astype(str).map(names).fillna("")
    return pd.Series(
        [
            str(name)[len(prefix) :] if prefix and str(name).startswith(prefix) else str(name)
            for name, prefix in zip(grids["name"], prefixes, strict=True)
        ],
        index=grids.index,
        dtype=object,
    )


def village_figure(
    grids: gpd.GeoDataFrame,
    village: gpd.GeoDataFrame,
    around: gpd.GeoDataFrame,
    *,
    labels: str | None = "short_name",
    highlight: gpd.GeoDataFrame | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    size_mm: tuple[float, float] = (180.0, 110.0),
    label_size: float = 9.0,
    scale_bar: bool = True,
) -> MapFigure:
    """Draw one village's grids, the villages around it, and optionally picked-out grids.

    Parameters
    ----------
    grids : GeoDataFrame
        The village's base grids, with the ``labels`` column.
    village : GeoDataFrame
        The village's outline (one row).
    around : GeoDataFrame
        Neighbouring villages with ``name``, drawn grey and named.
    labels : str or None
        The grids' label column.
    highlight : GeoDataFrame, optional
        Grids drawn in a strong colour (a card's own grids).
    barriers : GeoDataFrame, optional
        Roads and canals, drawn as thin lines.
    size_mm : (float, float)
        Figure size.
    label_size : float
        Points.
    scale_bar : bool
        Draw one.

    Returns
    -------
    MapFigure
    """
    layers = [
        MapLayer(around, _AROUND, labels="name", label_size=label_size * 0.85),
        MapLayer(grids, _BASE, colour_neighbours=highlight is None),
    ]
    if highlight is not None and len(highlight):
        layers.append(MapLayer(highlight, _HIGHLIGHT))
    if barriers is not None and len(barriers):
        layers.append(MapLayer(barriers, _ROAD))
    layers.append(MapLayer(village, _VILLAGE))
    # Grid labels last in the list but first to be placed: they matter most.
    layers.append(
        MapLayer(
            grids.assign(_priority=1),
            LayerStyle(facecolor=None, edgecolor="none", linewidth=0),
            labels=labels,
            label_size=label_size,
            label_weight="bold",
            label_priority="_priority",
        )
    )
    return draw_map(
        layers,
        size_mm=size_mm,
        legend=False,
        scale_bar=scale_bar,
        north_arrow=True,
        extent=village,
    )


def supervision_figure(
    grids: gpd.GeoDataFrame,
    admin: gpd.GeoDataFrame,
    title_block: TitleBlock,
    *,
    paper: str = "A3",
    townships: list[str] | None = None,
) -> MapFigure:
    """Draw the supervision diagram (安全生产网格化监管示意图) for print.

    Parameters
    ----------
    grids : GeoDataFrame
        Territorial base grids: ``grid_code``, ``admin_code``, ``sequence``.
    admin : GeoDataFrame
        Admin units: ``code``, ``name``, ``level``.
    title_block : TitleBlock
        The title and the county, version and date lines.
    paper : {"A4", "A3"}
    townships : list of str, optional
        Draw only these townships (9-digit codes); default the whole county.

    Returns
    -------
    MapFigure
    """
    villages = admin[admin["level"] == "village"]
    towns = admin[admin["level"] == "township"]
    county = admin[admin["level"] == "county"]
    if townships:
        grids = grids[grids["admin_code"].astype(str).str[:9].isin(townships)]
        villages = villages[villages["code"].astype(str).str[:9].isin(townships)]
        towns = towns[towns["code"].astype(str).isin(townships)]
    numbered = grids.assign(number=pd.to_numeric(grids["sequence"], errors="coerce"))
    numbered["number"] = numbered["number"].map(lambda n: "" if pd.isna(n) else str(int(n)))
    layers = [
        MapLayer(
            numbered,
            _BASE,
            legend=FIGURE_LABELS["base_grid"],
            colour_neighbours=True,
            labels="number",
            label_size=6.0 if paper == "A3" else 5.0,
        ),
        MapLayer(
            villages.assign(_priority=1),
            _VILLAGE,
            legend=FIGURE_LABELS["village"],
            labels="name",
            label_size=7.5 if paper == "A3" else 6.0,
            label_priority="_priority",
        ),
        MapLayer(
            towns.assign(_priority=2),
            _TOWNSHIP,
            legend=FIGURE_LABELS["township"],
            labels="name" if townships and len(townships) > 1 else None,
            label_size=11.0,
            label_weight="bold",
            label_priority="_priority",
        ),
    ]
    if not townships:
        layers.append(MapLayer(county, _COUNTY, legend=FIGURE_LABELS["county"]))
    return draw_map(layers, title_block=title_block, paper=paper, extent=villages)


def sector_figure(
    county: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, *, size_mm: tuple[float, float]
) -> MapFigure:
    """Draw a sector grid's cells (where its units are) over the county's outline."""
    layers = [
        MapLayer(county, LayerStyle(facecolor="#f4f4f4", edgecolor="#000000", linewidth=1.0)),
        MapLayer(cells, _HIGHLIGHT),
    ]
    return draw_map(
        layers, size_mm=size_mm, legend=False, scale_bar=False, north_arrow=True, extent=county
    )
