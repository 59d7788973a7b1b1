"""``gridgis hazards``: the hazard-report loop of Appendix B: import, update, list.

``import`` routes each report to its grid, that grid's 网格员 and 网格长 and,
where the sector line has it, a department, with a time limit; ``update``
applies feedback, one change of state per row; ``list`` counts, on a day, the
reports open, overdue, closed on time and closed late per township and
department. ``--today`` fixes the day dates are judged against.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import command_line, format_table, say, warn
from gridgis.cli.options import (
    admin_codes,
    coordinate_system,
    file_suffix,
    iso_date,
    overwrite_option,
    project_argument,
    text_encoding,
)

if TYPE_CHECKING:
    import datetime as dt

    from gridgis.project.hazards import HazardImportReport, HazardList, HazardUpdateReport

_GRID_CODE = re.compile(r"^[0-9]{15}[0-9X]$")

today_option = click.option(
    "--today",
    callback=iso_date,
    metavar="YYYY-MM-DD",
    help="The day dates are judged against (default: today's date).",
)
sheet_option = click.option("--sheet", help="The worksheet of an XLSX file.")
encoding_option = click.option(
    "--encoding", callback=text_encoding, help="A CSV file's text encoding (default: detected)."
)


def _grid_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _GRID_CODE.match(value.strip().upper()):
        raise click.BadParameter(
            f"{value!r} is not a grid code (16 characters, e.g. 6401221012040011)"
        )
    return value.strip().upper() if value is not None else None


def _one_township(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    return admin_codes("township")(ctx, param, (value,))[0]


@click.group(short_help="Hazard reports: import, feedback, and where each stands.")
def hazards() -> None:
    """Hazard reports (隐患上报) and their record (建档留存), Appendix B's work loop."""


@hazards.command("import", short_help="Import and route hazard reports (XLSX or CSV).")
@project_argument
@click.argument("reports", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Time limits and category departments (default: data/hazards.toml).",
)
@click.option(
    "--coords",
    callback=coordinate_system,
    help="Coordinate system of the points: wgs84 (default), cgcs2000, gcj02, bd09.",
)
@sheet_option
@encoding_option
@today_option
def import_(
    project: Path,
    reports: Path,
    config: Path | None,
    coords: str | None,
    sheet: str | None,
    encoding: str | None,
    today: dt.date | None,
) -> HazardImportReport:
    """Import REPORTS into PROJECT.gpkg as a new version, each report routed.

    One report per row: 发现时间, 上报人, 隐患描述, 隐患类别, 隐患等级 (一般 or
    重大), 当场整改 (是/否), and the place: 经度/纬度, an address (所属乡镇, 所属村,
    地址), a unit's 统一社会信用代码, or a 网格编码. Each goes to its grid and
    that grid's 网格员 and 网格长; to a department when the unit is in a sector
    grid or the category is a department's (--config); with a time limit by
    level; closed at once when fixed on the spot. Any bad row stops the import
    (exit 1) and the rows are listed; rows imported before are skipped.
    """
    import gridgis

    report = gridgis.open(project).import_hazards(
        reports,
        command=command_line(),
        config=config,
        coords=coords,
        sheet=sheet,
        encoding=encoding,
        today=today,
    )
    for note in report.notes:
        warn(note)
    say(summary_line(report))
    if report.to_departments:
        rows = [[name, count] for name, count in report.to_departments.items()]
        say(format_table(rows, ["部门 department", "reports"]))
    return report


def summary_line(report: HazardImportReport) -> str:
    """Sum an import up in one line."""
    already = f", {report.already} imported before" if report.already else ""
    version = f"version {report.version}" if report.version is not None else "nothing changed"
    return (
        f"{report.rows} rows of {report.source.name}: {report.imported} new reports{already}; "
        f"{report.closed_on_spot} closed on the spot, "
        f"{sum(report.to_departments.values())} to departments ({version})"
    )


@hazards.command("update", short_help="Apply feedback: one change of state per row.")
@project_argument
@click.argument("feedback", type=click.Path(dir_okay=False, path_type=Path))
@sheet_option
@encoding_option
@today_option
def update(
    project: Path,
    feedback: Path,
    sheet: str | None,
    encoding: str | None,
    today: dt.date | None,
) -> HazardUpdateReport:
    """Apply FEEDBACK to the reports of PROJECT.gpkg as a new version.

    One change per row, in order: 隐患编号, 办理状态 (交办, 上报, 处置中,
    已办结), 日期, 办理结果 (needed to close), 承办单位, and 原因. A report
    never goes back (处置中 → 交办, or a closed report reopened) without a
    reason. Unknown ids, unknown states, dates after --today or before the
    last change stop the update (exit 1) with the rows listed.
    """
    import gridgis

    report = gridgis.open(project).update_hazards(
        feedback, command=command_line(), sheet=sheet, encoding=encoding, today=today
    )
    states = ", ".join(f"{state} {count}" for state, count in report.by_status.items())
    extra = []
    if report.reopened:
        extra.append(f"{report.reopened} reopened")
    if report.returned:
        extra.append(f"{report.returned} sent back")
    if report.already:
        extra.append(f"{report.already} rows recorded before")
    version = f"version {report.version}" if report.version is not None else "nothing changed"
    say(
        f"{report.rows} changes to {report.reports} reports"
        + (f" ({states})" if states else "")
        + (f"; {', '.join(extra)}" if extra else "")
        + f" ({version})"
    )
    return report


@hazards.command("list", short_help="Count reports open, overdue, closed on time and late.")
@project_argument
@click.option("--open", "only", flag_value="open", help="Only reports not closed yet.")
@click.option("--overdue", "only", flag_value="overdue", help="Only reports past their time limit.")
@click.option("--grid", callback=_grid_code, help="Only the reports of one grid (its code).")
@click.option(
    "--township", callback=_one_township, help="Only the reports of one township (9 digits)."
)
@click.option(
    "--department",
    type=click.IntRange(min=1),
    help="Only the reports of one department (its number in data/departments.toml).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=file_suffix(".xlsx"),
    help="Also write the summary, the reports and their record to this .xlsx file.",
)
@click.option("--version", type=click.IntRange(min=1), help="As of a version.")
@today_option
@overwrite_option
def list_(
    project: Path,
    only: str | None,
    grid: str | None,
    township: str | None,
    department: int | None,
    output: Path | None,
    version: int | None,
    today: dt.date | None,
    overwrite: bool,
) -> HazardList:
    """Count PROJECT.gpkg's hazard reports per township and department.

    Each report is open, overdue (open past its time limit), closed on time or
    closed late, judged on --today. A report counts for the township where it
    was found, and again for its department if it has one. -o writes the
    summary, the reports and every change of state to a workbook.
    """
    import gridgis

    listed = gridgis.open(project).hazards(
        today=today,
        only=only,
        grid=grid,
        township=township,
        department=department,
        version=version,
        output=output,
        overwrite=overwrite,
    )
    say(f"hazard reports on {listed.today.isoformat()} (version {listed.version}):")
    say(format_table(summary_rows(listed), summary_headers()))
    if output is not None:
        say(f"wrote {output}")
    return listed


def summary_headers() -> list[str]:
    """Return the column headers of the printed summary."""
    from gridgis.render.labels import HAZARD_LABELS

    names = ("scope", "unit", "open", "overdue", "closed_on_time", "closed_late", "total")
    return [HAZARD_LABELS[name] for name in names]


def summary_rows(listed: HazardList) -> list[list[object]]:
    """Return the printed summary's rows."""
    table = listed.summary
    return [
        [row.scope, row.unit, row.open, row.overdue, row.closed_on_time, row.closed_late, row.total]
        for row in table.itertuples()
    ]
