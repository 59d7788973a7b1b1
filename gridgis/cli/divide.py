"""``gridgis divide``: divide villages into balanced, compact, coded base grids."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from gridgis.divide.api import LoadKind
    from gridgis.project.divide import DivideReport

from gridgis.cli.helpers import command_line, format_table, progress_bar, say
from gridgis.cli.options import admin_codes, positive_float, project_argument


@click.command(short_help="Divide villages into balanced, coded base grids.")
@project_argument
@click.option(
    "--village",
    "villages",
    multiple=True,
    callback=admin_codes("village"),
    metavar="CODE",
    help="Village to divide (repeat, or separate with commas). Default: all.",
)
@click.option(
    "--township",
    "townships",
    multiple=True,
    callback=admin_codes("township"),
    metavar="CODE",
    help="Divide every village of this township (repeatable).",
)
@click.option(
    "--by",
    type=click.Choice(["enterprises", "households", "area"]),
    required=True,
    help="What a grid's load is: enterprises, households or area (km²).",
)
@click.option(
    "--max-load",
    type=float,
    required=True,
    callback=positive_float,
    help="The largest load one grid may carry.",
)
@click.option(
    "--barriers",
    "barriers",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Roads, rivers or railways that grid edges should follow (repeatable).",
)
@click.option(
    "--load-points",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Points carrying the load (default: the project's located enterprises).",
)
@click.option("--weight-field", help="Weight column of --load-points (default: 1 each).")
@click.option(
    "--buildings",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Building points or footprints to spread households over.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="The same input and seed give the same grids.",
)
def divide(
    project: Path,
    villages: tuple[str, ...],
    townships: tuple[str, ...],
    by: LoadKind,
    max_load: float,
    barriers: tuple[Path, ...],
    load_points: Path | None,
    weight_field: str | None,
    buildings: Path | None,
    seed: int,
) -> DivideReport:
    """Divide villages of PROJECT.gpkg into base grids and give them codes.

    Grids tile each village exactly, are single polygons, keep every load at
    or under --max-load (an indivisible unit over it is reported), and follow
    --barriers. Villages not selected keep their grids and codes exactly; in a
    re-divided village, grids whose footprint is essentially unchanged keep
    their codes.

    \b
    Example:
      gridgis divide helan.gpkg --by households --max-load 300 \\
          --barriers roads.geojson --barriers rivers.geojson
    """
    import gridgis

    report = gridgis.open(project).divide(
        by=by,
        max_load=max_load,
        command=command_line(),
        villages=villages,
        townships=townships,
        barriers=barriers,
        load_points=load_points,
        weight_field=weight_field,
        buildings=buildings,
        seed=seed,
        progress=progress_bar,
    )
    for note in report.notes:
        say(f"note: {note}")
    quality = report.division.report
    rows = [
        [
            r.village_code,
            r.grids,
            f"{r.max_load_ratio:.2f}",
            f"{r.pp_median:.3f}",
            f"{r.pp_min:.3f}",
            "ok" if r.coverage_ok else "NO",
            f"{r.seconds:.2f}",
            r.split_blocks or "",
        ]
        for r in quality.itertuples()
    ]
    say(
        format_table(
            rows,
            [
                "village",
                "grids",
                "max load/limit",
                "PP median",
                "PP min",
                "coverage",
                "seconds",
                "split blocks",
            ],
        )
    )
    grids = report.division.grids
    say(
        f"{len(quality)} villages → {len(grids)} base grids; largest load "
        f"{quality['max_load_ratio'].max():.2f} × limit; Polsby–Popper median "
        f"{grids['polsby_popper'].median():.3f}, min {grids['polsby_popper'].min():.3f}"
    )
    oversized = report.division.oversized_units
    if len(oversized):
        say(f"{len(oversized)} blocks or units alone exceed the limit:")
        say(
            format_table(
                [
                    [o.village_code, o.kind, f"{o.load:.1f}", o.action]
                    for o in oversized.itertuples()
                ],
                ["village", "kind", "load", "action"],
            )
        )
    say(
        f"codes: {len(report.kept)} kept, {len(report.issued)} issued, "
        f"{len(report.retired)} retired; version {report.version}"
    )
    return report
