"""``gridgis map REGISTRY``: the prefecture's map of every county's current grids, offline.

:func:`write_registry_map` checks the output path and the basemap first (a
missing Tianditu key fails before the registry is read), reads the registry
with :func:`gridgis.filing.registry.read_registry` (a GeoPackage file or a
PostGIS schema: the same tables, the same grids), hands the current grids to
:func:`gridgis.render.map.registry.registry_map`, and writes the page through
:mod:`gridgis.io.safety` (never over the registry, never half-written).

The title names the prefecture (or region) by its code and, for the default
code scheme's region, its name; the line under it gives the counties drawn,
the day the registry's latest filing entered it, and the day the map was
made. Counties of the scope that the code scheme lists but that never filed
are named under the legend, so a gap on the map is explained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gridgis.filing.registry import RegistryContents, read_registry
from gridgis.io.safety import atomic_path, check_output_path
from gridgis.project.map import gcj02_frame
from gridgis.render.labels import MAP_LABELS, REGISTRY_MAP_LABELS
from gridgis.render.map.layers import basemap
from gridgis.render.map.registry import RegistryMapData, registry_map

#: The prefectures and the region of the default code scheme (GB/T 2260), for the title.
SCOPE_NAMES = {
    "640000": "宁夏回族自治区",
    "640100": "银川市",
    "640200": "石嘴山市",
    "640300": "吴忠市",
    "640400": "固原市",
    "640500": "中卫市",
}


@dataclass(frozen=True)
class RegistryMapReport:
    """What :func:`write_registry_map` drew and wrote."""

    output: Path
    bytes: int
    registry: str
    counties: tuple[str, ...]
    grids: int
    base_grids: int
    sector_grids: int
    latest_filing: str
    basemap: str


def write_registry_map(
    target: str,
    output: Path,
    *,
    basemap_name: str = "none",
    tianditu_key: str | None = None,
    counties: Sequence[str] = (),
    title: str | None = None,
    generated: dt.date | None = None,
    overwrite: bool = False,
) -> RegistryMapReport:
    """Write the map of a registry's current grids, every county's or some, to an HTML file.

    Parameters
    ----------
    target : str
        The registry: a ``.gpkg`` path or a ``postgresql://`` URL.
    output : Path
        The ``.html`` file to write.
    basemap_name : {"none", "osm", "tianditu", "gaode"}
        ``none`` (the default) loads nothing from the network.
    tianditu_key : str, optional
        Required for ``tianditu``.
    counties : sequence of str
        6-digit county codes: map only these (default: every county that filed).
    title : str, optional
        Default: the prefecture's name and code and 安全生产网格化监管示意图.
    generated : date, optional
        The date printed under the title (default: today).
    overwrite : bool
        Replace an existing file (never the registry, never a project).

    Returns
    -------
    RegistryMapReport

    Raises
    ------
    InputDataError
        For a bad output path, a missing Tianditu key, a registry without
        filings, or a county that has none in it.
    StoreError
        If the target is no registry or its database cannot be reached.
    """
    remote = target.startswith(("postgresql://", "postgres://"))
    check_output_path(
        output, overwrite=overwrite, suffixes={".html"}, protected=[] if remote else [target]
    )
    tiles = basemap(basemap_name, tianditu_key=tianditu_key)
    contents = read_registry(target, counties=counties)
    names = _county_names(contents, counties)
    grids = contents.grids
    if tiles is not None and tiles.gcj02:
        grids = gcj02_frame(grids)
    filings = contents.filings
    applied = dict(zip(filings["filing_id"], filings["applied"].astype(str).str[:10], strict=True))
    latest = max(applied.values())
    today = generated or dt.date.today()
    page = registry_map(
        RegistryMapData(grids=grids, counties=names, applied=applied),
        title=title or f"{_scope_name(contents)}{REGISTRY_MAP_LABELS['title']}",
        subtitle=" · ".join(
            [
                _drawn(names, limited=bool(counties)),
                f"{REGISTRY_MAP_LABELS['latest']} {latest}",
                f"{MAP_LABELS['generated']} {today:%Y-%m-%d}",
            ]
        ),
        basemap=tiles,
        notes=[] if counties else _not_filed(contents),
    )
    with atomic_path(output) as temporary:
        temporary.write_text(page, encoding="utf-8")
    base = (grids["kind"] == "territorial") & (grids["level"] == "base")
    return RegistryMapReport(
        output=output,
        bytes=output.stat().st_size,
        registry=contents.label,
        counties=tuple(names),
        grids=len(grids),
        base_grids=int(base.sum()),
        sector_grids=int((grids["kind"] == "sector").sum()),
        latest_filing=latest,
        basemap=tiles.name if tiles else "none",
    )


def _county_names(contents: RegistryContents, wanted: Sequence[str]) -> dict[str, str]:
    """Code -> name of the counties drawn, by code; the code scheme names a county left unnamed."""
    from gridgis.codes import default_scheme

    listed = default_scheme().counties
    codes = sorted(set(wanted) if wanted else set(contents.filings["county_code"]))
    return {code: contents.counties.get(code) or listed.get(code) or code for code in codes}


def _scope_name(contents: RegistryContents) -> str:
    code = contents.scope.code
    name = SCOPE_NAMES.get(code, "")
    return f"{name}（{code}）" if name else f"{code} "


def _drawn(names: dict[str, str], *, limited: bool) -> str:
    if limited:
        return "、".join(names.values())
    return REGISTRY_MAP_LABELS["counties"].format(count=len(names))


def _not_filed(contents: RegistryContents) -> list[str]:
    """Name the counties of the scope that the code scheme lists and that never filed."""
    from gridgis.codes import default_scheme

    filed = set(contents.filings["county_code"])
    missing = [
        name
        for code, name in sorted(default_scheme().counties.items())
        if contents.scope.covers(code) and code not in filed
    ]
    if not missing:
        return []
    return [REGISTRY_MAP_LABELS["not_filed"].format(names="、".join(missing))]
