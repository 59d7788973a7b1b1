"""The prefecture's map: every county's current grids in its registry, as map layers.

:func:`registry_map` takes the current grids of a registry
(:func:`gridgis.filing.registry.read_registry`) and returns the page of
:func:`gridgis.render.map.document.render_map`, drawn the way the supervision
diagram draws one county (:mod:`gridgis.render.map.supervision`):

- **Base grids, one layer per county**, each switched on and off in the
  layer control, coloured so that no two touching grids share a colour
  (:func:`~gridgis.render.map.geometry.neighbour_colours` over all counties at
  once, so neighbours across a county border differ too), and labelled with
  name and code where the label fits;
- **villages without base grids** in grey;
- **sector grids** (off when the map opens), coloured by department;
- the **village, township and county outlines**, drawn along the base grids'
  edges: they are the registry's level grids, each with its popup, and the
  search finds them by name or code, a county by its name.

Every current grid of the registry is one feature: a base or sector grid a
polygon, a level grid an outline. Its popup gives its code, name, level,
place, area, county, and the filing that made the row (the filing's id and
the day it entered the registry).

Each county's shapes are simplified as one coverage, as a project's map
simplifies them, so its outlines run exactly along its grids' edges. Two
counties' grids are not assumed to share vertices: a border between two
counties may be drawn once from each side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgis.crs import metric_crs_for
from gridgis.render.labels import KIND_LABELS, LEVEL_LABELS, MAP_LABELS, REGISTRY_MAP_LABELS
from gridgis.render.map.document import render_map
from gridgis.render.map.geometry import neighbour_colours, simplify_coverage
from gridgis.render.map.layers import Basemap, Field, Layer, LegendItem, Style
from gridgis.render.map.supervision import (
    GRID_PALETTE,
    TOLERANCE_M,
    UNDIVIDED_COLOUR,
    decimal_texts,
    department_fills,
    group_leaves,
)

#: The outlines, drawn in this order: key, colour, width, dash (as the supervision diagram's).
OUTLINES: tuple[tuple[str, str, float, str | None], ...] = (
    ("village", "#5f5f5f", 1.2, None),
    ("township", "#2f2f2f", 2.4, "8 5"),
    ("county", "#111111", 3.2, None),
)
#: The popup of every grid, in this order; a row without a value is not shown.
FIELDS: tuple[Field, ...] = (
    Field("grid_code", MAP_LABELS["grid_code"]),
    Field("level_text", MAP_LABELS["level"]),
    Field("place", REGISTRY_MAP_LABELS["place"]),
    Field("area", MAP_LABELS["area"]),
    Field("county_text", REGISTRY_MAP_LABELS["county_name"]),
    Field("filing_id", REGISTRY_MAP_LABELS["filing"]),
    Field("applied", REGISTRY_MAP_LABELS["applied"]),
)


@dataclass(frozen=True)
class RegistryMapData:
    """What the prefecture's map shows, as read from its registry.

    Attributes
    ----------
    grids : GeoDataFrame
        The current grids as :meth:`gridgis.filing.backend.RegistryStore.current_grids`
        returns them: ``county_code``, the grid columns, ``filing_id``, in
        lon/lat degrees.
    counties : mapping
        County code -> name, for every county of ``grids``, in the order of
        their layers.
    applied : mapping
        Filing id -> the day it entered the registry (``2025-06-30``).
    """

    grids: gpd.GeoDataFrame
    counties: Mapping[str, str]
    applied: Mapping[str, str]


def registry_map(
    data: RegistryMapData,
    *,
    title: str,
    subtitle: str,
    basemap: Basemap | None = None,
    notes: Iterable[str] = (),
    tolerance_m: float = TOLERANCE_M,
) -> str:
    """Build the prefecture's map of its counties' current grids as one offline HTML page.

    Parameters
    ----------
    data : RegistryMapData
        In lon/lat degrees (shifted to GCJ-02 already for a Gaode basemap).
    title, subtitle : str
        The heading and the line under it.
    basemap : Basemap, optional
        Default: none, so the page needs no network.
    notes : iterable of str
        Lines under the legend.
    tolerance_m : float
        Simplification tolerance in metres.

    Returns
    -------
    str
        The HTML page.
    """
    grids = _described(data)
    territorial = grids[grids["kind"] == "territorial"]
    leaves = _leaves(territorial, tolerance_m)
    divided = leaves[leaves["grid_code"].notna()]
    colours = neighbour_colours(divided.geometry.to_numpy(), len(GRID_PALETTE))
    divided = divided.assign(fill=np.asarray(GRID_PALETTE, dtype=object)[colours])
    attributes = territorial.drop(columns="geometry").set_index("grid_code")
    shapes = [
        _county_layer(code, name, divided[divided["county"] == code], attributes)
        for code, name in data.counties.items()
    ]
    shapes.append(_undivided_layer(leaves[leaves["grid_code"].isna()], territorial))
    sources = tuple(layer.key for layer in shapes if len(layer.frame))
    sector = grids[grids["kind"] == "sector"]
    layers = [*shapes, _sector_layer(sector)]
    if sources:
        layers += [
            _outline_layer(key, leaves, territorial, sources, colour, weight, dash)
            for key, colour, weight, dash in OUTLINES
        ]
    return render_map(
        [layer for layer in layers if len(layer.frame)],
        title=title,
        subtitle=subtitle,
        basemap=basemap,
        legend=_legend(sector, undivided=bool(len(shapes[-1].frame))),
        notes=notes,
        interface={"search": REGISTRY_MAP_LABELS["search"]},
    )


def _described(data: RegistryMapData) -> gpd.GeoDataFrame:
    """Add the texts every popup shows: level, place, area, county, filing and its date."""
    grids = data.grids
    level = grids["level"].astype(str)
    level_text = (level.map(LEVEL_LABELS).fillna(level) + "网格").where(
        grids["kind"] != "sector", LEVEL_LABELS["county"] + KIND_LABELS["sector"]
    )
    # The places a grid lies in are named by the level grids of their codes.
    named = grids[(grids["kind"] == "territorial") & (grids["level"] != "base")]
    names = dict(zip(named["admin_code"], named["name"], strict=False))
    admin = grids["admin_code"].astype(str)
    township = admin.str[:9].map(names)
    village = admin.map(names).where(grids["level"] == "base")
    place = (township.fillna("") + " " + village.fillna("")).str.strip()
    place = place.where(grids["level"].isin(["base", "village"]) & (place != ""), None)
    county = grids["county_code"].map(dict(data.counties)).fillna("")
    return grids.assign(
        level_text=level_text.to_numpy(),
        place=place.to_numpy(),
        area=_area_texts(grids).to_numpy(),
        county_text=(county + "（" + grids["county_code"] + "）").to_numpy(),
        applied=grids["filing_id"].map(dict(data.applied)).to_numpy(),
    )


def _area_texts(grids: gpd.GeoDataFrame) -> pd.Series:
    """Area in km²: a base grid's as filed, a level grid's measured; none for a sector grid."""
    area = pd.to_numeric(grids["area_km2"], errors="coerce")
    territorial = grids["kind"] == "territorial"
    measure = area.isna() & territorial & (grids["level"] != "base")
    if measure.any():
        shapes = grids.loc[measure, ["geometry"]]
        area[measure] = shapes.to_crs(metric_crs_for(shapes)).area.to_numpy() / 1e6
    return decimal_texts(area.where(territorial), 2, " 平方公里")


def _leaves(territorial: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Return the base grids and the villages without any, simplified one county at a time.

    Returns
    -------
    GeoDataFrame
        ``grid_code`` (None for a village without base grids), ``village``,
        ``township``, ``county`` and the simplified shape, county by county.
    """
    frames = []
    for county, own in territorial.groupby("county_code", sort=True):
        base = own[own["level"] == "base"]
        villages = own[own["level"] == "village"]
        undivided = villages[~villages["admin_code"].isin(base["admin_code"])]
        village = np.concatenate(
            [
                base["admin_code"].to_numpy(dtype=object),
                undivided["admin_code"].to_numpy(dtype=object),
            ]
        )
        frames.append(
            gpd.GeoDataFrame(
                {
                    "grid_code": [*base["grid_code"], *[None] * len(undivided)],
                    "village": village,
                    "township": pd.Series(village, dtype=object).str[:9].to_numpy(),
                    "county": county,
                },
                geometry=simplify_coverage(
                    np.concatenate([base.geometry.to_numpy(), undivided.geometry.to_numpy()]),
                    tolerance_m,
                ),
                crs=territorial.crs,
            )
        )
    if not frames:
        return gpd.GeoDataFrame(
            columns=["grid_code", "village", "township", "county", "geometry"],
            geometry="geometry",
            crs=territorial.crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=territorial.crs)


def _county_layer(
    code: str, name: str, leaves: gpd.GeoDataFrame, attributes: pd.DataFrame
) -> Layer:
    """One county's base grids: its own layer, labelled, searchable by code and name."""
    texts = attributes.reindex(leaves["grid_code"])
    columns = ["name", *(f.column for f in FIELDS if f.column != "grid_code")]
    frame = leaves.assign(**{column: texts[column].to_numpy() for column in columns})
    return Layer(
        key=f"grids_{code}",
        name=f"{name}{REGISTRY_MAP_LABELS['grids']}",
        frame=frame,
        style=Style(stroke="#4d4d4d", weight=0.8, fill_column="fill", fill_opacity=0.6),
        title="name",
        fields=FIELDS,
        label=("name", "grid_code"),
        search=("grid_code", "name"),
    )


def _undivided_layer(leaves: gpd.GeoDataFrame, territorial: gpd.GeoDataFrame) -> Layer:
    """Villages not (yet) divided into base grids, grey; their village grids are outlines."""
    villages = territorial[territorial["level"] == "village"].set_index("admin_code")
    texts = villages.reindex(leaves["village"])
    frame = leaves.assign(
        name=texts["name"].fillna(pd.Series(leaves["village"].to_numpy())).to_numpy(),
        admin_code=leaves["village"].to_numpy(),
        county_text=texts["county_text"].to_numpy(),
    )
    return Layer(
        key="undivided",
        name=MAP_LABELS["undivided"],
        frame=frame,
        style=Style(stroke="#4d4d4d", weight=0.8, fill=UNDIVIDED_COLOUR, fill_opacity=0.5),
        title="name",
        fields=(
            Field("admin_code", MAP_LABELS["admin_code"]),
            Field("county_text", REGISTRY_MAP_LABELS["county_name"]),
        ),
    )


def _sector_layer(sector: gpd.GeoDataFrame) -> Layer:
    """Every county's sector grids, by department; off when the map opens."""
    frame = sector.assign(fill=department_fills(sector["department"]))
    keep = ["grid_code", "name", "fill", *(f.column for f in FIELDS), "geometry"]
    return Layer(
        key="sector",
        name=MAP_LABELS["sector"],
        frame=frame[list(dict.fromkeys(keep))],
        style=Style(stroke="#333333", weight=0.6, fill_column="fill", fill_opacity=0.45),
        title="name",
        fields=FIELDS,
        search=("grid_code", "name"),
        shown=False,
    )


def _outline_layer(
    key: str,
    leaves: gpd.GeoDataFrame,
    territorial: gpd.GeoDataFrame,
    sources: tuple[str, ...],
    colour: str,
    weight: float,
    dash: str | None,
) -> Layer:
    """Draw the level grids of one level as outlines along the base grids' edges."""
    rows = territorial[territorial["level"] == key].rename(columns={"admin_code": "code"})
    grouped = group_leaves(leaves, key, rows)
    frame = grouped[grouped["grid_code"].notna()].reset_index(drop=True)
    return Layer(
        key=key,
        name=MAP_LABELS[key],
        frame=frame,
        style=Style(stroke=colour, weight=weight, dash=dash, fill=None),
        title="name",
        fields=FIELDS,
        search=("name", "grid_code"),
        outline_of=sources,
        group=key,
    )


def _legend(sector: gpd.GeoDataFrame, *, undivided: bool) -> list[LegendItem]:
    items = [LegendItem(MAP_LABELS["neighbours"], GRID_PALETTE[0], "fill", "#4d4d4d")]
    if undivided:
        items.append(LegendItem(MAP_LABELS["undivided"], UNDIVIDED_COLOUR, "fill", "#4d4d4d"))
    departments = pd.DataFrame(
        {
            "department": pd.to_numeric(sector["department"], errors="coerce").fillna(1),
            "name": sector["name"].astype(str),
            "fill": department_fills(sector["department"]),
        }
    )
    # Each county has its own grid of a department, mostly of the same name: listed once.
    for row in departments.drop_duplicates("name").sort_values(["department", "name"]).itertuples():
        items.append(LegendItem(str(row.name), str(row.fill), "fill"))
    for key, stroke, _, dash in reversed(OUTLINES):
        items.append(LegendItem(MAP_LABELS[key], stroke, "line", dash=dash))
    return items
