"""Hazard reports on the supervision map: open ones by state, overdue ones in red, never public."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from conftest import run
from map_browser import browser, open_map, search

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR
from gridgis.project.hazards import list_hazards
from gridgis.project.map import write_map
from gridgis.render.map.hazards import OVERDUE_COLOUR, hazard_layers

DAY = dt.date(2024, 6, 30)
XSS = "<img src=x onerror=alert(7)>"


@pytest.fixture(scope="module")
def project(demo_staffed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with its hazard reports and feedback, and one report whose text is markup."""
    folder = tmp_path_factory.mktemp("hazard-map")
    path = folder / "helan.gpkg"
    shutil.copyfile(demo_staffed, path)
    for step, source in (
        ("import", DEMO_DIR / "hazards.xlsx"),
        ("update", DEMO_DIR / "hazard_feedback.csv"),
    ):
        result = run("hazards", step, path, source, "--today", DAY.isoformat())
        assert result.exit_code == 0, result.output
    markup = folder / "markup.csv"
    markup.write_text(
        "隐患编号,发现时间,上报人,所属乡镇,所属村,隐患地址,隐患类别,隐患描述,隐患等级\n"
        f"XSS-1,2024-06-29,张三,金山镇,光明村,光明村1组,其他,{XSS},一般\n",
        encoding="utf-8",
    )
    result = run("hazards", "import", path, markup, "--today", DAY.isoformat())
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def page_file(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("hazard-page") / "map.html"
    write_map(project, output, generated=DAY)
    return output


def _layers(page: Path) -> dict[str, Any]:
    found = re.search(
        r'id="gridgis-data">(.*?)</script>', page.read_text(encoding="utf-8"), flags=re.S
    )
    assert found is not None
    return {layer["key"]: layer for layer in json.loads(found.group(1))["layers"]}


def test_open_reports_are_drawn_by_state_and_overdue_ones_in_red(
    project: Path, page_file: Path
) -> None:
    judged = list_hazards(project, today=DAY).reports
    layers = _layers(page_file)
    assert layers["hazards"]["count"] == int((judged["outcome"] == "open").sum()) > 0
    assert layers["hazards_overdue"]["count"] == int((judged["outcome"] == "overdue").sum()) > 0
    overdue = json.dumps(layers["hazards_overdue"]["columns"], ensure_ascii=False)
    assert OVERDUE_COLOUR in overdue and "超期天数" not in overdue
    assert OVERDUE_COLOUR not in json.dumps(layers["hazards"]["columns"])
    # The report placed by its address is drawn inside its grid, and says so.
    assert "无坐标，标在所属网格内" in json.dumps(layers["hazards"], ensure_ascii=False)
    # Closed reports are not drawn: the layers hold the open ones only.
    assert layers["hazards"]["count"] + layers["hazards_overdue"]["count"] == int(
        judged["outcome"].isin(["open", "overdue"]).sum()
    )
    page = page_file.read_text(encoding="utf-8")
    assert XSS not in page and "onerror=alert(7)" in page.replace("\\u003c", "<").replace(
        "\\u003e", ">"
    )


def test_a_later_day_makes_more_reports_overdue(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "later.html"
    write_map(project, output, generated=DAY + dt.timedelta(days=30))
    layers = _layers(output)
    assert "hazards" not in layers  # every open report is late by then
    assert layers["hazards_overdue"]["count"] == int(
        list_hazards(project, today=DAY).reports["outcome"].isin(["open", "overdue"]).sum()
    )


def test_a_public_map_has_no_hazard_reports(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "public.html"
    write_map(project, output, generated=DAY, public=True)
    layers = _layers(output)
    assert not {"hazards", "hazards_overdue"} & set(layers)
    assert "YH-2024" not in output.read_text(encoding="utf-8")


def test_a_project_without_reports_draws_no_hazard_layer() -> None:
    grids = gpd.GeoDataFrame({"grid_code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)])
    assert hazard_layers(None, grids) == []
    closed = gpd.GeoDataFrame(
        {"outcome": ["closed_on_time"], "report_id": ["R"]}, geometry=[shapely.Point(0.5, 0.5)]
    )
    assert hazard_layers(closed, grids) == []


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started


def test_searching_an_overdue_report_opens_its_popup(
    context: Any, project: Path, page_file: Path
) -> None:
    judged = list_hazards(project, today=DAY, only="overdue").reports
    report = judged.iloc[0]
    with open_map(context, page_file) as (page, record):
        drawn = page.evaluate("() => window.gridgis.layers.hazards_overdue.getLayers().length")
        text = search(page, report["report_id"])
        marked = search(page, "XSS-1")
    assert drawn == len(judged)
    assert text.splitlines()[0] == report["report_id"]
    assert report["status"] in text and report["deadline"] in text
    assert f"{int(report['days_overdue'])} 天" in text
    assert report["grid_code"] in text
    assert XSS in marked  # shown as text, never run
    assert record.dialogs == [] and record.console == [] and record.outside() == []
    assert open_project(project).has_rows("hazards")
