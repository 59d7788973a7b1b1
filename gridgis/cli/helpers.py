"""Helpers shared by the CLI commands: reports, progress bars and tables.

Commands print their reports through :func:`say`, which ``-q`` silences
(so ``gridgis -q …`` prints only warnings and errors), and ``gridgis demo``
turns into one summary line per step. Data a user asked for on stdout (CSV or
JSON) is printed with ``click.echo`` directly, whatever ``-q`` says.

:func:`say`, :func:`warn` and :func:`echo` print in the user's language
(:func:`gridgis.cli.i18n.translate_message`); tables and data pass unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from gridgis.cli.i18n import translate_message
from gridgis.render.text import display_width

T = TypeVar("T")

#: ``ctx.meta`` key: ``-q`` was given (no reports, no progress bars).
QUIET = "gridgis.quiet"
#: ``ctx.meta`` key: commands are steps of ``gridgis demo``, which sums them up itself.
BRIEF = "gridgis.brief"


def _meta(key: str) -> bool:
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.meta.get(key))


def say(message: str = "") -> None:
    """Print a line of a command's report on stdout, unless ``-q`` or the demo hides it."""
    if not (_meta(QUIET) or _meta(BRIEF)):
        click.echo(translate_message(message))


def warn(message: str) -> None:
    """Print a warning on stderr; ``-q`` keeps warnings."""
    click.echo(translate_message(message), err=True)


def echo(message: str = "", *, err: bool = False) -> None:
    """Print a line in the user's language whatever ``-q`` says (the demo's summary lines)."""
    click.echo(translate_message(message), err=err)


def progress_bar(items: Iterable[T], *, total: int | None = None, label: str = "") -> Iterator[T]:
    """Draw a progress bar on stderr while ``items`` is consumed.

    Matches :class:`gridgis.progress.Progress`. Only on a terminal: click
    draws no bar when stderr is redirected, and then this prints nothing
    either, so logs and CI output stay clean. ``-q`` hides it everywhere.
    """
    if _meta(QUIET) or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


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
