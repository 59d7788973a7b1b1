"""``gridgis report``: the data-quality sheets, one per kind of ledger problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.assignment_view import read_problem_assignments
from gridgis.io.store import ProjectReader, open_project
from gridgis.render.labels import REPORT_COLUMN_TITLES, REPORT_SHEETS
from gridgis.schema import ASSIGNMENTS, ENTERPRISES, LEDGER_PROBLEMS, titles

#: The workbook's column headers: the stored columns' titles, and the report's own.
REPORT_HEADERS = {
    **titles(LEDGER_PROBLEMS, ENTERPRISES, ASSIGNMENTS),
    **REPORT_COLUMN_TITLES,
}


def quality_report(project: Path) -> dict[str, pd.DataFrame]:
    """Assemble the data-quality sheets: one per kind of problem, each row fixable at source.

    Parameters
    ----------
    project : Path
        A project with an imported ledger (and, for the last three sheets,
        assignments).

    Returns
    -------
    dict
        Sheet title → rows, starting with a summary sheet. Rows carry the
        ledger row number, the name, USCC, township, village and address.
    """
    reader = open_project(project)
    problems = reader.read_table("ledger_problems")
    if problems.empty and not reader.has_layer("enterprises"):
        raise InputDataError(
            f"{project.name} has no imported ledger; run 'gridgis enterprises import'"
        )
    context = ["row", "name", "uscc", "township", "village", "address"]

    def from_problems(kinds: list[str], extra: list[str]) -> pd.DataFrame:
        if problems.empty:
            return pd.DataFrame(columns=[*context, *extra, "detail"])
        found = problems[problems["kind"].isin(kinds)]
        columns = [c for c in [*context, *extra, "detail"] if c in found.columns]
        return found[columns].sort_values("row").reset_index(drop=True)

    sheets = {
        REPORT_SHEETS["invalid_uscc"]: from_problems(["invalid_uscc"], []),
        REPORT_SHEETS["duplicates"]: _duplicate_rows(reader),
        REPORT_SHEETS["swapped"]: from_problems(
            ["swapped_coordinates"], ["lon_input", "lat_input"]
        ),
    }
    # Only the rows a sheet shows are read, so a ten-million-row project
    # needs memory for its problems, not for its enterprises.
    assignments = read_problem_assignments(project) if reader.has_layer("assignments") else None
    outside = from_problems(
        ["outside_county", "coordinates_out_of_range"], ["lon_input", "lat_input"]
    )
    if assignments is not None and len(assignments):
        admin = reader.read_layer("admin_units", columns=["code", "name"])
        names = dict(zip(admin["code"], admin["name"], strict=True))
        assignments = _with_rows(assignments, reader)
        unplaced = assignments[assignments["kind"].isna()]
        beyond = unplaced[unplaced["reason_code"] == "outside_grids"]
        beyond = beyond.rename(columns={"reason": "detail"})[[*context, "lon", "lat", "detail"]]
        outside = (
            pd.concat([outside, beyond], ignore_index=True)
            .drop_duplicates(subset=["row"], keep="last")
            .sort_values("row")
        )
        mismatched = assignments[assignments["mismatch"].fillna(False).astype(bool)].assign(
            declared_name=lambda f: f["declared_village"].map(names),
            located_name=lambda f: f["located_village"].map(names),
        )
        sheets[REPORT_SHEETS["outside"]] = outside.reset_index(drop=True)
        sheets[REPORT_SHEETS["mismatch"]] = (
            mismatched[
                [
                    *context,
                    "lon",
                    "lat",
                    "declared_village",
                    "declared_name",
                    "located_village",
                    "located_name",
                    "grid_code",
                ]
            ]
            .sort_values("row")
            .reset_index(drop=True)
        )
        sheets[REPORT_SHEETS["unassigned"]] = (
            unplaced[[*context, "lon", "lat", "reason", "candidates"]]
            .sort_values("row")
            .reset_index(drop=True)
        )
    else:
        sheets[REPORT_SHEETS["outside"]] = outside.reset_index(drop=True)
    summary = pd.DataFrame({"sheet": list(sheets), "rows": [len(f) for f in sheets.values()]})
    if assignments is None:
        summary.loc[len(summary)] = [
            "（尚未落格：运行 gridgis assign 后才有所属村不符与未落格两表）",
            0,
        ]
    return {REPORT_SHEETS["summary"]: summary, **sheets}


def _with_rows(frame: pd.DataFrame, reader: ProjectReader) -> pd.DataFrame:
    """Add each enterprise's ledger row number (from the last import's ``ledger_rows``)."""
    if frame.empty or not reader.has_layer("ledger_rows"):
        return frame.assign(row=pd.NA)
    positions = reader.ledger_rows_of(frame["enterprise_id"].tolist())
    return frame.merge(positions, on="enterprise_id", how="left")


def _duplicate_rows(reader: ProjectReader) -> pd.DataFrame:
    """Every row whose USCC another row also has (all copies, not only the later ones)."""
    columns = ["enterprise_id", "name", "uscc", "township", "village", "address"]
    if not reader.has_layer("enterprises"):
        return pd.DataFrame(columns=["row", *columns[1:], "copies"])
    repeated = reader.repeated_uscc(columns)
    repeated["copies"] = repeated.groupby("uscc")["uscc"].transform("size")
    repeated = _with_rows(repeated, reader)
    return (
        repeated[["row", *columns[1:], "copies"]]
        .sort_values(["uscc", "row"])
        .reset_index(drop=True)
    )
