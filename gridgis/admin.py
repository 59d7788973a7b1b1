"""The administrative hierarchy: county ▸ township ▸ village.

Codes follow the statistical division code (GB/T 2260 county code + 3-digit
township part + 3-digit village part). A boundary file may hold any of the
three levels; the level of each feature comes from its code, missing upper
levels are built by dissolving, and every code must nest in its parent.

:func:`build_admin_units` turns boundary tables into the project's admin
units; :func:`detect_fields` finds their code and name fields;
:func:`normalise_codes` and :func:`code_problems` read and judge codes.

Choices a maintainer must know:

- **Codes padded to 12 digits** (``640122100000`` for a town) are shortened
  to the level they stand for. A value that is not a code stops the import,
  with the malformed codes listed by name and feature number; it is never
  dropped.
- **Field detection** takes a field whose values are mostly codes as a code
  field candidate, so a code field with a few malformed values is named (and
  its bad values listed) rather than passed over. A well-known field name
  settles a tie; otherwise the user is asked to choose.
- **Invalid polygons are repaired** with ``make_valid`` (structure method),
  keeping the polygonal parts. A repair can reach into the neighbours (a
  bow-tie keeps both lobes), so the repair report lists the same-level
  overlaps it made, measured as ``gridgis check`` measures overlaps
  (rounding noise ignored, :mod:`gridgis.rounding_noise`).
- **One project holds one county.** Boundaries of several counties, duplicate
  codes, or villages whose township is missing from given township
  boundaries are errors.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridgis.crs import CGCS2000, metric_crs_for
from gridgis.errors import InputDataError
from gridgis.rounding_noise import ROUNDING_NOISE_M, width

logger = logging.getLogger(__name__)

LEVELS = ("county", "township", "village")
LEVEL_BY_LENGTH = {6: "county", 9: "township", 12: "village"}

# Township part ranges of the statistical division code.
TOWNSHIP_KINDS = (
    (1, 99, "street", "街道"),
    (100, 199, "town", "镇"),
    (200, 399, "township", "乡"),
    (400, 599, "other", "其他"),
)
# Village part: 001-199 residents' committees, 200-399 villagers' committees,
# 400-599 other village-level units.
VILLAGE_PART_MAX = 599

CODE_FIELD_ALIASES = (
    "code",
    "adcode",
    "xzqdm",
    "dm",
    "qhdm",
    "区划代码",
    "行政区划代码",
    "代码",
    "统计用区划代码",
    "village_code",
    "cun_code",
    "zldwdm",
)
NAME_FIELD_ALIASES = (
    "name",
    "xzqmc",
    "mc",
    "qhmc",
    "名称",
    "区划名称",
    "行政区划名称",
    "村名",
    "村名称",
    "社区名称",
    "乡镇名称",
    "village",
    "village_name",
    "zldwmc",
)
HOUSEHOLD_FIELD_ALIASES = ("households", "household", "hh", "户数", "总户数", "hushu")

# A field whose values are more than half codes is taken for a code field
# with some malformed values, rather than for some other field.
MOSTLY_CODES = 0.5
# Malformed codes listed by name in a message; the rest are counted.
LISTED_CODES = 10

_CODE_PATTERN = re.compile(r"^(\d{6}|\d{9}|\d{12})$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class AdminBuild:
    """Admin units built from boundary files, and what was done to them."""

    units: gpd.GeoDataFrame
    repaired: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# -- codes -----------------------------------------------------------------------
def normalise_codes(values: pd.Series) -> pd.Series:
    """Turn code values (text or numbers) into canonical 6-, 9- or 12-digit strings.

    Statistical datasets often pad upper levels to 12 digits with zeros
    (``640122100000`` for a town, ``640122000000`` for the county); those are
    shortened to the level they stand for. Values that are not codes become None.

    Parameters
    ----------
    values : Series
        Raw code values.

    Returns
    -------
    Series of str
        Canonical codes, None where the value is not a code.
    """
    # A comprehension, not pandas .str: the values mix ints, floats and text,
    # and the tables hold thousands of units at most.
    return pd.Series([_canonical_code(value) for value in values], index=values.index, dtype=object)


def _canonical_code(value: object) -> str | None:
    text = _code_text(value)
    if text is None or not _CODE_PATTERN.match(text):
        return None
    if len(text) == 12 and text.endswith("000"):
        text = text[:9]
    if len(text) == 9 and text.endswith("000"):
        text = text[:6]
    return text


def _code_text(value: object) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != int(value):
            return None
        return str(int(value))
    return str(value).strip()


def level_of(codes: pd.Series) -> pd.Series:
    """Return each code's level (county, township or village) from its length."""
    return codes.str.len().map(LEVEL_BY_LENGTH)


def parent_of(codes: pd.Series) -> pd.Series:
    """Return each code's parent code (None for a county)."""
    lengths = codes.str.len()
    return codes.where(lengths > 6).str[:-3].where(lengths > 6, None)


def township_kind(part: int) -> tuple[str, str] | None:
    """Return the (English, Chinese) kind of a township part, or None if out of range."""
    for low, high, kind, chinese in TOWNSHIP_KINDS:
        if low <= part <= high:
            return kind, chinese
    return None


def code_problems(codes: pd.Series) -> pd.Series:
    """Explain what is wrong with each admin code, or None where it is sound.

    Checks the format, the township part ranges (001-099 street, 100-199 town,
    200-399 township, 400-599 other), the village part range (001-599) and
    uniqueness.

    Parameters
    ----------
    codes : Series of str
        Canonical codes as stored in the project.

    Returns
    -------
    Series of str or None
        A reason per code.
    """
    text = ["" if pd.isna(code) else str(code) for code in codes]
    counts = pd.Series(text).value_counts()
    reasons = [_code_problem(code, int(counts[code])) for code in text]
    return pd.Series(reasons, index=codes.index, dtype=object)


def _code_problem(code: str, occurrences: int) -> str | None:
    if not _CODE_PATTERN.match(code):
        return "code is not 6, 9 or 12 digits"
    if len(code) >= 9 and township_kind(int(code[6:9])) is None:
        return (
            f"township part {code[6:9]} is outside 001-599 "
            "(001-099 street, 100-199 town, 200-399 township, 400-599 other)"
        )
    if len(code) == 12 and not 1 <= int(code[9:12]) <= VILLAGE_PART_MAX:
        return f"village part {code[9:12]} is outside 001-{VILLAGE_PART_MAX}"
    if occurrences > 1:
        return "code is not unique"
    return None


# -- field detection ----------------------------------------------------------------
def detect_fields(
    frame: pd.DataFrame,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    source: str = "input",
) -> tuple[str, str]:
    """Find the code field and the name field of a boundary table.

    A code field holds 6-, 9- or 12-digit codes; a name field holds text with
    Chinese characters. A field whose values are mostly (more than half)
    codes also qualifies, so that a code field with a few malformed codes is
    found, and its malformed codes reported when the units are built, rather
    than passed over. When several fields qualify, one whose name is a
    well-known alias (``code``, ``区划代码``, ``name``, ``名称`` …) wins, then
    the only one whose values are all codes; if that does not settle it, the
    choice is left to the user.

    Parameters
    ----------
    frame : DataFrame
        The attribute table.
    code_field, name_field : str, optional
        Explicit choices, which are only checked.
    source : str
        The file name, for messages.

    Returns
    -------
    (str, str)
        The code field and the name field.

    Raises
    ------
    InputDataError
        If a field is missing, absent or ambiguous; the message lists the candidates.
    """
    columns = [c for c in frame.columns if c != "geometry"]
    if code_field is not None:
        if code_field not in columns:
            raise InputDataError(
                f"{source}: no field {code_field!r} for --code-field; "
                f"fields are {', '.join(columns)}"
            )
    else:
        # A field that mostly holds codes is a candidate too: a code field with a
        # few malformed values must be named, and its bad values listed, not
        # passed over for another field (or none).
        sound = [c for c in columns if _looks_like_codes(frame[c])]
        candidates = [c for c in columns if c in sound or _mostly_codes(frame[c])]
        code_field = _pick(
            candidates,
            CODE_FIELD_ALIASES,
            "code",
            "--code-field",
            source,
            columns,
            preferred=sound,
        )
    if name_field is not None:
        if name_field not in columns:
            raise InputDataError(
                f"{source}: no field {name_field!r} for --name-field; "
                f"fields are {', '.join(columns)}"
            )
    else:
        candidates = [c for c in columns if c != code_field and _looks_like_names(frame[c])]
        name_field = _pick(candidates, NAME_FIELD_ALIASES, "name", "--name-field", source, columns)
    return code_field, name_field


def _looks_like_codes(values: pd.Series) -> bool:
    return _code_share(values) == 1.0


def _mostly_codes(values: pd.Series) -> bool:
    return _code_share(values) > MOSTLY_CODES


def _code_share(values: pd.Series) -> float:
    """Return the share of the present values that are codes (0 for a non-code type)."""
    present = values.dropna()
    if present.empty:
        return 0.0
    if not (
        pd.api.types.is_integer_dtype(present)
        or pd.api.types.is_float_dtype(present)
        or pd.api.types.is_string_dtype(present)
        or present.dtype == object
    ):
        return 0.0
    return float(normalise_codes(present).notna().mean())


def _looks_like_names(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty or not (pd.api.types.is_string_dtype(present) or present.dtype == object):
        return False
    text = present.astype(str)
    return bool(text.map(lambda value: bool(_CJK.search(value))).mean() >= 0.8)


def _pick(
    candidates: list[str],
    aliases: tuple[str, ...],
    what: str,
    option: str,
    source: str,
    columns: list[str],
    preferred: list[str] | tuple[str, ...] = (),
) -> str:
    """Choose one candidate: the only one, the only alias, or the only preferred one."""
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InputDataError(
            f"{source}: found no {what} field (fields: {', '.join(columns)}); name it with {option}"
        )
    lowered = {alias.lower() for alias in aliases}
    known = [c for c in candidates if str(c).lower() in lowered]
    if len(known) == 1:
        return known[0]
    if len(preferred) == 1:
        return preferred[0]
    raise InputDataError(
        f"{source}: the {what} field is ambiguous; candidates are {', '.join(candidates)}; "
        f"choose one with {option}"
    )


def _household_field(frame: pd.DataFrame) -> str | None:
    lowered = {alias.lower() for alias in HOUSEHOLD_FIELD_ALIASES}
    for column in frame.columns:
        if str(column).lower() in lowered and pd.api.types.is_numeric_dtype(frame[column]):
            return column
    return None


# -- building the hierarchy ------------------------------------------------------------
def build_admin_units(
    sources: list[tuple[str, gpd.GeoDataFrame]],
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    county_names: Mapping[str, str] | None = None,
) -> AdminBuild:
    """Build the county ▸ township ▸ village hierarchy from boundary tables.

    Parameters
    ----------
    sources : list of (str, GeoDataFrame)
        Each boundary table (in CGCS2000) with the name of its file.
    code_field, name_field : str, optional
        Field names, applied to every source; detected per source otherwise.
    county_names : dict, optional
        Known county names by code, used to name a county built by dissolving.

    Returns
    -------
    AdminBuild
        ``units`` has columns ``code``, ``name``, ``level``, ``parent_code``,
        ``households``, ``origin`` (``input`` or ``dissolved``), ``source``,
        ``attributes`` (the other fields as JSON) and MultiPolygon geometry,
        ordered by code; ``repaired`` lists every geometry that was repaired:
        ``code``, ``name``, ``source``, ``reason`` (GEOS's), ``area_change``
        (relative), and the same-level neighbours the repaired polygon
        overlaps: ``overlap_neighbours``, ``overlap_m2`` (measured in the
        Gauss-Krueger zone of the data) and ``overlap_codes``. An overlap
        there was made by the repair; the boundary needs fixing at source.

    Raises
    ------
    InputDataError
        For missing or malformed codes (listed with their names and feature
        numbers), duplicate codes, codes of several counties, codes whose
        parent is missing, null or non-polygonal geometry.

    Examples
    --------
    >>> built = build_admin_units([("villages.shp", villages)])  # doctest: +SKIP
    >>> built.repaired[["code", "overlap_neighbours", "overlap_m2"]]  # doctest: +SKIP
    """
    notes: list[str] = []
    frames = [
        _standardise(frame, source, code_field=code_field, name_field=name_field)
        for source, frame in sources
    ]
    units = pd.concat(frames, ignore_index=True)
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=CGCS2000)
    _check_duplicates(units)
    counties = sorted(set(units["code"].str[:6]))
    if len(counties) > 1:
        raise InputDataError(
            f"the boundaries span several counties ({', '.join(counties)}); "
            "a project holds one county"
        )
    units, repaired = _repair(units)
    units = _complete_hierarchy(units, notes, county_names or {})
    units["parent_code"] = parent_of(units["code"])
    units = units.sort_values("code", kind="stable").reset_index(drop=True)
    columns = [
        "code",
        "name",
        "level",
        "parent_code",
        "households",
        "origin",
        "source",
        "attributes",
        "geometry",
    ]
    return AdminBuild(gpd.GeoDataFrame(units[columns], crs=CGCS2000), repaired, notes)


def _standardise(
    frame: gpd.GeoDataFrame, source: str, *, code_field: str | None, name_field: str | None
) -> pd.DataFrame:
    code_column, name_column = detect_fields(
        frame, code_field=code_field, name_field=name_field, source=source
    )
    codes = normalise_codes(frame[code_column])
    if codes.isna().any():
        raise InputDataError(
            _malformed_codes_message(
                frame, codes, code_column, name_column, source, detected=code_field is None
            )
        )
    _check_geometry_types(frame, codes, source)
    household_column = _household_field(frame)
    extra = [
        c
        for c in frame.columns
        if c not in {code_column, name_column, household_column, "geometry"}
    ]
    attributes = (
        frame[extra]
        .astype(object)
        .where(frame[extra].notna(), None)
        .apply(
            lambda row: json.dumps(
                {k: _json_value(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True
            ),
            axis=1,
        )
        if extra
        else pd.Series("{}", index=frame.index)
    )
    households = (
        pd.to_numeric(frame[household_column], errors="coerce").round().astype("Int64")
        if household_column
        else pd.Series(pd.NA, index=frame.index, dtype="Int64")
    )
    return pd.DataFrame(
        {
            "code": codes.astype(str),
            "name": frame[name_column]
            .astype(object)
            .where(frame[name_column].notna(), "")
            .astype(str)
            .str.strip(),
            "level": level_of(codes),
            "households": households,
            "origin": "input",
            "source": source,
            "attributes": attributes,
            "geometry": frame.geometry.values,
        }
    )


def _malformed_codes_message(
    frame: pd.DataFrame,
    codes: pd.Series,
    code_column: str,
    name_column: str,
    source: str,
    *,
    detected: bool,
) -> str:
    """Name the code field and list its malformed codes with their names and feature numbers.

    Features are numbered from 1 in file order, as a user counts them in a
    GIS attribute table.
    """
    bad = codes.isna().to_numpy()
    positions = np.flatnonzero(bad)
    raw = frame[code_column].to_numpy()[positions]
    names = frame[name_column].to_numpy()[positions]
    # A comprehension over the malformed codes only: a handful, listed by name.
    listed = [
        f"{_code_text(value) or 'no code'} "
        f"({'no name' if pd.isna(name) or not str(name).strip() else str(name).strip()}, "
        f"feature {position + 1})"
        for value, name, position in zip(
            raw[:LISTED_CODES], names[:LISTED_CODES], positions[:LISTED_CODES], strict=True
        )
    ]
    if len(positions) > LISTED_CODES:
        listed.append(f"and {len(positions) - LISTED_CODES} more")
    sound = codes[~bad]
    levels = level_of(sound).unique()
    kind = f"{levels[0]} code" if len(levels) == 1 else "code"
    held = (
        f"{len(sound)} well-formed {kind}{'' if len(sound) == 1 else 's'}"
        if len(sound)
        else "no well-formed codes"
    )
    malformed = "malformed one" if len(positions) == 1 else "malformed ones"
    advice = "fix them or pass --code-field" if detected else "fix them"
    return (
        f"{source}: field {code_column!r} holds {held} and {len(positions)} {malformed}: "
        f"{', '.join(listed)}; {advice}"
    )


def _json_value(value: object) -> object:
    if value is None:
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _check_geometry_types(frame: gpd.GeoDataFrame, codes: pd.Series, source: str) -> None:
    missing = frame.geometry.isna().to_numpy()
    if missing.any():
        raise InputDataError(
            f"{source}: {int(missing.sum())} features have no geometry "
            f"(codes {', '.join(codes[missing].head(5))})"
        )
    kinds = frame.geom_type
    wrong = ~kinds.isin(["Polygon", "MultiPolygon"])
    if wrong.any():
        summary = ", ".join(
            f"{kind} ×{count}" for kind, count in kinds[wrong].value_counts().items()
        )
        raise InputDataError(
            f"{source}: boundaries must be polygons, but {int(wrong.sum())} features are "
            f"{summary} (codes {', '.join(codes[wrong].head(5))})"
        )


def _check_duplicates(units: pd.DataFrame) -> None:
    duplicated = units["code"].duplicated(keep=False)
    if duplicated.any():
        groups = (
            units[duplicated].groupby("code")["source"].apply(lambda s: "/".join(sorted(set(s))))
        )
        listed = ", ".join(f"{code} ({where})" for code, where in groups.head(8).items())
        raise InputDataError(f"duplicate codes: {listed}; every admin unit needs its own code")


REPAIR_COLUMNS = [
    "code",
    "name",
    "source",
    "reason",
    "area_change",
    "overlap_neighbours",
    "overlap_m2",
    "overlap_codes",
]


def _repair(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Repair invalid polygons with make_valid, keeping only polygonal parts.

    The report gives, per repaired unit, the problem, the relative area change
    and the same-level neighbours the repaired polygon overlaps: repairing a
    bow-tie keeps both of its lobes, which can reach far into the neighbours.
    """
    geometry = units.geometry.values
    invalid = ~shapely.is_valid(geometry)
    empty_report = pd.DataFrame(columns=REPAIR_COLUMNS)
    if not invalid.any():
        units = units.copy()
        units["geometry"] = _to_multipolygons(np.asarray(geometry))
        return units, empty_report
    before = np.asarray(geometry[invalid])
    reasons = shapely.is_valid_reason(before)
    fixed = shapely.make_valid(before, method="structure", keep_collapsed=False)
    fixed = _polygonal_part(fixed)
    area_before = shapely.area(shapely.make_valid(before))
    change = np.where(
        area_before > 0, shapely.area(fixed) / np.where(area_before > 0, area_before, 1) - 1, 0
    )
    report = pd.DataFrame(
        {
            "code": units.loc[invalid, "code"].to_numpy(),
            "name": units.loc[invalid, "name"].to_numpy(),
            "source": units.loc[invalid, "source"].to_numpy(),
            "reason": reasons,
            "area_change": change,
        }
    )
    all_geometry = np.asarray(geometry).copy()
    all_geometry[invalid] = fixed
    emptied = shapely.is_empty(all_geometry)
    if emptied.any():
        raise InputDataError(
            "repairing left no area for "
            + ", ".join(units.loc[emptied, "code"].head(5))
            + "; the boundary has collapsed to lines or points"
        )
    overlaps = _repair_overlaps(
        all_geometry,
        units["level"].to_numpy(),
        units["code"].to_numpy(),
        np.flatnonzero(invalid),
    )
    report = pd.concat([report, overlaps], axis=1)[REPAIR_COLUMNS]
    units = units.copy()
    units["geometry"] = _to_multipolygons(all_geometry)
    for row in report.itertuples():
        logger.info(
            "repaired %s %s (%s): %s; now overlaps %d same-level neighbours by %.0f m²",
            row.code,
            row.name,
            row.source,
            row.reason,
            row.overlap_neighbours,
            row.overlap_m2,
        )
    return units, report


def _repair_overlaps(
    geometry: np.ndarray, levels: np.ndarray, codes: np.ndarray, repaired: np.ndarray
) -> pd.DataFrame:
    """Measure how the repaired polygons overlap their same-level neighbours.

    Measured as ``gridgis check`` measures overlaps: the shared pieces are cut
    from the stored CGCS2000 coordinates, where neighbours share vertices
    exactly, then measured in metres in the data's Gauss-Krueger zone, and
    pieces no wider than rounding noise are ignored.

    Parameters
    ----------
    geometry : ndarray of shapely.Geometry
        Every unit's polygon after the repair, in CGCS2000.
    levels, codes : ndarray of str
        Every unit's level and code.
    repaired : ndarray of int
        Positions of the repaired units.

    Returns
    -------
    DataFrame
        One row per repaired unit, in the order of ``repaired``:
        ``overlap_neighbours`` (how many neighbours it overlaps),
        ``overlap_m2`` (the total overlap in m²) and ``overlap_codes`` (the
        neighbours' codes, comma-separated).
    """
    result = pd.DataFrame(
        {
            "overlap_neighbours": np.zeros(len(repaired), dtype=int),
            "overlap_m2": np.zeros(len(repaired)),
            "overlap_codes": "",
        }
    )
    # Pairs (repaired unit, other unit) that intersect; touching neighbours
    # drop out below, as what they share is lines, not polygons.
    left, right = shapely.STRtree(geometry).query(geometry[repaired], predicate="intersects")
    owner = repaired[left]
    same_level = (right != owner) & (levels[right] == levels[owner])
    left, owner, right = left[same_level], owner[same_level], right[same_level]
    shared = shapely.intersection(geometry[owner], geometry[right])
    pieces, pair = shapely.get_parts(shared, return_index=True)
    polygonal = (shapely.get_type_id(pieces) == 3) & (shapely.area(pieces) > 0)
    if not polygonal.any():
        return result
    pieces, pair = pieces[polygonal], pair[polygonal]
    metric_crs = metric_crs_for(gpd.GeoSeries(geometry, crs=CGCS2000))
    metric_pieces = gpd.GeoSeries(pieces, crs=CGCS2000).to_crs(metric_crs).to_numpy()
    wide = width(metric_pieces) > ROUNDING_NOISE_M
    found = pd.DataFrame(
        {
            "repaired": left[pair[wide]],
            "neighbour": codes[right[pair[wide]]],
            "area": shapely.area(metric_pieces[wide]),
        }
    )
    per_unit = found.groupby("repaired").agg(
        overlap_neighbours=("neighbour", "nunique"),
        overlap_m2=("area", "sum"),
        overlap_codes=("neighbour", lambda group: ", ".join(sorted(set(group)))),
    )
    result.loc[per_unit.index, per_unit.columns] = per_unit
    return result


def _polygonal_part(geometries: np.ndarray) -> np.ndarray:
    parts, index = shapely.get_parts(geometries, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (3, 6))  # Polygon, MultiPolygon
    merged = np.empty(len(geometries), dtype=object)
    merged[:] = shapely.MultiPolygon()
    if keep.any():
        grouped = (
            pd.Series(list(parts[keep]))
            .groupby(index[keep])
            .agg(lambda group: shapely.union_all(list(group)))
        )
        merged[grouped.index.to_numpy()] = grouped.to_numpy()
    return merged


def _to_multipolygons(geometries: np.ndarray) -> np.ndarray:
    single = shapely.get_type_id(geometries) == 3
    result = np.asarray(geometries, dtype=object).copy()
    if single.any():
        result[single] = shapely.multipolygons(
            np.asarray(geometries[single], dtype=object).reshape(-1, 1)
        )
    return result


def _complete_hierarchy(
    units: gpd.GeoDataFrame, notes: list[str], county_names: Mapping[str, str]
) -> gpd.GeoDataFrame:
    """Check nesting and dissolve the missing upper levels."""
    villages = units[units["level"] == "village"]
    townships = units[units["level"] == "township"]
    counties = units[units["level"] == "county"]

    if len(villages) and len(townships):
        missing = ~villages["code"].str[:9].isin(townships["code"])
        if missing.any():
            bad = villages[missing]
            listed = ", ".join(
                f"{c} {n}" for c, n in zip(bad["code"].head(5), bad["name"].head(5), strict=False)
            )
            raise InputDataError(
                f"{int(missing.sum())} villages belong to townships missing from the township "
                f"boundaries: {listed}"
            )
    built = []
    if len(villages) and not len(townships):
        townships = _dissolve(villages, villages["code"].str[:9], "township", {})
        built.append(townships)
        notes.append(
            f"built {len(townships)} townships by dissolving their villages "
            "(no township boundaries given; names are placeholders)"
        )
    if not len(counties):
        lower = townships if len(townships) else villages
        county = _dissolve(lower, lower["code"].str[:6], "county", county_names)
        built.append(county)
        notes.append(f"built the county {county['code'].iloc[0]} by dissolving its townships")
    if built:
        units = pd.concat([units, *built], ignore_index=True)
    return gpd.GeoDataFrame(units, geometry="geometry", crs=CGCS2000)


def _dissolve(
    children: gpd.GeoDataFrame, parent_codes: pd.Series, level: str, names: Mapping[str, str]
) -> gpd.GeoDataFrame:
    geometry = children.geometry.values
    codes = sorted(set(parent_codes))
    # A loop over parents (a handful of townships), each a vectorised union.
    unions = [shapely.union_all(geometry[(parent_codes == code).to_numpy()]) for code in codes]
    households = children.groupby(parent_codes)["households"].sum(min_count=1)
    label = {"township": "乡镇", "county": "县"}[level]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [names.get(code, f"{label}{code}") for code in codes],
            "level": level,
            "households": pd.array([households.get(code, pd.NA) for code in codes], dtype="Int64"),
            "origin": "dissolved",
            "source": "",
            "attributes": "{}",
            "geometry": _to_multipolygons(np.asarray(unions, dtype=object)),
        },
        crs=CGCS2000,
    )
