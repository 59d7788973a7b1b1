"""Plain-text layout helpers shared by tables on the terminal and in Excel."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Return the columns a string takes on screen: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
