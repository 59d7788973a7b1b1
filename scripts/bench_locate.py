#!/usr/bin/env python
"""Time ``gridgis locate --points`` against a plain geopandas pipeline on the same points.

Random points over the demo county (a tenth of them outside it), written to a
CSV file with 经度/纬度 headers, are located four ways in one run:

- ``gridgis locate --points`` end to end (the use case: read the file, read the
  coordinates as the ledger does, join, add names, write the CSV), in-process;
- the join alone: :meth:`gridgis.locate.GridFinder.locate` on the points in memory;
- the anchor: pandas ``read_csv``, ``points_from_xy``, geopandas ``sjoin``
  (``within``) with the same placement grids, names merged, ``to_csv``;
- geopandas ``sjoin`` alone, in memory.

Both pipelines' grids are compared; they may differ only on boundaries, where
``within`` places a point nowhere. Usage::

    gridgis demo                                  # makes out/helan.gpkg
    python scripts/bench_locate.py [--project out/helan.gpkg] [--points 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgis.io.store import open_project
from gridgis.project.locate import locate_points, open_grid_finder


def _placement(project: Path) -> gpd.GeoDataFrame:
    grids = open_project(project).read_grids(levels=["base", "village"], kinds=["territorial"])
    base = grids[grids["level"] == "base"]
    undivided = grids[(grids["level"] == "village") & ~grids["admin_code"].isin(base["admin_code"])]
    return pd.concat([base, undivided])[["grid_code", "name", "admin_code", "geometry"]]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("out/helan.gpkg"))
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    placement = _placement(args.project)
    minx, miny, maxx, maxy = placement.total_bounds
    rng = np.random.default_rng(args.seed)
    lon = rng.uniform(minx - 0.02, maxx + 0.02, args.points)
    lat = rng.uniform(miny - 0.02, maxy + 0.02, args.points)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "points.csv"
        pd.DataFrame({"编号": np.arange(args.points), "经度": lon, "纬度": lat}).to_csv(
            source, index=False
        )

        started = time.perf_counter()
        report = locate_points(args.project, source, Path(folder) / "gridgis.csv")
        rows.append(("gridgis locate --points (file to file)", time.perf_counter() - started))
        mine = pd.read_csv(Path(folder) / "gridgis.csv", dtype=str, encoding="utf-8-sig")

        started = time.perf_counter()
        finder = open_grid_finder(args.project)
        built = time.perf_counter() - started
        started = time.perf_counter()
        finder.locate(pd.DataFrame({"lon": lon, "lat": lat}))
        rows.append(("GridFinder.locate (join alone, in memory)", time.perf_counter() - started))

        started = time.perf_counter()
        table = pd.read_csv(source)
        points = gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table["经度"], table["纬度"]), crs=placement.crs
        )
        joined = gpd.sjoin(points, placement, predicate="within", how="left")
        joined.drop(columns=["geometry", "index_right"]).to_csv(
            Path(folder) / "geopandas.csv", index=False
        )
        rows.append(("geopandas read + sjoin + write (anchor)", time.perf_counter() - started))

        started = time.perf_counter()
        gpd.sjoin(points, placement, predicate="within", how="left")
        rows.append(("geopandas sjoin alone, in memory", time.perf_counter() - started))

    theirs = joined["grid_code"].reindex(points.index)
    agree = (mine["grid_code"].fillna("") == theirs.fillna("").to_numpy()).mean()
    anchor = rows[2][1]
    print(f"{args.points:,} points, {report.placed:,} in a grid; {len(placement)} grids")
    print(f"GridFinder built in {built:.2f} s (reading the project and the roster included)")
    print(f"{'step':<44} {'seconds':>8} {'points/s':>12} {'x anchor':>9}")
    for name, seconds in rows:
        print(f"{name:<44} {seconds:8.2f} {args.points / seconds:12,.0f} {seconds / anchor:9.2f}")
    print(f"agreement with geopandas: {100 * agree:.3f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
