"""``gridgis filing create``: the county's grid changes, packed as one zip for the prefecture.

The project remembers every filing it made (the ``filings`` table), so a
county normally gives no version at all: a filing starts where the last one
ended and runs to the current version. The first filing starts from nothing
and carries the complete grid set, which the registry takes as the county's
baseline. Making a filing is itself a version of the project (its note names
the filing), written in one session with the zip: if either fails, neither
is kept.

What goes in the zip is described in :mod:`gridgis.filing`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gridgis import __version__
from gridgis.errors import InputDataError
from gridgis.filing.changes import CHANGE_TYPES, change_table
from gridgis.filing.layers import (
    changes_csv_bytes,
    changes_xlsx_bytes,
    grids_file_bytes,
)
from gridgis.filing.manifest import build_manifest, code_scheme_identity, local_time
from gridgis.filing.package import write_package
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.io.store import ProjectWriter, edit_project
from gridgis.project.access import open_for_writing
from gridgis.schema import FILINGS, conform
from gridgis.summary import Summarised

logger = logging.getLogger(__name__)


@dataclass(repr=False)
class FilingReport(Summarised):
    """What ``filing create`` wrote."""

    output: Path
    filing_id: str
    number: int
    previous_filing: str | None
    version_from: int
    version_to: int
    version: int
    created: str
    manifest_sha256: str
    counts: dict[str, int]
    members: list[str]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        changes = ", ".join(
            f"{self.counts[kind]} {kind}"
            for kind in ("new", "split", "merged", "boundary changed", "retired")
            if self.counts.get(kind)
        )
        return [
            ("filing", f"{self.filing_id} (number {self.number})"),
            ("follows", self.previous_filing or "nothing: a baseline"),
            ("versions", f"{self.version_from} → {self.version_to}"),
            ("changes", changes or "none"),
            ("current grids", self.counts.get("current", 0)),
            ("zip", str(self.output)),
        ]


@dataclass(frozen=True)
class _Range:
    since: int
    to: int
    number: int
    previous: str | None


def create_filing(
    project: Path,
    output: Path,
    *,
    since: int | None = None,
    to: int | None = None,
    note: str = "",
    overwrite: bool = False,
    county_file: Path | None = None,
    command: str = "gridgis filing create",
) -> FilingReport:
    """Write the grid changes of a project, between two versions, as a filing zip.

    Parameters
    ----------
    project : Path
        The county's project.
    output : Path
        The ``.zip`` to write.
    since : int, optional
        The version the filing starts from: where one of the project's
        filings ended, or 0 for a baseline carrying every grid. Default: where
        the last filing ended (0 for the first).
    to : int, optional
        The version it ends at. Default: the current version.
    note : str
        Why the grids changed; printed in the summary for the filing letter.
    overwrite : bool
        Replace ``output`` if it exists.
    county_file : Path, optional
        The county's contacts for the summary (default ``data/county.toml``).
    command : str
        The command line, for the version log.

    Returns
    -------
    FilingReport

    Raises
    ------
    InputDataError
        If the versions do not make a filing (nothing changed, ``since`` is
        not where a filing ended, a version does not exist), the project has
        no grids, or ``output`` is refused.

    Examples
    --------
    >>> create_filing(Path("helan.gpkg"), Path("filing.zip"), note="谢家井村拆分")  # doctest: +SKIP
    """
    project, output = Path(project), Path(output)
    check_output_path(output, overwrite=overwrite, suffixes={".zip"}, protected=[project])
    # A read-only project is refused, an older one upgraded, before any work.
    open_for_writing(project, command=command)
    with atomic_path(output) as temporary, edit_project(project, command=command) as writer:
        meta = writer.meta()
        span = _resolve_range(writer.read_table("filings"), writer.current_version, since, to)
        report = _build(writer, meta, span, note, temporary, county_file)
        report.output = output
        writer.note = (
            f"filing {report.filing_id}: versions {span.since} → {span.to} to {output.name}"
        )
        row = pd.DataFrame(
            [
                {
                    "filing_id": report.filing_id,
                    "number": span.number,
                    "previous_filing": span.previous,
                    "version_from": span.since,
                    "version_to": span.to,
                    "version": writer.version,
                    "created": report.created,
                    "note": note,
                    "file": output.name,
                    "manifest_sha256": report.manifest_sha256,
                    "changes": sum(report.counts.get(c, 0) for c in CHANGE_TYPES),
                }
            ]
        )
        writer.append_table("filings", conform(row, FILINGS), FILINGS.title)
        report.version = writer.version
    return report


def _resolve_range(
    filings: pd.DataFrame, current: int, since: int | None, to: int | None
) -> _Range:
    """Work out the versions, the number and the previous filing of a new filing."""
    to = current if to is None else to
    if not 1 <= to <= current:
        raise InputDataError(f"version {to} does not exist; versions run from 1 to {current}")
    last = None if filings.empty else filings.iloc[-1]
    if since is None:
        since = 0 if last is None else int(last["version_to"])
    if since == 0:
        span = _Range(0, to, 1, None)
    else:
        ended = filings[filings["version_to"].astype(int) == since] if last is not None else None
        if ended is None or ended.empty:
            where = (
                "no filing was made yet"
                if last is None
                else "filings ended at version "
                + ", ".join(str(v) for v in sorted(set(filings["version_to"].astype(int))))
            )
            raise InputDataError(
                f"--since {since} is not where a filing of this project ended ({where}); a "
                "filing continues the one before it, or starts from nothing with --since 0"
            )
        previous = ended.iloc[-1]
        span = _Range(since, to, int(previous["number"]) + 1, str(previous["filing_id"]))
    if span.since >= span.to:
        raise InputDataError(
            f"nothing to file: the filing would run from version {span.since} to {span.to}; "
            "change the grids first, or give --to a later version"
        )
    return span


def _build(
    writer: ProjectWriter,
    meta: dict[str, str],
    span: _Range,
    note: str,
    temporary: Path,
    county_file: Path | None,
) -> FilingReport:
    """Read both versions, build every member and write the zip to ``temporary``."""
    from gridgis.changes import diff_grids
    from gridgis.errors import RenderError
    from gridgis.render.filing_maps import changes_figure_png, changes_map_html
    from gridgis.render.filing_summary import summary_html
    from gridgis.render.labels import FILING_CHANGE_TITLES, FILING_SHEET, STATUS_LABELS

    after_grids = writer.read_grids(version=span.to)
    if after_grids.empty:
        raise InputDataError(f"the project has no grids at version {span.to}; run 'gridgis divide'")
    before_grids = (
        writer.read_grids(version=span.since)
        if span.since
        else gpd.GeoDataFrame(after_grids.iloc[0:0].copy(), crs=after_grids.crs)
    )
    diff = diff_grids(before_grids, after_grids)
    changed = diff[diff["status"] != "unchanged"]
    if changed.empty:
        raise InputDataError(
            f"nothing to file: the grids at version {span.to} are those of version {span.since}"
        )
    codes = set(changed["grid_code"])
    changes = change_table(
        diff,
        grids_before=before_grids,
        grids_after=after_grids,
        assignments_before=_assignments(writer, span.since, codes),
        assignments_after=_assignments(writer, span.to, codes),
        staff_before=_staff(writer, span.since),
        staff_after=_staff(writer, span.to),
    )
    status = diff.set_index("grid_code")["status"]
    predecessors = {c for text in changed["predecessors"] for c in str(text).split()}
    before = before_grids[before_grids["grid_code"].isin(codes | predecessors)]
    after = after_grids[after_grids["grid_code"].isin(codes)]
    layers = {
        "before": before.assign(change=before["grid_code"].map(status).to_numpy()),
        "after": after.assign(change=after["grid_code"].map(status).to_numpy()),
        "current": after_grids,
    }
    counts = {c: int((changes["change"] == c).sum()) for c in CHANGE_TYPES}
    counts.update({name: len(frame) for name, frame in layers.items()})
    workbook = changes.assign(change=changes["change"].map(dict(STATUS_LABELS)))
    members = {
        "grids.gpkg": grids_file_bytes(layers),
        "changes.csv": changes_csv_bytes(changes),
        "changes.xlsx": changes_xlsx_bytes(workbook, dict(FILING_CHANGE_TITLES), FILING_SHEET),
    }
    created = local_time()
    manifest_of: dict[str, Any] = {
        "county_code": meta.get("county_code", ""),
        "county_name": meta.get("county_name", ""),
        "number": span.number,
        "previous_filing": span.previous,
        "version_from": span.since,
        "version_to": span.to,
        "created": created,
        "gridgis_version": __version__,
        "code_scheme": code_scheme_identity(),
        "note": note,
        "counts": counts,
    }
    # The map, the figure and the summary quote the filing's id, a digest of the data members.
    draft = build_manifest(**manifest_of, members=members)
    members["changes.html"] = changes_map_html(layers, draft).encode("utf-8")
    notes = []
    try:
        members["changes.png"] = changes_figure_png(layers, draft)
    except RenderError as error:
        notes.append(f"changes.png left out: {error}")
        logger.warning("changes.png left out: %s", error)
    contact = _contact(_staff(writer, span.to), county_file)
    grid_counts = {
        "base": int((after_grids["level"] == "base").sum()),
        "sector": int((after_grids["kind"] == "sector").sum()),
    }
    members["summary.html"] = summary_html(draft, changes, contact, grid_counts).encode("utf-8")
    manifest = build_manifest(**manifest_of, members=members)
    manifest_digest = write_package(temporary, manifest, members)
    return FilingReport(
        output=temporary,
        filing_id=manifest["filing_id"],
        number=span.number,
        previous_filing=span.previous,
        version_from=span.since,
        version_to=span.to,
        version=0,
        created=created,
        manifest_sha256=manifest_digest,
        counts=counts,
        members=["manifest.json", *manifest["members"]],
        notes=notes,
    )


def _assignments(writer: ProjectWriter, version: int, codes: set[str]) -> pd.DataFrame:
    """Return the enterprises assigned, at a version, to any of the given grids."""
    from gridgis.io.assignment_view import iter_assignments

    empty = pd.DataFrame(columns=["enterprise_id", "grid_code"])
    if not version or not (writer.has_layer("assignments") and writer.has_layer("enterprises")):
        return empty
    if not writer.has_rows("assignments", version=version):
        return empty
    quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in sorted(codes))
    parts = list(
        iter_assignments(
            writer.path,
            version=version,
            columns=["enterprise_id", "grid_code"],
            where=f"a.grid_code IN ({quoted})",
        )
    )
    return pd.concat(parts, ignore_index=True) if parts else empty


def _staff(writer: ProjectWriter, version: int) -> pd.DataFrame:
    if not version or not writer.has_layer("staff"):
        return pd.DataFrame()
    return pd.DataFrame(writer.read_layer("staff", version=version))


def _contact(staff: pd.DataFrame, county_file: Path | None) -> dict[str, str]:
    """Return the county office's contacts: the county file's grid office, the roster's 联系负责人.

    The roster's contact person of a department comes first, else of any place.
    """
    from gridgis.county import load_county

    county = load_county(county_file)
    found = {"office": county.grid_office or "", "office_phone": county.grid_office_phone or ""}
    if staff.empty:
        return found
    contacts = staff[staff["role"] == "联系负责人"]
    if contacts.empty:
        return found
    ranked = contacts.assign(
        at_department=(contacts["place_level"] != "department").astype(int)
    ).sort_values(["at_department", "department_number", "name"], na_position="last")
    person = ranked.iloc[0]

    def text(column: str) -> str:
        value = person.get(column)
        return "" if value is None or pd.isna(value) else str(value)

    return {
        **found,
        "name": text("name"),
        "title": text("title"),
        "department": text("department") or text("township"),
        "phone": text("phone"),
    }
