"""``gridgis locate``: the grid, people and department of a point, an address or a unit.

One question prints the answer (``--json`` as JSON) and exits 0 when one grid
answers it, 1 when none does (a point outside the county, an address that
matches several grids or none, an unknown USCC): the answer still says why.
``--points FILE -o OUT`` answers a whole file and writes it again with the grid
of every row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgis.cli.helpers import format_table, say, warn
from gridgis.cli.options import (
    coordinate_system,
    file_suffix,
    overwrite_option,
    project_argument,
    text_encoding,
    uscc_code,
)

if TYPE_CHECKING:
    from gridgis.project.locate import LocateAnswer, PointsReport


def _degrees(
    limit: float,
) -> Callable[[click.Context, click.Parameter, float | None], float | None]:
    def callback(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and -limit <= value <= limit):
            raise click.BadParameter(f"must be a number of degrees from -{limit:g} to {limit:g}")
        return value

    return callback


@click.command(short_help="Whose is this? The grid, people and department of a place.")
@project_argument
@click.argument("lon", type=float, required=False, callback=_degrees(180))
@click.argument("lat", type=float, required=False, callback=_degrees(90))
@click.option(
    "--coords",
    callback=coordinate_system,
    help="System of LON LAT or of the points file: wgs84 (default), cgcs2000, gcj02 "
    "(Amap, Tencent), bd09 (Baidu).",
)
@click.option("--address", help="An address: matched to a village the way assign matches one.")
@click.option("--uscc", callback=uscc_code, help="A unit's unified social credit code.")
@click.option(
    "--points",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A CSV or XLSX file of points (or addresses) to locate, with -o.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=file_suffix(".csv", ".xlsx"),
    help="With --points: the .csv or .xlsx file to write.",
)
@click.option("--sheet", help="With --points: the worksheet of an XLSX file.")
@click.option("--encoding", callback=text_encoding, help="With --points: a CSV file's encoding.")
@click.option("--version", "version", type=click.IntRange(min=1), help="Answer as of a version.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@overwrite_option
@click.pass_context
def locate(
    ctx: click.Context,
    project: Path,
    lon: float | None,
    lat: float | None,
    coords: str | None,
    address: str | None,
    uscc: str | None,
    points: Path | None,
    output: Path | None,
    sheet: str | None,
    encoding: str | None,
    version: int | None,
    as_json: bool,
    overwrite: bool,
) -> LocateAnswer | PointsReport:
    """Say who is responsible for a place of PROJECT.gpkg.

    Give LON LAT (degrees; --coords for GCJ-02 or BD-09), --address TEXT or
    --uscc CODE. The answer names the base grid (code and name), its village
    and township, and the people of the six roles serving it, with phones; for
    a unit in a county-level sector grid, also its department, that grid and
    the rule that sent it there. A point on a shared edge follows assign's
    rule (the smallest grid code); an address matching a village with several
    grids lists them as candidates. Exit 0 when one grid answers, 1 when none.

    With --points FILE -o OUT, every row of FILE is located (经度/纬度 and the
    other ledger headers are recognised) and OUT keeps every row, in order,
    adding grid_code, the grid's name, village, township, and the reason when
    a row lies in no grid.
    """
    import gridgis

    _check_usage(lon, lat, address, uscc, points, output, as_json)
    opened = gridgis.open(project)
    if points is not None:
        assert output is not None
        report = opened.locate_points(
            points,
            output,
            coords=coords,
            sheet=sheet,
            encoding=encoding,
            overwrite=overwrite,
            version=version,
        )
        for note in report.notes:
            warn(note)
        reasons = ", ".join(f"{reason} {count}" for reason, count in report.reasons.items())
        say(
            f"{report.rows} rows of {points.name}: {report.placed} in a grid "
            f"({report.by_address} by their address), {report.rows - report.placed} in none"
            + (f" ({reasons})" if reasons else "")
        )
        say(f"wrote {output}")
        return report
    answer = opened.locate(
        lon=lon, lat=lat, coords=coords, address=address, uscc=uscc, version=version
    )
    if as_json:
        click.echo(json.dumps(answer.as_dict(), ensure_ascii=False, sort_keys=True))
    else:
        click.echo("\n".join(describe(answer)))
    if not answer.found:
        ctx.exit(1)
    return answer


def _check_usage(
    lon: float | None,
    lat: float | None,
    address: str | None,
    uscc: str | None,
    points: Path | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """Refuse anything but exactly one question (exit 2)."""
    if lon is not None and lat is None:
        raise click.UsageError("give both LON and LAT")
    asked = [lon is not None, address is not None, uscc is not None, points is not None]
    if sum(asked) != 1:
        raise click.UsageError("give exactly one of: LON LAT, --address, --uscc, --points")
    if points is not None and output is None:
        raise click.UsageError("--points needs -o OUT.csv (or .xlsx)")
    if points is None and output is not None:
        raise click.UsageError("-o is for --points")
    if points is not None and as_json:
        raise click.UsageError("--json prints one answer; --points writes a file")


def describe(answer: LocateAnswer) -> list[str]:
    """Return the lines ``gridgis locate`` prints for one answer.

    Parameters
    ----------
    answer : LocateAnswer

    Returns
    -------
    list of str
    """
    from gridgis.render.labels import KIND_LABELS, LOCATE_LABELS

    place = answer.place
    lines = []
    if not answer.enterprises.empty:
        unit = answer.enterprises.iloc[0]
        lines.append(f"{LOCATE_LABELS['enterprise']}: {unit['name']} {unit['uscc']}")
    if answer.found:
        how = f" ({place['method']})" if place.get("method") else ""
        lines += [
            f"{LOCATE_LABELS['grid']}: {place['grid_name']} {place['grid_code']}"
            f" {KIND_LABELS['base']}{how}",
            f"{LOCATE_LABELS['village']}: {place['village']} {place['village_code']}",
            f"{LOCATE_LABELS['township']}: {place['township']} {place['township_code']}",
        ]
        lines += _people_lines(answer.people)
    else:
        lines.append(f"{LOCATE_LABELS['not_placed']}: {place.get('reason')}")
        if place.get("candidates"):
            lines.append(f"{LOCATE_LABELS['candidates']}: {place['candidates']}")
    sector = answer.sector
    if sector is not None:
        lines += [
            f"{LOCATE_LABELS['sector_grid']}: {sector['grid_name']} {sector['grid_code']}",
            f"{LOCATE_LABELS['department']}: {sector['department']} {sector['department_name']}",
            f"{LOCATE_LABELS['rules']}: {sector['rules']}: {sector['reason']}",
        ]
        lines += _people_lines(answer.sector_people)
    return lines


def _people_lines(people: object) -> list[str]:
    import pandas as pd

    from gridgis.render.labels import LOCATE_LABELS

    assert isinstance(people, pd.DataFrame)
    if people.empty:
        return [f"{LOCATE_LABELS['people']}: {LOCATE_LABELS['no_people']}"]
    rows = [
        [
            row.role,
            row.name,
            "" if pd.isna(row.title) else row.title,
            "" if pd.isna(row.phone) else row.phone,
        ]
        for row in people.itertuples()
    ]
    table = format_table(rows, ["角色 role", "姓名 name", "职务 title", "电话 phone"])
    return [f"{LOCATE_LABELS['people']}:", *("  " + line for line in table.splitlines())]
