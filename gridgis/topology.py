"""Topology checks on coverages: gaps, overlaps, slivers, containment.

Everything is measured in metres in a 3-degree Gauss-Krueger zone.

Rounding noise
--------------
Polygons that share an edge should share its vertices exactly. Where a
boundary was computed twice (for example two Voronoi cells each clipped by the
county outline), the two copies of a crossing point can differ in the last
bits, leaving overlaps or gaps of about 1e-15 square degrees that GEOS's
coverage validator still flags. gridgis measures the *width* of every overlap
or gap it finds — the diameter of the largest circle that fits inside it
(:func:`shapely.maximum_inscribed_circle`) — and treats anything narrower than
:data:`ROUNDING_NOISE_M` (1 mm) as noise. The threshold is principled from
both ends: a double-precision coordinate near 106°E resolves about 1e-9 m, so
rounding artefacts are a million times narrower than 1 mm; the most precise
cadastral surveys (1:500) are accurate to about 5 cm, fifty times wider. Noise
is counted in the summary but is not a problem.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.admin import code_problems
from gridgis.crs import CGCS2000, metric_crs_for

logger = logging.getLogger(__name__)

ROUNDING_NOISE_M = 1e-3

ISSUE_COLUMNS = ["check", "level", "code", "name", "reason", "measure", "geometry"]

CHECK_LABELS = {
    "code": "代码 codes",
    "empty": "空几何 empty geometry",
    "containment": "包含 containment",
    "overlap": "重叠 overlaps",
    "gap": "缝隙 gaps",
    "uncovered": "未覆盖 uncovered area",
    "sliver": "碎片 slivers",
}


@dataclass(frozen=True)
class CheckSettings:
    """Tolerances for :func:`check_admin_units`, all in metres.

    Attributes
    ----------
    containment_tolerance_m : float
        How far a unit may stick out of its parent before it counts.
    gap_width_m : float
        Gaps between siblings narrower than this are reported as narrow gaps.
    sliver_width_m : float
        A polygon (or polygon part) nowhere wider than this is a sliver.
    """

    containment_tolerance_m: float = 1.0
    gap_width_m: float = 1.0
    sliver_width_m: float = 1.0


@dataclass
class CheckResult:
    """Problems found, one row each, and a summary per check."""

    issues: gpd.GeoDataFrame
    summary: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Say whether no problem was found."""
        return self.issues.empty


def width(geometries: np.ndarray, tolerance: float = ROUNDING_NOISE_M / 10) -> np.ndarray:
    """Return the diameter of the largest inscribed circle of each polygon (metric CRS)."""
    geometries = np.asarray(geometries, dtype=object)
    result = np.zeros(len(geometries))
    present = ~(shapely.is_empty(geometries) | shapely.is_missing(geometries))
    if present.any():
        radii = shapely.length(shapely.maximum_inscribed_circle(geometries[present], tolerance))
        result[present] = 2 * radii
    return result


def check_admin_units(
    units: gpd.GeoDataFrame, settings: CheckSettings | None = None
) -> CheckResult:
    """Check admin units for sound codes and topology.

    Parameters
    ----------
    units : GeoDataFrame
        Admin units as stored: ``code``, ``name``, ``level``, ``parent_code``,
        ``origin`` and geometry in CGCS2000.
    settings : CheckSettings, optional
        Tolerances; see :class:`CheckSettings`.

    Returns
    -------
    CheckResult
        ``issues`` (columns ``check``, ``level``, ``code``, ``name``,
        ``reason``, ``measure`` and polygon geometry in CGCS2000) and
        ``summary`` (one row per check with the units checked, problems and
        noise ignored).

    Examples
    --------
    >>> result = check_admin_units(project.read_layer("admin_units"))  # doctest: +SKIP
    >>> result.ok
    True
    """
    settings = settings or CheckSettings()
    metric_crs = metric_crs_for(units)
    metric = units.to_crs(metric_crs).reset_index(drop=True)
    issues: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []

    def add(check: str, found: pd.DataFrame, checked: int, noise: int = 0) -> None:
        summary.append({"check": check, "label": CHECK_LABELS[check], "checked": checked,
                        "problems": len(found), "noise_ignored": noise})
        if len(found):
            issues.append(found.assign(check=check))

    add("code", _code_issues(metric), len(metric))
    empty = shapely.is_empty(metric.geometry.values) | metric.geometry.isna().to_numpy()
    add("empty", _issues(metric[empty], "empty geometry", np.zeros(int(empty.sum()))), len(metric))
    metric = metric[~empty].reset_index(drop=True)

    containment = []
    for level in ("township", "village"):
        containment.append(_containment_issues(metric, level, settings.containment_tolerance_m))
    checked = int(metric["level"].isin(["township", "village"]).sum())
    add("containment", pd.concat(containment, ignore_index=True), checked)

    overlaps, gaps, noise, checked = [], [], 0, 0
    for level in ("township", "village"):
        siblings = metric[metric["level"] == level].reset_index(drop=True)
        found_overlaps, found_gaps, level_noise = _coverage_issues(siblings, settings.gap_width_m)
        overlaps.append(found_overlaps)
        gaps.append(found_gaps)
        noise += level_noise
        checked += len(siblings)
    add("overlap", pd.concat(overlaps, ignore_index=True), checked, noise)
    add("gap", pd.concat(gaps, ignore_index=True), checked)

    uncovered = [_uncovered_issues(metric, level, settings.gap_width_m)
                 for level in ("county", "township")]
    given_parents = metric["level"].isin(["county", "township"]) & (metric["origin"] == "input")
    add("uncovered", pd.concat(uncovered, ignore_index=True), int(given_parents.sum()))
    add("sliver", _sliver_issues(metric, settings.sliver_width_m), len(metric))

    frame = (
        pd.concat(issues, ignore_index=True) if issues else pd.DataFrame(columns=ISSUE_COLUMNS)
    )
    frame = gpd.GeoDataFrame(frame[ISSUE_COLUMNS], geometry="geometry", crs=metric_crs)
    frame = frame.to_crs(CGCS2000).sort_values(["check", "code"], kind="stable")
    return CheckResult(frame.reset_index(drop=True), pd.DataFrame(summary))


def _issues(rows: pd.DataFrame, reason: str | pd.Series | np.ndarray, measure: np.ndarray,
            geometry: np.ndarray | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "level": rows["level"].to_numpy(),
        "code": rows["code"].to_numpy(),
        "name": rows["name"].to_numpy(),
        "reason": reason if isinstance(reason, str) else np.asarray(reason, dtype=object),
        "measure": np.asarray(measure, dtype=float),
        "geometry": rows.geometry.to_numpy() if geometry is None else geometry,
    })


def _code_issues(metric: gpd.GeoDataFrame) -> pd.DataFrame:
    reasons = code_problems(metric["code"])
    bad = reasons.notna().to_numpy()
    # A unit whose length does not match its stated level is wrong as well.
    return _issues(metric[bad], reasons[bad], np.zeros(int(bad.sum())))


def _containment_issues(metric: gpd.GeoDataFrame, level: str, tolerance: float) -> pd.DataFrame:
    children = metric[metric["level"] == level]
    parents = metric[metric["level"] != level].set_index("code")
    if children.empty:
        return pd.DataFrame()
    has_parent = children["parent_code"].isin(parents.index)
    orphans = children[~has_parent]
    found = [_issues(orphans, "parent unit is missing", np.zeros(len(orphans)))] if len(orphans) else []
    children = children[has_parent]
    # A parent built by dissolving its children contains them by construction.
    given = parents.loc[children["parent_code"], "origin"].to_numpy() == "input"
    children = children[given]
    if len(children):
        parent_geometry = parents.loc[children["parent_code"]].geometry.to_numpy()
        outside = shapely.difference(children.geometry.to_numpy(),
                                     shapely.buffer(parent_geometry, tolerance))
        area = shapely.area(outside)
        bad = area > 0
        if bad.any():
            reasons = [
                f"extends {a:,.1f} m² beyond its parent {p} (tolerance {tolerance:g} m)"
                for a, p in zip(area[bad], children["parent_code"][bad], strict=True)
            ]
            found.append(_issues(children[bad], reasons, area[bad], outside[bad]))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def _coverage_issues(
    siblings: gpd.GeoDataFrame, gap_width: float
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Find overlaps and narrow gaps among siblings, separating rounding noise."""
    geometry = siblings.geometry.to_numpy()
    if len(geometry) < 2:
        return pd.DataFrame(), pd.DataFrame(), 0
    edges = shapely.coverage_invalid_edges(geometry, gap_width=gap_width)
    flagged = np.flatnonzero(~shapely.is_empty(edges))
    if not len(flagged):
        return pd.DataFrame(), pd.DataFrame(), 0

    tree = shapely.STRtree(geometry)
    # Overlaps: the pieces shared by a flagged polygon and a neighbour.
    left, right = tree.query(geometry[flagged], predicate="intersects")
    left = flagged[left]
    keep = left < right
    pairs = np.unique(np.column_stack([left[keep], right[keep]]), axis=0)
    flagged_with_overlap = set()
    overlap_rows = []
    if len(pairs):
        shared = shapely.intersection(geometry[pairs[:, 0]], geometry[pairs[:, 1]])
        pieces, pair_index = shapely.get_parts(shared, return_index=True)
        polygonal = (shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)
        pieces, pair_index = pieces[polygonal], pair_index[polygonal]
        widths = width(pieces)
        real = widths > ROUNDING_NOISE_M
        for piece, index, piece_width in zip(pieces[real], pair_index[real], widths[real], strict=True):
            a, b = pairs[index]
            flagged_with_overlap.update((a, b))
            overlap_rows.append({
                "level": siblings["level"].iat[a], "code": siblings["code"].iat[a],
                "name": siblings["name"].iat[a],
                "reason": f"overlaps {siblings['code'].iat[b]} {siblings['name'].iat[b]} "
                          f"by {shapely.area(piece):,.1f} m² (up to {piece_width:.3f} m wide)",
                "measure": shapely.area(piece), "geometry": piece,
            })

    # Gaps: a flagged edge that lies farther than noise from every neighbour.
    # The loop runs over flagged polygons only, which sound data keeps few.
    gap_rows = []
    noise = 0
    for index in flagged:
        if index in flagged_with_overlap:
            continue
        neighbours = tree.query(shapely.buffer(geometry[index], gap_width))
        neighbours = neighbours[neighbours != index]
        edge_points = shapely.points(shapely.get_coordinates(edges[index]))
        others = shapely.union_all(geometry[neighbours]) if len(neighbours) else None
        distance = (
            shapely.distance(edge_points, others).max() if others is not None else np.inf
        )
        if distance <= ROUNDING_NOISE_M:
            noise += 1
            continue
        band = shapely.buffer(edges[index], gap_width)
        occupied = shapely.union_all([geometry[index], others]) if others is not None else geometry[index]
        gap = shapely.difference(band, occupied)
        gap_rows.append({
            "level": siblings["level"].iat[index], "code": siblings["code"].iat[index],
            "name": siblings["name"].iat[index],
            "reason": f"edge leaves a gap up to {min(distance, gap_width):.3f} m wide "
                      f"(narrower than {gap_width:g} m) to its neighbours",
            "measure": float(distance), "geometry": gap if not gap.is_empty else band,
        })
    return pd.DataFrame(overlap_rows), pd.DataFrame(gap_rows), noise


def _uncovered_issues(metric: gpd.GeoDataFrame, level: str, gap_width: float) -> pd.DataFrame:
    """Parts of a given (not dissolved) parent that no child covers."""
    parents = metric[(metric["level"] == level) & (metric["origin"] == "input")]
    child_level = {"county": "township", "township": "village"}[level]
    children = metric[metric["level"] == child_level]
    if parents.empty or children.empty:
        return pd.DataFrame()
    rows = []
    # One union per parent: a handful of townships or one county.
    for parent in parents.itertuples():
        mine = children[children["parent_code"] == parent.code]
        if mine.empty:
            continue
        uncovered = shapely.difference(parent.geometry, shapely.union_all(mine.geometry.to_numpy()))
        pieces = shapely.get_parts(uncovered)
        pieces = pieces[(shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)]
        widths = width(pieces)
        for piece, piece_width in zip(pieces[widths > ROUNDING_NOISE_M], widths[widths > ROUNDING_NOISE_M], strict=True):
            kind = "narrow gap" if piece_width < gap_width else "area"
            rows.append({
                "level": level, "code": parent.code, "name": parent.name,
                "reason": f"{kind} of {shapely.area(piece):,.1f} m² (up to {piece_width:.2f} m wide) "
                          f"is covered by no {child_level}",
                "measure": shapely.area(piece), "geometry": piece,
            })
    return pd.DataFrame(rows)


def _sliver_issues(metric: gpd.GeoDataFrame, sliver_width: float) -> pd.DataFrame:
    geometry = metric.geometry.to_numpy()
    parts, owner = shapely.get_parts(geometry, return_index=True)
    area, perimeter = shapely.area(parts), shapely.length(parts)
    # The inscribed circle is at least 2A/P across (area ≤ perimeter × inradius),
    # so only parts thinner than that bound need the costly exact width.
    candidates = np.flatnonzero(2 * area / np.maximum(perimeter, 1e-12) < sliver_width)
    if not len(candidates):
        return pd.DataFrame()
    widths = width(parts[candidates])
    thin = candidates[widths < sliver_width]
    if not len(thin):
        return pd.DataFrame()
    rows = metric.iloc[owner[thin]]
    reasons = [f"part of {a:,.2f} m² is nowhere wider than {sliver_width:g} m"
               for a in area[thin]]
    return _issues(rows, reasons, area[thin], parts[thin])
