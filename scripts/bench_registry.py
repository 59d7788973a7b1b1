"""Benchmark the prefecture registry: applying 22 counties' filings, then exporting every grid.

Makes 22 county-size projects, one per county of Ningxia's code scheme (about
3,000 synthetic villages in all, each county a copy of the 贺兰县 outline set
apart from the others), divides them by area, and makes each county's
baseline filing; then re-divides two villages per county and makes a second
filing. Then, on the same data in one run:

- applies the 44 filings, county by county, to a fresh GeoPackage registry,
  and to a fresh PostGIS registry (a throw-away cluster on 127.0.0.1, as in
  ``bench_assign.py``); the baselines also from two processes at once (two
  counties at a time), the way counties file concurrently;
- exports all current grids (``gridgis registry export``) from each;
- and, as the anchor, loads the same current grids (the union of the 22
  filings' ``current`` layers, one GeoPackage) into a GeoPackage and into the
  same PostgreSQL database with ``ogr2ogr`` (Debian's ``gdal-bin``; pyogrio's
  wheel has no PostgreSQL driver), with a spatial index, and exports them
  back with ``ogr2ogr``.

An apply does more than a load: it reads and verifies the zip (checksums,
every code, the villages' coverage), compares the registry's state with the
filing's before state, and writes history rows in one transaction. The
anchor says what moving the same rows costs.

Usage: python scripts/bench_registry.py [--villages 3000] [--workdir DIR]
(``--workdir`` keeps the projects and filings for the next run, which then
skips making them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_assign import postgres_cluster

from gridgis.cli.main import cli
from gridgis.codes import default_scheme
from gridgis.filing.registry import Scope, apply_filing, export_registry_grids, init_registry
from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_villages


def run(*args: object) -> None:
    result = CliRunner().invoke(cli, ["-q", *(str(a) for a in args)])
    if result.exit_code != 0:
        raise RuntimeError(f"gridgis {' '.join(map(str, args))}: {result.output}")


def make_counties(folder: Path, villages: int) -> list[tuple[str, Path, list[Path]]]:
    """One project per county, divided, with a baseline filing and a filing of changes."""
    outline = gpd.read_file(DATA_DIR / "helan_county.geojson").to_crs(4326).geometry.iloc[0]
    counties = sorted(default_scheme().counties)
    per_county = max(4, villages // len(counties))
    made = []
    for index, code in enumerate(counties):
        project = folder / f"{code}.gpkg"
        filings = [folder / f"{code}_1.zip", folder / f"{code}_2.zip"]
        if not all(f.exists() for f in filings):
            start = time.perf_counter()
            for stale in (project, *filings):
                stale.unlink(missing_ok=True)
            shape = shapely.affinity.translate(
                outline, xoff=(index % 5) * 0.7 - 1.4, yoff=-(index // 5) * 0.6
            )
            frame = synthetic_villages(
                shape, villages=per_county, townships=6, county_code=code, seed=index
            )
            source = folder / f"{code}.geojson"
            frame.to_file(source)
            run("init", project, "--admin", source)
            run("divide", project, "--by", "area", "--max-load", 6)
            run("filing", "create", project, "-o", filings[0])
            village_codes = sorted(frame["code"])[:2]
            run(
                "divide",
                project,
                "--village",
                village_codes[0],
                "--village",
                village_codes[1],
                "--by",
                "area",
                "--max-load",
                3,
            )
            run("filing", "create", project, "--note", "两村调整", "-o", filings[1])
            print(f"  {code}: made in {time.perf_counter() - start:.1f} s", flush=True)
        made.append((code, project, filings))
    return made


def apply_all(target: str, filings: list[Path]) -> float:
    start = time.perf_counter()
    for filing in filings:
        apply_filing(target, filing)
    return time.perf_counter() - start


def _apply_list(target: str, filings: list[Path]) -> int:
    for filing in filings:
        apply_filing(target, filing)
    return len(filings)


def _warm(_: int) -> int:
    import gridgis.filing.gpkg_registry
    import gridgis.filing.postgis
    import gridgis.filing.registry  # noqa: F401

    time.sleep(0.5)  # so that each worker takes one
    return os.getpid()


def apply_two_at_once(target: str, filings: list[Path]) -> float:
    """Apply filings from two processes, each its own share of the counties.

    The workers are started and have imported gridgis before the clock starts,
    as two offices' running sessions would have.
    """
    shares = [filings[0::2], filings[1::2]]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        assert len(set(pool.map(_warm, [0, 1]))) == 2
        start = time.perf_counter()
        done = sum(pool.map(_apply_list, [target, target], shares))
        seconds = time.perf_counter() - start
    assert done == len(filings)
    return seconds


def export(target: str, output: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = export_registry_grids(target, output, overwrite=True)
    return time.perf_counter() - start, rows


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {completed.stderr.strip()[:400]}")
    return time.perf_counter() - start


def current_grids(filings: list[Path], output: Path) -> int:
    """Write the union of the filings' current layers: what the registry ends with."""
    from gridgis.filing.package import read_package

    frames = []
    for filing in filings:
        package = read_package(filing)
        with package.member_file("grids.gpkg") as path:
            frame = pyogrio.read_dataframe(path, layer="current")
        frames.append(frame.assign(county_code=package.county_code))
    union = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    pyogrio.write_dataframe(union, output, layer="grids", driver="GPKG")
    return len(union)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=3000, help="villages in all")
    parser.add_argument("--workdir", type=Path, help="keep projects and filings here")
    args = parser.parse_args()
    if shutil.which("ogr2ogr") is None:
        sys.exit("ogr2ogr is missing: run ./scripts/install-system-deps.sh (Debian's gdal-bin)")
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="bench_registry_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"projects and filings in {folder}", flush=True)
    counties = make_counties(folder, args.villages)
    baselines = [filings[0] for _, _, filings in counties]
    changes = [filings[1] for _, _, filings in counties]
    anchor_source = folder / "all_current.gpkg"
    anchor_source.unlink(missing_ok=True)
    grids = current_grids(changes, anchor_source)
    villages = sum(
        len(
            pyogrio.read_dataframe(
                project, layer="admin_units", columns=["level"], read_geometry=False
            ).query("level == 'village'")
        )
        for _, project, _ in counties
    )
    print(f"{len(counties)} counties, {villages:,} villages, {grids:,} current grids", flush=True)

    results: dict[str, dict[str, float]] = {"gpkg": {}, "postgis": {}}
    work = folder / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    registry = work / "registry.gpkg"
    init_registry(str(registry), Scope("region", "640000"))
    results["gpkg"]["baselines"] = apply_all(str(registry), baselines)
    results["gpkg"]["changes"] = apply_all(str(registry), changes)
    results["gpkg"]["export"], exported = export(str(registry), work / "export_gpkg.gpkg")
    assert exported == grids, (exported, grids)
    parallel = work / "parallel.gpkg"
    init_registry(str(parallel), Scope("region", "640000"))
    results["gpkg"]["baselines, 2 processes"] = apply_two_at_once(str(parallel), baselines)
    anchor = work / "anchor.gpkg"
    results["gpkg"]["ogr2ogr load"] = timed(
        ["ogr2ogr", "-f", "GPKG", str(anchor), str(anchor_source), "-nln", "grids"]
    )
    results["gpkg"]["ogr2ogr export"] = timed(
        ["ogr2ogr", "-f", "GPKG", str(work / "anchor_out.gpkg"), str(anchor), "grids"]
    )
    print(f"  GeoPackage: {results['gpkg']}", flush=True)

    cluster = Path(tempfile.mkdtemp(prefix="bench_registry_pg_"))
    try:
        with postgres_cluster(cluster) as (port, _):
            url = f"postgresql://bench@127.0.0.1:{port}/postgres"
            init_registry(f"{url}?schema=registry", Scope("region", "640000"))
            target = f"{url}?schema=registry"
            results["postgis"]["baselines"] = apply_all(target, baselines)
            results["postgis"]["changes"] = apply_all(target, changes)
            results["postgis"]["export"], exported = export(target, work / "export_pg.gpkg")
            assert exported == grids, (exported, grids)
            init_registry(f"{url}?schema=parallel", Scope("region", "640000"))
            results["postgis"]["baselines, 2 processes"] = apply_two_at_once(
                f"{url}?schema=parallel", baselines
            )
            connection = f"PG:host=127.0.0.1 port={port} user=bench dbname=postgres"
            results["postgis"]["ogr2ogr load"] = timed(
                [
                    "ogr2ogr",
                    "-f",
                    "PostgreSQL",
                    connection,
                    str(anchor_source),
                    "-nln",
                    "public.anchor",
                    "-lco",
                    "GEOMETRY_NAME=geom",
                    "-lco",
                    "SPATIAL_INDEX=GIST",
                    "-nlt",
                    "MULTIPOLYGON",
                ]
            )
            results["postgis"]["ogr2ogr export"] = timed(
                [
                    "ogr2ogr",
                    "-f",
                    "GPKG",
                    str(work / "anchor_pg_out.gpkg"),
                    connection,
                    "public.anchor",
                ]
            )
    finally:
        shutil.rmtree(cluster, ignore_errors=True)
    print(f"  PostGIS: {results['postgis']}", flush=True)

    gpkg, pg = results["gpkg"], results["postgis"]
    filings = len(baselines)
    print()
    print(
        f"{len(counties)} counties, {villages:,} villages; {filings} baseline filings and "
        f"{len(changes)} filings of changes; {grids:,} current grids"
    )
    print()
    print("| step | GeoPackage registry (s) | PostGIS registry (s) |")
    print("|---|---|---|")
    rows = [
        (f"apply {filings} baseline filings, one after another", "baselines"),
        (f"apply {filings} baseline filings, 2 processes at once", "baselines, 2 processes"),
        (f"apply {len(changes)} filings of changes (2 villages each)", "changes"),
        (f"export all {grids:,} current grids (gridgis registry export)", "export"),
        (f"ogr2ogr loads the same {grids:,} grids, spatial index (anchor)", "ogr2ogr load"),
        ("ogr2ogr exports them (anchor)", "ogr2ogr export"),
    ]
    for label, key in rows:
        print(f"| {label} | {gpkg[key]:.2f} | {pg[key]:.2f} |")
    print(
        f"| baselines ÷ ogr2ogr load | {gpkg['baselines'] / gpkg['ogr2ogr load']:.1f} × "
        f"| {pg['baselines'] / pg['ogr2ogr load']:.1f} × |"
    )
    if args.workdir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
