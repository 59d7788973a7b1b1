"""The prefecture's registry: every county's filings and grids, in a GeoPackage or in PostGIS.

A prefecture (5 to 11 counties) or a region (22 in Ningxia) collects the
filings of its counties in one registry. Its embedded home is a GeoPackage
file (:mod:`gridgis.filing.gpkg_registry`), for one office on one machine;
its real home is a PostGIS schema (:mod:`gridgis.filing.postgis`), which
many counties can file into at the same time. Both hold the same tables:

- ``registry_meta``: the scope (prefecture or region and its code), the code
  scheme's identity, the format;
- ``counties``: each county that filed, its last filing and version;
- ``filings``: every filing applied, in order, with its manifest;
- ``grids``: every grid any filing brought, with the project store's history
  columns: ``valid_from`` (the registry id of the filing that made the row),
  ``valid_to`` (of the filing that replaced or retired it; NULL while
  current) and ``row_hash`` (the SHA-256 of the code and the normalised
  shape), and ``county_code``.

**Applying a filing** (:func:`apply_filing`) runs in one transaction that
holds the county's lock (see each store for how), and refuses, with the
reason, a filing that does not verify, is for a county outside the scope,
was made with another code scheme, skips a filing or is out of order,
starts from a state that is not the registry's (``before`` and the
unchanged grids of ``current`` are compared with the registry's current
grids of the county, code by code and shape by shape), or brings a code
another county holds or that the county retired. Applying a filing again
changes nothing and says so. After the change the registry's current grids
of the county are exactly the filing's ``current``, which is checked before
committing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.errors import InputDataError, StoreError
from gridgis.filing.backend import (
    CountySession,
    RegistryStore,
    Target,
    parse_target,
)
from gridgis.filing.layers import as_multipolygons
from gridgis.filing.package import Package, PackageError, read_package
from gridgis.filing.verify import Verification, verify_filing

logger = logging.getLogger(__name__)

#: The layout of the registry's tables; a registry of a newer layout is refused.
REGISTRY_FORMAT = 1
#: A message lists at most this many codes.
SHOWN = 5


class FilingRejected(InputDataError):
    """The registry refuses a filing; ``reasons`` holds every reason, one sentence each."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        more = f" (and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ""
        super().__init__(f"{reasons[0]}{more}")


@dataclass(frozen=True)
class Scope:
    """Whose counties a registry takes: a prefecture's (640100) or a region's (640000)."""

    kind: Literal["prefecture", "region"]
    code: str

    def covers(self, county_code: str) -> bool:
        """Say whether a county belongs to the scope (by its code's leading digits)."""
        width = 4 if self.kind == "prefecture" else 2
        return county_code[:width] == self.code[:width]

    @property
    def label(self) -> str:
        """How messages name the scope."""
        return f"{self.kind} {self.code}"


def check_scope_code(kind: str, code: str) -> str:
    """Return a prefecture or region code if it is well formed, else raise.

    A prefecture's 6-digit GB/T 2260 code ends in ``00`` (640100), a region's
    in ``0000`` (640000).

    Raises
    ------
    InputDataError
        Saying what a code of that kind looks like.
    """
    if not re.fullmatch(r"\d{6}", code or ""):
        raise InputDataError(f"{code!r} is not a 6-digit code such as 640100 or 640000")
    if kind == "region" and not code.endswith("0000"):
        raise InputDataError(f"{code} is not a region code: a region's code ends in 0000 (640000)")
    if kind == "prefecture" and (not code.endswith("00") or code.endswith("0000")):
        raise InputDataError(
            f"{code} is not a prefecture code: it ends in 00 but not 0000 (640100); "
            "for a region use --region"
        )
    return code


def row_hashes(codes: Iterable[str], geometry: np.ndarray) -> list[str]:
    """Return the registry's row hash of each grid: SHA-256 of its code and normalised shape.

    The shape is made a MultiPolygon and normalised (ring order and start), so
    the same grid hashes alike whichever program wrote it.
    """
    shapes = shapely.normalize(as_multipolygons(geometry))
    blobs = shapely.to_wkb(shapes, byte_order=1, output_dimension=2)
    # One hash per grid: thousands per filing.
    return [
        hashlib.sha256(f"{code}|".encode() + blob).hexdigest()
        for code, blob in zip(codes, blobs, strict=True)
    ]


def open_store(target: Target) -> RegistryStore:
    """Return the store of a target (PostGIS needs psycopg, the ``postgis`` extra)."""
    if target.kind == "gpkg":
        from gridgis.filing.gpkg_registry import GeoPackageRegistry

        return GeoPackageRegistry(target)
    from gridgis.filing.postgis import PostgisRegistry

    return PostgisRegistry(target)


@contextlib.contextmanager
def _registry(target: str | Target) -> Iterator[RegistryStore]:
    store = open_store(parse_target(target) if isinstance(target, str) else target)
    try:
        yield store
    finally:
        store.close()


# -- use cases ----------------------------------------------------------------
def init_registry(target: str, scope: Scope, *, overwrite: bool = False) -> Target:
    """Create an empty registry for a prefecture's or a region's counties.

    Parameters
    ----------
    target : str
        A ``.gpkg`` path or a ``postgresql://`` URL (``?schema=`` optional).
    scope : Scope
        The prefecture or region whose counties the registry takes.
    overwrite : bool
        Replace an existing GeoPackage registry (never a project).

    Returns
    -------
    Target

    Raises
    ------
    InputDataError, StoreError
        If the target exists already, cannot be written or reached.
    """
    from gridgis import __version__
    from gridgis.filing.manifest import code_scheme_identity

    identity = code_scheme_identity()
    meta = {
        "format": "gridgis-registry",
        "registry_format": str(REGISTRY_FORMAT),
        "scope_kind": scope.kind,
        "scope_code": scope.code,
        "code_scheme_name": identity["name"],
        "code_scheme_sha256": identity["sha256"],
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "created_by": f"gridgis {__version__}",
    }
    with _registry(target) as store:
        store.create(meta, overwrite=overwrite)
        return store.target


def _scope_of(meta: Mapping[str, str], target: Target) -> Scope:
    if int(meta.get("registry_format", "0")) > REGISTRY_FORMAT:
        raise StoreError(
            f"{target.label} is a registry of a newer layout ({meta['registry_format']}); "
            "upgrade gridgis"
        )
    kind = meta.get("scope_kind")
    return Scope("region" if kind == "region" else "prefecture", meta.get("scope_code", ""))


@dataclass
class ApplyReport:
    """What applying a filing did."""

    filing_id: str
    county_code: str
    county_name: str
    number: int
    version_from: int
    version_to: int
    target: str
    already_applied: bool = False
    applied: str = ""
    closed: int = 0
    added: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def apply_filing(target: str, filing: Path) -> ApplyReport:
    """Apply a county's filing to the registry, in one transaction.

    Parameters
    ----------
    target : str
        The registry: a ``.gpkg`` path or a ``postgresql://`` URL.
    filing : Path
        The filing zip.

    Returns
    -------
    ApplyReport
        ``already_applied`` when the same filing was applied before (then
        nothing changed).

    Raises
    ------
    FilingRejected
        With every reason: the filing does not verify, its county is outside
        the registry's scope, it was made with another code scheme, it skips
        a filing or is out of order, its before state is not the registry's,
        its codes collide with another county's or reuse retired ones.

    Examples
    --------
    >>> apply_filing("registry.gpkg", Path("filing.zip")).added  # doctest: +SKIP
    34
    """
    package = _read(filing)
    manifest = package.manifest
    county, name = package.county_code, manifest["county"]["name"]
    with _registry(target) as store:
        meta = store.meta()
        scope = _scope_of(meta, store.target)
        if not scope.covers(county):
            raise FilingRejected(
                [
                    f"county {county} ({name}) is outside the registry's {scope.label}: "
                    f"this registry takes the counties whose codes start with "
                    f"{scope.code[: 4 if scope.kind == 'prefecture' else 2]}"
                ]
            )
        if manifest["code_scheme"]["sha256"] != meta.get("code_scheme_sha256"):
            raise FilingRejected(
                [
                    f"the filing was made with code scheme {manifest['code_scheme']['name']!r}, "
                    f"not the registry's {meta.get('code_scheme_name')!r}"
                ]
            )
        report = ApplyReport(
            filing_id=package.filing_id,
            county_code=county,
            county_name=name,
            number=manifest["number"],
            version_from=manifest["versions"]["from"],
            version_to=manifest["versions"]["to"],
            target=store.target.label,
            counts=dict(manifest["counts"]),
        )
        with store.county_session(county, name) as session:
            # Verified inside the transaction: a predecessor may be a code an
            # earlier filing of the county brought.
            verification = verify_filing(
                filing, known_codes=lambda codes: session.codes_of_county(county, codes)
            )
            if not verification.ok:
                raise FilingRejected(verification.problems)
            _apply(session, verification, package.manifest_sha256, report)
        return report


def _read(filing: Path) -> Package:
    """Read a filing safely (names, sizes, manifest, checksums); the full checks follow."""
    try:
        return read_package(filing)
    except PackageError as error:
        raise FilingRejected(error.reasons) from None


def _listed(codes: Iterable[str]) -> str:
    codes = sorted(codes)
    shown = ", ".join(codes[:SHOWN])
    return shown + (f" and {len(codes) - SHOWN} more" if len(codes) > SHOWN else "")


def _apply(
    session: CountySession, verification: Verification, digest: str, report: ApplyReport
) -> None:
    """Check the filing against the registry's state and apply it (inside the county's lock)."""
    assert verification.package is not None
    manifest = verification.package.manifest
    county = report.county_code
    same = session.filing(report.filing_id)
    if same is not None:
        if same.manifest_sha256 != digest:
            raise FilingRejected(
                [f"another filing with the id {report.filing_id} was applied already"]
            )
        report.already_applied = True
        report.applied = same.applied
        session.keep = False
        return
    _check_order(session, manifest)
    layers = verification.layers
    before, after, current = layers["before"], layers["after"], layers["current"]
    before_hash = dict(
        zip(
            before["grid_code"],
            row_hashes(before["grid_code"], before.geometry.to_numpy()),
            strict=True,
        )
    )
    current_hash = dict(
        zip(
            current["grid_code"],
            row_hashes(current["grid_code"], current.geometry.to_numpy()),
            strict=True,
        )
    )
    after_codes = set(after["grid_code"])
    expected = {code: h for code, h in current_hash.items() if code not in after_codes}
    expected.update(before_hash)
    _check_state(session.current_hashes(county), expected, county)
    _check_codes(session, county, after_codes - set(before_hash))
    filing_id = session.record_filing(manifest, digest)
    leaving = [code for code in before_hash if code in after_codes or code not in current_hash]
    report.closed = session.close_grids(county, leaving, filing_id)
    added = after.assign(row_hash=[current_hash[code] for code in after["grid_code"]])
    report.added = session.add_grids(county, added, filing_id)
    session.set_last(county, filing_id, manifest["versions"]["to"])
    result = session.current_hashes(county)
    if result != current_hash:
        raise StoreError(
            f"applying {report.filing_id} would leave the registry's grids of {county} different "
            "from the filing's current grids; nothing was changed"
        )


def _check_order(session: CountySession, manifest: Mapping[str, Any]) -> None:
    county = manifest["county"]["code"]
    number, previous = manifest["number"], manifest["previous_filing"]
    identity = manifest["filing_id"]
    last = session.last_filing(county)
    expected = last.filing_id if last else None
    if previous == expected and (last is None or manifest["versions"]["from"] == last.version_to):
        return
    taken = session.filing_number(county, number)
    if taken is not None:
        raise FilingRejected(
            [
                f"filing {identity} is number {number} of county {county}, and the registry "
                f"applied number {number} already, as {taken.filing_id} (on {taken.applied}); "
                "a county's filings apply once each, in order: make a new filing that "
                "continues the registry's last one"
            ]
        )
    if last is None:
        raise FilingRejected(
            [
                f"the registry has no filing of county {county} yet: apply its first filing "
                f"(number 1, the baseline with every grid) before {identity} (number {number})"
            ]
        )
    if number > last.number + 1:
        raise FilingRejected(
            [
                f"filing {identity} (number {number}) follows {previous}, which the registry has "
                f"not received: the last filing of county {county} applied is {last.filing_id} "
                f"(number {last.number}); apply the filings in between first (out of order or "
                "skipped)"
            ]
        )
    raise FilingRejected(
        [
            f"filing {identity} follows {previous} from version {manifest['versions']['from']}, "
            f"but the last filing of county {county} applied is {last.filing_id}, which ended at "
            f"version {last.version_to}"
        ]
    )


def _check_state(registry: Mapping[str, str], expected: Mapping[str, str], county: str) -> None:
    """Refuse unless the registry's current grids of the county are the filing's before state."""
    missing = set(expected) - set(registry)
    extra = set(registry) - set(expected)
    differ = {code for code in set(expected) & set(registry) if expected[code] != registry[code]}
    reasons = []
    if missing:
        reasons.append(
            f"the filing's before state has grids the registry does not hold for county "
            f"{county}: {_listed(missing)}"
        )
    if extra:
        reasons.append(
            f"the registry holds grids of county {county} the filing's before state lacks: "
            f"{_listed(extra)}"
        )
    if differ:
        reasons.append(
            f"the shape of grids in the filing's before state differs from the registry's: "
            f"{_listed(differ)}"
        )
    if reasons:
        raise FilingRejected(
            [f"before state does not match the registry: {reason}" for reason in reasons]
        )


def _check_codes(session: CountySession, county: str, new_codes: set[str]) -> None:
    """Refuse new codes that another county holds or that the county retired."""
    elsewhere = session.codes_elsewhere(county, new_codes)
    reasons = [
        f"code {code} collides with county {other}'s grid of the same code"
        for code, other in sorted(elsewhere.items())[:SHOWN]
    ]
    reused = session.codes_of_county(county, new_codes)
    if reused:
        reasons.append(
            f"codes retired by an earlier filing are issued again (a code is never reused): "
            f"{_listed(reused)}"
        )
    if reasons:
        raise FilingRejected(reasons)


# -- reading ------------------------------------------------------------------
def registry_log(
    target: str, *, stale_days: float | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the filings received and, per county, the latest and whether it is stale.

    Parameters
    ----------
    target : str
        The registry.
    stale_days : float, optional
        Flag counties whose latest filing was created more than this many days ago.

    Returns
    -------
    (DataFrame, DataFrame)
        The filings (county, id, number, versions, created, applied, changes,
        note), and one row per county of the scope that the code scheme names
        or that filed: filings, last filing, its age in days, ``stale``.
    """
    from gridgis.codes import default_scheme

    with _registry(target) as store:
        scope = _scope_of(store.meta(), store.target)
        filings = store.filings()
        counties = store.counties()
    names = {code: name for code, name in default_scheme().counties.items() if scope.covers(code)}
    names.update(dict(zip(counties["county_code"], counties["county_name"], strict=True)))
    now = dt.datetime.now().astimezone()
    rows = []
    for code in sorted(names):
        own = filings[filings["county_code"] == code]
        last = own.iloc[-1] if len(own) else None
        age = None
        if last is not None:
            created = dt.datetime.fromisoformat(str(last["created"]))
            age = (now - created).total_seconds() / 86400
        rows.append(
            {
                "county_code": code,
                "county_name": names[code],
                "filings": len(own),
                "last_filing": None if last is None else last["filing_id"],
                "last_version": None if last is None else int(last["version_to"]),
                "last_created": None if last is None else str(last["created"]),
                "age_days": age,
                "stale": last is None
                or (stale_days is not None and age is not None and age > stale_days),
            }
        )
    return filings, pd.DataFrame(rows)


def registry_grids(target: str, *, county: str | None = None) -> gpd.GeoDataFrame:
    """Return the current grids of every county, or of one, ordered by county and code."""
    with _registry(target) as store:
        store.meta()
        return store.current_grids(county)


@dataclass(frozen=True)
class RegistryContents:
    """What a registry holds now: its scope, every filing applied, and the current grids.

    Attributes
    ----------
    label : str
        The registry as messages name it (a URL without its password).
    scope : Scope
    filings : DataFrame
        Every filing applied, in the order applied (``filing_id``,
        ``county_code``, ``number``, ``created``, ``applied`` as ISO texts …).
    counties : dict
        County code -> name, of every county that filed, by code.
    grids : GeoDataFrame
        The current grids (of the chosen counties), ordered by county and
        code: ``county_code``, the grid columns, ``filing_id`` (the filing
        that made the row), in CGCS2000.
    """

    label: str
    scope: Scope
    filings: pd.DataFrame
    counties: dict[str, str]
    grids: gpd.GeoDataFrame


def read_registry(target: str, *, counties: Iterable[str] = ()) -> RegistryContents:
    """Read a registry's scope, filings and current grids, of every county or of some.

    Raises
    ------
    InputDataError
        If no filing was applied yet, or a county asked for has no filing in
        the registry.
    StoreError
        If the target is no registry or cannot be reached.
    """
    wanted = list(dict.fromkeys(counties))
    with _registry(target) as store:
        scope = _scope_of(store.meta(), store.target)
        label = store.target.label
        filings = store.filings()
        if filings.empty:
            raise InputDataError(
                f"the registry {label} has no filings applied yet: apply a county's filing "
                "with 'gridgis filing apply' first"
            )
        table = store.counties()
        names = dict(zip(table["county_code"], table["county_name"], strict=True))
        unknown = [code for code in wanted if code not in set(filings["county_code"])]
        if unknown:
            raise InputDataError(
                f"county {', '.join(unknown)} has no filing in the registry; "
                f"the counties that filed are {_listed(set(filings['county_code']))}"
            )
        if len(wanted) == 1:
            grids = store.current_grids(wanted[0])
        else:
            grids = store.current_grids()
            if wanted:
                grids = grids[grids["county_code"].isin(wanted)].reset_index(drop=True)
    return RegistryContents(label, scope, filings, names, grids)


def export_registry_grids(
    target: str, output: Path, *, county: str | None = None, overwrite: bool = False
) -> int:
    """Write the registry's current grids to a GPKG, GeoJSON, SHP, CSV or XLSX file.

    Returns
    -------
    int
        Rows written.

    Raises
    ------
    InputDataError
        If the output is refused, or the registry holds no grids (of that county).
    """
    from gridgis.io.output import BatchWriter, check_output

    protected = [] if target.startswith(("postgresql://", "postgres://")) else [target]
    check_output(output, overwrite=overwrite, protected=protected)
    grids = registry_grids(target, county=county)
    if grids.empty:
        which = f" of county {county}" if county else ""
        raise InputDataError(f"the registry holds no current grids{which}")
    keep_geometry = output.suffix.lower() != ".xlsx"
    with BatchWriter(
        output, layer="grids", overwrite=overwrite, keep_geometry=keep_geometry, protected=protected
    ) as sink:
        sink.write(grids)
    return len(grids)
