"""``gridgis assign``: place every enterprise in exactly one grid, or say why not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from gridgis.project.assign import AssignReport

from gridgis.cli.helpers import command_line, format_table, progress_bar, say, warn
from gridgis.cli.options import project_argument
from gridgis.render.labels import REASON_LABELS, RULE_LABELS


@click.command(short_help="Assign enterprises to territorial or sector grids.")
@project_argument
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sector rules TOML (default: data/rules.toml).",
)
@click.pass_context
def assign(ctx: click.Context, project: Path, rules_path: Path | None) -> AssignReport:
    """Assign every enterprise of PROJECT.gpkg to exactly one grid.

    Enterprises go to the base grid their point lies in (a point on a shared
    edge goes to the grid with the smallest code); rows without coordinates
    are matched by township and village names. Large, high-risk and
    major-hazard units, and the highest-risk units of over-capacity grids, go
    to their department's county-level sector grid. Prints the line
    'rows N = territorial T + sector S + unassigned U' and exits 1 if it does
    not add up.
    """
    import gridgis

    report = gridgis.open(project).assign(
        command=command_line(), rules=rules_path, progress=progress_bar
    )
    say(report.conservation)
    if len(report.by_rule):
        rows = [
            [RULE_LABELS.get(rule, rule), int(count)]
            for rule, count in report.by_rule.sort_values(ascending=False).items()
        ]
        say(format_table(rows, ["行业专属网格 sector rule", "units"]))
    grids = report.sector_grids
    if len(grids):
        say(
            format_table(
                [[g.grid_code, g.name, int(g.units), f"{g.load:g}"] for g in grids.itertuples()],
                ["sector grid", "name", "units", "load"],
            )
        )
    if len(report.by_reason):
        say(
            format_table(
                [
                    [REASON_LABELS.get(reason, reason), int(count)]
                    for reason, count in report.by_reason.sort_values(ascending=False).items()
                ],
                ["未落格原因 unassigned because", "rows"],
            )
        )
    over = report.capacity[report.capacity["over_capacity"]] if len(report.capacity) else []
    say(
        f"declared village differs from located village: {report.mismatches} rows; "
        f"grids still over capacity: {len(over)}; version {report.version}"
    )
    if not report.adds_up:
        warn("Error: the rows do not add up; some enterprises were lost")
        ctx.exit(1)
    return report
