"""Recording what a version was made with: configuration texts and input files.

Every command that writes a version records, in the ``settings`` table, the
configuration in force (the code scheme, departments and rules: file name,
SHA-256 and text) and the inputs it read (boundaries, barriers, ledger, roster:
file name and SHA-256). ``gridgis log -v`` shows them, and a filing can carry
them, so a reviewer can tell which rules produced which assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from gridgis.io.store import ProjectWriter


def record_configuration(writer: ProjectWriter, kind: str, source: str | Path | None) -> None:
    """Record a configuration file (``code_scheme``, ``departments``, ``rules``) with its text."""
    if not source:
        return
    path = Path(source)
    if path.is_file():
        text = path.read_text(encoding="utf-8-sig")
        writer.record_setting(kind, path.name, path=path, text=text)


def record_inputs(writer: ProjectWriter, kind: str, paths: Iterable[Path | None]) -> None:
    """Record input files (``admin``, ``barriers``, ``ledger`` …) by name and SHA-256."""
    for path in paths:
        if path is not None and Path(path).is_file():
            writer.record_setting(kind, Path(path).name, path=Path(path))
