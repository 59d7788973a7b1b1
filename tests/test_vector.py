import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from conftest import box_villages

from gridgis.errors import CRSError, EncodingError, InputDataError
from gridgis.io.vector import read_vector


def _gbk_shapefile(folder: Path, *, ldid_zero: bool = True) -> Path:
    path = folder / "villages.shp"
    pyogrio.write_dataframe(box_villages(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    if ldid_zero:
        dbf = path.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[29] = 0
        dbf.write_bytes(bytes(raw))
    return path


def test_gbk_shapefile_without_cpg_is_detected(tmp_path: Path) -> None:
    read = read_vector(_gbk_shapefile(tmp_path))
    assert read.encoding == "GBK"
    assert read.frame["name"].tolist() == ["红星村", "新华村", "河东村"]
    assert any("no .cpg" in note and "GBK" in note for note in read.notes)


def test_utf8_shapefile_without_cpg_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "v.shp"
    pyogrio.write_dataframe(box_villages(), path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    read = read_vector(path)
    assert read.encoding == "UTF-8"
    assert read.frame["name"].iloc[0] == "红星村"


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    read = read_vector(_gbk_shapefile(tmp_path), encoding="GB18030")
    assert read.frame["name"].iloc[1] == "新华村"


def test_undecodable_text_asks_for_encoding(tmp_path: Path) -> None:
    path = tmp_path / "v.shp"
    frame = box_villages().assign(name=["a", "b", "c"])
    pyogrio.write_dataframe(frame, path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    raw = dbf.read_bytes()
    # Put a byte that starts no character in UTF-8 or GB18030 into a name.
    index = raw.rindex(b"c")
    dbf.write_bytes(raw[:index] + b"\xff" + raw[index + 1 :])
    with pytest.raises(EncodingError, match=r"neither UTF-8 nor GBK.*--encoding"):
        read_vector(path)


def test_zipped_shapefile(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    shp = _gbk_shapefile(tmp_path / "src")
    archive = tmp_path / "villages.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in shp.parent.glob("villages.*"):
            bundle.write(part, part.name)
    read = read_vector(archive)
    assert read.frame["name"].tolist() == ["红星村", "新华村", "河东村"]


def test_geopackage_layer_choice(tmp_path: Path) -> None:
    path = tmp_path / "b.gpkg"
    box_villages().to_file(path, layer="villages")
    box_villages().iloc[:1].to_file(path, layer="other")
    with pytest.raises(InputDataError, match=r"several layers .*--layer"):
        read_vector(path)
    assert len(read_vector(path, layer="villages").frame) == 3
    with pytest.raises(InputDataError, match="no layer 'nope'"):
        read_vector(path, layer="nope")


def test_missing_crs_is_refused_with_file_name(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.shp"
    box_villages().to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"nocrs\.shp has no coordinate reference system.*--crs"):
        read_vector(path)
    read = read_vector(path, crs="EPSG:4326")
    assert read.frame.crs.to_epsg() == 4490
    assert any("assumed EPSG:4326" in note for note in read.notes)


def test_reprojection_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gk.geojson"
    box_villages().to_crs(4544).to_file(path)
    read = read_vector(path)
    assert read.frame.crs.to_epsg() == 4490
    assert any("reprojected from EPSG:4544" in note for note in read.notes)
    bounds = read.frame.total_bounds
    assert bounds == pytest.approx((106.2, 38.49, 106.22, 38.51), abs=1e-7)


def test_swapped_coordinates_are_refused(tmp_path: Path) -> None:
    swapped = box_villages()
    swapped["geometry"] = shapely.transform(swapped.geometry.values, lambda xy: xy[:, ::-1])
    path = tmp_path / "swapped.geojson"
    swapped.to_file(path)
    with pytest.raises(InputDataError, match="look swapped"):
        read_vector(path)


def test_coordinates_outside_china_are_refused(tmp_path: Path) -> None:
    # Gauss-Krueger metres mislabelled as degrees.
    wrong = box_villages().to_crs(4544).set_crs(4490, allow_override=True)
    path = tmp_path / "metres.geojson"
    wrong.to_file(path)
    with pytest.raises(InputDataError, match="outside China"):
        read_vector(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.shp", None, "file not found"),
        ("villages.kml", b"<kml/>", "unsupported format '.kml'"),
        ("empty.geojson", b"", "is an empty file"),
        ("broken.geojson", b"{not json", "not a readable vector file|cannot read"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputDataError, match=message):
        read_vector(path)


def test_empty_layer(tmp_path: Path) -> None:
    path = tmp_path / "empty.gpkg"
    box_villages().iloc[:0].to_file(path, layer="villages")
    with pytest.raises(InputDataError, match="is empty"):
        read_vector(path)


def test_fixture_helper_is_sane() -> None:
    assert isinstance(box_villages(), gpd.GeoDataFrame)
