"""Synthetic barriers for tests and benchmarks of the division.

Villages come from :func:`gridgis.testing.synthetic_villages`;
:func:`road_grid` lays a jittered road grid and a meandering river over an
outline. It is seeded and deterministic.
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
