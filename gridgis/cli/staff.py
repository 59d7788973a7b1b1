"""``gridgis staff``: bring the staff roster (网格人员名册) into a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import command_line, format_table, progress_bar, say, warn
from gridgis.cli.options import project_argument, text_encoding

if TYPE_CHECKING:
    from gridgis.project.staff import StaffImportReport

#: People changed by a re-import are listed by name up to this many per kind.
SHOWN_CHANGES = 10


@click.group(short_help="Import the staff roster.")
def staff() -> None:
    """Import the staff roster (网格人员名册): who serves which grid, in which role."""


@staff.command("import", short_help="Import or re-import a roster (XLSX or CSV).")
@project_argument
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="Worksheet of an XLSX roster (default: the first with a header).")
@click.option(
    "--encoding", callback=text_encoding, help="Text encoding of a CSV roster (default: detected)."
)
def import_(
    project: Path, roster: Path, sheet: str | None, encoding: str | None
) -> StaffImportReport:
    """Import ROSTER into PROJECT.gpkg as a new version.

    The header row (at least 姓名 and 角色) is found below any title rows.
    Each person serves at a grid (网格编码), else a village (所属乡镇街道 +
    所属村社区), else a township, else a department. A village's 网格员 are
    shared equally by its grids; 'gridgis assign' then uses them for each
    grid's capacity. Any row without a name, with an unknown role or place,
    or repeated, stops the import (exit 1) and the project stays as it was.
    """
    import gridgis
    from gridgis.render.labels import ROLE_NAMES_EN

    report = gridgis.open(project).import_staff(
        roster,
        command=command_line(),
        sheet=sheet,
        encoding=encoding,
        progress=progress_bar,
    )
    for note in report.notes:
        warn(note)
    sheet_text = f" (sheet {report.sheet!r})" if report.sheet else ""
    say(
        f"read {report.people} people from {roster.name}{sheet_text}"
        + (f" ({report.empty_rows} empty rows skipped)" if report.empty_rows else "")
    )
    rows = [[f"{role} {ROLE_NAMES_EN[role]}", count] for role, count in report.roles.items()]
    say(format_table(rows, ["角色 role", "people"]))
    say(grids_line(report))
    change = report.change
    say(
        f"staff: {change.count('added')} new, {change.count('changed')} changed, "
        f"{change.count('removed')} removed, {change.count('unchanged')} unchanged "
        f"(version {report.version})"
    )
    if any(change.count(kind) for kind in ("changed", "removed", "unchanged")):
        # A re-import: say who came and went (a first import would list everyone).
        for kind, label in (("added", "new"), ("changed", "changed"), ("removed", "removed")):
            names = report.people_changes.get(kind, [])
            if names:
                shown = "、".join(names[:SHOWN_CHANGES])
                hidden = len(names) - SHOWN_CHANGES
                more = f" … and {hidden} more" if hidden > 0 else ""
                say(f"  {label}: {shown}{more}")
    return report


def grids_line(report: StaffImportReport) -> str:
    """Say how many base grids have a 网格员 of the roster."""
    if not report.base_grids:
        return "base grids: none yet; run 'gridgis divide' to share the 网格员 among grids"
    line = f"base grids with a 网格员: {report.grids_with_member} of {report.base_grids}"
    if report.grids_without_member:
        line += (
            f"; {report.grids_without_member} without one count the default members of the "
            "rules (data/rules.toml)"
        )
    return line


def summary_line(report: StaffImportReport) -> str:
    """Sum an import up in one line (for ``gridgis demo``)."""
    return (
        f"staff: {report.people} people, {report.roles.get('网格员', 0)} 网格员; "
        f"base grids with a 网格员: {report.grids_with_member} of {report.base_grids}; "
        f"version {report.version}"
    )
