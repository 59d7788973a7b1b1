"""Benchmark ``gridgis map`` against a plain folium map of the same data.

Two counties, each built into a real project first (not timed):

- **demo**: the bundled demo county (贺兰县, its real outline with fictional
  villages, 3,000 enterprises and a staff roster), as ``gridgis demo`` builds it;
- **large**: a synthetic county as large as a prefecture: the 贺兰县 outline
  scaled to 9,000 km², about 3,000 villages (one base grid each, edges
  densified to about 100 m and wiggled), 10,000 enterprises with names,
  addresses, principals and phones, and a roster of three people per village.

For each, in the same run:

- **ours**: ``gridgis map`` through the real CLI in its own process (reading the
  project, building, writing), and the page's size;
- **plain folium (anchor)**: the same grids, village, township and county
  outlines and enterprises from the same project, drawn the way a planner
  would with folium: ``folium.GeoJson`` layers with ``GeoJsonPopup`` of the
  same grid fields (people in the six roles, units, capacity), and a
  ``MarkerCluster`` of ``folium.Marker`` with an HTML popup per enterprise,
  saved with ``Map.save``. Its build time starts from the frames in memory
  (reading the project is not counted). Leaflet and markercluster are then
  inlined from the ``xstatic-leaflet`` packages so that it renders at all
  offline; both sizes are reported.

Then each page is opened from ``file://`` in Debian's Chromium (headless,
driven by playwright, every network request aborted), five times by default,
and the median time from navigation start to the first drawn polygons is
taken: for ours, the page's own mark (``gridgis.drawnAt``, set in the
animation frame after the grids are drawn: a picture straight from the
decoded data, while Leaflet builds its layers in the next task); for folium,
the moment Leaflet adds its first ``path`` to the overlay pane (a
MutationObserver). For ours the time until everything works (popups, search,
labels: ``gridgis.readyAt``) is reported too.

Targets: demo ≤ 2 MiB; large ≤ 4 MiB and ≤ 0.35 × the plain map; first
polygons within 1 s.

Usage: python scripts/bench_map.py [--keep DIR] [--only demo|large] [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import usccs

from gridgis.crs import gauss_kruger_crs
from gridgis.paths import DATA_DIR
from gridgis.testing import synthetic_names, synthetic_villages

PREFECTURE_AREA_M2 = 9_000e6
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GRIDGIS = [sys.executable, "-m", "gridgis.cli.main", "-q"]
ROLES = ["网格员", "网格安全监管责任人", "联系负责人"]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宁海燕")
SECTORS = ["商贸", "机械制造", "建材", "轻工", "道路运输", "建筑施工", "食品生产", "危险化学品"]
RISKS = ["低", "一般", "较大", "重大"]
ROADS = ["建设路", "和平路", "人民街", "团结路", "丰收路", "园区大道", "解放街", "光明路"]
PRODUCTS = ["面粉", "建材", "机械", "塑料", "服装", "饲料", "砖", "纸箱"]


def prefecture_outline() -> shapely.Geometry:
    """Return the 贺兰县 outline scaled about its centre to a prefecture's area (EPSG:4326)."""
    county = gpd.read_file(DATA_DIR / "helan_county.geojson").to_crs(4326)
    metric = gauss_kruger_crs(106.2)
    shape = county.to_crs(metric).geometry.iloc[0]
    factor = (PREFECTURE_AREA_M2 / shape.area) ** 0.5
    scaled = affinity.scale(shape, factor, factor, origin="centroid")
    return gpd.GeoSeries([scaled], crs=metric).to_crs(4326).iloc[0]


def person_names(count: int, rng: np.random.Generator) -> np.ndarray:
    surname = rng.choice(SURNAMES, count)
    given = rng.choice(GIVEN, (count, 2))
    short = rng.random(count) < 0.3
    return np.char.add(surname, np.where(short, given[:, 0], np.char.add(given[:, 0], given[:, 1])))


def phones(count: int, rng: np.random.Generator) -> np.ndarray:
    prefix = rng.choice(["139", "138", "189", "135", "151"], count)
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**8, count).astype(str), 8))


def build_large(folder: Path, rng: np.random.Generator) -> Path:
    """Make the prefecture-size project: init, divide, ledger, roster, assign."""
    villages = synthetic_villages(
        prefecture_outline(), villages=3000, townships=60, seed=5, vertex_spacing=100
    ).to_crs(4490)
    villages_file = folder / "villages.geojson"
    villages[["code", "name", "households", "geometry"]].to_file(villages_file)
    townships = villages.assign(code=villages["code"].str[:9]).dissolve("code").reset_index()
    townships["name"] = townships["township_name"]
    townships[["code", "name", "geometry"]].to_file(folder / "townships.geojson")
    project = folder / "large.gpkg"
    for command in (
        [
            "init",
            str(project),
            "--admin",
            str(villages_file),
            str(folder / "townships.geojson"),
            "--overwrite",
        ],
        ["divide", str(project), "--by", "area", "--max-load", "1e9"],
    ):
        subprocess.run([*GRIDGIS, *command], check=True, stdout=subprocess.DEVNULL)

    rows = 10_000
    tree = shapely.STRtree(villages.geometry.to_numpy())
    minx, miny, maxx, maxy = villages.total_bounds
    # Half the units in 40 clusters (towns and parks), half spread out; drawn
    # three times over, as only the points inside the county are kept.
    tries = rows * 3
    centres = shapely.get_coordinates(
        shapely.point_on_surface(villages.geometry.to_numpy()[rng.choice(len(villages), 40)])
    )
    clustered = centres[rng.integers(0, 40, tries)] + rng.normal(0, 0.015, (tries, 2))
    spread = rng.uniform([minx, miny], [maxx, maxy], (tries, 2))
    xy = np.where((rng.random(tries) < 0.5)[:, None], clustered, spread)
    hit, village = tree.query(shapely.points(xy), predicate="within")
    first = pd.Series(village).groupby(hit).first()
    xy, chosen = xy[first.index], villages.iloc[first.to_numpy()]
    xy, chosen = xy[:rows], chosen.iloc[:rows]
    n = len(chosen)
    names = synthetic_names(n, "", rng)
    township, village_name = chosen["township_name"].to_numpy(), chosen["name"].to_numpy()
    ledger = pd.DataFrame(
        {
            "企业名称": [
                f"{a}{b}{c}有限公司"
                for a, b, c in zip(
                    names,
                    rng.choice(PRODUCTS, n),
                    rng.choice(["厂", "商贸", "科技"], n),
                    strict=True,
                )
            ],
            "统一社会信用代码": usccs(n, rng),
            "详细地址": [
                f"{t}{v}{r}{k}号"
                for t, v, r, k in zip(
                    township,
                    village_name,
                    rng.choice(ROADS, n),
                    rng.integers(1, 400, n),
                    strict=True,
                )
            ],
            "主要负责人": person_names(n, rng),
            "联系电话": phones(n, rng),
            "电子邮箱": [f"qy{i}@example.com" for i in range(n)],
            "员工人数": rng.lognormal(3, 1, n).astype(int) + 1,
            "所属乡/镇/街道": township,
            "所属村/社区": village_name,
            "行业": rng.choice(SECTORS, n),
            "风险等级": rng.choice(RISKS, n, p=[0.55, 0.39, 0.05, 0.01]),
            "营业收入（万元）": np.round(rng.lognormal(6, 1.5, n), 1),
            "经度": np.round(xy[:, 0], 6),
            "纬度": np.round(xy[:, 1], 6),
        }
    )
    ledger.to_csv(folder / "ledger.csv", index=False, encoding="utf-8")
    people = len(villages) * len(ROLES)
    roster = pd.DataFrame(
        {
            "姓名": person_names(people, rng),
            "角色": np.tile(ROLES, len(villages)),
            "所属乡镇街道": np.repeat(villages["township_name"].to_numpy(), len(ROLES)),
            "所属村社区": np.repeat(villages["name"].to_numpy(), len(ROLES)),
            "联系电话": phones(people, rng),
        }
    )
    roster.to_csv(folder / "roster.csv", index=False, encoding="utf-8")
    for command in (
        ["enterprises", "import", str(project), str(folder / "ledger.csv")],
        ["staff", "import", str(project), str(folder / "roster.csv")],
        ["assign", str(project)],
    ):
        subprocess.run([*GRIDGIS, *command], check=True, stdout=subprocess.DEVNULL)
    return project


def build_demo(folder: Path) -> Path:
    subprocess.run([*GRIDGIS, "demo", str(folder / "out")], check=True, stdout=subprocess.DEVNULL)
    return folder / "out" / "helan.gpkg"


def ours(project: Path, output: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*GRIDGIS, "map", str(project), "-o", str(output), "--overwrite"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def plain_folium(project: Path, output: Path) -> float:
    """Build the anchor: folium as a planner would use it, from frames already in memory."""
    import folium
    from folium.plugins import MarkerCluster

    from gridgis.io.store import open_project
    from gridgis.project.map import read_supervision_data

    reader = open_project(project)
    data = read_supervision_data(reader, version=reader.current_version)
    grids = data.grids[(data.grids["kind"] == "territorial") & (data.grids["level"] == "base")]
    grids = grids.merge(data.people, on="grid_code", how="left")
    counts = data.enterprises.groupby("grid_code").size().rename("units")
    grids = grids.merge(counts, left_on="grid_code", right_index=True, how="left")
    capacity = data.capacity[["grid_code", "load", "capacity"]].rename(
        columns={"load": "risk_load"}
    )
    grids = grids.merge(capacity, on="grid_code", how="left")
    roles = [column for column in data.people.columns if column != "grid_code"]
    grid_fields = ["grid_code", "name", "area_km2", *roles, "units", "risk_load", "capacity"]
    grids = grids[[*grid_fields, "geometry"]].astype(dict.fromkeys(grid_fields[3:], str))
    admin = data.admin
    enterprises = data.enterprises[data.enterprises.geometry.notna()]

    start = time.perf_counter()
    bounds = grids.total_bounds
    page = folium.Map(tiles=None)
    page.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    folium.GeoJson(
        grids,
        name="基础网格",
        style_function=lambda feature: {"fillColor": "#a6cee3", "color": "#555", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
        popup=folium.GeoJsonPopup(fields=grid_fields),
    ).add_to(page)
    for level in ("village", "township", "county"):
        folium.GeoJson(
            admin[admin["level"] == level][["code", "name", "geometry"]],
            name=level,
            style_function=lambda feature: {"fill": False, "color": "#333", "weight": 2},
        ).add_to(page)
    cluster = MarkerCluster(name="企业").add_to(page)
    for row in enterprises.itertuples():
        popup = (
            f"<b>{row.name}</b><br>{row.uscc}<br>{row.address}<br>{row.sector} {row.risk}<br>"
            f"{row.grid_code}<br>{row.principal} {row.phone}"
        )
        folium.Marker([row.geometry.y, row.geometry.x], popup=popup).add_to(cluster)
    folium.LayerControl().add_to(page)
    page.save(str(output))
    return time.perf_counter() - start


def offline_copy(plain: Path, offline: Path) -> None:
    """Inline Leaflet and markercluster from the xstatic packages, so the page renders offline."""
    from xstatic.pkg import leaflet, leaflet_markercluster

    html = plain.read_text(encoding="utf-8")
    local = {
        r"leaflet(\.min)?\.js": Path(leaflet.BASE_DIR) / "leaflet.js",
        r"leaflet\.markercluster\.js": Path(leaflet_markercluster.BASE_DIR)
        / "leaflet.markercluster.js",
    }
    for pattern, path in local.items():
        tag = re.compile(rf'<script src="[^"]*/{pattern}"></script>')
        code = path.read_text(encoding="utf-8").replace("//# sourceMappingURL", "// ")
        html = tag.sub(lambda match, code=code: f"<script>{code}</script>", html, count=1)
    offline.write_text(html, encoding="utf-8")


#: For the plain page: note when Leaflet adds its first SVG path, the way our page notes
#: its first canvas drawing (window.gridgis.drawnAt, data-gridgis-drawn).
FIRST_PATH = """
new MutationObserver(function (changes, observer) {
  if (document.querySelector(".leaflet-overlay-pane path")) {
    window.gridgis = {drawnAt: performance.now()};
    document.documentElement.setAttribute("data-gridgis-drawn", "");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def first_polygons(pages: dict[str, Path], runs: int) -> dict[str, float]:
    """Median milliseconds from navigation start to the first drawn polygons, per page.

    For our page also the median time until it is ready (``<name> ready``).
    """
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {name: [] for name in pages}
    found.update({f"{name} ready": [] for name in pages if name.startswith("ours")})
    with sync_playwright() as playwright:
        for _ in range(runs):
            for name, path in pages.items():
                profile = tempfile.mkdtemp(prefix="bench_map_chromium_")
                context = playwright.chromium.launch_persistent_context(
                    profile,
                    executable_path=CHROMIUM,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1400, "height": 1000},
                )
                context.route(
                    "**/*",
                    lambda route: (
                        route.continue_()
                        if route.request.url.startswith("file:")
                        else route.abort()
                    ),
                )
                page = context.new_page()
                if not name.startswith("ours"):
                    page.add_init_script(FIRST_PATH)
                page.goto(path.as_uri(), wait_until="commit", timeout=120_000)
                page.wait_for_selector(
                    "html[data-gridgis-drawn]", state="attached", timeout=120_000
                )
                found[name].append(page.evaluate("() => window.gridgis.drawnAt"))
                if name.startswith("ours"):
                    page.wait_for_selector("html[data-gridgis-ready]", state="attached")
                    found[f"{name} ready"].append(page.evaluate("() => window.gridgis.readyAt"))
                context.close()
                shutil.rmtree(profile, ignore_errors=True)
    return {name: float(np.median(times)) for name, times in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the projects in this folder")
    parser.add_argument("--only", choices=["demo", "large"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_map_"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    rows = []
    for county in ("demo", "large"):
        if args.only and county != args.only:
            continue
        place = folder / county
        place.mkdir(exist_ok=True)
        project = place / ("out/helan.gpkg" if county == "demo" else "large.gpkg")
        if not project.exists():
            start = time.perf_counter()
            project = build_demo(place) if county == "demo" else build_large(place, rng)
            print(f"{county}: project built in {time.perf_counter() - start:.0f} s", flush=True)
        mine, plain, offline = (
            place / "ours.html",
            place / "plain.html",
            place / "plain_offline.html",
        )
        our_seconds = ours(project, mine)
        plain_seconds = plain_folium(project, plain)
        offline_copy(plain, offline)
        drawn = first_polygons({"ours": mine, "plain": offline}, args.runs)
        rows.append(
            (
                county,
                mine.stat().st_size,
                our_seconds,
                drawn["ours"],
                drawn["ours ready"],
                plain.stat().st_size,
                offline.stat().st_size,
                plain_seconds,
                drawn["plain"],
            )
        )
        print(f"{county}: done", flush=True)
    print()
    print(
        "| county | map | size MiB | × plain | build s | first polygons ms | all working ms |\n"
        "|---|---|---|---|---|---|---|"
    )
    mib = 2**20
    for county, size, seconds, ms, ready, plain_size, offline, plain_seconds, plain_ms in rows:
        print(
            f"| {county} | gridgis map | {size / mib:.2f} | {size / plain_size:.2f} | "
            f"{seconds:.2f} | {ms:.0f} | {ready:.0f} |"
        )
        print(
            f"| {county} | plain folium (anchor) | {plain_size / mib:.2f} "
            f"({offline / mib:.2f} with Leaflet inlined) | 1.00 | {plain_seconds:.2f} | "
            f"{plain_ms:.0f} | — |"
        )


if __name__ == "__main__":
    main()
