"""Interrupting and killing commands with real signals on real processes.

An import runs a helper process that reads the ledger (gridgis.prefetch). However
the command ends (Ctrl-C, SIGTERM, a closed terminal, SIGKILL), the helper must
go with it, the project must stay as it was and unlocked, and the next writer
must find nothing left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import box_villages, file_digest

ROWS = 300_000


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300,000-row ledger inside the box villages (about 8 s to import)."""
    rng = np.random.default_rng(7)
    path = tmp_path_factory.mktemp("ledger") / "big.csv"
    pd.DataFrame(
        {
            "企业名称": [f"企业{i}" for i in range(ROWS)],
            "所属乡镇": "金山镇",
            "所属村": "红星村",
            "经度": np.round(rng.uniform(106.201, 106.219, ROWS), 6),
            "纬度": np.round(rng.uniform(38.491, 38.509, ROWS), 6),
            "行业": "商贸",
            "风险等级": "一般",
        }
    ).to_csv(path, index=False)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    path = tmp_path / "p.gpkg"
    completed = _gridgis("init", path, "--admin", source)
    assert completed.returncode == 0, completed.stderr
    return path


def _gridgis(*args: object, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridgis.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **environment},
        check=False,
    )


def _start_import(project: Path, ledger: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start an import and return it with its helper's pid, once the helper reads."""
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
    while True:
        assert process.poll() is None, "the import ended before its helper was seen"
        assert time.monotonic() < deadline, "no helper process within 60 s"
        helpers = children.read_text().split()
        if helpers:
            break
        time.sleep(0.01)
    time.sleep(1.0)  # let it write a few chunks
    assert process.poll() is None, "the import finished before it could be interrupted"
    return process, int(helpers[0])


def _running(pid: int) -> bool:
    """Say whether a process runs (a zombie waiting to be reaped has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pid)


def _leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")
    )


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_an_interrupted_import_stops_at_once_with_its_helper(
    project: Path, big_ledger: Path, signal_name: str
) -> None:
    before = file_digest(project)
    process, helper = _start_import(project, big_ledger)
    started = time.monotonic()
    process.send_signal(getattr(signal, signal_name))
    _, errors = process.communicate(timeout=30)
    stopped_after = time.monotonic() - started
    assert process.returncode == 130, errors.decode()
    assert stopped_after < 10, f"the import took {stopped_after:.1f} s to stop"
    text = errors.decode()
    assert "Interrupted; nothing was changed." in text
    assert "Traceback" not in text, text
    assert _wait_gone(helper, 10), "the helper process outlived the import"
    assert file_digest(project) == before
    assert _leftovers(project.parent) == []
    # The project is free at once: no orphan holds its lock.
    again = _gridgis("check", project, GRIDGIS_LOCK_TIMEOUT="0")
    assert "in use" not in again.stderr, again.stderr


def test_a_killed_import_takes_its_helper_along_and_frees_the_project(
    project: Path, big_ledger: Path
) -> None:
    before = file_digest(project)
    process, helper = _start_import(project, big_ledger)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert _wait_gone(helper, 5), "the helper outlived its killed parent"
    assert file_digest(project) == before
    left = _leftovers(project.parent)
    assert len(left) == 1 and left[0].endswith(".tmp"), left  # the session folder
    assert (project.parent / left[0]).stat().st_mode & 0o777 == 0o700
    # The next writer gets the lock at once and removes what the killed one left.
    small = project.parent / "small.csv"
    small.write_text(
        "企业名称,所属乡镇,所属村,经度,纬度\n甲公司,金山镇,红星村,106.205,38.505\n",
        encoding="utf-8",
    )
    completed = _gridgis("enterprises", "import", project, small, GRIDGIS_LOCK_TIMEOUT="0")
    assert completed.returncode == 0, completed.stderr
    assert _leftovers(project.parent) == []


def test_a_header_only_workbook_is_one_clear_sentence_every_time(
    project: Path, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["企业名称", "统一社会信用代码", "所属乡镇", "所属村", "经度", "纬度"])
    ledger = tmp_path / "header_only.xlsx"
    workbook.save(ledger)
    before = file_digest(project)
    for _ in range(5):
        completed = _gridgis("enterprises", "import", project, ledger)
        assert completed.returncode == 1
        lines = completed.stderr.strip().splitlines()
        assert "Traceback" not in completed.stderr, completed.stderr
        assert lines[-1] == (
            "Error: header_only.xlsx: the ledger has a header but no data rows (sheet 'Sheet')"
        ), completed.stderr
        assert sum(line.startswith("Error") for line in lines) == 1
    assert file_digest(project) == before
    assert _leftovers(project.parent) == []


WRITING_COMMANDS = {
    "check --save": lambda p, folder: ["check", p, "--save"],
    "divide": lambda p, folder: ["divide", p, "--by", "area", "--max-load", "1"],
    "enterprises import": lambda p, folder: ["enterprises", "import", p, folder / "one.csv"],
    "staff import": lambda p, folder: ["staff", "import", p, folder / "staff.csv"],
    "init --overwrite": lambda p, folder: [
        "init",
        p,
        "--admin",
        folder / "v.geojson",
        "--overwrite",
    ],
}


@pytest.mark.parametrize("command", sorted(WRITING_COMMANDS))
def test_a_read_only_project_is_refused_by_every_writing_command(
    project: Path, command: str
) -> None:
    from click.testing import CliRunner

    from gridgis.cli.main import cli

    folder = project.parent
    (folder / "one.csv").write_text(
        "企业名称,所属乡镇,所属村,经度,纬度\n甲公司,金山镇,红星村,106.205,38.505\n",
        encoding="utf-8",
    )
    (folder / "staff.csv").write_text(
        "姓名,角色,所属乡镇街道\n张三,网格员,金山镇\n", encoding="utf-8"
    )
    project.chmod(0o444)
    before = file_digest(project)
    arguments = [str(a) for a in WRITING_COMMANDS[command](project, folder)]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 1, result.output
    assert "is read-only (mode 0444)" in result.output, result.output
    assert file_digest(project) == before
    assert project.stat().st_mode & 0o777 == 0o444
    assert _leftovers(folder) == []
