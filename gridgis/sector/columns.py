"""Column helpers shared by the sector steps: required columns, text, numbers in reasons.

The sector steps (:mod:`~gridgis.sector.flags`, :mod:`~gridgis.sector.capacity`,
:mod:`~gridgis.sector.grids`) work on ledgers of up to millions of rows, and
explain every decision in a Chinese reason. These helpers keep both cheap and
consistent:

* :func:`by_code` looks a value up once per *distinct* value (a county has a
  few dozen sectors and four risk levels) and spreads the results over the
  rows by ``pd.factorize`` code;
* :func:`number_text` / :func:`numbers_text` write numbers in reasons as
  people do (no trailing zeros, at most two decimals, ``未知`` when missing);
* :func:`clean_text` turns blank cells into missing values;
* :func:`require_columns` names every missing column in one
  :class:`~gridgis.errors.InputDataError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from gridgis.errors import InputDataError

logger = logging.getLogger(__name__)

__all__ = ["by_code", "clean_text", "number_text", "numbers_text", "require_columns"]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise if a frame lacks a column.

    Parameters
    ----------
    frame : DataFrame
        The input.
    columns : iterable of str
        The columns needed (repeats are ignored).
    what : str
        What cannot be done without them, such as ``"match capacity"``.

    Raises
    ------
    InputDataError
        "cannot <what>: missing column(s) …", with the columns the frame has.
    """
    missing = [column for column in dict.fromkeys(columns) if column not in frame.columns]
    if missing:
        raise InputDataError(
            f"cannot {what}: missing column(s) {', '.join(missing)} "
            f"(have: {', '.join(map(str, frame.columns))})"
        )


def clean_text(values: pd.Series) -> pd.Series:
    """Return the values as stripped text; empty text becomes missing."""
    text = values.astype("str").str.strip()
    return text.where(text != "")


def by_code(codes: np.ndarray, per_value: list[Any], missing: Any) -> np.ndarray:
    """Give each row the result of its distinct value, by ``pd.factorize`` code.

    Rules look a value up once per distinct value (a county has a few dozen
    sectors and four risk levels, over millions of rows); code -1, a missing
    value, gets ``missing``.

    Examples
    --------
    >>> codes, values = pd.factorize(pd.Series(["b", None, "a", "b"]))
    >>> by_code(codes, [value.upper() for value in values], "?").tolist()
    ['B', '?', 'A', 'B']
    """
    return np.array([*per_value, missing])[codes]


def number_text(value: Any) -> str:
    """Write a number as people do: no trailing zeros, at most two decimals.

    Examples
    --------
    >>> number_text(40000.0), number_text(0.125), number_text(None)
    ('40000', '0.12', '未知')
    """
    if value is None or pd.isna(value):
        return "未知"
    return str(np.format_float_positional(float(value), precision=2, trim="-"))


def numbers_text(values: pd.Series) -> pd.Series:
    """:func:`number_text` for a column, formatting each distinct value once."""
    distinct = pd.unique(values.to_numpy(dtype="float64", na_value=np.nan))
    texts = {value: number_text(value) for value in distinct if value == value}
    return values.map(texts).fillna("未知").astype(object)
