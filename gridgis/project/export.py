"""``gridgis export``: a project layer, as it was at a version, written to a file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd

from gridgis.errors import InputDataError
from gridgis.io.assignment_view import iter_assignments
from gridgis.io.layers import single_part_polygons
from gridgis.io.output import check_output
from gridgis.io.store import open_project
from gridgis.schema import EXPORT_COLUMNS


def export_layer(
    project: Path,
    layer: str,
    output: Path,
    *,
    version: int | None = None,
    overwrite: bool = False,
) -> int:
    """Write a project layer, as it was at a version, to a file.

    Large layers are written a batch at a time, so exporting millions of
    assignments needs little memory.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    layer : {"grids", "assignments"}
        Grids: ``grid_code``, ``kind``, ``level``, ``admin_code``, ``name``,
        ``load``, ``area_km2``. Assignments: ``uscc``, ``name``,
        ``grid_code``, ``kind``, ``method``, ``reason``, ``lon``, ``lat``
        (CGCS2000).
    output : Path
        GPKG, GeoJSON, SHP, CSV (UTF-8 with BOM; geometry as WKT for grids) or
        XLSX (attributes only: an outline may not fit in a cell).
    version : int, optional
        Default: the current version.
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    int
        Rows written.
    """
    from gridgis.io.output import BatchWriter

    if layer not in EXPORT_COLUMNS:
        raise InputDataError(f"cannot export layer {layer!r}; choose grids or assignments")
    check_output(output, overwrite=overwrite, protected=[project])
    reader = open_project(project)
    if not reader.has_layer(layer) or not reader.has_rows(layer, version=version):
        hint = "gridgis divide" if layer == "grids" else "gridgis assign"
        raise InputDataError(
            f"{project.name} has no {layer}"
            + (f" at version {version}" if version else "")
            + f"; run '{hint}' first"
        )
    columns = list(EXPORT_COLUMNS[layer])
    written = 0
    # A grid's outline as WKT can be longer than an Excel cell holds (32,767
    # characters): a workbook carries the grids' attributes only.
    keep_geometry = layer == "grids" and output.suffix.lower() != ".xlsx"
    with BatchWriter(
        output,
        layer=layer,
        overwrite=overwrite,
        keep_geometry=keep_geometry,
        protected=[project],
    ) as sink:
        if layer == "grids":
            grids = reader.read_layer("grids", version=version).sort_values("grid_code")
            batches: Iterable[gpd.GeoDataFrame] = [grids]
        else:
            batches = iter_assignments(project, version=version, columns=columns, geometry=True)
        for batch in batches:
            frame = single_part_polygons(
                gpd.GeoDataFrame(batch[columns], geometry=batch.geometry.to_numpy(), crs=batch.crs)
            )
            sink.write(frame)
            written += len(frame)
    return written
