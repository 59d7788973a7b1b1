"""The county's hazard settings: time limits per level, and the departments of categories.

Read from ``data/hazards.toml`` (or another file given with ``--config``) by
:func:`load_hazard_settings`, with :class:`gridgis.config.ConfigFile`, so every
error names the file, the line and the key. The guideline leaves the time
limit ("规定时间") to the county; the shipped file follows the local rules in
docs/domain.md ("The work loop"): 3 days for a 一般 hazard, 7 for a 重大 one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from gridgis.codes import Department
from gridgis.config import ConfigFile, KeyPath
from gridgis.paths import DATA_DIR
from gridgis.text import fold

__all__ = [
    "DEFAULT_HAZARDS_PATH",
    "LEVELS",
    "HazardSettings",
    "load_hazard_settings",
]

DEFAULT_HAZARDS_PATH = DATA_DIR / "hazards.toml"
#: The two levels of a hazard (事故隐患分级): 一般 (general) and 重大 (major),
#: with their keys in ``[deadlines]``.
LEVELS: Mapping[str, str] = MappingProxyType({"一般": "general", "重大": "major"})
# Longest time limit a county can set, in days: the guideline's 15 days with
# approval is the longest seen; a year leaves room without allowing nonsense.
_MAX_DAYS = 366


def _fold(text: object) -> str:
    return fold(text, drop="_-·.、/", casefold=True)


@dataclass(frozen=True)
class HazardSettings:
    """Time limits and category departments, as read from a hazards TOML file.

    Attributes
    ----------
    deadlines : mapping of str to int
        Level (一般, 重大) → days from the day a hazard is found to its time limit.
    categories : mapping of str to tuple of (str, int)
        A category name or alias, folded → (the category's name, its department number).
    source : str
        The file read, for messages and the version's settings.
    """

    deadlines: Mapping[str, int]
    categories: Mapping[str, tuple[str, int]]
    source: str = ""

    def category(self, text: object) -> tuple[str, int] | None:
        """Return (category name, department number) for a report's category, or None.

        Examples
        --------
        >>> load_hazard_settings().category(" 消防 ")
        ('消防安全', 6)
        """
        return self.categories.get(_fold(text))


def load_hazard_settings(
    path: str | Path | None = None, *, departments: Mapping[int, Department] | None = None
) -> HazardSettings:
    """Load and check the hazard settings.

    Parameters
    ----------
    path : str or Path, optional
        The TOML file (default ``data/hazards.toml``): a ``[deadlines]`` table
        with ``general`` and ``major`` (whole days, 0 to 366), and
        ``[[category]]`` tables with ``name``, optional ``aliases`` and
        ``department`` (a number of ``data/departments.toml``).
    departments : mapping of int to Department, optional
        Default: the departments of the default code scheme.

    Returns
    -------
    HazardSettings

    Raises
    ------
    ConfigError
        A missing or unreadable file, invalid TOML, an unknown or missing key,
        a value of the wrong type or out of range, an unknown department, or a
        category name or alias given twice.

    Examples
    --------
    >>> dict(load_hazard_settings().deadlines)
    {'一般': 3, '重大': 7}
    """
    if departments is None:
        from gridgis.codes import default_scheme

        departments = default_scheme().departments
    path = Path(path) if path is not None else DEFAULT_HAZARDS_PATH
    toml = ConfigFile.load(path, "hazards file")
    toml.keys(toml.data, (), required=("deadlines",), optional=("category",))
    table = toml.table(toml.data["deadlines"], ("deadlines",))
    toml.keys(table, ("deadlines",), required=tuple(LEVELS.values()))
    deadlines = {
        level: toml.integer(table[key], ("deadlines", key), minimum=0)
        for level, key in LEVELS.items()
    }
    for level, key in LEVELS.items():
        if deadlines[level] > _MAX_DAYS:
            raise toml.error(("deadlines", key), f"must be at most {_MAX_DAYS} days")
    categories: dict[str, tuple[str, int]] = {}
    if "category" in toml.data:
        for index, entry in enumerate(toml.tables(toml.data["category"], ("category",))):
            _add_category(toml, entry, ("category", index), departments, categories)
    return HazardSettings(
        deadlines=MappingProxyType(deadlines),
        categories=MappingProxyType(categories),
        source=str(path),
    )


def _add_category(
    toml: ConfigFile,
    entry: dict[str, object],
    where: KeyPath,
    departments: Mapping[int, Department],
    categories: dict[str, tuple[str, int]],
) -> None:
    toml.keys(entry, where, required=("name", "department"), optional=("aliases",))
    name = toml.string(entry["name"], (*where, "name"))
    number = toml.integer(entry["department"], (*where, "department"), minimum=1)
    if number not in departments:
        known = ", ".join(f"{n} {d.name}" for n, d in departments.items())
        raise toml.error((*where, "department"), f"no department {number}; known: {known}")
    aliases = toml.strings(entry.get("aliases", []), (*where, "aliases"))
    for text in (name, *aliases):
        key = _fold(text)
        if key in categories:
            raise toml.error(
                (*where, "name" if text == name else "aliases"),
                f"{text!r} is already a name or alias of category {categories[key][0]!r}",
            )
        categories[key] = (name, number)
