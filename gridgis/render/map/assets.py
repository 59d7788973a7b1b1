"""The scripts and stylesheets a map inlines: Leaflet from its package, and gridgis's own.

A map must open by double-click on a PC without network (government
intranets), so nothing is loaded from a URL: every script, stylesheet and
image is inlined. Only what the map uses is inlined:

- **Leaflet 1.9.3** (``leaflet.js``, 147 KB, and ``leaflet.css``, 15 KB),
  taken from the installed ``xstatic-leaflet`` package, whose files are
  Leaflet's own release. Leaflet is BSD-2-Clause; its copyright notice stays
  at the head of the script and the licence text goes into the page. The
  source-map comment is dropped (a browser would fetch the ``.map`` file);
  the layer control's two icons are inlined as ``data:`` URIs, and the
  default marker icon, which the map never uses, is dropped.
- **gridgis's** ``map.js`` and ``map.css`` (package data beside this module).

Not inlined: jQuery, Bootstrap, Font Awesome and awesome-markers, which a
folium page loads (1.2 MB together) but this map does not need.
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The images of leaflet.css the map uses (the layer control's icon).
_USED_IMAGES = frozenset({"layers.png", "layers-2x.png"})
_CSS_IMAGE = re.compile(r"url\(images/([\w.-]+)\)")
_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


@dataclass(frozen=True)
class Assets:
    """The texts a map inlines."""

    leaflet_js: str
    leaflet_css: str
    leaflet_licence: str
    map_js: str
    map_css: str


def _leaflet_folder() -> Path:
    # xstatic is a namespace package; its data folder holds Leaflet's release files.
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def _static(name: str) -> str:
    return (resources.files("gridgis.render.map") / "static" / name).read_text(encoding="utf-8")


def _inline_images(css: str, images: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in _USED_IMAGES:
            return "none"
        encoded = base64.b64encode((images / name).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_IMAGE.sub(replace, css)


def _safe_in_script(text: str, name: str) -> str:
    """Refuse text that would end its ``<script>`` or ``<style>`` element early."""
    if re.search(r"</(script|style)", text, flags=re.IGNORECASE):
        raise ValueError(f"{name} contains a closing tag and cannot be inlined")
    return text


@functools.lru_cache(maxsize=1)
def load_assets() -> Assets:
    """Read the inlined assets once per process.

    Returns
    -------
    Assets
        Leaflet's script, stylesheet (with its used icons as ``data:`` URIs)
        and licence, and gridgis's own script and stylesheet.
    """
    folder = _leaflet_folder()
    leaflet_js = _SOURCE_MAP.sub("\n", (folder / "leaflet.js").read_text(encoding="utf-8"))
    leaflet_css = _inline_images(
        (folder / "leaflet.css").read_text(encoding="utf-8"), folder / "images"
    )
    return Assets(
        leaflet_js=_safe_in_script(leaflet_js, "leaflet.js"),
        leaflet_css=_safe_in_script(leaflet_css, "leaflet.css"),
        leaflet_licence=_static("leaflet-LICENSE.txt"),
        map_js=_safe_in_script(_static("map.js"), "map.js"),
        map_css=_safe_in_script(_static("map.css"), "map.css"),
    )
