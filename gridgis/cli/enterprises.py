"""``gridgis enterprises``: bring enterprise ledgers into a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from gridgis.project.ledger import ImportReport

from gridgis.cli.helpers import command_line, format_table, progress_bar, say
from gridgis.cli.options import coordinate_system, project_argument, text_encoding
from gridgis.render.labels import PROBLEM_LABELS


@click.group(short_help="Import enterprise ledgers.")
def enterprises() -> None:
    """Import enterprise ledgers (企业台账) into a project."""


@enterprises.command("import", short_help="Import or re-import a ledger (CSV or XLSX).")
@project_argument
@click.argument("ledger", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="Worksheet of an XLSX ledger (default: the first with a header).")
@click.option(
    "--coords",
    callback=coordinate_system,
    help="Coordinate system of the whole ledger: wgs84, cgcs2000, gcj02 "
    "(Amap/Tencent) or bd09 (Baidu).",
)
@click.option(
    "--coords-column",
    help="Column naming each row's coordinate system (default: a 坐标系 column when present).",
)
@click.option(
    "--encoding", callback=text_encoding, help="Text encoding of a CSV ledger (default: detected)."
)
def import_(
    project: Path,
    ledger: Path,
    sheet: str | None,
    coords: str | None,
    coords_column: str | None,
    encoding: str | None,
) -> ImportReport:
    """Import LEDGER into PROJECT.gpkg as a new version.

    Every row is kept. Invalid USCCs and duplicates are flagged, GCJ-02 and
    BD-09 coordinates are converted to CGCS2000, swapped lon/lat is fixed, and
    points outside the county are reported. Importing a newer ledger shows
    which enterprises are new, changed or removed.
    """
    import gridgis

    report = gridgis.open(project).import_ledger(
        ledger,
        command=command_line(),
        sheet=sheet,
        coords=coords,
        coords_column=coords_column,
        encoding=encoding,
        progress=progress_bar,
    )
    change = report.change
    say(
        f"read {report.rows} enterprises from {ledger.name}"
        + (f" ({report.empty_rows} empty rows skipped)" if report.empty_rows else "")
    )
    say(
        f"enterprises: {change.count('added')} new, {change.count('changed')} changed, "
        f"{change.count('removed')} removed, {change.count('unchanged')} unchanged "
        f"(version {report.version})"
    )
    first_import = change.count("added") == report.rows
    for label, keys in (
        ("new", change.added),
        ("changed", change.changed),
        ("removed", change.removed),
    ):
        if keys and not first_import:
            shown = ", ".join(keys[:10]) + (" …" if len(keys) > 10 else "")
            say(f"  {label}: {shown}")
    if len(report.problems):
        counts = report.problems.sort_values(ascending=False)
        rows = [[PROBLEM_LABELS.get(kind, kind), int(count)] for kind, count in counts.items()]
        say(format_table(rows, ["问题 problem", "rows"]))
        for kind, detail in report.missing_columns.items():
            say(f"  {PROBLEM_LABELS.get(kind, kind)}: {detail} (every row)")
        say("details: table ledger_problems in the project; 'gridgis report' writes them to Excel")
    return report
