"""Reading vector files: formats, text encodings and coordinate systems.

Boundary and barrier files reach a county GIS office as Shapefiles (often
zipped, usually GBK text without a ``.cpg``), GeoPackages and GeoJSON, in
whatever CRS the supplier used. :func:`read_vector` returns them in CGCS2000
with readable text, and says what it had to do on the way.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import shapely

from gridgis.crs import CGCS2000
from gridgis.errors import CRSError, EncodingError, InputDataError

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {
    ".shp": "Shapefile",
    ".zip": "zipped Shapefile",
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
}

# Geographic extent of China with a margin, in degrees: a sanity check that
# catches swapped axes and coordinates in the wrong unit.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)

# GDAL reports this encoding for a DBF that declares none (no .cpg, no
# language driver id); only then do we have to guess.
_GDAL_FALLBACK_ENCODING = "ISO-8859-1"


@dataclass
class VectorRead:
    """A vector file read into CGCS2000, with notes on what was done to it."""

    frame: gpd.GeoDataFrame
    source: Path
    layer: str | None
    encoding: str | None
    source_crs: str
    notes: list[str] = field(default_factory=list)


def read_vector(
    path: Path | str,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    check_china: bool = True,
) -> VectorRead:
    """Read a Shapefile (plain or zipped), GeoPackage layer or GeoJSON into CGCS2000.

    Parameters
    ----------
    path : Path or str
        The file.
    layer : str, optional
        The layer to read; required when a GeoPackage or zip holds several.
    encoding : str, optional
        Text encoding of a Shapefile's attributes. Without it, a declared
        encoding (``.cpg`` or the DBF language driver) is used; otherwise the
        text is tried as UTF-8 and then as GBK.
    crs : str, optional
        The CRS to assume when the file declares none (for example ``EPSG:4326``).
    check_china : bool
        Refuse coordinates that do not fall in China (swapped or wrong unit).

    Returns
    -------
    VectorRead
        The frame in EPSG:4490 and notes on encoding and reprojection.

    Raises
    ------
    InputDataError
        For a missing or unreadable file, an unknown format, an empty layer, or
        coordinates outside China.
    CRSError
        If the file has no CRS and ``crs`` is not given.
    EncodingError
        If the text is neither UTF-8 nor GBK and no encoding is given.
    """
    path = Path(path)
    _check_file(path)
    dataset = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    layer = _choose_layer(path, dataset, layer)
    notes: list[str] = []

    info = _read_info(path, dataset, layer, encoding)
    if info["features"] == 0:
        raise InputDataError(f"{path.name}: layer {layer or info['layer_name']!r} is empty")
    is_shapefile = info["driver"] == "ESRI Shapefile"
    if is_shapefile and encoding is None and info["encoding"] == _GDAL_FALLBACK_ENCODING:
        if not _has_cpg(path, info["layer_name"]):
            encoding = _sniff_dbf_encoding(path, dataset, layer)
            notes.append(f"{path.name}: no .cpg file; text detected as {encoding}")
    try:
        frame = pyogrio.read_dataframe(dataset, layer=layer, encoding=encoding)
    except UnicodeDecodeError as error:
        raise EncodingError(
            f"{path.name}: text is not valid {encoding}; pass the right --encoding"
        ) from error
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise InputDataError(f"{path.name}: cannot read it ({_first_line(error)})") from error

    frame, source_crs = _normalise_crs(frame, path, crs, notes)
    if check_china:
        _check_in_china(frame, path)
    return VectorRead(frame, path, layer, encoding, source_crs, notes)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputDataError(f"file not found: {path}")
    if path.is_dir():
        raise InputDataError(f"{path} is a folder; give the .shp, .gpkg, .geojson or .zip file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise InputDataError(f"{path.name}: unsupported format {path.suffix!r}; use one of {kinds}")
    if path.stat().st_size == 0:
        raise InputDataError(f"{path.name} is an empty file")


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _choose_layer(path: Path, dataset: str, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(dataset)
    except pyogrio.errors.DataSourceError as error:
        raise InputDataError(
            f"{path.name}: not a readable vector file ({_first_line(error)})"
        ) from error
    names = [str(name) for name, geometry_type in layers if geometry_type is not None]
    if layer is not None:
        if layer not in names:
            raise InputDataError(
                f"{path.name} has no layer {layer!r}; its layers are: {', '.join(names) or 'none'}"
            )
        return layer
    if not names:
        raise InputDataError(f"{path.name} holds no vector layer with geometry")
    if len(names) > 1:
        raise InputDataError(
            f"{path.name} holds several layers ({', '.join(names)}); choose one with --layer"
        )
    return names[0]


def _read_info(path: Path, dataset: str, layer: str | None, encoding: str | None) -> dict:
    try:
        return pyogrio.read_info(dataset, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise InputDataError(f"{path.name}: cannot read it ({_first_line(error)})") from error


def _has_cpg(path: Path, layer_name: str) -> bool:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            return any(
                Path(member).stem == layer_name and member.lower().endswith(".cpg")
                for member in archive.namelist()
            )
    return any(path.with_suffix(suffix).exists() for suffix in (".cpg", ".CPG"))


def _sniff_dbf_encoding(path: Path, dataset: str, layer: str | None) -> str:
    """Guess a DBF's encoding from its bytes: UTF-8 if it decodes, else GBK.

    Reading as ISO-8859-1 maps every byte to one character, so encoding the
    text back to ISO-8859-1 recovers the raw bytes. Valid UTF-8 text with
    Chinese is almost never valid by accident, so UTF-8 is tried first.
    """
    raw = pyogrio.read_dataframe(dataset, layer=layer, encoding="ISO-8859-1", read_geometry=False)
    text_columns = [c for c in raw.columns if raw[c].dtype == object or str(raw[c].dtype) == "str"]
    chunks = [
        str(value).encode("latin-1")
        for column in text_columns
        for value in raw[column].dropna().unique()
    ]
    sample = b"\n".join(chunks)
    for candidate, label in (("utf-8", "UTF-8"), ("gb18030", "GBK")):
        try:
            sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        return label
    raise EncodingError(
        f"{path.name}: the attribute text is neither UTF-8 nor GBK and no .cpg says what it is; "
        "pass --encoding (for example --encoding BIG5)"
    )


def _normalise_crs(
    frame: gpd.GeoDataFrame, path: Path, crs: str | None, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str]:
    if frame.crs is None:
        if crs is None:
            raise CRSError(
                f"{path.name} has no coordinate reference system (no .prj or CRS entry); "
                "pass --crs, for example --crs EPSG:4326"
            )
        try:
            assumed = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as error:
            raise CRSError(f"--crs {crs!r} is not a CRS pyproj knows") from error
        frame = frame.set_crs(assumed)
        notes.append(f"{path.name}: no CRS in the file; assumed {_crs_label(assumed)} (--crs)")
    elif crs is not None and not frame.crs.equals(pyproj.CRS.from_user_input(crs)):
        notes.append(
            f"{path.name}: the file declares {_crs_label(frame.crs)}; --crs {crs} ignored for it"
        )
    source = _crs_label(frame.crs)
    if not frame.crs.equals(CGCS2000):
        frame = frame.to_crs(CGCS2000)
        notes.append(f"{path.name}: reprojected from {source} to EPSG:4490 (CGCS2000)")
    return frame, source


def _crs_label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _check_in_china(frame: gpd.GeoDataFrame, path: Path) -> None:
    bounds = shapely.bounds(frame.geometry.values)
    valid = ~np.isnan(bounds).any(axis=1)
    if not valid.any():
        return
    minx, miny = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    maxx, maxy = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    inside = (
        CHINA_LON[0] <= minx
        and maxx <= CHINA_LON[1]
        and CHINA_LAT[0] <= miny
        and maxy <= CHINA_LAT[1]
    )
    if inside:
        return
    swapped = (
        CHINA_LAT[0] <= minx
        and maxx <= CHINA_LAT[1]
        and CHINA_LON[0] <= miny
        and maxy <= CHINA_LON[1]
    )
    extent = f"{minx:.4f}, {miny:.4f} – {maxx:.4f}, {maxy:.4f}"
    if swapped:
        raise InputDataError(
            f"{path.name}: coordinates look swapped (latitude first): extent {extent}; "
            "fix the axis order at source"
        )
    raise InputDataError(
        f"{path.name}: coordinates fall outside China after reprojection (extent {extent}); "
        "is the CRS wrong, or are the coordinates offset?"
    )
