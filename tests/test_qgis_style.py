"""Open a project in real QGIS (Debian's python3-qgis) and check the layers come styled.

.ci/run installs python3-qgis; without it this test fails rather than skips.
"""

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner
from conftest import box_villages

from gridgis.cli.main import cli

QGIS_PYTHON = "/usr/bin/python3"

PROBE = r"""
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
report = {}
for name in sys.argv[2:]:
    layer = QgsVectorLayer(f"{sys.argv[1]}|layername={name}", name, "ogr")
    renderer = layer.renderer()  # None for a table without geometry
    rules = []
    if renderer is not None and renderer.type() == "RuleRenderer":
        rules = [rule.filterExpression() for rule in renderer.rootRule().children()]
    report[name] = {"valid": layer.isValid(), "features": layer.featureCount(),
                    "spatial": layer.isSpatial(),
                    "renderer": None if renderer is None else renderer.type(), "rules": rules,
                    "labels": layer.labelsEnabled()}
print(json.dumps(report))
"""


def test_project_layers_open_styled_in_qgis(tmp_path: Path) -> None:
    source = tmp_path / "v.geojson"
    box_villages().to_file(source)
    project = tmp_path / "p.gpkg"
    assert CliRunner().invoke(cli, ["init", str(project), "--admin", str(source)]).exit_code == 0
    assert CliRunner().invoke(cli, ["check", str(project), "--save"]).exit_code == 0
    completed = subprocess.run(
        [QGIS_PYTHON, "-c", PROBE, str(project), "admin_units", "check_issues"],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    admin = report["admin_units"]
    assert admin["valid"] and admin["features"] == 5
    assert admin["renderer"] == "RuleRenderer"
    assert any("\"level\" = 'village'" in rule for rule in admin["rules"])
    assert admin["labels"] is True
    assert report["check_issues"]["renderer"] == "RuleRenderer"


def test_demo_project_opens_in_qgis(tmp_path: Path, demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    layers = ["admin_units", "grids", "enterprises", "assignments", "assignments_map", "staff"]
    completed = subprocess.run(
        [QGIS_PYTHON, "-c", PROBE, str(out / "helan.gpkg"), *layers],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    for name in layers:
        assert report[name]["valid"], name
        assert report[name]["features"] > 0, name
    for name in ("admin_units", "grids", "enterprises", "assignments_map"):
        assert report[name]["spatial"], name
        assert report[name]["renderer"] == "RuleRenderer", name
    # The map view shows every current assignment at its enterprise's point; the
    # table keeps earlier versions' rows too (the demo assigns again after the
    # re-division it files with the prefecture).
    assert report["assignments_map"]["features"] == 3000
    assert report["assignments"]["features"] >= 3000
    # The roster and the assignments themselves have no geometry: plain tables.
    for name in ("staff", "assignments"):
        assert not report[name]["spatial"], name
        assert report[name]["renderer"] is None, name


LAYOUT_PROBE = r"""
import json, sys
from qgis.core import (QgsApplication, QgsFeatureRequest, QgsGeometry, QgsProviderRegistry,
                       QgsRectangle, QgsVectorLayer)
app = QgsApplication([], False)
app.initQgis()
path = sys.argv[1]
sublayers = [d.name() for d in QgsProviderRegistry.instance().querySublayers(path)]
report = {"sublayers": sublayers, "layers": {}}
for name in sys.argv[2:]:
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    fields = layer.fields()
    report["layers"][name] = {
        "valid": layer.isValid(), "features": layer.featureCount(),
        "renderer": None if layer.renderer() is None else layer.renderer().type(),
        "aliases": {f.name(): layer.attributeAlias(i) for i, f in enumerate(fields)},
    }
base = QgsVectorLayer(f"{path}|layername={sys.argv[2]}", "base", "ogr")
point = next(base.getFeatures()).geometry().pointOnSurface().asPoint()
probe = QgsGeometry.fromPointXY(point)
box = QgsRectangle(point.x() - 1e-7, point.y() - 1e-7, point.x() + 1e-7, point.y() + 1e-7)
found = [f["grid_code"] for f in base.getFeatures(QgsFeatureRequest().setFilterRect(box))
         if f.geometry().intersects(probe)]
report["identify"] = found
print(json.dumps(report, ensure_ascii=False))
"""


def _probe(path: Path, layers: list[str], home: Path) -> dict:
    completed = subprocess.run(
        [QGIS_PYTHON, "-c", LAYOUT_PROBE, str(path), *layers],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(home)},
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_qgis_offers_the_current_views_first_and_identify_finds_one_base_grid(
    tmp_path: Path, demo_run: tuple[Path, str]
) -> None:
    from gridgis.io.store import open_project

    out, _ = demo_run
    project = out / "helan.gpkg"
    report = _probe(project, ["base_grids", "sector_grids", "grids", "staff"], tmp_path)
    assert report["sublayers"][:5] == [
        "base_grids",
        "village_grids",
        "township_grids",
        "county",
        "sector_grids",
    ]
    grids = open_project(project).read_grids()
    base = report["layers"]["base_grids"]
    assert base["valid"] and base["features"] == int((grids["level"] == "base").sum())
    assert base["renderer"] == "RuleRenderer"
    assert base["aliases"]["grid_code"] == "网格编码"
    assert report["layers"]["sector_grids"]["features"] == int((grids["kind"] == "sector").sum())
    # QGIS 3.22 applies no stored style to a table without geometry; its titles
    # are in gpkg_data_columns, which GDAL 3.7 and later show.
    assert report["layers"]["staff"]["valid"]
    assert len(report["identify"]) == 1


def test_an_exported_geopackage_opens_styled_with_titles_in_qgis(
    tmp_path: Path, demo_run: tuple[Path, str]
) -> None:
    out, _ = demo_run
    export = tmp_path / "base.gpkg"
    result = CliRunner().invoke(
        cli, ["export", str(out / "helan.gpkg"), "--level", "base", "-o", str(export)]
    )
    assert result.exit_code == 0, result.output
    report = _probe(export, ["base_grids"], tmp_path)
    layer = report["layers"]["base_grids"]
    assert layer["valid"] and layer["renderer"] == "RuleRenderer"
    assert layer["aliases"]["grid_code"] == "网格编码"
    assert len(report["identify"]) == 1
