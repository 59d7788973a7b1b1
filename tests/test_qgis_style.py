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
    assert CliRunner().invoke(cli, ["check", str(project)]).exit_code == 0
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
    # The map view shows every current assignment at its enterprise's point.
    assert report["assignments_map"]["features"] == report["assignments"]["features"] == 3000
    # The roster and the assignments themselves have no geometry: plain tables.
    for name in ("staff", "assignments"):
        assert not report[name]["spatial"], name
        assert report[name]["renderer"] is None, name
