"""Capacity matching: move units out of territorial grids that have more than they can supervise.

The aim of sector grids is to match supervisory capacity to supervisory load
(docs/domain.md, "Grids"). A territorial grid's **load** is the sum of
its units' risk weights (:func:`~gridgis.sector.rules.risk_weights`); its
**capacity** is its number of grid members times the capacity per member.
:func:`capacity_match` moves the highest-risk units of an over-capacity grid
to their department's sector grid until the load fits, and reports each move
and each grid (:class:`CapacityMatch`). :func:`conservation_line` then states
that every ledger row ended in exactly one place.

Choices a maintainer must know:

* Units are taken by weight (highest first), then employees (most first),
  then ``enterprise_id``: a total order, so the same input always moves the
  same units. A grid moves the shortest run of such units that makes it fit.
* Only units whose sector a department holds can move. When they run out,
  the grid stays over capacity and says so in its ``reason``.
* Members come from the staff roster and may be fractions (a village's
  members are shared by its grids); a grid the roster does not cover, or
  covers with 0, gets the rules' default, since every grid has a member.
* Loads are compared with a small tolerance, so decimal weights that add up
  to 1e-15 over the capacity do not move one more unit.
* Everything is plain arrays, one number per unit, so a county-wide ledger
  of ten million units fits in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.sector.columns import clean_text, number_text, numbers_text, require_columns
from gridgis.sector.rules import OVER_CAPACITY, Rules, risk_weights

logger = logging.getLogger(__name__)

__all__ = [
    "CAPACITY_GRID_COLUMNS",
    "MOVE_COLUMNS",
    "CapacityMatch",
    "capacity_match",
    "conservation_line",
]

MOVE_COLUMNS: tuple[str, ...] = (
    "enterprise_id",
    "from_grid",
    "department",
    "risk",
    "weight",
    "rule",
    "reason",
)
CAPACITY_GRID_COLUMNS: tuple[str, ...] = (
    "grid_code",
    "units",
    "members",
    "members_source",
    "capacity",
    "load",
    "moved_units",
    "moved_load",
    "load_after",
    "over_capacity",
    "reason",
)
# Loads are compared with this slack: weights may be decimals (0.1 + 0.2 ...),
# and a sum that drifts by 1e-15 must not move one more unit.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CapacityMatch:
    """What :func:`capacity_match` did.

    Attributes
    ----------
    moves : DataFrame
        One row per unit moved to its sector grid (:data:`MOVE_COLUMNS`):
        ``enterprise_id``, ``from_grid``, ``department``, ``risk``,
        ``weight``, ``rule`` (``over_capacity``) and ``reason``.
    grids : DataFrame
        One row per territorial grid (:data:`CAPACITY_GRID_COLUMNS`):
        ``units``, ``members``, ``members_source`` (``roster`` or
        ``default``), ``capacity``, ``load``, ``moved_units``, ``moved_load``,
        ``load_after``, ``over_capacity`` (still over after the moves) and a
        ``reason`` for grids still over capacity.
    """

    moves: pd.DataFrame
    grids: pd.DataFrame


def capacity_match(
    placed: pd.DataFrame,
    grid_members: Mapping[str, float] | None,
    rules: Rules,
) -> CapacityMatch:
    """Move the highest-risk units of over-capacity grids to their sector grids.

    A grid's load is the sum of its units' risk weights; its capacity is its
    number of grid members times ``rules.capacity_per_member``. In a grid whose
    load exceeds its capacity, units are taken by weight (highest first), then
    employees (most first), then ``enterprise_id``, and moved until the load
    fits. Only units whose sector a department holds can move; if they run out,
    the grid stays over capacity and is reported so.

    Parameters
    ----------
    placed : DataFrame
        The units in territorial grids, after :func:`flag_sector_units` has
        sent flagged units away: ``enterprise_id``, ``grid_code``, ``risk``,
        ``department`` (missing: cannot move) and optionally ``employees``.
    grid_members : Mapping, optional
        Grid code -> number of grid members (网格员) from the staff roster,
        as :func:`gridgis.staff.members_per_grid` counts them: a float, since
        a village's members are shared by its grids (2 members over 3 grids
        give 0.67 each). Any positive count is used as it is
        (``members_source`` "roster"). A grid not in it, or listed with 0,
        gets ``rules.members_per_grid`` ("default"): every grid has a member,
        so a missing count is a gap in the roster, not a grid nobody
        supervises.
    rules : Rules
        From :func:`load_rules`.

    Returns
    -------
    CapacityMatch

    Raises
    ------
    InputDataError
        If a column is missing or an ``enterprise_id`` appears twice.

    Examples
    --------
    >>> import pandas as pd
    >>> from gridgis.sector import load_rules
    >>> placed = pd.DataFrame({"enterprise_id": [1, 2, 3], "grid_code": ["G"] * 3,
    ...                        "risk": ["重大", "较大", "低"], "department": [1, 1, 1]})
    >>> result = capacity_match(placed, {"G": 1}, load_rules())  # load 13
    >>> result.grids["capacity"].tolist()
    [30.0]
    >>> len(capacity_match(placed.assign(grid_code="H"), {"H": 0}, load_rules()).moves)
    0
    >>> shared = capacity_match(placed, {"G": 0.4}, load_rules())  # capacity 12 < 13
    >>> shared.grids[["members", "members_source", "capacity"]].values.tolist()
    [[0.4, 'roster', 12.0]]
    >>> shared.moves["risk"].tolist()
    ['重大']
    """
    require_columns(placed, ("enterprise_id", "grid_code", "risk", "department"), "match capacity")
    ids = placed["enterprise_id"]
    if ids.duplicated().any():
        duplicates = ids[ids.duplicated()]
        raise InputDataError(
            f"cannot match capacity: enterprise_id appears twice: "
            f"{', '.join(map(str, duplicates.head(5)))}"
        )
    if placed["grid_code"].isna().any():
        raise InputDataError(
            "cannot match capacity: units without a grid_code are not placed; leave them out"
        )
    # Plain arrays, one number per unit: a county-wide ledger of ten million
    # units must fit, so grid codes become integer keys and text stays out.
    key, codes = _grid_keys(placed["grid_code"])
    weight = risk_weights(placed["risk"], rules).to_numpy(dtype="float64")
    department = pd.to_numeric(placed["department"], errors="coerce").to_numpy(dtype="float64")
    employees = (
        pd.to_numeric(placed["employees"], errors="coerce").to_numpy(dtype="float64")
        if "employees" in placed.columns
        else np.full(len(placed), np.nan)
    )
    grids = _grid_capacity(key, weight, codes, grid_members, rules)
    excess = np.zeros(len(codes))
    excess[codes.get_indexer(grids.index)] = (grids["load"] - grids["capacity"]).clip(lower=0)

    # Movable units, highest weight first; the tie-breaks make the order total,
    # so the same input always moves the same units.
    movable = np.flatnonzero(~np.isnan(department))
    order = np.lexsort(
        (
            _rank(ids.iloc[movable]),
            -np.nan_to_num(employees[movable], nan=-1.0),
            -weight[movable],
            key[movable],
        )
    )
    movable = movable[order]
    # Move a unit while the weight moved before it has not yet cleared the
    # excess: the shortest run of highest-weight units that makes the grid fit.
    moved_weight = weight[movable]
    moved_before = (
        pd.Series(moved_weight).groupby(key[movable], sort=False).cumsum().to_numpy() - moved_weight
    )
    chosen = movable[moved_before < excess[key[movable]] - _TOLERANCE]
    moves = pd.DataFrame(
        {
            "enterprise_id": ids.iloc[chosen].to_numpy(),
            "grid_code": codes[key[chosen]].astype("str"),
            "department": pd.array(department[chosen]).astype("Int64"),
            "risk": clean_text(placed["risk"].iloc[chosen]).to_numpy(),
            "weight": weight[chosen],
        }
    )

    moved = moves.groupby("grid_code")["weight"].agg(["size", "sum"])
    grids["moved_units"] = moved["size"].reindex(grids.index, fill_value=0).astype("int64")
    grids["moved_load"] = moved["sum"].reindex(grids.index, fill_value=0.0).astype("float64")
    grids["load_after"] = grids["load"] - grids["moved_load"]
    grids["over_capacity"] = grids["load_after"] > grids["capacity"] + _TOLERANCE
    over = grids["over_capacity"]
    grids["reason"] = pd.Series(None, index=grids.index, dtype=object)
    if over.any():
        grids.loc[over, "reason"] = (
            "仍超出监管能力：负荷 "
            + grids.loc[over, "load_after"].map(number_text)
            + " > 能力 "
            + grids.loc[over, "capacity"].map(number_text)
            + "；其余单位的行业无责任部门，无法转入行业专属网格"
        )
        logger.warning(
            "%d grid(s) stay over capacity: their other units have no department", int(over.sum())
        )

    reason = _move_reasons(moves, grids, rules)
    moves_frame = pd.DataFrame(
        {
            "enterprise_id": moves["enterprise_id"].to_numpy(),
            "from_grid": moves["grid_code"].astype("str").to_numpy(),
            "department": pd.array(moves["department"], dtype="Int64"),
            "risk": moves["risk"].astype("str").to_numpy(),
            "weight": moves["weight"].astype("float64").to_numpy(),
            "rule": OVER_CAPACITY,
            "reason": pd.array(reason, dtype="str"),
        },
        columns=list(MOVE_COLUMNS),
    ).astype({"rule": "str"})
    grids = grids.reset_index()
    grids["reason"] = grids["reason"].astype("str")
    return CapacityMatch(moves=moves_frame, grids=grids[list(CAPACITY_GRID_COLUMNS)])


def _grid_keys(grid_code: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Give each unit its grid as an integer key; return the keys and the codes.

    A categorical column (as ``gridgis assign`` passes) keeps its codes, so
    no text is made per unit.
    """
    if isinstance(grid_code.dtype, pd.CategoricalDtype):
        # Renumber the categories in code order, so units sort as their codes do.
        categories = pd.Index(grid_code.cat.categories.astype("str"))
        order = np.argsort(categories.to_numpy(dtype=object), kind="stable")
        rank = np.empty(len(order), dtype="int64")
        rank[order] = np.arange(len(order))
        return rank[grid_code.cat.codes.to_numpy(dtype="int64")], categories[order]
    key, codes = pd.factorize(grid_code.astype("str"), sort=True)
    return key.astype("int64"), pd.Index(codes)


def _rank(values: pd.Series) -> np.ndarray:
    """Order keys as numbers: the values themselves, or their rank if text."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy()
    return pd.factorize(values.astype("str"), sort=True)[0]


def _move_reasons(moves: pd.DataFrame, grids: pd.DataFrame, rules: Rules) -> list[str]:
    """Say why each unit moved: its grid's load and capacity, its own risk."""
    if moves.empty:
        return []
    grid_of = grids.loc[moves["grid_code"]]
    risk_text = moves["risk"].where(moves["risk"].notna(), "未评定").astype(object)
    reason = (
        "网格超出监管能力：负荷 "
        + numbers_text(grid_of["load"]).to_numpy()
        + " > 能力 "
        + numbers_text(grid_of["capacity"]).to_numpy()
        + "（"
        + numbers_text(grid_of["members"]).to_numpy()
        + " 名网格员 × "
        + number_text(rules.capacity_per_member)
        + "）；按风险从高到低转出，本单位风险等级 "
        + risk_text.to_numpy()
        + "（权重 "
        + numbers_text(moves["weight"]).to_numpy()
        + "）"
    )
    return list(reason)


def _grid_capacity(
    key: np.ndarray,
    weight: np.ndarray,
    codes: pd.Index,
    grid_members: Mapping[str, float] | None,
    rules: Rules,
) -> pd.DataFrame:
    """Per grid holding units: units, members (roster or default), capacity and load."""
    units = np.bincount(key, minlength=len(codes))
    load = np.bincount(key, weights=weight, minlength=len(codes))
    present = units > 0
    grids = pd.DataFrame(
        {"units": units[present].astype("int64"), "load": load[present].astype("float64")},
        index=pd.Index(codes[present], name="grid_code"),
    ).sort_index()
    roster = pd.Series(dict(grid_members or {}), dtype="float64")
    members = pd.to_numeric(roster.reindex(grids.index), errors="coerce")
    # Any positive count is the roster's: a village's members are shared by
    # its grids (gridgis.staff.members_per_grid), so a grid may have 0.67.
    from_roster = members.notna() & (members > 0)
    grids["members"] = members.where(from_roster, rules.members_per_grid).astype("float64")
    grids["members_source"] = np.where(from_roster, "roster", "default")
    grids["capacity"] = grids["members"] * rules.capacity_per_member
    return grids[["units", "members", "members_source", "capacity", "load"]]


def conservation_line(
    n_rows: int, territorial: int, sector: int, unassigned: int
) -> tuple[str, bool]:
    """State where every ledger row ended, and whether the counts add up.

    Every input row ends in exactly one of: a territorial grid, a sector grid,
    or unassigned with a reason.

    Parameters
    ----------
    n_rows : int
        Rows of the ledger.
    territorial, sector, unassigned : int
        Rows placed in territorial grids, in sector grids, and not placed.

    Returns
    -------
    line : str
        Exactly ``rows N = territorial T + sector S + unassigned U``.
    adds_up : bool
        Whether N = T + S + U.

    Examples
    --------
    >>> conservation_line(3000, 2700, 290, 10)
    ('rows 3000 = territorial 2700 + sector 290 + unassigned 10', True)
    """
    line = f"rows {n_rows} = territorial {territorial} + sector {sector} + unassigned {unassigned}"
    return line, n_rows == territorial + sector + unassigned
