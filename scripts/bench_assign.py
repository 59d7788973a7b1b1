"""Benchmark the enterprise → grid spatial join against geopandas and PostGIS.

Generates about 3,000 villages (about 254,000 vertices) by tiling the 贺兰县
outline scaled up to the size of Ningxia (66,000 km², as ``bench_init.py``
does) and N enterprise points (default 1,000,000) spread over it, with a few
per cent outside, then times, in one run and on the same data:

- gridgis: :class:`gridgis.assign.PointLocator` (building the index, then
  locating; the time counted is both), and the whole territorial placement
  (:class:`gridgis.assign.TerritorialAssigner`: join, village names, outcomes);
- ``geopandas.sjoin(points, villages, predicate="within")`` on points already
  built (building them from lon/lat is shown separately);
- PostGIS ``ST_Contains`` with GiST indexes on both tables, on a throw-away
  cluster (Debian's ``postgresql-15-postgis-3``) that the script starts on
  127.0.0.1 (as the ``postgres`` user when run as root) and removes
  afterwards, also on error. Only the join query is timed; loading, indexing
  and ``ANALYZE`` are not. The cluster is tuned so the planner drives the
  join from the villages in parallel (see ``postgres_cluster``): with the
  default settings it scans the points and probes the village index, which
  took 34 s instead of 2-4 s.

It prints a markdown table: seconds, points per second, the ratio to
geopandas' time, and agreement with geopandas (the share of points given the
same village, and whether every disagreement lies within 1 m of a village
boundary, where ``within`` places a point nowhere and gridgis applies its
boundary rule). It also prints the peak resident memory of the gridgis join.
Target: gridgis ≤ 0.6 x geopandas.

Measured on the 2-core machine (shared, so ±50%): 1M points over 2,875
villages: gridgis 0.38-0.61 s (0.19-0.27x), geopandas 2.0-2.3 s, PostGIS
2.6-3.6 s; over 15,002 polygons (``--villages 15000``): gridgis 1.05-1.36 s
(0.47-0.61x), geopandas 2.2 s, PostGIS 3.9 s. A default run takes about 40 s.

Usage: python scripts/bench_assign.py [--rows N] [--villages 3000] [--no-postgis]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# The province outline is shared with the init benchmark (same folder).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_init import province_outline

from gridgis.admin import build_admin_units
from gridgis.assign import PointLocator, TerritorialAssigner
from gridgis.crs import gauss_kruger_crs
from gridgis.testing import synthetic_villages

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
SHARE_OUTSIDE = 0.02  # points outside the province, as faulty ledgers have


@dataclass
class Result:
    """One method's time and answer (village position per point, -1 for none)."""

    method: str
    seconds: float
    village: np.ndarray | None
    note: str = ""


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def make_points(outline: shapely.Geometry, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points inside the outline, plus a few in its bounding box outside it."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = outline.bounds
    shapely.prepare(outline)
    inside_target = count - int(count * SHARE_OUTSIDE)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    got = 0
    while got < inside_target:
        x = rng.uniform(minx, maxx, count)
        y = rng.uniform(miny, maxy, count)
        keep = shapely.contains_xy(outline, x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        got += int(keep.sum())
    x_in = np.concatenate(xs)[:inside_target]
    y_in = np.concatenate(ys)[:inside_target]
    x_out = rng.uniform(minx - 0.5, maxx + 0.5, count - inside_target)
    y_out = rng.uniform(miny - 0.5, maxy + 0.5, count - inside_target)
    order = rng.permutation(count)
    return np.concatenate([x_in, x_out])[order], np.concatenate([y_in, y_out])[order]


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb(field: str) -> float:
    """VmRSS or VmHWM of this process in MB, from /proc (ru_maxrss when absent)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# The three joins
# ---------------------------------------------------------------------------


def fresh(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copy the villages with new geometry objects, as if just read from a file.

    PointLocator prepares the polygons it is given (a GEOS cache on each
    object), and prepared polygons also speed up a later sjoin; each method
    gets its own copy so none profits from another's work.
    """
    copy = villages.copy()
    copy.geometry = shapely.from_wkb(shapely.to_wkb(villages.geometry.to_numpy()))
    return copy


def run_gridgis(villages: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> tuple[Result, str]:
    villages = fresh(villages)
    before = rss_mb("VmRSS")
    reset = reset_peak_rss()
    start = time.perf_counter()
    locator = PointLocator(villages.geometry.to_numpy(), keys=villages["code"].to_numpy())
    built = time.perf_counter()
    village = locator.locate(x, y)
    seconds = time.perf_counter() - start
    peak = rss_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    memory = (
        f"gridgis join: RSS {before:,.0f} MB before, peak {peak:,.0f} MB during "
        f"(+{peak - before:,.0f} MB)"
    )
    if not reset:
        memory += " (peak is the whole process's ru_maxrss: could not reset the mark)"
    note = f"index {built - start:.2f} s + locate {seconds - (built - start):.2f} s"
    return Result("gridgis PointLocator (2 threads)", seconds, village, note), memory


def run_assigner(
    villages: gpd.GeoDataFrame, admin_units: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray
) -> Result:
    """Whole territorial placement: join, declared-village names, outcomes."""
    rng = np.random.default_rng(5)
    names = villages.set_index("code")["name"]
    townships = admin_units[admin_units["level"] == "township"].set_index("code")["name"]
    declared = villages["code"].to_numpy()[rng.integers(0, len(villages), len(x))]
    enterprises = pd.DataFrame(
        {
            "lon": x,
            "lat": y,
            "township": townships.reindex([c[:9] for c in declared]).to_numpy(),
            "village": names.reindex(declared).to_numpy(),
        }
    )
    grids = (
        fresh(villages)
        .rename(columns={"code": "admin_code"})
        .assign(grid_code=lambda frame: frame["admin_code"] + "0010")
    )
    start = time.perf_counter()
    assigned = TerritorialAssigner(grids, admin_units).assign(enterprises)
    seconds = time.perf_counter() - start
    code = assigned["grid_code"].str[:12]
    position = pd.Series(np.arange(len(villages)), index=villages["code"])
    village = position.reindex(code.fillna("")).fillna(-1).to_numpy(dtype=np.int64)
    return Result(
        "gridgis TerritorialAssigner (join + names + outcomes)",
        seconds,
        village,
        "declared village names matched for every row",
    )


def run_geopandas(villages: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> Result:
    villages = fresh(villages)
    start = time.perf_counter()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=villages.crs)
    built = time.perf_counter() - start
    start = time.perf_counter()
    joined = gpd.sjoin(points, villages[["geometry"]], predicate="within")
    seconds = time.perf_counter() - start
    village = np.full(len(x), -1, dtype=np.int64)
    village[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    return Result(
        'geopandas sjoin(predicate="within")',
        seconds,
        village,
        f"points prebuilt (points_from_xy: {built:.2f} s more)",
    )


@contextlib.contextmanager
def postgres_cluster(folder: Path) -> Iterator[tuple[int, Path]]:
    """Start a throw-away PostgreSQL cluster on 127.0.0.1; stop it and delete it after."""
    as_user: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            sys.exit("running as root needs the 'postgres' user to own the throw-away cluster")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    log = folder / "server.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        [
            *as_user,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "bench",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB "
        # Planner help, measured: with the defaults PostgreSQL 15 picks a
        # parallel scan of the points probing the village index (34 s for
        # 1M points; every probe re-reads a polygon and cannot reuse its
        # prepared form); allowing a parallel scan of the small villages
        # table gives village-driven probes of the point index (2.1 s).
        # JIT compilation only adds 0.2-1 s to this query.
        "-c min_parallel_table_scan_size=0 -c jit=off"
    )
    started = False
    try:
        subprocess.run(
            [
                *as_user,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        started = True
        yield port, folder
    finally:
        if started:
            subprocess.run(
                [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False,
                capture_output=True,
            )


def psql(port: int, *commands: str) -> str:
    """Run commands (SQL or one psql meta-command each) in one session; return stdout."""
    arguments = [argument for command in commands for argument in ("-c", command)]
    completed = subprocess.run(
        [
            str(PG_BIN / "psql"),
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "bench",
            "-d",
            "postgres",
            *arguments,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"psql failed on {commands[-1][:60]!r}: {completed.stderr.strip()}")
    return completed.stdout


def run_postgis(villages: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="bench_assign_pg_"))
    try:
        with postgres_cluster(folder) as (port, _):
            exchange = Path(tempfile.mkdtemp(prefix="bench_assign_csv_"))
            try:
                villages_csv = exchange / "villages.csv"
                points_csv = exchange / "points.csv"
                result_csv = exchange / "result.csv"
                pd.DataFrame(
                    {
                        "id": np.arange(len(villages)),
                        "wkb": shapely.to_wkb(villages.geometry.to_numpy(), hex=True),
                    }
                ).to_csv(villages_csv, index=False, header=False)
                pd.DataFrame({"id": np.arange(len(x)), "lon": x, "lat": y}).to_csv(
                    points_csv, index=False, header=False, float_format="%.17g"
                )
                psql(port, "CREATE EXTENSION postgis")
                psql(
                    port,
                    "CREATE TABLE villages_raw (id int, wkb text); "
                    "CREATE TABLE points_raw (id int, lon float8, lat float8)",
                )
                psql(port, f"\\copy villages_raw FROM '{villages_csv}' CSV")
                psql(port, f"\\copy points_raw FROM '{points_csv}' CSV")
                psql(
                    port,
                    "CREATE TABLE villages AS SELECT id, "
                    "ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4490) AS geom "
                    "FROM villages_raw; "
                    "CREATE TABLE points AS SELECT id, "
                    "ST_SetSRID(ST_MakePoint(lon, lat), 4490) AS geom FROM points_raw; "
                    "CREATE INDEX ON villages USING gist (geom); "
                    "CREATE INDEX ON points USING gist (geom); "
                    "ANALYZE villages; ANALYZE points;",
                )
                timed = psql(
                    port,
                    "\\timing on",
                    "CREATE UNLOGGED TABLE result AS SELECT p.id AS point, "
                    "v.id AS village FROM villages v JOIN points p "
                    "ON ST_Contains(v.geom, p.geom)",
                )
                match = re.search(r"Time: ([\d.]+) ms", timed)
                if match is None:
                    raise RuntimeError(f"psql printed no timing: {timed!r}")
                seconds = float(match.group(1)) / 1000
                psql(port, f"\\copy result TO '{result_csv}' CSV")
                pairs = pd.read_csv(result_csv, header=None, names=["point", "village"])
            finally:
                shutil.rmtree(exchange, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    village = np.full(len(x), -1, dtype=np.int64)
    pairs = pairs.sort_values(["point", "village"]).drop_duplicates("point")
    village[pairs["point"].to_numpy()] = pairs["village"].to_numpy()
    return Result(
        "PostGIS ST_Contains, GiST on both",
        seconds,
        village,
        "join query only (CREATE UNLOGGED TABLE AS)",
    )


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def agreement(
    result: Result,
    reference: np.ndarray,
    villages: gpd.GeoDataFrame,
    x: np.ndarray,
    y: np.ndarray,
) -> str:
    if result.village is None:
        return "n/a"
    differ = np.flatnonzero(result.village != reference)
    share = 100 * (1 - len(differ) / len(reference))
    if len(differ) == 0:
        return f"{share:.4f}% (0 differ)"
    metric = gauss_kruger_crs(float(np.mean(x)))
    edges = villages.boundary.to_crs(metric).to_numpy()
    points = gpd.GeoSeries(gpd.points_from_xy(x[differ], y[differ]), crs=villages.crs)
    _, distance = shapely.STRtree(edges).query_nearest(
        points.to_crs(metric).to_numpy(), return_distance=True, all_matches=False
    )
    near = int((distance <= 1.0).sum())
    verdict = (
        "all within 1 m of a boundary"
        if near == len(differ)
        else f"{len(differ) - near} farther than 1 m from any boundary"
    )
    return f"{share:.4f}% ({len(differ)} differ, {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="enterprise points")
    parser.add_argument("--villages", type=int, default=3000)
    parser.add_argument("--spacing", type=float, default=230.0, help="vertex spacing in metres")
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS join")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    postgis_installed = (PG_BIN / "initdb").exists() and POSTGIS_CONTROL.exists()
    if not args.no_postgis and not postgis_installed:
        sys.exit(
            "PostGIS is not installed: run 'apt-get install -y postgresql-15-postgis-3' "
            "(Debian), or pass --no-postgis"
        )

    start = time.perf_counter()
    outline = province_outline()
    villages = synthetic_villages(
        outline,
        villages=args.villages,
        townships=min(max(1, args.villages // 12), 899),
        seed=args.seed,
        vertex_spacing=args.spacing,
    )
    villages = villages.set_crs("EPSG:4490", allow_override=True)
    x, y = make_points(outline, args.rows, args.seed)
    vertices = int(shapely.get_num_coordinates(villages.geometry.to_numpy()).sum())
    print(
        f"{len(villages):,} villages, {vertices:,} vertices; {args.rows:,} points "
        f"({SHARE_OUTSIDE:.0%} outside the province); generated in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )

    ours, memory = run_gridgis(villages, x, y)
    print(f"  gridgis: {ours.seconds:.2f} s", flush=True)
    reference = run_geopandas(villages, x, y)
    print(f"  geopandas: {reference.seconds:.2f} s", flush=True)
    assert reference.village is not None
    results = [ours, reference]
    if not args.no_postgis:
        results.append(run_postgis(villages, x, y))
        print(f"  PostGIS: {results[-1].seconds:.2f} s", flush=True)
    units = build_admin_units([("villages", villages[["code", "name", "geometry"]])]).units
    results.append(run_assigner(villages, units, x, y))
    print(f"  gridgis assigner: {results[-1].seconds:.2f} s", flush=True)

    print()
    print("| method | seconds | points/s | × geopandas | agreement with geopandas | note |")
    print("|---|---|---|---|---|---|")
    for result in results:
        ratio = result.seconds / reference.seconds
        print(
            f"| {result.method} | {result.seconds:.2f} | {args.rows / result.seconds:,.0f} "
            f"| {ratio:.2f} | {agreement(result, reference.village, villages, x, y)} "
            f"| {result.note} |"
        )
    print()
    print(memory)
    ratio = ours.seconds / reference.seconds
    print(
        f"target gridgis join ≤ 0.6 × geopandas: {'met' if ratio <= 0.6 else 'MISSED'} "
        f"({ratio:.2f} ×)"
    )


if __name__ == "__main__":
    main()
