"""Synthetic barriers and load points for tests and benchmarks.

Villages come from :func:`gridgis.testing.synthetic_villages`; these
generators lay a jittered road grid and a meandering river over an outline
and scatter weighted points over villages. Everything is seeded and
deterministic.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gridgis.crs import CGCS2000
from gridgis.divide.metric import metres_per_degree


def road_grid(
    outline: shapely.Geometry, spacing_m: float, *, seed: int = 0, jitter: float = 0.2
) -> gpd.GeoDataFrame:
    """Lay a jittered grid of roads and one meandering river over an outline.

    Parameters
    ----------
    outline : shapely.Geometry
        Area to cover, EPSG:4490.
    spacing_m : float
        Distance between parallel roads, in metres.
    seed : int, optional
        Random seed.
    jitter : float, optional
        Vertex jitter as a share of the spacing.

    Returns
    -------
    GeoDataFrame
        ``kind`` ("road" or "river") and LineString geometry, EPSG:4490.
    """
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = outline.bounds
    kx, ky = metres_per_degree((miny + maxy) / 2)
    dx, dy = spacing_m / kx, spacing_m / ky
    lines = []
    for x in np.arange(minx + dx / 2, maxx, dx):
        ys = np.linspace(miny - dy, maxy + dy, 12)
        xs = x + rng.normal(0, jitter * dx, len(ys))
        lines.append(shapely.linestrings(np.column_stack([xs, ys])))
    for y in np.arange(miny + dy / 2, maxy, dy):
        xs = np.linspace(minx - dx, maxx + dx, 12)
        ys = y + rng.normal(0, jitter * dy, len(xs))
        lines.append(shapely.linestrings(np.column_stack([xs, ys])))
    t = np.linspace(0, 1, 200)
    river = np.column_stack(
        [
            minx + (maxx - minx) * t,
            miny + (maxy - miny) * (0.3 + 0.4 * t + 0.05 * np.sin(t * 6 * np.pi)),
        ]
    )
    kinds = ["road"] * len(lines) + ["river"]
    lines.append(shapely.linestrings(river))
    return gpd.GeoDataFrame({"kind": kinds}, geometry=lines, crs=CGCS2000)


def random_points(
    villages: gpd.GeoDataFrame, n: int, *, seed: int = 0, clustered: float = 0.5
) -> gpd.GeoDataFrame:
    """Scatter ``n`` points over villages, partly clustered round village centres.

    Parameters
    ----------
    villages : GeoDataFrame
        Villages, EPSG:4490.
    n : int
        Number of points.
    seed : int, optional
        Random seed.
    clustered : float, optional
        Share of points drawn near a village's centre.

    Returns
    -------
    GeoDataFrame
        ``weight`` (1-5) and Point geometry, EPSG:4490; every point lies in a
        village.
    """
    rng = np.random.default_rng(seed)
    area = shapely.union_all(villages.geometry.values)
    shapely.prepare(area)
    minx, miny, maxx, maxy = area.bounds
    centres = shapely.get_coordinates(shapely.point_on_surface(villages.geometry.values))
    out = np.empty((0, 2))
    while len(out) < n:
        m = 2 * n
        uniform = rng.uniform([minx, miny], [maxx, maxy], size=(m, 2))
        near = centres[rng.integers(0, len(centres), m)] + rng.normal(0, 0.004, (m, 2))
        pick = rng.random(m) < clustered
        xy = np.where(pick[:, None], near, uniform)
        out = np.vstack([out, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    out = out[:n]
    return gpd.GeoDataFrame(
        {"weight": rng.integers(1, 6, n)}, geometry=shapely.points(out), crs=CGCS2000
    )
