"""``gridgis map REGISTRY``: every county's current grids of a prefecture's registry, offline.

Two counties file into a GeoPackage registry (640121 its baseline, 640122 three
filings, so it has retired rows too); the map must hold exactly the registry's
current grids, found by the search, with every text escaped and nothing
loaded. The same filings applied to a PostGIS registry give the same map.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import folder_listing, run
from filing_fixtures import FiledCounty
from map_browser import browser, open_map, search

from gridgis.filing.registry import registry_grids
from gridgis.io import gpkg
from gridgis.render.map.encode import ALPHABET

EVIL = "</script><img src=x onerror=alert(1)>&amp;"


def _filings(neighbour: FiledCounty, filed: FiledCounty) -> list[Path]:
    return [neighbour.filings[0], *filed.filings]


def _fill(target: str, filings: list[Path], scope: str = "640100") -> str:
    result = run("registry", "init", target, "--prefecture", scope)
    assert result.exit_code == 0, result.output
    for filing in filings:
        result = run("filing", "apply", target, filing)
        assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def registry(
    tmp_path_factory: pytest.TempPathFactory,
    neighbour_county: FiledCounty,
    filed_county: FiledCounty,
) -> Path:
    path = tmp_path_factory.mktemp("registry_map") / "yinchuan.gpkg"
    _fill(str(path), _filings(neighbour_county, filed_county))
    return path


@pytest.fixture(scope="module")
def page_file(registry: Path) -> Path:
    output = registry.parent / "maps" / "yinchuan.html"
    output.parent.mkdir()
    result = run("map", registry, "-o", output)
    assert result.exit_code == 0, result.output
    assert "2 counties" in result.output and "opens offline" in result.output
    return output


def _ints(text: str) -> list[int]:
    """Decode the map's integer code (``encode.encode_ints``)."""
    values, value, shift = [], 0, 0
    for character in text:
        digit = ALPHABET.index(character)
        value |= (digit & 31) << shift
        shift += 5
        if not digit & 32:
            values.append(-(value + 1) // 2 if value & 1 else value // 2)
            value, shift = 0, 0
    return values


def _column(layer: dict[str, Any], name: str) -> list[Any]:
    column = layer["columns"][name]
    if isinstance(column, list):
        return column
    return [None if i < 0 else column["d"][i] for i in _ints(column["i"])]


def _data(page_file: Path) -> dict[str, Any]:
    page = page_file.read_text(encoding="utf-8")
    found = re.search(r'id="gridgis-data">(.*?)</script>', page, flags=re.S)
    assert found is not None
    return json.loads(found.group(1))


def _drawn_codes(data: dict[str, Any]) -> dict[str, str]:
    """Grid code -> filing id of every grid drawn (base and sector polygons, level outlines)."""
    drawn: dict[str, str] = {}
    for layer in data["layers"]:
        if layer["key"] == "undivided":
            continue
        codes = _column(layer, "grid_code")
        assert not set(codes) & set(drawn), f"{layer['key']} repeats grids"
        drawn.update(zip(codes, _column(layer, "filing_id"), strict=True))
    return drawn


def test_the_map_holds_every_current_grid_of_both_counties(registry: Path, page_file: Path) -> None:
    grids = registry_grids(str(registry))
    assert set(grids["county_code"]) == {"640121", "640122"}
    data = _data(page_file)
    layers = {layer["key"]: layer for layer in data["layers"]}
    for county in ("640121", "640122"):
        base = grids[(grids["county_code"] == county) & (grids["level"] == "base")]
        layer = layers[f"grids_{county}"]
        assert layer["control"] and layer["shown"] and layer["label"] is not None
        assert _column(layer, "grid_code") == list(base["grid_code"])
    drawn = _drawn_codes(data)
    assert len(drawn) == len(grids)
    assert drawn == dict(zip(grids["grid_code"], grids["filing_id"], strict=True))
    # Retired grids (640122's later filings re-divided three villages) are not drawn.
    every = sqlite3.connect(registry).execute("SELECT count(*) FROM grids").fetchone()[0]
    assert every > len(grids)
    assert [layers[key]["count"] for key in ("county", "township")] == [
        int((grids["level"] == level).sum()) for level in ("county", "township")
    ]
    assert data["title"] == "银川市（640100）安全生产网格化监管示意图"
    assert re.fullmatch(
        r"2 个县（市、区） · 最新备案 \d{4}-\d\d-\d\d · 生成于 \d{4}-\d\d-\d\d", data["subtitle"]
    )
    assert "兴庆区" in data["notes"][0]  # counties of 640100 that never filed
    page = page_file.read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "img-src data:;" in page
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(?!data:)", page, flags=re.I)


def test_county_limits_the_map(registry: Path, tmp_path: Path) -> None:
    output = tmp_path / "one.html"
    result = run("map", registry, "-o", output, "--county", "640121")
    assert result.exit_code == 0, result.output
    assert "1 county," in result.output
    data = _data(output)
    assert data["layers"][0]["key"] == "grids_640121"
    assert not any(layer["key"] == "grids_640122" for layer in data["layers"])
    assert len(_drawn_codes(data)) == len(registry_grids(str(registry), county="640121"))
    assert data["subtitle"].startswith("永宁县 · ")
    result = run("map", registry, "-o", tmp_path / "none.html", "--county", "640104")
    assert result.exit_code == 1
    assert "county 640104 has no filing in the registry" in result.output
    assert "640121, 640122" in result.output
    assert run("map", registry, "-o", output, "--county", "6401").exit_code == 2


@pytest.mark.parametrize(
    "arguments",
    [["--public"], ["--township", "640122101"], ["--version", "2"], ["--public", "--version", "1"]],
)
def test_project_options_are_usage_errors_for_a_registry(
    registry: Path, tmp_path: Path, arguments: list[str]
) -> None:
    result = run("map", registry, "-o", tmp_path / "m.html", *arguments)
    assert result.exit_code == 2
    assert "for a project's map" in result.output and "is a registry" in result.output
    assert folder_listing(tmp_path) == []


def test_county_is_a_usage_error_for_a_project(filed_county: FiledCounty, tmp_path: Path) -> None:
    result = run("map", filed_county.project, "-o", tmp_path / "m.html", "--county", "640122")
    assert result.exit_code == 2
    assert "--county is for a registry's map" in result.output
    assert folder_listing(tmp_path) == []


def test_a_registry_without_filings_says_so(tmp_path: Path) -> None:
    target = tmp_path / "empty.gpkg"
    assert run("registry", "init", target, "--prefecture", "640100").exit_code == 0
    result = run("map", target, "-o", tmp_path / "m.html")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: the registry") and "has no filings applied yet" in (
        result.output
    )
    assert folder_listing(tmp_path) == ["empty.gpkg"]


def test_an_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(
        "map", f"postgresql://gridgis@127.0.0.1:{port}/postgres", "-o", tmp_path / "m.html"
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot connect to postgresql://gridgis@127.0.0.1")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert folder_listing(tmp_path) == []


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started


def test_search_finds_a_grid_of_each_county_escaped_and_offline(
    registry: Path, context: Any, tmp_path: Path
) -> None:
    evil = tmp_path / "evil.gpkg"
    shutil.copyfile(registry, evil)
    grids = registry_grids(str(registry))
    base = grids[grids["level"] == "base"].groupby("county_code").nth(1)
    chosen = dict(zip(base["county_code"], base["grid_code"], strict=True))
    with contextlib.closing(gpkg.connect(evil)) as connection:
        connection.execute(
            "UPDATE grids SET name = ? WHERE grid_code = ? AND valid_to IS NULL",
            (EVIL, chosen["640121"]),
        )
        connection.execute(
            "UPDATE counties SET county_name = ? WHERE county_code = '640122'", (EVIL,)
        )
        connection.commit()
    page_file = tmp_path / "evil.html"
    result = run("map", evil, "-o", page_file)
    assert result.exit_code == 0, result.output
    raw = re.search(
        r'id="gridgis-data">(.*?)</script>', page_file.read_text(encoding="utf-8"), re.S
    )
    assert raw is not None and not set("<>&") & set(raw.group(1))
    with open_map(context, page_file) as (page, record):
        found = {county: search(page, code) for county, code in chosen.items()}
        layer_names = page.inner_text(".leaflet-control-layers-overlays")
        tags = page.evaluate("() => document.querySelectorAll('img, b, iframe').length")
        page.screenshot(path=str(tmp_path / "registry.png"))
    assert found["640121"].splitlines()[0] == EVIL
    for county, text in found.items():
        assert chosen[county] in text and f"（{county}）" in text
        assert grids.set_index("grid_code").loc[chosen[county], "filing_id"] in text
    assert "永宁县" in found["640121"] and EVIL in found["640122"]
    assert f"{EVIL}基础网格" in layer_names and "永宁县基础网格" in layer_names
    assert tags == 0
    assert record.dialogs == [] and record.console == []
    assert record.outside() == [] and record.failed == []


def test_a_postgis_registry_gives_the_same_map(
    postgis_url: str,
    neighbour_county: FiledCounty,
    filed_county: FiledCounty,
    page_file: Path,
    tmp_path: Path,
) -> None:
    target = _fill(f"{postgis_url}?schema=reg_map", _filings(neighbour_county, filed_county))
    output = tmp_path / "postgis.html"
    result = run("map", target, "-o", output)
    assert result.exit_code == 0, result.output
    assert "2 counties" in result.output

    def comparable(data: dict[str, Any]) -> list[dict[str, Any]]:
        # The day each filing entered its registry may differ; everything else may not.
        return [
            {**layer, "columns": {k: v for k, v in layer["columns"].items() if k != "applied"}}
            for layer in data["layers"]
        ]

    from_postgis, from_gpkg = _data(output), _data(page_file)
    assert comparable(from_postgis) == comparable(from_gpkg)
    assert _drawn_codes(from_postgis) == _drawn_codes(from_gpkg)
    assert from_postgis["title"] == from_gpkg["title"]


def test_a_village_without_base_grids_is_drawn_grey_and_outlined(registry: Path) -> None:
    from gridgis.filing.registry import read_registry
    from gridgis.render.map.registry import RegistryMapData, registry_map

    contents = read_registry(str(registry))
    grids = contents.grids
    base = grids[grids["level"] == "base"]
    # The county's first village: it sorts before the villages that keep their grids.
    village = base["admin_code"].min()
    kept = grids[~((grids["level"] == "base") & (grids["admin_code"] == village))]
    page = registry_map(RegistryMapData(kept, contents.counties, {}), title="示例", subtitle="版本")
    found = re.search(r'id="gridgis-data">(.*?)</script>', page, flags=re.S)
    assert found is not None
    layers = {layer["key"]: layer for layer in json.loads(found.group(1))["layers"]}
    assert _column(layers["undivided"], "admin_code") == [village]
    assert layers["village"]["count"] == int((grids["level"] == "village").sum())
    assert "grids_" + village[:6] in layers
