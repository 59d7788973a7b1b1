"""What ``init`` reports about repaired geometry and malformed codes, on the demo county.

A repaired bow-tie must report the overlap its repair made with its
neighbours, measured independently here with a geopandas overlay. A code field
with a few malformed codes must be named and its bad codes listed, and no
project written.
"""

import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import folder_listing, run

from gridgis.admin import build_admin_units, detect_fields
from gridgis.errors import InputDataError
from gridgis.io.store import open_project

BOW_TIE_CODE = "640122101204"  # 谢家井村, in the middle of 丰安镇
# CGCS2000 / 3-degree Gauss-Kruger CM 105E: the zone of the demo county
# (105.9-106.6E), named here rather than chosen by gridgis, to measure independently.
DEMO_ZONE = "EPSG:4544"
# Overlap pieces smaller than this are rounding noise between shared edges.
NOISE_M2 = 1.0
# Two demo village codes corrupted: one digit short, and letters in the village part.
MALFORMED = {4: "64012200100", 8: "6401220010AB"}


def _demo(data_dir: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(data_dir / "demo" / name).to_crs("EPSG:4490")


def _bow_tie_villages(data_dir: Path) -> gpd.GeoDataFrame:
    """The demo villages, with 谢家井村 redrawn as a bow-tie reaching into its neighbours."""
    villages = _demo(data_dir, "villages.geojson")
    row = villages.index[villages["code"] == BOW_TIE_CODE][0]
    minx, miny, maxx, maxy = villages.geometry[row].bounds
    x, y = villages.geometry[row].centroid.coords[0]
    dx, dy = 0.7 * (maxx - minx), 0.2 * (maxy - miny)
    bow_tie = shapely.Polygon(
        [(x - dx, y - dy), (x + dx, y + dy), (x + dx, y - dy), (x - dx, y + dy)]
    )
    assert not bow_tie.is_valid
    villages.loc[row, "geometry"] = bow_tie
    return villages


def _spiked_villages(data_dir: Path) -> gpd.GeoDataFrame:
    """The demo villages, with a zero-width spike on 谢家井村's ring: invalid, but no overlap."""
    villages = _demo(data_dir, "villages.geojson")
    row = villages.index[villages["code"] == BOW_TIE_CODE][0]
    ring = list(villages.geometry[row].exterior.coords)
    (x, y), (cx, cy) = ring[0], villages.geometry[row].centroid.coords[0]
    spike = (x + 0.3 * (x - cx), y + 0.3 * (y - cy))
    villages.loc[row, "geometry"] = shapely.Polygon([ring[0], spike, *ring])
    assert not villages.geometry[row].is_valid
    return villages


def _sources(data_dir: Path, villages: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    county = gpd.read_file(data_dir / "helan_county.geojson").to_crs("EPSG:4490")
    return [
        ("villages.geojson", villages),
        ("townships.geojson", _demo(data_dir, "townships.geojson")),
        ("helan_county.geojson", county),
    ]


def _overlay_overlaps(units: gpd.GeoDataFrame, code: str) -> tuple[set[str], float]:
    """The villages a village overlaps and the total overlap in m², by geopandas overlay."""
    villages = units.loc[units["level"] == "village", ["code", "geometry"]]
    shared = gpd.overlay(
        villages[villages["code"] == code],
        villages[villages["code"] != code],
        how="intersection",
        keep_geom_type=True,
    ).to_crs(DEMO_ZONE)
    shared = shared[shared.area > NOISE_M2]
    return set(shared["code_2"]), float(shared.area.sum())


def _malformed_villages(data_dir: Path, field: str = "code") -> gpd.GeoDataFrame:
    villages = _demo(data_dir, "villages.geojson")
    villages["code"] = villages["code"].astype(object)
    for row, code in MALFORMED.items():
        villages.loc[row, "code"] = code
    return villages.rename(columns={"code": field})


def _malformed_listing(villages: gpd.GeoDataFrame) -> str:
    return ", ".join(
        f"{code} ({villages.loc[row, 'name']}, feature {row + 1})"
        for row, code in MALFORMED.items()
    )


# -- repairs: library --------------------------------------------------------------------
def test_repaired_bow_tie_reports_its_overlap_with_neighbours(data_dir: Path) -> None:
    built = build_admin_units(_sources(data_dir, _bow_tie_villages(data_dir)))
    assert built.repaired["code"].tolist() == [BOW_TIE_CODE]
    repair = built.repaired.iloc[0]
    neighbours, area = _overlay_overlaps(built.units, BOW_TIE_CODE)
    assert len(neighbours) == 4  # the bow-tie was drawn to reach into four villages
    assert repair["overlap_neighbours"] == len(neighbours)
    assert set(repair["overlap_codes"].split(", ")) == neighbours
    assert repair["overlap_m2"] > 0
    assert repair["overlap_m2"] == pytest.approx(area, rel=1e-6)


def test_repair_that_only_touches_neighbours_reports_no_overlap(data_dir: Path) -> None:
    built = build_admin_units(_sources(data_dir, _spiked_villages(data_dir)))
    repair = built.repaired.set_index("code").loc[BOW_TIE_CODE]
    assert repair["overlap_neighbours"] == 0
    assert repair["overlap_m2"] == 0
    assert repair["overlap_codes"] == ""


# -- repairs: CLI ------------------------------------------------------------------------
def _write_sources(tmp_path: Path, data_dir: Path, villages: gpd.GeoDataFrame) -> list[Path]:
    paths = []
    for name, frame in _sources(data_dir, villages):
        path = tmp_path / name
        frame.to_file(path)
        paths.append(path)
    return paths


def test_init_prints_overlap_made_by_repair(tmp_path: Path, data_dir: Path) -> None:
    files = _write_sources(tmp_path, data_dir, _bow_tie_villages(data_dir))
    project = tmp_path / "p.gpkg"
    result = run("init", project, "--admin", *files)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("code "))
    assert header.split()[-3:] == ["area", "change", "overlaps"]
    row = next(line for line in lines if line.startswith(BOW_TIE_CODE))
    assert "villages.geojson" in row and "Self-intersection" in row

    units = open_project(project).read_layer("admin_units")
    neighbours, area = _overlay_overlaps(units, BOW_TIE_CODE)
    printed = re.search(r"(\d+) neighbours, ([\d,]+) m²$", row)
    assert printed, row
    assert int(printed[1]) == len(neighbours) == 4
    assert int(printed[2].replace(",", "")) > 0
    assert int(printed[2].replace(",", "")) == pytest.approx(area, abs=1)

    warning = next(line for line in lines if line.startswith("warning:"))
    assert warning == (
        f"warning: repairing {BOW_TIE_CODE} 谢家井村 made it overlap 4 neighbours by "
        f"{printed[2]} m²; its boundary is wrong at source: fix it in villages.geojson, "
        f"and run 'gridgis check {project}' to list each overlap"
    )
    repairs = open_project(project).read_table("repairs")
    assert repairs["overlap_neighbours"].tolist() == [4]


def test_init_prints_none_for_a_repair_without_overlap(tmp_path: Path, data_dir: Path) -> None:
    files = _write_sources(tmp_path, data_dir, _spiked_villages(data_dir))
    result = run("init", tmp_path / "p.gpkg", "--admin", *files)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith(BOW_TIE_CODE))
    assert row.endswith("none")
    assert "warning:" not in result.output


# -- malformed codes: library ------------------------------------------------------------
def test_malformed_codes_are_listed_with_the_field_chosen(data_dir: Path) -> None:
    villages = _malformed_villages(data_dir)
    assert detect_fields(villages, source="villages.geojson") == ("code", "name")
    expected = (
        "villages.geojson: field 'code' holds 117 well-formed village codes and 2 malformed "
        f"ones: {_malformed_listing(villages)}; fix them or pass --code-field"
    )
    with pytest.raises(InputDataError) as raised:
        build_admin_units(_sources(data_dir, villages))
    assert str(raised.value) == expected


def test_malformed_codes_in_a_named_field_are_listed(data_dir: Path) -> None:
    villages = _malformed_villages(data_dir, field="VCODE")
    with pytest.raises(
        InputDataError,
        match=re.escape(f"and 2 malformed ones: {_malformed_listing(villages)}; fix them") + "$",
    ):
        build_admin_units(_sources(data_dir, villages)[:1], code_field="VCODE")


def test_missing_and_many_malformed_codes_are_listed(data_dir: Path) -> None:
    villages = _demo(data_dir, "villages.geojson")
    villages["code"] = villages["code"].astype(object)
    villages.loc[0, "code"] = None
    villages.loc[1:11, "code"] = villages.loc[1:11, "code"].str[:-1]
    with pytest.raises(
        InputDataError,
        match=r"holds 107 well-formed village codes and 12 malformed ones: "
        r"no code \(富兴社区, feature 1\), 64012200100 \(阳光社区, feature 2\), .*"
        r", and 2 more; fix them",
    ):
        build_admin_units([("villages.geojson", villages)])


def test_code_alias_with_malformed_codes_beats_a_sound_parent_code_field(data_dir: Path) -> None:
    # Before, the township codes were taken for the village codes (all well-formed).
    villages = _malformed_villages(data_dir)
    villages["town"] = "640122101"
    assert detect_fields(villages)[0] == "code"


def test_two_fields_mostly_of_codes_are_ambiguous(data_dir: Path) -> None:
    villages = _malformed_villages(data_dir, field="a").assign(b=lambda frame: frame["a"])
    with pytest.raises(
        InputDataError, match="code field is ambiguous; candidates are a, b; choose one"
    ):
        detect_fields(villages)


def test_a_sound_field_beats_one_mostly_of_codes(data_dir: Path) -> None:
    villages = _demo(data_dir, "villages.geojson").rename(columns={"code": "a"})
    villages["b"] = _malformed_villages(data_dir)["code"]
    assert detect_fields(villages)[0] == "a"


# -- malformed codes: CLI ----------------------------------------------------------------
def test_init_refuses_malformed_codes_and_writes_nothing(tmp_path: Path, data_dir: Path) -> None:
    villages = _malformed_villages(data_dir, field="CODE")
    shapefile = tmp_path / "villages.shp"
    villages.to_file(shapefile, encoding="UTF-8")
    townships = tmp_path / "townships.geojson"
    _demo(data_dir, "townships.geojson").to_file(townships)
    before = folder_listing(tmp_path)
    result = run("init", tmp_path / "p.gpkg", "--admin", shapefile, townships)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        "Error: villages.shp: field 'CODE' holds 117 well-formed village codes and 2 malformed "
        f"ones: {_malformed_listing(villages)}; fix them or pass --code-field"
    ]
    assert folder_listing(tmp_path) == before
    assert not (tmp_path / "p.gpkg").exists()
