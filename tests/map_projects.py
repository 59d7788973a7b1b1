"""A tiny project for the map tests, built through the real commands in a few seconds.

Three box villages of one township (``conftest.box_villages``), divided by
area into 8 base grids, with a three-row ledger and a three-person roster
whose texts try to break out of the page (``<img src=x onerror=…>`` as an
enterprise name, ``<script>`` as a principal and as a title, a village named
with an ``<svg onload=…>``), and personal data with values found nowhere
else, so a test can tell whether they reached the page.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from conftest import box_villages, run

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_PRINCIPAL = "<script>alert(2)</script>"
XSS_TITLE = "<script>alert(3)</script>"
XSS_VILLAGE = "新华<svg onload=alert(4)>村"
#: Personal data of enterprises that a public map must not carry.
PRIVATE = {
    "principal": "赵六甲",
    "phone": "13987654321",
    "email": "zhao.private@example.com",
    "employees": "4321",
    "revenue": "98765.4",
}
#: Grid staff, whose names and phones the guideline publishes.
MEMBER = ("王五", "13800000001")

_LEDGER = (
    "企业名称,统一社会信用代码,详细地址,主要负责人,联系电话,电子邮箱,员工人数,营业收入（万元）,"
    "所属乡/镇/街道,所属村/社区,行业,风险等级,经度,纬度\n"
    f"{XSS_NAME},91640122MA75Y7R00G,测试镇红星村1号,{XSS_PRINCIPAL},13912345678,"
    "boss@example.com,88,1234.5,测试镇,红星村,商贸,一般,106.205,38.505\n"
    f"重大风险化工有限公司,91640122MA760FWMX6,测试镇新华村2号,{PRIVATE['principal']},"
    f"{PRIVATE['phone']},{PRIVATE['email']},{PRIVATE['employees']},{PRIVATE['revenue']},"
    "测试镇,新华村,危险化学品,重大,106.215,38.505\n"
    "无坐标商店,,测试镇河东村3号,钱七,13811112222,,3,10,测试镇,河东村,商贸,低,,\n"
)
_ROSTER = (
    "姓名,角色,职务,所属乡镇街道,所属村社区,联系电话\n"
    f"{MEMBER[0]},网格员,专职网格员,测试镇,红星村,{MEMBER[1]}\n"
    f"李四,网格安全监管责任人,{XSS_TITLE},测试镇,红星村,13800000002\n"
    "孙八,挂点领导,副镇长,测试镇,,13800000003\n"
)


def build_tiny_project(folder: Path) -> Path:
    """Build the project in ``folder`` (init, divide, ledger, roster, assign); return its path."""
    villages = box_villages()
    villages.loc[1, "name"] = XSS_VILLAGE
    villages.to_file(folder / "villages.geojson")
    whole = shapely.union_all(villages.geometry.to_numpy())
    for name, code, label in (
        ("townships", "640122100", "测试镇"),
        ("county", "640122", "贺兰县"),
    ):
        gpd.GeoDataFrame(
            {"code": [code], "name": [label]}, geometry=[whole], crs=villages.crs
        ).to_file(folder / f"{name}.geojson")
    (folder / "ledger.csv").write_text(_LEDGER, encoding="utf-8")
    (folder / "roster.csv").write_text(_ROSTER, encoding="utf-8")
    project = folder / "tiny.gpkg"
    steps = [
        (
            "init",
            project,
            "--admin",
            folder / "villages.geojson",
            folder / "townships.geojson",
            folder / "county.geojson",
        ),
        ("divide", project, "--by", "area", "--max-load", "0.5"),
        ("enterprises", "import", project, folder / "ledger.csv"),
        ("staff", "import", project, folder / "roster.csv"),
        ("assign", project),
    ]
    for step in steps:
        result = run(*step)
        assert result.exit_code == 0, (step, result.output)
    return project
