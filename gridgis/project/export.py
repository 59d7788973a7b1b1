"""``gridgis export``: a project layer, as it was at a version, written to a file or stdout."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.assignment_view import iter_assignments
from gridgis.io.layers import single_part_polygons
from gridgis.io.output import BatchWriter, check_output
from gridgis.io.store import ProjectReader, open_project
from gridgis.schema import EXPORT_COLUMNS

#: What ``--level`` picks among the grids: a level of the territorial grids, or the sector grids.
GRID_LEVELS = ("base", "village", "township", "county", "sector")

#: What to run before a layer has rows to export.
_HINTS = {
    "grids": "gridgis divide",
    "assignments": "gridgis assign",
    "admin_units": "gridgis init",
    "enterprises": "gridgis enterprises import",
    "staff": "gridgis staff import",
}


def export_layer(
    project: Path,
    layer: str,
    output: Path | None,
    *,
    version: int | None = None,
    levels: Sequence[str] = (),
    driver: str | None = None,
    crs: str | None = None,
    overwrite: bool = False,
) -> int:
    """Write a project layer, as it was at a version, to a file (or to standard output).

    Large layers are written a batch at a time, so exporting millions of
    assignments or enterprises needs little memory.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    layer : {"grids", "assignments", "admin_units", "enterprises", "staff"}
        Its columns are :data:`gridgis.schema.EXPORT_COLUMNS`; assignments carry
        their enterprise's name, USCC and point.
    output : Path or None
        The file (any GDAL vector format, CSV or XLSX; see
        :mod:`gridgis.io.output`), or None for standard output (GeoJSON or CSV).
        A workbook carries attributes only: an outline may not fit in a cell.
    version : int, optional
        Default: the current version.
    levels : sequence of str
        Grids only: keep these of :data:`GRID_LEVELS` (default: all).
    driver : str, optional
        The output format, overriding the file's suffix.
    crs : str, optional
        Write the geometry in this CRS (default: CGCS2000; GeoJSON: WGS-84, RFC 7946).
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    InputDataError
        For an unknown layer or level, a layer the project does not have yet,
        or an output that is refused.
    """
    if layer not in EXPORT_COLUMNS:
        raise InputDataError(
            f"cannot export layer {layer!r}; choose {', '.join(sorted(EXPORT_COLUMNS))}"
        )
    unknown = sorted(set(levels) - set(GRID_LEVELS))
    if unknown or (levels and layer != "grids"):
        raise InputDataError(
            f"--level picks grids among {', '.join(GRID_LEVELS)}"
            + (f", not {', '.join(unknown)}" if unknown else f"; layer {layer} has no levels")
        )
    if output is not None:  # refused before any work: never over the project
        check_output(output, overwrite=overwrite, protected=[project], driver=driver)
    reader = open_project(project)
    source = "assignments" if layer == "assignments" else layer
    if not reader.has_layer(source) or not reader.has_rows(source, version=version):
        raise InputDataError(
            f"{project.name} has no {layer}"
            + (f" at version {version}" if version else "")
            + f"; run '{_HINTS[layer]}' first"
        )
    name = f"{levels[0]}_grids" if layer == "grids" and len(levels) == 1 else layer
    table = output is not None and output.suffix.lower() == ".xlsx" and driver is None
    written = 0
    with BatchWriter(
        output,
        layer=name,
        overwrite=overwrite,
        # Points travel as lon/lat columns; an outline as WKT, except in a
        # workbook, whose cells may be too short for it.
        keep_geometry=layer in ("grids", "admin_units")
        and not (table or (driver or "").upper() == "XLSX"),
        protected=[project],
        driver=driver,
        crs=crs,
    ) as sink:
        for batch in _batches(reader, project, layer, version, levels):
            sink.write(batch)
            written += len(batch)
    return written


def read_exported(
    project: Path, layer: str, *, version: int | None = None, levels: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a layer with the columns ``gridgis export`` writes, as one frame.

    Parameters are as for :func:`export_layer`. Grids, admin units,
    enterprises and assignments come as GeoDataFrames (CGCS2000), staff as a
    DataFrame; a layer the project does not have yet is empty.
    """
    if layer not in EXPORT_COLUMNS:
        raise InputDataError(f"no layer {layer!r}; choose {', '.join(sorted(EXPORT_COLUMNS))}")
    reader = open_project(project)
    frames = list(_batches(reader, project, layer, version, levels))
    columns = list(EXPORT_COLUMNS[layer])
    if not frames:
        return pd.DataFrame(columns=columns)
    joined = pd.concat(frames, ignore_index=True)
    first = frames[0]
    if isinstance(first, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(joined, geometry=first.geometry.name, crs=first.crs)
    return joined


def _batches(
    reader: ProjectReader,
    project: Path,
    layer: str,
    version: int | None,
    levels: Sequence[str],
) -> Iterator[pd.DataFrame]:
    """Yield the layer's rows in batches, with the export's columns only."""
    columns = list(EXPORT_COLUMNS[layer])
    frames: Iterable[pd.DataFrame]
    if layer == "grids":
        wanted = [level for level in levels if level != "sector"]
        grids = reader.read_grids(version=version)
        if levels:
            chosen = grids["level"].isin(wanted) & (grids["kind"] == "territorial")
            if "sector" in levels:
                chosen |= grids["kind"] == "sector"
            grids = grids[chosen]
        frames = [grids]
    elif layer == "assignments":
        frames = iter_assignments(project, version=version, columns=columns, geometry=True)
    elif layer == "staff":
        staff = reader.read_layer("staff", version=version, columns=columns)
        frames = [pd.DataFrame(staff.drop(columns="geometry", errors="ignore"))]
    else:
        frames = reader.iter_layer(layer, version=version, columns=columns)
    for frame in frames:
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            frame = single_part_polygons(
                gpd.GeoDataFrame(frame[columns], geometry=frame.geometry.to_numpy(), crs=frame.crs)
            )
        else:
            frame = pd.DataFrame(frame[columns])
        yield frame
