import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import box_villages, file_digest

from gridgis.errors import ProjectInUseError, StoreError
from gridgis.io import gpkg
from gridgis.io.lock import project_lock
from gridgis.io.store import edit_project, open_project


def _units() -> gpd.GeoDataFrame:
    villages = box_villages()
    return villages[["code", "name", "geometry"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.gpkg"
    with edit_project(path, command="test init", note="first", create=True) as writer:
        writer.put_layer("admin_units", _units())
    return path


def test_create_makes_version_one_with_log(project: Path) -> None:
    reader = open_project(project)
    versions = reader.versions()
    assert versions["id"].tolist() == [1]
    assert versions["command"].iloc[0] == "test init"
    assert versions["note"].iloc[0] == "first"
    assert versions["time"].iloc[0].endswith("Z")
    assert versions["parent"].isna().iloc[0]
    assert len(reader.read_layer("admin_units")) == 3


def test_each_change_adds_one_version_and_keeps_history(project: Path) -> None:
    changed = _units()
    changed.loc[0, "name"] = "红星社区"
    changed = changed.drop(index=2)
    extra = gpd.GeoDataFrame(
        {"code": ["640122100204"], "name": ["新村"]},
        geometry=[shapely.box(106.3, 38.5, 106.31, 38.51)],
        crs="EPSG:4490",
    )
    import pandas as pd

    changed = gpd.GeoDataFrame(pd.concat([changed, extra]), crs="EPSG:4490")
    with edit_project(project, command="test edit") as writer:
        change = writer.put_layer("admin_units", changed)
    assert change.changed == ["640122100201"]
    assert change.removed == ["640122100203"]
    assert change.added == ["640122100204"]
    assert change.unchanged == 1

    reader = open_project(project)
    assert reader.versions()["id"].tolist() == [1, 2]
    assert reader.versions()["parent"].iloc[1] == 1
    now = reader.read_layer("admin_units").set_index("code")
    before = reader.read_layer("admin_units", version=1).set_index("code")
    assert sorted(now.index) == ["640122100201", "640122100202", "640122100204"]
    assert now.loc["640122100201", "name"] == "红星社区"
    assert sorted(before.index) == ["640122100201", "640122100202", "640122100203"]
    assert before.loc["640122100201", "name"] == "红星村"
    # The unchanged village still has one row in the whole history.
    everything = gpd.read_file(project, layer="admin_units")
    assert (everything["code"] == "640122100202").sum() == 1


def test_unknown_version_is_refused(project: Path) -> None:
    with pytest.raises(StoreError, match="version 7 does not exist"):
        open_project(project).read_layer("admin_units", version=7)


def test_failure_halfway_leaves_file_byte_identical(project: Path) -> None:
    before = file_digest(project)
    with pytest.raises(RuntimeError, match="halfway"):
        with edit_project(project, command="test fail") as writer:
            writer.put_layer("admin_units", _units().iloc[:1])
            raise RuntimeError("halfway")
    assert file_digest(project) == before
    assert [p.name for p in project.parent.iterdir() if "tmp" in p.name] == []


def test_killed_writer_leaves_file_byte_identical(project: Path) -> None:
    before = file_digest(project)
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from conftest import box_villages
        from gridgis.io.store import edit_project
        with edit_project({str(project)!r}, command="doomed") as writer:
            writer.put_layer("admin_units", box_villages()[["code", "geometry"]].iloc[:2])
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    completed = subprocess.run([sys.executable, "-c", script], check=False)
    assert completed.returncode == -signal.SIGKILL
    assert file_digest(project) == before
    leftovers = [p for p in project.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1, "the killed writer should have left its session folder"
    session = leftovers[0]
    # Enterprise data: only its owner may read the session's folder.
    assert session.stat().st_mode & 0o777 == 0o700
    assert (session / project.name).exists(), "the working copy lives in the session folder"
    with edit_project(project, command="next") as writer:
        writer.write_table("notes", __import__("pandas").DataFrame({"text": ["after the crash"]}))
    assert not [p for p in project.parent.iterdir() if "tmp" in p.name]
    assert open_project(project).current_version == 2


def test_an_interrupt_during_the_clean_up_still_removes_the_session(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C (or SIGTERM, which the CLI turns into the same) arriving while a
    # session closes must not leave its folder of enterprise data behind: the
    # signal waits until the folder is gone, then interrupts as usual.
    from gridgis.io.store import ProjectWriter

    discard = ProjectWriter._discard

    def interrupted_discard(self: ProjectWriter) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        discard(self)

    monkeypatch.setattr(ProjectWriter, "_discard", interrupted_discard)
    with pytest.raises(KeyboardInterrupt):
        with edit_project(project, command="interrupted") as writer:
            writer.put_layer("admin_units", box_villages()[["code", "geometry"]].iloc[:2])
    assert not [p for p in project.parent.iterdir() if p.name.endswith(".tmp")]
    assert open_project(project).current_version == 2


def test_second_writer_gets_project_in_use(project: Path) -> None:
    with project_lock(project, command="gridgis divide (holder)"):
        with pytest.raises(ProjectInUseError, match=r"in use by another gridgis command .*divide"):
            with edit_project(project, command="second", timeout=0.2):
                pass


def test_lock_timeout_from_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDGIS_LOCK_TIMEOUT", "0.1")
    with project_lock(project, command="holder"):
        with pytest.raises(ProjectInUseError, match=r"waited 0\.1 s"):
            with edit_project(project, command="second"):
                pass


def test_nothing_written_adds_no_version(project: Path) -> None:
    before = file_digest(project)
    with edit_project(project, command="noop"):
        pass
    assert file_digest(project) == before


def test_create_refuses_existing_without_overwrite(project: Path) -> None:
    with pytest.raises(StoreError, match="already exists; pass --overwrite"):
        with edit_project(project, command="again", create=True):
            pass


def test_layers_get_default_qgis_style(project: Path) -> None:
    with contextlib.closing(gpkg.connect(project)) as connection:
        rows = connection.execute(
            "SELECT f_table_name, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
    styles = {name: (default, qml) for name, default, qml in rows}
    assert styles["admin_units"][0] == 1
    assert "RuleRenderer" in styles["admin_units"][1]
    assert "&quot;valid_to&quot; IS NULL" in styles["admin_units"][1]


def test_not_a_project(tmp_path: Path) -> None:
    other = tmp_path / "other.gpkg"
    box_villages().to_file(other)
    with pytest.raises(StoreError, match="not a gridgis project"):
        open_project(other)
    with pytest.raises(StoreError, match="does not exist"):
        open_project(tmp_path / "missing.gpkg")


def test_attribute_updates_keep_spatial_index(project: Path) -> None:
    # Closing rows runs GDAL's R-tree triggers, which need our ST_ functions.
    with edit_project(project, command="retire") as writer:
        writer.put_layer("admin_units", _units().iloc[:1])
    everything = gpd.read_file(project, layer="admin_units", bbox=(106.2, 38.49, 106.22, 38.51))
    assert len(everything) == 3
    assert os.path.getsize(project) > 0


def test_has_rows_sees_only_current_rows(project: Path) -> None:
    reader = open_project(project)
    assert reader.has_rows("admin_units")
    assert reader.has_rows("admin_units", where="code = '640122100203'")
    assert not reader.has_rows("admin_units", where="code = '640122999999'")
    assert not reader.has_rows("enterprises")  # no such layer yet
    with edit_project(project, command="test edit") as writer:
        writer.put_layer("admin_units", _units().iloc[:2])
    # The third village's row is history now, not a current row.
    assert not open_project(project).has_rows("admin_units", where="code = '640122100203'")


def test_duplicate_keys_across_chunks_are_refused(project: Path) -> None:
    units = _units()
    before = project.read_bytes()
    with pytest.raises(StoreError, match="duplicate code values: 640122100201"):
        with edit_project(project, command="test edit") as writer:
            writer.put_layer_chunks("admin_units", [units.iloc[:2], units.iloc[:1]])
    assert project.read_bytes() == before


def _points(count: int, start: int = 0) -> gpd.GeoDataFrame:
    import numpy as np
    import pandas as pd

    ids = [f"E{i:05d}" for i in range(start, start + count)]
    frame = pd.DataFrame(
        {
            "enterprise_id": ids,
            "name": [f"企业{i}" if i % 7 else None for i in range(start, start + count)],
            "valid": pd.array(
                [i % 3 == 0 if i % 5 else None for i in range(count)], dtype="boolean"
            ),
            "staff": pd.array([i if i % 4 else None for i in range(count)], dtype="Int64"),
            "empty": [None] * count,
            "revenue": np.linspace(0, 1, count),
        }
    )
    points = gpd.points_from_xy(106.2 + frame["revenue"] / 100, 38.5 + frame["revenue"] / 100)
    points[::11] = None
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4490")


def test_first_write_streams_and_a_rewrite_finds_nothing_changed(project: Path) -> None:
    rows = _points(2500)
    chunks = [rows.iloc[:1000], rows.iloc[1000:2000], rows.iloc[2000:]]
    with edit_project(project, command="first") as writer:
        change = writer.put_layer_chunks("enterprises", chunks, geometry_type="Point")
    assert change.count("added") == 2500
    stored = open_project(project).read_layer("enterprises")
    assert len(stored) == 2500
    assert stored["row_hash"].isna().all()  # hashed only when first compared
    assert stored.geometry.isna().sum() == rows.geometry.isna().sum()

    # The same rows again: every stored row is hashed as read back, and
    # matches the hash of the row as given.
    edited = rows.copy()
    edited.loc[5, "name"] = "改名企业"
    with edit_project(project, command="again") as writer:
        change = writer.put_layer_chunks("enterprises", [edited.iloc[:1500], edited.iloc[1500:]])
    assert change.count("unchanged") == 2499
    assert change.changed == ["E00005"]
    assert open_project(project).read_layer("enterprises")["row_hash"].notna().all()


def test_first_write_refuses_duplicate_keys_and_changes_nothing(project: Path) -> None:
    rows = _points(30)
    before = project.read_bytes()
    with pytest.raises(StoreError, match="duplicate enterprise_id values: E00003"):
        with edit_project(project, command="first") as writer:
            writer.put_layer_chunks("enterprises", [rows.iloc[:20], rows.iloc[3:4]])
    assert project.read_bytes() == before


def test_error_while_producing_chunks_is_raised_as_itself(project: Path) -> None:
    from gridgis.errors import InputDataError

    def chunks():
        yield _points(10)
        raise InputDataError("ledger.csv: malformed CSV (row 12)")

    before = project.read_bytes()
    with pytest.raises(InputDataError, match="malformed CSV"):
        with edit_project(project, command="first") as writer:
            writer.put_layer_chunks("enterprises", chunks())
    assert project.read_bytes() == before
    assert not list(project.parent.glob(".gridgis-*"))


def test_rewrite_refuses_a_key_given_twice_even_when_unchanged(project: Path) -> None:
    rows = _points(40)
    with edit_project(project, command="first") as writer:
        writer.put_layer_chunks("enterprises", [rows])
    before = project.read_bytes()
    with pytest.raises(StoreError, match="duplicate enterprise_id values: E00007"):
        with edit_project(project, command="again") as writer:
            writer.put_layer_chunks("enterprises", [rows.iloc[:20], rows.iloc[7:8], rows.iloc[20:]])
    assert project.read_bytes() == before


def test_rewrite_closes_removed_rows_and_keeps_their_history(project: Path) -> None:
    rows = _points(300)
    with edit_project(project, command="first") as writer:
        writer.put_layer_chunks("enterprises", [rows])
    kept = rows.drop(index=[3, 150, 299])
    with edit_project(project, command="again") as writer:
        change = writer.put_layer_chunks("enterprises", [kept.iloc[:100], kept.iloc[100:]])
    assert change.removed == ["E00003", "E00150", "E00299"]
    assert change.count("unchanged") == 297
    reader = open_project(project)
    assert len(reader.read_layer("enterprises")) == 297
    earlier = reader.read_layer("enterprises", version=reader.current_version - 1)
    assert {"E00003", "E00150", "E00299"} <= set(earlier["enterprise_id"])


def test_a_row_hash_does_not_depend_on_the_rows_written_with_it(project: Path) -> None:
    import pandas as pd

    rows = _points(100)
    # Empty in the first 50 rows, filled after: the first chunk's column has
    # no value at all, so its type cannot be told from the chunk alone.
    rows["note"] = [None] * 50 + [f"备注{i}" for i in range(50)]
    rows["checked"] = pd.array([None] * 50 + [i % 2 == 0 for i in range(50)], dtype="boolean")
    rows["staff"] = pd.array([None] * 50 + list(range(50)), dtype="Int64")
    with edit_project(project, command="first") as writer:
        writer.put_layer_chunks("enterprises", [rows.iloc[:50], rows.iloc[50:]])
    with edit_project(project, command="again, chunked otherwise") as writer:
        change = writer.put_layer_chunks("enterprises", [rows.iloc[:30], rows.iloc[30:]])
    assert change.count("unchanged") == 100
    with edit_project(project, command="and once more") as writer:
        change = writer.put_layer_chunks("enterprises", [rows])
    assert change.count("unchanged") == 100


@pytest.mark.parametrize(
    "geometries",
    [
        [shapely.Point(106.2, 38.5), None, shapely.Point(-0.5, 1e-9), None],
        [None, None],
        [],
        # Not all 2D points: shapely's own writer.
        [shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1)]), None],
        [shapely.Point(1, 2, 3), shapely.Point()],
    ],
    ids=["points", "all-missing", "empty-list", "mixed", "z-and-empty"],
)
def test_packed_point_wkb_is_the_wkb_shapely_writes(geometries: list) -> None:
    import numpy as np
    import pyarrow as pa

    from gridgis.io.layers import iso_wkb

    geometry = np.array(geometries, dtype=object)
    packed = iso_wkb(geometry)
    packed.validate(full=True)
    expected = pa.array(shapely.to_wkb(geometry, flavor="iso"), type=pa.binary())
    assert packed.equals(expected)


def test_point_layer_round_trips_through_packed_wkb(project: Path) -> None:
    rows = _points(500)
    rows.loc[rows.index[::9], "geometry"] = None
    with edit_project(project, command="points") as writer:
        writer.put_layer_chunks("enterprises", [rows.iloc[:200], rows.iloc[200:]])
    stored = open_project(project).read_layer("enterprises")
    assert len(stored) == 500
    assert stored.geometry.isna().sum() == rows.geometry.isna().sum()
    assert shapely.equals_exact(stored.geometry.to_numpy(), rows.geometry.to_numpy(), tolerance=0)[
        rows.geometry.notna().to_numpy()
    ].all()


def test_a_read_only_project_is_refused_and_left_alone(project: Path) -> None:
    project.chmod(0o444)
    before = file_digest(project)
    with pytest.raises(StoreError, match=r"is read-only \(mode 0444\); gridgis will not change"):
        with edit_project(project, command="write") as writer:
            writer.write_table("notes", __import__("pandas").DataFrame({"text": ["x"]}))
    assert file_digest(project) == before
    assert project.stat().st_mode & 0o777 == 0o444
    with pytest.raises(StoreError, match="read-only"):
        with edit_project(project, command="init again", create=True, overwrite=True):
            pass
    assert file_digest(project) == before


def test_a_write_keeps_the_projects_permissions(project: Path) -> None:
    project.chmod(0o640)
    with edit_project(project, command="write") as writer:
        writer.write_table("notes", __import__("pandas").DataFrame({"text": ["x"]}))
    assert open_project(project).current_version == 2
    assert project.stat().st_mode & 0o777 == 0o640


def test_the_next_writer_removes_what_earlier_releases_left(project: Path) -> None:
    folder = project.parent
    leftovers = [
        folder / f".{project.name}.4242.tmp.gpkg",
        folder / f".{project.name}.4242.tmp.gpkg-journal",
    ]
    for path in leftovers:
        path.write_bytes(b"enterprise data")
    spills = [folder / ".gridgis-rows-abc123", folder / ".gridgis-assign-def456"]
    for spill in spills:
        spill.mkdir()
        (spill / "part-00000.parquet").write_bytes(b"enterprise data")
    other = folder / "notes.txt"
    other.write_text("not ours")
    with edit_project(project, command="next") as writer:
        writer.write_table("notes", __import__("pandas").DataFrame({"text": ["x"]}))
    assert not any(path.exists() for path in [*leftovers, *spills])
    assert other.exists()


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_parent(project: Path) -> None:
    # The ledger reader is forked while the import holds the lock. A flock
    # lives as long as any process keeps the descriptor open, so if the parent
    # is killed, a child that kept it would lock the project for good.
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from pathlib import Path
        from gridgis.io.lock import project_lock
        with project_lock(Path({str(project)!r}), command="doomed"):
            child = os.fork()
            if child == 0:  # let go of the test's pipes, then wait
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 1)
                os.dup2(null, 2)
                time.sleep(60)
                os._exit(0)
            print(child, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert completed.returncode == -signal.SIGKILL
    child = int(completed.stdout.split()[0])
    try:
        state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert state != "Z", "the child should still be running"
        with project_lock(project, command="next", timeout=0):
            pass
    finally:
        os.kill(child, signal.SIGKILL)
