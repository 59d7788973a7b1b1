"""The printed-map renderer: colours, labels, fonts, files (gridgis.render.figure)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
import shapely
from conftest import box_villages
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgis.render.figure import (
    PALETTE,
    LayerStyle,
    MapLayer,
    TitleBlock,
    cjk_font,
    draw_map,
    figure_bytes,
    save_figure,
)
from gridgis.render.map.geometry import neighbour_colours


def _lattice(columns: int, rows: int, step: float = 0.002) -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(
            106.2 + i * step, 38.5 + j * step, 106.2 + (i + 1) * step, 38.5 + (j + 1) * step
        )
        for j in range(rows)
        for i in range(columns)
    ]
    return gpd.GeoDataFrame(
        {
            "grid_code": [f"G{n:03d}" for n in range(len(boxes))],
            "label": [f"第{n}网格" for n in range(len(boxes))],
        },
        geometry=boxes,
        crs="EPSG:4490",
    )


@given(st.integers(1, 7), st.integers(1, 7))
@settings(max_examples=25, deadline=None)
def test_touching_polygons_never_share_a_colour(columns: int, rows: int) -> None:
    shapes = _lattice(columns, rows).geometry.to_numpy()
    colours = neighbour_colours(shapes, len(PALETTE))
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left != right
    assert not (colours[left[pairs]] == colours[right[pairs]]).any()
    # Every polygon gets a colour of the palette (balanced use spreads them out).
    assert 0 <= colours.min() and colours.max() < len(PALETTE)


def test_the_cjk_font_is_found_without_configuration() -> None:
    assert "CJK" in cjk_font()


def test_labels_do_not_overlap_and_crowded_ones_are_reported() -> None:
    grids = _lattice(12, 12, step=0.0008)
    drawn = draw_map(
        [MapLayer(grids, colour_neighbours=True, labels="label", label_size=9)],
        size_mm=(60, 60),
    )
    axes = drawn.figure.axes[0]
    renderer = drawn.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = [t for t in axes.texts if t.get_text().startswith("第") and t.get_visible()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two labels overlap"
    # 144 labels of 9 pt do not fit in 6 cm: some are left out, and said so.
    assert drawn.hidden_labels
    assert len(labels) + len(drawn.hidden_labels) == len(grids)


def test_a_labelled_map_keeps_every_label_when_there_is_room() -> None:
    grids = _lattice(3, 2, step=0.01)
    drawn = draw_map([MapLayer(grids, labels="label")], size_mm=(160, 120))
    assert drawn.hidden_labels == []
    shown = {t.get_text() for t in drawn.figure.axes[0].texts}
    assert set(grids["label"]) <= shown


def test_paper_figure_has_title_block_legend_scale_bar_and_north_arrow() -> None:
    villages = box_villages()
    drawn = draw_map(
        [
            MapLayer(
                villages,
                LayerStyle(edgecolor="black"),
                legend="村界",
                colour_neighbours=True,
                labels="name",
            ),
            MapLayer(villages.dissolve(), LayerStyle(linewidth=2), legend="乡镇界"),
        ],
        title_block=TitleBlock("测试示意图", (("县（市、区）", "贺兰县"), ("数据版本", "7"))),
        paper="A4",
    )
    figure = drawn.figure
    width, height = figure.get_size_inches() * 25.4
    assert sorted((round(width), round(height))) == [210, 297]
    texts = [t.get_text() for t in figure.texts]
    texts += [t.get_text() for axes in figure.axes for t in axes.texts]
    assert "测试示意图" in texts and "北" in texts
    assert any(re.fullmatch(r"\d+(\.\d+)? (公里|米)", t) for t in texts), texts
    legend = figure.axes[1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["村界", "乡镇界"]
    table_texts = {
        cell.get_text().get_text() for cell in figure.axes[1].tables[0].get_celld().values()
    }
    assert {"贺兰县", "数据版本", "7"} <= table_texts


def test_drawing_changes_no_global_matplotlib_setting() -> None:
    before = dict(matplotlib.rcParams)
    draw_map([MapLayer(box_villages(), labels="name")], size_mm=(80, 60))
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg"])
def test_files_are_deterministic(tmp_path: Path, suffix: str) -> None:
    def draw() -> bytes:
        drawn = draw_map(
            [MapLayer(box_villages(), colour_neighbours=True, labels="name")],
            title_block=TitleBlock("示意图", (("日期", "2024年5月1日"),)),
            paper="A4",
        )
        path = tmp_path / f"map{suffix}"
        save_figure(drawn.figure, path, dpi=60)
        return path.read_bytes()

    first = draw()
    assert first == draw()
    assert first[:4] in (b"\x89PNG", b"%PDF", b"<?xm")


def test_pdf_embeds_the_chinese_glyphs(tmp_path: Path) -> None:
    from pypdf import PdfReader

    drawn = draw_map(
        [MapLayer(box_villages(), labels="name")],
        title_block=TitleBlock("红星村示意图"),
        paper="A4",
    )
    path = tmp_path / "map.pdf"
    save_figure(drawn.figure, path)
    page = PdfReader(path).pages[0]
    fonts = page["/Resources"]["/Font"]
    names = [str(fonts[key].get_object()["/BaseFont"]) for key in fonts]
    assert any("NotoSansCJK" in name for name in names), names
    assert "红星村示意图" in page.extract_text()


def test_png_bytes_for_html_and_unknown_suffix(tmp_path: Path) -> None:
    drawn = draw_map(
        [MapLayer(box_villages())], size_mm=(40, 40), north_arrow=False, scale_bar=False
    )
    assert figure_bytes(drawn.figure, dpi=50)[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match=r"\.png, \.pdf or \.svg"):
        save_figure(drawn.figure, tmp_path / "map.jpg")
    assert not (tmp_path / "map.jpg").exists()


def test_nothing_to_draw_is_refused() -> None:
    empty = box_villages().iloc[0:0]
    with pytest.raises(ValueError, match="nothing to draw"):
        draw_map([MapLayer(empty)])


def test_before_dashed_after_filled_for_a_filing() -> None:
    """The filing package's changes figure: old grids dashed over new grids filled."""
    before = box_villages()
    after = gpd.GeoDataFrame(geometry=[before.union_all()], crs=before.crs)
    drawn = draw_map(
        [
            MapLayer(after, LayerStyle(facecolor="#b3de69"), legend="调整后"),
            MapLayer(before, LayerStyle(linestyle="--", linewidth=1.2), legend="调整前"),
        ],
        title_block=TitleBlock("网格调整示意图"),
        paper="A4",
    )
    collections = drawn.figure.axes[0].collections
    assert len(collections) == 2
    dashes = collections[1].get_linestyle()[0]
    assert dashes[1] is not None and len(dashes[1]) >= 2  # a dash pattern, not solid
    assert np.allclose(collections[0].get_facecolor()[0][:3], matplotlib.colors.to_rgb("#b3de69"))
