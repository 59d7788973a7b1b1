"""``gridgis demo``: the whole flow on the bundled demo county (贺兰县).

Each step runs the real command. By default the demo prints one line per step
and where its files are; ``-v`` prints every command's full report as well.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import click

from gridgis.cli.helpers import BRIEF, QUIET, echo

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
    The project file is rewritten on every run. The supervision map goes to
    maps/demo.html beside OUTDIR (maps/ of the current folder by default).
    It prints one line per step; run 'gridgis -v demo' to see each
    command's full report.
    """
    from gridgis.cli.assign import assign
    from gridgis.cli.check import check
    from gridgis.cli.divide import divide
    from gridgis.cli.enterprises import import_ as import_ledger
    from gridgis.cli.export import export
    from gridgis.cli.init import init
    from gridgis.cli.report import report
    from gridgis.cli.staff import import_ as import_staff
    from gridgis.errors import InputDataError
    from gridgis.io.store import open_project
    from gridgis.paths import DATA_DIR, DEMO_DIR
    from gridgis.project.diff import diff_versions
    from gridgis.render.labels import REPORT_SHEETS

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
    files = {
        "project": project,
        "check": outdir / "check_issues.gpkg",
        "quality": outdir / "quality.xlsx",
        "grids": outdir / "grids.gpkg",
        "assignments": outdir / "assignments.csv",
    }
    verbose = ctx.meta.get("gridgis.verbose", 0) > 0
    if not verbose:
        # Each step is summed up in one line; the commands' notes (a ledger
        # without a coordinate-system column, …) stay behind -v too.
        ctx.meta[BRIEF] = True
        logging.getLogger("gridgis").setLevel(logging.WARNING)
    quiet = bool(ctx.meta.get(QUIET))

    def step(number: int, name: str, line: str) -> None:
        if verbose:
            echo(f"== {number}. {name}: {line}\n")
        elif not quiet:
            echo(f"{number:>2}. {name:<9} {line}")

    if not quiet:
        echo(
            "贺兰县 (640122): the real outline, with fictional townships, villages, "
            f"enterprises and staff; writing to {outdir}/"
        )
    built = ctx.invoke(
        init, project=project, admin_file=villages, more_admin=(townships, county), overwrite=True
    )
    counts = built.level_counts()
    step(
        1,
        "init",
        f"{counts['county']} county, {counts['township']} townships, "
        f"{counts['village']} villages (a GBK shapefile without .cpg)",
    )
    step(2, "check", _check_line(ctx, check, project, files["check"]))
    divided = ctx.invoke(
        divide, project=project, by="households", max_load=MAX_HOUSEHOLDS, barriers=barriers
    )
    quality = divided.division.report
    step(
        3,
        "divide",
        f"{len(quality)} villages → {len(divided.division.grids)} base grids of ≤ "
        f"{MAX_HOUSEHOLDS} households along roads and canals; largest load "
        f"{quality['max_load_ratio'].max():.2f} × limit; "
        f"{int(quality['coverage_ok'].sum())} of {len(quality)} villages tiled exactly",
    )
    before = open_project(project).current_version
    redivided = ctx.invoke(
        divide,
        project=project,
        villages=(REDIVIDED_VILLAGE,),
        by="households",
        max_load=MAX_HOUSEHOLDS * 2 // 3,
        barriers=barriers,
    )
    after = open_project(project).current_version
    changes = diff_versions(project, before, after)
    changed = changes[changes["status"] != "unchanged"]["status"].value_counts()
    step(
        4,
        "re-divide",
        f"village {REDIVIDED_VILLAGE} at ≤ {MAX_HOUSEHOLDS * 2 // 3} households: codes "
        f"{len(redivided.kept)} kept, {len(redivided.issued)} issued, "
        f"{len(redivided.retired)} retired; grids "
        + ", ".join(f"{count} {status}" for status, count in changed.items())
        + f" (gridgis diff {project} {before} {after})",
    )
    imported = ctx.invoke(import_ledger, project=project, ledger=ledger)
    step(
        5,
        "ledger",
        f"{imported.rows} enterprises from {ledger.name}; "
        f"{int(imported.problems.sum()) if len(imported.problems) else 0} problems flagged, "
        "none dropped",
    )
    people = ctx.invoke(import_staff, project=project, roster=roster)
    step(
        6,
        "staff",
        f"{people.people} people, {people.roles.get('网格员', 0)} 网格员; "
        f"{people.grids_with_member} of {people.base_grids} base grids have a 网格员",
    )
    assigned = ctx.invoke(assign, project=project)
    step(7, "assign", assigned.conservation)
    sheets = ctx.invoke(report, project=project, output=files["quality"], overwrite=True)
    summary = sheets[REPORT_SHEETS["summary"]]
    problems = summary[summary["rows"] > 0]
    step(
        8,
        "report",
        f"{int(problems['rows'].sum())} ledger rows to fix at source, on {len(problems)} sheets: "
        + ", ".join(
            f"{sheet} {rows}"
            for sheet, rows in zip(problems["sheet"], problems["rows"], strict=True)
        ),
    )
    ctx.invoke(export, project=project, layer="grids", output=files["grids"], overwrite=True)
    ctx.invoke(
        export,
        project=project,
        layer="assignments",
        output=files["assignments"],
        overwrite=True,
    )
    step(9, "export", "grids for QGIS, assignments for Excel")
    from gridgis.cli.demo_documents import run_document_steps

    documents = run_document_steps(ctx, project, outdir, REDIVIDED_VILLAGE, barriers)
    for number, (name, line) in enumerate(documents.lines, start=10):
        step(number, name, line)
    from gridgis.cli.demo_filing import run_filing_steps

    filed = run_filing_steps(ctx, project, outdir, barriers)
    for number, (name, line) in enumerate(filed.lines, start=10 + len(documents.lines)):
        step(number, name, line)
    from gridgis.cli.demo_hazards import run_hazard_steps

    hazard_steps = run_hazard_steps(ctx, project, outdir)
    done = 10 + len(documents.lines) + len(filed.lines)
    for number, (name, line) in enumerate(hazard_steps.lines, start=done):
        step(number, name, line)
    supervision_map = _map_step(ctx, project, outdir)
    step(done + len(hazard_steps.lines), "map", supervision_map.line)
    if quiet:
        return
    echo("")
    for label, path in (
        ("project, open in QGIS", files["project"]),
        ("problems found by check", files["check"]),
        ("data-quality workbook", files["quality"]),
        ("grids", files["grids"]),
        ("assignments", files["assignments"]),
        *documents.files,
        *filed.files,
        *hazard_steps.files,
        ("supervision map (HTML)", supervision_map.path),
    ):
        echo(f"  {label:<24} {path}")
    if not verbose:
        echo("Each step's full report: gridgis -v demo")


@dataclass(frozen=True)
class _MapStep:
    path: Path
    line: str


def _map_step(ctx: click.Context, project: Path, outdir: Path) -> _MapStep:
    """Write the supervision diagram to ``maps/demo.html`` beside OUTDIR."""
    from gridgis.cli.map import map_

    path = outdir.parent / "maps" / "demo.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    drawn = ctx.invoke(map_, project=project, output=path, overwrite=True)
    return _MapStep(
        path,
        f"{path}: {drawn.grids} base grids, {drawn.enterprises} units "
        f"({drawn.unassigned} unassigned), {drawn.bytes / 2**20:.2f} MiB, opens offline",
    )


def _check_line(ctx: click.Context, check: click.Command, project: Path, output: Path) -> str:
    """Run ``check``, whose exit code 1 only means "problems found", and sum it up."""
    try:
        result = ctx.invoke(check, project=project, output=output, overwrite=True)
    except click.exceptions.Exit as exit_:
        if exit_.exit_code not in (0, 1):
            raise
        from gridgis.io.store import open_project

        issues = open_project(project).read_layer("check_issues")
        return f"{len(issues)} problems in the boundaries (see {output})"
    checked = ", ".join(result.summary["label"].str.split(" ").str[-1])
    return f"clean ({checked})"
