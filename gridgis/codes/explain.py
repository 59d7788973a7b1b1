"""What a grid code says, part by part, and the Chinese names of kinds and levels.

:func:`explain` turns a code into a :class:`CodeExplanation`: county and its
name, township and village parts with the kind of unit their range denotes
(``街道``, ``镇``, ``社区``...), sequence, department. It is what
``gridgis code check`` prints, as text or JSON.

Choices a maintainer must know:

* Parts are given as written in the code (zero-padded strings), not as
  numbers, so the explanation reads like the code.
* The Chinese labels of grid kinds and levels live in
  :mod:`gridgis.render.labels` with every other label; the labels of township
  and village ranges come from the scheme file.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from gridgis.codes.gridcode import GridCode, check_char
from gridgis.codes.scheme import CodeScheme, GridKind, GridLevel

logger = logging.getLogger(__name__)

__all__ = ["CodeExplanation", "explain"]


@dataclass(frozen=True)
class CodeExplanation:
    """What a grid code says, part by part (what ``gridgis code check`` prints).

    Parts are given as written in the code (zero-padded strings).

    Attributes
    ----------
    code, body, check_char : str
        The full code, its body and its check character(s).
    kind : {'level', 'base', 'sector'}
        The grid kind.
    level : {'county', 'township', 'village', 'base'}
        Where the grid sits.
    admin_code : str
        The administrative unit the grid belongs to.
    county, county_name : str
        County code and name (``""`` for a county of another province that
        the scheme accepts but does not list).
    township : str
        Township part; all zeros at county level.
    township_type, township_label : str or None
        Its range's type and label, such as ``town`` / ``镇``.
    village : str
        Village part (the marker and department for sector grids).
    village_type, village_label : str or None
        Its range's type and label, for ordinary village parts.
    sequence : str or None
        Sequence part; ``None`` for level grids.
    department : str or None
        Department number of a sector grid.
    department_name : str or None
        Its name.
    """

    code: str
    body: str
    check_char: str
    kind: GridKind
    level: GridLevel
    admin_code: str
    county: str
    county_name: str
    township: str
    township_type: str | None
    township_label: str | None
    village: str
    village_type: str | None
    village_label: str | None
    sequence: str | None
    department: str | None
    department_name: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the explanation as a plain dict (for JSON)."""
        return dataclasses.asdict(self)


def explain(code: GridCode | str, scheme: CodeScheme | None = None) -> CodeExplanation:
    """Explain a grid code part by part.

    Parameters
    ----------
    code : GridCode or str
        The code; text is parsed first.
    scheme : CodeScheme, optional
        Used to parse text. Default: :func:`default_scheme`.

    Returns
    -------
    CodeExplanation

    Raises
    ------
    CodeError
        If the text is not a valid code.

    Examples
    --------
    >>> explanation = explain("6401221012010015")
    >>> explanation.county_name, explanation.township_label, explanation.kind
    ('贺兰县', '镇', 'base')
    """
    grid_code = code if isinstance(code, GridCode) else GridCode.parse(code, scheme)
    scheme = grid_code.scheme
    township_type = scheme.township_type(int(grid_code.township))
    village_type = (
        None if grid_code.kind == "sector" else scheme.village_type(int(grid_code.village))
    )
    department = grid_code.department
    body = grid_code.body
    return CodeExplanation(
        code=grid_code.format(),
        body=body,
        check_char=check_char(body, scheme),
        kind=grid_code.kind,
        level=grid_code.level,
        admin_code=grid_code.admin_code,
        county=grid_code.county,
        county_name=scheme.county_name(grid_code.county),
        township=grid_code.township,
        township_type=township_type.type if township_type else None,
        township_label=township_type.label if township_type else None,
        village=grid_code.village,
        village_type=village_type.type if village_type else None,
        village_label=village_type.label if village_type else None,
        sequence=(
            None
            if grid_code.kind == "level"
            else f"{grid_code.sequence:0{scheme.segment('sequence').length}d}"
        ),
        department=None if department is None else f"{department:0{scheme.department_width}d}",
        department_name=None if department is None else scheme.departments[department].name,
    )
