"""``gridgis locate``: whose is this point, address or unit? One question, or a file of points.

The answers come from :class:`gridgis.locate.GridFinder`, built from the
project as it stands (or at a version): its grids (``read_grids``), admin
units, staff and the assignments of the last ``assign``
(:func:`gridgis.io.assignment_view.read_assignments`). Nothing is written to
the project; a file of points is answered in a new file that keeps every input
row, in order, and adds the grid, its village and township, and why a row has
none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gridgis.coords import to_cgcs2000
from gridgis.errors import InputDataError
from gridgis.io.store import ProjectReader, open_project
from gridgis.locate import GridFinder, normalise_uscc
from gridgis.summary import Summarised

#: Columns ``locate --points`` adds to every row of the file, in order.
ADDED_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "grid_name",
    "village_code",
    "village_name",
    "township_code",
    "township_name",
    "located_by",
    "reason",
    "candidates",
    "distance_m",
    "note",
)
# Headers of a points file: the ledger's place headers (经度/纬度, 坐标, 坐标系,
# 所属乡镇, 所属村, 详细地址 …) and nothing of its own.
_POINT_HEADERS: dict[str, tuple[str, ...]] = {}


def _point_fields(fields: dict[str, int] | Any) -> bool:
    has_point = ("lon" in fields and "lat" in fields) or "coordinates" in fields
    return has_point or bool({"township", "village", "address"} & set(fields))


@dataclass(repr=False)
class LocateAnswer(Summarised):
    """The answer to one question: the grid, its people, and for a unit its sector grid.

    Attributes
    ----------
    query : dict
        What was asked: ``point`` (lon, lat, the system given, and the
        CGCS2000 point), ``address`` or ``uscc``.
    version : int
        The project version answered from.
    place : dict
        Where it lies: :data:`gridgis.locate.LOCATED_COLUMNS` (``grid_code``
        None when in no grid, with ``reason_code``, ``reason``,
        ``candidates`` and ``distance_m``).
    people : DataFrame
        The people serving that grid (:data:`gridgis.locate.PERSON_COLUMNS`).
    enterprises : DataFrame
        For a USCC: the units found (:data:`gridgis.locate.ENTERPRISE_COLUMNS`).
    sector_people : DataFrame
        For a unit in a sector grid: the people of that grid.
    department_name : str or None
        For a unit in a sector grid: its department.
    """

    query: dict[str, Any]
    version: int
    place: dict[str, Any]
    people: pd.DataFrame
    enterprises: pd.DataFrame = field(default_factory=pd.DataFrame)
    sector_people: pd.DataFrame = field(default_factory=pd.DataFrame)
    department_name: str | None = None

    @property
    def found(self) -> bool:
        """Say whether exactly one grid answers the question."""
        return self.place.get("grid_code") is not None

    @property
    def sector(self) -> dict[str, Any] | None:
        """The sector grid of a unit that is in one: grid, department, rules, reason."""
        if self.enterprises.empty:
            return None
        unit = self.enterprises.iloc[0]
        if unit["kind"] != "sector":
            return None
        return {
            "grid_code": unit["assigned_grid"],
            "grid_name": unit["assigned_grid_name"],
            "department": int(unit["department"]) if pd.notna(unit["department"]) else None,
            "department_name": self.department_name,
            "rules": unit["rules"],
            "reason": unit["assigned_reason"],
        }

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        lines: list[tuple[str, object]] = [("version", self.version)]
        if self.found:
            lines.append(("grid", f"{self.place['grid_name']} {self.place['grid_code']}"))
            lines.append(("village", f"{self.place['village']} {self.place['village_code']}"))
            lines.append(("people", len(self.people)))
        else:
            lines.append(("no grid", self.place.get("reason")))
        if self.sector is not None:
            lines.append(("sector grid", self.sector["grid_code"]))
        return lines

    def as_dict(self) -> dict[str, Any]:
        """Return the answer as JSON-ready data (what ``locate --json`` prints)."""

        def records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
            if frame.empty:
                return []
            return [
                {column: _plain(row[column]) for column in columns}
                for row in frame.to_dict("records")
            ]

        person = ["role", "name", "title", "duty", "phone", "serves_from"]
        unit = ["enterprise_id", "uscc", "name", "address", "lon", "lat", "kind"]
        return {
            "query": {key: _plain(value) for key, value in self.query.items()},
            "version": self.version,
            "found": self.found,
            "place": {key: _plain(value) for key, value in self.place.items()},
            "people": records(self.people, person),
            "enterprises": records(self.enterprises, unit),
            "sector": (
                {
                    **{k: _plain(v) for k, v in self.sector.items()},
                    "people": records(self.sector_people, person),
                }
                if self.sector is not None
                else None
            ),
        }


def _plain(value: Any) -> Any:
    """Return a value JSON can hold: None for missing, Python numbers, text."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def open_grid_finder(
    project: Path, *, version: int | None = None, reader: ProjectReader | None = None
) -> GridFinder:
    """Build the :class:`~gridgis.locate.GridFinder` of a project at a version.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    version : int, optional
        Default: the current version.
    reader : ProjectReader, optional
        An open reader (or writer) of the project to read through.

    Returns
    -------
    GridFinder
        With the staff and the assignments when the project has them.

    Raises
    ------
    InputDataError
        If the project has no base grids.
    """
    from gridgis.codes import default_scheme
    from gridgis.io.assignment_view import read_assignments

    reader = reader or open_project(project)
    grids = reader.read_grids(version=version)
    if grids.empty:
        raise InputDataError(f"{Path(project).name} has no grids yet; run 'gridgis divide' first")
    admin = reader.read_layer(
        "admin_units", version=version, columns=["code", "name", "level", "parent_code"]
    )
    staff = reader.read_layer("staff", version=version) if reader.has_layer("staff") else None
    assignments = (
        read_assignments(reader.path, version=version)
        if reader.has_rows("assignments", version=version)
        else None
    )
    names = {number: department.name for number, department in default_scheme().departments.items()}
    return GridFinder(grids, admin, staff=staff, assignments=assignments, department_names=names)


def locate_place(
    project: Path,
    *,
    lon: float | None = None,
    lat: float | None = None,
    coords: str | None = None,
    address: str | None = None,
    uscc: str | None = None,
    version: int | None = None,
) -> LocateAnswer:
    """Answer one question: the grid, village, township and people of a point, address or unit.

    Give a point (``lon`` and ``lat``, in ``coords``: CGCS2000/WGS-84 by
    default, or GCJ-02, BD-09), an ``address``, or a ``uscc``.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    lon, lat : float, optional
        The point, in degrees.
    coords : str, optional
        The point's coordinate system (``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``).
    address : str, optional
        An address: matched to a village as ``assign``'s fallback matches it.
    uscc : str, optional
        A unit's unified social credit code.
    version : int, optional
        Default: the current version.

    Returns
    -------
    LocateAnswer

    Raises
    ------
    InputDataError
        If not exactly one of point, address and USCC is given, or the project
        has no grids.
    StoreError
        For a missing project or version.

    Examples
    --------
    >>> answer = locate_place(Path("helan.gpkg"), lon=106.336, lat=38.5554)  # doctest: +SKIP
    >>> answer.place["grid_code"]  # doctest: +SKIP
    '6401220010010076'
    """
    given = [lon is not None or lat is not None, address is not None, uscc is not None]
    if sum(given) != 1 or (given[0] and (lon is None or lat is None)):
        raise InputDataError("give one of: LON LAT, an address, or a USCC")
    reader = open_project(project)
    version = version or reader.current_version
    finder = open_grid_finder(project, version=version, reader=reader)
    if uscc is not None:
        return _locate_unit(finder, uscc, version)
    if address is not None:
        query: dict[str, Any] = {"address": address}
        row = pd.DataFrame({"lon": [np.nan], "lat": [np.nan], "address": [address]})
    else:
        system = coords or "cgcs2000"
        x, y = to_cgcs2000(
            np.array([lon], dtype="float64"), np.array([lat], dtype="float64"), system
        )
        query = {
            "lon": lon,
            "lat": lat,
            "coords": system,
            "cgcs2000_lon": float(x[0]),
            "cgcs2000_lat": float(y[0]),
        }
        row = pd.DataFrame({"lon": x, "lat": y})
    place = finder.locate(row).iloc[0].to_dict()
    people = finder.people([place["grid_code"]]) if place["grid_code"] else finder.people([])
    return LocateAnswer(query, version, place, people)


def _locate_unit(finder: GridFinder, uscc: str, version: int) -> LocateAnswer:
    """Answer for a unit: its base grid and people, and its sector grid if it is in one."""
    from gridgis.locate import LOCATED_COLUMNS
    from gridgis.render.labels import LOCATE_LABELS

    code = normalise_uscc(uscc)
    units = finder.enterprises([code])
    query: dict[str, Any] = {"uscc": code}
    if units.empty:
        place = dict.fromkeys(LOCATED_COLUMNS)
        place.update(reason_code="unknown_uscc", reason=LOCATE_LABELS["unknown_uscc"])
        return LocateAnswer(query, version, place, finder.people([]))
    first = units.iloc[0]
    place = {column: first[f"base_{column}"] for column in LOCATED_COLUMNS}
    if place["grid_code"] is None and first["kind"] == "territorial":
        # Placed by its names when it was assigned; that grid stands.
        place.update(grid_code=first["assigned_grid"], grid_name=first["assigned_grid_name"])
    if len(set(units["base_grid_code"].fillna(""))) > 1:
        # The ledger holds the code twice, at places in different grids: both are listed.
        place.update(
            grid_code=None,
            reason_code="ambiguous_uscc",
            reason=f"{code}: {len(units)} units in different grids",
            candidates=" ".join(sorted(set(units["base_grid_code"].dropna()))),
        )
    people = finder.people([place["grid_code"]] if place["grid_code"] else [])
    sector_people = (
        finder.people([first["assigned_grid"]]) if first["kind"] == "sector" else finder.people([])
    )
    return LocateAnswer(
        query,
        version,
        place,
        people,
        enterprises=units,
        sector_people=sector_people,
        department_name=finder.department_name(first["department"]),
    )


@dataclass(repr=False)
class PointsReport(Summarised):
    """What ``locate --points`` read and wrote."""

    source: Path
    output: Path
    version: int
    rows: int
    placed: int
    by_address: int
    reasons: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            ("version", self.version),
            ("rows", self.rows),
            ("in a grid", self.placed),
            ("by address", self.by_address),
            ("in no grid", ", ".join(f"{k} {v}" for k, v in self.reasons.items()) or 0),
            ("output", self.output),
        ]


def locate_points(
    project: Path,
    points: Path,
    output: Path,
    *,
    coords: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    overwrite: bool = False,
    version: int | None = None,
) -> PointsReport:
    """Locate every row of a file of points (or addresses) and write the file again with its grid.

    The coordinate headers are recognised as the ledger's are (经度/纬度, lon/lat,
    x/y, one 坐标 column, a 坐标系 column); rows without a point are matched by
    their 所属乡镇, 所属村 and 地址 columns when the file has them, as ``assign``
    does. The output keeps every input row, in order, under its own headers,
    and adds :data:`ADDED_COLUMNS`.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    points : Path
        A CSV (UTF-8, BOM or GBK) or XLSX file.
    output : Path
        The ``.csv`` or ``.xlsx`` file to write (never the project).
    coords : str, optional
        The file's coordinate system (default CGCS2000/WGS-84; a 坐标系 column
        overrides it row by row).
    sheet, encoding : str, optional
        The worksheet of a workbook; the text encoding of a CSV file.
    overwrite : bool
        Replace an existing output file.
    version : int, optional
        Default: the current version.

    Returns
    -------
    PointsReport

    Raises
    ------
    InputDataError
        A bad output path, a file without coordinate or place headers, an
        unknown ``coords`` name.
    """
    from gridgis.io.output import check_output, write_frame
    from gridgis.io.place_tables import normalise_places, place_lookup, read_place_table

    check_output(output, overwrite=overwrite, protected=[project])
    reader = open_project(project)
    version = version or reader.current_version
    table = read_place_table(
        points,
        place_lookup(_POINT_HEADERS),
        what="points",
        accepts=_point_fields,
        needs="经度/纬度 (lon/lat), 坐标, or 所属乡镇/所属村/地址",
        sheet=sheet,
        encoding=encoding,
        keep_empty=True,
    )
    finder = open_grid_finder(project, version=version, reader=reader)
    bounds = tuple(float(v) for v in finder.assigner.grids.total_bounds)
    places, problems = normalise_places(table, coords=coords, county_bounds=bounds)  # type: ignore[arg-type]
    located = finder.locate(places)
    added = pd.DataFrame(
        {
            "grid_code": located["grid_code"],
            "grid_name": located["grid_name"],
            "village_code": located["village_code"],
            "village_name": located["village"],
            "township_code": located["township_code"],
            "township_name": located["township"],
            "located_by": located["method"],
            "reason": located["reason"],
            "candidates": located["candidates"],
            "distance_m": located["distance_m"],
            "note": _notes(problems, len(table.cells)),
        },
        index=table.cells.index,
    )
    taken = set(table.labels)
    added.columns = [_free_name(name, taken) for name in added.columns]
    write_frame(
        pd.concat([table.cells, added], axis=1),
        output,
        overwrite=overwrite,
        protected=[project],
        layer="locate",
    )
    reasons = located["reason_code"].dropna().value_counts()
    return PointsReport(
        source=points,
        output=output,
        version=version,
        rows=len(table.cells),
        placed=int(located["grid_code"].notna().sum()),
        by_address=int((located["method"] == "address").sum()),
        reasons={str(k): int(v) for k, v in reasons.items()},
        notes=list(table.notes),
    )


def _notes(problems: pd.DataFrame, count: int) -> pd.Series:
    """One note per row: what reading its coordinates found (joined by ；), or None."""
    notes = pd.Series(None, index=range(count), dtype=object)
    if len(problems):
        joined = problems.groupby("position")["detail"].agg("；".join)
        notes.loc[joined.index] = joined.to_numpy(dtype=object)
    return notes


def _free_name(name: str, taken: set[str]) -> str:
    """Return ``name``, or ``name_2`` … when the input file already has a column so named."""
    candidate, copy = name, 1
    while candidate in taken:
        copy += 1
        candidate = f"{name}_{copy}"
    taken.add(candidate)
    return candidate
