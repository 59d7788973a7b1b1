"""``gridgis check``: a project's codes and topology, problems stored in ``check_issues``."""

from __future__ import annotations

from pathlib import Path

from gridgis.io.output import check_output, write_frame
from gridgis.io.store import edit_project, open_project
from gridgis.topology import CheckResult, CheckSettings, check_admin_units, check_grids


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
        check_output(output, overwrite=overwrite, protected=[project])
    reader = open_project(project, for_writing=True)
    units = reader.read_layer("admin_units")
    result = check_admin_units(units, settings)
    grids = reader.read_layer("grids")
    if len(grids):
        result = result.merged(check_grids(grids, units))
    note = f"check: {len(result.issues)} problems" if len(result.issues) else "check: clean"
    with edit_project(project, command=command, note=note) as writer:
        writer.write_features("check_issues", result.issues)
        if output is not None:
            write_frame(
                result.issues,
                output,
                overwrite=overwrite,
                layer="check_issues",
                protected=[project],
            )
    return result
