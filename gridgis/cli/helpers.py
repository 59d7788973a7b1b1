"""Helpers shared by the CLI commands: error reporting and progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from gridgis.render.text import display_width

T = TypeVar("T")


def progress_bar(items: Iterable[T], *, total: int | None = None, label: str = "") -> Iterator[T]:
    """Draw a progress bar on stderr while ``items`` is consumed.

    Matches :class:`gridgis.progress.Progress`. click hides the bar when stderr
    is not a terminal, so logs and CI output stay clean; ``--quiet`` hides it
    (and its label) everywhere.
    """
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get("gridgis.quiet"):
        yield from items
        return
    with click.progressbar(items, length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


def echo_err(message: str) -> None:
    """Write one line to stderr."""
    click.echo(message, err=True)


def command_line() -> str:
    """Return the command line as typed, for the version log."""
    import shlex

    arguments = sys.argv[1:] if sys.argv and "gridgis" in Path(sys.argv[0]).name else []
    return " ".join(["gridgis", *(shlex.quote(arg) for arg in arguments)])


def format_table(rows: list[list[object]], headers: list[str]) -> str:
    """Lay rows out as an aligned plain-text table that keeps CJK text aligned."""
    cells = [[str(h) for h in headers]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            value + " " * (widths[i] - display_width(value)) for i, value in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])
