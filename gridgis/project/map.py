"""``gridgis map``: a project's supervision diagram (监管示意图) as one offline HTML file.

:func:`write_map` checks the output path and the basemap first (a missing
Tianditu key fails before any work), reads what the map shows at a version,
hands it to :func:`gridgis.render.map.supervision.supervision_map`, and writes
the page through :mod:`gridgis.io.safety` (never over a project, never
half-written).

What is read, and from where:

- admin units (``read_layer("admin_units")``) and grids (``read_grids``);
- the people of each grid: the ``staff`` layer through
  :func:`gridgis.staff.responsibilities`, with names, titles and phones;
- enterprises with their assignments (:func:`gridgis.io.assignment_view.read_assignments`)
  and their sector, risk and, unless ``public``, the principal's name, phone,
  e-mail, employees and revenue (``read_layer("enterprises")``). A public map
  never reads those columns at all;
- capacity (the ``capacity`` table), as the last ``assign`` left it, so only
  for the current version.
- hazard reports (:func:`gridgis.project.hazards.judged_reports`), judged on the
  map's date; never on a public map.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.coords import wgs84_to_gcj02
from gridgis.crs import CGCS2000
from gridgis.errors import InputDataError
from gridgis.io.assignment_view import read_assignments
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.io.store import ProjectReader, open_project
from gridgis.project.hazards import judged_reports
from gridgis.render.labels import MAP_LABELS
from gridgis.render.map.layers import Basemap, basemap
from gridgis.render.map.supervision import PRIVATE_FIELDS, SupervisionData, supervision_map
from gridgis.staff import ROLES, responsibilities
from gridgis.summary import Summarised

logger = logging.getLogger(__name__)

_ADMIN_COLUMNS = ["code", "name", "level", "parent_code", "households"]
_ENTERPRISE_COLUMNS = ["enterprise_id", "sector", "risk", "major_hazard_grade"]


@dataclass(frozen=True, repr=False)
class MapReport(Summarised):
    """What :func:`write_map` drew and wrote."""

    output: Path
    bytes: int
    version: int
    grids: int
    sector_grids: int
    enterprises: int
    unassigned: int
    basemap: str
    public: bool

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        return [
            ("map", str(self.output)),
            ("size", f"{self.bytes / 2**20:.2f} MiB"),
            ("version", self.version),
            ("base grids", self.grids),
            ("sector grids", self.sector_grids),
            ("units", f"{self.enterprises} ({self.unassigned} unassigned)"),
            ("basemap", self.basemap + (", public" if self.public else "")),
        ]


def write_map(
    project: Path,
    output: Path,
    *,
    basemap_name: str = "none",
    tianditu_key: str | None = None,
    public: bool = False,
    townships: Sequence[str] = (),
    version: int | None = None,
    title: str | None = None,
    generated: dt.date | None = None,
    overwrite: bool = False,
) -> MapReport:
    """Write the supervision diagram of a project to an HTML file.

    Parameters
    ----------
    project : Path
        The project GeoPackage.
    output : Path
        The ``.html`` file to write.
    basemap_name : {"none", "osm", "tianditu", "gaode"}
        ``none`` (the default) loads nothing from the network; ``gaode`` shifts
        every overlay to GCJ-02 to line up with its tiles.
    tianditu_key : str, optional
        Required for ``tianditu``.
    public : bool
        Leave out the enterprises' personal data (see :mod:`gridgis.render.map.supervision`).
    townships : sequence of str
        9-digit township codes: map only these.
    version : int, optional
        Default: the current version.
    title : str, optional
        Default: the county's name and 安全生产网格化监管示意图.
    generated : date, optional
        The date printed under the title (default: today). Everything else
        in the page depends only on the project and the options.
    overwrite : bool
        Replace an existing file (never a project).

    Returns
    -------
    MapReport

    Raises
    ------
    InputDataError
        For a bad output path, a missing Tianditu key or an unknown township.
    StoreError
        For a missing project or version.
    """
    check_output_path(output, overwrite=overwrite, suffixes={".html"}, protected=[project])
    tiles = basemap(basemap_name, tianditu_key=tianditu_key)
    reader = open_project(project)
    version = version or reader.current_version
    data = read_supervision_data(
        reader, version=version, townships=townships, public=public, today=generated
    )
    if tiles is not None and tiles.gcj02:
        data = shift_to_gcj02(data)
    page = supervision_map(
        data,
        title=title or f"{_county_name(reader, data.admin)}{MAP_LABELS['title']}",
        subtitle=_subtitle(version, generated or dt.date.today(), public, data.admin, townships),
        basemap=tiles,
        public=public,
    )
    with atomic_path(output) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return _report(output, version, data, tiles, public)


def read_supervision_data(
    reader: ProjectReader,
    *,
    version: int,
    townships: Sequence[str] = (),
    public: bool = False,
    today: dt.date | None = None,
) -> SupervisionData:
    """Read what the supervision diagram shows, at a version, for some townships or all.

    Hazard reports, when the project has them, are judged on ``today`` (default:
    the clock's) and left out of a public map.

    Returns
    -------
    SupervisionData
        In CGCS2000 degrees.
    """
    admin = reader.read_layer("admin_units", version=version, columns=_ADMIN_COLUMNS)
    grids = reader.read_grids(version=version)
    if grids.empty:
        grids = gpd.GeoDataFrame(
            columns=["grid_code", "kind", "level", "admin_code", "name", "department", "area_km2"],
            geometry=gpd.GeoSeries([], crs=CGCS2000),
        )
    staff = reader.read_layer("staff", version=version) if reader.has_layer("staff") else None
    enterprises = _enterprises(reader, version, public)
    capacity = reader.read_table("capacity") if version == reader.current_version else None
    hazards = None
    if not public and reader.has_rows("hazards", version=version):
        hazards = judged_reports(reader, today or dt.date.today(), version=version)
        if townships:
            hazards = hazards[hazards["township_code"].isin(list(townships))]
    if townships:
        admin, grids, enterprises = _only_townships(admin, grids, enterprises, townships)
    return SupervisionData(
        admin=admin,
        grids=grids,
        people=grid_people(staff, grids),
        capacity=capacity if capacity is not None else pd.DataFrame(),
        enterprises=enterprises,
        hazards=hazards,
    )


def grid_people(staff: pd.DataFrame | None, grids: pd.DataFrame) -> pd.DataFrame:
    """List the people of each role serving each base and sector grid, with titles and phones.

    :func:`gridgis.staff.responsibilities` decides who serves where; it is
    given each person's rank (in name order) in place of the name, and the
    ranks are then replaced by ``name（title） phone``, one person per line.

    Returns
    -------
    DataFrame
        ``grid_code`` and one text column per role of :data:`gridgis.staff.ROLES`.
    """
    columns = ["grid_code", *ROLES]
    if staff is None or staff.empty or grids.empty:
        return pd.DataFrame(columns=columns)
    people = pd.DataFrame(staff.drop(columns="geometry", errors="ignore"))
    people = people.sort_values(["name", "phone", "staff_id"], na_position="last")
    people = people.reset_index(drop=True)
    rank = pd.Series(np.arange(len(people)), dtype="int64").astype(str).str.zfill(7)
    title = people["title"].astype(object).where(people["title"].notna(), None)
    phone = people["phone"].astype(object).where(people["phone"].notna(), None)
    shown = people["name"].astype(str) + ("（" + title + "）").fillna("") + (" " + phone).fillna("")
    table = responsibilities(people.assign(name=rank), grids)
    # The grids of a village share its people, so few lists are distinct:
    # each distinct list of ranks is turned into lines once.
    lists = pd.unique(table[list(ROLES)].to_numpy().ravel())
    lists = pd.Series(lists[pd.notna(lists)], dtype=object)
    ranks = lists.str.split("、").explode()
    lines = pd.DataFrame(
        {"list": ranks.index, "line": shown.iloc[ranks.astype("int64").to_numpy()].to_numpy()}
    ).drop_duplicates()  # one person listed under two places of the same grid
    owner = lines["list"].to_numpy()
    split = np.flatnonzero(owner[1:] != owner[:-1]) + 1
    # One join per distinct list (pandas' groupby-join runs ten times slower on
    # its chopped sub-series): a few thousand short joins for a prefecture.
    texts = ["\n".join(group) for group in np.split(lines["line"].to_numpy(dtype=object), split)]
    by_list = dict(zip(lists.to_numpy()[owner[np.r_[0, split]]], texts, strict=True))
    for role in ROLES:
        table[role] = table[role].map(by_list).astype(object)
        table[role] = table[role].where(table[role].notna(), None)
    return table[columns]


def gcj02_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shift a frame's shapes (lon/lat degrees) to GCJ-02, to line up with Gaode's tiles."""

    def move(points: np.ndarray) -> np.ndarray:
        return np.column_stack(wgs84_to_gcj02(points[:, 0], points[:, 1]))

    shifted = shapely.transform(frame.geometry.to_numpy(), move)
    return frame.set_geometry(shifted, crs=frame.crs)


def shift_to_gcj02(data: SupervisionData) -> SupervisionData:
    """Shift every shape to GCJ-02, so that overlays line up with Gaode (and Tencent) tiles."""
    shift = gcj02_frame
    return SupervisionData(
        admin=shift(data.admin),
        grids=shift(data.grids),
        people=data.people,
        capacity=data.capacity,
        enterprises=shift(data.enterprises),
        hazards=shift(data.hazards) if data.hazards is not None else None,
    )


def _enterprises(reader: ProjectReader, version: int, public: bool) -> gpd.GeoDataFrame:
    """Enterprises with their outcome, sector and risk (and personal data unless public)."""
    columns = _ENTERPRISE_COLUMNS + ([] if public else list(PRIVATE_FIELDS))
    if not reader.has_rows("enterprises", version=version):
        return gpd.GeoDataFrame(
            columns=[*columns, "name", "uscc", "grid_code", "kind", "reason", "declared_village"],
            geometry=gpd.GeoSeries([], crs=CGCS2000),
        )
    details = pd.DataFrame(
        reader.read_layer("enterprises", version=version, columns=columns).drop(
            columns="geometry", errors="ignore"
        )
    )
    details = details.drop(columns=["valid_from", "valid_to", "row_hash"], errors="ignore")
    if reader.has_rows("assignments", version=version):
        outcome = read_assignments(reader.path, version=version)
        outcome = outcome[outcome["enterprise_id"].isin(details["enterprise_id"])]
    else:
        # Not assigned yet: drawn by risk, without a grid (kind "" is not "unassigned").
        context = reader.read_layer(
            "enterprises",
            version=version,
            columns=["enterprise_id", "name", "uscc", "address", "village", "lon", "lat"],
        )
        outcome = pd.DataFrame(context.drop(columns="geometry", errors="ignore")).assign(
            grid_code=None, kind="", reason=None, declared_village=None
        )
    merged = outcome.merge(details, on="enterprise_id", how="left")
    lon = pd.to_numeric(merged["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(merged["lat"], errors="coerce").to_numpy(dtype="float64")
    points = shapely.points(lon, lat)
    points[np.isnan(lon) | np.isnan(lat)] = None
    return gpd.GeoDataFrame(merged, geometry=points, crs=CGCS2000)


def _only_townships(
    admin: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame,
    townships: Sequence[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Keep the chosen townships, their villages and grids, and the units located in them."""
    wanted = list(dict.fromkeys(townships))
    known = set(admin.loc[admin["level"] == "township", "code"])
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise InputDataError(
            f"township {', '.join(unknown)} is not in the project; its townships are "
            + ", ".join(sorted(known)[:12])
            + ("…" if len(known) > 12 else "")
        )
    in_area = admin["code"].str[:9].isin(wanted) & (admin["level"] != "county")
    admin = admin[in_area]
    territorial = grids["kind"] == "territorial"
    level_ok = ~grids["level"].isin(["county"])
    grids_in = territorial & level_ok & grids["admin_code"].str[:9].isin(wanted)
    sector = grids[grids["kind"] == "sector"]
    area = shapely.union_all(admin.loc[admin["level"] == "township"].geometry.to_numpy())
    sector = sector.set_geometry(_polygonal(shapely.intersection(sector.geometry.to_numpy(), area)))
    grids = pd.concat([grids[grids_in], sector[sector.geometry.notna()]], ignore_index=True)
    place = enterprises["located_village"] if "located_village" in enterprises else None
    if place is None:
        place = pd.Series(None, index=enterprises.index, dtype=object)
    place = place.fillna(enterprises["declared_village"])
    enterprises = enterprises[place.astype(str).str[:9].isin(wanted)]
    return admin, grids.sort_values("grid_code").reset_index(drop=True), enterprises


def _polygonal(shapes: np.ndarray) -> np.ndarray:
    """Keep the polygons of each shape (an intersection may add lines and points); None if none."""
    parts, owner = shapely.get_parts(shapes, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    kept = np.full(len(shapes), None, dtype=object)
    if polygon.any():
        owners, starts = np.unique(owner[polygon], return_index=True)
        grouped = np.split(parts[polygon], starts[1:])
        # One MultiPolygon per sector grid: a county has a handful of them.
        kept[owners] = [shapely.multipolygons(group) for group in grouped]
    return kept


def _county_name(reader: ProjectReader, admin: pd.DataFrame) -> str:
    name = reader.meta().get("county_name")
    if name:
        return name
    county = admin.loc[admin["level"] == "county", "name"]
    return str(county.iloc[0]) if len(county) else ""


def _subtitle(
    version: int, generated: dt.date, public: bool, admin: pd.DataFrame, townships: Sequence[str]
) -> str:
    parts = [
        f"{MAP_LABELS['version']} {version}",
        f"{MAP_LABELS['generated']} {generated:%Y-%m-%d}",
    ]
    if townships:
        names = admin.loc[admin["level"] == "township"].set_index("code")["name"]
        parts.append("、".join(str(names.get(code, code)) for code in dict.fromkeys(townships)))
    if public:
        parts.append(MAP_LABELS["public"])
    return " · ".join(parts)


def _report(
    output: Path, version: int, data: SupervisionData, tiles: Basemap | None, public: bool
) -> MapReport:
    grids = data.grids
    base = (grids["kind"] == "territorial") & (grids["level"] == "base")
    kind = data.enterprises["kind"] if "kind" in data.enterprises else pd.Series(dtype=object)
    return MapReport(
        output=output,
        bytes=output.stat().st_size,
        version=version,
        grids=int(base.sum()),
        sector_grids=int((grids["kind"] == "sector").sum()),
        enterprises=len(data.enterprises),
        unassigned=int(kind.isna().sum()),
        basemap=tiles.name if tiles else "none",
        public=public,
    )
