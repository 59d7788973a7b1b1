"""Topology checks on coverages: gaps, overlaps, slivers, containment.

:func:`check_admin_units` checks the admin units (``gridgis init`` and
``gridgis check``): sound codes, non-empty geometry, each unit inside its
parent, no overlaps or gaps between siblings, parents covered by their
children, no slivers. :func:`check_grids` checks a division: valid unique
grid codes, one polygon per base grid, and base grids that tile their village
exactly (coverage valid, areas equal within :data:`TILING_TOLERANCE`).
Both return a :class:`CheckResult`: one row per problem, and a summary per
check.

Overlaps and gaps are found on the stored CGCS2000 coordinates, where
neighbours share vertices exactly; projecting first would bend straight edges
and invent overlaps. Everything is then measured in metres in a 3-degree
Gauss-Krueger zone.

Rounding noise
--------------
Overlaps and gaps narrower than :data:`gridgis.rounding_noise.ROUNDING_NOISE_M`
(1 mm; see :mod:`gridgis.rounding_noise`) are rounding noise, not problems:
they are counted in the summary (``noise_ignored``) but not listed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgis.admin import code_problems
from gridgis.crs import CGCS2000, metric_crs_for
from gridgis.render.labels import CHECK_LABELS
from gridgis.rounding_noise import ROUNDING_NOISE_M, width
from gridgis.summary import Summarised

logger = logging.getLogger(__name__)

ISSUE_COLUMNS = ["check", "level", "code", "name", "reason", "measure", "geometry"]


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


@dataclass(repr=False)
class CheckResult(Summarised):
    """Problems found, one row each, and a summary per check."""

    issues: gpd.GeoDataFrame
    summary: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Say whether no problem was found."""
        return self.issues.empty

    def lines(self) -> Sequence[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            (str(row.label), f"{row.problems} problems in {row.checked} checked")
            for row in self.summary.itertuples()
        ] + [("result", "clean" if self.ok else f"{len(self.issues)} problems")]

    def merged(self, other: CheckResult) -> CheckResult:
        """Combine the results of two checks."""
        frames = [frame for frame in (self.issues, other.issues) if len(frame)]
        issues = (
            gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CGCS2000)
            if frames
            else self.issues
        )
        return CheckResult(issues, pd.concat([self.summary, other.summary], ignore_index=True))


class _Measure:
    """Measure geometries stored in CGCS2000 in metres of one Gauss-Krueger zone."""

    def __init__(self, metric_crs: pyproj.CRS) -> None:
        self.metric_crs = metric_crs

    def metric(self, geometries: np.ndarray) -> np.ndarray:
        return gpd.GeoSeries(geometries, crs=CGCS2000).to_crs(self.metric_crs).to_numpy()

    def stored(self, geometries: np.ndarray) -> np.ndarray:
        return gpd.GeoSeries(geometries, crs=self.metric_crs).to_crs(CGCS2000).to_numpy()

    def degrees(self, metres: float, latitude: float) -> float:
        """Convert metres to the largest span in degrees they can cover at a latitude."""
        return metres / (111_320.0 * np.cos(np.radians(latitude)))


def check_admin_units(
    units: gpd.GeoDataFrame, settings: CheckSettings | None = None
) -> CheckResult:
    """Check admin units for sound codes and topology.

    Overlaps and gaps are found on the stored CGCS2000 coordinates, where
    neighbours share vertices exactly; projecting first would bend straight
    edges and invent overlaps. Sizes, widths and tolerances are measured in
    metres in the Gauss-Krueger zone of the data.

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
    >>> result.ok  # doctest: +SKIP
    True
    """
    settings = settings or CheckSettings()
    measure = _Measure(metric_crs_for(units))
    units = units.to_crs(CGCS2000).reset_index(drop=True)
    issues: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []

    def add(check: str, found: pd.DataFrame, checked: int, noise: int = 0) -> None:
        summary.append(
            {
                "check": check,
                "label": CHECK_LABELS[check],
                "checked": checked,
                "problems": len(found),
                "noise_ignored": noise,
            }
        )
        if len(found):
            issues.append(found.assign(check=check))

    add("code", _code_issues(units), len(units))
    empty = shapely.is_empty(units.geometry.values) | units.geometry.isna().to_numpy()
    add("empty", _issues(units[empty], "empty geometry", np.zeros(int(empty.sum()))), len(units))
    units = units[~empty].reset_index(drop=True)

    containment = [
        _containment_issues(units, level, settings.containment_tolerance_m, measure)
        for level in ("township", "village")
    ]
    checked = int(units["level"].isin(["township", "village"]).sum())
    add("containment", pd.concat(containment, ignore_index=True), checked)

    overlaps, gaps, noise, checked = [], [], 0, 0
    for level in ("township", "village"):
        siblings = units[units["level"] == level].reset_index(drop=True)
        found_overlaps, found_gaps, level_noise = _coverage_issues(
            siblings, settings.gap_width_m, measure
        )
        overlaps.append(found_overlaps)
        gaps.append(found_gaps)
        noise += level_noise
        checked += len(siblings)
    add("overlap", pd.concat(overlaps, ignore_index=True), checked, noise)
    add("gap", pd.concat(gaps, ignore_index=True), checked)

    uncovered = [
        _uncovered_issues(units, level, settings.gap_width_m, measure)
        for level in ("county", "township")
    ]
    given_parents = units["level"].isin(["county", "township"]) & (units["origin"] == "input")
    add("uncovered", pd.concat(uncovered, ignore_index=True), int(given_parents.sum()))
    add("sliver", _sliver_issues(units, settings.sliver_width_m, measure), len(units))

    frame = pd.concat(issues, ignore_index=True) if issues else pd.DataFrame(columns=ISSUE_COLUMNS)
    frame = gpd.GeoDataFrame(frame[ISSUE_COLUMNS], geometry="geometry", crs=CGCS2000)
    frame = frame.sort_values(["check", "code"], kind="stable")
    return CheckResult(frame.reset_index(drop=True), pd.DataFrame(summary))


def _issues(
    rows: pd.DataFrame,
    reason: str | pd.Series | np.ndarray | list,
    measure: np.ndarray,
    geometry: np.ndarray | None = None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": rows["level"].to_numpy(),
            "code": rows["code"].to_numpy(),
            "name": rows["name"].to_numpy(),
            "reason": reason if isinstance(reason, str) else np.asarray(reason, dtype=object),
            "measure": np.asarray(measure, dtype=float),
            "geometry": rows.geometry.to_numpy() if geometry is None else geometry,
        }
    )


def _code_issues(units: gpd.GeoDataFrame) -> pd.DataFrame:
    reasons = code_problems(units["code"])
    bad = reasons.notna().to_numpy()
    return _issues(units[bad], reasons[bad], np.zeros(int(bad.sum())))


def _containment_issues(
    units: gpd.GeoDataFrame, level: str, tolerance: float, measure: _Measure
) -> pd.DataFrame:
    children = units[units["level"] == level]
    parents = units[units["level"] != level].set_index("code")
    if children.empty:
        return pd.DataFrame()
    has_parent = children["parent_code"].isin(parents.index)
    orphans = children[~has_parent]
    found = (
        [_issues(orphans, "parent unit is missing", np.zeros(len(orphans)))] if len(orphans) else []
    )
    children = children[has_parent]
    # A parent built by dissolving its children contains them by construction.
    given = parents.loc[children["parent_code"], "origin"].to_numpy() == "input"
    children = children[given]
    if len(children):
        parent_geometry = measure.metric(parents.loc[children["parent_code"]].geometry.to_numpy())
        outside = shapely.difference(
            measure.metric(children.geometry.to_numpy()), shapely.buffer(parent_geometry, tolerance)
        )
        area = shapely.area(outside)
        bad = area > 0
        if bad.any():
            reasons = [
                f"extends {a:,.1f} m² beyond its parent {p} (tolerance {tolerance:g} m)"
                for a, p in zip(area[bad], children["parent_code"][bad], strict=True)
            ]
            found.append(_issues(children[bad], reasons, area[bad], measure.stored(outside[bad])))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def _coverage_issues(
    siblings: gpd.GeoDataFrame, gap_width: float, measure: _Measure
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Find overlaps and narrow gaps among siblings, separating rounding noise."""
    geometry = siblings.geometry.to_numpy()
    if len(geometry) < 2:
        return pd.DataFrame(), pd.DataFrame(), 0
    latitude = float(np.mean(shapely.bounds(geometry)[:, [1, 3]]))
    gap_degrees = measure.degrees(gap_width, latitude)
    edges = shapely.coverage_invalid_edges(geometry, gap_width=gap_degrees)
    flagged = np.flatnonzero(~shapely.is_empty(edges))
    if not len(flagged):
        return pd.DataFrame(), pd.DataFrame(), 0

    tree = shapely.STRtree(geometry)
    # Overlaps: the pieces shared by a flagged polygon and a neighbour.
    left, right = tree.query(geometry[flagged], predicate="intersects")
    left = flagged[left]
    keep = left < right
    pairs = np.unique(np.column_stack([left[keep], right[keep]]), axis=0)
    with_overlap: set[int] = set()
    overlap_rows = []
    if len(pairs):
        shared = shapely.intersection(geometry[pairs[:, 0]], geometry[pairs[:, 1]])
        pieces, pair_index = shapely.get_parts(shared, return_index=True)
        polygonal = (shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)
        pieces, pair_index = pieces[polygonal], pair_index[polygonal]
        metric_pieces = measure.metric(pieces)
        widths, areas = width(metric_pieces), shapely.area(metric_pieces)
        for number in np.flatnonzero(widths > ROUNDING_NOISE_M):
            a, b = pairs[pair_index[number]]
            with_overlap.update((int(a), int(b)))
            overlap_rows.append(
                {
                    "level": siblings["level"].iat[a],
                    "code": siblings["code"].iat[a],
                    "name": siblings["name"].iat[a],
                    "reason": f"overlaps {siblings['code'].iat[b]} {siblings['name'].iat[b]} "
                    f"by {areas[number]:,.1f} m² (up to {widths[number]:.3f} m wide)",
                    "measure": areas[number],
                    "geometry": pieces[number],
                }
            )

    # Gaps: a flagged edge that lies farther than noise from every neighbour.
    # The loop runs over flagged polygons only, which sound data keeps few.
    gap_rows = []
    noise = 0
    for index in flagged:
        if index in with_overlap:
            continue
        neighbours = tree.query(geometry[index], predicate="dwithin", distance=2 * gap_degrees)
        neighbours = neighbours[neighbours != index]
        if not len(neighbours):
            noise += 1
            continue
        gap, gap_width_found = _narrow_gap(
            geometry[index], geometry[neighbours], edges[index], gap_width, measure
        )
        if gap is None:
            # Unmatched vertices, rounding, or a thin corner of the polygon itself
            # that GEOS's nearly-parallel test takes for a gap: no uncovered area.
            noise += 1
            continue
        gap_rows.append(
            {
                "level": siblings["level"].iat[index],
                "code": siblings["code"].iat[index],
                "name": siblings["name"].iat[index],
                "reason": f"edge leaves a gap up to {gap_width_found:.3f} m wide "
                f"(narrower than {gap_width:g} m) to its neighbours",
                "measure": gap_width_found,
                "geometry": gap,
            }
        )
    return pd.DataFrame(overlap_rows), pd.DataFrame(gap_rows), noise


def _narrow_gap(
    polygon: shapely.Geometry,
    neighbours: np.ndarray,
    edge: shapely.Geometry,
    gap_width: float,
    measure: _Measure,
) -> tuple[shapely.Geometry | None, float]:
    """Return the uncovered area narrower than ``gap_width`` along a flagged edge, and its width.

    GEOS flags an edge when it runs nearly parallel to a neighbour's within the
    gap width, without looking at which side is covered: the thin tip of a
    village wedged between a neighbour and the county border is flagged
    although nothing lies uncovered there. The gap is therefore measured: the
    area a disc of diameter ``gap_width`` cannot reach between the polygons (a
    morphological closing of their union, in metres), less what each polygon's
    own closing fills (a sharp bend of the border inside one village is no gap
    between two), near the edge. ``(None, 0.0)`` when it is no wider than
    rounding noise.
    """
    local = measure.metric(np.concatenate([[polygon], neighbours]))
    band = shapely.buffer(measure.metric(np.array([edge]))[0], gap_width)
    # Clipping far enough from the band that the clip's own corners fill nothing in it.
    window = shapely.box(*shapely.bounds(band)).buffer(2 * gap_width, join_style="mitre")
    local = shapely.intersection(local, window)
    radius = gap_width / 2

    def fill(geometry: shapely.Geometry | np.ndarray) -> shapely.Geometry | np.ndarray:
        closed = shapely.buffer(shapely.buffer(geometry, radius), -radius)
        return shapely.difference(closed, geometry)

    between = shapely.difference(fill(shapely.union_all(local)), shapely.union_all(fill(local)))
    pieces = shapely.get_parts(shapely.intersection(between, band))
    pieces = pieces[(shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)]
    widths = width(pieces)
    wide = widths > ROUNDING_NOISE_M
    if not wide.any():
        return None, 0.0
    return measure.stored(np.array([shapely.union_all(pieces[wide])]))[0], float(widths.max())


def _uncovered_issues(
    units: gpd.GeoDataFrame, level: str, gap_width: float, measure: _Measure
) -> pd.DataFrame:
    """Parts of a given (not dissolved) parent that no child covers."""
    parents = units[(units["level"] == level) & (units["origin"] == "input")]
    child_level = {"county": "township", "township": "village"}[level]
    children = units[units["level"] == child_level]
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
        metric_pieces = measure.metric(pieces)
        widths, areas = width(metric_pieces), shapely.area(metric_pieces)
        for number in np.flatnonzero(widths > ROUNDING_NOISE_M):
            kind = "narrow gap" if widths[number] < gap_width else "area"
            rows.append(
                {
                    "level": level,
                    "code": parent.code,
                    "name": parent.name,
                    "reason": f"{kind} of {areas[number]:,.1f} m² "
                    f"(up to {widths[number]:.2f} m wide) is covered by no {child_level}",
                    "measure": areas[number],
                    "geometry": pieces[number],
                }
            )
    return pd.DataFrame(rows)


def _sliver_issues(units: gpd.GeoDataFrame, sliver_width: float, measure: _Measure) -> pd.DataFrame:
    parts, owner = shapely.get_parts(units.geometry.to_numpy(), return_index=True)
    metric_parts = measure.metric(parts)
    area, perimeter = shapely.area(metric_parts), shapely.length(metric_parts)
    # The inscribed circle is at least 2A/P across (area ≤ perimeter × inradius),
    # so only parts thinner than that bound need the costly exact width.
    candidates = np.flatnonzero(2 * area / np.maximum(perimeter, 1e-12) < sliver_width)
    if not len(candidates):
        return pd.DataFrame()
    widths = width(metric_parts[candidates])
    thin = candidates[widths < sliver_width]
    if not len(thin):
        return pd.DataFrame()
    reasons = [f"part of {a:,.2f} m² is nowhere wider than {sliver_width:g} m" for a in area[thin]]
    return _issues(units.iloc[owner[thin]], reasons, area[thin], parts[thin])


#: Grid areas must add up to their village's area within this relative error.
TILING_TOLERANCE = 1e-9


def check_grids(grids: gpd.GeoDataFrame, admin_units: gpd.GeoDataFrame) -> CheckResult:
    """Check a project's grids: valid unique codes, single polygons, exact tiling.

    Parameters
    ----------
    grids : GeoDataFrame
        Current grids (``grid_code``, ``kind``, ``level``, ``admin_code``,
        ``name``, geometry) in CGCS2000.
    admin_units : GeoDataFrame
        Current admin units.

    Returns
    -------
    CheckResult
        Issues with ``check`` = ``grid_code``, ``grid_shape`` or ``tiling``.
    """
    from gridgis.codes import parse
    from gridgis.errors import CodeError

    measure = _Measure(metric_crs_for(admin_units))
    rows: list[dict[str, object]] = []
    summary: list[dict[str, object]] = []

    def problem(
        check: str,
        grid: pd.Series,
        reason: str,
        value: float = 0.0,
        geometry: shapely.Geometry | None = None,
    ) -> None:
        rows.append(
            {
                "check": check,
                "level": grid["level"],
                "code": grid["grid_code"],
                "name": grid["name"],
                "reason": reason,
                "measure": value,
                "geometry": grid.geometry if geometry is None else geometry,
            }
        )

    # Codes: parsing is per code (a few thousand strings), not per vertex.
    for _, grid in grids.iterrows():
        try:
            parse(grid["grid_code"])
        except CodeError as error:
            problem("grid_code", grid, str(error))
    duplicated = grids["grid_code"].duplicated(keep=False)
    for _, grid in grids[duplicated].iterrows():
        problem("grid_code", grid, "grid code is not unique")
    summary.append(
        {
            "check": "grid_code",
            "label": CHECK_LABELS["grid_code"],
            "checked": len(grids),
            "problems": len(rows),
            "noise_ignored": 0,
        }
    )

    base = grids[(grids["level"] == "base")].reset_index(drop=True)
    geometry = base.geometry.to_numpy()
    parts = shapely.get_num_geometries(geometry)
    before = len(rows)
    for index in np.flatnonzero(parts != 1):
        problem("grid_shape", base.iloc[index], f"grid has {parts[index]} parts, not one polygon")
    summary.append(
        {
            "check": "grid_shape",
            "label": CHECK_LABELS["grid_shape"],
            "checked": len(base),
            "problems": len(rows) - before,
            "noise_ignored": 0,
        }
    )

    before = len(rows)
    villages = admin_units[admin_units["level"] == "village"].set_index("code")
    metric_area = shapely.area(measure.metric(geometry))
    checked = 0
    # One coverage check per village; villages are independent.
    for village_code, members in base.groupby("admin_code").groups.items():
        checked += 1
        members = np.asarray(members)
        if village_code not in villages.index:
            problem("tiling", base.iloc[members[0]], f"village {village_code} does not exist")
            continue
        village = villages.loc[village_code]
        village_area = float(shapely.area(measure.metric(np.array([village.geometry]))[0]))
        total = float(metric_area[members].sum())
        relative = abs(total - village_area) / village_area
        valid = bool(shapely.coverage_is_valid(geometry[members]))
        if not valid or relative > TILING_TOLERANCE:
            reason = (
                f"grids of {village_code} {village['name']} do not tile it: "
                f"coverage {'valid' if valid else 'invalid'}, areas differ by {relative:.2e}"
            )
            problem("tiling", base.iloc[members[0]], reason, relative, village.geometry)
    summary.append(
        {
            "check": "tiling",
            "label": CHECK_LABELS["tiling"],
            "checked": checked,
            "problems": len(rows) - before,
            "noise_ignored": 0,
        }
    )
    frame = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    issues = gpd.GeoDataFrame(frame, geometry="geometry", crs=CGCS2000)
    return CheckResult(issues, pd.DataFrame(summary))
