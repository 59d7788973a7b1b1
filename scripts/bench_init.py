"""Benchmark ``gridgis init`` + ``gridgis check`` on a province-size boundary set.

Generates about 3,000 villages with about 250k vertices by tiling the 贺兰县
outline scaled up to the size of Ningxia (66,000 km²), writes them as GeoJSON
in EPSG:4326 with ``code`` and ``name`` fields (as boundary suppliers do), and
times, in the same run:

- the anchor: geopandas alone reading the GeoJSON and writing a GeoPackage;
- gridgis init (reading, field detection, repair, dissolving two upper levels,
  storing with history and styles);
- gridgis check (codes, containment, overlaps, gaps, slivers).

Both gridgis steps run through the real CLI in a subprocess, so their times
include start-up. Target: init + check under 30 s on the 2-core CI machine.

Usage: python scripts/bench_init.py [--villages 3000] [--spacing 230] [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely
from shapely import affinity

from gridgis.crs import gauss_kruger_crs
from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_villages

PROVINCE_AREA_M2 = 66_000e6


def province_outline() -> shapely.Geometry:
    """Return the 贺兰县 outline scaled about its centre to Ningxia's area (EPSG:4326)."""
    county = gpd.read_file(DATA_DIR / "helan_county.geojson").to_crs(4326)
    metric = gauss_kruger_crs(106.2)
    shape = county.to_crs(metric).geometry.iloc[0]
    factor = (PROVINCE_AREA_M2 / shape.area) ** 0.5
    scaled = affinity.scale(shape, factor, factor, origin="centroid")
    return gpd.GeoSeries([scaled], crs=metric).to_crs(4326).iloc[0]


def timed(label: str, command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        sys.exit(f"{label} failed:\n{completed.stdout}\n{completed.stderr}")
    print(f"  {label}: exit {completed.returncode}, {seconds:.2f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=3000)
    parser.add_argument("--spacing", type=float, default=230.0, help="vertex spacing in metres")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_init_"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "villages.geojson"
    start = time.perf_counter()
    villages = synthetic_villages(
        province_outline(),
        villages=args.villages,
        townships=args.villages // 12,
        seed=7,
        vertex_spacing=args.spacing,
    )
    villages[["code", "name", "households", "geometry"]].to_file(source)
    vertices = int(shapely.get_num_coordinates(villages.geometry.values).sum())
    print(
        f"generated {len(villages)} villages, {vertices:,} vertices "
        f"({source.stat().st_size / 1e6:.1f} MB GeoJSON) in {time.perf_counter() - start:.1f} s"
    )

    print("timings:")
    start = time.perf_counter()
    frame = gpd.read_file(source)
    frame.to_file(folder / "anchor.gpkg", driver="GPKG")
    anchor = time.perf_counter() - start
    print(f"  geopandas read GeoJSON + write GPKG (anchor): {anchor:.2f} s")

    gridgis = [sys.executable, "-m", "gridgis.cli.main"]
    project = folder / "province.gpkg"
    init = timed(
        "gridgis init", [*gridgis, "init", str(project), "--admin", str(source), "--overwrite"]
    )
    check = timed("gridgis check", [*gridgis, "check", str(project)])
    total = init + check
    print()
    print("| step | seconds | × anchor |")
    print("|---|---|---|")
    print(f"| geopandas read + write (anchor) | {anchor:.2f} | 1.0 |")
    print(f"| gridgis init | {init:.2f} | {init / anchor:.1f} |")
    print(f"| gridgis check | {check:.2f} | {check / anchor:.1f} |")
    print(f"| init + check | {total:.2f} | {total / anchor:.1f} |")
    print(f"target init + check < 30 s: {'met' if total < 30 else 'MISSED'}")


if __name__ == "__main__":
    main()
