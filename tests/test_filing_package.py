"""The filing zip: what a county writes, and every malformed or malicious zip refused."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from conftest import file_digest, run
from filing_fixtures import FiledCounty

from gridgis.filing.manifest import FORMAT_VERSION, code_scheme_identity, manifest_problems
from gridgis.filing.package import PackageError, read_package, unsafe_name
from gridgis.filing.verify import verify_filing


def rezip(
    source: Path,
    target: Path,
    *,
    replace: dict[str, bytes] | None = None,
    extra: list[tuple[str, bytes]] | None = None,
) -> Path:
    """Copy a filing zip, replacing some members' bytes and adding others (no checksum fixed)."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info)))
        for name, content in extra or []:
            new.writestr(zipfile.ZipInfo(name), content)
    return target


def manifest_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def test_a_filing_holds_every_member_with_its_checksum(filed_county: FiledCounty) -> None:
    first, second = filed_county.filings[:2]
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert names[0] == "manifest.json"
    assert {"grids.gpkg", "changes.csv", "changes.xlsx", "summary.html"} <= set(names)
    manifest = manifest_of(first)
    assert manifest_problems(manifest) == []
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["county"] == {"code": "640122", "name": "贺兰县"}
    assert manifest["number"] == 1 and manifest["previous_filing"] is None
    assert manifest["versions"]["from"] == 0
    assert dt.datetime.fromisoformat(manifest["created"]).tzinfo is not None
    assert manifest["code_scheme"] == code_scheme_identity()
    assert manifest["note"] == "首次备案"
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    later = manifest_of(second)
    assert later["number"] == 2
    assert later["previous_filing"] == manifest["filing_id"]
    assert later["versions"]["from"] == manifest["versions"]["to"]
    # A county's first filing is its baseline: every grid, all new.
    package = read_package(first)
    assert package.filing_id == manifest["filing_id"]
    result = verify_filing(first)
    assert result.ok, result.problems
    assert len(result.layers["before"]) == 0
    assert set(result.layers["after"]["grid_code"]) == set(result.layers["current"]["grid_code"])
    assert set(result.changes["change"]) == {"new"}


def test_the_cli_verifies_a_clean_filing(filed_county: FiledCounty) -> None:
    result = run("filing", "verify", filed_county.filings[1])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output and "640122-0002-" in result.output


def _refused(path: Path, match: str) -> list[str]:
    with pytest.raises(PackageError) as caught:
        read_package(path)
    assert any(match in reason for reason in caught.value.reasons), caught.value.reasons
    result = run("filing", "verify", path)
    assert result.exit_code == 1, result.output
    assert match in result.output
    return caught.value.reasons


def test_a_tampered_member_is_refused(filed_county: FiledCounty, tmp_path: Path) -> None:
    source = filed_county.filings[1]
    with zipfile.ZipFile(source) as archive:
        table = archive.read("changes.csv")
        summary = archive.read("summary.html")
    tampered = rezip(
        source,
        tmp_path / "tampered.zip",
        replace={
            "changes.csv": table.replace(b"split", b"splat", 1),
            "summary.html": summary + b" ",
        },
    )
    reasons = _refused(tampered, "SHA-256 does not match manifest.json")
    assert len(reasons) == 2
    # Each reason on its own line.
    output = run("filing", "verify", tampered).output.splitlines()
    assert output[0] == "tampered.zip: 2 problems"
    assert output[1].startswith("changes.csv: SHA-256") and output[2].startswith("summary.html:")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/cron.d/evil", "is an absolute path"),
        ("../../evil.sh", "climbs out of the filing"),
        ("docs/../../evil.sh", "climbs out of the filing"),
        ("..\\evil.bat", "holds a backslash"),
        ("C:evil.bat", "is an absolute path"),
    ],
)
def test_unsafe_member_names_are_refused(
    filed_county: FiledCounty, tmp_path: Path, name: str, why: str
) -> None:
    assert unsafe_name(name) is not None
    path = rezip(filed_county.filings[0], tmp_path / "unsafe.zip", extra=[(name, b"x")])
    before = sorted(p.name for p in tmp_path.iterdir())
    _refused(path, why)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing unpacked


def test_a_member_that_unpacks_past_the_limit_is_refused(
    filed_county: FiledCounty, tmp_path: Path
) -> None:
    # 300 MiB of zeros deflate to about 300 KB: a small zip bomb.
    path = rezip(filed_county.filings[0], tmp_path / "bomb.zip")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if name == "changes.csv":
                with archive.open(name, "w", force_zip64=True) as member:
                    for _ in range(300):
                        member.write(bytes(2**20))
            else:
                archive.writestr(name, content)
    assert path.stat().st_size < 5 * 2**20
    _refused(path, "unpacks to more than 256 MiB (a zip bomb?)")
    # The limit is enforced while reading, whatever size the zip declares.
    with pytest.raises(PackageError, match=r"unpacks to more than 0.0625 MiB"):
        read_package(rezip(filed_county.filings[0], tmp_path / "g.zip"), max_member_bytes=2**16)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "filing.zip"
    fake.write_text("备案材料见附件", encoding="utf-8")
    _refused(fake, "is not a zip file")
    missing = run("filing", "verify", tmp_path / "missing.zip")
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_a_newer_manifest_format_is_refused(filed_county: FiledCounty, tmp_path: Path) -> None:
    manifest = manifest_of(filed_county.filings[0])
    manifest["format_version"] = FORMAT_VERSION + 1
    path = rezip(
        filed_county.filings[0],
        tmp_path / "newer.zip",
        replace={"manifest.json": json.dumps(manifest).encode()},
    )
    _refused(path, "newer than the 1 this gridgis reads")


def test_a_manifest_that_breaks_the_schema_is_refused(
    filed_county: FiledCounty, tmp_path: Path
) -> None:
    manifest = manifest_of(filed_county.filings[1])
    manifest["created"] = "2025-03-01 09:30"  # no time zone
    del manifest["members"]["grids.gpkg"]
    path = rezip(
        filed_county.filings[1],
        tmp_path / "schema.zip",
        replace={"manifest.json": json.dumps(manifest).encode()},
    )
    _refused(path, "is not a time with its time zone")
    _refused(path, "member grids.gpkg is not listed")
    garbled = rezip(
        filed_county.filings[1], tmp_path / "garbled.zip", replace={"manifest.json": b"\xff{"}
    )
    _refused(garbled, "manifest.json is not valid UTF-8 JSON")


def test_unknown_and_missing_members_are_refused(filed_county: FiledCounty, tmp_path: Path) -> None:
    extra = rezip(filed_county.filings[0], tmp_path / "extra.zip", extra=[("notes.txt", b"hi")])
    _refused(extra, "not a member a filing has")
    source = filed_county.filings[0]
    missing = tmp_path / "missing.zip"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(missing, "w") as new:
        for info in old.infolist():
            if info.filename != "changes.xlsx":
                new.writestr(info.filename, old.read(info))
    _refused(missing, "changes.xlsx: listed in manifest.json but missing from the zip")


def test_verify_reads_nothing_to_disk_but_the_checked_geopackage(
    filed_county: FiledCounty, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    digest = file_digest(filed_county.filings[1])
    assert verify_filing(filed_county.filings[1]).ok
    assert list(tmp_path.iterdir()) == []  # the private copy of grids.gpkg was removed
    assert file_digest(filed_county.filings[1]) == digest


def test_grids_gpkg_is_a_geopackage_1_2_that_opens_styled_in_qgis(
    filed_county: FiledCounty, tmp_path: Path
) -> None:
    import sqlite3
    import subprocess

    from test_qgis_style import PROBE, QGIS_PYTHON

    grids = tmp_path / "grids.gpkg"
    with zipfile.ZipFile(filed_county.filings[1]) as archive:
        grids.write_bytes(archive.read("grids.gpkg"))
    with sqlite3.connect(grids) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 10200
    completed = subprocess.run(
        [QGIS_PYTHON, "-c", PROBE, str(grids), "before", "after", "current"],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    counts = manifest_of(filed_county.filings[1])["counts"]
    for layer in ("before", "after", "current"):
        assert report[layer]["valid"] and report[layer]["renderer"] == "RuleRenderer"
        assert report[layer]["features"] == counts[layer]
