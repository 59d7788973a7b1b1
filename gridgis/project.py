"""Project-level operations: each reads files or the store, calls the core, writes back.

These are the functions the CLI commands call. They keep files and the store at
the edges: the core modules (:mod:`gridgis.admin`, :mod:`gridgis.topology`, …)
see only GeoDataFrames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.admin import build_admin_units
from gridgis.errors import InputDataError
from gridgis.io.output import check_output_path, write_frame
from gridgis.io.store import edit_project, open_project
from gridgis.io.vector import VectorRead, read_vector
from gridgis.topology import CheckResult, CheckSettings, check_admin_units

logger = logging.getLogger(__name__)


@dataclass
class InitReport:
    """What ``init`` read, repaired and built."""

    project: Path
    version: int
    reads: list[VectorRead]
    units: gpd.GeoDataFrame
    repaired: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def level_counts(self) -> dict[str, int]:
        """Count units per level."""
        counts = self.units["level"].value_counts()
        return {level: int(counts.get(level, 0)) for level in ("county", "township", "village")}


def init_project(
    project: Path,
    admin_files: list[Path],
    *,
    command: str,
    layer: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    overwrite: bool = False,
) -> InitReport:
    """Create a project from administrative boundary files.

    Parameters
    ----------
    project : Path
        The GeoPackage to create.
    admin_files : list of Path
        Boundary files (Shapefile, zipped Shapefile, GeoPackage, GeoJSON) at
        any of the county, township and village levels.
    command : str
        The command line, for the version log.
    layer, code_field, name_field, encoding, crs : str, optional
        See :func:`gridgis.io.vector.read_vector` and
        :func:`gridgis.admin.detect_fields`.
    overwrite : bool
        Replace an existing project.

    Returns
    -------
    InitReport
    """
    from gridgis.codes import load_code_scheme

    if project.exists() and not overwrite:
        raise InputDataError(f"{project} already exists; pass --overwrite to replace it")
    if project.suffix.lower() != ".gpkg":
        raise InputDataError(f"{project.name}: a project is a GeoPackage; name it *.gpkg")
    reads = [read_vector(path, layer=layer, encoding=encoding, crs=crs) for path in admin_files]
    built = build_admin_units(
        [(read.source.name, read.frame) for read in reads],
        code_field=code_field,
        name_field=name_field,
        county_names=load_code_scheme().counties,
    )
    county = built.units.loc[built.units["level"] == "county"].iloc[0]
    notes = [note for read in reads for note in read.notes] + built.notes
    with edit_project(
        project,
        command=command,
        note=f"init from {', '.join(p.name for p in admin_files)}",
        create=True,
        overwrite=overwrite,
        meta={"county_code": county["code"], "county_name": county["name"]},
    ) as writer:
        writer.put_layer("admin_units", built.units)
        if not built.repaired.empty:
            writer.write_table("repairs", built.repaired, "geometries repaired at import")
        version = writer.version
    return InitReport(project, version, reads, built.units, built.repaired, notes)


def check_project(
    project: Path,
    *,
    command: str,
    settings: CheckSettings | None = None,
    output: Path | None = None,
    overwrite: bool = False,
) -> CheckResult:
    """Check a project's admin units and store the problems in ``check_issues``.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    command : str
        The command line, for the version log.
    settings : CheckSettings, optional
        Tolerances.
    output : Path, optional
        Also write the problems to this file (any vector format, CSV or XLSX).
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    CheckResult
    """
    if output is not None:
        check_output_path(output, overwrite=overwrite)
    units = open_project(project).read_layer("admin_units")
    result = check_admin_units(units, settings)
    note = f"check: {len(result.issues)} problems" if len(result.issues) else "check: clean"
    with edit_project(project, command=command, note=note) as writer:
        writer.write_features("check_issues", result.issues)
        if output is not None:
            write_frame(result.issues, output, overwrite=overwrite, layer="check_issues")
    return result


GRID_EXPORT_COLUMNS = ["grid_code", "kind", "level", "admin_code", "name", "load", "area_km2"]


def export_layer(
    project: Path,
    layer: str,
    output: Path,
    *,
    version: int | None = None,
    overwrite: bool = False,
) -> gpd.GeoDataFrame:
    """Write a project layer, as it was at a version, to a file.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    layer : str
        ``grids`` (more layers come with later commands).
    output : Path
        GPKG, GeoJSON, SHP, CSV (geometry as WKT) or XLSX.
    version : int, optional
        Default: the current version.
    overwrite : bool
        Replace ``output`` if it exists.

    Returns
    -------
    GeoDataFrame
        What was written.
    """
    check_output_path(output, overwrite=overwrite)
    reader = open_project(project)
    if layer != "grids":
        raise InputDataError(f"cannot export layer {layer!r}; choose grids")
    grids = reader.read_layer("grids", version=version)
    if grids.empty:
        raise InputDataError(
            f"{project.name} has no grids"
            + (f" at version {version}" if version else "")
            + "; run 'gridgis divide' first"
        )
    grids = grids.sort_values("grid_code").reset_index(drop=True)
    frame = gpd.GeoDataFrame(grids[GRID_EXPORT_COLUMNS], geometry=grids.geometry, crs=grids.crs)
    write_frame(frame, output, overwrite=overwrite, layer=layer)
    return frame


def diff_versions(project: Path, before: int, after: int) -> pd.DataFrame:
    """Classify every grid between two versions (see :func:`gridgis.changes.diff_grids`)."""
    from gridgis.changes import diff_grids

    reader = open_project(project)
    return diff_grids(reader.read_layer("grids", version=before),
                      reader.read_layer("grids", version=after))
