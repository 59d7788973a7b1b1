"""Writing result files that open in QGIS and Excel, never half-written.

Every writer follows rasterio's rule: an existing file needs ``overwrite``,
and the data goes to a temporary file beside the target that replaces it with
:func:`os.replace` only when complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gridgis.errors import InputDataError

VECTOR_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
}
TABLE_SUFFIXES = {".csv", ".xlsx"}


def check_output_path(path: Path, *, overwrite: bool, suffixes: set[str] | None = None) -> None:
    """Refuse an output path that exists (without overwrite) or has an unknown suffix.

    Raises
    ------
    InputDataError
        With a message that names the path and what to do.
    """
    allowed = suffixes or set(VECTOR_DRIVERS) | TABLE_SUFFIXES
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputDataError(f"cannot write {path.name}: use one of {', '.join(sorted(allowed))}")
    if path.exists() and not overwrite:
        raise InputDataError(f"{path} already exists; pass --overwrite to replace it")
    if not path.parent.exists():
        raise InputDataError(f"folder {path.parent} does not exist")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` that replaces it if the block succeeds."""
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def write_frame(
    frame: pd.DataFrame, path: Path, *, overwrite: bool = False, layer: str | None = None
) -> None:
    """Write a table or GeoDataFrame to GPKG, GeoJSON, Shapefile, CSV or XLSX.

    CSV is written as UTF-8 with a byte-order mark, which Excel needs to show
    Chinese; geometry goes into a ``wkt`` column. Shapefiles get a ``.cpg``
    saying UTF-8.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The rows to write.
    path : Path
        The output file; its suffix picks the format.
    overwrite : bool
        Replace an existing file.
    layer : str, optional
        Layer name inside a GeoPackage (default: the file's stem).
    """
    path = Path(path)
    check_output_path(path, overwrite=overwrite)
    suffix = path.suffix.lower()
    if suffix == ".shp":
        _write_shapefile(frame, path)
        return
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            _table(frame).to_csv(temporary, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            _table(frame).to_excel(temporary, index=False, engine="openpyxl")
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
    write once, since those formats cannot be appended to cheaply.
    """

    def __init__(
        self, path: Path, *, layer: str, overwrite: bool = False, keep_geometry: bool = True
    ) -> None:
        check_output_path(path, overwrite=overwrite)
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

    def __exit__(self, *error: object) -> None:
        if error[0] is None and self._held:
            frame = pd.concat(self._held, ignore_index=True)
            if isinstance(self._held[0], gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(
                    frame, geometry=self._held[0].geometry.name, crs=self._held[0].crs
                )
            self._write_whole(frame)
        elif error[0] is None and not self._rows:
            self._write_whole(pd.DataFrame())
        if self._context:
            self._context.__exit__(*error)

    def write(self, frame: gpd.GeoDataFrame) -> None:
        """Add one batch."""
        if self.suffix == ".csv":
            _table(frame, self.keep_geometry).to_csv(
                self._temporary,
                index=False,
                mode="a",
                header=self._rows == 0,
                encoding="utf-8-sig" if self._rows == 0 else "utf-8",
            )
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
            frame.to_csv(self._temporary, index=False, encoding="utf-8-sig")
