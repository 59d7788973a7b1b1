"""Compact, deterministic JSON for map layers: quantised delta-coded shapes, dictionary columns.

An HTML map carries its data inline, so the data's size is the page's size.
Four encodings keep it small without losing anything a planner can see:

- **Coordinates are quantised** to 1e-5 degree (1.1 m north-south, 0.87 m
  east-west at 38.5°N; about what a screen shows at zoom 17) and stored as
  differences from the previous point. A ring's closing point (Leaflet closes
  rings itself) and points that fall on the previous one are dropped.
- **Integers are written as text**, five bits to a character with a sixth
  saying "more follows" (the variable-length code of Google's polyline
  format, in the URL-safe base-64 alphabet, so nothing needs escaping): a
  typical coordinate step of a few hundred units takes two characters instead
  of four to six in a JSON list.
- **Outlines are not stored twice.** The village, township and county
  outlines run along grid edges, so they are written as runs along the grids'
  rings (:func:`outline_runs`): which ring, from which point, for how many
  segments.
- **Text columns with repeats are dictionary-encoded**: distinct values once,
  then an index per feature. A township's 挂点领导, a sector, a risk level or
  a rule's reason are written once, not once per grid or enterprise.

Nothing depends on dict order or float printing: integers only, in the
features' order. ``static/map.js`` decodes all four.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

#: Coordinates are written as integers in units of 1e-5 degree.
SCALE = 100_000
#: Metres per degree of latitude, to turn degree distances into metres.
METRES_PER_DEGREE = 111_320.0
#: The 64 characters of the integer code (RFC 4648's URL-safe base 64).
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CHARACTERS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
# The page decodes with double-precision arithmetic: stay well inside 2**53.
_LIMIT = 2**50


def quantise(coordinates: np.ndarray) -> np.ndarray:
    """Round lon/lat pairs (degrees) to integers in units of 1e-5 degree."""
    return np.rint(np.asarray(coordinates, dtype="float64") * SCALE).astype("int64")


def encode_ints(values: np.ndarray | list[int]) -> str:
    """Write integers as text: zig-zag, then five bits a character, low bits first.

    Each character carries five bits of the value and, in its sixth bit,
    whether another character follows. Small numbers (the usual coordinate
    step, a count) take one or two characters.

    Examples
    --------
    >>> encode_ints([0, 1, -1, 15, 16, 1000])
    'ACBegBw-B'
    >>> encode_ints([])
    ''
    """
    numbers = np.asarray(values, dtype="int64").ravel()
    if not len(numbers):
        return ""
    if np.abs(numbers).max() >= _LIMIT:
        raise ValueError("an integer is too large for the map's integer code")
    zigzag = ((numbers << 1) ^ (numbers >> 63)).astype("uint64")
    bits = np.zeros(len(zigzag), dtype="int64")
    rest = zigzag.copy()
    while rest.any():  # at most 11 rounds: one per five bits of the largest value
        bits += rest > 0
        rest >>= np.uint64(5)
    chunks = np.maximum(bits, 1)
    width = int(chunks.max())
    shifts = (np.arange(width, dtype="uint64") * np.uint64(5))[None, :]
    digits = ((zigzag[:, None] >> shifts) & np.uint64(31)).astype("uint8")
    position = np.arange(width)[None, :]
    more = position < (chunks[:, None] - 1)
    digits = digits | (more.astype("uint8") << 5)
    kept = position < chunks[:, None]
    return _CHARACTERS[digits[kept]].tobytes().decode("ascii")


@dataclass(frozen=True)
class Rings:
    """Polygons broken into rings of quantised points, as a page draws them.

    Attributes
    ----------
    parts : array of int
        Parts (polygons) per feature.
    rings : array of int
        Rings per part, the exterior first.
    counts : array of int
        Points per ring (without the closing point).
    points : array of int, shape (n, 2)
        Every ring's points, ring after ring, in units of 1e-5 degree.
    feature : array of int
        The feature each ring belongs to.
    """

    parts: np.ndarray
    rings: np.ndarray
    counts: np.ndarray
    points: np.ndarray
    feature: np.ndarray


def polygon_rings(geometries: np.ndarray) -> Rings:
    """Break polygons and multipolygons (lon/lat degrees) into quantised rings."""
    geometries = np.asarray(geometries, dtype=object)
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    points, point_owner = shapely.get_coordinates(rings, return_index=True)
    quantised = quantise(points)
    keep = np.ones(len(quantised), dtype=bool)
    if len(quantised):
        per_ring = np.bincount(point_owner, minlength=len(rings))
        keep[np.cumsum(per_ring)[per_ring > 0] - 1] = False  # the closing point
        repeated = np.zeros(len(quantised), dtype=bool)
        repeated[1:] = (quantised[1:] == quantised[:-1]).all(axis=1) & (
            point_owner[1:] == point_owner[:-1]
        )
        keep &= ~repeated
    return Rings(
        parts=np.bincount(part_owner, minlength=len(geometries)),
        rings=np.bincount(ring_owner, minlength=len(parts)),
        counts=np.bincount(point_owner[keep], minlength=len(rings)),
        points=quantised[keep].reshape(-1, 2),
        feature=part_owner[ring_owner] if len(rings) else np.empty(0, dtype="int64"),
    )


def encode_polygons(rings: Rings) -> dict[str, str]:
    """Encode rings as integer texts (:func:`encode_ints`).

    Returns
    -------
    dict
        ``n``: parts per feature; ``r``: rings per part; ``c``: points per
        ring; ``xy``: the points' x and y, each the difference from the
        previous point (the first one from 0).

    Examples
    --------
    >>> encoded = encode_polygons(polygon_rings(np.array([shapely.box(0, 0, 0.001, 0.001)])))
    >>> encoded["n"], encoded["c"]
    ('C', 'I')
    """
    return {
        "n": encode_ints(rings.parts),
        "r": encode_ints(rings.rings),
        "c": encode_ints(rings.counts),
        "xy": encode_ints(_deltas(rings.points)),
    }


def encode_points(x: np.ndarray, y: np.ndarray) -> str:
    """Encode points (lon/lat degrees) as delta-coded integers ``dx0 dy0 dx1 dy1 …``."""
    if not len(x):
        return ""
    return encode_ints(_deltas(quantise(np.column_stack([x, y]))))


def _deltas(quantised: np.ndarray) -> np.ndarray:
    if not len(quantised):
        return np.empty(0, dtype="int64")
    return np.diff(quantised, axis=0, prepend=np.zeros((1, 2), dtype="int64")).ravel()


def outline_runs(rings: Rings, groups: np.ndarray) -> np.ndarray:
    """Find the ring segments that outline groups of polygons, as runs along the rings.

    A segment of a ring is on an outline when no ring of the same group has
    it too: the edge between two grids of one village is not on the
    village's outline, the edge between two villages is, and so is the
    edge of the whole area. A segment two groups share is kept once (in the
    ring listed first), so dashed lines are drawn once. This needs the
    polygons to be a coverage whose neighbours have the same vertices along
    shared edges, as ``coverage_simplify`` keeps them.

    Parameters
    ----------
    rings : Rings
        The polygons, as :func:`polygon_rings` made them (possibly of several
        layers joined).
    groups : array
        The group of each feature (a village code, say); a missing value is
        a group of its own.

    Returns
    -------
    array of int, shape (n, 3)
        Per run: the ring, the point it starts at, and how many segments it
        takes; a run may pass the ring's end and go on from its start.
    """
    counts = rings.counts
    total = int(counts.sum())
    if not total:
        return np.empty((0, 3), dtype="int64")
    starts = np.cumsum(counts) - counts
    ring = np.repeat(np.arange(len(counts)), counts)
    following = np.arange(1, total + 1)
    last = starts + counts - 1
    following[last[counts > 0]] = starts[counts > 0]
    ends = np.hstack([rings.points, rings.points[following]])
    # One integer per end point (both coordinates fit in 26 bits each), the
    # lower end first, so a segment and its reverse get the same key.
    packed = (ends[:, [0, 2]] + 2**25) * 2**26 + (ends[:, [1, 3]] + 2**25)
    low, high = packed.min(axis=1), packed.max(axis=1)
    order = np.lexsort((high, low))  # stable: each key's first is its lowest segment
    change = np.ones(total, dtype=bool)
    change[1:] = (low[order][1:] != low[order][:-1]) | (high[order][1:] != high[order][:-1])
    key = np.empty(total, dtype="int64")
    key[order] = np.cumsum(change) - 1
    first = order[change]
    repeats = np.bincount(key)
    codes, _ = pd.factorize(pd.Series(groups, dtype=object), use_na_sentinel=True)
    lone = codes < 0
    codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    group = codes[rings.feature[ring]]
    lowest = np.full(len(repeats), np.iinfo("int64").max)
    highest = np.full(len(repeats), np.iinfo("int64").min)
    np.minimum.at(lowest, key, group)
    np.maximum.at(highest, key, group)
    on_outline = (repeats[key] == 1) | (lowest[key] != highest[key])
    flagged = on_outline & (np.arange(total) == first[key])
    return _runs(flagged, ring, starts, counts)


def _runs(
    flagged: np.ndarray, ring: np.ndarray, starts: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Group consecutive flagged segments of each ring into runs (ring, start, length)."""
    total = len(flagged)
    position = np.arange(total) - starts[ring]
    previous = np.zeros(total, dtype=bool)
    previous[1:] = flagged[:-1] & (ring[1:] == ring[:-1])
    begins = flagged & ~previous
    run = np.cumsum(begins) - 1
    run_ring = ring[begins]
    run_start = position[begins]
    run_length = np.bincount(run[flagged], minlength=int(begins.sum()))
    # A run that reaches the ring's end and one that starts at its beginning
    # are one run across the closing point, unless the whole ring is flagged.
    whole = run_length == counts[run_ring]
    reaches_end = (run_start + run_length == counts[run_ring]) & ~whole
    from_start = (run_start == 0) & ~whole
    first_run = np.full(len(counts), -1)
    first_run[run_ring[from_start]] = np.flatnonzero(from_start)
    last = np.flatnonzero(reaches_end)
    joined = first_run[run_ring[last]]
    merge = joined >= 0
    run_length[last[merge]] += run_length[joined[merge]]
    drop = np.zeros(len(run_ring), dtype=bool)
    drop[joined[merge]] = True
    return np.column_stack([run_ring, run_start, run_length])[~drop]


def encode_runs(runs: np.ndarray) -> str:
    """Encode outline runs: ring (as the step from the previous run's), start, length."""
    if not len(runs):
        return ""
    steps = runs.copy()
    steps[1:, 0] = np.diff(runs[:, 0])
    return encode_ints(steps)


def encode_text(values: pd.Series | np.ndarray | list[Any]) -> list[Any] | dict[str, Any]:
    """Encode a text column: a plain list, or a dictionary when values repeat.

    Missing values (None, NaN, NA) become JSON null. A column whose distinct
    values are fewer than half its length is written as ``{"d": distinct,
    "i": index per row}`` (integer text, -1 for a missing value).

    Examples
    --------
    >>> encode_text(["一般", "低", "一般", "一般", "一般"])
    {'d': ['一般', '低'], 'i': 'ACAAA'}
    >>> encode_text(["甲", None])
    ['甲', None]
    """
    series = pd.Series(values, dtype=object)
    series = series.where(series.notna(), None)
    codes, distinct = pd.factorize(series, sort=False)
    if len(series) and len(distinct) * 2 < len(series):
        return {"d": [str(value) for value in distinct], "i": encode_ints(codes)}
    return [None if value is None else str(value) for value in series.tolist()]


def label_anchors(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each polygon's label point and the room around it, in metres.

    The label point is the centre of the largest circle inside the polygon
    (shapely's maximum inscribed circle, so a label sits in the widest part
    of a bent grid, never outside it); the room is that circle's radius. The
    map shows a label only at zooms where the text fits in that circle.

    Returns
    -------
    x, y : arrays of float
        The label points (degrees).
    radius : array of float
        Radius of the largest inscribed circle, in metres (a local
        equirectangular measure, ample for deciding whether a label fits).
    """
    geometries = np.asarray(geometries, dtype=object)
    if not len(geometries):
        empty = np.empty(0)
        return empty, empty, empty
    # The inscribed circle of a multipolygon is that of its largest part.
    parts, owner = shapely.get_parts(geometries, return_index=True)
    order = np.lexsort((-shapely.area(parts), owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    x = np.full(len(geometries), np.nan)
    y = np.full(len(geometries), np.nan)
    radius = np.zeros(len(geometries))
    chosen = owner[order][first]
    largest = parts[order][first]
    # A label needs its room to within a tenth; a finer circle costs four times more.
    circle = shapely.maximum_inscribed_circle(largest, np.sqrt(shapely.area(largest)) / 10)
    start, end = shapely.get_point(circle, 0), shapely.get_point(circle, 1)
    x[chosen], y[chosen] = shapely.get_x(start), shapely.get_y(start)
    east = (shapely.get_x(end) - x[chosen]) * np.cos(np.radians(y[chosen]))
    north = shapely.get_y(end) - y[chosen]
    radius[chosen] = np.hypot(east, north) * METRES_PER_DEGREE
    return x, y, radius
