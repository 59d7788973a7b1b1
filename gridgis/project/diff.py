"""``gridgis diff``: how the grids changed between two versions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gridgis.io.store import open_project


def diff_versions(project: Path, before: int, after: int) -> pd.DataFrame:
    """Classify every grid between two versions (see :func:`gridgis.changes.diff_grids`)."""
    from gridgis.changes import diff_grids

    reader = open_project(project)
    return diff_grids(reader.read_grids(version=before), reader.read_grids(version=after))
