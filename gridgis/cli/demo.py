"""``gridgis demo``: the whole flow on the bundled demo county (贺兰县)."""

from __future__ import annotations

from pathlib import Path

import click

#: The village re-divided in the demo, as if its load had grown: 谢家井村.
REDIVIDED_VILLAGE = "640122101204"
MAX_HOUSEHOLDS = 300


@click.command(short_help="Run the whole flow on the bundled demo county.")
@click.argument("outdir", default="out", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo(ctx: click.Context, outdir: Path) -> None:
    """Run every step on the demo county and write the results to OUTDIR (default: out/).

    The demo county is 贺兰县 (640122): its real outline, with fictional
    townships, villages, enterprises and staff (see data/demo/README.md).
    The project file is rewritten on every run.
    """
    from gridgis.cli.assign import assign
    from gridgis.cli.check import check
    from gridgis.cli.diff import diff
    from gridgis.cli.divide import divide
    from gridgis.cli.enterprises import import_
    from gridgis.cli.export import export
    from gridgis.cli.helpers import command_line
    from gridgis.cli.init import init
    from gridgis.cli.report import report
    from gridgis.cli.staff import summary_line
    from gridgis.errors import InputDataError
    from gridgis.io.store import open_project
    from gridgis.paths import DATA_DIR, DEMO_DIR
    from gridgis.project import import_staff

    villages = DEMO_DIR / "villages_gbk" / "villages.shp"  # GBK text, no .cpg
    townships = DEMO_DIR / "townships.geojson"
    county = DATA_DIR / "helan_county.geojson"
    barriers = (DEMO_DIR / "roads.geojson", DEMO_DIR / "rivers.geojson")
    ledger = DEMO_DIR / "enterprises.xlsx"
    roster = DEMO_DIR / "staff.xlsx"
    for required in (villages, townships, county, *barriers, ledger, roster):
        if not required.exists():
            raise InputDataError(f"demo data missing: {required}; run scripts/make_demo.py")
    outdir.mkdir(parents=True, exist_ok=True)
    project = outdir / "helan.gpkg"

    _step("1. init: boundaries → project")
    ctx.invoke(init, project=project, admin_file=villages, more_admin=(townships, county),
               overwrite=True)
    _step("2. check: codes and topology")
    _invoke_allowing_problems(ctx, check, project=project, output=outdir / "check_issues.gpkg",
                              overwrite=True)
    _step(f"3. divide: every village by households (≤ {MAX_HOUSEHOLDS} per grid), "
          "along roads and canals")
    ctx.invoke(divide, project=project, by="households", max_load=MAX_HOUSEHOLDS,
               barriers=barriers)
    before = open_project(project).current_version
    _step(f"4. re-divide one village ({REDIVIDED_VILLAGE}) as if its load had grown")
    ctx.invoke(divide, project=project, villages=(REDIVIDED_VILLAGE,), by="households",
               max_load=MAX_HOUSEHOLDS * 2 // 3, barriers=barriers)
    after = open_project(project).current_version
    _step(f"5. diff: what the re-division changed (version {before} → {after})")
    ctx.invoke(diff, project=project, before=before, after=after)
    _step("6. enterprises import: the demo ledger (Appendix A layout, GCJ-02/BD-09 rows)")
    ctx.invoke(import_, project=project, ledger=ledger)
    _step("7. staff import: the roster (a village's 网格员 shared by its grids)")
    staff_report = import_staff(project, roster, command=command_line())
    click.echo(summary_line(staff_report))
    _step("8. assign: every enterprise to one grid (capacity from the roster)")
    ctx.invoke(assign, project=project)
    _step("9. outputs")
    ctx.invoke(report, project=project, output=outdir / "quality.xlsx", overwrite=True)
    ctx.invoke(export, project=project, layer="grids", output=outdir / "grids.gpkg",
               overwrite=True)
    ctx.invoke(export, project=project, layer="assignments", output=outdir / "assignments.csv",
               overwrite=True)
    _step("done")
    click.echo(f"project (open in QGIS): {project}")
    click.echo(f"grids: {outdir / 'grids.gpkg'}; assignments: {outdir / 'assignments.csv'}; "
               f"data quality: {outdir / 'quality.xlsx'}")


def _step(title: str) -> None:
    click.echo("")
    click.echo(f"== {title}")


def _invoke_allowing_problems(ctx: click.Context, command: click.Command, **params: object) -> None:
    """Run a command whose exit code 1 only means "problems found"."""
    try:
        ctx.invoke(command, **params)
    except click.exceptions.Exit as exit_:
        if exit_.exit_code not in (0, 1):
            raise
