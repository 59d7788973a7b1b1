"""The enterprise flow on the demo county: import, assign, report, export."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import file_digest, run

from gridgis.io.assignment_view import read_assignments
from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR

FAULTS = json.loads((DEMO_DIR / "ledger_faults.json").read_text())


@pytest.fixture(scope="module")
def assigned(tmp_path_factory: pytest.TempPathFactory, demo_assigned: Path) -> Path:
    """A copy of the assigned demo project for this module (one test imports into it)."""
    import shutil

    project = tmp_path_factory.mktemp("assign") / "helan.gpkg"
    shutil.copyfile(demo_assigned, project)
    return project


def _assignments(project: Path) -> pd.DataFrame:
    frame = read_assignments(project)
    positions = open_project(project).read_table("ledger_rows")
    return frame.merge(positions, on="enterprise_id")


def test_every_row_ends_in_exactly_one_place(assigned: Path) -> None:
    frame = _assignments(assigned)
    assert len(frame) == 3000
    placed = frame["grid_code"].notna()
    assert (placed == frame["kind"].notna()).all()
    assert frame.loc[~placed, "reason"].str.len().gt(0).all()
    line = open_project(assigned).versions()["note"].iloc[-1]
    counts = frame["kind"].fillna("unassigned").value_counts()
    assert line == (
        f"assign: rows 3000 = territorial {counts['territorial']} + sector "
        f"{counts['sector']} + unassigned {counts.get('unassigned', 0)}"
    )


def test_points_land_in_their_true_village(assigned: Path) -> None:
    truth = pd.read_csv(DEMO_DIR / "enterprises_truth.csv", dtype={"village_code": str})
    frame = _assignments(assigned).merge(truth, left_on="row", right_on="序号", how="left")
    faulty = {row for rows in FAULTS.values() for row in rows}
    located = frame[frame["located_village"].notna() & ~frame["row"].isin(faulty)]
    assert len(located) > 2900
    assert (located["located_village"] == located["village_code"]).all()


def test_faulty_rows_are_handled(assigned: Path) -> None:
    frame = _assignments(assigned).set_index("row")
    single = frame.loc[FAULTS["missing_coordinates_single_grid_village"][0]]
    assert single["method"] in ("address", "rule", "capacity")
    big = frame.loc[FAULTS["missing_coordinates_big_village"][0]]
    if big["kind"] is None or pd.isna(big["kind"]):
        assert "需补坐标" in big["reason"]
    outside = frame.loc[FAULTS["outside_county"][0]]
    if pd.isna(outside["kind"]):
        assert "不在任何网格内" in outside["reason"]
    mismatch = frame.loc[FAULTS["declared_village_mismatch"][0]]
    assert bool(mismatch["mismatch"])


def test_sector_units_carry_rule_and_reason(assigned: Path) -> None:
    frame = _assignments(assigned)
    sector = frame[frame["kind"] == "sector"]
    assert len(sector) >= 200  # 201 high-risk + 7 large units in the demo ledger
    assert set(sector["method"]) <= {"rule", "capacity"}
    assert sector["reason"].str.len().gt(0).all()
    grids = open_project(assigned).read_layer("grids", where="kind = 'sector'")
    assert set(sector["grid_code"]) <= set(grids["grid_code"])
    assert all(code[9] == "9" and code[6:9] == "000" for code in grids["grid_code"])


def test_report_has_one_sheet_per_problem(assigned: Path, tmp_path: Path) -> None:
    output = tmp_path / "quality.xlsx"
    result = run("report", assigned, "-o", output)
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel(output, sheet_name=None)
    assert list(sheets) == [
        "汇总",
        "统一社会信用代码无效",
        "统一社会信用代码重复",
        "经纬度颠倒",
        "坐标在县外",
        "所属村与坐标不符",
        "未落格",
    ]
    assert sheets["统一社会信用代码无效"]["台账行号"].tolist() == FAULTS["invalid_uscc"]
    assert sorted(sheets["统一社会信用代码重复"]["台账行号"]) == FAULTS["duplicate_uscc"]
    assert sheets["经纬度颠倒"]["台账行号"].tolist() == FAULTS["swapped_lonlat"]
    outside = sheets["坐标在县外"].set_index("台账行号")
    assert FAULTS["outside_county"][0] in outside.index
    # The row's entry comes from assign (by its reason code), which says how far
    # outside the county the point lies.
    assert "不在任何网格内" in outside.loc[FAULTS["outside_county"][0], "问题说明"]
    assert FAULTS["declared_village_mismatch"][0] in sheets["所属村与坐标不符"]["台账行号"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_export_assignments(assigned: Path, tmp_path: Path, suffix: str) -> None:
    output = tmp_path / f"assignments{suffix}"
    result = run("export", assigned, "--layer", "assignments", "-o", output)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        frame = pd.read_csv(output, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame = pd.read_excel(output)
    else:
        import geopandas as gpd

        frame = (
            gpd.read_file(output, layer="assignments")
            if suffix == ".gpkg"
            else gpd.read_file(output)
        )
    assert len(frame) == 3000
    assert ["uscc", "name", "grid_code", "kind", "method", "reason", "lon", "lat"] == [
        c for c in frame.columns if c != "geometry"
    ]


def test_assign_without_grids_or_enterprises(demo_project: Path) -> None:
    before = file_digest(demo_project)
    result = run("assign", demo_project)
    assert result.exit_code == 1
    assert "no base grids; run 'gridgis divide' first" in result.output
    assert file_digest(demo_project) == before


def test_rules_with_unknown_key_name_the_key_and_line(assigned: Path, tmp_path: Path) -> None:
    from gridgis.paths import DATA_DIR

    text = (DATA_DIR / "rules.toml").read_text(encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        text.replace("[risk_level]\n", "[risk_level]\nlevls = 1\n", 1), encoding="utf-8"
    )
    line = text[: text.index("[risk_level]\n")].count("\n") + 2
    before = file_digest(assigned)
    result = run("assign", assigned, "--rules", rules)
    assert result.exit_code == 1
    assert f"line {line}" in result.output and "levls" in result.output
    assert file_digest(assigned) == before


def test_export_at_an_earlier_version_joins_the_enterprises_of_that_version(
    assigned: Path, tmp_path: Path
) -> None:
    assign_version = open_project(assigned).current_version
    ledger = pd.read_csv(DEMO_DIR / "enterprises_gbk.csv", encoding="gbk", dtype=str)
    name_column = "企业名称"
    renamed = ledger.copy()
    renamed.loc[0, name_column] = "改名后的企业有限公司"
    changed = tmp_path / "renamed.csv"
    renamed.to_csv(changed, index=False, encoding="utf-8")
    result = run("enterprises", "import", assigned, changed)
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output

    def exported(*version: str) -> pd.DataFrame:
        output = tmp_path / f"a{'-'.join(version) or 'now'}.csv"
        done = run("export", assigned, "--layer", "assignments", "-o", output, *version)
        assert done.exit_code == 0, done.output
        return pd.read_csv(output, encoding="utf-8-sig", dtype=str)

    then, now = exported("--version", str(assign_version)), exported()
    assert len(then) == len(now) == 3000
    assert ledger.loc[0, name_column] in set(then["name"])
    assert "改名后的企业有限公司" not in set(then["name"])
    assert "改名后的企业有限公司" in set(now["name"])


def test_assign_again_in_small_batches_changes_nothing(assigned: Path, tmp_path: Path) -> None:
    # The first assign wrote its 3000 rows in one batch, without row hashes;
    # again in batches of 400, every row must compare equal to its stored self.
    import shutil
    import sqlite3

    from gridgis.project.assign import assign_project

    project = tmp_path / "helan.gpkg"
    shutil.copyfile(assigned, project)
    before = read_assignments(project).sort_values("enterprise_id").reset_index(drop=True)
    report = assign_project(project, command="test", batch_size=400)
    assert report.adds_up
    after = read_assignments(project).sort_values("enterprise_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    with sqlite3.connect(project) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM assignments").fetchone()
    assert stored == 3000  # no row closed and written again
