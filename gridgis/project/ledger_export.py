"""``gridgis ledger export``: every grid's enterprise ledger (网格化监管企业台帐) as XLSX.

**Layout: one sheet per grid, one workbook per township.** A township office
prints its grids' ledgers and hands each to the grid's 网格员: with a sheet
per grid, every grid starts on its own page under its own title, with the
header repeated on each page, and the office opens one file for all of its
grids instead of dozens. A workbook per township (and one per department for
its sector grids) is also what each office may see: the county does not send
one township the enterprise data of another. ``-o FILE.xlsx`` puts the chosen
grids' sheets into one workbook instead.

The enterprises are those of the last ``gridgis assign``, each under the
grid it was placed in; units left without a grid are in no grid's ledger
(``gridgis report`` lists them). Within a grid they keep their ledger order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.assignment_view import iter_assignments
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.io.store import ProjectReader, open_project
from gridgis.project.documents import (
    base_grids,
    check_codes,
    check_files,
    file_name,
    output_folder,
    read_admin,
    read_staff,
)
from gridgis.render.ledger import GridLedger, write_ledger_workbook
from gridgis.staff import GRID_MEMBER, people_of_grids

_DETAILS = ["enterprise_id", "principal", "phone", "email", "employees", "products", "licensed"]


@dataclass
class LedgerExport:
    """What ``ledger export`` wrote."""

    grids: int
    units: int
    files: list[Path] = field(default_factory=list)
    unassigned: int = 0


def export_ledgers(
    project: Path,
    output: Path,
    *,
    grid_codes: tuple[str, ...] = (),
    villages: tuple[str, ...] = (),
    townships: tuple[str, ...] = (),
    overwrite: bool = False,
    date: dt.date | None = None,
) -> LedgerExport:
    """Write the enterprise ledger of each chosen grid.

    Parameters
    ----------
    project : Path
        A project with assignments.
    output : Path
        A ``.xlsx`` file (every chosen grid's sheet in it), or a folder (one
        workbook per township, and one per department for sector grids).
    grid_codes, villages, townships : tuple of str
        Choose grids by code (base or sector grids), by village or by
        township; by default every base and sector grid.
    overwrite : bool
        Replace existing workbooks.
    date : date, optional
        Printed on each sheet (default: today).

    Returns
    -------
    LedgerExport

    Raises
    ------
    InputDataError
        If a code is not the project's, the project has no assignments, or an
        output is refused.
    """
    to_file = output.suffix.lower() == ".xlsx"
    if to_file:
        check_output_path(output, overwrite=overwrite, suffixes={".xlsx"}, protected=[project])
    reader = open_project(project)
    if not reader.has_rows("assignments"):
        raise InputDataError(
            f"{project.name} has no assignments; run 'gridgis assign' first, so that each "
            "enterprise is in a grid's ledger"
        )
    chosen, admin = _chosen_grids(reader, project, grid_codes, villages, townships)
    units = _units(reader, project, chosen["grid_code"].tolist())
    members = _members(read_staff(reader), chosen)
    names = dict(zip(admin["code"].astype(str), admin["name"].astype(str), strict=True))
    ledgers = [
        GridLedger(
            grid_code=code,
            grid_name=str(grid.name),
            kind=str(grid.kind),
            place=_place(grid, names),
            members=members.get(code, ""),
            units=units[units["grid_code"] == code],
        )
        for code, grid in zip(chosen["grid_code"], chosen.itertuples(), strict=True)
    ]
    day = date or dt.date.today()
    text_date = f"{day.year}年{day.month}月{day.day}日"
    if to_file:
        groups = {output: ledgers}
    else:
        folder = output_folder(output, protected=[project])
        groups = _by_office(ledgers, chosen, names, folder)
        check_files(groups, overwrite=overwrite, protected=[project])
    for path, group in groups.items():
        with atomic_path(path) as temporary:
            write_ledger_workbook(group, temporary, date=text_date)
    unassigned = 0 if grid_codes or villages or townships else _unassigned(project)
    return LedgerExport(len(ledgers), len(units), list(groups), unassigned)


def _chosen_grids(
    reader: ProjectReader,
    project: Path,
    grid_codes: tuple[str, ...],
    villages: tuple[str, ...],
    townships: tuple[str, ...],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    grids = reader.read_grids()
    admin = read_admin(reader)
    if villages or townships:
        return base_grids(grids, admin, project, villages=villages, townships=townships), admin
    base = base_grids(grids, admin, project)
    sector = grids[grids["kind"] == "sector"]
    eligible = pd.concat([base, sector]).sort_values("grid_code").reset_index(drop=True)
    if grid_codes:
        level_grids = set(grids["grid_code"]) - set(eligible["grid_code"])
        levels = [code for code in grid_codes if code in level_grids]
        if levels:
            raise InputDataError(
                f"{', '.join(levels)} "
                f"{'is a level grid' if len(levels) == 1 else 'are level grids'}"
                " (county, township or village), which hold no enterprises of their own; give "
                "base or sector grid codes, or use --village / --township"
            )
        check_codes(grid_codes, eligible["grid_code"], "grid", project)
        eligible = eligible[eligible["grid_code"].isin(list(grid_codes))]
    return eligible.reset_index(drop=True), admin


def _units(reader: ProjectReader, project: Path, codes: list[str]) -> pd.DataFrame:
    """Read the enterprises of the given grids with the columns of sample table 1."""
    if not codes:
        return pd.DataFrame(columns=["grid_code"])
    quoted = ", ".join("'" + code.replace("'", "''") + "'" for code in codes)
    parts = list(
        iter_assignments(
            project,
            columns=[
                "enterprise_id",
                "grid_code",
                "reason",
                "name",
                "uscc",
                "address",
                "township",
                "village",
            ],
            where=f"a.grid_code IN ({quoted})",
        )
    )
    if not parts:
        return pd.DataFrame(columns=["grid_code"])
    units = pd.concat(parts, ignore_index=True).rename(columns={"reason": "sector_reason"})
    wanted = set(units["enterprise_id"])
    details = pd.concat(
        [
            frame[frame["enterprise_id"].isin(wanted)]
            for frame in reader.iter_layer("enterprises", columns=_DETAILS, with_geometry=False)
        ],
        ignore_index=True,
    )
    units = units.merge(details, on="enterprise_id", how="left")
    rows = reader.ledger_rows_of(units["enterprise_id"].tolist())
    units = units.merge(rows, on="enterprise_id", how="left")
    return units.sort_values(["grid_code", "row", "name"], na_position="last").reset_index(
        drop=True
    )


def _members(staff: pd.DataFrame, grids: pd.DataFrame) -> dict[str, str]:
    """Each grid's 网格员, named and joined by 、."""
    people = people_of_grids(staff, grids)
    members = people[people["role"] == GRID_MEMBER]
    return {
        str(code): "、".join(dict.fromkeys(group["name"].astype(str)))
        for code, group in members.groupby("grid_code")
    }


def _place(grid: object, names: dict[str, str]) -> str:
    if getattr(grid, "kind", None) == "sector":
        return str(getattr(grid, "name", ""))
    village = str(getattr(grid, "admin_code", ""))
    return names.get(village[:9], "") + names.get(village, village)


def _by_office(
    ledgers: list[GridLedger], grids: pd.DataFrame, names: dict[str, str], folder: Path
) -> dict[Path, list[GridLedger]]:
    """Group the ledgers into one workbook per township and one per department."""
    groups: dict[Path, list[GridLedger]] = {}
    for ledger, grid in zip(ledgers, grids.itertuples(), strict=True):
        if ledger.kind == "sector":
            department = int(getattr(grid, "department", 0) or 0)
            name = file_name(f"{department:02d}", ledger.grid_name, suffix=".xlsx")
        else:
            township = str(getattr(grid, "admin_code", ""))[:9]
            name = file_name(township, names.get(township, ""), suffix=".xlsx")
        groups.setdefault(folder / name, []).append(ledger)
    return groups


def _unassigned(project: Path) -> int:
    parts = iter_assignments(project, columns=["enterprise_id"], where="a.kind IS NULL")
    return sum(len(part) for part in parts)
