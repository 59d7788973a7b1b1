"""``gridgis check``: validate a project's codes and topology."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from gridgis.topology import CheckResult

from gridgis.cli.helpers import QUIET, command_line, format_table, say, warn
from gridgis.cli.options import overwrite_option, positive_float, project_argument


@click.command(short_help="Check codes, containment, gaps, overlaps and slivers.")
@project_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the problems to this file (GPKG, GeoJSON, SHP, CSV, XLSX).",
)
@overwrite_option
@click.option(
    "--save",
    is_flag=True,
    help="Store the problems in the project's check_issues layer, as a new version.",
)
@click.option(
    "--tolerance",
    default=1.0,
    show_default=True,
    callback=positive_float,
    help="Metres a unit may stick out of its parent.",
)
@click.option(
    "--gap-width",
    default=1.0,
    show_default=True,
    callback=positive_float,
    help="Gaps narrower than this many metres are reported.",
)
@click.option(
    "--sliver-width",
    default=1.0,
    show_default=True,
    callback=positive_float,
    help="Polygons nowhere wider than this many metres are slivers.",
)
@click.pass_context
def check(
    ctx: click.Context,
    project: Path,
    output: Path | None,
    overwrite: bool,
    save: bool,
    tolerance: float,
    gap_width: float,
    sliver_width: float,
) -> CheckResult:
    """Check PROJECT.gpkg's codes and topology without changing it.

    Exits 0 when clean and 1 when problems are found. -o writes the problems
    to a file; --save stores them in the project's check_issues layer, as a
    new version. Overlaps and gaps narrower than 1 mm are rounding noise and
    are not problems.
    """
    import gridgis

    result = gridgis.open(project).check(
        command=command_line(),
        tolerance=tolerance,
        gap_width=gap_width,
        sliver_width=sliver_width,
        output=output,
        overwrite=overwrite,
        save=save,
    )
    rows = [[r.label, r.checked, r.problems, r.noise_ignored] for r in result.summary.itertuples()]
    say(format_table(rows, ["检查 check", "checked", "problems", "noise ignored"]))
    if result.ok:
        say(f"{project.name}: clean")
        return result
    stored = [
        name for name, wanted in (("layer check_issues", save), (str(output), output)) if wanted
    ]
    found = f"{project.name}: {len(result.issues)} problems" + (
        f", stored in {' and '.join(stored)}" if stored else "; --save stores them in the project"
    )
    if ctx.meta.get(QUIET):
        warn(found)
        ctx.exit(1)
    say(found)
    shown = result.issues.head(20)
    say(
        format_table(
            [[r.check, r.code, r.name, r.reason] for r in shown.itertuples()],
            ["check", "code", "name", "reason"],
        )
    )
    if len(result.issues) > len(shown):
        say(f"… and {len(result.issues) - len(shown)} more")
    ctx.exit(1)
