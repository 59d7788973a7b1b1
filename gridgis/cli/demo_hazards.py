"""The hazard step of ``gridgis demo``: reports imported and routed, feedback applied, counted.

It runs the real commands (``hazards import``, ``hazards update``, ``hazards
list``) on the demo project with the demo's reports and feedback
(``data/demo/hazards.xlsx``, ``data/demo/hazard_feedback.csv``, made by
``scripts/demo_hazards.py``), judged on the demo's own day, 2024-06-30, so the
summary it prints does not change with the clock. The workbook of the summary,
the reports and their record goes to ``OUTDIR/hazards.xlsx``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import click

#: The demo's "today": the reports are of June 2024.
DEMO_TODAY = dt.date(2024, 6, 30)


@dataclass
class DemoHazards:
    """What the hazard step did: its summary line, and the workbook."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, Path]] = field(default_factory=list)


def run_hazard_steps(ctx: click.Context, project: Path, outdir: Path) -> DemoHazards:
    """Import the demo's hazard reports, apply its feedback, and count where they stand.

    Parameters
    ----------
    ctx : click.Context
        The demo's context (the commands run inside it).
    project : Path
        The assigned demo project, with its roster.
    outdir : Path
        The demo's output folder.

    Returns
    -------
    DemoHazards
    """
    from gridgis.cli.hazards import import_, list_, update
    from gridgis.errors import InputDataError
    from gridgis.paths import DEMO_DIR

    reports = DEMO_DIR / "hazards.xlsx"
    feedback = DEMO_DIR / "hazard_feedback.csv"
    for required in (reports, feedback):
        if not required.exists():
            raise InputDataError(f"demo data missing: {required}; run scripts/make_demo.py")
    done = DemoHazards()
    workbook = outdir / "hazards.xlsx"
    imported = ctx.invoke(import_, project=project, reports=reports, today=DEMO_TODAY)
    updated = ctx.invoke(update, project=project, feedback=feedback, today=DEMO_TODAY)
    listed = ctx.invoke(list_, project=project, output=workbook, today=DEMO_TODAY, overwrite=True)
    county = listed.summary.iloc[-1]
    overdue = listed.summary[
        (listed.summary["scope"] != county["scope"]) & (listed.summary["overdue"] > 0)
    ]
    worst = overdue.sort_values("overdue", ascending=False, kind="stable").head(2)
    done.lines.append(
        (
            "hazards",
            f"{imported.imported} reports routed ({imported.closed_on_spot} closed on the spot, "
            f"{sum(imported.to_departments.values())} to departments), "
            f"{updated.rows} changes fed back ({updated.reopened} reopened with a reason); "
            f"on {DEMO_TODAY}: {county['open']} open, {county['overdue']} overdue, "
            f"{county['closed_on_time']} closed on time, {county['closed_late']} closed late"
            + (
                " (most overdue: "
                + ", ".join(f"{row.unit} {row.overdue}" for row in worst.itertuples())
                + ")"
                if len(worst)
                else ""
            ),
        )
    )
    done.files.append(("hazard reports (XLSX)", workbook))
    return done
