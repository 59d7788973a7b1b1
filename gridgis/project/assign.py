"""``gridgis assign``: every enterprise placed in one grid, or reported, stored as a version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridgis.crs import CGCS2000
from gridgis.errors import InputDataError
from gridgis.io.assignment_view import ASSIGNMENT_COLUMNS
from gridgis.io.store import ProjectReader, edit_project
from gridgis.progress import Progress, silent
from gridgis.project.access import open_for_writing
from gridgis.project.settings import record_configuration
from gridgis.project.staff import roster_members
from gridgis.schema import GRIDS, SECTOR_CELLS, conform
from gridgis.summary import Summarised

_ENTERPRISE_INPUT = [
    "enterprise_id",
    "uscc",
    "name",
    "township",
    "village",
    "address",
    "lon",
    "lat",
    "sector",
    "risk",
    "employees",
    "revenue",
    "major_hazard",
    "major_hazard_grade",
]


@dataclass(repr=False)
class AssignReport(Summarised):
    """Where every enterprise went, and the conservation check."""

    version: int
    rows: int
    territorial: int
    sector: int
    unassigned: int
    conservation: str
    adds_up: bool
    by_rule: pd.Series
    by_reason: pd.Series
    sector_grids: gpd.GeoDataFrame
    capacity: pd.DataFrame
    mismatches: int

    def lines(self) -> list[tuple[str, object]]:
        """Return the report's lines (see :class:`Summarised`)."""
        over = int(self.capacity["over_capacity"].sum()) if len(self.capacity) else 0
        return [
            ("version", self.version),
            ("conservation", self.conservation),
            ("sector grids", len(self.sector_grids)),
            ("declared village differs", self.mismatches),
            ("grids still over capacity", over),
        ]


def assign_project(
    project: Path,
    *,
    command: str,
    rules_path: Path | None = None,
    batch_size: int = 200_000,
    progress: Progress = silent,
) -> AssignReport:
    """Place every enterprise in a territorial grid, a sector grid, or nowhere with a reason.

    Two passes over the enterprises, a batch at a time, so memory is bounded:

    1. spatial join into base grids (address fallback for rows without
       coordinates) and the sector rules; the results are spilled to Parquet
       files beside the project, and only the columns capacity matching needs
       are kept in memory;
    2. capacity matching moves the highest-risk units of over-capacity grids
       to sector grids; the county-level sector grids are built; the final
       assignments are written, batch by batch.

    Parameters
    ----------
    project : Path
        The project GeoPackage, with grids and imported enterprises.
    command : str
        The command line, for the version log.
    rules_path : Path, optional
        Sector rules TOML (default ``data/rules.toml``).
    batch_size : int
        Enterprises handled at a time.
    progress : Progress
        Progress over batches.

    Returns
    -------
    AssignReport
    """
    from gridgis.assign import TerritorialAssigner
    from gridgis.codes import (
        default_scheme,
        empty_registry,
        register_sector_grids,
        registry_for_storage,
        sector_sequences,
    )
    from gridgis.sector import (
        build_sector_grids,
        capacity_match,
        conservation_line,
        flag_sector_units,
        load_rules,
    )

    rules = load_rules(rules_path)
    departments = default_scheme().departments
    reader = open_for_writing(project, command=command)
    if not reader.has_rows("grids", where="level = 'base'"):
        raise InputDataError(f"{project.name} has no base grids; run 'gridgis divide' first")
    if not reader.has_rows("enterprises"):
        raise InputDataError(
            f"{project.name} has no enterprises; run 'gridgis enterprises import' first"
        )

    with (
        edit_project(project, command=command, note="assign enterprises") as writer,
        writer.temporary_folder("assign-") as spill,
    ):
        scheme = default_scheme()
        record_configuration(writer, "rules", rules.source)
        record_configuration(writer, "departments", scheme.departments_source)
        record_configuration(writer, "code_scheme", scheme.source)
        admin = writer.read_layer("admin_units")
        grids = writer.read_grids()
        stored = writer.read_layer("grids")
        county_code = str(admin.loc[admin["level"] == "county", "code"].iloc[0])
        assigner = TerritorialAssigner(grids, admin)

        # Pass 1: place, flag, spill; keep what capacity matching needs, as
        # numbers: a unit is its row number in this pass (kept in the spill),
        # its grid a category; about 40 bytes a unit, so ten million fit.
        parts: list[Path] = []
        placed: list[pd.DataFrame] = []
        to_sector: list[pd.DataFrame] = []
        grid_dtype = pd.CategoricalDtype(pd.unique(grids["grid_code"].astype("str")))
        risk_dtype = pd.CategoricalDtype(list(dict(rules.risk_weights)))
        rows = 0
        # Points are placed from lon/lat; decoding the stored shapes is not needed.
        batches = writer.iter_layer(
            "enterprises", columns=_ENTERPRISE_INPUT, batch_size=batch_size, with_geometry=False
        )
        for batch in progress(batches, label="Assigning enterprises"):
            rows += len(batch)
            territorial = assigner.assign(batch)
            flags = flag_sector_units(batch, rules, departments)
            units = np.arange(rows - len(batch), rows, dtype=np.int64)
            # Spill only what pass 2 decides from; the enterprise's own
            # columns are joined from its layer whenever assignments are read.
            part = Path(spill) / f"part-{len(parts):05d}.parquet"
            _spill(units, batch, territorial, flags, part)
            parts.append(part)
            needs = pd.DataFrame(
                {
                    "unit": units,
                    "grid_code": territorial["grid_code"].to_numpy(),
                    "risk": batch["risk"].to_numpy(),
                    "department": flags["department"].astype("float64").to_numpy(),
                    "employees": batch["employees"].to_numpy(),
                    "lon": batch["lon"].to_numpy(),
                    "lat": batch["lat"].to_numpy(),
                }
            )
            sector_rows = flags["to_sector"].to_numpy(dtype=bool)
            to_sector.append(_unit_columns(needs[sector_rows], grid_dtype, risk_dtype))
            stays = ~sector_rows & territorial["grid_code"].notna().to_numpy()
            placed.append(_unit_columns(needs[stays], grid_dtype, risk_dtype))

        placed_frame = pd.concat(placed, ignore_index=True)
        del placed
        capacity = capacity_match(
            placed_frame.drop(columns=["lon", "lat"]), roster_members(writer, grids), rules
        )
        moves = capacity.moves.set_index("enterprise_id")
        is_moved = np.zeros(rows, dtype=bool)
        is_moved[moves.index.to_numpy(dtype=np.int64)] = True
        moved_units = placed_frame[is_moved[placed_frame["enterprise_id"].to_numpy()]]
        sector_units = pd.concat(
            [*to_sector, moved_units[["enterprise_id", "department", "lon", "lat", "risk"]]],
            ignore_index=True,
        )
        del placed_frame, to_sector

        registry = writer.read_table("code_registry")
        registry = empty_registry() if registry.empty else registry
        previous_sector = grids[grids["kind"] == "sector"]
        sector_grids = build_sector_grids(
            sector_units,
            county_code,
            departments,
            previous_sector,
            sector_sequences(registry, county_code),
            rules=rules,
        )
        registry, _, _ = register_sector_grids(
            registry, sector_grids, previous_sector, version=writer.version
        )
        code_of_department = dict(
            zip(sector_grids["department"].astype(int), sector_grids["grid_code"], strict=True)
        )
        # Territorial rows are carried as stored; a sector grid's shape (the
        # cells of its units) goes to sector_cells, its row to grids.
        territorial_grids = stored[stored["kind"] != "sector"]
        writer.put_layer(
            "grids",
            gpd.GeoDataFrame(
                pd.concat(
                    [
                        conform(territorial_grids, GRIDS),
                        conform(sector_grids.assign(geometry=None), GRIDS),
                    ],
                    ignore_index=True,
                ),
                geometry="geometry",
                crs=CGCS2000,
            ),
        )
        writer.put_layer(
            "sector_cells",
            gpd.GeoDataFrame(
                conform(sector_grids, SECTOR_CELLS), geometry="geometry", crs=CGCS2000
            ),
        )
        writer.write_table(
            "code_registry", registry_for_storage(registry), "every grid code issued"
        )

        # Pass 2: final assignments, streamed back from the spill.
        tally = {"territorial": 0, "sector": 0, "unassigned": 0, "mismatches": 0}
        by_rule: dict[str, int] = {}
        by_reason: dict[str, int] = {}

        def final_batches():  # a generator of DataFrames
            # Deciding the outcomes in a helper process, overlapping the write,
            # was tried: on this 2-core machine it gained nothing (15.8 s
            # against 15.4 s for 1M rows), so it stays here.
            for frame, counts in _final_parts(parts, moves, is_moved, code_of_department):
                for name in tally:
                    tally[name] += counts[name]
                for rule, count in counts["by_rule"].items():
                    by_rule[rule] = by_rule.get(rule, 0) + count
                for reason, count in counts["by_reason"].items():
                    by_reason[reason] = by_reason.get(reason, 0) + count
                yield frame

        writer.put_layer_chunks("assignments", final_batches())
        writer.write_table("capacity", capacity.grids, "grid load against supervisory capacity")
        line, adds_up = conservation_line(
            rows, tally["territorial"], tally["sector"], tally["unassigned"]
        )
        expected = _ledger_rows(writer)
        if expected is not None and expected != rows:
            adds_up = False
            line += f" (but the last ledger had {expected} rows)"
        writer.note = f"assign: {line}"
        version = writer.version
    return AssignReport(
        version,
        rows,
        tally["territorial"],
        tally["sector"],
        tally["unassigned"],
        line,
        adds_up,
        pd.Series(by_rule, dtype="int64"),
        pd.Series(by_reason, dtype="int64"),
        sector_grids,
        capacity.grids,
        tally["mismatches"],
    )


def _unit_columns(
    result: pd.DataFrame, grid_dtype: pd.CategoricalDtype, risk_dtype: pd.CategoricalDtype
) -> pd.DataFrame:
    """Keep what capacity matching and sector grids need of each unit, without text.

    ``enterprise_id`` is the unit's row number in the pass; a risk level the
    rules do not name weighs as unknown either way.
    """
    return pd.DataFrame(
        {
            "enterprise_id": result["unit"].to_numpy(dtype=np.int64),
            "grid_code": result["grid_code"].astype(grid_dtype),
            "risk": result["risk"].astype(risk_dtype),
            "department": pd.to_numeric(result["department"], errors="coerce").astype("float32"),
            "employees": pd.to_numeric(result["employees"], errors="coerce").astype("float32"),
            "lon": result["lon"].astype("float64"),
            "lat": result["lat"].astype("float64"),
        }
    )


def _spill(
    units: np.ndarray,
    batch: pd.DataFrame,
    territorial: pd.DataFrame,
    flags: pd.DataFrame,
    path: Path,
) -> None:
    """Write what pass 2 decides a batch's outcomes from to a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def text(values: pd.Series) -> pa.Array:
        # Arrow-backed text passes through as it is; NaN in object columns is missing.
        return pa.array(values, type=pa.string(), from_pandas=True)

    columns = {
        "unit": pa.array(units),
        "enterprise_id": text(batch["enterprise_id"]),
        **{name: text(territorial[name]) for name in _PLACED_TEXT},
        "mismatch": pa.array(territorial["mismatch"].to_numpy(dtype=bool)),
        "to_sector": pa.array(flags["to_sector"].to_numpy(dtype=bool)),
        "sector_rules": text(flags["rules"]),
        "department": pa.array(flags["department"], type=pa.int64(), from_pandas=True),
        "sector_reason": text(flags["reason"]),
        "route_problem": text(flags["route_problem"]),
    }
    pq.write_table(pa.table(columns), path)


#: The text columns of the territorial placement that pass 2 carries forward.
_PLACED_TEXT = [
    "grid_code",
    "method",
    "reason_code",
    "reason",
    "located_village",
    "declared_village",
    "candidates",
]


def _ledger_rows(reader: ProjectReader) -> int | None:
    imports = reader.read_table("ledger_imports")
    if imports.empty:
        return None
    return int(imports["rows"].iloc[-1])


def _final_assignments(
    part: Any,
    moves: pd.DataFrame,
    is_moved: np.ndarray,
    code_of_department: dict[int, str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Decide each row's grid, kind, method and reason from a pass-1 spill (an Arrow table).

    Returns the assignment rows and what they count towards. The text read
    from the spill stays in Arrow, so it is written as it was read; only the
    reasons of units moved for capacity come from Python.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    def mask(column: pa.ChunkedArray) -> np.ndarray:
        return pc.fill_null(column, False).to_numpy().astype(bool)

    def where(condition: np.ndarray, values: Any, otherwise: Any) -> pa.ChunkedArray:
        return pc.if_else(pa.array(condition), values, otherwise)

    nothing = pa.scalar(None, pa.string())
    by_rule = mask(part["to_sector"])
    moved = is_moved[part["unit"].to_numpy()]
    to_sector = by_rule | moved
    department = part["department"]
    sector_code = _sector_codes(department, code_of_department)
    placed = mask(pc.is_valid(part["grid_code"])) & ~to_sector

    kind = where(placed, "territorial", where(to_sector, "sector", nothing))
    method = where(by_rule, "rule", where(moved, "capacity", part["method"]))
    reason = where(by_rule, part["sector_reason"], part["reason"])
    if moved.any():
        moved_reason = np.full(len(moved), None, dtype=object)
        moved_reason[moved] = moves.loc[part["unit"].to_numpy()[moved], "reason"].to_numpy()
        reason = where(moved, pa.array(moved_reason, type=pa.string()), reason)
    unroutable = placed & mask(pc.is_valid(part["route_problem"]))
    reason = where(unroutable, part["route_problem"], reason)
    rules = where(moved, "over_capacity", where(by_rule, part["sector_rules"], nothing))
    unplaced = ~(placed | to_sector)
    # Kept for unassigned rows only: the report selects by it.
    reason_code = where(unplaced, part["reason_code"], nothing)

    first_rules: dict[str, int] = {}
    for combination, count in _counts(pc.filter(rules, pa.array(to_sector))).items():
        first = combination.split(",")[0]
        first_rules[first] = first_rules.get(first, 0) + count
    counts = {
        "territorial": int(placed.sum()),
        "sector": int(to_sector.sum()),
        "unassigned": int(unplaced.sum()),
        "mismatches": int(mask(part["mismatch"]).sum()),
        "by_rule": first_rules,
        "by_reason": _counts(pc.filter(reason_code, pa.array(unplaced))),
    }
    columns = {
        "enterprise_id": part["enterprise_id"],
        "grid_code": where(to_sector, sector_code, part["grid_code"]),
        "kind": kind,
        "method": method,
        "reason": reason,
        "reason_code": reason_code,
        "rules": rules,
        "department": department,
        "located_village": part["located_village"],
        "declared_village": part["declared_village"],
        "mismatch": part["mismatch"],
        "candidates": part["candidates"],
    }
    table = pa.table({name: columns[name] for name in ASSIGNMENT_COLUMNS})
    rows = table.to_pandas(
        types_mapper={pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    )
    return rows, counts


def _sector_codes(department: Any, code_of_department: dict[int, str]) -> Any:
    """Each row's sector grid code, looked up by department number in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lookup: list[str | None] = [None] * (max(code_of_department, default=0) + 1)
    for number, code in code_of_department.items():
        lookup[number] = code
    known = pc.and_kleene(pc.greater_equal(department, 0), pc.less(department, len(lookup)))
    # A number without a sector grid takes a missing index: a missing code.
    index = pc.if_else(pc.fill_null(known, False), department, pa.scalar(None, pa.int64()))
    return pc.take(pa.array(lookup, type=pa.string()), index)


def _counts(values: Any) -> dict[str, int]:
    """Count each distinct text value in an Arrow array (missing values are not counted)."""
    import pyarrow.compute as pc

    counted = pc.value_counts(pc.drop_null(values))
    return {
        str(value): int(count)
        for value, count in zip(
            counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
        )
    }


def _final_parts(
    parts: list[Path],
    moves: pd.DataFrame,
    is_moved: np.ndarray,
    code_of_department: dict[int, str],
) -> Iterator[tuple[pd.DataFrame, dict[str, Any]]]:
    """Yield each spilled part's final assignment rows, with what they count towards."""
    import pyarrow.parquet as pq

    for part in parts:
        yield _final_assignments(pq.read_table(part), moves, is_moved, code_of_department)
