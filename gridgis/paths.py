"""Where gridgis finds its bundled configuration and demo data.

gridgis runs from a checkout (``pip install -e .``): the default configuration
(code scheme, departments, rules) and the demo county live in the top-level
``data/`` folder beside the package, where county staff can read and edit them.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_DIR = DATA_DIR / "demo"
