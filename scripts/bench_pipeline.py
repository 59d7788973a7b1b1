"""Benchmark the whole enterprise pipeline: a CSV ledger to stored assignments.

Builds a province-size project (about 3,000 villages tiling the 贺兰县 outline
scaled to Ningxia's 66,000 km², as ``bench_init.py`` does; each village one
base grid), writes an N-row ledger CSV with Chinese headers (valid USCCs,
WGS-84 coordinates, sectors and risk levels), then times through the real CLI,
each in its own process, with the peak memory of it and its helper process:

- ``gridgis enterprises import`` (read, normalise, store with history);
- ``gridgis assign`` (join, sector rules, capacity, sector grids, store);
- both again on the unchanged ledger (up to 2M rows): nothing changes, but
  every row is compared with its stored version;

next to anchors measured in the same run on the same file: ``pandas.read_csv``
alone (the floor for reading), and a plain geopandas pipeline (read the CSV,
build points, ``sjoin(predicate="within")``, write the result to a
GeoPackage) that does no validation, history or rules; and the store's floor:
GDAL writing, from memory, the very rows gridgis stored (enterprises with
their indexes, ledger rows, assignments), which no GeoPackage store can beat.

Targets: 1M rows to stored assignments in under 10 s; 10M rows with peak
memory under 3 GB (``--rows 10000000``; the anchors are skipped above 2M rows
because geopandas alone would need more memory than the target).

Each village is one grid holding rows/villages units, so the default rules
(capacity 30 per grid) would send nine in ten units to sector grids; the
benchmark gives each grid the capacity of a county divided for its load:
1.5 times the mean grid load (``--capacity-per-member``, default 800 for 1M
rows over 3,000 villages, 8,000 for 10M), which moves a few percent.

Usage: python scripts/bench_pipeline.py [--rows N] [--villages 3000]
       [--capacity-per-member C] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_init import province_outline

from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_villages

USCC_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
SECTORS = np.array(
    [
        "商贸",
        "机械制造",
        "建材",
        "轻工",
        "道路运输",
        "建筑施工",
        "食品生产",
        "危险化学品",
        "城镇燃气",
    ]
)
SECTOR_SHARE = np.array([0.3, 0.18, 0.12, 0.1, 0.08, 0.08, 0.08, 0.04, 0.02])
RISKS = np.array(["低", "一般", "较大", "重大"])
RISK_SHARE = np.array([0.55, 0.39, 0.05, 0.01])


def usccs(count: int, rng: np.random.Generator) -> np.ndarray:
    """Return valid USCCs (GB 32100 check character), vectorised."""
    body = np.empty((count, 17), dtype=np.int64)
    body[:, 0] = 9  # registered by the market regulator
    body[:, 1] = 1  # enterprise
    body[:, 2:8] = [6, 4, 0, 1, 2, 2]
    body[:, 8:17] = rng.integers(0, 31, (count, 9))
    check = (31 - (body * USCC_WEIGHTS).sum(axis=1) % 31) % 31
    codes = np.concatenate([body, check[:, None]], axis=1)
    return np.array(["".join(row) for row in USCC_ALPHABET[codes]])


def write_ledger(path: Path, villages: gpd.GeoDataFrame, rows: int, seed: int) -> None:
    """Write an N-row ledger: points inside random villages, Chinese headers, UTF-8."""
    rng = np.random.default_rng(seed)
    written = 0
    first = True
    minx, miny, maxx, maxy = villages.total_bounds
    tree = shapely.STRtree(villages.geometry.to_numpy())
    while written < rows:
        size = min(1_000_000, rows - written)
        x = rng.uniform(minx, maxx, size * 2)
        y = rng.uniform(miny, maxy, size * 2)
        points = shapely.points(x, y)
        hit, village = tree.query(points, predicate="within")
        keep = hit[:size]
        chosen = villages.iloc[village[:size]]
        n = len(keep)
        frame = pd.DataFrame(
            {
                "序号": np.arange(written + 1, written + n + 1),
                "企业名称": [f"测试企业{i}有限公司" for i in range(written + 1, written + n + 1)],
                "统一社会信用代码": usccs(n, rng),
                "所属乡/镇/街道": chosen["township_name"].to_numpy(),
                "所属村/社区": chosen["name"].to_numpy(),
                "行业": rng.choice(SECTORS, n, p=SECTOR_SHARE),
                "风险等级": rng.choice(RISKS, n, p=RISK_SHARE),
                "员工人数": rng.lognormal(3, 1, n).astype(int) + 1,
                "营业收入（万元）": np.round(rng.lognormal(6, 1.5, n), 1),
                "经度": np.round(x[keep], 6),
                "纬度": np.round(y[keep], 6),
            }
        )
        frame.to_csv(path, mode="w" if first else "a", header=first, index=False, encoding="utf-8")
        first = False
        written += n


def _tree_pss_kb(pid: int) -> int:
    """Memory of a process and its children (helper processes), in kB.

    Proportional set size: a page a forked helper still shares with its
    parent counts half to each, so the sum is the memory really in use
    (resident sizes would count every shared page twice).
    """
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, flags=re.MULTILINE)
        total += int(found.group(1)) if found else 0
        pending.extend(int(child) for child in children)
    return total


def run_measured(label: str, command: list[str]) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident memory in MB) of it and its children.

    The peak is polled from ``/proc`` every 50 ms: the proportional memory of
    the command and of any helper process it starts, summed, or the
    command's own high-water mark if that is higher (``ru_maxrss`` from
    ``wait4`` would start from this much larger parent's size, which a forked
    child inherits on Linux even after ``exec``, and would miss the helpers).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak_kb = 0
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    readers = [
        threading.Thread(target=lambda s=stream, k=key: chunks[k].append(s.read()), daemon=True)
        for key, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        peak_kb = max(peak_kb, _tree_pss_kb(process.pid))
        # The command's own high-water mark catches peaks between polls.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            peak_kb = max(peak_kb, int(found.group(1)) if found else 0)
        time.sleep(0.05)
    process.wait()
    seconds = time.perf_counter() - start
    for reader in readers:
        reader.join()
    output = b"".join(chunks["out"]).decode()
    errors = b"".join(chunks["err"]).decode()
    if process.returncode != 0:
        sys.exit(f"{label} failed ({process.returncode}):\n{output}\n{errors}")
    last = [line for line in output.splitlines() if line.startswith("rows ")]
    print(
        f"  {label}: {seconds:.1f} s, peak {peak_kb / 1024:.0f} MB"
        + (f"  [{last[0]}]" if last else ""),
        flush=True,
    )
    return seconds, peak_kb / 1024


def anchors(ledger: Path, villages_file: Path, folder: Path) -> tuple[float, float]:
    start = time.perf_counter()
    frame = pd.read_csv(ledger)
    read = time.perf_counter() - start
    villages = gpd.read_file(villages_file).to_crs(4490)
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["经度"], frame["纬度"]), crs=4490
    )
    joined = gpd.sjoin(points, villages[["code", "geometry"]], predicate="within", how="left")
    joined.to_file(folder / "anchor.gpkg", driver="GPKG", engine="pyogrio", use_arrow=True)
    return read, time.perf_counter() - start


def store_floor(project: Path, folder: Path) -> float:
    """Seconds GDAL takes to write, from memory, the rows gridgis stored.

    The enterprises (with their spatial index and the ``enterprise_id``
    index), the ledger-row table and the assignments, read back first and
    written to a fresh GeoPackage: no parsing, checks, joins or comparison
    with history. No GeoPackage store can do the same work in less.
    """
    tables = {
        name: pyogrio.read_arrow(project, layer=name)
        for name in ("enterprises", "ledger_rows", "assignments")
    }
    target = folder / "floor.gpkg"
    target.unlink(missing_ok=True)
    start = time.perf_counter()
    for name, (meta, table) in tables.items():
        options = {}
        if meta["geometry_name"]:
            options = {
                "geometry_name": meta["geometry_name"],
                "crs": meta["crs"],
                "geometry_type": meta["geometry_type"],
            }
        pyogrio.write_arrow(
            table, target, layer=name, driver="GPKG", append=target.exists(), **options
        )
    with contextlib.closing(sqlite3.connect(target)) as connection:
        connection.execute("CREATE INDEX enterprise_key ON enterprises (enterprise_id)")
        connection.commit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=3000)
    parser.add_argument("--capacity-per-member", type=int, help="default: 1.5 x the mean grid load")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    folder.mkdir(parents=True, exist_ok=True)
    gridgis = [sys.executable, "-m", "gridgis.cli.main", "-q"]

    start = time.perf_counter()
    villages = synthetic_villages(
        province_outline(), villages=args.villages, townships=args.villages // 12, seed=7
    )
    villages_file = folder / "villages.geojson"
    villages[["code", "name", "households", "geometry"]].to_file(villages_file)
    project = folder / "province.gpkg"
    subprocess.run(
        [*gridgis, "init", str(project), "--admin", str(villages_file), "--overwrite"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # A limit above every village keeps each village one base grid: quick to set up.
    subprocess.run(
        [*gridgis, "divide", str(project), "--by", "area", "--max-load", "1e9"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # Mean risk weight of the ledger below: 低 1, 一般 2, 较大 4, 重大 8.
    mean_weight = float(RISK_SHARE @ np.array([1, 2, 4, 8]))
    capacity = args.capacity_per_member or round(1.5 * mean_weight * args.rows / len(villages), -2)
    rules = folder / "rules.toml"
    rules.write_text(
        re.sub(
            r"(?m)^capacity_per_member = \d+",
            f"capacity_per_member = {capacity:.0f}",
            (DATA_DIR / "rules.toml").read_text(encoding="utf-8"),
        ),
        encoding="utf-8",
    )
    ledger = folder / "ledger.csv"
    write_ledger(ledger, villages.to_crs(4490), args.rows, seed=11)
    print(
        f"set-up: {len(villages)} villages, capacity {capacity:.0f} per grid, "
        f"ledger {args.rows:,} rows "
        f"({ledger.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.0f} s"
    )

    print("timings:")
    read_seconds = pipeline_seconds = float("nan")
    if args.rows <= 2_000_000:
        read_seconds, pipeline_seconds = anchors(ledger, villages_file, folder)
        print(f"  pandas.read_csv alone (anchor): {read_seconds:.1f} s")
        print(f"  geopandas read + sjoin + write GPKG (anchor): {pipeline_seconds:.1f} s")
    import_seconds, import_mb = run_measured(
        "gridgis enterprises import",
        [*gridgis, "enterprises", "import", str(project), str(ledger)],
    )
    assign_seconds, assign_mb = run_measured(
        "gridgis assign", [*gridgis, "assign", str(project), "--rules", str(rules)]
    )
    total = import_seconds + assign_seconds
    floor_seconds = float("nan")
    if args.rows <= 2_000_000:
        floor_seconds = store_floor(project, folder)
        print(f"  GDAL writes the stored rows from memory (floor): {floor_seconds:.1f} s")
    # Again, unchanged: the first write stored no row hashes, so this run
    # hashes every stored row once before comparing (the cost moved here).
    again: list[tuple[str, float, float]] = []
    if args.rows <= 2_000_000:
        for label, command in (
            (
                "gridgis enterprises import, same ledger again",
                [*gridgis, "enterprises", "import", str(project), str(ledger)],
            ),
            ("gridgis assign again", [*gridgis, "assign", str(project), "--rules", str(rules)]),
        ):
            again.append((label, *run_measured(label, command)))
    print()
    print(f"| step ({args.rows:,} rows) | seconds | rows/s | peak MB | × geopandas pipeline |")
    print("|---|---|---|---|---|")
    for label, seconds, peak in (
        ("pandas.read_csv (anchor)", read_seconds, float("nan")),
        ("geopandas read+sjoin+write (anchor)", pipeline_seconds, float("nan")),
        ("GDAL writes the stored rows (floor anchor)", floor_seconds, float("nan")),
        ("gridgis enterprises import", import_seconds, import_mb),
        ("gridgis assign", assign_seconds, assign_mb),
        ("gridgis import + assign", total, max(import_mb, assign_mb)),
        *again,
    ):
        ratio = seconds / pipeline_seconds if pipeline_seconds == pipeline_seconds else float("nan")
        print(
            f"| {label} | {seconds:.1f} | {args.rows / seconds:,.0f} | {peak:.0f} | {ratio:.2f} |"
        )
    if args.rows == 1_000_000:
        print(f"target 1M rows under 10 s: {'met' if total < 10 else 'MISSED'} ({total:.1f} s)")
    if args.rows >= 10_000_000:
        peak = max(import_mb, assign_mb)
        print(f"target 10M rows under 3 GB: {'met' if peak < 3072 else 'MISSED'} ({peak:.0f} MB)")


if __name__ == "__main__":
    main()
