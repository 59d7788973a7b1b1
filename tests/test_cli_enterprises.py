from pathlib import Path

import pandas as pd
import pytest
from conftest import box_villages, file_digest, run

from gridgis.io.store import open_project
from gridgis.paths import DEMO_DIR

HEADER = "企业名称,统一社会信用代码,所属乡/镇/街道,所属村/社区,经度,纬度,行业,风险等级\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    path = tmp_path / "p.gpkg"
    assert run("init", path, "--admin", source).exit_code == 0
    return path


def _ledger(
    tmp_path: Path, rows: list[str], name: str = "ledger.csv", encoding: str = "gbk"
) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding=encoding)
    return path


ROWS = [
    "甲公司,91640122MA76XK2N8C,金山镇,红星村,106.205,38.505,商贸,一般",
    "乙公司,,金山镇,新华村,106.215,38.505,机械制造,较大",
    "丙公司,91640122MA76XK2N8D,金山镇,河东村,38.495,106.21,建材,低",
]


def test_import_then_reimport_shows_changes(tmp_path: Path, project: Path) -> None:
    first = run("enterprises", "import", project, _ledger(tmp_path, ROWS))
    assert first.exit_code == 0, first.output
    assert "3 new, 0 changed, 0 removed" in first.output
    assert "swapped" in first.output
    assert "invalid USCC" in first.output
    stored = open_project(project).read_layer("enterprises")
    assert len(stored) == 3
    swapped = stored.set_index("name").loc["丙公司"]
    assert (swapped["lon"], swapped["lat"]) == pytest.approx((106.21, 38.495))

    newer = [
        ROWS[0].replace("一般", "较大"),
        ROWS[1],
        "丁公司,,金山镇,红星村,106.201,38.501,商贸,低",
    ]
    second = run("enterprises", "import", project, _ledger(tmp_path, newer, "newer.csv"))
    assert second.exit_code == 0, second.output
    assert "1 new, 1 changed, 1 removed, 1 unchanged" in second.output
    reader = open_project(project)
    assert reader.current_version == 3
    assert len(reader.read_layer("enterprises", version=2)) == 3
    assert sorted(reader.read_layer("enterprises")["name"]) == ["丁公司", "乙公司", "甲公司"]


def test_demo_ledger_xlsx_and_gbk_csv_agree(demo_project: Path) -> None:
    project = demo_project
    assert run("enterprises", "import", project, DEMO_DIR / "enterprises.xlsx").exit_code == 0
    result = run("enterprises", "import", project, DEMO_DIR / "enterprises_gbk.csv")
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 0 removed, 3000 unchanged" in result.output
    problems = open_project(project).read_table("ledger_problems")
    assert {"invalid_uscc", "duplicate_uscc", "swapped_coordinates"} <= set(problems["kind"])
    assert problems["enterprise_id"].notna().all()


def _xlsx_that_is_csv(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.xlsx"
    path.write_text(HEADER + ROWS[0] + "\n", encoding="utf-8")
    return path


def _two_sheets(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    pd.DataFrame({"企业名称": ["甲"], "经度": [106.2], "纬度": [38.5]}).to_excel(path, index=False)
    return path


BAD = {
    "missing header": (
        lambda tmp: (
            _ledger(tmp, [], encoding="utf-8").write_text("名称X,经度\n甲,106\n", encoding="utf-8")
            and tmp / "ledger.csv"
        ),
        [],
        "企业名称",
    ),
    "empty ledger": (lambda tmp: _ledger(tmp, []), [], "no data rows|empty"),
    "missing sheet": (_two_sheets, ["--sheet", "台账2"], "台账2"),
    "xlsx really csv": (_xlsx_that_is_csv, [], "CSV|csv"),
    "missing file": (lambda tmp: tmp / "nope.csv", [], "not found|does not exist"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_ledgers_leave_the_project_unchanged(tmp_path: Path, project: Path, case: str) -> None:
    make, options, message = BAD[case]
    ledger = make(tmp_path)
    before = file_digest(project)
    result = run("enterprises", "import", project, ledger, *options)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.output
    import re

    assert re.search(message, result.output), result.output
    assert file_digest(project) == before


BAD_OPTIONS = {
    "unknown coordinate system": (["--coords", "mars"], "--coords.*mars"),
    "unknown encoding": (["--encoding", "klingon"], "--encoding.*klingon"),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_option_values_are_bad_usage(tmp_path: Path, project: Path, case: str) -> None:
    import re

    options, message = BAD_OPTIONS[case]
    ledger = _ledger(tmp_path, ROWS)
    before = file_digest(project)
    result = run("enterprises", "import", project, ledger, *options)
    assert result.exit_code == 2, result.output
    assert re.search(message, result.output), result.output
    assert file_digest(project) == before


def test_a_bad_row_late_in_the_ledger_stops_the_import_cleanly(
    tmp_path: Path, project: Path
) -> None:
    # Read two rows at a time, so the bad row is met by the helper process
    # after several chunks have already been written to the working copy.
    from gridgis.errors import InputDataError
    from gridgis.project.ledger import import_ledger

    rows = ROWS * 4 + ['丁公司,,金山镇,红星村,106.2,38.5,商贸,一般,"多余","字段"'] + ROWS
    ledger = _ledger(tmp_path, rows, encoding="utf-8")
    before = file_digest(project)
    with pytest.raises(InputDataError, match="malformed CSV"):
        import_ledger(project, ledger, command="test", chunk_rows=2)
    assert file_digest(project) == before
    leftovers = [p.name for p in project.parent.iterdir() if p.name.startswith(".")]
    assert all(name.endswith(".lock") for name in leftovers), leftovers


def test_sigterm_during_import_stops_the_helper_process_too(tmp_path: Path, project: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    rows = [f"企业{i},,金山镇,红星村,106.2{i % 10},38.5{i % 7},商贸,一般" for i in range(200_000)]
    ledger = _ledger(tmp_path, rows, encoding="utf-8")
    before = file_digest(project)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridgis.cli.main",
            "enterprises",
            "import",
            str(project),
            str(ledger),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    helpers: list[str] = []
    while not helpers:
        assert process.poll() is None, "the import ended before its helper was seen"
        assert time.monotonic() < deadline, "no helper process within 60 s"
        helpers = children.read_text().split()
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted" in errors.decode()

    def helper_running() -> bool:  # a zombie left for init to reap has stopped
        try:
            state = Path(f"/proc/{helpers[0]}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        return state != "Z"

    deadline = time.monotonic() + 10
    while helper_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not helper_running(), "the helper process outlived the import"
    assert file_digest(project) == before
    leftovers = [p.name for p in project.parent.iterdir() if p.name.startswith(".")]
    assert all(name.endswith(".lock") for name in leftovers), leftovers
