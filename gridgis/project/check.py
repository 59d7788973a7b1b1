"""``gridgis check``: a project's codes and topology, problems stored in ``check_issues``."""

from __future__ import annotations

from pathlib import Path

from gridgis.io.output import check_output, write_frame
from gridgis.io.store import edit_project, open_project
from gridgis.project.access import open_for_writing
from gridgis.topology import CheckResult, CheckSettings, check_admin_units, check_grids


def check_project(
    project: Path,
    *,
    command: str,
    settings: CheckSettings | None = None,
    output: Path | None = None,
    overwrite: bool = False,
    save: bool = False,
) -> CheckResult:
    """Check a project's admin units and grids; the project changes only if asked.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    command : str
        The command line, for the version log.
    settings : CheckSettings, optional
        Tolerances.
    output : Path, optional
        Write the problems to this file (any vector format, CSV or XLSX).
    overwrite : bool
        Replace ``output`` if it exists.
    save : bool
        Store the problems in the project's ``check_issues`` layer, as a
        version of its own. Without it the check only reads the project.

    Returns
    -------
    CheckResult
    """
    if output is not None:
        check_output(output, overwrite=overwrite, protected=[project])
    reader = open_for_writing(project, command=command) if save else open_project(project)
    units = reader.read_layer("admin_units")
    result = check_admin_units(units, settings)
    grids = reader.read_grids()
    if len(grids):
        result = result.merged(check_grids(grids, units))
    if output is not None:
        write_frame(
            result.issues, output, overwrite=overwrite, layer="check_issues", protected=[project]
        )
    if save:
        note = f"check: {len(result.issues)} problems" if len(result.issues) else "check: clean"
        with edit_project(project, command=command, note=note) as writer:
            writer.write_features("check_issues", result.issues)
    return result
