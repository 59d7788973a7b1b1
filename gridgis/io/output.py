"""Writing result files that open in QGIS and Excel: any GDAL vector format, CSV and XLSX.

Every writer checks its path and writes through :mod:`gridgis.io.safety`: an
output is never a project, never half-written, and spreadsheet text never
becomes a formula.

- **The format** comes from ``driver`` (any GDAL vector driver that writes, or
  ``CSV``/``XLSX``), else from the file's suffix (:data:`VECTOR_DRIVERS`).
- **GeoPackage** exports are GeoPackage 1.2, like the project, with its QGIS
  styles, column titles and consistent metadata (:mod:`gridgis.io.metadata`):
  the QGIS 3.x and GDAL 3.6 of county offices read 1.2 without warnings.
- **GeoJSON** follows RFC 7946 (WGS-84 longitude/latitude, no ``crs`` member),
  for web use, unless a CRS is asked for.
- **CSV** is gridgis's own, not GDAL's: UTF-8 with a byte-order mark (Excel needs
  it to show Chinese), CRLF line ends, geometry as WKT, formula text quoted.
- **XLSX** keeps text as text cells (:mod:`gridgis.render.workbook`).
- **Shapefiles** get a ``.cpg`` saying UTF-8.
- **Standard output** (``path=None``): CSV streams batch by batch; other formats
  are written to a private temporary file, then copied out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gridgis.errors import InputDataError
from gridgis.io import gpkg
from gridgis.io.metadata import finish_metadata
from gridgis.io.safety import atomic_path, check_output_path, neutralise_formulas

VECTOR_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".kml": "KML",
    ".gml": "GML",
}
TABLE_DRIVERS = {".csv": "CSV", ".xlsx": "XLSX"}
#: Every suffix whose format is known without ``driver``.
OUTPUT_SUFFIXES = frozenset(VECTOR_DRIVERS) | frozenset(TABLE_DRIVERS)
#: The formats standard output can carry.
STREAM_DRIVERS = ("GeoJSON", "CSV")


@dataclass(frozen=True)
class OutputFormat:
    """A file format: a GDAL vector driver, or gridgis's own ``CSV`` or ``XLSX``."""

    driver: str

    @property
    def is_table(self) -> bool:
        """Say whether gridgis writes it itself, as a table (CSV, XLSX)."""
        return self.driver in ("CSV", "XLSX")


def resolve_format(path: Path | None, driver: str | None = None) -> OutputFormat:
    """Choose the output format from ``driver``, else from the file's suffix.

    Parameters
    ----------
    path : Path or None
        The output file; None for standard output.
    driver : str, optional
        A GDAL vector driver name (``FlatGeobuf``, ``KML`` …), or ``CSV``/``XLSX``.

    Raises
    ------
    InputDataError
        If the driver is unknown or cannot write, or the suffix says nothing.
    """
    if driver is not None:
        named = {name.casefold(): name for name in (*_gdal_writers(), "CSV", "XLSX")}
        if driver.casefold() not in named:
            raise InputDataError(
                f"unknown output driver {driver!r}; use CSV, XLSX or a GDAL vector driver "
                "that writes, such as GPKG, GeoJSON, FlatGeobuf, ESRI Shapefile"
            )
        chosen = OutputFormat(named[driver.casefold()])
    elif path is None:
        chosen = OutputFormat("GeoJSON")
    else:
        suffix = path.suffix.lower()
        found = VECTOR_DRIVERS.get(suffix) or TABLE_DRIVERS.get(suffix)
        if found is None:
            raise InputDataError(
                f"cannot tell the format of {path.name}: name it "
                f"{', '.join(sorted(OUTPUT_SUFFIXES))}, or give --driver"
            )
        chosen = OutputFormat(found)
    if path is None and chosen.driver not in STREAM_DRIVERS:
        raise InputDataError(
            f"standard output (-o -) carries {' or '.join(STREAM_DRIVERS)}, not {chosen.driver}"
        )
    return chosen


def _gdal_writers() -> list[str]:
    return [name for name, mode in pyogrio.list_drivers(write=True).items() if "w" in mode]


def check_output(
    path: Path,
    *,
    overwrite: bool,
    protected: Iterable[Path | str] = (),
    driver: str | None = None,
) -> None:
    """Refuse an output file this module cannot write, or must not (see :func:`check_output_path`).

    Raises
    ------
    InputDataError
        With a message that names the path and what to do.
    """
    check_output_path(path, overwrite=overwrite, protected=protected)
    resolve_format(path, driver)


def write_frame(
    frame: pd.DataFrame,
    path: Path,
    *,
    overwrite: bool = False,
    layer: str | None = None,
    protected: Iterable[Path | str] = (),
    driver: str | None = None,
) -> None:
    """Write a table or GeoDataFrame to a vector file, CSV or XLSX (see the module notes).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The rows to write.
    path : Path
        The output file; its suffix picks the format unless ``driver`` is given.
    overwrite : bool
        Replace an existing file.
    layer : str, optional
        Layer name inside a GeoPackage, or sheet title in XLSX (default: the
        file's stem).
    protected : iterable of Path or str, optional
        Paths that must not be written, such as the project being read (see
        :func:`check_output_path`).
    driver : str, optional
        See :func:`resolve_format`.

    Raises
    ------
    InputDataError
        If ``path`` is refused by :func:`check_output_path`, or a table
        without geometry is written to a format that needs one.
    """
    with BatchWriter(
        Path(path),
        layer=layer or Path(path).stem,
        overwrite=overwrite,
        protected=protected,
        driver=driver,
    ) as sink:
        sink.write(frame)


def _write_csv(table: pd.DataFrame, target: Path | IO[bytes], *, first: bool = True) -> None:
    """Write ``table`` as CSV, or append it when not ``first`` (no header, no BOM)."""
    options: dict[str, Any] = {
        "index": False,
        "header": first,
        "encoding": "utf-8-sig" if first else "utf-8",
        # CRLF (RFC 4180), as Excel writes it. With "\n" the csv module leaves
        # text holding a carriage return unquoted; Excel then starts a new row
        # at the CR, and the rest of the cell could be read as a formula.
        "lineterminator": "\r\n",
    }
    if isinstance(target, Path):
        neutralise_formulas(table).to_csv(target, mode="w" if first else "a", **options)
    else:
        neutralise_formulas(table).to_csv(target, **options)


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
    """Write a table batch by batch to one file (or standard output), whole or not at all.

    CSV batches are appended (the header once); GeoPackage batches are
    appended as features; other formats collect the batches and write once,
    since they cannot be appended to cheaply. ``protected`` is passed to
    :func:`check_output_path`.

    Parameters
    ----------
    path : Path or None
        The output file; None writes to standard output (GeoJSON or CSV).
    layer : str
        The layer (or sheet) name.
    overwrite : bool
        Replace an existing file.
    keep_geometry : bool
        Tables (CSV, XLSX) carry the geometry as WKT.
    protected : iterable of Path or str
        Paths that must not be written.
    driver : str, optional
        See :func:`resolve_format`.
    crs : str, optional
        Write the geometry in this CRS (default: the data's; GeoJSON: WGS-84).
    """

    def __init__(
        self,
        path: Path | None,
        *,
        layer: str,
        overwrite: bool = False,
        keep_geometry: bool = True,
        protected: Iterable[Path | str] = (),
        driver: str | None = None,
        crs: str | None = None,
    ) -> None:
        self.format = resolve_format(path, driver)
        if path is not None:
            check_output(path, overwrite=overwrite, protected=protected, driver=driver)
        self.path = path
        self.layer = layer
        self.keep_geometry = keep_geometry
        self.crs = crs
        self._held: list[pd.DataFrame] = []
        self._rows = 0
        self._started = False  # something was written to the file already
        self._stack = contextlib.ExitStack()
        self._stdout: IO[bytes] | None = None

    def __enter__(self) -> BatchWriter:
        if self.path is None:
            self._stdout = sys.stdout.buffer
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="gridgis-"))
            self._temporary = Path(folder) / f"{self.layer}.out"
        elif self.format.driver == "ESRI Shapefile":
            # A Shapefile is several files: _write_shapefile swaps them in itself.
            self._temporary = self.path
        else:
            self._temporary = self._stack.enter_context(atomic_path(self.path))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self._finish()
        finally:
            self._stack.__exit__(kind, error, trace)

    def write(self, frame: pd.DataFrame) -> None:
        """Add one batch."""
        frame = self._reprojected(frame)
        if self.format.driver == "CSV":
            table = _table(frame, self.keep_geometry)
            _write_csv(table, self._stdout or self._temporary, first=not self._started)
            self._started = True
        elif self.format.driver == "GPKG":
            self._check_geometry(frame)
            pyogrio.write_dataframe(
                frame,
                self._temporary,
                driver="GPKG",
                layer=self.layer,
                append=self._rows > 0,
                promote_to_multi=False,
                # The QGIS 3.x and GDAL 3.6 of county offices read 1.2 quietly.
                dataset_options=None if self._started else {"VERSION": "1.2"},
            )
            self._started = True
        else:
            self._held.append(frame)
        self._rows += len(frame)

    def _reprojected(self, frame: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(frame, gpd.GeoDataFrame) or self.crs is None:
            return frame
        return frame.to_crs(self.crs)

    def _check_geometry(self, frame: pd.DataFrame) -> None:
        if self.format.driver != "GPKG" and not isinstance(frame, gpd.GeoDataFrame):
            name = self.path.name if self.path else "standard output"
            raise InputDataError(
                f"{name}: {self.layer} has no geometry; write CSV, XLSX or GeoPackage"
            )

    def _finish(self) -> None:
        if self._held:
            frame = pd.concat(self._held, ignore_index=True)
            first = self._held[0]
            if isinstance(first, gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(frame, geometry=first.geometry.name, crs=first.crs)
            self._write_whole(frame)
        elif not self._started:
            self._write_whole(pd.DataFrame())
        if self.format.driver == "GPKG" and self._started:
            with contextlib.closing(gpkg.connect(self._temporary)) as connection:
                finish_metadata(connection, history=False)
                connection.commit()
        if self._stdout is not None and self.format.driver != "CSV":
            with open(self._temporary, "rb") as produced:
                shutil.copyfileobj(produced, self._stdout)
            self._stdout.flush()

    def _write_whole(self, frame: pd.DataFrame) -> None:
        driver = self.format.driver
        if driver == "XLSX":
            from gridgis.render.workbook import write_workbook

            write_workbook(
                {self.layer: _table(frame, self.keep_geometry)}, self._temporary, overwrite=True
            )
        elif driver == "CSV":
            _write_csv(_table(frame, self.keep_geometry), self._stdout or self._temporary)
        elif driver == "ESRI Shapefile" and self.path is not None:
            _write_shapefile(frame, self.path)
        else:
            self._check_geometry(frame)
            options: dict[str, Any] = {}
            if driver == "GeoJSON" and self.crs is None:
                # RFC 7946: WGS-84 longitude/latitude and no crs member (GDAL reprojects).
                options["layer_options"] = {"RFC7946": "YES"}
            pyogrio.write_dataframe(
                frame,
                self._temporary,
                driver=driver,
                layer=self.layer,
                promote_to_multi=False,
                **options,
            )
