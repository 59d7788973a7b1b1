"""The map use case: what it reads, what it leaves out, and that it writes safely."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import file_digest, folder_listing
from map_projects import MEMBER, PRIVATE, XSS_NAME, build_tiny_project

from gridgis.errors import InputDataError, StoreError
from gridgis.io.store import open_project
from gridgis.project.map import grid_people, read_supervision_data, shift_to_gcj02, write_map

DAY = dt.date(2026, 1, 2)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_project(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def project(tiny: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gpkg"
    shutil.copyfile(tiny, path)
    return path


def _data(page: Path) -> dict:
    found = re.search(
        r'<script type="application/json" id="gridgis-data">(.*?)</script>',
        page.read_text(encoding="utf-8"),
        flags=re.S,
    )
    assert found is not None
    return json.loads(found.group(1))


def test_the_map_shows_grids_people_and_units(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "map.html"
    report = write_map(project, output, generated=DAY)
    assert report.grids == 8
    assert report.enterprises == 3
    assert report.unassigned == 1
    assert report.sector_grids == 1
    assert report.bytes == output.stat().st_size
    data = _data(output)
    layers = {layer["key"]: layer for layer in data["layers"]}
    assert {"grids", "sector", "village", "township", "county", "enterprises", "unassigned"} <= set(
        layers
    )
    assert layers["grids"]["count"] == 8
    # The unit without coordinates is drawn apart, at its declared village's centre.
    assert layers["unassigned"]["count"] == 1 and layers["enterprises"]["count"] == 2
    assert "无坐标，标在填报村（社区）中心" in json.dumps(layers["unassigned"], ensure_ascii=False)
    assert data["title"] == "贺兰县安全生产网格化监管示意图"
    assert data["subtitle"] == "版本 5 · 生成于 2026-01-02"
    page = output.read_text(encoding="utf-8")
    for text in (*MEMBER, "重大风险化工有限公司", "需补坐标"):
        assert text in page, text
    for text in PRIVATE.values():
        assert f'"{text}"' in page, text


def test_the_people_of_a_grid_have_titles_and_phones(project: Path) -> None:
    reader = open_project(project)
    grids = reader.read_grids()
    people = grid_people(reader.read_layer("staff"), grids).set_index("grid_code")
    red_star = grids[(grids["level"] == "base") & (grids["admin_code"] == "640122100201")]
    for code in red_star["grid_code"]:
        assert people.loc[code, "网格员"] == "王五（专职网格员） 13800000001"
        assert people.loc[code, "挂点领导"] == "孙八（副镇长） 13800000003"
    others = grids[(grids["level"] == "base") & (grids["admin_code"] != "640122100201")]
    assert people.loc[others["grid_code"], "网格员"].isna().all()


def test_public_leaves_out_personal_data_but_keeps_grid_staff(
    project: Path, tmp_path: Path
) -> None:
    output = tmp_path / "public.html"
    report = write_map(project, output, public=True, generated=DAY)
    page = output.read_text(encoding="utf-8")
    assert report.public
    for label, value in PRIVATE.items():
        # Quoted: a bare "4321" may turn up inside the page's integer-coded shapes.
        assert f'"{value}"' not in page and f">{value}<" not in page, label
    for label in ("principal", "phone", "email"):
        assert PRIVATE[label] not in page, label
    for label in ("主要负责人", "联系电话", "电子邮箱", "员工人数", "营业收入"):
        assert label not in page, label
    # A large unit's rule names its size class, not its employees and revenue.
    assert "大型企业" in page
    assert MEMBER[0] in page and MEMBER[1] in page
    assert "公开版" in _data(output)["subtitle"]
    # Public data stays: the unit's name, USCC and address.
    assert "重大风险化工有限公司" in page and "91640122MA760FWMX6" in page


def test_the_same_project_gives_the_same_bytes_but_the_date(project: Path, tmp_path: Path) -> None:
    first, second, later = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    write_map(project, first, generated=DAY)
    write_map(project, second, generated=DAY)
    write_map(project, later, generated=dt.date(2027, 5, 6))
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != later.read_bytes()
    assert first.read_bytes() == later.read_bytes().replace(b"2027-05-06", b"2026-01-02")


def test_escaping_leaves_no_markup_of_the_data_in_the_page(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "map.html"
    write_map(project, output, title="<script>alert(5)</script>", generated=DAY)
    page = output.read_text(encoding="utf-8")
    data = re.search(r'id="gridgis-data">(.*?)</script>', page, flags=re.S)
    assert data is not None
    assert "<" not in data.group(1) and ">" not in data.group(1) and "&" not in data.group(1)
    head = page[: page.index('<script type="application/json"')]
    assert "alert" not in head.replace("&lt;script&gt;alert(5)&lt;/script&gt;", "")
    assert "<title>&lt;script&gt;alert(5)&lt;/script&gt;" in page
    names = _data(output)["layers"]
    units = next(layer for layer in names if layer["key"] == "enterprises")
    assert XSS_NAME in json.dumps(units["columns"], ensure_ascii=False)


def test_township_filter(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "town.html"
    report = write_map(project, output, townships=["640122100"], generated=DAY)
    assert report.grids == 8
    assert "测试镇" in _data(output)["subtitle"]
    assert not any(layer["key"] == "county" for layer in _data(output)["layers"])
    with pytest.raises(InputDataError, match="township 640122999 is not in the project"):
        write_map(project, tmp_path / "none.html", townships=["640122999"], generated=DAY)
    assert not (tmp_path / "none.html").exists()


def test_an_earlier_version_is_mapped_as_it_was(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "v2.html"
    report = write_map(project, output, version=2, generated=DAY)
    assert report.version == 2 and report.grids == 8 and report.enterprises == 0
    with pytest.raises(StoreError, match="version 99 does not exist"):
        write_map(project, tmp_path / "v99.html", version=99, generated=DAY)


def test_gaode_shifts_every_shape_to_gcj02(project: Path, tmp_path: Path) -> None:
    reader = open_project(project)
    data = read_supervision_data(reader, version=reader.current_version)
    shifted = shift_to_gcj02(data)
    for before, after in ((data.grids, shifted.grids), (data.admin, shifted.admin)):
        moved = shapely.distance(
            shapely.centroid(before.geometry.to_numpy()),
            shapely.centroid(after.geometry.to_numpy()),
        )
        # GCJ-02 is some hundreds of metres off near 106°E, 38.5°N.
        assert np.all((moved > 0.001) & (moved < 0.01))
    output = tmp_path / "gaode.html"
    write_map(project, output, basemap_name="gaode", generated=DAY)
    page = output.read_text(encoding="utf-8")
    assert "img-src data: https://*.is.autonavi.com" in page
    assert _data(output)["basemap"]["label"] == "高德地图"


def test_tianditu_without_a_key_fails_before_any_work(project: Path, tmp_path: Path) -> None:
    before = file_digest(project)
    with pytest.raises(InputDataError, match="needs a Tianditu key"):
        write_map(project, tmp_path / "t.html", basemap_name="tianditu")
    assert folder_listing(tmp_path) == ["tiny.gpkg"]
    assert file_digest(project) == before
    write_map(project, tmp_path / "t.html", basemap_name="tianditu", tianditu_key="abc123def456")
    assert "tk=abc123def456" in (tmp_path / "t.html").read_text(encoding="utf-8")


def test_the_output_is_never_the_project_and_is_not_replaced_silently(
    project: Path, tmp_path: Path
) -> None:
    before = file_digest(project)
    with pytest.raises(InputDataError, match="never replaces a project"):
        write_map(project, project, overwrite=True)
    with pytest.raises(InputDataError, match=r"use one of \.html"):
        write_map(project, tmp_path / "map.txt")
    copy = tmp_path / "copy.html"
    shutil.copyfile(project, copy)
    with pytest.raises(InputDataError, match="is a gridgis project"):
        write_map(project, copy, overwrite=True)
    assert file_digest(project) == before
    output = tmp_path / "map.html"
    output.write_text("old", encoding="utf-8")
    with pytest.raises(InputDataError, match="already exists; pass --overwrite"):
        write_map(project, output)
    assert output.read_text(encoding="utf-8") == "old"
    write_map(project, output, overwrite=True)
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
