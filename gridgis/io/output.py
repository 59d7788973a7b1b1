"""Writing result files that open in QGIS and Excel: GeoPackage, GeoJSON, Shapefile, CSV, XLSX.

Every writer checks its path and writes through :mod:`gridgis.io.safety`: an
output is never a project, never half-written, and spreadsheet text never
becomes a formula. CSV is UTF-8 with a byte-order mark (Excel needs it to show
Chinese), with CRLF line ends; Shapefiles get a ``.cpg`` saying UTF-8.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gridgis.errors import InputDataError
from gridgis.io.safety import atomic_path, check_output_path, neutralise_formulas

VECTOR_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
}
TABLE_SUFFIXES = {".csv", ".xlsx"}
#: Every suffix :func:`write_frame` and :class:`BatchWriter` write.
OUTPUT_SUFFIXES = frozenset(VECTOR_DRIVERS) | TABLE_SUFFIXES


def check_output(path: Path, *, overwrite: bool, protected: Iterable[Path | str] = ()) -> None:
    """Refuse an output file this module cannot write, or must not (see :func:`check_output_path`).

    Raises
    ------
    InputDataError
        With a message that names the path and what to do.
    """
    check_output_path(path, overwrite=overwrite, suffixes=set(OUTPUT_SUFFIXES), protected=protected)


def write_frame(
    frame: pd.DataFrame,
    path: Path,
    *,
    overwrite: bool = False,
    layer: str | None = None,
    protected: Iterable[Path | str] = (),
) -> None:
    """Write a table or GeoDataFrame to GPKG, GeoJSON, Shapefile, CSV or XLSX.

    CSV is written as UTF-8 with a byte-order mark, which Excel needs to show
    Chinese; geometry goes into a ``wkt`` column; text that Excel would read
    as a formula gets a leading ``'`` (see the module notes). XLSX keeps text
    as text cells. Shapefiles get a ``.cpg`` saying UTF-8.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The rows to write.
    path : Path
        The output file; its suffix picks the format.
    overwrite : bool
        Replace an existing file.
    layer : str, optional
        Layer name inside a GeoPackage, or sheet title in XLSX (default: the
        file's stem in a GeoPackage, ``Sheet1`` in XLSX).
    protected : iterable of Path or str, optional
        Paths that must not be written, such as the project being read (see
        :func:`check_output_path`).

    Raises
    ------
    InputDataError
        If ``path`` is refused by :func:`check_output_path`, or a table
        without geometry is written to a vector format.

    Examples
    --------
    >>> write_frame(issues, Path("issues.csv"), overwrite=True, protected=[project])
    """
    path = Path(path)
    check_output(path, overwrite=overwrite, protected=protected)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        _write_shapefile(frame, path)
        return
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            _write_csv(_table(frame), temporary)
        elif suffix == ".xlsx":
            from gridgis.render.workbook import write_workbook

            # Not pandas' to_excel: openpyxl would store text starting with
            # "=" as a live formula; write_workbook types it as text.
            write_workbook({layer or "Sheet1": _table(frame)}, temporary, overwrite=True)
        else:
            if not isinstance(frame, gpd.GeoDataFrame):
                raise InputDataError(f"{path.name}: this table has no geometry; write CSV or XLSX")
            pyogrio.write_dataframe(
                frame,
                temporary,
                driver=VECTOR_DRIVERS[suffix],
                layer=layer or path.stem,
                promote_to_multi=False,
            )


def _write_csv(table: pd.DataFrame, target: Path, *, first: bool = True) -> None:
    """Write ``table`` as CSV, or append it when not ``first`` (no header, no BOM)."""
    neutralise_formulas(table).to_csv(
        target,
        index=False,
        mode="w" if first else "a",
        header=first,
        encoding="utf-8-sig" if first else "utf-8",
        # CRLF (RFC 4180), as Excel writes it. With "\n" the csv module leaves
        # text holding a carriage return unquoted; Excel then starts a new row
        # at the CR, and the rest of the cell could be read as a formula.
        lineterminator="\r\n",
    )


def _table(frame: pd.DataFrame, keep_geometry: bool = True) -> pd.DataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        if keep_geometry:
            table["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=-1)
        return table
    return frame


def _write_shapefile(frame: pd.DataFrame, path: Path) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputDataError(f"{path.name}: this table has no geometry; write CSV or XLSX")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.") as folder:
        temporary = Path(folder) / path.name
        pyogrio.write_dataframe(frame, temporary, driver="ESRI Shapefile", encoding="UTF-8")
        for produced in Path(folder).iterdir():
            os.replace(produced, path.with_suffix(produced.suffix))


class BatchWriter:
    """Write a table batch by batch to one file, swapped in only when complete.

    CSV batches are appended (the header once); GeoPackage batches are
    appended as features; XLSX, GeoJSON and Shapefile collect the batches and
    write once, since those formats cannot be appended to cheaply. Spreadsheet
    text never becomes a formula (see the module notes). ``protected`` is
    passed to :func:`check_output_path`.
    """

    def __init__(
        self,
        path: Path,
        *,
        layer: str,
        overwrite: bool = False,
        keep_geometry: bool = True,
        protected: Iterable[Path | str] = (),
    ) -> None:
        path = Path(path)
        check_output(path, overwrite=overwrite, protected=protected)
        self.path = path
        self.layer = layer
        self.overwrite = overwrite
        self.keep_geometry = keep_geometry
        self.suffix = path.suffix.lower()
        self._held: list[pd.DataFrame] = []
        self._rows = 0
        # A Shapefile is several files: _write_shapefile swaps them in itself.
        self._context = None if self.suffix == ".shp" else atomic_path(path)

    def __enter__(self) -> BatchWriter:
        self._temporary = self._context.__enter__() if self._context else self.path
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None and self._held:
            frame = pd.concat(self._held, ignore_index=True)
            if isinstance(self._held[0], gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(
                    frame, geometry=self._held[0].geometry.name, crs=self._held[0].crs
                )
            self._write_whole(frame)
        elif kind is None and not self._rows:
            self._write_whole(pd.DataFrame())
        if self._context:
            self._context.__exit__(kind, error, trace)

    def write(self, frame: gpd.GeoDataFrame) -> None:
        """Add one batch."""
        if self.suffix == ".csv":
            _write_csv(_table(frame, self.keep_geometry), self._temporary, first=self._rows == 0)
        elif self.suffix == ".gpkg":
            pyogrio.write_dataframe(
                frame,
                self._temporary,
                driver="GPKG",
                layer=self.layer,
                append=self._rows > 0,
                promote_to_multi=False,
            )
        else:
            self._held.append(frame)
        self._rows += len(frame)

    def _write_whole(self, frame: pd.DataFrame) -> None:
        if self.suffix == ".xlsx":
            from gridgis.render.workbook import write_workbook

            write_workbook(
                {self.layer: _table(frame, self.keep_geometry)}, self._temporary, overwrite=True
            )
        elif self.suffix == ".shp":
            _write_shapefile(frame, self.path)
        elif self.suffix in VECTOR_DRIVERS:
            pyogrio.write_dataframe(
                frame,
                self._temporary,
                driver=VECTOR_DRIVERS[self.suffix],
                layer=self.layer,
                promote_to_multi=False,
            )
        elif self.suffix == ".csv":
            _write_csv(_table(frame, self.keep_geometry), self._temporary)
