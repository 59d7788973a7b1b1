"""The county's contacts for printed documents: the complaint line and the grid office.

They live in a small TOML file, ``data/county.toml`` by default (``--county
FILE`` names another), beside the code scheme and the rules that county staff
already edit::

    [county]
    complaint_line = "0951-1234567"      # 监督电话, required by gridgis notice
    grid_office = "贺兰县安全生产网格化管理办公室"
    grid_office_phone = "0951-7654321"

Why a file and not the project: the complaint line is the county's, not one
version's, and the shipped file leaves it empty on purpose. A notice with a
blank or made-up complaint line would be posted in every village, so
:func:`require_complaint_line` refuses to go on until someone has set it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gridgis.config import ConfigFile
from gridgis.errors import ConfigError
from gridgis.paths import DATA_DIR

__all__ = ["DEFAULT_COUNTY_PATH", "CountyContacts", "load_county", "require_complaint_line"]

#: The county file used when none is given.
DEFAULT_COUNTY_PATH = DATA_DIR / "county.toml"
_KEYS = ("complaint_line", "grid_office", "grid_office_phone")


@dataclass(frozen=True)
class CountyContacts:
    """The contacts of ``[county]``; an empty value is None.

    Attributes
    ----------
    complaint_line : str or None
        监督电话, the complaint line.
    grid_office : str or None
        The county grid office's name.
    grid_office_phone : str or None
        Its phone.
    source : str
        The file they were read from.
    """

    complaint_line: str | None
    grid_office: str | None
    grid_office_phone: str | None
    source: str


def load_county(path: Path | None = None) -> CountyContacts:
    """Read the county's contacts.

    Parameters
    ----------
    path : Path, optional
        Default: :data:`DEFAULT_COUNTY_PATH`.

    Returns
    -------
    CountyContacts

    Raises
    ------
    ConfigError
        If the file is missing or invalid, naming the line.

    Examples
    --------
    >>> load_county().source.endswith("county.toml")
    True
    """
    config = ConfigFile.load(path or DEFAULT_COUNTY_PATH, "county file")
    config.keys(config.data, (), required=("county",))
    table = config.table(config.data["county"], ("county",))
    config.keys(table, ("county",), required=(), optional=_KEYS)
    values = {
        key: config.string(table.get(key, ""), ("county", key), allow_empty=True).strip() or None
        for key in _KEYS
    }
    return CountyContacts(
        complaint_line=values["complaint_line"],
        grid_office=values["grid_office"],
        grid_office_phone=values["grid_office_phone"],
        source=config.source,
    )


def require_complaint_line(contacts: CountyContacts) -> str:
    """Return the complaint line, or fail saying where to set it.

    Raises
    ------
    ConfigError
        If ``complaint_line`` is empty.
    """
    if contacts.complaint_line is None:
        raise ConfigError(
            f"no complaint line (监督电话) is configured, and every public notice must "
            f"publish one: set complaint_line in the [county] table of {contacts.source} "
            "(or give another file with --county FILE)"
        )
    return contacts.complaint_line
