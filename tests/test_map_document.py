"""The HTML page of a map: self-contained, escaped, deterministic, with a strict policy."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from gridgis.errors import InputDataError
from gridgis.render.map.assets import load_assets
from gridgis.render.map.document import render_map
from gridgis.render.map.layers import Field, Layer, LegendItem, Style, basemap


def _boxes(names: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": names, "group": ["g"] * len(names)},
        geometry=[
            shapely.box(106 + i * 0.01, 38, 106.01 + i * 0.01, 38.01) for i in range(len(names))
        ],
        crs="EPSG:4490",
    )


def _data(page: str) -> dict:
    found = re.search(r'id="gridgis-data">(.*?)</script>', page, flags=re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_a_page_inlines_everything_and_loads_nothing() -> None:
    page = render_map([Layer("boxes", "方框", _boxes(["甲", "乙"]), title="name")], title="示例")
    assert page.startswith("<!DOCTYPE html>")
    # No element refers to anything outside the page.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(?!data:)", page, flags=re.I)
    assert "@import" not in page and "url(http" not in page and "url(images/" not in page
    assert "sourceMappingURL" not in page
    assert "default-src 'none'" in page and "img-src data:;" in page
    assert "Leaflet 1.9.3" in page and "BSD 2-Clause License" in page
    assert load_assets().leaflet_js in page


def test_only_the_icons_the_map_uses_are_inlined() -> None:
    css = load_assets().leaflet_css
    assert css.count("data:image/png;base64,") == 2  # the layer control's icon, 1x and 2x
    assert "marker-icon" in css  # the rule stays, without its image
    assert "background-image: none" in css


def test_every_text_is_escaped_for_the_page() -> None:
    evil = "</script><img src=x onerror=alert(1)>&amp;\u2028"
    frame = _boxes([evil, "乙"]).assign(note=[evil, None])
    page = render_map(
        [
            Layer(
                "boxes", evil, frame, title="name", fields=(Field("note", evil),), search=("name",)
            )
        ],
        title=evil,
        subtitle=evil,
        legend=[LegendItem(evil, "#ffffff")],
        notes=[evil],
    )
    raw = re.search(r'id="gridgis-data">(.*?)</script>', page, flags=re.S).group(1)
    assert not set("<>&\u2028") & set(raw)
    assert "<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;" in page
    data = _data(page)
    assert data["title"] == evil and data["notes"] == [evil]
    assert data["layers"][0]["columns"]["name"] == [evil, "乙"]


def test_the_same_layers_give_the_same_bytes() -> None:
    def page() -> str:
        return render_map(
            [Layer("boxes", "方框", _boxes(["甲", "乙", "丙"]), title="name", label=("name",))],
            title="示例",
            subtitle="版本 1",
        )

    assert page() == page()


def test_outlines_reuse_the_rings_of_the_layers_they_outline() -> None:
    boxes = _boxes(["甲", "乙", "丙"])
    groups = gpd.GeoDataFrame(
        {"group": ["g"], "name": ["组"]},
        geometry=[shapely.union_all(boxes.geometry.to_numpy())],
        crs=boxes.crs,
    )
    layers = [
        Layer("boxes", "方框", boxes, title="name"),
        Layer("groups", "组界", groups, title="name", outline_of=("boxes",), group="group"),
    ]
    data = _data(render_map(layers, title="示例"))
    outline = data["layers"][1]
    assert outline["type"] == "outline" and outline["sources"] == ["boxes"]
    assert outline["runs"] and "geometry" not in outline
    assert not outline["interactive"]
    with pytest.raises(ValueError, match="needs a group column and polygon layers before it"):
        render_map(layers[::-1], title="示例")


def test_bad_layers_are_refused() -> None:
    boxes = _boxes(["甲"])
    with pytest.raises(ValueError, match="unique"):
        render_map([Layer("a", "a", boxes), Layer("a", "b", boxes)], title="t")
    mixed = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1), shapely.Point(0, 0)])
    with pytest.raises(ValueError, match="mixes points and polygons"):
        render_map([Layer("m", "m", mixed)], title="t")


def test_points_and_styles_are_written() -> None:
    points = gpd.GeoDataFrame(
        {"name": ["点"], "fill": ["#ff0000"]},
        geometry=[shapely.Point(106.1, 38.1)],
        crs="EPSG:4490",
    )
    style = Style(stroke="#000000", fill_column="fill", radius=6.0)
    data = _data(render_map([Layer("p", "点", points, style=style, title="name")], title="t"))
    layer = data["layers"][0]
    assert layer["type"] == "point" and layer["xy"]
    assert layer["style"]["radius"] == 6.0 and layer["fills"] == "fill"


def test_basemaps() -> None:
    assert basemap("none") is None
    assert basemap("gaode").gcj02 and not basemap("osm").gcj02
    with pytest.raises(InputDataError, match="needs a Tianditu key"):
        basemap("tianditu")
    with pytest.raises(InputDataError, match="letters and digits"):
        basemap("tianditu", tianditu_key="k&x=1")
    with pytest.raises(InputDataError, match="unknown basemap"):
        basemap("baidu")
    tiles = basemap("tianditu", tianditu_key="k123")
    assert [tile.url.count("tk=k123") for tile in tiles.tiles] == [1, 1]
    page = render_map([Layer("b", "b", _boxes(["甲"]))], title="t", basemap=tiles)
    assert "img-src data: https://*.tianditu.gov.cn;" in page
    assert _data(page)["basemap"]["tiles"][0]["subdomains"] == "01234567"
