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
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from gridgis.io import gpkg

CURRENT = '"valid_to" IS NULL'
RETIRED = '"valid_to" IS NOT NULL'


@dataclass(frozen=True)
class Rule:
    """One rule of a rule-based renderer: a filter, a label and a symbol."""

    label: str
    filter: str
    fill: str | None  # "r,g,b,a" or None for no fill
    outline: str
    width_mm: float
    marker: bool = False
    dashed: bool = False


def _risk(label: str, condition: str, fill: str) -> Rule:
    return Rule(label, condition, fill, "0,0,0,255", 0.2, True)


_TERRITORIAL = Rule(
    "属地网格 territorial", "\"kind\" = 'territorial'", "255,200,120,90", "200,90,20,255", 0.4
)
_SECTOR = Rule("行业专属网格 sector", "\"kind\" = 'sector'", "120,160,255,90", "30,60,200,255", 0.4)
_COUNTY_LINE = Rule("县界 county", "\"level\" = 'county'", None, "40,40,40,255", 1.2)
_TOWNSHIP_LINE = Rule("乡镇界 township", "\"level\" = 'township'", None, "90,90,90,255", 0.7)
_VILLAGE_LINE = Rule("村界 village", "\"level\" = 'village'", None, "150,150,150,255", 0.3)

#: The rules of each layer's style, without the filter on current rows: the
#: history tables add it (and draw retired rows apart), views and exports hold
#: current rows only.
_RULES: dict[str, list[Rule]] = {
    "admin_units": [_COUNTY_LINE, _TOWNSHIP_LINE, _VILLAGE_LINE],
    "villages": [_VILLAGE_LINE],
    "townships": [_TOWNSHIP_LINE],
    "grids": [_TERRITORIAL, _SECTOR],
    "base_grids": [_TERRITORIAL],
    "village_grids": [_VILLAGE_LINE],
    "township_grids": [_TOWNSHIP_LINE],
    "county": [_COUNTY_LINE],
    "sector_grids": [_SECTOR],
    "sector_cells": [Rule("单元 cells", "1 = 1", "120,160,255,90", "30,60,200,255", 0.2)],
    "check_issues": [Rule("检查问题 problem", "1 = 1", "230,30,30,120", "200,0,0,255", 0.6)],
    "enterprises": [
        _risk("重大风险 major risk", "\"risk\" = '重大'", "220,30,30,255"),
        _risk("较大风险 high risk", "\"risk\" = '较大'", "255,140,0,255"),
        _risk("一般风险 moderate risk", "\"risk\" = '一般'", "250,220,0,255"),
        _risk("低风险 low risk", '("risk" = \'低\' OR "risk" IS NULL)', "40,110,220,255"),
    ],
    # The assignments table has no geometry; its map view is what QGIS draws.
    "assignments_map": [
        _risk("属地网格 territorial grid", "\"kind\" = 'territorial'", "60,160,60,255"),
        _risk("行业专属网格 sector grid", "\"kind\" = 'sector'", "30,60,200,255"),
        _risk("未落格 unassigned", '"kind" IS NULL', "230,30,30,255"),
    ],
}

# Hazard reports (gridgis hazards) by state; "overdue" is judged on the day QGIS
# draws them (deadlines are ISO dates, so text order is date order).
_TODAY = "format_date(now(), 'yyyy-MM-dd')"
_RULES["hazards"] = [
    _risk(
        "超期未办结 overdue", f'"status" != \'已办结\' AND "deadline" < {_TODAY}', "220,30,30,255"
    ),
    _risk("在办 open", f'"status" != \'已办结\' AND "deadline" >= {_TODAY}', "255,140,0,255"),
    _risk("已办结 closed", "\"status\" = '已办结'", "120,170,120,255"),
]

# An export of the assignments is a point layer of its own, drawn like the map view.
_RULES["assignments"] = _RULES["assignments_map"]
# A filing's grids.gpkg (gridgis.filing.layers): the changed grids before, dashed,
# and after, filled; the county's grid set after the filing as the project draws it.
_RULES["before"] = [Rule("调整前 before", "1 = 1", None, "200,30,30,255", 0.6, dashed=True)]
_RULES["after"] = [Rule("调整后 after", "1 = 1", "245,160,40,140", "160,90,0,255", 0.4)]
_RULES["current"] = [_TERRITORIAL, _SECTOR]

_LABEL_FIELDS = {
    "admin_units": "name",
    "grids": "name",
    "base_grids": "name",
    "villages": "name",
    "townships": "name",
    "after": "name",
    "current": "name",
}


def style_for_layer(
    layer: str,
    geometry_type: str | None,
    *,
    history: bool = False,
    aliases: Mapping[str, str] | None = None,
) -> str | None:
    """Return the QML style document for a layer, or None if it has none.

    Parameters
    ----------
    layer : str
        The layer (table or view) name.
    geometry_type : str or None
        The GeoPackage geometry type name, e.g. ``MULTIPOLYGON``; None for a
        table without geometry, whose style holds its column aliases only.
    history : bool
        The layer keeps every version's rows (``valid_to``): current rows are
        drawn as usual and retired rows dashed and grey, for review.
    aliases : mapping, optional
        Column name → the title QGIS shows for it (its alias).

    Returns
    -------
    str or None
        A QML document for the ``layer_styles`` table.
    """
    rules = _RULES.get(layer) if geometry_type else []
    if rules is None or (not rules and not aliases):
        return None
    if history:
        rules = [
            Rule(r.label, f"{CURRENT} AND {r.filter}", r.fill, r.outline, r.width_mm, r.marker)
            for r in rules
        ]
        rules.append(Rule("已撤销 retired", RETIRED, None, "160,160,160,160", 0.2, dashed=True))
    if geometry_type and "POINT" in geometry_type.upper():
        rules = [
            Rule(r.label, r.filter, r.fill or r.outline, r.outline, r.width_mm, True) for r in rules
        ]
    label = _LABEL_FIELDS.get(layer) if geometry_type else None
    return _qml(rules, label, aliases or {})


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
            "outline_style": "dash" if rule.dashed else "solid",
            "outline_width": f"{rule.width_mm:g}",
            "outline_width_unit": "MM",
            "joinstyle": "round",
        },
    )


def _qml(rules: list[Rule], label_field: str | None, aliases: Mapping[str, str]) -> str:
    root = ET.Element(
        "qgis",
        version="3.22.0",
        styleCategories="AllStyleCategories",
        labelsEnabled="1" if label_field else "0",
    )
    if aliases:
        # QGIS 3.22 takes column titles from the style; GDAL reads
        # gpkg_data_columns only from 3.7 on.
        element = ET.SubElement(root, "aliases")
        for index, (field, title) in enumerate(aliases.items()):
            ET.SubElement(element, "alias", field=field, index=str(index), name=title)
    if not rules:
        document = ET.tostring(root, encoding="unicode")
        return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + document
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


def write_styles(
    connection: sqlite3.Connection,
    *,
    titles: Mapping[str, Mapping[str, str]],
    history: Collection[str] = (),
) -> None:
    """Give every layer and table its default QGIS style (the ``layer_styles`` table).

    Parameters
    ----------
    connection : sqlite3.Connection
        An open GeoPackage.
    titles : mapping
        Table name → column name → title, shown by QGIS as the column's alias.
    history : collection of str
        The tables that keep every version's rows (styled for review).
    """
    if not gpkg.has_table(connection, "layer_styles"):
        connection.execute(
            "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        )
        gpkg.register_attribute_table(connection, "layer_styles", "QGIS 图层样式 layer styles")
    layers = connection.execute(
        "SELECT c.table_name, g.column_name, g.geometry_type_name FROM gpkg_contents c "
        "LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "WHERE c.data_type IN ('features', 'attributes') AND c.table_name != 'layer_styles'"
    ).fetchall()
    for table, column, geometry_type in layers:
        qml = style_for_layer(
            table, geometry_type, history=table in history, aliases=titles.get(table)
        )
        connection.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
        if qml is None:
            continue
        connection.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'gridgis', '', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (table, column or "", f"gridgis {table}", qml, "default style written by gridgis"),
        )
