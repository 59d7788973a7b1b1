"""How long-running library functions report progress without touching the terminal.

A library function that loops over many units accepts ``progress``: a callable
that wraps an iterable and yields the same items, like ``tqdm``. The CLI passes
one that draws a bar on stderr; library users pass nothing and get silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    """Wrap an iterable, reporting progress as it is consumed."""

    def __call__(
        self, items: Iterable[T], *, total: int | None = None, label: str = ""
    ) -> Iterator[T]:
        """Yield ``items`` unchanged while reporting."""
        ...


def silent(items: Iterable[T], *, total: int | None = None, label: str = "") -> Iterator[T]:
    """Report nothing; the default for library callers."""
    yield from items
