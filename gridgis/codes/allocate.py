"""Allocating new grid codes: sequence numbers never issued, numbered in reading order.

Codes are never reused (docs/design.md, "Grid code scheme"): a new grid gets
the smallest sequence numbers its village (or, for a sector grid, its
department in the county or township) never had, retired ones included, and
a village's new grids take them in reading order, west to east, then north
to south. :mod:`gridgis.codes.registry` keeps the record of every number ever
issued and calls these functions.

Choices a maintainer must know:

* :func:`next_sequences` trusts its caller to pass every number ever issued;
  it has no memory of its own.
* :func:`reading_order` forms rows with a tolerance, since irregular grids do
  not line up: half the typical grid height, by default the median
  nearest-neighbour distance. Ties are broken by input order, so the
  numbering is deterministic.
* Only numpy is needed here, so reading and checking codes stays light.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt

from gridgis.codes.scheme import CodeScheme, default_scheme, format_span
from gridgis.errors import CodeError

logger = logging.getLogger(__name__)

__all__ = ["next_sequences", "reading_order"]


def next_sequences(
    used: Iterable[int],
    n: int,
    scheme: CodeScheme | None = None,
    *,
    kind: Literal["base", "sector"] = "base",
) -> list[int]:
    """Return the ``n`` smallest sequence numbers never used in one village.

    Codes are never reused (docs/design.md, "Grid code scheme"): pass every
    sequence ever issued in the village (or, for sector grids, the
    department's county or township), retired ones included, and the numbers
    returned are new.

    Parameters
    ----------
    used : iterable of int
        Sequence numbers already issued, current and retired.
    n : int
        How many new numbers are needed.
    scheme : CodeScheme, optional
        Default: :func:`default_scheme`.
    kind : {'base', 'sector'}, optional
        Which range to draw from.

    Returns
    -------
    list of int
        Ascending, each in the scheme's range for ``kind``.

    Raises
    ------
    CodeError
        If the range has fewer than ``n`` numbers left.
    ValueError
        If ``n`` is negative or ``kind`` unknown.

    Examples
    --------
    >>> next_sequences({1, 2, 4}, 3)
    [3, 5, 6]
    """
    scheme = scheme or default_scheme()
    if n < 0:
        raise ValueError(f"n must not be negative, not {n}")
    if kind not in ("base", "sector"):
        raise ValueError(f"kind must be 'base' or 'sector', not {kind!r}")
    allowed = scheme.base_sequences if kind == "base" else scheme.sector_sequences
    candidates = np.arange(allowed.start, allowed.stop, dtype=np.int64)
    issued = np.fromiter((int(value) for value in used), dtype=np.int64)
    free = candidates[~np.isin(candidates, issued)]
    if free.size < n:
        width = scheme.segment("sequence").length
        raise CodeError(
            f"sequence range exhausted: {n} new {kind} grid code(s) needed, but only "
            f"{free.size} of {format_span(allowed.start, allowed[-1], width)} were never issued "
            "(codes are never reused)"
        )
    return [int(value) for value in free[:n]]


def reading_order(
    xs: npt.ArrayLike, ys: npt.ArrayLike, *, band_height: float | None = None
) -> npt.NDArray[np.intp]:
    """Return the order in which to number grids: west to east, then north to south.

    Grids are read like a page of text (docs/design.md, "Grid code scheme":
    "numbered west→east, then north→south", Beijing's rule for unit grids).
    Irregular grids do not line up in exact rows, so rows are formed with a
    tolerance:

    1. the northernmost point not yet in a row starts a new row;
    2. every remaining point less than ``band_height / 2`` south of it joins
       that row;
    3. rows are taken north to south, and points within a row west to east
       (ties: north first, then input order).

    Parameters
    ----------
    xs, ys : array_like
        Eastings and northings of one representative point per grid (for
        example ``grids.representative_point()``), best in a projected CRS.
    band_height : float, optional
        Typical north-south size of a grid, in the coordinates' units. Pass
        ``sqrt(median grid area)`` when the polygons are at hand. Default: the
        median distance from each point to its nearest neighbour, which is the
        grid spacing for grids of about equal size.

    Returns
    -------
    numpy.ndarray of intp
        Indices into ``xs``/``ys``: the grid at ``order[k]`` gets the k-th
        sequence number.

    Raises
    ------
    ValueError
        If the arrays differ in shape, are not one-dimensional, or hold
        non-finite values.

    Examples
    --------
    >>> reading_order([0, 1, 0, 1], [1, 1, 0, 0]).tolist()
    [0, 1, 2, 3]
    >>> reading_order([1.0, 0.0, 0.1], [10.0, 10.2, 9.0], band_height=1.0).tolist()
    [1, 0, 2]
    """
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"xs and ys must be 1-d arrays of one length, not {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("xs and ys must be finite")
    n = x.size
    if n == 0:
        return np.empty(0, dtype=np.intp)
    height = _typical_spacing(x, y) if band_height is None else float(band_height)
    if not np.isfinite(height) or height < 0:
        raise ValueError(f"band_height must be a finite non-negative number, not {band_height}")
    tolerance = height / 2

    north_first = np.lexsort((np.arange(n), x, -y))
    southing = -y[north_first]  # ascending
    row_sorted = np.empty(n, dtype=np.intp)
    start = 0
    row = 0
    # One pass per row (a few dozen per village), each a vectorised search.
    while start < n:
        stop = int(np.searchsorted(southing, southing[start] + tolerance, side="right"))
        row_sorted[start:stop] = row
        row += 1
        start = stop
    rows = np.empty(n, dtype=np.intp)
    rows[north_first] = row_sorted
    return np.lexsort((np.arange(n), -y, x, rows)).astype(np.intp)


def _typical_spacing(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Median nearest-neighbour distance, ignoring coincident points."""
    n = x.size
    if n < 2:
        return 0.0
    points = np.column_stack((x, y))
    nearest = np.empty(n)
    # Blocks of rows bound the pairwise matrix to about 2 million entries, so
    # even a county's worth of points stays within tens of megabytes.
    block = max(1, 2_000_000 // n)
    for start in range(0, n, block):
        chunk = points[start : start + block]
        squared = ((chunk[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1)
        squared[squared == 0] = np.inf  # self and coincident points
        nearest[start : start + block] = np.sqrt(squared.min(axis=1))
    finite = nearest[np.isfinite(nearest)]
    return float(np.median(finite)) if finite.size else 0.0
