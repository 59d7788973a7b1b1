"""Why pyogrio and shapely's STRtree, not fiona and rtree: both measured in the same run.

1. **Vector I/O.** Write and read back a GeoPackage of N points with 10 attribute
   columns, and the province-size village set (about 2,900 polygons):
   geopandas with ``engine="pyogrio"`` (Arrow) against ``engine="fiona"``.
2. **Spatial index.** Build an index over the villages and find, for N points,
   the villages whose envelope holds them: ``shapely.STRtree.query`` (one
   vectorised call) against ``rtree.index.Index`` (bulk-loaded, then
   ``intersection_v``, rtree's own vectorised query).

Both anchors are in the ``bench`` extra: ``pip install -e '.[bench]'``.

Usage: python scripts/bench_deps.py [--points 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_init import province_outline

from gridgis.testing import synthetic_villages


def timed(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Return the best time of ``repeat`` runs and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def points_frame(count: int, bounds: np.ndarray, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(bounds[0], bounds[2], count)
    y = rng.uniform(bounds[1], bounds[3], count)
    columns = {f"text{i}": np.char.mod("企业%d", rng.integers(0, 10**6, count)) for i in range(5)}
    columns |= {f"number{i}": rng.normal(size=count) for i in range(5)}
    return gpd.GeoDataFrame(columns, geometry=shapely.points(x, y), crs="EPSG:4490")


def io_rows(frame: gpd.GeoDataFrame, folder: Path, label: str) -> list[tuple[str, float, float]]:
    rows = []
    for engine in ("pyogrio", "fiona"):
        path = folder / f"{label}-{engine}.gpkg"

        def write(engine: str = engine, path: Path = path) -> None:
            path.unlink(missing_ok=True)
            options = {"use_arrow": True} if engine == "pyogrio" else {}
            frame.to_file(path, driver="GPKG", engine=engine, **options)

        write_seconds, _ = timed(write, repeat=1)
        options = {"use_arrow": True} if engine == "pyogrio" else {}
        read_seconds, back = timed(
            lambda engine=engine, path=path, options=options: gpd.read_file(
                path, engine=engine, **options
            ),
            repeat=1,
        )
        assert len(back) == len(frame)
        rows.append((f"{label}: geopandas engine={engine}", write_seconds, read_seconds))
    return rows


def index_rows(polygons: np.ndarray, points: np.ndarray) -> list[tuple[str, float, float, int]]:
    import rtree

    def shapely_index() -> tuple[float, int]:
        start = time.perf_counter()
        tree = shapely.STRtree(polygons)
        built = time.perf_counter() - start
        hits = tree.query(points)
        return built, hits.shape[1]

    def rtree_index() -> tuple[float, int]:
        start = time.perf_counter()
        bounds = shapely.bounds(polygons)
        index = rtree.index.Index(
            ((i, tuple(b), None) for i, b in enumerate(bounds)), interleaved=True
        )
        built = time.perf_counter() - start
        xy = shapely.get_coordinates(points)
        ids, _counts = index.intersection_v(xy, xy)
        return built, len(ids)

    rows = []
    for label, function in (("shapely.STRtree", shapely_index), ("rtree.Index", rtree_index)):
        seconds, (built, hits) = timed(function)
        rows.append((label, built, seconds - built, hits))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--io-points", type=int, default=200_000)
    args = parser.parse_args()
    outline = province_outline()
    villages = synthetic_villages(outline, villages=2_900, townships=200, seed=3)
    villages = villages.to_crs("EPSG:4490")
    print(
        f"{len(villages)} villages; {args.io_points:,} points for I/O; "
        f"{args.points:,} points for the index"
    )
    with tempfile.TemporaryDirectory() as folder:
        rows = io_rows(villages, Path(folder), "villages")
        rows += io_rows(points_frame(args.io_points, villages.total_bounds), Path(folder), "points")
    print("\n| vector I/O | write s | read s |\n|---|---|---|")
    for label, write_seconds, read_seconds in rows:
        print(f"| {label} | {write_seconds:.2f} | {read_seconds:.2f} |")
    points = points_frame(args.points, villages.total_bounds).geometry.to_numpy()
    index = index_rows(villages.geometry.to_numpy(), points)
    print("\n| spatial index | build s | query s | candidate pairs |\n|---|---|---|---|")
    for label, built, query, hits in index:
        print(f"| {label} | {built:.3f} | {query:.2f} | {hits:,} |")


if __name__ == "__main__":
    main()
