"""``gridgis diff``: what changed in the grids between two versions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gridgis.cli.helpers import echo, format_table
from gridgis.cli.options import project_argument


@click.command(short_help="Compare the grids of two versions.")
@project_argument
@click.argument("before", type=click.IntRange(min=1))
@click.argument("after", type=click.IntRange(min=1))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--all", "show_all", is_flag=True, help="Also list unchanged grids in the table.")
def diff(project: Path, before: int, after: int, output_format: str, show_all: bool) -> None:
    """List every grid of PROJECT.gpkg as new, split, merged, changed, retired or unchanged.

    Areas are in km², measured in a Gauss-Krueger zone. csv and json list
    every grid, unchanged ones included.
    """
    import gridgis
    from gridgis.render.labels import STATUS_LABELS

    changes = gridgis.open(project).diff(before, after)
    if output_format == "csv":
        from gridgis.io.safety import neutralise_formulas

        # Grid names come from the county's files: keep them text in Excel.
        click.echo(neutralise_formulas(changes).to_csv(index=False), nl=False)
        return
    if output_format == "json":
        records = json.loads(changes.to_json(orient="records", force_ascii=False))
        click.echo(json.dumps(records, ensure_ascii=False, sort_keys=True, indent=1))
        return
    counts = changes["status"].value_counts()
    echo(
        f"version {before} → {after}: "
        + ", ".join(
            f"{STATUS_LABELS[s]} {s} {int(counts[s])}" for s in STATUS_LABELS if s in counts
        )
    )
    shown = changes if show_all else changes[changes["status"] != "unchanged"]
    rows = [
        [
            c.grid_code,
            f"{STATUS_LABELS[c.status]} {c.status}",
            c.name,
            _km2(c.area_before_km2),
            _km2(c.area_after_km2),
            c.predecessors,
            c.successors,
        ]
        for c in shown.itertuples()
    ]
    if rows:
        click.echo(
            format_table(
                rows,
                [
                    "grid_code",
                    "status",
                    "name",
                    "km² before",
                    "km² after",
                    "predecessors",
                    "successors",
                ],
            )
        )


def _km2(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.3f}"
