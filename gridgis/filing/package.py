"""The filing zip: written whole, read safely, nothing unpacked blindly.

A filing comes from outside the prefecture's office, so reading one trusts
nothing in it:

- the file must start like a zip (``PK``) and open as one;
- a member name may not be absolute (``/x``, ``C:x``), climb (``..``), hold a
  backslash or be a folder, a link or encrypted; names are unique and each is
  one :data:`~gridgis.filing.manifest.MEMBERS` listed in the manifest;
- each member is read into memory in chunks, and reading stops as soon as it
  passes :data:`MAX_MEMBER_BYTES` (or all members :data:`MAX_TOTAL_BYTES`):
  the sizes a zip declares are not believed, so a zip bomb is stopped after
  reading the limit, not after filling the disk;
- every member's SHA-256 is compared with the manifest before anything uses it.

Only ``grids.gpkg`` ever touches the disk, and only after its checksum
matched: SQLite needs a file, so :meth:`Package.member_file` writes it into a
private temporary folder (mode 0700) and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from gridgis.errors import InputDataError
from gridgis.filing.manifest import (
    MANIFEST,
    MEMBERS,
    NewerFormatError,
    manifest_problems,
    sha256,
)

#: The most one member may unpack to; a county's grids take a few megabytes.
MAX_MEMBER_BYTES = 256 * 2**20
#: The most all members together may unpack to.
MAX_TOTAL_BYTES = 512 * 2**20
#: The most a manifest may take (it is a few kilobytes).
MAX_MANIFEST_BYTES = 2**20
#: The most entries a filing zip may hold.
MAX_ENTRIES = 32

_CHUNK = 2**20
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# A fixed time stamp: the same members give the same zip bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(InputDataError):
    """A filing zip cannot be used; ``reasons`` lists every reason found, one sentence each."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        more = f" (and {len(reasons) - 1} more problems)" if len(reasons) > 1 else ""
        super().__init__(f"{reasons[0]}{more}")


@dataclass
class Package:
    """A filing read and checked: its manifest and its members' bytes."""

    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    members: dict[str, bytes] = field(repr=False)

    @property
    def filing_id(self) -> str:
        """The filing's identity, as its manifest states it."""
        return str(self.manifest["filing_id"])

    @property
    def county_code(self) -> str:
        """The county that made the filing."""
        return str(self.manifest["county"]["code"])

    @contextlib.contextmanager
    def member_file(self, name: str) -> Iterator[Path]:
        """Yield a member as a file in a private temporary folder, removed afterwards."""
        folder = Path(tempfile.mkdtemp(prefix="gridgis-filing-"))  # mode 0700
        try:
            path = folder / PurePosixPath(name).name
            path.write_bytes(self.members[name])
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def write_package(path: Path, manifest: Mapping[str, Any], members: Mapping[str, bytes]) -> str:
    """Write a filing zip: the manifest first, then the members in their usual order.

    The caller checks ``path`` and writes through
    :func:`gridgis.io.safety.atomic_path`.

    Returns
    -------
    str
        The SHA-256 of ``manifest.json`` as written, which the registry records.
    """
    text = (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in [(MANIFEST, text), *_ordered(members)]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, content)
    return sha256(text)


def _ordered(members: Mapping[str, bytes]) -> list[tuple[str, bytes]]:
    return [(name, members[name]) for name in MEMBERS if name in members]


def read_package(
    path: Path,
    *,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> Package:
    """Open a filing zip safely and check its manifest and every member's checksum.

    Parameters
    ----------
    path : Path
        The filing zip.
    max_member_bytes, max_total_bytes : int
        Refuse a member, or all of them, unpacking to more than this.

    Returns
    -------
    Package

    Raises
    ------
    PackageError
        With every reason found: not a zip, an unsafe or unexpected member
        name, a member too large, a manifest that breaks the schema or is of a
        newer format, a missing member, a checksum that does not match.

    Examples
    --------
    >>> package = read_package(Path("filing.zip"))  # doctest: +SKIP
    >>> package.manifest["county"]["code"]  # doctest: +SKIP
    '640122'
    """
    path = Path(path)
    _check_is_zip(path)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_entries(path, entries)
            reader = _Reader(archive, max_member_bytes, max_total_bytes)
            manifest_bytes = reader.read(MANIFEST, limit=MAX_MANIFEST_BYTES)
            manifest = _parse_manifest(manifest_bytes)
            listed = manifest["members"]
            unexpected = [e.filename for e in entries if e.filename not in (MANIFEST, *listed)]
            if unexpected:
                raise PackageError(
                    [
                        f"{name}: not listed in manifest.json, so not part of the filing"
                        for name in unexpected
                    ]
                )
            members = {name: reader.read(name) for name in listed if name in reader.names}
    except zipfile.BadZipFile as error:
        raise PackageError([f"{path.name} is damaged: {error}"]) from None
    _check_digests(listed, members)
    return Package(path, manifest, sha256(manifest_bytes), members)


def _check_is_zip(path: Path) -> None:
    if not path.is_file():
        raise PackageError([f"{path} does not exist or is not a file"])
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in _ZIP_MAGIC or not zipfile.is_zipfile(path):
        raise PackageError(
            [f"{path.name} is not a zip file; a filing is the .zip 'gridgis filing create' writes"]
        )


def unsafe_name(name: str) -> str | None:
    """Say why a zip member name is unsafe to use, or None if it is safe.

    Examples
    --------
    >>> unsafe_name("../etc/passwd")
    "climbs out of the filing with '..'"
    >>> unsafe_name("grids.gpkg") is None
    True
    """
    if not name or name.endswith("/"):
        return "is a folder"
    if "\\" in name:
        return "holds a backslash"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the filing with '..'"
    if any(ord(character) < 32 for character in name):
        return "holds a control character"
    return None


def _check_entries(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise PackageError(
            [f"{path.name} holds {len(entries)} entries, more than a filing has; refused"]
        )
    reasons = []
    seen: set[str] = set()
    for entry in entries:
        name = entry.filename
        why = unsafe_name(name)
        if why:
            reasons.append(f"member {name!r} {why}; refused")
        elif stat.S_ISLNK(entry.external_attr >> 16):
            reasons.append(f"member {name!r} is a symbolic link; refused")
        elif entry.flag_bits & 0x1:
            reasons.append(f"member {name!r} is encrypted; refused")
        elif name in seen:
            reasons.append(f"member {name!r} appears twice; refused")
        elif name != MANIFEST and name not in MEMBERS:
            reasons.append(f"member {name!r} is not a member a filing has; refused")
        seen.add(name)
    if MANIFEST not in seen and not reasons:
        reasons.append(f"{path.name} has no manifest.json; it is not a gridgis filing")
    if reasons:
        raise PackageError(reasons)


class _Reader:
    """Read members into memory with a size limit each and in all."""

    def __init__(self, archive: zipfile.ZipFile, member_limit: int, total_limit: int) -> None:
        self.archive = archive
        self.member_limit = member_limit
        self.total_limit = total_limit
        self.total = 0
        self.names = {entry.filename for entry in archive.infolist()}

    def read(self, name: str, *, limit: int | None = None) -> bytes:
        limit = self.member_limit if limit is None else limit
        info = self.archive.getinfo(name)
        if info.file_size > limit:
            raise PackageError([_too_large(name, limit)])
        chunks = []
        size = 0
        with self.archive.open(info) as member:
            # Read at most one byte past the limit: a member that lies about
            # its size is stopped there, whatever its header says.
            while chunk := member.read(min(_CHUNK, limit + 1 - size)):
                size += len(chunk)
                self.total += len(chunk)
                if size > limit:
                    raise PackageError([_too_large(name, limit)])
                if self.total > self.total_limit:
                    raise PackageError(
                        [
                            f"the members unpack to more than {self.total_limit / 2**20:g} MiB "
                            "in all (a zip bomb?); refused"
                        ]
                    )
                chunks.append(chunk)
        return b"".join(chunks)


def _too_large(name: str, limit: int) -> str:
    return f"member {name} unpacks to more than {limit / 2**20:g} MiB (a zip bomb?); refused"


def _parse_manifest(content: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageError([f"manifest.json is not valid UTF-8 JSON: {error}"]) from None
    try:
        problems = manifest_problems(manifest)
    except NewerFormatError as error:
        raise PackageError([str(error)]) from None
    if problems:
        raise PackageError(problems)
    return manifest


def _check_digests(listed: Mapping[str, Mapping[str, Any]], members: Mapping[str, bytes]) -> None:
    reasons = []
    for name, entry in listed.items():
        if name not in members:
            reasons.append(f"{name}: listed in manifest.json but missing from the zip")
            continue
        content = members[name]
        if len(content) != entry["bytes"] or sha256(content) != entry["sha256"]:
            reasons.append(
                f"{name}: SHA-256 does not match manifest.json; the member was changed after the "
                "filing was made (tampered or damaged)"
            )
    if reasons:
        raise PackageError(reasons)
