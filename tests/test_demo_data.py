"""Checks on the committed demo county (data/demo), made by scripts/make_demo.py."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from stdnum.cn import uscc

from gridgis.crs import gauss_kruger_crs
from gridgis.paths import DATA_DIR, DEMO_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_demo.py"
METRIC = gauss_kruger_crs(106.2)
ROLES = ("挂点领导", "网格安全监管责任人", "直接监管责任人", "网格长", "网格员", "联系负责人")


@pytest.fixture(scope="module")
def villages() -> gpd.GeoDataFrame:
    return gpd.read_file(DEMO_DIR / "villages.geojson")


@pytest.fixture(scope="module")
def townships() -> gpd.GeoDataFrame:
    return gpd.read_file(DEMO_DIR / "townships.geojson")


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return pd.read_csv(
        DEMO_DIR / "enterprises_gbk.csv", encoding="gbk", dtype=str, keep_default_na=False
    )


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / "enterprises_truth.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def faults() -> dict[str, list[int]]:
    return json.loads((DEMO_DIR / "ledger_faults.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    return pd.read_excel(DEMO_DIR / "staff.xlsx", dtype=str, keep_default_na=False)


def _demo_files(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder``."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --------------------------------------------------------------------------- boundaries


def test_counts(villages, townships, ledger, staff):
    assert 6 <= len(townships) <= 10
    assert 80 <= len(villages) <= 150
    assert 2800 <= len(ledger) <= 3200
    assert len(staff) >= 4 * len(villages)


def test_boundaries_are_wgs84_single_polygons(villages, townships):
    for frame in (villages, townships):
        assert frame.crs.to_epsg() == 4326
        assert (frame.geom_type == "Polygon").all()
        assert frame.is_valid.all()


def test_coverage_valid_in_wgs84(villages, townships):
    for frame in (villages, townships):
        geoms = frame.geometry.values
        assert shapely.coverage_is_valid(geoms, gap_width=0.0)
        assert shapely.is_empty(shapely.coverage_invalid_edges(geoms, gap_width=0.0)).all()


def test_no_slivers(villages):
    metric = villages.to_crs(METRIC)
    polsby_popper = 4 * np.pi * metric.area / metric.length**2
    assert polsby_popper.min() > 0.15
    assert metric.area.min() > 0.5e6  # m²


def test_villages_nest_in_townships(villages, townships):
    metric = villages.to_crs(METRIC)
    for code, township in zip(townships["code"], townships.to_crs(METRIC).geometry, strict=True):
        members = metric.geometry.values[villages["code"].str[:9] == code]
        assert len(members) > 0
        union = shapely.coverage_union_all(members)
        assert shapely.symmetric_difference(union, township).area <= 1e-9 * township.area
    # Every village lies in the township its code names.
    located = gpd.sjoin(
        gpd.GeoDataFrame(geometry=villages.representative_point(), crs=villages.crs).assign(
            code=villages["code"]
        ),
        townships.rename(columns={"code": "township_code"}),
        predicate="within",
    )
    assert (located["code"].str[:9] == located["township_code"]).all()
    assert len(located) == len(villages)


def test_villages_tile_the_county(villages):
    outline = gpd.read_file(DATA_DIR / "helan_county.geojson").to_crs(METRIC).geometry.iloc[0]
    union = shapely.coverage_union_all(villages.to_crs(METRIC).geometry.values)
    assert shapely.symmetric_difference(union, outline).area <= 1e-9 * outline.area
    assert villages.to_crs(METRIC).area.sum() == pytest.approx(outline.area, rel=1e-9)


def test_codes_are_well_formed(villages, townships):
    assert townships["code"].str.fullmatch(r"640122\d{3}").all()
    assert villages["code"].str.fullmatch(r"640122\d{6}").all()
    assert villages["code"].is_unique and townships["code"].is_unique
    assert list(villages["code"]) == sorted(villages["code"])
    assert list(townships["code"]) == sorted(townships["code"])
    assert set(villages["code"].str[:9]) == set(townships["code"])

    township_part = townships["code"].str[6:].astype(int)
    kind = townships["name"].str.extract(r"(街道|镇|乡)$")[0]
    assert kind.notna().all()
    assert ((kind == "街道") == (township_part < 100)).all()
    assert ((kind == "镇") == ((township_part >= 100) & (township_part < 200))).all()
    assert ((kind == "乡") == ((township_part >= 200) & (township_part < 400))).all()
    assert 1 <= (kind == "街道").sum() <= 2 and (kind == "乡").sum() >= 1

    village_part = villages["code"].str[9:].astype(int)
    community = villages["name"].str.endswith("社区")
    assert (villages["name"].str.endswith("村") | community).all()
    assert ((village_part >= 1) & (village_part <= 199))[community].all()
    assert ((village_part >= 200) & (village_part <= 399))[~community].all()
    # Streets hold mostly communities; towns and townships mostly villages.
    in_street = villages["code"].str[6:9].astype(int) < 100
    assert community[in_street].mean() > 0.5
    assert community[~in_street].mean() < 0.5


def test_names_and_households(villages, townships):
    assert villages["name"].is_unique and townships["name"].is_unique
    community = villages["name"].str.endswith("社区")
    households = villages["households"]
    assert households.between(800, 3000)[community].all()
    assert households.between(150, 1200)[~community].all()


def test_gbk_shapefile(villages):
    folder = DEMO_DIR / "villages_gbk"
    assert sorted(p.suffix for p in folder.iterdir()) == [".dbf", ".prj", ".shp", ".shx"]
    dbf = (folder / "villages.dbf").read_bytes()
    assert dbf[29] == 0  # no language driver: the encoding must be detected
    with pytest.raises(UnicodeDecodeError):
        dbf.decode("utf-8")
    for name in villages["name"]:
        with pytest.raises(UnicodeDecodeError):
            name.encode("gbk").decode("utf-8")
    shp = pyogrio.read_dataframe(folder / "villages.shp", encoding="GBK")
    assert list(shp["name"]) == list(villages["name"])
    assert list(shp["code"]) == list(villages["code"])
    assert list(shp["households"]) == list(villages["households"])
    assert shp.crs.to_epsg() == 4326


def test_roads_and_rivers_cut_villages(villages):
    roads = gpd.read_file(DEMO_DIR / "roads.geojson").to_crs(METRIC)
    rivers = gpd.read_file(DEMO_DIR / "rivers.geojson").to_crs(METRIC)
    assert {"name", "class"} <= set(roads.columns) and "name" in rivers.columns
    assert "黄河" in set(rivers["name"])
    barriers = shapely.union_all(np.concatenate([roads.geometry.values, rivers.geometry.values]))
    blocks = []
    for village in villages.to_crs(METRIC).geometry:
        noded = shapely.union_all([village.boundary, shapely.intersection(barriers, village)])
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        blocks.append(int((shapely.area(faces) > 1.0).sum()))
    assert 3 <= np.median(blocks) <= 15


# --------------------------------------------------------------------------- ledger


def test_ledger_uscc(ledger, faults):
    codes = ledger["统一社会信用代码"]
    serial = ledger["序号"].astype(int)
    blank = codes == ""
    # Only unlicensed workshops lack a code.
    assert (ledger.loc[blank, "是否注册营业执照"] == "否").all()
    valid = codes.map(uscc.is_valid)
    assert set(serial[~blank & ~valid]) == set(faults["invalid_uscc"])
    duplicated = codes[~blank & codes.duplicated(keep=False)]
    assert set(serial[duplicated.index]) == set(faults["duplicate_uscc"])
    pair = ledger[serial.isin(faults["duplicate_uscc"])]
    assert pair["企业名称"].nunique() == 2 and pair["详细地址"].nunique() == 2


def test_ledger_values(ledger):
    departments = tomllib.loads((DATA_DIR / "departments.toml").read_text(encoding="utf-8"))
    sectors = {s for d in departments["department"] for s in d["sectors"]}
    assert set(ledger["行业"]) <= sectors
    assert list(ledger["序号"].astype(int)) == list(range(1, len(ledger) + 1))
    assert set(ledger["风险等级"]) == {"重大", "较大", "一般", "低"}
    assert set(ledger["重大危险源"]) == {"无", "一级", "二级", "三级", "四级"}
    assert set(ledger["厂房性质"]) == {"自有", "租赁厂房", "废弃厂房"}
    assert set(ledger["是否注册营业执照"]) == {"是", "否"}
    assert set(ledger["坐标系"]) == {"WGS-84", "GCJ-02", "BD-09", ""}
    share = ledger["坐标系"].value_counts(normalize=True)
    assert share["WGS-84"] == pytest.approx(0.80, abs=0.03)
    assert share["GCJ-02"] == pytest.approx(0.12, abs=0.03)
    assert share["BD-09"] == pytest.approx(0.08, abs=0.03)
    risk = ledger["风险等级"].value_counts(normalize=True)
    assert 0.03 <= risk["较大"] <= 0.08 and 0.005 <= risk["重大"] <= 0.02
    assert 0.01 <= (ledger["重大危险源"] != "无").mean() <= 0.03
    employees = ledger["员工人数"].astype(int)
    revenue = ledger["营业收入（万元）"].astype(float)
    assert 3 <= ((employees >= 1000) & (revenue >= 40000)).sum() <= 10


def test_ledger_xlsx_matches_csv(ledger):
    workbook = openpyxl.load_workbook(DEMO_DIR / "enterprises.xlsx")
    sheet = workbook.active
    assert str(sheet["A1"].value).startswith("附表A")
    assert str(sheet["A2"].value).startswith("填报单位")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:T1", "R3:T3", "A3:A4"} <= merged
    assert sheet["R3"].value == "坐标"
    assert [c.value for c in sheet[4]][17:] == ["经度", "纬度", "坐标系"]
    header = [*[c.value for c in sheet[3]][:17], "经度", "纬度", "坐标系"]
    assert header == list(ledger.columns)
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(ledger)
    for row, (_, expected) in zip(rows[::97], ledger.iloc[::97].iterrows(), strict=True):
        assert row[0] == int(expected["序号"])
        assert row[1] == expected["企业名称"] and row[2] == (expected["统一社会信用代码"] or None)
        if expected["经度"]:
            assert f"{row[17]:.6f}" == expected["经度"] and f"{row[18]:.6f}" == expected["纬度"]


def test_enterprises_lie_in_declared_villages(ledger, truth, faults, villages):
    faulty = {s for serials in faults.values() for s in serials}
    sound = ~ledger["序号"].astype(int).isin(faulty)
    assert (truth["序号"] == ledger["序号"]).all()
    points = shapely.points(
        truth.loc[sound, "true_lon"].astype(float), truth.loc[sound, "true_lat"].astype(float)
    )
    point_idx, village_idx = shapely.STRtree(villages.geometry.values).query(
        points, predicate="within"
    )
    assert len(point_idx) == sound.sum()
    found = villages["name"].to_numpy()[village_idx[np.argsort(point_idx)]]
    assert (found == ledger.loc[sound, "所属村/社区"].to_numpy()).all()
    # WGS-84 rows show the true position; others are shifted by hundreds of metres.
    wgs = sound & (ledger["坐标系"] == "WGS-84")
    assert (ledger.loc[wgs, "经度"] == truth.loc[wgs, "true_lon"]).all()
    shifted = sound & (ledger["坐标系"] != "WGS-84")
    offset = (
        ledger.loc[shifted, "经度"].astype(float) - truth.loc[shifted, "true_lon"].astype(float)
    ).abs()
    assert (offset > 0.001).all()


def test_faulty_rows_are_as_documented(ledger, truth, faults, villages):
    by_serial = ledger.set_index(ledger["序号"].astype(int))
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    for serials in faults.values():
        for serial in serials:
            assert re.search(rf"\b{serial}\b", readme)
    swapped = by_serial.loc[faults["swapped_lonlat"][0]]
    assert 38 < float(swapped["经度"]) < 39 and 105 < float(swapped["纬度"]) < 107
    for kind in ("missing_coordinates_single_grid_village", "missing_coordinates_big_village"):
        row = by_serial.loc[faults[kind][0]]
        assert row["经度"] == row["纬度"] == ""
        assert row["所属乡/镇/街道"] and row["所属村/社区"]
    outside = by_serial.loc[faults["outside_county"][0]]
    county = shapely.coverage_union_all(villages.geometry.values)
    assert not shapely.contains_xy(county, float(outside["经度"]), float(outside["纬度"]))
    mismatch = faults["declared_village_mismatch"][0]
    true_code = truth.set_index(truth["序号"].astype(int)).loc[mismatch, "village_code"]
    true_name = villages.set_index("code").loc[true_code, "name"]
    assert by_serial.loc[mismatch, "所属村/社区"] != true_name


# --------------------------------------------------------------------------- staff


def test_staff_roster(staff, villages, townships):
    assert list(staff.columns) == [
        "姓名",
        "角色",
        "职务",
        "所属乡镇街道",
        "部门",
        "所属村社区",
        "联系电话",
        "专兼职",
    ]
    assert set(staff["角色"]) == set(ROLES)
    assert staff["联系电话"].str.fullmatch(r"1\d{10}").all() and staff["联系电话"].is_unique
    leaders = staff[staff["角色"] == "挂点领导"]
    assert set(townships["name"]) <= set(leaders["所属乡镇街道"])
    assert leaders["部门"].str.len().gt(0).sum() >= 8
    members = staff[staff["角色"] == "网格员"]
    assert set(members["专兼职"]) == {"专职", "兼职"}
    per_village = staff[staff["所属村社区"] != ""].groupby("所属村社区")["角色"].value_counts()
    per_village = per_village.unstack(fill_value=0)
    assert set(per_village.index) == set(villages["name"])
    for role in ("网格安全监管责任人", "直接监管责任人", "联系负责人"):
        assert (per_village[role] == 1).all()
    # One member per expected grid of about 300 households, sometimes one more.
    expected = np.ceil(villages.set_index("name")["households"] / 300).reindex(per_village.index)
    assert (per_village["网格员"] >= expected).all()
    assert (per_village["网格员"] <= expected + 1).all()
    assert ((per_village["网格员"] >= 2) == (per_village["网格长"] == 1)).all()


# --------------------------------------------------------------------------- files


def test_size_under_5mb():
    total = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024


def test_readme_says_fictional():
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    assert "fictional" in readme
    for name in ("villages_gbk/villages.shp", "enterprises.xlsx", "staff.xlsx", "roads.geojson"):
        assert name in readme


def test_script_reproduces_committed_files(tmp_path):
    out = tmp_path / "demo"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _demo_files(out) == _demo_files(DEMO_DIR)
