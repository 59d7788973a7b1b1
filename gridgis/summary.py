"""Reports that read well in a terminal and in a notebook.

A use case returns a report object (what it read, changed and found). Each
report says what matters in a few lines through :meth:`Summarised.lines`;
this mixin turns that into ``repr()`` for the terminal and ``_repr_html_`` for
Jupyter, so an analyst sees "3000 enterprises, 58 problems" rather than the
dump of every DataFrame the report holds.
"""

from __future__ import annotations

import html
from collections.abc import Sequence


class Summarised:
    """Mixin: a report's one-line title and (label, value) lines, printed well."""

    def lines(self) -> Sequence[tuple[str, object]]:
        """Return the report's lines: (label, value) pairs, most important first."""
        raise NotImplementedError

    def __repr__(self) -> str:
        text = [type(self).__name__]
        text += [f"  {label}: {value}" for label, value in self.lines()]
        return "\n".join(text)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(label))}</th>"
            f"<td style='text-align:left'>{html.escape(str(value))}</td></tr>"
            for label, value in self.lines()
        )
        return f"<b>{html.escape(type(self).__name__)}</b><table>{rows}</table>"
