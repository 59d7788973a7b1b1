"""Folding text typed by hand, so that spellings of one name compare equal.

Headers, village and township names, roles, coordinate-system names and codes
reach gridgis typed by many hands: full-width letters and digits (ＡＢ１２),
ideographic spaces, ``所属乡/镇/街道`` beside ``所属乡镇街道``, units in
brackets (``营业收入（万元）``). :func:`fold` is the one way they are made
comparable: Unicode NFKC (full-width forms become ASCII), case folding, and
the removal of whitespace, of the separators a caller names and, on request,
of bracketed parts. Each caller says what it drops; the folding itself is
written once.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

#: Bracketed parts, half- and full-width (NFKC turns （） into ()): units and notes.
BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")


@functools.lru_cache(maxsize=16)
def _drop_pattern(characters: str) -> re.Pattern[str]:
    # A character class, not str.translate: translate looks every character
    # of non-ASCII text up one by one and is several times slower on Chinese.
    return re.compile(f"[{re.escape(characters)}]+")


def is_missing(value: object) -> bool:
    """Say whether a cell is missing: None, NaN or pandas' NA."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ == "NAType"


def fold(
    text: object,
    *,
    drop: str = "",
    brackets: bool = False,
    casefold: bool = True,
    whitespace: bool = True,
) -> str:
    """Return ``text`` in the form it is compared in.

    Parameters
    ----------
    text : object
        A cell, a header or a name; missing values (None, NaN, NA) give ``""``.
    drop : str
        Further characters to remove, such as ``"/、-_."``.
    brackets : bool
        Remove bracketed parts (after NFKC, so full-width brackets count too).
    casefold : bool
        Compare letters without case.
    whitespace : bool
        Remove all whitespace, ideographic spaces included.

    Returns
    -------
    str

    Examples
    --------
    >>> fold("所属乡／镇／街道", drop="/")
    '所属乡镇街道'
    >>> fold("营业收入（万元）", brackets=True)
    '营业收入'
    >>> fold(" ＧＣＪ－02 ", drop="-")
    'gcj02'
    """
    if is_missing(text):
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    if brackets:
        folded = BRACKETED.sub("", folded)
    if casefold:
        folded = folded.casefold()
    if whitespace:
        folded = "".join(folded.split())
    if drop:
        folded = _drop_pattern(drop).sub("", folded)
    return folded
