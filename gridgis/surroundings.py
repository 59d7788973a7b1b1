"""A grid's area in words (区域范围, 四至): what lies to its east, south, west and north.

A public notice (公示) says where each grid is the way people say it: "东至
唐徕渠，南至四合村，西至本村第2网格，北至县界". This module derives that from
the geometry alone:

1. Each grid's outline is cut into short pieces (a fortieth of its perimeter
   at most), measured in the Gauss–Krüger zone of the data.
2. A piece faces east, south, west or north by the bearing of its outward
   normal (north: within 45° of 0°, and so on), so an elongated grid's long
   east edge is its east side all along.
3. A piece borders the neighbour it touches (within 1 m): a grid of the same
   village, named by the grid's name, or a grid of another village, named by
   that village; a piece that touches nothing is on the county border (县界).
4. For each side, the neighbours holding at least ``min_share`` of its length
   are named, longest first. A named road or canal (``barriers``) that runs
   within ``near`` metres of at least half of a side names that side, with its
   neighbours after it: "东至唐徕渠（邻四合村）".

The project stores no road or canal lines, so they are read from the files
given (the same files ``gridgis divide --barriers`` takes); without them the
sides are named by neighbouring grids and villages only.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.crs import metric_crs_for
from gridgis.render.labels import SURROUNDINGS_LABELS

__all__ = ["DIRECTIONS", "describe_surroundings"]

#: The sides, in the order a 四至 names them.
DIRECTIONS: tuple[str, ...] = ("east", "south", "west", "north")
# Bearing quadrant (0 north, 1 east, 2 south, 3 west) -> side.
_QUADRANTS = ("north", "east", "south", "west")
# Neighbours closer than this (metres) to a piece of outline border it.
_TOUCH = 1.0


def describe_surroundings(
    grids: gpd.GeoDataFrame,
    neighbours: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame | None = None,
    *,
    min_share: float = 0.15,
    near: float = 30.0,
    most: int = 3,
) -> pd.DataFrame:
    """Describe what lies east, south, west and north of each grid.

    Parameters
    ----------
    grids : GeoDataFrame
        The grids to describe: ``grid_code`` and polygons.
    neighbours : GeoDataFrame
        What may border them, with a ``label`` column (a neighbouring grid's
        name, or its village's); rows with the grid's own code
        (``grid_code``) are ignored. Typically every base grid of the county.
    barriers : GeoDataFrame, optional
        Named lines (roads, canals) with a ``name`` column.
    min_share : float
        A neighbour is named for a side if it borders at least this share
        of the side's length.
    near : float
        Metres: a barrier this close to a piece of outline runs along it.
    most : int
        Name at most this many neighbours per side.

    Returns
    -------
    DataFrame
        ``grid_code``, one column per side of :data:`DIRECTIONS` (the names,
        joined by 、, or ""), and ``text``: the whole 四至 as a sentence.

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> boxes = [shapely.box(106.0, 38.0, 106.01, 38.01), shapely.box(106.01, 38.0, 106.02, 38.01)]
    >>> grids = gpd.GeoDataFrame({"grid_code": ["A", "B"], "label": ["甲网格", "乙网格"]},
    ...                          geometry=boxes, crs="EPSG:4490")
    >>> describe_surroundings(grids.iloc[[0]], grids).loc[0, "text"]
    '东至乙网格；南至县界；西至县界；北至县界'
    """
    columns = ["grid_code", *DIRECTIONS, "text"]
    if grids.empty:
        return pd.DataFrame(columns=columns)
    crs = metric_crs_for(grids)
    own = grids.to_crs(crs)
    others = neighbours.to_crs(crs).reset_index(drop=True)
    tree = shapely.STRtree(others.geometry.to_numpy())
    lines = _named_lines(barriers, crs)
    records = []
    # A notice describes a village's few grids; each needs its own pieces and
    # queries, so a loop over grids is the plain way to write it.
    for code, shape in zip(own["grid_code"], own.geometry, strict=True):
        sides = _sides(shape, str(code), others, tree, lines, min_share, near, most)
        text = "；".join(
            f"{SURROUNDINGS_LABELS[side]}{sides[side]}" for side in DIRECTIONS if sides[side]
        )
        records.append({"grid_code": code, **sides, "text": text})
    return pd.DataFrame.from_records(records, columns=columns)


def _named_lines(barriers: gpd.GeoDataFrame | None, crs: object) -> gpd.GeoDataFrame | None:
    if barriers is None or barriers.empty or "name" not in barriers.columns:
        return None
    named = barriers[barriers["name"].notna() & (barriers["name"].astype(str).str.strip() != "")]
    if named.empty:
        return None
    lines = named.to_crs(crs)[["name", "geometry"]]
    # A river drawn as a polygon runs along its banks.
    polygonal = lines.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polygonal.any():
        shapes = lines.geometry.to_numpy().copy()
        shapes[polygonal] = shapely.boundary(shapes[polygonal])
        lines = lines.set_geometry(gpd.GeoSeries(shapes, index=lines.index, crs=crs))
    return lines.reset_index(drop=True)


def _pieces(shape: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut an outline into short pieces: their midpoints (n×2), lengths and facing bearings.

    A piece faces the way its outward normal points (0° north, 90° east):
    with exteriors counter-clockwise and holes clockwise, the polygon lies to
    the left of every piece, so ``(dy, -dx)`` points away from it.
    """
    outline = shapely.boundary(shapely.orient_polygons(shape))
    step = max(shapely.length(outline) / 40, 1.0)
    dense = shapely.segmentize(outline, step)
    starts, ends = [], []
    for ring in shapely.get_parts(dense):
        coords = shapely.get_coordinates(ring)
        starts.append(coords[:-1])
        ends.append(coords[1:])
    start, end = np.concatenate(starts), np.concatenate(ends)
    delta = end - start
    facing = np.degrees(np.arctan2(delta[:, 1], -delta[:, 0]))
    return (start + end) / 2, np.hypot(delta[:, 0], delta[:, 1]), facing


def _sides(
    shape: shapely.Geometry,
    code: str,
    others: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    lines: gpd.GeoDataFrame | None,
    min_share: float,
    near: float,
    most: int,
) -> dict[str, str]:
    middles, lengths, facing = _pieces(shape)
    side = np.array(_QUADRANTS, dtype=object)[np.round(facing / 90).astype(int) % 4]
    points = shapely.points(middles)
    label = np.full(len(points), SURROUNDINGS_LABELS["county_border"], dtype=object)
    piece, other = tree.query(points, predicate="dwithin", distance=_TOUCH)
    if "grid_code" in others.columns:
        keep = others["grid_code"].astype(str).to_numpy()[other] != code
        piece, other = piece[keep], other[keep]
    # The first neighbour found stands for a piece (a piece borders one, bar
    # the ends of an edge where three meet).
    first = np.unique(piece, return_index=True)[1]
    label[piece[first]] = others["label"].astype(str).to_numpy()[other[first]]
    road = np.full(len(points), None, dtype=object)
    if lines is not None:
        line_tree = shapely.STRtree(lines.geometry.to_numpy())
        near_piece, near_line = line_tree.query_nearest(
            points, max_distance=near, return_distance=False
        )
        road[near_piece] = lines["name"].astype(str).to_numpy()[near_line]
    pieces = pd.DataFrame({"side": side, "label": label, "road": road, "length": lengths})
    return {
        direction: _name_side(pieces[pieces["side"] == direction], min_share, most)
        for direction in DIRECTIONS
    }


def _name_side(pieces: pd.DataFrame, min_share: float, most: int) -> str:
    total = float(pieces["length"].sum())
    if total <= 0:
        return ""
    by_label = pieces.groupby("label")["length"].sum().sort_values(ascending=False, kind="stable")
    named: Sequence[str] = [
        str(n) for n, length in by_label.items() if length >= min_share * total
    ][:most]
    if not named:
        named = [str(by_label.index[0])]
    roads = pieces.dropna(subset=["road"]).groupby("road")["length"].sum()
    if len(roads) and float(roads.max()) >= 0.5 * total:
        road = str(roads.idxmax())
        border = named[0] == SURROUNDINGS_LABELS["county_border"]
        return f"{road}（{'' if border else SURROUNDINGS_LABELS['bordering']}{'、'.join(named)}）"
    return "、".join(named)
