"""The supervision diagram (监管示意图): a project's grids, people and units as map layers.

:func:`supervision_map` takes the frames a project holds (admin units, grids,
the people of each grid, capacity, enterprises with their assignments) and
returns the HTML page of :func:`gridgis.render.map.document.render_map`:

- **Boundaries** of the county, townships and villages.
- **Base grids**, each coloured differently from every grid touching it
  (:func:`gridgis.render.map.geometry.neighbour_colours`), labelled with name
  and code where the label fits, with a popup naming the people of the six
  roles with their phones, the units by risk, and load against capacity.
- **Sector grids**, their cells coloured by department.
- **Enterprises** on the four-colour risk scale (重大 red, 较大 orange, 一般
  yellow, 低 blue; docs/domain.md), and the **unassigned** ones apart, larger
  and ringed, so they can be found.
- **Hazard reports**, when the project has them (not on a public map): the open
  ones by state, the overdue ones in red (:mod:`gridgis.render.map.hazards`).

Shapes are simplified as one coverage: the base grids and the villages
without grids are thinned together with ``coverage_simplify``, and the
village, township and county outlines are drawn along their edges, so every
boundary runs exactly along the grid edges and no gap opens between
neighbours.

``public`` leaves out what the guideline does not publish: the enterprises'
principals, phones, e-mails, employee numbers and revenue never enter the
page. The names and phones of grid staff stay: the guideline has them posted
in every village (公示).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.render.labels import KIND_LABELS, LEVEL_LABELS, MAP_LABELS
from gridgis.render.map.document import render_map
from gridgis.render.map.geometry import neighbour_colours, simplify_coverage
from gridgis.render.map.hazards import hazard_layers, hazard_legend
from gridgis.render.map.layers import Basemap, Field, Layer, LegendItem, Style

logger = logging.getLogger(__name__)

#: The four-colour risk scale (docs/domain.md, "Risk and scale"), drawn last to first.
RISK_COLOURS: dict[str, str] = {
    "重大": "#d7191c",
    "较大": "#f07c12",
    "一般": "#f5d317",
    "低": "#2c6fd1",
}
UNKNOWN_RISK_COLOUR = "#9e9e9e"
#: Villages without base grids.
UNDIVIDED_COLOUR = "#cfcfcf"
#: Light fills for base grids; neighbours never share one.
GRID_PALETTE: tuple[str, ...] = (
    "#a6cee3",
    "#b2df8a",
    "#fdbf6f",
    "#cab2d6",
    "#fbe38e",
    "#f4a6a4",
    "#8dd3c7",
    "#d6c4a8",
)
#: Sector grids by department number (1 = the first colour).
DEPARTMENT_PALETTE: tuple[str, ...] = (
    "#7b3294",
    "#008837",
    "#0571b0",
    "#a6611a",
    "#d01c8b",
    "#018571",
    "#5e3c99",
    "#b35806",
)


def department_fills(departments: pd.Series) -> np.ndarray:
    """Return each sector grid's fill: its department's colour (unknown: the first).

    Examples
    --------
    >>> department_fills(pd.Series([1, 2, 9, None])).tolist()
    ['#7b3294', '#008837', '#7b3294', '#7b3294']
    """
    number = pd.to_numeric(departments, errors="coerce").fillna(1).astype("int64").to_numpy()
    return np.asarray(DEPARTMENT_PALETTE, dtype=object)[(number - 1) % len(DEPARTMENT_PALETTE)]


#: Default simplification, metres. Grid edges move by at most about this
#: much: under two pixels up to zoom 16 (1.9 m a pixel at 38.5°N), where a
#: planner reads a whole village.
TOLERANCE_M = 3.0
#: Columns only a non-public map shows (personal data of enterprises).
PRIVATE_FIELDS: tuple[str, ...] = ("principal", "phone", "email", "employees", "revenue")
_HAZARD_GRADES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


@dataclass(frozen=True)
class SupervisionData:
    """What the supervision diagram shows, as read from a project.

    Attributes
    ----------
    admin : GeoDataFrame
        Admin units: ``code``, ``name``, ``level`` (county, township,
        village), ``parent_code``, ``households``, geometry. Leave the county
        out to draw part of it (the chosen townships only).
    grids : GeoDataFrame
        Grids as :meth:`gridgis.io.store.ProjectReader.read_grids` returns
        them: territorial base and level grids, and sector grids.
    people : DataFrame
        ``grid_code`` and one column per role, in the order to show them: the
        people of that role for the grid, one per line (name, title, phone).
    capacity : DataFrame
        The project's ``capacity`` table (may be empty).
    enterprises : GeoDataFrame
        One row per enterprise: ``enterprise_id``, ``name``, ``uscc``,
        ``address``, ``sector``, ``risk``, ``major_hazard_grade``,
        ``grid_code``, ``kind``, ``reason``, ``rules``, ``declared_village``, the
        :data:`PRIVATE_FIELDS` when not public, and its point (or none).
    hazards : GeoDataFrame, optional
        Hazard reports judged on the map's day (``outcome``, ``days_overdue``;
        see :mod:`gridgis.render.map.hazards`): the open ones are drawn, the
        overdue ones in red. None leaves them out (a public map).
    """

    admin: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    people: pd.DataFrame
    capacity: pd.DataFrame
    enterprises: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame | None = None


def supervision_map(
    data: SupervisionData,
    *,
    title: str,
    subtitle: str,
    basemap: Basemap | None = None,
    public: bool = False,
    tolerance_m: float = TOLERANCE_M,
) -> str:
    """Build the supervision diagram as one offline HTML page.

    Parameters
    ----------
    data : SupervisionData
        The frames to draw, in lon/lat degrees (shifted to GCJ-02 already for
        a Gaode basemap).
    title, subtitle : str
        The heading (county and title) and the line under it (version, date).
    basemap : Basemap, optional
        Default: none, so the page needs no network.
    public : bool
        Leave the enterprises' personal data out of the page.
    tolerance_m : float
        Simplification tolerance in metres.

    Returns
    -------
    str
        The HTML page.
    """
    grids = data.grids
    base = grids[(grids["kind"] == "territorial") & (grids["level"] == "base")]
    sector = grids[grids["kind"] == "sector"]
    villages, townships, county, leaves = _territory(data.admin, base, tolerance_m)
    enterprises, not_drawn = _placed(data.enterprises, villages)
    shapes = [
        _grid_layer(leaves[leaves["grid_code"].notna()], data, villages, townships),
        _undivided_layer(leaves[leaves["grid_code"].isna()], villages, townships),
    ]
    sources = tuple(layer.key for layer in shapes if len(layer.frame))
    outlines = [
        _outline_layer("village", villages, grids, sources, "#5f5f5f", 1.2, None),
        _outline_layer("township", townships, grids, sources, "#2f2f2f", 2.4, "8 5"),
        _outline_layer("county", county, grids, sources, "#111111", 3.2, None),
    ]
    layers = [
        *shapes,
        _sector_layer(sector, data),
        *(outlines if sources else []),
        *_enterprise_layers(enterprises, grids, public),
        *hazard_layers(data.hazards, grids),
    ]
    notes = [MAP_LABELS["not_drawn"].format(count=not_drawn)] if not_drawn else []
    if len(enterprises) and (enterprises["kind"] == "").any():
        notes.append(MAP_LABELS["pending"])
    return render_map(
        [layer for layer in layers if len(layer.frame)],
        title=title,
        subtitle=subtitle,
        basemap=basemap,
        legend=[
            *_legend(sector, undivided=bool(len(shapes[1].frame))),
            *hazard_legend(data.hazards),
        ],
        notes=notes,
    )


# -- boundaries ---------------------------------------------------------------


def _territory(
    admin: gpd.GeoDataFrame, base: gpd.GeoDataFrame, tolerance_m: float
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Simplify base grids and undivided villages as one coverage; group them by place.

    Returns the villages, townships and county (their leaves gathered, with
    their attributes), and the leaves: the simplified base grids and
    undivided villages, each with its ``village``, ``township`` and
    ``county`` code.
    """
    village_rows = admin[admin["level"] == "village"]
    undivided = village_rows[~village_rows["code"].isin(base["admin_code"])]
    village = np.concatenate(
        [base["admin_code"].to_numpy(dtype=object), undivided["code"].to_numpy(dtype=object)]
    )
    parents = dict(zip(village_rows["code"], village_rows["parent_code"], strict=False))
    township = pd.Series(village, dtype=object).map(parents)
    township = township.where(township.notna(), pd.Series(village, dtype=object).str[:9])
    county_rows = admin[admin["level"] == "county"]
    county_code = county_rows["code"].iloc[0] if len(county_rows) else None
    leaves = gpd.GeoDataFrame(
        {
            "grid_code": [*base["grid_code"], *[None] * len(undivided)],
            "village": village,
            "township": township.to_numpy(dtype=object),
            "county": county_code,
        },
        geometry=simplify_coverage(
            np.concatenate([base.geometry.to_numpy(), undivided.geometry.to_numpy()]),
            tolerance_m,
        ),
        crs=admin.crs,
    )
    villages = group_leaves(leaves, "village", village_rows)
    townships = group_leaves(leaves, "township", admin[admin["level"] == "township"])
    if county_code is None:
        county = townships.iloc[:0]
    else:
        county = group_leaves(leaves, "county", county_rows)
    return villages, townships, county, leaves


def group_leaves(frame: gpd.GeoDataFrame, by: str, rows: pd.DataFrame) -> gpd.GeoDataFrame:
    """Gather the leaves of each ``by`` group into one MultiPolygon, with the group's attributes.

    No union is computed: the map draws outlines along the leaves' edges
    (:func:`gridgis.render.map.encode.outline_runs`), and a group's shape only
    gives its extent and a point inside it for the search.

    Returns
    -------
    GeoDataFrame
        ``by`` (also as ``code``), the attributes of ``rows`` matched on their
        ``code`` (for admin units ``name``, ``parent_code``, ``households``), and
        geometry; by code.
    """
    columns = [by, "code", "name", "parent_code", "households"]
    present = frame[frame[by].notna()]
    if present.empty:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=frame.crs)
    codes, groups = pd.factorize(present[by], sort=True)
    parts, owner = shapely.get_parts(present.geometry.to_numpy(), return_index=True)
    # The leaves need not come group by group (undivided villages follow the
    # grids), and shapely gathers parts only in the order of their groups.
    order = np.argsort(codes[owner], kind="stable")
    shapes = shapely.multipolygons(parts[order], indices=codes[owner][order])
    attributes = rows.drop(columns="geometry").rename(columns={"code": by})
    grouped = gpd.GeoDataFrame(
        {by: np.asarray(groups, dtype=object)}, geometry=shapes, crs=frame.crs
    )
    grouped = grouped.merge(attributes, on=by, how="left")
    grouped["code"] = grouped[by]
    return grouped


def _outline_layer(
    key: str,
    units: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    sources: tuple[str, ...],
    colour: str,
    weight: float,
    dash: str | None,
) -> Layer:
    """Outlines of admin units along the grid edges; their popup opens from the search."""
    level_grids = grids[(grids["kind"] == "territorial") & (grids["level"] == key)]
    codes = dict(zip(level_grids["admin_code"], level_grids["grid_code"], strict=False))
    frame = units.assign(
        level_grid=units["code"].map(codes),
        households_text=_integers(_column(units, "households")),
    )
    fields = [
        Field("code", MAP_LABELS["admin_code"]),
        Field("level_grid", MAP_LABELS["level_grid"]),
    ]
    if key == "village":
        base = grids[(grids["kind"] == "territorial") & (grids["level"] == "base")]
        frame["base_grids"] = _integers(frame["code"].map(base.groupby("admin_code").size()))
        fields += [
            Field("base_grids", MAP_LABELS["base_grids"]),
            Field("households_text", MAP_LABELS["households"]),
        ]
    return Layer(
        key=key,
        name=MAP_LABELS[key],
        frame=frame,
        style=Style(stroke=colour, weight=weight, dash=dash, fill=None),
        title="name",
        fields=tuple(fields),
        search=("name",) if key != "county" else (),
        outline_of=sources,
        group=key,
    )


def _undivided_layer(
    leaves: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, townships: gpd.GeoDataFrame
) -> Layer:
    """Villages not (yet) divided into base grids, drawn grey so the gap shows."""
    names = dict(zip(villages["code"], villages["name"], strict=False))
    township_names = dict(zip(townships["code"], townships["name"], strict=False))
    frame = leaves.assign(
        name=leaves["village"].map(names).fillna(leaves["village"]),
        place=leaves["township"].map(township_names),
    )
    return Layer(
        key="undivided",
        name=MAP_LABELS["undivided"],
        frame=frame,
        style=Style(stroke="#4d4d4d", weight=0.8, fill=UNDIVIDED_COLOUR, fill_opacity=0.5),
        title="name",
        fields=(Field("village", MAP_LABELS["admin_code"]), Field("place", MAP_LABELS["parent"])),
        search=("name",),
    )


# -- grids ----------------------------------------------------------------------


def _grid_layer(
    leaves: gpd.GeoDataFrame,
    data: SupervisionData,
    villages: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
) -> Layer:
    attributes = data.grids.drop(columns="geometry").set_index("grid_code")
    attributes = attributes.reindex(leaves["grid_code"])
    colours = neighbour_colours(leaves.geometry.to_numpy(), len(GRID_PALETTE))
    village_names = dict(zip(villages["code"], villages["name"], strict=False))
    township_names = dict(zip(townships["code"], townships["name"], strict=False))
    place = (
        leaves["township"].map(township_names).fillna("")
        + " "
        + leaves["village"].map(village_names).fillna("")
    ).str.strip()
    frame = leaves.assign(
        name=attributes["name"].fillna(leaves["grid_code"]).to_numpy(),
        fill=np.asarray(GRID_PALETTE, dtype=object)[colours],
        level_text=LEVEL_LABELS["base"] + "网格",
        place=place.to_numpy(),
        area=decimal_texts(attributes["area_km2"], 2, " 平方公里").to_numpy(),
    )
    frame = _with_people_and_units(frame, data)
    return Layer(
        key="grids",
        name=MAP_LABELS["grids"],
        frame=frame,
        style=Style(stroke="#4d4d4d", weight=0.8, fill_column="fill", fill_opacity=0.6),
        title="name",
        fields=_grid_fields(data.people),
        label=("name", "grid_code"),
        search=("grid_code", "name"),
    )


def _grid_fields(people: pd.DataFrame) -> tuple[Field, ...]:
    roles = [column for column in people.columns if column != "grid_code"]
    return (
        Field("grid_code", MAP_LABELS["grid_code"]),
        Field("level_text", MAP_LABELS["level"]),
        Field("place", MAP_LABELS["place"]),
        Field("area", MAP_LABELS["area"]),
        *(Field(role, role) for role in roles),
        Field("units", MAP_LABELS["units"]),
        Field("capacity_text", MAP_LABELS["capacity"]),
    )


def _with_people_and_units(frame: gpd.GeoDataFrame, data: SupervisionData) -> gpd.GeoDataFrame:
    """Add the role columns, the unit counts by risk and the load against capacity."""
    people = data.people.set_index("grid_code").reindex(frame["grid_code"])
    for role in people.columns:
        frame[role] = people[role].to_numpy(dtype=object)
    frame["units"] = _unit_counts(data.enterprises).reindex(frame["grid_code"]).to_numpy()
    frame["units"] = frame["units"].where(frame["units"].notna(), "0 家")
    frame["capacity_text"] = _capacity_text(data.capacity).reindex(frame["grid_code"]).to_numpy()
    return frame


def _unit_counts(enterprises: pd.DataFrame) -> pd.Series:
    """Per grid code: ``12 家：较大 2，一般 5，低 5``."""
    if enterprises.empty:
        return pd.Series(dtype=object)
    risk = enterprises["risk"].where(enterprises["risk"].isin(list(RISK_COLOURS)), "未填")
    counts = (
        pd.DataFrame({"grid_code": enterprises["grid_code"], "risk": risk})
        .dropna(subset=["grid_code"])
        .groupby(["grid_code", "risk"])
        .size()
        .unstack(fill_value=0)
    )
    text = counts.sum(axis=1).astype(str) + " 家"
    detail = pd.Series("", index=counts.index)
    for level in [*RISK_COLOURS, "未填"]:  # four levels and "not given": columns, not rows
        if level not in counts.columns:
            continue
        number = counts[level]
        piece = (level + " " + number.astype(str)).where(number > 0, "")
        detail = detail.where(piece == "", detail + np.where(detail == "", "", "，") + piece)
    return text.where(detail == "", text + "：" + detail)


def _capacity_text(capacity: pd.DataFrame) -> pd.Series:
    """Per grid code: ``负荷 13 / 能力 33.8（网格员 1.13 名）；转出 2 家；仍超出能力``."""
    needed = {"grid_code", "capacity", "load", "members"}
    if capacity.empty or not needed <= set(capacity.columns):
        return pd.Series(dtype=object)
    table = capacity.set_index("grid_code")
    load = table["load_after"] if "load_after" in table else table["load"]
    text = (
        "负荷 "
        + decimal_texts(load, 1, "")
        + " / 能力 "
        + decimal_texts(table["capacity"], 1, "")
        + "（网格员 "
        + decimal_texts(table["members"], 2, " 名")
        + "）"
    )
    if "moved_units" in table:
        moved = pd.to_numeric(table["moved_units"], errors="coerce").fillna(0).astype("int64")
        text = text.where(moved == 0, text + "；转出 " + moved.astype(str) + " 家至行业网格")
    if "over_capacity" in table:
        over = table["over_capacity"].fillna(False).astype(bool)
        text = text.where(~over, text + "；仍超出能力")
    return text


# -- sector grids ----------------------------------------------------------------


def _sector_layer(sector: gpd.GeoDataFrame, data: SupervisionData) -> Layer:
    frame = sector[["grid_code", "name", "geometry"]].assign(
        fill=department_fills(sector["department"]),
        level_text=LEVEL_LABELS["county"] + KIND_LABELS["sector"],
    )
    frame = _with_people_and_units(frame, data)
    return Layer(
        key="sector",
        name=MAP_LABELS["sector"],
        frame=frame,
        style=Style(stroke="#333333", weight=0.6, fill_column="fill", fill_opacity=0.45),
        title="name",
        fields=tuple(f for f in _grid_fields(data.people) if f.column not in {"place", "area"}),
        search=("grid_code", "name"),
        shown=False,
    )


# -- enterprises -------------------------------------------------------------------


def _placed(
    enterprises: gpd.GeoDataFrame, villages: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int]:
    """Give unassigned units without a point their declared village's centre, marked so.

    Returns the units that can be drawn, and how many cannot (no point, no
    known village).
    """
    if enterprises.empty:
        return enterprises, 0
    geometry = enterprises.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    centres = dict(
        zip(villages["code"], shapely.point_on_surface(villages.geometry.to_numpy()), strict=False)
    )
    stand_in = enterprises["declared_village"].map(centres).to_numpy(dtype=object)
    location = pd.Series(None, index=enterprises.index, dtype=object)
    location[missing & pd.notna(stand_in)] = MAP_LABELS["approximate"]
    placed = enterprises.assign(location=location)
    placed = placed.set_geometry(np.where(missing, stand_in, geometry), crs=enterprises.crs)
    drawable = ~pd.isna(placed.geometry.to_numpy())
    return placed[drawable], int((~drawable).sum())


def _enterprise_layers(
    enterprises: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, public: bool
) -> list[Layer]:
    if enterprises.empty:
        return []
    grid_text = dict(
        zip(grids["grid_code"], grids["name"] + "（" + grids["grid_code"] + "）", strict=False)
    )
    risk = enterprises["risk"]
    known = risk.isin(list(RISK_COLOURS))
    rank = risk.map({level: -i for i, level in enumerate(RISK_COLOURS)}).fillna(-9)
    grade = pd.to_numeric(_column(enterprises, "major_hazard_grade"), errors="coerce")
    hazard = grade.map(_HAZARD_GRADES)
    kind = enterprises["kind"]
    frame = enterprises.assign(
        rank=rank.to_numpy(),
        fill=risk.map(RISK_COLOURS).fillna(UNKNOWN_RISK_COLOUR).to_numpy(),
        risk_text=(
            risk.where(known, MAP_LABELS["unknown_risk"]) + _suffix(hazard, "；重大危险源 ")
        ),
        grid_text=enterprises["grid_code"].map(grid_text),
        sector_reason=_sector_reasons(enterprises, public).where(kind == "sector"),
        unassigned_reason=enterprises["reason"].where(kind.isna()),
    )
    fields = [
        Field("uscc", MAP_LABELS["uscc"]),
        Field("address", MAP_LABELS["address"]),
        Field("sector", MAP_LABELS["sector_name"]),
        Field("risk_text", MAP_LABELS["risk"]),
        Field("grid_text", MAP_LABELS["grid"]),
        Field("sector_reason", MAP_LABELS["sector_reason"]),
        Field("unassigned_reason", MAP_LABELS["unassigned_reason"]),
        Field("location", MAP_LABELS["location"]),
    ]
    if not public:
        frame = frame.assign(
            employees_text=_integers(_column(frame, "employees")),
            revenue_text=decimal_texts(_column(frame, "revenue"), 1, ""),
        )
        fields += [
            Field("principal", MAP_LABELS["principal"]),
            Field("phone", MAP_LABELS["phone"]),
            Field("email", MAP_LABELS["email"]),
            Field("employees_text", MAP_LABELS["employees"]),
            Field("revenue_text", MAP_LABELS["revenue"]),
        ]
    frame = frame.sort_values(["rank", "enterprise_id"], kind="stable")
    keep = ["enterprise_id", "name", "fill", *(f.column for f in fields), "geometry"]
    frame = frame[[column for column in keep if column in frame.columns]]
    fields = [f for f in fields if f.column in frame.columns]
    unassigned = enterprises.loc[frame.index, "kind"].isna().to_numpy()
    common = {"title": "name", "fields": tuple(fields), "search": ("name", "uscc")}
    return [
        Layer(
            key="enterprises",
            name=MAP_LABELS["enterprises"],
            frame=frame[~unassigned],
            style=Style(stroke="#303030", weight=0.8, fill_column="fill", fill_opacity=0.95),
            **common,  # type: ignore[arg-type]
        ),
        Layer(
            key="unassigned",
            name=MAP_LABELS["unassigned"],
            frame=frame[unassigned],
            style=Style(
                stroke="#000000", weight=3.0, fill_column="fill", fill_opacity=1.0, radius=7.0
            ),
            **common,  # type: ignore[arg-type]
        ),
    ]


def _sector_reasons(enterprises: pd.DataFrame, public: bool) -> pd.Series:
    """Why each unit went to a sector grid: the rule's reason, or for a public map its name.

    A large unit's reason quotes its employees and revenue, which a public
    map leaves out; the rules' names say enough (``大型企业；重大/较大风险``).
    """
    if not public:
        return enterprises["reason"]
    rules = _column(enterprises, "rules")
    combinations = pd.Series(pd.unique(rules.dropna()), dtype=object)
    named = combinations.str.split(",").explode().str.strip()
    named = named.map(lambda rule: MAP_LABELS.get(f"rule:{rule}", rule))
    # A few distinct combinations of rules: one join each.
    texts = {
        combinations[i]: "；".join(names) for i, names in named.groupby(level=0).agg(list).items()
    }
    return rules.map(texts)


def _legend(sector: gpd.GeoDataFrame, *, undivided: bool) -> list[LegendItem]:
    items = [LegendItem(MAP_LABELS["neighbours"], GRID_PALETTE[0], "fill", "#4d4d4d")]
    if undivided:
        items.append(LegendItem(MAP_LABELS["undivided"], UNDIVIDED_COLOUR, "fill", "#4d4d4d"))
    fills = department_fills(sector["department"])
    for name, colour in zip(sector["name"], fills, strict=True):
        items.append(LegendItem(str(name), colour, "fill"))
    items += [
        LegendItem(MAP_LABELS["county"], "#111111", "line"),
        LegendItem(MAP_LABELS["township"], "#2f2f2f", "line", dash="8 5"),
        LegendItem(MAP_LABELS["village"], "#5f5f5f", "line"),
        *(LegendItem(f"{level}风险", colour, "circle") for level, colour in RISK_COLOURS.items()),
        LegendItem(MAP_LABELS["unknown_risk"], UNKNOWN_RISK_COLOUR, "circle"),
        LegendItem(MAP_LABELS["unassigned"], "#ffffff", "ring", "#000000"),
    ]
    return items


# -- text helpers ------------------------------------------------------------------


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a column of ``frame``, or missing values where it has none."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _integers(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return numbers.round().astype("Int64").astype(str).where(numbers.notna(), None)


def decimal_texts(values: pd.Series, places: int, unit: str) -> pd.Series:
    """Write numbers with ``places`` decimals and a unit (``0.16 平方公里``); None where missing."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = pd.Series(
        np.char.mod(f"%.{places}f", numbers.fillna(0).to_numpy(dtype="float64")),
        index=numbers.index,
        dtype=object,
    )
    return (text + unit).where(numbers.notna(), None)


def _suffix(values: pd.Series, prefix: str) -> pd.Series:
    return (prefix + values).where(values.notna(), "")
