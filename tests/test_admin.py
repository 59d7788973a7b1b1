import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import box_villages
from hypothesis import given
from hypothesis import strategies as st

from gridgis.admin import build_admin_units, code_problems, detect_fields, normalise_codes
from gridgis.errors import InputDataError


def test_normalise_codes_accepts_numbers_and_padded_levels() -> None:
    raw = pd.Series(
        [640122100201, "640122100000", "640122000000", 640122.0, " 640122100 ", "abc", None]
    )
    assert normalise_codes(raw).tolist() == [
        "640122100201",
        "640122100",
        "640122",
        "640122",
        "640122100",
        None,
        None,
    ]


@given(st.integers(1, 599), st.integers(1, 599))
def test_normalise_keeps_real_village_codes(township: int, village: int) -> None:
    code = f"640122{township:03d}{village:03d}"
    assert normalise_codes(pd.Series([code])).iloc[0] == code


def test_detect_fields_by_content() -> None:
    frame = box_villages().rename(columns={"code": "DM", "name": "MC"})
    assert detect_fields(frame) == ("DM", "MC")


def test_detect_fields_ambiguous_lists_candidates() -> None:
    frame = box_villages().rename(columns={"code": "a"}).assign(b=lambda f: f["a"])
    with pytest.raises(
        InputDataError,
        match="code field is ambiguous; candidates are a, b; choose one with --code-field",
    ):
        detect_fields(frame)
    assert detect_fields(frame, code_field="b")[0] == "b"


def test_detect_fields_prefers_known_alias() -> None:
    frame = box_villages().assign(other_code=lambda f: f["code"])
    assert detect_fields(frame)[0] == "code"


def test_detect_fields_missing_override() -> None:
    with pytest.raises(InputDataError, match="no field 'nope' for --name-field"):
        detect_fields(box_villages(), name_field="nope")


def test_villages_only_build_township_and_county() -> None:
    built = build_admin_units([("v.geojson", box_villages())], county_names={"640122": "贺兰县"})
    units = built.units.set_index("code")
    assert units.loc["640122", "level"] == "county"
    assert units.loc["640122", "name"] == "贺兰县"
    assert units.loc["640122100", "level"] == "township"
    assert units.loc["640122100", "origin"] == "dissolved"
    assert units.loc["640122100201", "parent_code"] == "640122100"
    assert units.loc["640122100", "parent_code"] == "640122"
    assert units.loc["640122100", "households"] == 1550
    township = units.loc["640122100", "geometry"]
    assert township.area == pytest.approx(0.02 * 0.02)
    assert set(built.units.geom_type) == {"MultiPolygon"}


def test_missing_township_is_refused() -> None:
    township = gpd.GeoDataFrame(
        {"code": ["640122101"], "name": ["别的镇"]},
        geometry=[shapely.box(106, 38, 107, 39)],
        crs="EPSG:4490",
    )
    with pytest.raises(InputDataError, match="3 villages belong to townships missing"):
        build_admin_units([("v", box_villages()), ("t", township)])


def test_duplicate_codes_are_refused() -> None:
    villages = box_villages()
    villages.loc[2, "code"] = villages.loc[0, "code"]
    with pytest.raises(InputDataError, match="duplicate codes: 640122100201"):
        build_admin_units([("v.shp", villages)])


def test_several_counties_are_refused() -> None:
    villages = box_villages()
    villages.loc[2, "code"] = "640121100201"
    with pytest.raises(InputDataError, match="span several counties"):
        build_admin_units([("v", villages)])


def test_non_polygon_geometry_is_refused() -> None:
    villages = box_villages()
    villages.loc[1, "geometry"] = shapely.Point(106.2, 38.5)
    with pytest.raises(
        InputDataError,
        match=r"must be polygons, but 1 features are Point ×1 \(codes 640122100202\)",
    ):
        build_admin_units([("v", villages)])


def test_bow_tie_is_repaired_and_reported() -> None:
    villages = box_villages()
    x0, y0 = 106.2, 38.5
    villages.loc[0, "geometry"] = shapely.Polygon(
        [(x0, y0), (x0 + 0.01, y0 + 0.01), (x0 + 0.01, y0), (x0, y0 + 0.01)]
    )
    built = build_admin_units([("v", villages)])
    assert built.repaired["code"].tolist() == ["640122100201"]
    assert "Self-intersection" in built.repaired["reason"].iloc[0]
    fixed = built.units.set_index("code").loc["640122100201", "geometry"]
    assert fixed.is_valid and fixed.area == pytest.approx(0.5 * 0.01 * 0.01)


def test_code_problems_ranges_and_uniqueness() -> None:
    codes = pd.Series(
        [
            "640122",
            "640122001",
            "640122650",
            "640122100000",
            "640122100201",
            "640122100201",
            "64012",
            "640122100700",
        ]
    )
    reasons = code_problems(codes).tolist()
    assert reasons[0] is None and reasons[1] is None
    assert "township part 650 is outside 001-599" in reasons[2]
    assert "village part 000" in reasons[3]
    assert reasons[4] == reasons[5] == "code is not unique"
    assert reasons[6] == "code is not 6, 9 or 12 digits"
    assert "village part 700" in reasons[7]


def test_extra_attributes_are_kept_as_json() -> None:
    villages = box_villages().assign(备注=["a", None, "c"])
    built = build_admin_units([("v", villages)])
    row = built.units.set_index("code").loc["640122100201"]
    assert row["attributes"] == '{"备注": "a"}'
    assert np.isnan(np.nan)
