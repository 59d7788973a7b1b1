"""Who is responsible here? A point, an address or a USCC → its grid, its people, its department.

Hotline operators (12345) and township offices ask it every day, and every
hazard report needs the answer (docs/domain.md, "The work loop"). This module
is pure: the project's frames in, DataFrames out. :class:`GridFinder` is
built once from the grids, admin units, staff and assignments of a project
and then answers any number of questions, many points at once.

Choices a maintainer must know:

- **Points and addresses go through assign's own objects.** The finder wraps
  :class:`gridgis.assign.TerritorialAssigner`, the object ``gridgis assign``
  places enterprises with: the same placement grids (base grids, and the
  village grid of a village not divided yet), the same boundary rule (a point
  on a shared edge goes to the smallest grid code that covers it) and the same
  address fallback (a village with several grids is answered with its grids as
  candidates, never a guess). Nothing of either is written again here.
- **A point in no grid is measured**: the distance to the county outline, in
  metres in the county's Gauss-Krüger zone (docs/domain.md, "Coordinate
  systems"), computed for all such points at once.
- **A USCC is looked up among the assignments** the last ``assign`` stored.
  A unit in a county-level sector grid is answered with that grid, its
  department, the rules that sent it there and their reason; its point is
  placed in its base grid too, whose people patrol where it stands. Two
  ledger rows with the same code (a duplicate the ledger import flagged) give
  one answer when they agree on the grid and both otherwise.
- **People** are those :func:`gridgis.staff.people_of_grids` lists for the
  grid: a base grid's 网格员 are its own and its village's; every other role
  comes from the most specific place that names someone in it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridgis.assign import TerritorialAssigner
from gridgis.crs import gauss_kruger_crs
from gridgis.errors import InputDataError
from gridgis.render.labels import LOCATE_LABELS
from gridgis.staff import GRID_MEMBER, people_of_grids, responsibilities

logger = logging.getLogger(__name__)

__all__ = [
    "ENTERPRISE_COLUMNS",
    "LOCATED_COLUMNS",
    "PERSON_COLUMNS",
    "GridFinder",
    "normalise_uscc",
]

#: Columns of :meth:`GridFinder.locate`, in order.
LOCATED_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "grid_name",
    "village_code",
    "village",
    "township_code",
    "township",
    "method",
    "reason_code",
    "reason",
    "candidates",
    "distance_m",
)
#: Columns of :meth:`GridFinder.people`, in order.
PERSON_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "role",
    "name",
    "title",
    "duty",
    "phone",
    "serves_from",
)
#: Columns of :meth:`GridFinder.enterprises`, in order: the query, the unit and its
#: assignment, then where its point (or address) lies now (:data:`LOCATED_COLUMNS`,
#: prefixed ``base_``).
ENTERPRISE_COLUMNS: tuple[str, ...] = (
    "query",
    "enterprise_id",
    "uscc",
    "name",
    "address",
    "lon",
    "lat",
    "kind",
    "assigned_grid",
    "assigned_grid_name",
    "department",
    "rules",
    "assigned_reason",
    *(f"base_{column}" for column in LOCATED_COLUMNS),
)
_SPACES = re.compile(r"\s+")


def normalise_uscc(text: object) -> str:
    """Return a USCC as stored: full-width characters narrowed, spaces dropped, upper case.

    Examples
    --------
    >>> normalise_uscc(" 91640122ｍa75y7r00g ")
    '91640122MA75Y7R00G'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def _text_or_none(values: pd.Series | np.ndarray, index: pd.Index) -> pd.Series:
    """Return text values as an object Series with None for missing (not NaN or pd.NA)."""
    if isinstance(values, pd.Series):
        array = values.to_numpy(dtype=object, na_value=None)
    else:
        array = np.asarray(values, dtype=object)
    series = pd.Series(array, index=index, dtype=object)
    return series.where(series.notna(), None)


class GridFinder:
    """Answer "whose is this?" for points, addresses and USCCs of one project.

    Parameters
    ----------
    grids : GeoDataFrame
        Every grid of a version, as :meth:`gridgis.io.store.ProjectReader.read_grids`
        returns them (CGCS2000 degrees).
    admin_units : GeoDataFrame
        The county, townships and villages: ``code``, ``name``, ``level``,
        ``parent_code`` and geometry.
    staff : DataFrame, optional
        The project's ``staff`` layer; without it no grid has people.
    assignments : DataFrame, optional
        :func:`gridgis.io.assignment_view.read_assignments` of the same
        version; without it no USCC is known.
    department_names : mapping of int to str, optional
        Department number → name (``data/departments.toml``).
    threads : int, optional
        Worker threads for the spatial join (default up to 2).

    Raises
    ------
    InputDataError
        If the project has no grids yet.

    Examples
    --------
    >>> finder = GridFinder(reader.read_grids(), reader.read_layer("admin_units"))  # doctest: +SKIP
    >>> finder.locate(pd.DataFrame({"lon": [106.33], "lat": [38.55]}))  # doctest: +SKIP
    """

    def __init__(
        self,
        grids: gpd.GeoDataFrame,
        admin_units: gpd.GeoDataFrame,
        *,
        staff: pd.DataFrame | None = None,
        assignments: pd.DataFrame | None = None,
        department_names: dict[int, str] | None = None,
        threads: int | None = None,
    ) -> None:
        if grids.empty or not (grids["level"] == "base").any():
            raise InputDataError("the project has no base grids yet; run 'gridgis divide' first")
        self.grids = grids
        self.assigner = TerritorialAssigner(grids, admin_units, threads=threads)
        self.grid_names = pd.Series(
            grids["name"].astype(object).to_numpy(), index=grids["grid_code"].astype(object)
        )
        units = admin_units[admin_units["level"].isin(["township", "village"])]
        self.unit_names = pd.Series(
            units["name"].astype(object).to_numpy(), index=units["code"].astype(object)
        )
        villages = units[units["level"] == "village"]
        self._parents = pd.Series(
            villages["parent_code"].astype(object).to_numpy(),
            index=villages["code"].astype(object),
        )
        self.department_names = dict(department_names or {})
        county = admin_units[admin_units["level"] == "county"]
        outline = (
            shapely.union_all(county.geometry.to_numpy())
            if len(county)
            else shapely.union_all(units.geometry.to_numpy())
        )
        centre = shapely.centroid(outline)
        self._to_metric = pyproj.Transformer.from_crs(
            admin_units.crs, gauss_kruger_crs(shapely.get_x(centre)), always_xy=True
        )
        self._county_metric = shapely.transform(
            outline, lambda xy: np.column_stack(self._to_metric.transform(xy[:, 0], xy[:, 1]))
        )
        shapely.prepare(self._county_metric)
        # The outline's edges, one segment each, indexed: the distance of many
        # points to a county line of thousands of vertices is then one nearest
        # query each, where shapely.distance would walk every edge per point.
        rings = shapely.get_parts(shapely.boundary(self._county_metric))
        edges = []
        for ring in rings:  # a county has one outline, or a few parts
            xy = shapely.get_coordinates(ring)
            edges.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
        self._county_edges = shapely.STRtree(np.concatenate(edges) if edges else np.array([]))
        self._placement_codes = self.assigner.grids["grid_code"].astype(object).to_numpy()
        self._placement_position = pd.Series(
            np.arange(len(self._placement_codes)), index=self._placement_codes
        )
        villages_of = pd.Series(self.assigner.grids["admin_code"].astype(object).to_numpy())
        townships_of = villages_of.map(self._parents).astype(object)
        self._placement_names = {
            "grid_code": self._placement_codes,
            "grid_name": pd.Series(self._placement_codes).map(self.grid_names).to_numpy(object),
            "village_code": villages_of.to_numpy(dtype=object),
            "village": villages_of.map(self.unit_names).to_numpy(dtype=object),
            "township_code": townships_of.to_numpy(dtype=object),
            "township": townships_of.map(self.unit_names).to_numpy(dtype=object),
        }
        people = (
            pd.DataFrame(staff.drop(columns="geometry", errors="ignore"))
            if staff is not None
            else None
        )
        listed = people_of_grids(people, grids) if people is not None and len(people) else None
        self._people = (
            listed[list(PERSON_COLUMNS)]
            if listed is not None
            else pd.DataFrame(columns=list(PERSON_COLUMNS))
        )
        self._roles = (
            responsibilities(people, grids).set_index("grid_code")
            if people is not None and len(people)
            else pd.DataFrame()
        )
        if assignments is not None and len(assignments):
            codes = assignments["uscc"].astype(object)
            self._assignments = assignments[codes.notna().to_numpy()].assign(
                _uscc=codes[codes.notna()].map(normalise_uscc).to_numpy()
            )
        else:
            self._assignments = pd.DataFrame(columns=["_uscc"])

    # -- places ---------------------------------------------------------------

    def locate(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Place each row in its grid, by its point or else by its names and address.

        Parameters
        ----------
        rows : DataFrame
            ``lon`` and ``lat`` in CGCS2000 degrees (NaN when missing), and
            optionally ``township``, ``village`` and ``address`` (used for rows
            without a point, as ``assign``'s fallback uses them).

        Returns
        -------
        DataFrame
            :data:`LOCATED_COLUMNS`, one row per input row, same index:

            - ``grid_code`` and ``grid_name``, or missing;
            - ``village_code``/``village`` and ``township_code``/``township``
              of the grid;
            - ``method``: ``spatial`` or ``address``;
            - ``reason_code`` (``outside_grids``, ``needs_coordinates``,
              ``no_village_match``, ``village_without_grid``) and ``reason``,
              when no grid;
            - ``candidates``: the village's grids (space-separated) when its
              names match a village with several grids;
            - ``distance_m``: for a point in no grid, metres to the county
              outline (0 when inside it), else NaN.

        Examples
        --------
        >>> finder.locate(pd.DataFrame({"lon": [106.33], "lat": [38.55]}))  # doctest: +SKIP
        """
        index = rows.index
        count = len(rows)
        lon = pd.to_numeric(rows["lon"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        lat = pd.to_numeric(rows["lat"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        has_point = np.isfinite(lon) & np.isfinite(lat)
        none = np.full(count, None, dtype=object)
        grid, method, reason_code = none.copy(), none.copy(), none.copy()
        reason, candidates = none.copy(), none.copy()
        # Points: assign's own locator (its grids, its boundary rule). Its
        # reasons for points outside every grid speak to a ledger's keeper and
        # cost a nearest-village search per point; here a point in no grid is
        # answered with its distance to the county line instead.
        position = self.assigner.locator.locate(lon, lat)
        placed = position >= 0
        grid[placed] = self._placement_codes[position[placed]]
        method[placed] = "spatial"
        distance = np.full(count, np.nan)
        outside = has_point & ~placed
        if outside.any():
            metres = self._distances_to_county(lon[outside], lat[outside])
            distance[outside] = np.round(metres, 1)
            reason_code[outside] = "outside_grids"
            reason[outside] = [
                LOCATE_LABELS["outside_county"].format(distance=f"{m:,.0f}")
                if m > 0
                else LOCATE_LABELS["in_no_grid"]
                for m in distance[outside]
            ]
        # Rows without a point: assign's fallback on their names and address.
        missing = np.flatnonzero(~has_point)
        if len(missing):
            fallback = self.assigner.assign(rows.iloc[missing])
            grid[missing] = fallback["grid_code"].to_numpy(dtype=object)
            method[missing] = fallback["method"].to_numpy(dtype=object)
            reason_code[missing] = fallback["reason_code"].to_numpy(dtype=object)
            reason[missing] = fallback["reason"].to_numpy(dtype=object)
            candidates[missing] = fallback["candidates"].to_numpy(dtype=object)
        # Names by position in the placement grids: array lookups, not a
        # dictionary lookup per row and column.
        if len(missing):
            by_code = pd.Series(grid[missing], dtype=object).map(self._placement_position)
            position[missing] = by_code.fillna(-1).to_numpy(dtype=np.int64)
        found = position >= 0
        named = {}
        for column in (
            "grid_code",
            "grid_name",
            "village_code",
            "village",
            "township_code",
            "township",
        ):
            values = np.full(count, None, dtype=object)
            values[found] = self._placement_names[column][position[found]]
            named[column] = _text_or_none(values, index)
        located = pd.DataFrame(
            {
                **named,
                "method": _text_or_none(method, index),
                "reason_code": _text_or_none(reason_code, index),
                "reason": _text_or_none(reason, index),
                "candidates": _text_or_none(candidates, index),
                "distance_m": pd.Series(distance, index=index),
            },
            index=index,
        )
        return located[list(LOCATED_COLUMNS)]

    def _distances_to_county(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return metres from each point to the county outline (0 inside it)."""
        x, y = self._to_metric.transform(lon, lat)
        points = shapely.points(x, y)
        (which, _), metres = self._county_edges.query_nearest(
            points, all_matches=False, return_distance=True
        )
        result = np.zeros(len(lon))
        result[which] = metres
        result[shapely.contains_xy(self._county_metric, x, y)] = 0.0
        return result

    def grid_places(self, grid_codes: pd.Series) -> pd.DataFrame:
        """Describe grids by code: name, kind, level, and the village and township of a base grid.

        Returns
        -------
        DataFrame
            ``known`` (a current grid of the project), ``grid_name``, ``kind``,
            ``level``, ``village_code``, ``village``, ``township_code``,
            ``township``, indexed like ``grid_codes``; a sector or county grid
            has no village or township.
        """
        table = self.grids.set_index(self.grids["grid_code"].astype(object))
        codes = grid_codes.astype(object)
        known = codes.isin(table.index)
        level = codes.map(table["level"]).astype(object)
        kind = codes.map(table["kind"]).astype(object)
        in_village = known & level.isin(["base", "village"]) & (kind == "territorial")
        village = codes.map(table["admin_code"]).astype(object).where(in_village, None)
        township = village.map(self._parents).astype(object)
        return pd.DataFrame(
            {
                "known": known,
                "grid_name": _text_or_none(codes.map(self.grid_names), codes.index),
                "kind": _text_or_none(kind, codes.index),
                "level": _text_or_none(level, codes.index),
                "village_code": _text_or_none(village, codes.index),
                "village": _text_or_none(village.map(self.unit_names), codes.index),
                "township_code": _text_or_none(township, codes.index),
                "township": _text_or_none(township.map(self.unit_names), codes.index),
            },
            index=codes.index,
        )

    # -- people -----------------------------------------------------------------

    def people(self, grid_codes: Iterable[str]) -> pd.DataFrame:
        """List the people serving the given grids, one row per grid and person.

        Returns
        -------
        DataFrame
            :data:`PERSON_COLUMNS`, by grid code, role (in the guideline's
            order) and name; empty without a roster.
        """
        wanted = list(dict.fromkeys(code for code in grid_codes if code))
        chosen = self._people[self._people["grid_code"].isin(wanted)]
        return chosen.reset_index(drop=True)

    def role_names(self, grid_codes: pd.Series, role: str) -> pd.Series:
        """Return, per grid code, the names of its people in one role joined by 、 (or None).

        ``role`` is one of :data:`gridgis.staff.ROLES`; for :data:`~gridgis.staff.GRID_MEMBER`
        a base grid's own members and its village's.
        """
        if self._roles.empty or role not in self._roles.columns:
            return pd.Series(None, index=grid_codes.index, dtype=object)
        names = grid_codes.map(self._roles[role]).astype(object)
        return names.where(names.notna(), None)

    def members(self, grid_codes: pd.Series) -> pd.Series:
        """Return the 网格员 of each grid, names joined by 、 (or None)."""
        return self.role_names(grid_codes, GRID_MEMBER)

    # -- enterprises ----------------------------------------------------------------

    def enterprises(self, codes: Iterable[object]) -> pd.DataFrame:
        """Look enterprises up by USCC: their assignment, and where they stand now.

        Parameters
        ----------
        codes : iterable of str
            USCCs as typed (spaces and case do not matter).

        Returns
        -------
        DataFrame
            :data:`ENTERPRISE_COLUMNS`: one row per enterprise found (a code
            the ledger holds twice gives two rows; an unknown code none),
            ``query`` being the code asked for, normalised. ``kind`` is
            ``territorial``, ``sector`` or missing (unassigned);
            ``assigned_grid`` the grid the last ``assign`` chose (a sector
            grid for a sector unit), with its ``department``, ``rules`` and
            reason; the ``base_`` columns say where the unit's point, or its
            names and address, lie now.
        """
        wanted = pd.unique(pd.Series([normalise_uscc(code) for code in codes], dtype=object))
        found = self._assignments[self._assignments["_uscc"].isin(list(wanted))]
        found = found.sort_values(["_uscc", "enterprise_id"], kind="stable").reset_index(drop=True)
        if found.empty:
            return pd.DataFrame(columns=list(ENTERPRISE_COLUMNS))
        base = self.locate(found[["lon", "lat", "township", "village", "address"]])
        kind = found["kind"].astype(object).where(found["kind"].notna(), None)
        assigned = found["grid_code"].astype(object).where(found["grid_code"].notna(), None)
        department = pd.to_numeric(found["department"], errors="coerce").where(kind == "sector")
        result = pd.DataFrame(
            {
                "query": found["_uscc"].to_numpy(dtype=object),
                "enterprise_id": found["enterprise_id"].to_numpy(dtype=object),
                "uscc": found["uscc"].to_numpy(dtype=object),
                "name": found["name"].to_numpy(dtype=object),
                "address": found["address"].to_numpy(dtype=object),
                "lon": pd.to_numeric(found["lon"], errors="coerce").to_numpy(dtype="float64"),
                "lat": pd.to_numeric(found["lat"], errors="coerce").to_numpy(dtype="float64"),
                "kind": kind.to_numpy(dtype=object),
                "assigned_grid": assigned.to_numpy(dtype=object),
                "assigned_grid_name": assigned.map(self.grid_names).to_numpy(dtype=object),
                "department": department.astype("Int64").array,
                "rules": _text_or_none(found["rules"], found.index).where(kind == "sector"),
                "assigned_reason": _text_or_none(found["reason"], found.index),
            }
        )
        for column in LOCATED_COLUMNS:
            result[f"base_{column}"] = base[column].to_numpy()
        return result[list(ENTERPRISE_COLUMNS)]

    def department_name(self, number: object) -> str | None:
        """Return a department's name by number, or None."""
        if not isinstance(number, int | float | np.integer | np.floating) or pd.isna(number):
            return None
        return self.department_names.get(int(number))
