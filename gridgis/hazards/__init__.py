"""Hazard reports (隐患上报): Appendix B's work loop, from the report to the record.

Pure steps, one module per job; the project store and the CLI call them
(:mod:`gridgis.project.hazards`, ``gridgis hazards``):

* :mod:`~gridgis.hazards.settings`: :func:`load_hazard_settings` reads
  ``data/hazards.toml``: time limits per level, the departments of categories;
* :mod:`~gridgis.hazards.routing`: :func:`route_reports` sends each report to
  its grid, that grid's people and a department, with a time limit;
* :mod:`~gridgis.hazards.states`: the states of a report, :func:`apply_feedback`
  (the state machine) and :func:`outcomes` (open, overdue, closed on time or late);
* :mod:`~gridgis.hazards.summary`: :func:`summarise` per township and department.

Import from ``gridgis.hazards``; the names below are its public API.
"""

from __future__ import annotations

from gridgis.hazards.routing import REPORT_COLUMNS, RoutedReports, route_reports
from gridgis.hazards.settings import (
    DEFAULT_HAZARDS_PATH,
    LEVELS,
    HazardSettings,
    load_hazard_settings,
)
from gridgis.hazards.states import (
    CLOSED,
    EVENT_COLUMNS,
    OUTCOMES,
    REGISTERED,
    STATE_RANKS,
    STATES,
    FeedbackResult,
    already_recorded,
    apply_feedback,
    canonical_level,
    canonical_status,
    dates_of,
    deadline_dates,
    outcomes,
    parse_dates,
)
from gridgis.hazards.summary import SUMMARY_COLUMNS, problems_message, summarise

__all__ = [
    "CLOSED",
    "DEFAULT_HAZARDS_PATH",
    "EVENT_COLUMNS",
    "LEVELS",
    "OUTCOMES",
    "REGISTERED",
    "REPORT_COLUMNS",
    "STATES",
    "STATE_RANKS",
    "SUMMARY_COLUMNS",
    "FeedbackResult",
    "HazardSettings",
    "RoutedReports",
    "already_recorded",
    "apply_feedback",
    "canonical_level",
    "canonical_status",
    "dates_of",
    "deadline_dates",
    "load_hazard_settings",
    "outcomes",
    "parse_dates",
    "problems_message",
    "route_reports",
    "summarise",
]
