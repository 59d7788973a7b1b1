"""Every check the prefecture makes of a filing before it takes it in.

:func:`verify_filing` reads the zip safely (:mod:`gridgis.filing.package`:
member names, sizes, the manifest's schema and format version, every
checksum) and then checks what the filing says:

- every code is valid under the code scheme in use, which must be the one the
  filing was made with, and belongs to the filing's county;
- the counts in the manifest are those of the layers and the change table;
- the base grids of ``current`` tile each village they are in: a valid
  coverage (no overlap, no gap between them) whose area is the village's;
- every predecessor is a grid of ``before``, or one the registry knows from an
  earlier filing of the county (``known_codes``, when applying);
- no code is both retired and active: a grid the filing retires is not in
  ``current``, and every grid of ``after`` is;
- the change table lists exactly the grids of ``before`` and ``after``.

Every problem is one sentence; the caller prints each on its own line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.errors import InputDataError
from gridgis.filing.changes import CHANGE_TYPES
from gridgis.filing.layers import read_changes_csv, read_grids_file
from gridgis.filing.manifest import code_scheme_identity
from gridgis.filing.package import Package, PackageError, read_package

#: A check lists at most this many codes by name, then counts the rest.
SHOWN = 5

#: Relative difference allowed between a village's area and its grids' total
#: (the same as ``gridgis check``: grids tile their village vertex for vertex).
AREA_TOLERANCE = 1e-9


@dataclass
class Verification:
    """What verifying a filing found."""

    path: Path
    package: Package | None = None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    changes: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Say whether the filing passed every check."""
        return not self.problems


def verify_filing(
    path: Path, *, known_codes: Callable[[Iterable[str]], set[str]] | None = None
) -> Verification:
    """Run every check on a filing zip.

    Parameters
    ----------
    path : Path
        The filing zip.
    known_codes : callable, optional
        Given codes, returns those the registry knows from earlier filings of
        the filing's county; a predecessor may be one of them. Without it,
        every predecessor must be in ``before``.

    Returns
    -------
    Verification
        ``problems`` empty when the filing is clean.

    Examples
    --------
    >>> result = verify_filing(Path("filing.zip"))  # doctest: +SKIP
    >>> result.ok, result.problems  # doctest: +SKIP
    (True, [])
    """
    result = Verification(Path(path))
    try:
        result.package = read_package(result.path)
    except PackageError as error:
        result.problems = error.reasons
        return result
    package = result.package
    scheme = code_scheme_identity()
    theirs = package.manifest["code_scheme"]
    if theirs["sha256"] != scheme["sha256"]:
        result.problems.append(
            f"the filing was made with code scheme {theirs['name']!r} "
            f"(SHA-256 {theirs['sha256'][:12]}…), this gridgis uses {scheme['name']!r} "
            f"({scheme['sha256'][:12]}…): codes cannot be checked against it"
        )
        return result
    try:
        with package.member_file("grids.gpkg") as grids_file:
            result.layers = read_grids_file(grids_file)
        result.changes = read_changes_csv(package.members["changes.csv"])
    except InputDataError as error:
        result.problems.append(str(error))
        return result
    checks = (_code_problems, _count_problems, _coverage_problems, _state_problems)
    for check in checks:
        result.problems += check(package, result.layers, result.changes)
    result.problems += _lineage_problems(result.layers, result.changes, package, known_codes)
    return result


def _listed(codes: Iterable[str]) -> str:
    codes = sorted(codes)
    shown = ", ".join(codes[:SHOWN])
    return shown + (f" and {len(codes) - SHOWN} more" if len(codes) > SHOWN else "")


def _codes_of(text: pd.Series) -> set[str]:
    return {code for value in text for code in str(value).split() if code}


def _code_problems(
    package: Package, layers: dict[str, gpd.GeoDataFrame], changes: pd.DataFrame
) -> list[str]:
    from gridgis.codes import parse
    from gridgis.errors import CodeError

    county = package.county_code
    problems = []
    codes = set(changes["grid_code"]) | _codes_of(changes["predecessors"])
    codes |= _codes_of(changes["successors"])
    for name, frame in layers.items():
        codes |= set(frame["grid_code"].astype(str))
        repeated = frame["grid_code"][frame["grid_code"].duplicated()]
        if len(repeated):
            problems.append(f"layer {name}: code {_listed(set(repeated))} appears more than once")
    invalid, foreign = [], []
    for code in sorted(codes):  # a few thousand codes, each parsed once
        try:
            parsed = parse(code)
        except CodeError as error:
            invalid.append(f"{code} ({error})")
            continue
        if parsed.county != county:
            foreign.append(code)
    if invalid:
        problems.append(f"invalid grid code: {_listed(invalid)}")
    if foreign:
        problems.append(f"code of another county than {county}: {_listed(foreign)}")
    return problems


def _count_problems(
    package: Package, layers: dict[str, gpd.GeoDataFrame], changes: pd.DataFrame
) -> list[str]:
    counts = package.manifest["counts"]
    found = {name: len(frame) for name, frame in layers.items()}
    found.update({change: int((changes["change"] == change).sum()) for change in CHANGE_TYPES})
    unknown = set(changes["change"]) - set(CHANGE_TYPES)
    problems = [
        f"manifest.json counts {counts[key]} {key}, the filing holds {value}"
        for key, value in found.items()
        if counts.get(key) != value
    ]
    if unknown:
        problems.append(f"changes.csv: unknown change type {_listed(unknown)}")
    return problems


def _coverage_problems(
    package: Package, layers: dict[str, gpd.GeoDataFrame], changes: pd.DataFrame
) -> list[str]:
    """Check that the base grids of ``current`` tile each of their villages."""
    from gridgis.crs import metric_crs_for

    current = layers["current"]
    base = current[current["level"] == "base"]
    if base.empty:
        return []
    metric = metric_crs_for(current)
    villages = current[current["level"] == "village"]
    village_area = dict(
        zip(
            villages["admin_code"],
            shapely.area(villages.to_crs(metric).geometry.to_numpy()),
            strict=True,
        )
    )
    geometry = base.geometry.to_numpy()
    area = shapely.area(base.to_crs(metric).geometry.to_numpy())
    problems = []
    # One coverage check per village (GEOS); villages are independent.
    for village, rows in base.groupby("admin_code").indices.items():
        whole = village_area.get(village)
        if whole is None:
            problems.append(f"current: village {village} of base grids has no village grid")
        elif not shapely.coverage_is_valid(geometry[rows]):
            problems.append(f"current: the base grids of village {village} overlap")
        elif whole <= 0 or abs(float(np.sum(area[rows])) - whole) / whole > AREA_TOLERANCE:
            problems.append(
                f"current: the base grids of village {village} do not tile it (areas differ)"
            )
    return problems


def _state_problems(
    package: Package, layers: dict[str, gpd.GeoDataFrame], changes: pd.DataFrame
) -> list[str]:
    """Check that no code is both retired and active, and the change table matches the layers."""
    before = set(layers["before"]["grid_code"])
    after = set(layers["after"]["grid_code"])
    current = set(layers["current"]["grid_code"])
    retired = set(changes.loc[changes["change"] == "retired", "grid_code"])
    leaving = (before - after) | retired
    problems = []
    if leaving & current:
        problems.append(f"code both retired and active (in current): {_listed(leaving & current)}")
    if after - current:
        problems.append(f"after holds grids missing from current: {_listed(after - current)}")
    listed = set(changes["grid_code"])
    # Grids in before only as a predecessor of a change are not changes themselves.
    predecessors = _codes_of(changes["predecessors"])
    unlisted = (after | (before - predecessors)) - listed
    if unlisted:
        problems.append(f"changes.csv does not list the changed grid {_listed(unlisted)}")
    stray = listed - before - after
    if stray:
        problems.append(f"changes.csv lists grids in neither before nor after: {_listed(stray)}")
    if package.manifest["number"] == 1 and (before or after != current):
        problems.append("a county's first filing must carry its whole grid set as new grids")
    return problems


def _lineage_problems(
    layers: dict[str, gpd.GeoDataFrame],
    changes: pd.DataFrame,
    package: Package,
    known_codes: Callable[[Iterable[str]], set[str]] | None,
) -> list[str]:
    before = set(layers["before"]["grid_code"])
    predecessors = _codes_of(changes["predecessors"])
    missing = predecessors - before
    if missing and known_codes is not None:
        missing -= known_codes(missing)
    if not missing:
        return []
    where = "before or an earlier filing" if known_codes is not None else "before"
    return [f"predecessor not in {where}: {_listed(missing)}"]
