"""``gridgis init``: a project from administrative boundary files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.admin import build_admin_units
from gridgis.errors import InputDataError
from gridgis.io.store import edit_project
from gridgis.io.vector import VectorRead, read_vector
from gridgis.project.settings import record_configuration, record_inputs
from gridgis.summary import Summarised


@dataclass(repr=False)
class InitReport(Summarised):
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

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        counts = self.level_counts()
        return [
            ("project", self.project),
            ("version", self.version),
            (
                "admin units",
                f"{counts['county']} county, {counts['township']} townships, "
                f"{counts['village']} villages",
            ),
            ("repaired", len(self.repaired)),
            ("notes", len(self.notes)),
        ]


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

    Raises
    ------
    CodeError
        If the code scheme refuses the county: its grids could get no codes.
    """
    from gridgis.codes import load_code_scheme

    if project.exists() and not overwrite:
        raise InputDataError(f"{project} already exists; pass --overwrite to replace it")
    if project.suffix.lower() != ".gpkg":
        raise InputDataError(f"{project.name}: a project is a GeoPackage; name it *.gpkg")
    reads = [read_vector(path, layer=layer, encoding=encoding, crs=crs) for path in admin_files]
    scheme = load_code_scheme()
    built = build_admin_units(
        [(read.source.name, read.frame) for read in reads],
        code_field=code_field,
        name_field=name_field,
        county_names=scheme.counties,
    )
    county = built.units.loc[built.units["level"] == "county"].iloc[0]
    notes = [note for read in reads for note in read.notes] + built.notes
    # Refuse now a county the scheme cannot code, not after a long division.
    if not scheme.county_name(county["code"]):
        notes.append(
            f"county {county['code']} is not one of the {len(scheme.counties)} counties of "
            f"{scheme.region or 'the region'} in {scheme.source}; its grids get codes of the "
            "same layout"
        )
    with edit_project(
        project,
        command=command,
        note=f"init from {', '.join(p.name for p in admin_files)}",
        create=True,
        overwrite=overwrite,
        meta={"county_code": county["code"], "county_name": county["name"]},
    ) as writer:
        writer.put_layer("admin_units", built.units)
        record_inputs(writer, "admin", admin_files)
        record_configuration(writer, "code_scheme", scheme.source)
        if not built.repaired.empty:
            writer.write_table("repairs", built.repaired, "geometries repaired at import")
        version = writer.version
    return InitReport(project, version, reads, built.units, built.repaired, notes)
