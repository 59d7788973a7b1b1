"""Hazard reports on the supervision map: the open ones by state, the overdue ones in red.

:func:`hazard_layers` turns the project's hazard reports, each already judged
on the map's day (``outcome``: open or overdue, by
:func:`gridgis.project.hazards.judged_reports`), into two point layers of
:mod:`gridgis.render.map.layers`: open reports coloured by their state (登记,
交办, 上报, 处置中), and overdue ones in red, larger, ringed, on top, so a grid
office sees at once what is late. Closed reports are not drawn. A report
placed by its address has no point: it is drawn inside its grid, and its
popup says so. Every text is a column shown with ``textContent`` by the page.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.render.labels import HAZARD_MAP_LABELS
from gridgis.render.map.layers import Field, Layer, LegendItem, Style

__all__ = ["HAZARD_STATE_COLOURS", "OVERDUE_COLOUR", "hazard_layers", "hazard_legend"]

#: Open reports by state; an overdue one is red whatever its state.
HAZARD_STATE_COLOURS: dict[str, str] = {
    "登记": "#6b7b8c",
    "交办": "#1f78b4",
    "上报": "#6a3d9a",
    "处置中": "#ff7f00",
}
OVERDUE_COLOUR = "#d7191c"


def hazard_layers(reports: gpd.GeoDataFrame | None, grids: gpd.GeoDataFrame) -> list[Layer]:
    """Return the layers of open and of overdue hazard reports (none when there are none).

    Parameters
    ----------
    reports : GeoDataFrame or None
        The ``hazards`` columns with ``outcome`` and ``days_overdue``, points
        in the map's degrees (None: the project has no reports, or the map is
        public).
    grids : GeoDataFrame
        The map's grids, to draw a report without a point inside its grid.

    Returns
    -------
    list of Layer
    """
    if reports is None or reports.empty:
        return []
    open_ = reports[reports["outcome"].isin(["open", "overdue"])]
    if open_.empty:
        return []
    frame = _placed(open_, grids)
    overdue = (frame["outcome"] == "overdue").to_numpy()
    frame = frame.assign(
        fill=np.where(
            overdue, OVERDUE_COLOUR, frame["status"].map(HAZARD_STATE_COLOURS).fillna("#999999")
        ),
        grid_text=_joined(frame["grid_name"], frame["grid_code"]),
        late_text=frame["days_overdue"].map(
            lambda days: (
                HAZARD_MAP_LABELS["overdue_days"].format(days=int(days)) if pd.notna(days) else None
            )
        ),
        description_text=_joined(frame["category"], frame["description"], "："),
    )
    fields = tuple(
        Field(column, HAZARD_MAP_LABELS[label])
        for column, label in (
            ("status", "status"),
            ("found_at", "found"),
            ("level", "level"),
            ("description_text", "description"),
            ("grid_text", "grid"),
            ("department_name", "department"),
            ("deadline", "deadline"),
            ("late_text", "days_overdue"),
            ("members", "members"),
            ("grid_head", "grid_head"),
            ("reporter", "reporter"),
            ("location", "place"),
        )
    )
    keep = ["report_id", "fill", *(field.column for field in fields), "geometry"]
    frame = frame.sort_values("report_id", kind="stable")[keep]
    common = {"title": "report_id", "fields": fields, "search": ("report_id",)}
    late = frame["report_id"].isin(open_.loc[open_["outcome"] == "overdue", "report_id"])
    return [
        Layer(
            key="hazards",
            name=HAZARD_MAP_LABELS["open"],
            frame=frame[~late.to_numpy()],
            style=Style(
                stroke="#222222", weight=1.0, fill_column="fill", fill_opacity=0.95, radius=6.0
            ),
            **common,  # type: ignore[arg-type]
        ),
        Layer(
            key="hazards_overdue",
            name=HAZARD_MAP_LABELS["overdue"],
            frame=frame[late.to_numpy()],
            style=Style(
                stroke="#7a0000", weight=3.0, fill_column="fill", fill_opacity=1.0, radius=8.0
            ),
            **common,  # type: ignore[arg-type]
        ),
    ]


def hazard_legend(reports: gpd.GeoDataFrame | None) -> list[LegendItem]:
    """Return the legend lines of the hazard layers (none without open reports)."""
    if reports is None or reports.empty or not reports["outcome"].isin(["open", "overdue"]).any():
        return []
    return [
        *(
            LegendItem(f"{HAZARD_MAP_LABELS['open']}：{state}", colour, "circle")
            for state, colour in HAZARD_STATE_COLOURS.items()
        ),
        LegendItem(HAZARD_MAP_LABELS["overdue"], OVERDUE_COLOUR, "ring", "#7a0000"),
    ]


def _placed(reports: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give a report without a point a point inside its grid, and say so in its popup."""
    geometry = reports.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    shapes = grids.dropna(subset=["grid_code"]).drop_duplicates("grid_code")
    inside = dict(
        zip(shapes["grid_code"], shapely.point_on_surface(shapes.geometry.to_numpy()), strict=True)
    )
    stand_in = reports["grid_code"].map(inside).to_numpy(dtype=object)
    location = pd.Series(None, index=reports.index, dtype=object)
    location[missing & pd.notna(stand_in)] = HAZARD_MAP_LABELS["approximate"]
    placed = reports.assign(location=location)
    placed = placed.set_geometry(np.where(missing, stand_in, geometry), crs=reports.crs)
    return placed[~pd.isna(placed.geometry.to_numpy())]


def _joined(first: pd.Series, second: pd.Series, separator: str = " ") -> pd.Series:
    """Join two text columns, leaving out a missing part."""
    one = first.astype(object).where(first.notna(), "")
    two = second.astype(object).where(second.notna(), "")
    text = (one.astype(str) + separator + two.astype(str)).str.strip(separator + " ")
    return text.where(text != "", None)
