"""``gridgis filing``: make a filing for the prefecture, verify one, apply one to the registry."""

from __future__ import annotations

from pathlib import Path

import click

from gridgis.cli.helpers import command_line, echo, say, warn
from gridgis.cli.options import overwrite_option, project_argument


def zip_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Accept only a ``.zip`` file name (a filing is one zip)."""
    if value is not None and value.suffix.lower() != ".zip":
        raise click.BadParameter(f"{value.name}: a filing is a .zip file")
    return value


def registry_target(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept a registry: a ``.gpkg`` path or a ``postgresql://`` URL."""
    if value is None:
        return value
    from gridgis.errors import InputDataError
    from gridgis.filing.backend import parse_target

    try:
        parse_target(value)
    except InputDataError as error:
        raise click.BadParameter(str(error)) from None
    return value


target_argument = click.argument("target", callback=registry_target, metavar="TARGET")


@click.group(short_help="File grid changes with the prefecture; verify and apply filings.")
def filing() -> None:
    """Make, verify and apply filings (备案) of grid changes.

    \b
    Example:
        gridgis filing create helan.gpkg --note "谢家井村拆分" -o filing.zip
        gridgis filing verify filing.zip
        gridgis filing apply registry.gpkg filing.zip
    """


@filing.command(short_help="Pack the grid changes since the last filing into one zip.")
@project_argument
@click.option(
    "--since",
    type=click.IntRange(min=0),
    help="Start at this version: where a filing ended, or 0 for a baseline of every grid "
    "(default: where the last filing ended; 0 for the first).",
)
@click.option(
    "--to", "to", type=click.IntRange(min=1), help="End at this version (default: current)."
)
@click.option("--note", default="", help="Why the grids changed (printed in summary.html).")
@click.option(
    "--county",
    "county_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The county's contacts for summary.html (default data/county.toml).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=zip_path,
    help="The filing zip to write.",
)
@overwrite_option
def create(
    project: Path,
    since: int | None,
    to: int | None,
    note: str,
    county_file: Path | None,
    output: Path,
    overwrite: bool,
) -> object:
    """Write the grid changes of PROJECT.gpkg as a filing zip for the prefecture.

    A county's first filing carries every grid (the registry's baseline); each
    later one the changes since the last. The zip holds manifest.json,
    grids.gpkg (before, after, current), changes.xlsx and changes.csv,
    changes.html (map), changes.png (figure) and summary.html. The project
    records the filing as a new version.
    """
    import gridgis

    report = gridgis.open(project).filing(
        output,
        since=since,
        to=to,
        note=note,
        overwrite=overwrite,
        county_file=county_file,
        command=command_line(),
    )
    counts = report.counts
    changes = ", ".join(
        f"{counts[c]} {c}"
        for c in ("new", "split", "merged", "boundary changed", "retired")
        if counts.get(c)
    )
    follows = f"follows {report.previous_filing}" if report.previous_filing else "baseline"
    say(
        f"filing {report.filing_id} (number {report.number}, {follows}): versions "
        f"{report.version_from} → {report.version_to}; {changes}; grids: {counts['before']} "
        f"before, {counts['after']} after, {counts['current']} current"
    )
    for note_line in report.notes:
        say(f"  note: {note_line}")
    say(f"wrote {output} ({', '.join(report.members)}); project version {report.version}")
    return report


@filing.command(short_help="Check a filing zip: checksums, manifest, codes, coverage, lineage.")
@click.argument("filing_zip", type=click.Path(dir_okay=False, path_type=Path), metavar="FILING.zip")
@click.pass_context
def verify(ctx: click.Context, filing_zip: Path) -> object:
    """Check FILING.zip; exit 0 if clean, 1 with each problem on its own line.

    Checks every member's SHA-256, the manifest's schema and format version,
    the zip's member names and sizes, every code, that the base grids of
    `current` tile their villages, that every predecessor is in `before`,
    and that no code is both retired and active.
    """
    from gridgis.filing.verify import verify_filing

    result = verify_filing(filing_zip)
    if result.ok and result.package is not None:
        manifest = result.package.manifest
        say(
            f"{filing_zip.name}: clean — filing {manifest['filing_id']} of "
            f"{manifest['county']['name']} ({manifest['county']['code']}), versions "
            f"{manifest['versions']['from']} → {manifest['versions']['to']}, "
            f"{manifest['counts']['current']} current grids"
        )
        return result
    count = len(result.problems)
    echo(f"{filing_zip.name}: {count} problem{'' if count == 1 else 's'}")
    for problem in result.problems:
        echo(problem)
    ctx.exit(1)
    return result


@filing.command(short_help="Apply a filing to the prefecture's registry, in one transaction.")
@target_argument
@click.argument("filing_zip", type=click.Path(dir_okay=False, path_type=Path), metavar="FILING.zip")
@click.pass_context
def apply(ctx: click.Context, target: str, filing_zip: Path) -> object:
    """Apply FILING.zip to the registry TARGET (a .gpkg file or a postgresql:// URL).

    A county's filings apply in order, each from where the last one ended.
    A filing that skips one, starts from another state than the registry's,
    brings codes another county holds, or is for a county outside the
    registry's prefecture or region is refused with the reasons, one a line,
    and nothing is changed. Applying a filing again changes nothing.
    """
    from gridgis.filing.registry import FilingRejected, apply_filing

    try:
        report = apply_filing(target, filing_zip)
    except FilingRejected as error:
        warn(f"Error: {filing_zip.name} was refused; nothing was changed:")
        for reason in error.reasons:
            warn(reason)
        ctx.exit(1)
    if report.already_applied:
        say(f"filing {report.filing_id} was applied already (on {report.applied}); nothing changed")
        return report
    say(
        f"applied filing {report.filing_id} of {report.county_name} ({report.county_code}), "
        f"number {report.number}, versions {report.version_from} → {report.version_to}: "
        f"{report.closed} grids ended, {report.added} added; {report.counts['current']} "
        f"current grids in {report.target}"
    )
    return report
