#!/usr/bin/env python
"""Hazard reports and feedback for the demo county, made from its other demo files.

``scripts/make_demo.py`` calls :func:`write_hazard_demo` after it has written
the boundaries, the ledger and the roster, so ``data/demo`` stays one
reproducible set; run on its own, this script rewrites only the three hazard
files from the demo files already in the folder::

    python scripts/demo_hazards.py                # data/demo
    python scripts/demo_hazards.py --demo DIR

It writes:

- ``hazards.xlsx``: 40 hazard reports of June 2024 (隐患排查上报登记表), laid out
  like a township form (a title row above the header). Each is placed by a unit's
  统一社会信用代码 (some units high-risk, so in a county-level sector grid), by a
  point (WGS-84 or GCJ-02, as picked on Amap), or by township, village and
  address in a village small enough to be one grid;
- ``hazard_feedback.csv`` (UTF-8 with BOM): the offices' feedback, one change of
  state per row, in date order: handed on (交办), escalated (上报), in progress
  (处置中), closed (已办结) with the result, and one report reopened with its
  reason; some reports are closed late, some left open and overdue on
  2024-06-30, the demo's "today";
- ``HAZARDS.md``: what the two files hold.

Everything is made up from the fictional demo county. The output is
deterministic: one seeded generator, fixed workbook timestamps.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import shapely
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reproducible import save_workbook

from gridgis.coords import wgs84_to_gcj02
from gridgis.paths import DEMO_DIR

SEED = (640122, 3)
#: The demo's "today": reports are judged on this day (gridgis demo --today).
DEMO_TODAY = date(2024, 6, 30)
FIRST_DAY = date(2024, 6, 3)
REPORTS = 40
# Villages whose households keep them one grid in every division the demo makes
# (the demo divides at 300 households and re-divides some villages at 200).
SINGLE_GRID_HOUSEHOLDS = 200

COLUMNS = (
    "隐患编号",
    "发现时间",
    "上报人",
    "所属乡镇",
    "所属村",
    "隐患地址",
    "经度",
    "纬度",
    "坐标系",
    "统一社会信用代码",
    "单位名称",
    "隐患类别",
    "隐患描述",
    "隐患等级",
    "是否当场整改",
    "整改情况",
)
FEEDBACK_COLUMNS = ("隐患编号", "办理状态", "办理日期", "承办单位", "办理结果", "原因")

# Category -> (descriptions, department that handles it or "" for the grid office).
CATEGORIES: dict[str, tuple[tuple[str, ...], str]] = {
    "消防安全": (
        ("消防通道被杂物堵塞", "灭火器过期未更换", "疏散指示标志损坏", "消防栓无水"),
        "县消防救援大队",
    ),
    "燃气安全": (
        ("液化气钢瓶与灶具同室存放", "燃气管道锈蚀", "未安装燃气泄漏报警器"),
        "县住房和城乡建设局",
    ),
    "危险化学品": (("危化品仓库无防爆照明", "危化品混存", "储罐区无围堰"), "县应急管理局"),
    "特种设备": (("电梯年检过期", "叉车司机无证操作", "压力容器安全阀失效"), "县市场监督管理局"),
    "建筑施工": (("脚手架未设防护网", "基坑临边无护栏", "塔吊限位器失灵"), "县住房和城乡建设局"),
    "用电安全": (("私拉乱接电线", "配电箱无防护门", "电动车楼道充电"), ""),
    "生产设备": (("传动部位无防护罩", "设备接地不良", "冲床安全装置缺失"), ""),
    "安全管理": (("未建立隐患排查台账", "特种作业人员无证上岗", "未开展安全培训"), ""),
}


def _members(staff: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Township and village names -> the names of their 网格员 (else any person there)."""
    people: dict[tuple[str, str], list[str]] = {}
    for role in ("网格员", "网格长", "联系负责人"):
        chosen = staff[staff["角色"] == role]
        for (township, village), group in chosen.groupby(["所属乡镇街道", "所属村社区"], sort=True):
            people.setdefault((township, village), sorted(group["姓名"]))
    return people


def _near(
    lon: float, lat: float, village: shapely.Geometry, rng: np.random.Generator
) -> tuple[float, float]:
    """Return a point 5-20 m from (lon, lat) that stays inside the village."""
    for _ in range(20):
        angle = rng.uniform(0, 2 * np.pi)
        metres = rng.uniform(5, 20)
        x = lon + metres * np.cos(angle) / (111_320 * np.cos(np.radians(lat)))
        y = lat + metres * np.sin(angle) / 110_540
        if (
            village.contains(shapely.Point(x, y))
            and village.exterior.distance(shapely.Point(x, y)) > 2e-4
        ):
            return round(x, 6), round(y, 6)
    return round(lon, 6), round(lat, 6)


def build_reports(folder: Path, rng: np.random.Generator) -> pd.DataFrame:
    """Make the reports from the demo ledger, its true positions, villages and roster."""
    ledger = pd.read_csv(
        folder / "enterprises_gbk.csv", encoding="gbk", dtype=str, keep_default_na=False
    )
    truth = pd.read_csv(folder / "enterprises_truth.csv", dtype=str, keep_default_na=False)
    villages = gpd.read_file(folder / "villages.geojson").sort_values("code").reset_index(drop=True)
    townships = gpd.read_file(folder / "townships.geojson")
    staff = pd.read_excel(folder / "staff.xlsx", dtype=str, keep_default_na=False)
    members = _members(staff)
    township_names = dict(zip(townships["code"], townships["name"], strict=True))
    village_shapes = dict(zip(villages["code"], villages.geometry, strict=True))
    ledger = ledger.merge(truth, on="序号")
    good = ledger[
        (ledger["统一社会信用代码"] != "")
        & (ledger["village_code"] != "")
        & ~ledger["统一社会信用代码"].duplicated(keep=False)
    ]
    risky = good[good["风险等级"].isin(["重大", "较大"]) | (good["重大危险源"] != "无")]
    calm = good[good["风险等级"].isin(["低", "一般"]) & (good["重大危险源"] == "无")]
    small = villages[villages["households"] <= SINGLE_GRID_HOUSEHOLDS]
    ways = ["uscc_risky"] * 8 + ["uscc"] * 8 + ["point"] * 14 + ["point_gcj"] * 4 + ["address"] * 6
    rng.shuffle(ways)
    names = list(CATEGORIES)
    rows = []
    for way in ways:
        day = FIRST_DAY + timedelta(days=int(rng.integers(0, 26)))
        found = datetime(
            day.year, day.month, day.day, int(rng.integers(8, 18)), int(rng.integers(0, 4)) * 15
        )
        category = names[int(rng.integers(0, len(names)))]
        descriptions, _ = CATEGORIES[category]
        row = dict.fromkeys(COLUMNS, "")
        if way == "address":
            village = small.iloc[int(rng.integers(0, len(small)))]
            township = township_names[village["code"][:9]]
            row.update(
                所属乡镇=township,
                所属村=village["name"],
                隐患地址=f"{township}{village['name']}{int(rng.integers(1, 9))}组",
            )
            key = (township, village["name"])
        else:
            pool = risky if way == "uscc_risky" else calm if way == "uscc" else good
            unit = pool.iloc[int(rng.integers(0, len(pool)))]
            row.update(
                所属乡镇=unit["所属乡/镇/街道"],
                所属村=unit["所属村/社区"],
                隐患地址=unit["详细地址"],
            )
            if way.startswith("uscc"):
                row.update(统一社会信用代码=unit["统一社会信用代码"], 单位名称=unit["企业名称"])
            else:
                lon, lat = _near(
                    float(unit["true_lon"]),
                    float(unit["true_lat"]),
                    village_shapes[unit["village_code"]],
                    rng,
                )
                if way == "point_gcj":
                    shifted = wgs84_to_gcj02(lon, lat)
                    lon, lat = round(float(shifted[0]), 6), round(float(shifted[1]), 6)
                row.update(
                    经度=f"{lon:.6f}",
                    纬度=f"{lat:.6f}",
                    坐标系="GCJ-02" if way == "point_gcj" else "WGS-84",
                )
            key = (unit["所属乡/镇/街道"], unit["所属村/社区"])
        reporters = members.get(key) or ["李巡查"]
        on_spot = category in ("用电安全", "安全管理", "消防安全") and rng.random() < 0.35
        major = category in ("危险化学品", "燃气安全", "建筑施工") and rng.random() < 0.4
        row.update(
            发现时间=found.strftime("%Y-%m-%d %H:%M"),
            上报人=reporters[int(rng.integers(0, len(reporters)))],
            隐患类别=category,
            隐患描述=descriptions[int(rng.integers(0, len(descriptions)))],
            隐患等级="重大" if major else "一般",
            是否当场整改="是" if on_spot else "否",
            整改情况="已督促当场整改" if on_spot else "",
        )
        rows.append(row)
    reports = pd.DataFrame(rows, columns=list(COLUMNS))
    reports = reports.sort_values("发现时间", kind="stable").reset_index(drop=True)
    per_day = reports.groupby(reports["发现时间"].str[:10]).cumcount() + 1
    reports["隐患编号"] = (
        "YH-"
        + reports["发现时间"].str[:10].str.replace("-", "")
        + "-"
        + per_day.map("{:03d}".format)
    )
    return reports


def build_feedback(reports: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Make the offices' feedback: each open report handed on, handled and mostly closed."""
    rows = []
    reopened = False
    for report in reports.itertuples(index=False):
        if report.是否当场整改 == "是":
            continue
        found = datetime.strptime(report.发现时间, "%Y-%m-%d %H:%M").date()
        limit = found + timedelta(days=7 if report.隐患等级 == "重大" else 3)
        _, department = CATEGORIES[report.隐患类别]
        handler = department or f"{report.所属乡镇}网格办"
        day = found
        steps = []
        if report.隐患等级 == "重大":
            steps.append(("上报", f"{report.所属乡镇}网格办", "重大隐患，报县网格办协调"))
        steps.append(("交办", handler, ""))
        fate = rng.random()
        if fate < 0.8:
            steps.append(("处置中", handler, "已下达整改通知书"))
        if fate < 0.65:
            steps.append(("已办结", handler, "整改完成，经复查合格"))
        for status, office, result in steps:
            day = min(day + timedelta(days=int(rng.integers(0, 3))), DEMO_TODAY)
            if status == "已办结" and rng.random() < 0.25:
                late = limit + timedelta(days=int(rng.integers(1, 4)))  # closed late
                day = min(max(day, late), DEMO_TODAY)
            rows.append((report.隐患编号, status, day, office, result, ""))
        if steps[-1][0] == "已办结" and not reopened and day + timedelta(days=3) <= DEMO_TODAY:
            # A check after closing finds the fix did not hold: reopened with the reason.
            reopened = True
            again = day + timedelta(days=2)
            rows.append(
                (report.隐患编号, "处置中", again, handler, "", "复查发现整改不到位，重新整改")
            )
            rows.append(
                (
                    report.隐患编号,
                    "已办结",
                    again + timedelta(days=1),
                    handler,
                    "二次整改完成，复查合格",
                    "",
                )
            )
    feedback = pd.DataFrame(rows, columns=list(FEEDBACK_COLUMNS))
    feedback = feedback.sort_values(["办理日期"], kind="stable").reset_index(drop=True)
    feedback["办理日期"] = [day.isoformat() for day in feedback["办理日期"]]
    return feedback


def _write_reports(reports: pd.DataFrame, path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "隐患排查上报"
    sheet["A1"] = "贺兰县安全生产隐患排查上报登记表（2024年6月，演示数据）"
    sheet.merge_cells(f"A1:{get_column_letter(len(COLUMNS))}1")
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for record in reports.itertuples(index=False):
        sheet.append([value if value != "" else None for value in record])
    widths = {
        "隐患编号": 17,
        "发现时间": 17,
        "隐患地址": 30,
        "统一社会信用代码": 21,
        "单位名称": 28,
        "隐患描述": 24,
    }
    for column, header in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(header, 10)
    sheet.freeze_panes = "A3"
    save_workbook(workbook, path, creator="gridgis demo_hazards.py")


def _readme(reports: pd.DataFrame, feedback: pd.DataFrame) -> str:
    placed = {
        "统一社会信用代码": int((reports["统一社会信用代码"] != "").sum()),
        "经度/纬度": int((reports["经度"] != "").sum()),
        "所属乡镇、所属村、隐患地址": int(
            ((reports["统一社会信用代码"] == "") & (reports["经度"] == "")).sum()
        ),
    }
    states = feedback["办理状态"].value_counts()
    return (
        "# Demo hazard reports (贺兰县, June 2024)\n\n"
        "Made by `scripts/demo_hazards.py` (called by `scripts/make_demo.py`) from the other\n"
        "demo files; do not edit by hand. **Everything here is fictional**, like the rest of\n"
        "the demo.\n\n"
        f"- `hazards.xlsx`: {len(reports)} reports found between {FIRST_DAY} and "
        f"{reports['发现时间'].max()[:10]}, a title row above the header; placed by "
        + ", ".join(f"{how} ({count})" for how, count in placed.items())
        + f"; {int((reports['是否当场整改'] == '是').sum())} fixed on the spot, "
        f"{int((reports['隐患等级'] == '重大').sum())} 重大. The GCJ-02 points say so in 坐标系.\n"
        f"- `hazard_feedback.csv` (UTF-8 with BOM): {len(feedback)} changes of state, "
        "in date order: "
        + ", ".join(
            f"{state} {int(states.get(state, 0))}" for state in ("上报", "交办", "处置中", "已办结")
        )
        + "; one report is reopened with its reason (原因). Judged on "
        f"{DEMO_TODAY} (the demo's `--today`), some reports are closed late and some are\n"
        "  open past their time limit.\n\n"
        "`gridgis demo` imports both and prints the summary per township and department.\n"
    )


def write_hazard_demo(folder: Path) -> None:
    """Write ``hazards.xlsx``, ``hazard_feedback.csv`` and ``HAZARDS.md`` into ``folder``.

    ``folder`` must hold the other demo files (ledger, true positions, villages,
    townships, roster), as ``make_demo.py`` writes them.
    """
    rng = np.random.default_rng(list(SEED))
    reports = build_reports(folder, rng)
    feedback = build_feedback(reports, rng)
    _write_reports(reports, folder / "hazards.xlsx")
    text = feedback.to_csv(index=False, lineterminator="\r\n")
    (folder / "hazard_feedback.csv").write_bytes(text.encode("utf-8-sig"))
    (folder / "HAZARDS.md").write_text(_readme(reports, feedback), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Rewrite the hazard files of a demo folder from its other files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--demo", type=Path, default=DEMO_DIR, help="demo folder (default: data/demo)"
    )
    args = parser.parse_args(argv)
    write_hazard_demo(args.demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
