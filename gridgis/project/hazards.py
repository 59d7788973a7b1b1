"""``gridgis hazards``: import reports, apply feedback, and list where each report stands.

The electronic record Appendix B asks for (建档留存, docs/domain.md "The work
loop") is kept in two places of the project:

- ``hazards``, a layer with history keyed by ``report_id``: each report's
  place, route, time limit and current state. Each import or update writes a
  version, so any earlier day's state can be read back.
- ``hazard_events``, appended to and never rewritten: every change of state of
  every report, with its date, handler, result, reason, the file and row it
  came from, and the version that recorded it.

An import or an update with any bad row changes nothing: the message lists
the rows by spreadsheet row, as the roster import does. ``today`` (``--today``)
is the day dates are judged against, so tests and reruns do not depend on the
clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.crs import CGCS2000
from gridgis.errors import InputDataError
from gridgis.hazards import FeedbackResult
from gridgis.io.hazard_tables import read_feedback
from gridgis.io.store import ProjectReader, ProjectWriter, edit_project, open_project
from gridgis.project.access import open_for_writing
from gridgis.project.locate import open_grid_finder
from gridgis.project.settings import record_configuration, record_inputs
from gridgis.schema import HAZARD_EVENTS, HAZARDS, conform
from gridgis.summary import Summarised

# Problems found reading a report's place that make the row unusable (a fixed
# swap of longitude and latitude is only a note).
_FATAL_PLACE_PROBLEMS = frozenset(
    {"invalid_coordinates", "coordinates_out_of_range", "unknown_coordinate_system"}
)


@dataclass(repr=False)
class HazardImportReport(Summarised):
    """What ``hazards import`` read, routed and stored."""

    version: int | None
    source: Path
    rows: int
    imported: int
    already: int
    closed_on_spot: int
    to_departments: dict[str, int]
    by_township: dict[str, int]
    report_ids: list[str]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            ("version", self.version if self.version is not None else "unchanged"),
            ("rows", self.rows),
            ("new reports", self.imported),
            ("already imported", self.already),
            ("closed on the spot", self.closed_on_spot),
            ("to departments", sum(self.to_departments.values())),
        ]


@dataclass(repr=False)
class HazardUpdateReport(Summarised):
    """What ``hazards update`` applied."""

    version: int | None
    source: Path
    rows: int
    already: int
    reports: int
    by_status: dict[str, int]
    reopened: int
    returned: int

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            ("version", self.version if self.version is not None else "unchanged"),
            ("changes", self.rows),
            ("recorded before", self.already),
            ("reports changed", self.reports),
            ("by status", ", ".join(f"{k} {v}" for k, v in self.by_status.items())),
            ("reopened", self.reopened),
            ("sent back", self.returned),
        ]


@dataclass(repr=False)
class HazardList(Summarised):
    """The reports chosen by ``hazards list``, where each stands on a day, and the counts.

    Attributes
    ----------
    today : datetime.date
        The day judged on.
    reports : DataFrame
        The chosen reports (the ``hazards`` columns), with ``outcome`` (open,
        overdue, closed_on_time, closed_late) and ``days_overdue``.
    summary : DataFrame
        Per township, per department and for the county
        (:data:`gridgis.hazards.SUMMARY_COLUMNS`).
    events : DataFrame
        The record of the chosen reports, oldest first.
    """

    version: int
    today: dt.date
    reports: pd.DataFrame
    summary: pd.DataFrame
    events: pd.DataFrame

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        county = self.summary.iloc[-1]
        return [
            ("version", self.version),
            ("today", self.today.isoformat()),
            ("reports", int(county["total"])),
            ("open", int(county["open"])),
            ("overdue", int(county["overdue"])),
            ("closed on time", int(county["closed_on_time"])),
            ("closed late", int(county["closed_late"])),
        ]


def import_hazards(
    project: Path,
    reports_path: Path,
    *,
    command: str,
    config: Path | None = None,
    coords: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    today: dt.date | None = None,
) -> HazardImportReport:
    """Import hazard reports, route each, and store them as one version.

    Parameters
    ----------
    project : Path
        The project GeoPackage, divided (and best assigned, with its roster).
    reports_path : Path
        An XLSX or CSV file, one report per row (see :mod:`gridgis.io.hazard_tables`).
    command : str
        The command line, for the version log.
    config : Path, optional
        The hazards TOML (default ``data/hazards.toml``): time limits, category departments.
    coords : str, optional
        The coordinate system of the file's points (default CGCS2000/WGS-84).
    sheet, encoding : str, optional
        A workbook's sheet; a CSV file's encoding.
    today : datetime.date, optional
        No hazard may be found after it (default: the clock's today).

    Returns
    -------
    HazardImportReport
        ``version`` is None when every row was imported before (nothing changes).

    Raises
    ------
    InputDataError
        If the file cannot be read or any row is bad (the rows are listed).
    ConfigError
        If the hazards TOML is invalid.
    """
    from gridgis.hazards import load_hazard_settings, problems_message, route_reports
    from gridgis.io.hazard_tables import read_reports

    today = today or dt.date.today()
    settings = load_hazard_settings(config)
    open_for_writing(project, command=command)
    with edit_project(
        project, command=command, note=f"import hazard reports {reports_path.name}"
    ) as writer:
        finder = open_grid_finder(project, reader=writer)
        bounds = tuple(float(v) for v in finder.assigner.grids.total_bounds)
        table = read_reports(
            reports_path,
            sheet=sheet,
            encoding=encoding,
            coords=coords,
            county_bounds=bounds,  # type: ignore[arg-type]
        )
        current = _current_reports(writer)
        routed = route_reports(
            table.rows,
            finder,
            settings,
            today=today,
            existing=current[["report_id", "digest"]],
            source=reports_path.name,
        )
        fatal = table.problems[table.problems["kind"].isin(list(_FATAL_PLACE_PROBLEMS))]
        problems = pd.concat([fatal, routed.problems], ignore_index=True)
        if len(problems):
            problems = problems.assign(
                row=table.rows["source_row"].reindex(problems["position"]).to_numpy()
            )
            raise InputDataError(
                problems_message(problems, reports_path.name, "hazard report", "imported")
            )
        notes = [
            f"row {table.rows.at[position, 'source_row']}: {detail}"
            for position, detail in zip(
                table.problems["position"], table.problems["detail"], strict=True
            )
        ]
        new = routed.reports
        version: int | None = None
        if len(new):
            record_inputs(writer, "hazards", [reports_path])
            record_configuration(writer, "hazards", settings.source)
            _put_reports(writer, pd.concat([current, new], ignore_index=True))
            _append_events(writer, routed.events, reports_path, table.rows)
            writer.note = (
                f"import hazard reports {reports_path.name}: {len(new)} new, "
                f"{int(new['fixed_on_spot'].sum())} fixed on the spot"
            )
            version = writer.version
    departments = new["department_name"].dropna().value_counts()
    townships = new["township"].dropna().value_counts()
    return HazardImportReport(
        version=version,
        source=reports_path,
        rows=len(table.rows),
        imported=len(new),
        already=len(routed.skipped),
        closed_on_spot=int(new["fixed_on_spot"].sum()),
        to_departments={str(k): int(v) for k, v in departments.items()},
        by_township={str(k): int(v) for k, v in townships.items()},
        report_ids=[str(i) for i in new["report_id"]],
        notes=[*table.table.notes, *notes],
    )


def update_hazards(
    project: Path,
    feedback_path: Path,
    *,
    command: str,
    sheet: str | None = None,
    encoding: str | None = None,
    today: dt.date | None = None,
) -> HazardUpdateReport:
    """Apply a feedback file: each row one change of state of one report, as one version.

    Rows the record already holds (the same file sent again, or a list that
    grows week by week) are recognised and skipped; the others are checked in
    order against the reports' states (:func:`gridgis.hazards.apply_feedback`).

    Parameters
    ----------
    project : Path
        A project with hazard reports.
    feedback_path : Path
        An XLSX or CSV file: 隐患编号, 办理状态 (交办, 上报, 处置中, 已办结), 日期,
        办理结果, 承办单位, and 原因 for a report sent back or reopened.
    command : str
        The command line, for the version log.
    sheet, encoding : str, optional
        A workbook's sheet; a CSV file's encoding.
    today : datetime.date, optional
        No change may be dated after it (default: the clock's today).

    Returns
    -------
    HazardUpdateReport
        ``version`` is None when every row was recorded before (nothing changes).

    Raises
    ------
    InputDataError
        If the project has no reports, the file cannot be read, or any row is
        refused (see :mod:`gridgis.hazards.states`; the rows are listed).
    """
    from gridgis.hazards import already_recorded, parse_dates

    today = today or dt.date.today()
    reader = open_for_writing(project, command=command)
    if not reader.has_rows("hazards"):
        raise InputDataError(
            f"{project.name} has no hazard reports; run 'gridgis hazards import' first"
        )
    table = read_feedback(feedback_path, sheet=sheet, encoding=encoding)
    when, _ = parse_dates(table.rows["date"])
    rows = table.rows.assign(
        position=table.rows.index,
        date=pd.Series(when.dt.date.to_numpy(dtype=object), index=table.rows.index).where(
            when.notna(), None
        ),
    )
    with edit_project(
        project, command=command, note=f"update hazard reports {feedback_path.name}"
    ) as writer:
        current = _current_reports(writer)
        events = writer.read_table("hazard_events")
        seen = already_recorded(rows, events)
        applied = _apply(current, events, rows[~seen.to_numpy()], table.rows, feedback_path, today)
        version: int | None = None
        if len(applied.events):
            record_inputs(writer, "hazard_feedback", [feedback_path])
            _put_reports(writer, _with_states(current, applied.reports))
            dated = applied.events.assign(date=[day.isoformat() for day in applied.events["date"]])
            _append_events(writer, dated, feedback_path, table.rows)
            writer.note = (
                f"update hazard reports {feedback_path.name}: {len(applied.events)} changes to "
                f"{len(applied.reports)} reports"
            )
            version = writer.version
    return _update_report(applied, version, feedback_path, already=int(seen.sum()))


def _apply(
    current: pd.DataFrame,
    events: pd.DataFrame,
    rows: pd.DataFrame,
    file_rows: pd.DataFrame,
    feedback_path: Path,
    today: dt.date,
) -> FeedbackResult:
    """Apply new feedback rows to the reports' states, or refuse the file, listing its bad rows."""
    from gridgis.hazards import apply_feedback, dates_of, problems_message

    seq = events.groupby("report_id")["seq"].max() if len(events) else pd.Series(dtype="int64")
    states = pd.DataFrame(
        {
            "report_id": current["report_id"],
            "status": current["status"],
            "status_date": dates_of(current["status_date"]),
            "found_date": dates_of(current["found_date"]),
            "closed_date": dates_of(current["closed_date"]),
            "handler": current["handler"],
            "result": current["result"],
            "seq": current["report_id"].map(seq).fillna(0).astype("int64"),
        }
    )
    applied = apply_feedback(states, rows, today=today)
    if len(applied.problems):
        problems = applied.problems.assign(
            row=file_rows["source_row"].reindex(applied.problems["position"]).to_numpy()
        )
        raise InputDataError(problems_message(problems, feedback_path.name, "feedback", "applied"))
    return applied


def _with_states(current: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """Return the reports with the changed ones' states, dates, handlers and results."""
    updated = current.set_index("report_id")
    changed = changed.set_index("report_id")
    for column in ("status", "handler", "result"):
        updated.loc[changed.index, column] = changed[column].to_numpy(dtype=object)
    for column in ("status_date", "closed_date"):
        updated.loc[changed.index, column] = [
            day.isoformat() if isinstance(day, dt.date) else None for day in changed[column]
        ]
    return updated.reset_index()


def _update_report(
    applied: FeedbackResult, version: int | None, source: Path, *, already: int
) -> HazardUpdateReport:
    from gridgis.hazards import CLOSED, STATE_RANKS, STATES

    events = applied.events
    by_status = events["status"].value_counts()
    backwards = events["status"].map(STATE_RANKS) < events["previous_status"].map(STATE_RANKS)
    reopened = backwards & (events["previous_status"] == CLOSED)
    return HazardUpdateReport(
        version=version,
        source=source,
        rows=len(events),
        already=already,
        reports=len(applied.reports),
        by_status={state: int(by_status[state]) for state in STATES if state in by_status},
        reopened=int(reopened.sum()),
        returned=int((backwards & ~reopened).sum()),
    )


def list_hazards(
    project: Path,
    *,
    today: dt.date | None = None,
    only: str | None = None,
    grid: str | None = None,
    township: str | None = None,
    department: int | None = None,
    version: int | None = None,
    output: Path | None = None,
    overwrite: bool = False,
) -> HazardList:
    """Judge every report on a day and count them per township and department.

    Parameters
    ----------
    project : Path
        A project (with or without hazard reports).
    today : datetime.date, optional
        The day to judge on (default: the clock's today).
    only : {"open", "overdue"}, optional
        Keep open reports (overdue ones included), or overdue ones only.
    grid, township : str, optional
        Keep the reports of one grid code, or one 9-digit township code.
    department : int, optional
        Keep the reports of one department (number of ``data/departments.toml``).
    version : int, optional
        Default: the current version.
    output : Path, optional
        Also write the summary, the reports and their record to this ``.xlsx`` file.
    overwrite : bool
        Replace an existing output file (never a project).

    Returns
    -------
    HazardList

    Raises
    ------
    InputDataError
        For an unknown grid, township or department, or a bad output path.
    """
    from gridgis.hazards import summarise
    from gridgis.io.safety import check_output_path

    if output is not None:
        check_output_path(output, overwrite=overwrite, suffixes={".xlsx"}, protected=[project])
    today = today or dt.date.today()
    reader = open_project(project)
    version = version or reader.current_version
    reports = pd.DataFrame(judged_reports(reader, today, version=version).drop(columns="geometry"))
    _check_filters(reader, version, grid, township, department)
    keep = pd.Series(True, index=reports.index)
    if only == "open":
        keep &= reports["outcome"].isin(["open", "overdue"])
    elif only == "overdue":
        keep &= reports["outcome"] == "overdue"
    if grid:
        keep &= reports["grid_code"].eq(grid).fillna(False).astype(bool)
    if township:
        keep &= reports["township_code"].eq(township).fillna(False).astype(bool)
    if department is not None:
        number = pd.to_numeric(reports["department"], errors="coerce")
        keep &= number.eq(department).fillna(False).astype(bool)
    chosen = reports[keep.to_numpy()].sort_values("report_id").reset_index(drop=True)
    events = reader.read_table("hazard_events")
    if len(events):
        events = events[events["report_id"].isin(chosen["report_id"])]
        events = events[pd.to_numeric(events["version"], errors="coerce") <= version]
        events = events.sort_values(["report_id", "seq"], kind="stable").reset_index(drop=True)
    listed = HazardList(
        version=version,
        today=today,
        reports=chosen,
        summary=summarise(chosen, chosen["outcome"]),
        events=events,
    )
    if output is not None:
        write_hazard_workbook(listed, output, overwrite=overwrite, protected=[project])
    return listed


def write_hazard_workbook(
    listed: HazardList,
    output: Path,
    *,
    overwrite: bool = False,
    protected: Sequence[Path] = (),
) -> None:
    """Write a :class:`HazardList` as a workbook: the summary, the reports, their record.

    Headers are Chinese (the stored columns' titles); outcomes are worded as
    the summary words them.
    """
    from gridgis.render.labels import HAZARD_LABELS
    from gridgis.render.workbook import write_workbook
    from gridgis.schema import titles

    wording = {
        name: HAZARD_LABELS[name] for name in ("open", "overdue", "closed_on_time", "closed_late")
    }
    reports = listed.reports.assign(outcome=listed.reports["outcome"].map(wording))
    shown = [name for name in HAZARDS.column_names if name != "digest"]
    reports = reports[[*shown, "outcome", "days_overdue"]]
    headers = {
        **titles(HAZARDS, HAZARD_EVENTS),
        **{name: HAZARD_LABELS[name] for name in ("scope", "unit", "total")},
        **wording,
        "code": "代码",
        "outcome": HAZARD_LABELS["outcome"],
        "days_overdue": HAZARD_LABELS["days_overdue"],
    }
    write_workbook(
        {
            HAZARD_LABELS["summary_sheet"]: listed.summary,
            HAZARD_LABELS["reports_sheet"]: reports,
            HAZARD_LABELS["events_sheet"]: listed.events,
        },
        output,
        overwrite=overwrite,
        headers=headers,
        protected=protected,
    )


def judged_reports(
    reader: ProjectReader, today: dt.date, *, version: int | None = None
) -> gpd.GeoDataFrame:
    """Read the reports of a version, each judged on a day, at its point.

    Parameters
    ----------
    reader : ProjectReader
        The project.
    today : datetime.date
        The day to judge on.
    version : int, optional
        Default: the current version.

    Returns
    -------
    GeoDataFrame
        The ``hazards`` columns (empty before the first import), ``outcome``
        (open, overdue, closed_on_time, closed_late) and ``days_overdue``
        (whole days past the time limit, for overdue reports), in CGCS2000.
    """
    from gridgis.hazards import outcomes

    reports = _current_reports(reader, version=version)
    deadline = pd.to_datetime(reports["deadline"], errors="coerce")
    closed = pd.to_datetime(reports["closed_date"], errors="coerce")
    outcome = outcomes(reports["status"], deadline, closed, today)
    late = (pd.Timestamp(today) - deadline).dt.days.where(outcome == "overdue")
    return reports.assign(outcome=outcome.to_numpy(), days_overdue=late.astype("Int64").array)


def _check_filters(
    reader: ProjectReader,
    version: int,
    grid: str | None,
    township: str | None,
    department: int | None,
) -> None:
    """Refuse a grid, township or department the project does not have."""
    if grid and grid not in set(reader.read_grids(version=version)["grid_code"]):
        raise InputDataError(f"grid {grid} is not in {reader.path.name}")
    if township:
        units = reader.read_layer("admin_units", version=version, columns=["code", "level"])
        if township not in set(units.loc[units["level"] == "township", "code"]):
            raise InputDataError(f"township {township} is not in {reader.path.name}")
    if department is not None:
        from gridgis.codes import default_scheme

        known = default_scheme().departments
        if department not in known:
            names = ", ".join(f"{n} {d.name}" for n, d in known.items())
            raise InputDataError(f"no department {department}; known: {names}")


def _current_reports(reader: ProjectReader, *, version: int | None = None) -> gpd.GeoDataFrame:
    """Read the reports as they stand (an empty frame with every column before the first import)."""
    names = list(HAZARDS.column_names)
    if not reader.has_layer("hazards"):
        empty = pd.DataFrame({name: pd.Series(dtype=object) for name in names})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=CGCS2000))
    stored = reader.read_layer("hazards", version=version)
    stored = stored.drop(columns=[c for c in ("valid_from", "valid_to", "row_hash") if c in stored])
    frame = conform(stored, HAZARDS)
    for name in names:
        if HAZARDS.columns[names.index(name)].type == "text":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return gpd.GeoDataFrame(frame, geometry=stored.geometry.to_numpy(), crs=CGCS2000)


def _append_events(
    writer: ProjectWriter, events: pd.DataFrame, source: Path, file_rows: pd.DataFrame
) -> None:
    """Add changes of state to the record, each with the file and row it came from."""
    recorded = events.assign(
        source=source.name,
        source_row=file_rows["source_row"].reindex(events["position"]).to_numpy(),
        version=writer.version,
    )
    writer.append_table("hazard_events", conform(recorded, HAZARD_EVENTS), HAZARD_EVENTS.title)


def _put_reports(writer: ProjectWriter, reports: pd.DataFrame) -> None:
    """Make ``reports`` the current content of the ``hazards`` layer, each at its point."""
    lon = pd.to_numeric(reports["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(reports["lat"], errors="coerce").to_numpy(dtype="float64")
    points = shapely.points(lon, lat)
    points[np.isnan(lon) | np.isnan(lat)] = None
    frame = conform(reports.drop(columns="geometry", errors="ignore"), HAZARDS)
    writer.put_layer("hazards", gpd.GeoDataFrame(frame, geometry=points, crs=CGCS2000))
