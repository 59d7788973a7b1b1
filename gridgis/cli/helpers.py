"""Helpers shared by the CLI commands: error reporting and progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")


def progress_bar(items: Iterable[T], *, total: int | None = None, label: str = "") -> Iterator[T]:
    """Draw a progress bar on stderr while ``items`` is consumed.

    Matches :class:`gridgis.progress.Progress`. click hides the bar when stderr
    is not a terminal, so logs and CI output stay clean.
    """
    with click.progressbar(
        items, length=total, label=label, file=sys.stderr, show_pos=True
    ) as bar:
        yield from bar


def echo_err(message: str) -> None:
    """Write one line to stderr."""
    click.echo(message, err=True)
