"""A throw-away PostgreSQL + PostGIS cluster on 127.0.0.1, for the registry's tests.

The same approach as ``scripts/bench_assign.py``: Debian's binaries
(``postgresql-N-postgis-3``), ``initdb`` into a fresh folder under the system's
temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 only (and a
socket in that folder), trust authentication for the one local superuser.
PostgreSQL refuses to run as root, so as root the cluster belongs to the
``postgres`` user that Debian's package creates (``runuser``). Nothing is
mocked; nothing is skipped: a machine without the packages fails with the
command that installs them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "gridgis"


def postgres_bin() -> Path:
    """The newest PostgreSQL whose PostGIS extension is installed; fail with the fix if none."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        version = folder.parent.name
        if (folder / "initdb").exists() and Path(
            f"/usr/share/postgresql/{version}/extension/postgis.control"
        ).exists():
            return folder
    raise RuntimeError(
        "PostgreSQL with PostGIS is not installed; run ./scripts/install-system-deps.sh "
        "(Debian's postgresql and postgresql-N-postgis-3)"
    )


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster; yield its URL (``postgresql://gridgis@127.0.0.1:PORT/postgres``)."""
    binaries = postgres_bin()
    # Not pytest's tmp_path: its parents are private to root, so the postgres
    # user could not reach a folder inside them.
    folder = Path(tempfile.mkdtemp(prefix="gridgis-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")  # created by Debian's postgresql package
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = False
    try:
        subprocess.run(
            [
                *as_user,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            check=True,
            capture_output=True,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} "
            # A test cluster: durability is not needed, speed is.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [
                *as_user,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                options,
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                [
                    *as_user,
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(folder, ignore_errors=True)
