"""The project's write lock: one writer at a time, released even when a writer dies.

Writers take an exclusive lock on the sidecar file ``.NAME.gpkg.lock``
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the operating system
releases when the process holding it dies. A second writer waits up to
:data:`DEFAULT_LOCK_TIMEOUT` seconds (``GRIDGIS_LOCK_TIMEOUT``), then fails with
"project is in use". Readers need no lock: they always see a whole file.

A ``flock`` lock lives as long as any process keeps its descriptor open, and a
forked child (the ledger reader, :mod:`gridgis.prefetch`) inherits the
descriptor: if the parent were killed, the child would hold the project
locked. So this module closes the descriptors it holds in every forked child
(:func:`os.register_at_fork`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from gridgis.errors import ProjectInUseError, StoreError

DEFAULT_LOCK_TIMEOUT = 10.0

#: The names of a project's sidecars beside it: the lock file ``.NAME.lock``,
#: and a write session's private folder ``.NAME.PID.tmp`` (earlier releases
#: left working copies ``.NAME.PID.tmp.gpkg``). Nothing else may be written
#: under these names: a session folder is deleted by the next writer.
SIDECAR_NAME = re.compile(
    r"^\.(?P<project>.+?)\.(?:lock|\d+\.tmp(?:\.gpkg(?:-journal)?)?)$", re.IGNORECASE
)


def lock_path(path: Path) -> Path:
    """Return the lock file of a project."""
    return path.with_name(f".{path.name}.lock")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


#: Lock descriptors this process holds. A forked child (the ledger reader,
#: :mod:`gridgis.prefetch`) inherits them, and a ``flock`` lock lives as long
#: as any process keeps its descriptor open: a child that outlived its parent
#: would keep the project locked. So a forked child closes them at once.
_HELD_LOCKS: set[int] = set()


def _release_inherited_locks() -> None:
    for fd in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_release_inherited_locks)


def lock_timeout() -> float:
    """Return how many seconds a writer waits for another (``GRIDGIS_LOCK_TIMEOUT``)."""
    raw = os.environ.get("GRIDGIS_LOCK_TIMEOUT")
    if raw is None:
        return DEFAULT_LOCK_TIMEOUT
    try:
        return max(0.0, float(raw))
    except ValueError as error:
        raise StoreError(
            f"GRIDGIS_LOCK_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from error


@contextlib.contextmanager
def project_lock(path: Path, *, command: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the project's write lock, waiting up to ``timeout`` seconds for it.

    Raises
    ------
    ProjectInUseError
        If another process still holds the lock when the time is up.
    """
    timeout = lock_timeout() if timeout is None else timeout
    lock_file = lock_path(path)
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(f"cannot create the lock file {lock_file}: {error.strerror}") from error
    _HELD_LOCKS.add(fd)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(lock_file)
                raise ProjectInUseError(
                    f"project {path.name} is in use by another gridgis command ({holder}); "
                    f"waited {timeout:g} s. Try again when it has finished"
                )
            time.sleep(0.05)
        holder = json.dumps({"pid": os.getpid(), "command": command, "since": time.time()})
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, holder.encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


def _read_holder(lock_file: Path) -> str:
    try:
        holder = json.loads(lock_file.read_text() or "{}")
    except (OSError, ValueError):
        return "unknown process"
    if not holder:
        return "unknown process"
    return f"pid {holder.get('pid')}: {holder.get('command', '?')}"
