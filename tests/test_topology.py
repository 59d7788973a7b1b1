import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import box_villages

from gridgis.admin import build_admin_units
from gridgis.rounding_noise import ROUNDING_NOISE_M, width
from gridgis.topology import check_admin_units

X0, Y0, STEP = 106.20, 38.50, 0.01


def _units(
    villages: gpd.GeoDataFrame, township: shapely.Geometry | None = None
) -> gpd.GeoDataFrame:
    sources = [("villages", villages)]
    if township is not None:
        sources.append(
            (
                "townships",
                gpd.GeoDataFrame(
                    {"code": ["640122100"], "name": ["金山镇"]},
                    geometry=[township],
                    crs="EPSG:4490",
                ),
            )
        )
    return build_admin_units(sources).units


def _problems(result, check: str) -> pd.DataFrame:
    return result.issues[result.issues["check"] == check]


def test_clean_boxes_pass() -> None:
    result = check_admin_units(_units(box_villages()))
    assert result.ok, result.issues
    assert set(result.summary["check"]) == {
        "code",
        "empty",
        "containment",
        "overlap",
        "gap",
        "uncovered",
        "sliver",
    }


def test_synthetic_county_passes(synthetic_county: gpd.GeoDataFrame) -> None:
    units = build_admin_units([("v", synthetic_county.to_crs(4490))]).units
    assert check_admin_units(units).ok


def test_overlap_is_found_with_its_size() -> None:
    villages = box_villages()
    # Push village 202 about 40 m west, over village 201.
    villages.loc[1, "geometry"] = shapely.box(X0 + STEP - 0.0005, Y0, X0 + 2 * STEP, Y0 + STEP)
    result = check_admin_units(_units(villages))
    overlaps = _problems(result, "overlap")
    assert len(overlaps) == 1
    assert "overlaps 640122100202" in overlaps["reason"].iloc[0]
    assert overlaps["measure"].iloc[0] == pytest.approx(43.5 * 1111, rel=0.05)


def test_narrow_gap_is_found() -> None:
    villages = box_villages()
    # Pull village 202 about 0.4 m east: a gap narrower than the 1 m default.
    villages.loc[1, "geometry"] = shapely.box(X0 + STEP + 4.6e-6, Y0, X0 + 2 * STEP, Y0 + STEP)
    result = check_admin_units(_units(villages))
    gaps = _problems(result, "gap")
    assert len(gaps) >= 1
    assert gaps["measure"].max() == pytest.approx(0.4, abs=0.01)  # the gap's own width
    assert not result.ok


def test_thin_wedge_at_the_border_is_no_gap() -> None:
    # Metres east and north of (X0, Y0), the county border running north at x = 0:
    # village 202 is a strip about 1 m wide between 201 and the border, and 203's
    # corner at (0.05, -5.1) is a 25° wedge. GEOS's nearly-parallel test flags
    # 203's border edge as a narrow gap, but no point is left uncovered.
    east, north = 111_320 * np.cos(np.radians(Y0)), 110_990

    def polygon(points: list[tuple[float, float]]) -> shapely.Polygon:
        return shapely.Polygon([(X0 + x / east, Y0 + y / north) for x, y in points])

    villages = box_villages().assign(
        geometry=[
            polygon([(-0.6, -6.4), (-10.8, -7.8), (-12.8, 0), (-1.9, 16.5), (-1.0, 3.5)]),
            polygon([(-0.6, -6.4), (-1.0, 3.5), (-1.9, 16.5), (-0.1, 16.6), (0, 5), (0.05, -5.1)]),
            polygon([(-10.8, -7.8), (-0.6, -6.4), (0.05, -5.1), (0.15, -16.6), (-11.3, -16)]),
        ]
    )
    flagged = shapely.coverage_invalid_edges(villages.geometry.values, gap_width=1 / east)
    assert shapely.coverage_is_valid(villages.geometry.values)
    assert not shapely.is_empty(flagged[2])
    result = check_admin_units(_units(villages))
    assert result.ok, result.issues[["check", "code", "reason"]]
    assert result.summary.set_index("check").loc["overlap", "noise_ignored"] >= 1


def test_bend_of_the_border_inside_one_village_is_no_gap() -> None:
    # 25 m around a bend of 平潭县's coast (metres from (X0, Y0), to the micrometre
    # as measured): the border turns by 74° at (0.02, 0.10) inside village 202,
    # 2 m before village 201 takes over along a nearly straight line. GEOS flags
    # 202's border edge; the corner a 1 m disc cannot reach is 202's own, not
    # uncovered land between two villages.
    east, north = 111_320 * np.cos(np.radians(Y0)), 110_990
    bend, meet, inland = (0.023139, 0.096541), (-1.856596, -0.719006), (13.06418, 19.58864)

    def polygon(points: list[tuple[float, float]]) -> shapely.Polygon:
        return shapely.Polygon([(X0 + x / east, Y0 + y / north) for x, y in points])

    villages = (
        box_villages()
        .iloc[:2]
        .assign(
            geometry=[
                polygon(
                    [
                        meet,
                        (-21.221989, -9.120924),
                        (-25, 0),
                        (-17.67767, 17.67767),
                        (0, 25),
                        inland,
                    ]
                ),
                polygon(
                    [
                        bend,
                        meet,
                        inland,
                        (17.67767, 17.67767),
                        (25, 0),
                        (17.67767, -17.67767),
                        (15.475487, -18.589844),
                    ]
                ),
            ]
        )
    )
    flagged = shapely.coverage_invalid_edges(villages.geometry.values, gap_width=1 / east)
    assert not shapely.is_empty(flagged[1])
    result = check_admin_units(_units(villages))
    assert result.ok, result.issues[["check", "code", "reason"]]


def test_rounding_noise_is_not_a_problem() -> None:
    villages = box_villages()
    # A shared corner moved by 1e-13 degrees: an overlap of ~1e-15 square degrees.
    villages.loc[1, "geometry"] = shapely.Polygon(
        [
            (X0 + STEP - 1e-13, Y0),
            (X0 + 2 * STEP, Y0),
            (X0 + 2 * STEP, Y0 + STEP),
            (X0 + STEP, Y0 + STEP),
        ]
    )
    assert not shapely.coverage_is_valid(villages.geometry.values)
    result = check_admin_units(_units(villages))
    assert result.ok, result.issues
    assert result.summary.set_index("check").loc["overlap", "noise_ignored"] >= 1


def test_containment_uses_metre_tolerance() -> None:
    township = shapely.box(X0, Y0 - STEP, X0 + 2 * STEP, Y0 + STEP)
    # The villages stick 0.5 m out of this township: within the 1 m tolerance.
    slightly = shapely.box(X0 + 0.5 / 87_000, Y0 - STEP, X0 + 2 * STEP, Y0 + STEP)
    assert check_admin_units(_units(box_villages(), slightly)).ok
    villages = box_villages()
    villages.loc[0, "geometry"] = shapely.box(X0 - 0.0002, Y0, X0 + STEP, Y0 + STEP)  # ~17 m out
    result = check_admin_units(_units(villages, township))
    containment = _problems(result, "containment")
    assert containment["code"].tolist() == ["640122100201"]
    assert "beyond its parent 640122100" in containment["reason"].iloc[0]


def test_uncovered_area_of_a_given_township() -> None:
    bigger = shapely.box(X0, Y0 - STEP, X0 + 3 * STEP, Y0 + STEP)
    result = check_admin_units(_units(box_villages(), bigger))
    uncovered = _problems(result, "uncovered")
    assert uncovered["code"].tolist() == ["640122100"]
    assert "covered by no village" in uncovered["reason"].iloc[0]


def test_sliver_part_is_found() -> None:
    villages = box_villages()
    sliver = shapely.box(X0 + 0.05, Y0, X0 + 0.05 + 5e-6, Y0 + STEP)  # ~0.4 m wide
    villages.loc[2, "geometry"] = shapely.MultiPolygon([villages.loc[2, "geometry"], sliver])
    result = check_admin_units(_units(villages))
    slivers = _problems(result, "sliver")
    assert "640122100203" in slivers["code"].tolist()


def test_issues_are_polygons_in_cgcs2000() -> None:
    villages = box_villages()
    villages.loc[1, "geometry"] = shapely.box(X0 + STEP - 0.0005, Y0, X0 + 2 * STEP, Y0 + STEP)
    result = check_admin_units(_units(villages))
    assert result.issues.crs.to_epsg() == 4490
    assert set(result.issues.geom_type) <= {"Polygon", "MultiPolygon"}


def test_width_is_inscribed_diameter() -> None:
    strip = shapely.box(0, 0, 100, 2)
    assert width([strip])[0] == pytest.approx(2, abs=ROUNDING_NOISE_M)
