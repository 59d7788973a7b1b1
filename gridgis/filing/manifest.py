"""The manifest of a filing (``manifest.json``): what it holds, its identity and its schema.

A filing is identified by ``CCCCCC-NNNN-TTTTTTTT``: the county code, the
county's filing number (1 for its first, its baseline) and eight hex digits
of a digest of its content, so that a filing made again with the same number
(a lost zip re-created) is a different filing the registry can tell apart.

Every filing names the filing it follows (``previous_filing``, null for the
first) and the project versions it covers (``versions.from`` → ``versions.to``),
so the registry can apply a county's filings in order and detect one that was
skipped. ``members`` holds the SHA-256 and size of every other member of the
zip; the manifest itself is covered by the registry, which records its
SHA-256.

Schema, format version 1 (``format_version``; a reader refuses a newer one)::

    {
      "format": "gridgis-filing",
      "format_version": 1,
      "filing_id": "640122-0002-1a2b3c4d",
      "number": 2,
      "previous_filing": "640122-0001-99aa00bb",     # null for number 1
      "county": {"code": "640122", "name": "贺兰县"},
      "versions": {"from": 8, "to": 11},             # from 0 for number 1
      "created": "2025-03-01T09:30:00+08:00",        # with its time zone
      "gridgis_version": "0.1.0",
      "code_scheme": {"name": …, "region": …, "sha256": …},
      "note": "…",                                   # why (--note)
      "counts": {"new": 3, "split": 2, …, "before": 4, "after": 5, "current": 560},
      "members": {"grids.gpkg": {"sha256": "…", "bytes": 123456}, …}
    }
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from gridgis.errors import InputDataError

FORMAT = "gridgis-filing"
#: The manifest format this gridgis writes, and the newest it reads.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Members every filing has.
REQUIRED_MEMBERS = ("grids.gpkg", "changes.csv", "changes.xlsx", "summary.html")
#: Members a filing may have besides: the map and the figure of the changes.
OPTIONAL_MEMBERS = ("changes.html", "changes.png")
MEMBERS = (*REQUIRED_MEMBERS, *OPTIONAL_MEMBERS)
#: The members whose digests make a filing's identity: its data. The pages and
#: the figure that show the identity are made after it.
IDENTITY_MEMBERS = ("grids.gpkg", "changes.csv")
#: Keys of ``counts``: the change types, then the rows of each layer.
COUNT_KEYS = ("new", "split", "merged", "boundary changed", "retired", "before", "after", "current")

FILING_ID = re.compile(r"^(?P<county>\d{6})-(?P<number>\d{4})-(?P<token>[0-9a-f]{8})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class NewerFormatError(InputDataError):
    """The manifest was written by a newer gridgis, in a format this one cannot read."""


def sha256(content: bytes) -> str:
    """Return the SHA-256 of bytes, as 64 lower-case hex digits."""
    return hashlib.sha256(content).hexdigest()


def filing_id(
    county_code: str, number: int, *, version_from: int, version_to: int, created: str, digests: str
) -> str:
    """Return the identity of a filing: county, number and a digest of its content.

    Parameters
    ----------
    county_code : str
        The 6-digit county code.
    number : int
        The county's filing number, 1 for its first.
    version_from, version_to : int
        The project versions the filing covers.
    created : str
        The creation time, as in the manifest.
    digests : str
        The SHA-256 digests of the :data:`IDENTITY_MEMBERS`, joined in order.

    Examples
    --------
    >>> filing_id("640122", 2, version_from=8, version_to=11, created="2025-03-01T09:30:00+08:00",
    ...           digests="ab")[:12]
    '640122-0002-'
    """
    text = f"{county_code}|{number}|{version_from}|{version_to}|{created}|{digests}"
    return f"{county_code}-{number:04d}-{sha256(text.encode())[:8]}"


def local_time() -> str:
    """Return the time now, to the second, with the machine's time-zone offset."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def build_manifest(
    *,
    county_code: str,
    county_name: str,
    number: int,
    previous_filing: str | None,
    version_from: int,
    version_to: int,
    created: str,
    gridgis_version: str,
    code_scheme: Mapping[str, str],
    note: str,
    counts: Mapping[str, int],
    members: Mapping[str, bytes],
) -> dict[str, Any]:
    """Return the manifest of a filing whose other members are ``members``.

    Returns
    -------
    dict
        Valid under :func:`manifest_problems`; written with sorted keys.
    """
    listed = {name: members[name] for name in MEMBERS if name in members}
    digests = {name: sha256(content) for name, content in listed.items()}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "filing_id": filing_id(
            county_code,
            number,
            version_from=version_from,
            version_to=version_to,
            created=created,
            digests="".join(digests[name] for name in IDENTITY_MEMBERS if name in digests),
        ),
        "number": number,
        "previous_filing": previous_filing,
        "county": {"code": county_code, "name": county_name},
        "versions": {"from": version_from, "to": version_to},
        "created": created,
        "gridgis_version": gridgis_version,
        "code_scheme": dict(code_scheme),
        "note": note,
        "counts": {key: int(counts.get(key, 0)) for key in COUNT_KEYS},
        "members": {
            name: {"sha256": digests[name], "bytes": len(content)}
            for name, content in listed.items()
        },
    }


def manifest_problems(manifest: object) -> list[str]:
    """Check a manifest against the schema; return what is wrong, one sentence each.

    Raises
    ------
    NewerFormatError
        If the manifest's format version is newer than :data:`FORMAT_VERSION`:
        nothing else can be checked then.
    """
    if not isinstance(manifest, dict):
        return ["manifest.json is not a JSON object"]
    problems: list[str] = []
    if manifest.get("format") != FORMAT:
        problems.append(f"manifest.json: format is {manifest.get('format')!r}, not {FORMAT!r}")
    given = manifest.get("format_version")
    version = _integer(given)
    if version is None or version < 1:
        problems.append(f"manifest.json: format_version {given!r} is not a positive integer")
    elif version > FORMAT_VERSION:
        raise NewerFormatError(
            f"manifest.json has format version {version}, newer than the {FORMAT_VERSION} this "
            "gridgis reads: the filing was made by a newer gridgis; upgrade gridgis to read it"
        )
    problems += _identity_problems(manifest)
    problems += _field_problems(manifest)
    return problems


def _identity_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    county = manifest.get("county")
    code = county.get("code") if isinstance(county, dict) else None
    if not (isinstance(code, str) and re.fullmatch(r"\d{6}", code)):
        problems.append("manifest.json: county.code is not a 6-digit county code")
    if not (isinstance(county, dict) and isinstance(county.get("name"), str)):
        problems.append("manifest.json: county.name is missing")
    identity = manifest.get("filing_id")
    match = FILING_ID.match(identity) if isinstance(identity, str) else None
    number = _integer(manifest.get("number"))
    if match is None:
        problems.append(
            f"manifest.json: filing_id {identity!r} is not of the form CCCCCC-NNNN-hex8"
        )
    elif match["county"] != code or int(match["number"]) != number:
        problems.append(
            f"manifest.json: filing_id {identity} does not match county {code} and number {number}"
        )
    if number is None or number < 1:
        problems.append(
            f"manifest.json: number {manifest.get('number')!r} is not a positive integer"
        )
    previous = manifest.get("previous_filing")
    versions = manifest.get("versions")
    start = _integer(versions.get("from")) if isinstance(versions, dict) else None
    end = _integer(versions.get("to")) if isinstance(versions, dict) else None
    if start is None or end is None or not 0 <= start < end:
        problems.append(
            f"manifest.json: versions from {start!r} to {end!r} are not 0 <= from < to integers"
        )
    elif (number == 1) != (previous is None) or (previous is None) != (start == 0):
        problems.append(
            "manifest.json: only a county's first filing (number 1) starts at version 0 and "
            "follows no filing"
        )
    if previous is not None and not (isinstance(previous, str) and FILING_ID.match(previous)):
        problems.append(f"manifest.json: previous_filing {previous!r} is not a filing id")
    return problems


def _field_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    created = manifest.get("created")
    try:
        when = dt.datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        problems.append(
            f"manifest.json: created {created!r} is not a time with its time zone "
            "(ISO 8601, e.g. 2025-03-01T09:30:00+08:00)"
        )
    for key in ("gridgis_version", "note"):
        if not isinstance(manifest.get(key), str):
            problems.append(f"manifest.json: {key} is missing or not text")
    scheme = manifest.get("code_scheme")
    if not (
        isinstance(scheme, dict)
        and isinstance(scheme.get("name"), str)
        and isinstance(scheme.get("sha256"), str)
        and _SHA256.match(scheme["sha256"])
    ):
        problems.append("manifest.json: code_scheme needs a name and the SHA-256 of its file")
    counts = manifest.get("counts")
    if not (isinstance(counts, dict) and all(_is_int(counts.get(k)) for k in COUNT_KEYS)):
        problems.append(
            f"manifest.json: counts needs an integer for each of {', '.join(COUNT_KEYS)}"
        )
    members = manifest.get("members")
    if not isinstance(members, dict):
        return [*problems, "manifest.json: members is missing"]
    for name in REQUIRED_MEMBERS:
        if name not in members:
            problems.append(f"manifest.json: member {name} is not listed")
    for name, entry in members.items():
        if name not in MEMBERS:
            problems.append(f"manifest.json: {name!r} is not a member a filing has")
        elif not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _SHA256.match(entry["sha256"])
            and _is_int(entry.get("bytes"))
            and entry["bytes"] >= 0
        ):
            problems.append(f"manifest.json: {name} needs its sha256 (64 hex digits) and bytes")
    return problems


def _is_int(value: object) -> bool:
    return _integer(value) is not None


def _integer(value: object) -> int | None:
    """Return a JSON integer as an int, None for anything else (true/false included)."""
    # JSON true/false are bools, which Python counts as ints.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def code_scheme_identity() -> dict[str, str]:
    """Return the identity of the code scheme in use: its name, region and file's SHA-256.

    Two offices whose schemes hash alike read every code alike. (The hash is of
    the file's text, so a changed comment changes it too: it names the file, it
    does not compare layouts.)
    """
    from gridgis.codes import DEFAULT_SCHEME_PATH, default_scheme

    scheme = default_scheme()
    return {
        "name": scheme.name,
        "region": scheme.region,
        "sha256": sha256(DEFAULT_SCHEME_PATH.read_text(encoding="utf-8").encode("utf-8")),
    }
