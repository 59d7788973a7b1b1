"""Default QGIS styles (QML) for the project's layers.

QGIS reads a GeoPackage's ``layer_styles`` table and applies the row marked
``useAsDefault`` when a layer is opened, so a county officer who drags the
project into QGIS sees styled grids at once. Layers with history draw only
their current rows (``valid_to IS NULL``), so superseded grids stay in the
file without cluttering the map.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from gridgis.io import gpkg

CURRENT = '"valid_to" IS NULL'


@dataclass(frozen=True)
class Rule:
    """One rule of a rule-based renderer: a filter, a label and a symbol."""

    label: str
    filter: str
    fill: str | None  # "r,g,b,a" or None for no fill
    outline: str
    width_mm: float
    marker: bool = False


_RULES: dict[str, list[Rule]] = {
    "admin_units": [
        Rule("县界 county", f"{CURRENT} AND \"level\" = 'county'", None, "40,40,40,255", 1.2),
        Rule("乡镇界 township", f"{CURRENT} AND \"level\" = 'township'", None, "90,90,90,255", 0.7),
        Rule("村界 village", f"{CURRENT} AND \"level\" = 'village'", None, "150,150,150,255", 0.3),
    ],
    "grids": [
        Rule(
            "属地网格 territorial",
            f"{CURRENT} AND \"kind\" = 'territorial'",
            "255,200,120,90",
            "200,90,20,255",
            0.4,
        ),
        Rule(
            "行业专属网格 sector",
            f"{CURRENT} AND \"kind\" = 'sector'",
            "120,160,255,90",
            "30,60,200,255",
            0.4,
        ),
    ],
    "check_issues": [
        Rule("检查问题 problem", "1 = 1", "230,30,30,120", "200,0,0,255", 0.6),
    ],
    "enterprises": [
        Rule(
            "重大风险 major risk",
            f"{CURRENT} AND \"risk\" = '重大'",
            "220,30,30,255",
            "0,0,0,255",
            0.2,
            True,
        ),
        Rule(
            "较大风险 high risk",
            f"{CURRENT} AND \"risk\" = '较大'",
            "255,140,0,255",
            "0,0,0,255",
            0.2,
            True,
        ),
        Rule(
            "一般风险 moderate risk",
            f"{CURRENT} AND \"risk\" = '一般'",
            "250,220,0,255",
            "0,0,0,255",
            0.2,
            True,
        ),
        Rule(
            "低风险 low risk",
            f'{CURRENT} AND ("risk" = \'低\' OR "risk" IS NULL)',
            "40,110,220,255",
            "0,0,0,255",
            0.2,
            True,
        ),
    ],
    # The assignments table has no geometry; its map view is what QGIS draws.
    "assignments_map": [
        Rule(
            "属地网格 territorial grid",
            f"{CURRENT} AND \"kind\" = 'territorial'",
            "60,160,60,255",
            "0,0,0,255",
            0.2,
            True,
        ),
        Rule(
            "行业专属网格 sector grid",
            f"{CURRENT} AND \"kind\" = 'sector'",
            "30,60,200,255",
            "0,0,0,255",
            0.2,
            True,
        ),
        Rule(
            "未落格 unassigned",
            f'{CURRENT} AND "kind" IS NULL',
            "230,30,30,255",
            "0,0,0,255",
            0.2,
            True,
        ),
    ],
}

_LABEL_FIELDS = {"admin_units": "name", "grids": "name"}


def style_for_layer(layer: str, geometry_type: str) -> str | None:
    """Return the QML style document for a project layer, or None if it has none.

    Parameters
    ----------
    layer : str
        The layer (table) name.
    geometry_type : str
        The GeoPackage geometry type name, e.g. ``MULTIPOLYGON``.

    Returns
    -------
    str or None
        A QML document for the ``layer_styles`` table.
    """
    rules = _RULES.get(layer)
    if rules is None:
        return None
    if "POINT" in geometry_type.upper():
        rules = [
            r if r.marker else Rule(r.label, r.filter, r.fill, r.outline, r.width_mm, True)
            for r in rules
        ]
    return _qml(rules, _LABEL_FIELDS.get(layer))


def _option_map(parent: ET.Element, values: dict[str, str]) -> None:
    options = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(options, "Option", type="QString", name=name, value=value)


def _symbol(parent: ET.Element, index: int, rule: Rule) -> None:
    if rule.marker:
        symbol = ET.SubElement(
            parent,
            "symbol",
            type="marker",
            name=str(index),
            alpha="1",
            clip_to_extent="1",
            force_rhr="0",
        )
        layer = ET.SubElement(
            symbol,
            "layer",
            attrib={"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"},
        )
        _option_map(
            layer,
            {
                "name": "circle",
                "color": rule.fill or "0,0,0,255",
                "size": "2.4",
                "size_unit": "MM",
                "outline_color": rule.outline,
                "outline_width": "0.2",
                "outline_width_unit": "MM",
                "outline_style": "solid",
            },
        )
        return
    symbol = ET.SubElement(
        parent, "symbol", type="fill", name=str(index), alpha="1", clip_to_extent="1", force_rhr="0"
    )
    layer = ET.SubElement(
        symbol, "layer", attrib={"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"}
    )
    _option_map(
        layer,
        {
            "color": rule.fill or "0,0,0,0",
            "style": "solid" if rule.fill else "no",
            "outline_color": rule.outline,
            "outline_style": "solid",
            "outline_width": f"{rule.width_mm:g}",
            "outline_width_unit": "MM",
            "joinstyle": "round",
        },
    )


def _qml(rules: list[Rule], label_field: str | None) -> str:
    root = ET.Element(
        "qgis",
        version="3.22.0",
        styleCategories="AllStyleCategories",
        labelsEnabled="1" if label_field else "0",
    )
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        type="RuleRenderer",
        symbollevels="0",
        enableorderby="0",
        forceraster="0",
    )
    rules_element = ET.SubElement(renderer, "rules", key="{root}")
    for index, rule in enumerate(rules):
        ET.SubElement(
            rules_element,
            "rule",
            filter=rule.filter,
            label=rule.label,
            symbol=str(index),
            key=f"{{rule-{index}}}",
        )
    symbols = ET.SubElement(renderer, "symbols")
    for index, rule in enumerate(rules):
        _symbol(symbols, index, rule)
    if label_field:
        labeling = ET.SubElement(root, "labeling", type="simple")
        settings = ET.SubElement(labeling, "settings", calloutType="simple")
        ET.SubElement(
            settings,
            "text-style",
            fieldName=label_field,
            isExpression="0",
            fontFamily="Noto Sans CJK SC",
            fontSize="9",
            fontSizeUnit="Point",
            textColor="30,30,30,255",
            namedStyle="Regular",
        )
        buffer = ET.SubElement(settings, "text-buffer")
        buffer.set("bufferDraw", "1")
        buffer.set("bufferSize", "0.8")
        buffer.set("bufferColor", "255,255,255,255")
        ET.SubElement(settings, "placement", placement="1", dist="0")
        ET.SubElement(
            settings,
            "rendering",
            scaleVisibility="1",
            scaleMin="0",
            scaleMax="100000",
            obstacle="1",
        )
    ET.SubElement(root, "layerGeometryType").text = "0" if any(r.marker for r in rules) else "2"
    document = ET.tostring(root, encoding="unicode")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + document


def write_styles(connection: sqlite3.Connection) -> None:
    """Give every spatial layer its default QGIS style (the ``layer_styles`` table)."""
    if not gpkg.has_table(connection, "layer_styles"):
        connection.execute(
            "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        )
        gpkg.register_attribute_table(connection, "layer_styles", "QGIS layer styles")
    layers = connection.execute(
        "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns"
    ).fetchall()
    for table, column, geometry_type in layers:
        qml = style_for_layer(table, geometry_type)
        if qml is None:
            continue
        connection.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
        connection.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'gridgis', '', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (table, column, f"gridgis {table}", qml, "default style written by gridgis"),
        )
