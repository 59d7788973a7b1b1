"""The examples in the package's docstrings run, and say what they print.

Run with the standard library's doctest rather than pytest's
``--doctest-modules``: examples marked ``+SKIP`` (those that need a project
file) are then left out silently instead of showing as skipped tests.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import gridgis

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(gridgis.__path__, prefix="gridgis.")
    if not info.name.endswith("__main__")
)


def test_every_module_is_found() -> None:
    assert "gridgis.statistics" in MODULES and "gridgis.render.map.geometry" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write a file write it here
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
