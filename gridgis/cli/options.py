"""Shared click options and parameter types."""

from __future__ import annotations

from pathlib import Path

import click

project_argument = click.argument(
    "project", type=click.Path(dir_okay=False, path_type=Path), metavar="PROJECT.gpkg"
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an existing output file."
)


def positive_float(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Accept only numbers above zero."""
    if value is not None and value <= 0:
        raise click.BadParameter(f"must be greater than 0, not {value:g}")
    return value
