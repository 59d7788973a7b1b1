"""The staff roster: who serves where, and how many grid members each grid has.

The guideline (docs/domain.md, "People and roles") names six roles:
挂点领导 (linked leader, of a township or a department), 网格安全监管责任人 and
直接监管责任人 (the responsible people), 网格长 (grid head), 网格员 (grid
member, also called 网格管理员) and 联系负责人 (contact person). This module is
pure: roster rows (from :func:`gridgis.io.roster.read_roster`), admin units
and grids in, DataFrames out.

* :func:`build_staff` checks every roster row and resolves where the person
  serves: a grid code if given, else the village (township and village names,
  matched as the address fallback of :mod:`gridgis.assign.address` matches them),
  else the township, else the department (``data/departments.toml``).
* :func:`members_per_grid` counts the 网格员 of each base grid, the number
  capacity matching (:func:`gridgis.sector.capacity_match`) multiplies by the
  capacity per member.
* :func:`responsibilities` lists, per grid, the people in each role;
  :func:`people_of_grids` lists the same people one row each, with their
  titles, duties and phones, for printed documents.

Choices worth knowing:

* **Bad rows are fatal, never dropped or kept half-resolved.** A row without a
  name, with an unknown role, a place that matches nothing in the project, or
  repeating another row (same name, phone, role and place) is a problem;
  :func:`problems_message` lists the first few by spreadsheet row and the
  import stops with the project unchanged. A roster is a few hundred rows
  kept by hand, so fixing them at source is cheap, while a person silently
  left out (or kept without a place) would change every grid's capacity and
  which enterprises move to sector grids without anyone noticing.
* **A village's 网格员 are shared equally by its base grids.** A member named
  with a grid code counts 1 for that grid. A member named only by village
  counts 1/n for each of the village's n base grids: two members over three
  grids give 0.67 members each. The shares add up to the roster's head count,
  so the village's total capacity is the same however it is divided. 网格员
  named by township or department are not members of a base grid (department
  members serve its county-level sector grid) and count for no base grid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gridgis.codes import Department, GridCode
from gridgis.errors import CodeError
from gridgis.render.labels import ROLE_NAMES_EN
from gridgis.text import fold

if TYPE_CHECKING:
    from gridgis.assign.address import AddressMatcher

logger = logging.getLogger(__name__)

# Report a problem: (row index, kind, detail).
_Report = Callable[[int, str, str], None]

__all__ = [
    "GRID_MEMBER",
    "PLACE_LEVELS",
    "ROLES",
    "STAFF_COLUMNS",
    "StaffBuild",
    "build_staff",
    "canonical_role",
    "describe_people",
    "members_per_grid",
    "people_of_grids",
    "problems_message",
    "responsibilities",
]

#: The six roles of the guideline, in the order of the supervision chain.
ROLES: tuple[str, ...] = (
    "挂点领导",
    "网格安全监管责任人",
    "直接监管责任人",
    "网格长",
    "网格员",
    "联系负责人",
)
GRID_MEMBER = "网格员"
_ROLE_ALIASES: dict[str, str] = {
    **{role: role for role in ROLES},
    "网格管理员": GRID_MEMBER,
    "专职网格员": GRID_MEMBER,
    "兼职网格员": GRID_MEMBER,
    "安全监管责任人": "网格安全监管责任人",
    "联系人": "联系负责人",
    **{english.replace(" ", ""): role for role, english in ROLE_NAMES_EN.items()},
    "leader": "挂点领导",
    "gridadministrator": GRID_MEMBER,
    "contact": "联系负责人",
}
# 专职网格员 / 兼职网格员 in the role column also say the duty.
_DUTY_IN_ROLE = re.compile(r"^(专职|兼职)")

#: Where a person serves, most specific first.
PLACE_LEVELS: tuple[str, ...] = ("grid", "village", "township", "county", "department")

#: Where a person serves: the level, then the codes and names of that place.
_PLACE_COLUMNS: tuple[str, ...] = (
    "place_level",
    "grid_code",
    "village_code",
    "village",
    "township_code",
    "township",
    "department_number",
    "department",
)
STAFF_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "name",
    "role",
    "title",
    "duty",
    "phone",
    *_PLACE_COLUMNS,
    "extra",
)
PROBLEM_COLUMNS: tuple[str, ...] = ("row", "name", "kind", "detail")

# Columns of gridgis.io.roster.ROSTER_COLUMNS that are not passed on as extras.
_ROSTER_FIELDS = frozenset(
    (
        "row",
        "name",
        "role",
        "title",
        "township",
        "village",
        "department",
        "grid_code",
        "phone",
        "duty",
    )
)
_SPACES = re.compile(r"\s+")
_CJK_NAME = re.compile(r"^[\u3400-\u9fff·\s]+$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]+")


@dataclass(frozen=True)
class StaffBuild:
    """What :func:`build_staff` made of a roster.

    Attributes
    ----------
    staff : DataFrame
        One row per resolved roster row: ``row`` and :data:`STAFF_COLUMNS`.
        Empty of rows with problems.
    problems : DataFrame
        One row per problem (:data:`PROBLEM_COLUMNS`): ``row`` (spreadsheet
        row), ``name``, ``kind`` and ``detail``. Kinds: ``missing_name``,
        ``missing_role``, ``unknown_role``, ``invalid_grid_code``,
        ``unknown_grid``, ``unknown_village``, ``township_mismatch``,
        ``village_mismatch``, ``unknown_township``, ``unknown_department``,
        ``no_place``, ``duplicate``.
    """

    staff: pd.DataFrame
    problems: pd.DataFrame


def canonical_role(text: object) -> str | None:
    """Return the guideline's name of a role, or None when it is not one.

    Examples
    --------
    >>> canonical_role(" 网格管理员 "), canonical_role("grid member"), canonical_role("网格元")
    ('网格员', '网格员', None)
    """
    # Missing values fold to "", which is no role.
    return _ROLE_ALIASES.get(fold(text, drop="_"))


def build_staff(
    people: pd.DataFrame,
    admin_units: pd.DataFrame,
    grids: pd.DataFrame,
    departments: Mapping[int, Department],
) -> StaffBuild:
    """Check roster rows and resolve where each person serves.

    Parameters
    ----------
    people : DataFrame
        Roster rows as :func:`gridgis.io.roster.read_roster` gives them:
        ``row``, ``name``, ``role`` and optionally ``title``, ``duty``,
        ``phone``, ``grid_code``, ``township``, ``village``, ``department``;
        other columns are kept in ``extra`` (JSON).
    admin_units : DataFrame
        The project's ``code``, ``name``, ``level``, ``parent_code``.
    grids : DataFrame
        The project's current grids: ``grid_code``, ``kind``, ``level``,
        ``admin_code`` (may be empty before a division).
    departments : Mapping
        Department number -> :class:`~gridgis.codes.Department`.

    Returns
    -------
    StaffBuild
        ``staff`` is empty of rows with a problem; a caller refuses the roster
        when ``problems`` is not empty (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> admin = pd.DataFrame({"code": ["640122", "640122100", "640122100201"],
    ...                       "name": ["贺兰县", "金山镇", "红星村"],
    ...                       "level": ["county", "township", "village"],
    ...                       "parent_code": [None, "640122", "640122100"]})
    >>> grids = pd.DataFrame(columns=["grid_code", "kind", "level", "admin_code"])
    >>> people = pd.DataFrame({"row": [2, 3], "name": ["张三", "李四"],
    ...                        "role": ["网格管理员", "挂点领导"],
    ...                        "township": ["金山镇", "金山"], "village": ["红星村委会", None]})
    >>> built = build_staff(people, admin, grids, {})
    >>> built.staff[["role", "place_level", "village_code", "township_code"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['网格员', 'village', '640122100201', '640122100'],
     ['挂点领导', 'township', None, '640122100']]
    """
    from gridgis.assign.address import AddressMatcher

    rows = _clean(people)
    problems: list[dict[str, object]] = []

    def problem(index: int, kind: str, detail: str) -> None:
        problems.append(
            {
                "row": int(rows.at[index, "row"]),
                "name": rows.at[index, "name"],
                "kind": kind,
                "detail": detail,
            }
        )

    for index in rows.index[rows["name"].isna()]:
        problem(index, "missing_name", "no name (姓名)")
    for index in rows.index[rows["role_input"].isna()]:
        problem(index, "missing_role", "no role (角色)")
    unknown_role = rows["role_input"].notna() & rows["role"].isna()
    for index in rows.index[unknown_role]:
        problem(index, "unknown_role", f"unknown role {rows.at[index, 'role_input']!r}")

    places = _Places(admin_units, grids, departments, AddressMatcher(admin_units))
    resolved = places.resolve(rows, problem)
    staff = pd.concat([rows, resolved], axis=1)
    staff["staff_id"] = _staff_ids(staff)

    has_id = staff["staff_id"].notna()
    first_row = staff[has_id].groupby("staff_id")["row"].transform("min")
    repeated = first_row[first_row != staff.loc[has_id, "row"]]
    for index, first in repeated.items():
        problem(index, "duplicate", f"same name, phone, role and place as row {int(first)}")

    problem_frame = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    problem_frame = problem_frame.sort_values(["row", "kind"], kind="stable").reset_index(drop=True)
    bad = set(problem_frame["row"])
    staff = staff[~staff["row"].isin(bad)]
    staff = staff[["row", *STAFF_COLUMNS]].reset_index(drop=True)
    staff["department_number"] = staff["department_number"].astype("Int64")
    return StaffBuild(staff, problem_frame)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _objects(values: Iterable[object], index: pd.Index) -> pd.Series:
    """Make an object column with None for missing values.

    pandas 3 would infer its ``str`` dtype for text, where missing is NaN.
    """
    return pd.Series([None if _missing(v) else v for v in values], index=index, dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """NFKC text with outer whitespace removed; missing or blank as None."""

    def one(value: object) -> str | None:
        # NFKC only: case and inner spaces are kept; missing folds to "".
        return fold(value, casefold=False, whitespace=False).strip() or None

    return _objects((one(v) for v in values), values.index)


def _name(value: str | None) -> str | None:
    # Two-character Chinese names are often padded to line up (张　三): a space
    # is never part of a Chinese name, so it goes; other names keep one space.
    if value is None:
        return None
    if _CJK_NAME.match(value):
        return _SPACES.sub("", value)
    return _SPACES.sub(" ", value)


def _column(people: pd.DataFrame, name: str) -> pd.Series:
    if name in people.columns:
        return _text(people[name])
    return _objects([None] * len(people), people.index)


def _clean(people: pd.DataFrame) -> pd.DataFrame:
    """Canonical text per field; the role as the guideline names it."""
    people = people.reset_index(drop=True)
    index = people.index
    role_input = _column(people, "role")
    duty = _column(people, "duty")
    duty_from_role = [
        None if role is None or not _DUTY_IN_ROLE.match(role) else role[:2] for role in role_input
    ]
    phones = (
        None if p is None else _PHONE_NOISE.sub("", p) or None for p in _column(people, "phone")
    )
    extra_columns = [c for c in people.columns if c not in _ROSTER_FIELDS]
    return pd.DataFrame(
        {
            "row": people["row"].astype("int64"),
            "name": _objects(map(_name, _column(people, "name")), index),
            "role_input": role_input,
            "role": _objects(map(canonical_role, role_input), index),
            "title": _column(people, "title"),
            "duty": _objects(
                (d if d is not None else r for d, r in zip(duty, duty_from_role, strict=True)),
                index,
            ),
            "phone": _objects(phones, index),
            "grid_code_input": _column(people, "grid_code"),
            "township_input": _column(people, "township"),
            "village_input": _column(people, "village"),
            "department_input": _column(people, "department"),
            "extra": _extras(people, extra_columns),
        }
    )


def _extras(people: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Unrecognised columns of each row as sorted JSON (None when all empty)."""
    texts = {str(c): _text(people[c]).tolist() for c in columns}

    def one(position: int) -> str | None:
        kept = {c: values[position] for c, values in texts.items() if values[position] is not None}
        return json.dumps(kept, ensure_ascii=False, sort_keys=True) if kept else None

    return _objects((one(i) for i in range(len(people))), people.index)


class _Places:
    """Resolve roster places against one project's admin units, grids and departments."""

    def __init__(
        self,
        admin_units: pd.DataFrame,
        grids: pd.DataFrame,
        departments: Mapping[int, Department],
        matcher: AddressMatcher,
    ) -> None:
        self.matcher = matcher
        self.names = dict(zip(admin_units["code"], admin_units["name"], strict=True))
        self.parent = dict(zip(admin_units["code"], admin_units["parent_code"], strict=True))
        self.grids = (
            grids.set_index("grid_code")[["kind", "level", "admin_code"]]
            if len(grids)
            else pd.DataFrame(columns=["kind", "level", "admin_code"])
        )
        self.departments = dict(departments)
        self._department_by_name: dict[str, int] = {}
        for number, department in self.departments.items():
            folded = fold(department.name)
            self._department_by_name[folded] = number
            # 应急管理局 for 县应急管理局: the county is implied in a county roster.
            self._department_by_name.setdefault(folded.removeprefix("县"), number)

    def department_number(self, name: str) -> int | None:
        folded = fold(name)
        return self._department_by_name.get(
            folded, self._department_by_name.get(folded.removeprefix("县"))
        )

    def resolve(self, rows: pd.DataFrame, report: _Report) -> pd.DataFrame:
        """Return the place columns of every row, reporting what cannot be resolved."""
        matched = self.matcher.match(
            pd.DataFrame({"township": rows["township_input"], "village": rows["village_input"]}),
            use_address=False,
        )["village_code"]
        places = []
        # A roster has hundreds of rows and each takes one of several paths with
        # its own message, so a loop reads more plainly than masks would.
        for index in rows.index:
            places.append(self._one(rows.loc[index], matched.at[index], index, report))
        return pd.DataFrame(
            {c: _objects((p[c] for p in places), rows.index) for c in _PLACE_COLUMNS},
            index=rows.index,
        )

    def _one(
        self, row: pd.Series, village_match: str | None, index: int, report: _Report
    ) -> dict[str, object]:
        if row["grid_code_input"] is not None:
            return self._by_grid(row, village_match, index, report)
        if row["village_input"] is not None:
            if village_match is None:
                where = (
                    f" in {row['township_input']!r}" if row["township_input"] is not None else ""
                )
                report(
                    index,
                    "unknown_village",
                    f"village {row['village_input']!r}{where} matches no single village "
                    "of the project",
                )
                return _empty_place()
            return self._village(village_match, row, index, report)
        if row["township_input"] is not None:
            code = self.matcher.township_code(row["township_input"])
            if code is None:
                report(
                    index,
                    "unknown_township",
                    f"township {row['township_input']!r} matches no township of the project",
                )
                return _empty_place()
            return self._place("township", township_code=code)
        if row["department_input"] is not None:
            number = self.department_number(row["department_input"])
            if number is None:
                known = "、".join(d.name for d in self.departments.values())
                report(
                    index,
                    "unknown_department",
                    f"department {row['department_input']!r} is not in departments.toml ({known})",
                )
                return _empty_place()
            return self._place("department", department_number=number)
        report(index, "no_place", "no place: give 网格编码, 所属村社区, 所属乡镇街道 or 部门")
        return _empty_place()

    def _by_grid(
        self, row: pd.Series, village_match: str | None, index: int, report: _Report
    ) -> dict[str, object]:
        try:
            code = GridCode.parse(row["grid_code_input"])
        except CodeError as error:
            report(index, "invalid_grid_code", f"grid code {error}")
            return _empty_place()
        text = code.format()
        if text not in self.grids.index:
            hint = "" if len(self.grids) else " (the project has no grids yet: run gridgis divide)"
            report(
                index,
                "unknown_grid",
                f"grid code {text} is not a current grid of the project{hint}",
            )
            return _empty_place()
        grid = self.grids.loc[text]
        if grid["kind"] == "sector":
            return self._place("department", department_number=code.department)
        level, admin_code = str(grid["level"]), str(grid["admin_code"])
        if level in ("base", "village"):
            if row["village_input"] is not None and village_match != admin_code:
                report(
                    index,
                    "village_mismatch",
                    f"grid code {text} lies in {self.names.get(admin_code, admin_code)}, "
                    f"not in village {row['village_input']!r}",
                )
                return _empty_place()
            place = self._village(admin_code, row, index, report)
            if level == "base":
                place.update(place_level="grid", grid_code=text)
            return place
        if level == "township":
            return self._place("township", township_code=admin_code)
        return self._place("county")

    def _village(
        self, village_code: str, row: pd.Series, index: int, report: _Report
    ) -> dict[str, object]:
        township_code = str(self.parent.get(village_code) or village_code[:9])
        named = row["township_input"]
        if named is not None:
            code = self.matcher.township_code(named)
            if code is not None and code != township_code:
                report(
                    index,
                    "township_mismatch",
                    f"village {self.names.get(village_code, village_code)} is in "
                    f"{self.names.get(township_code, township_code)}, not in {named!r}",
                )
                return _empty_place()
        return self._place("village", village_code=village_code, township_code=township_code)

    def _place(
        self,
        level: str,
        *,
        village_code: str | None = None,
        township_code: str | None = None,
        department_number: int | None = None,
    ) -> dict[str, object]:
        department = (
            self.departments[department_number].name
            if department_number in self.departments
            else None
        )
        return {
            "place_level": level,
            "grid_code": None,
            "village_code": village_code,
            "village": self.names.get(village_code) if village_code else None,
            "township_code": township_code,
            "township": self.names.get(township_code) if township_code else None,
            "department_number": department_number,
            "department": department,
        }


def _empty_place() -> dict[str, object]:
    return dict.fromkeys(_PLACE_COLUMNS)


def _place_keys(staff: pd.DataFrame) -> pd.Series:
    """Say where each person serves as one text key (``village:640122…``), or None."""
    level = _objects(staff["place_level"], staff.index).to_numpy(dtype=object)

    def text(column: str) -> np.ndarray:
        return staff[column].to_numpy(dtype=object).astype(str).astype(object)

    department = (
        pd.to_numeric(staff["department_number"], errors="coerce")
        .fillna(-1)
        .astype("int64")
        .astype(str)
        .to_numpy(dtype=object)
    )
    keys = np.select(
        [level == "grid", level == "village", level == "township", level == "department"],
        [
            "grid:" + text("grid_code"),
            "village:" + text("village_code"),
            "township:" + text("township_code"),
            "department:" + department,
        ],
        default="county",
    ).astype(object)
    keys[pd.isna(level)] = None
    return pd.Series(keys, index=staff.index, dtype=object)


def _staff_ids(staff: pd.DataFrame) -> pd.Series:
    """Give each row a stable id per person, role and place: ``S-`` and 12 hex digits.

    Built from the name, role, resolved place (codes, not the spelling in the
    roster) and phone, so re-importing a roster shows who was added, removed
    or changed (title, duty, extra columns) even when rows moved around.
    """
    place = _place_keys(staff)
    name = _objects(staff["name"], staff.index)
    role = _objects(staff["role"], staff.index)
    phone = _objects(staff["phone"], staff.index).fillna("").astype(str)
    identity = name.astype(str) + "|" + role.astype(str) + "|" + place.astype(str) + "|" + phone
    known = (place.notna() & name.notna() & role.notna()).to_numpy()
    ids = np.full(len(staff), None, dtype=object)
    # hashlib has no vectorised form; this is one digest per person, not a
    # loop over rows of a frame.
    ids[known] = [
        "S-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        for text in identity.to_numpy(dtype=object)[known]
    ]
    return pd.Series(ids, index=staff.index, dtype=object)


def describe_people(staff: pd.DataFrame) -> pd.Series:
    """Label each person for a report: name, role and place.

    Examples
    --------
    >>> import pandas as pd
    >>> staff = pd.DataFrame({"name": ["张三", "李四"], "role": ["网格员", "挂点领导"],
    ...     "place_level": ["village", "department"], "grid_code": [None, None],
    ...     "village": ["红星村", None], "township": ["金山镇", None],
    ...     "department": [None, "县应急管理局"]})
    >>> describe_people(staff).tolist()
    ['张三（网格员，金山镇红星村）', '李四（挂点领导，县应急管理局）']
    """

    def text(row: pd.Series, column: str) -> str:
        value = row.get(column)
        return "" if _missing(value) else str(value)

    def one(row: pd.Series) -> str:
        level = text(row, "place_level")
        if level == "grid":
            place = f"{text(row, 'township')}{text(row, 'village')} {text(row, 'grid_code')}"
        elif level == "village":
            place = text(row, "township") + text(row, "village")
        elif level == "township":
            place = text(row, "township")
        elif level == "department":
            place = text(row, "department")
        else:
            place = "全县" if level == "county" else "?"
        return f"{text(row, 'name')}（{text(row, 'role')}，{place.strip()}）"

    return _objects((one(row) for _, row in staff.iterrows()), staff.index)


def problems_message(problems: pd.DataFrame, source: str, *, limit: int = 5) -> str:
    """Say in one sentence which roster rows are bad and why (the first ``limit`` rows).

    Examples
    --------
    >>> import pandas as pd
    >>> problems = pd.DataFrame({"row": [4, 9], "name": ["张三", None],
    ...     "kind": ["unknown_role", "missing_name"],
    ...     "detail": ["unknown role '网格元'", "no name (姓名)"]})
    >>> problems_message(problems, "staff.xlsx")  # doctest: +NORMALIZE_WHITESPACE
    "staff.xlsx: 2 roster rows cannot be imported, so nothing was changed:
    row 4 (张三): unknown role '网格元'; row 9: no name (姓名); fix them and import again
    (roles: 挂点领导, 网格安全监管责任人, 直接监管责任人, 网格长, 网格员 or 网格管理员, 联系负责人)"
    """
    rows = list(dict.fromkeys(problems["row"].tolist()))
    parts = []
    for row in rows[:limit]:
        found = problems[problems["row"] == row]
        name = found["name"].iloc[0]
        who = f" ({name})" if isinstance(name, str) and name else ""
        parts.append(f"row {row}{who}: " + ", ".join(found["detail"]))
    more = f"; … and {len(rows) - limit} more rows" if len(rows) > limit else ""
    roles = ""
    if problems["kind"].isin(["unknown_role", "missing_role"]).any():
        roles = (
            " (roles: "
            + ", ".join("网格员 or 网格管理员" if role == GRID_MEMBER else role for role in ROLES)
            + ")"
        )
    plural = "row" if len(rows) == 1 else "rows"
    return (
        f"{source}: {len(rows)} roster {plural} cannot be imported, so nothing was changed: "
        + "; ".join(parts)
        + more
        + "; fix them and import again"
        + roles
    )


# --------------------------------------------------------------------------
# Per grid
# --------------------------------------------------------------------------


def _base_grids(grids: pd.DataFrame) -> pd.DataFrame:
    if grids.empty:
        return pd.DataFrame(columns=["grid_code", "admin_code"])
    base = grids[(grids["level"] == "base") & (grids["kind"] == "territorial")]
    return base[["grid_code", "admin_code"]].sort_values("grid_code").reset_index(drop=True)


def members_per_grid(staff: pd.DataFrame, grids: pd.DataFrame) -> dict[str, float]:
    """Count the 网格员 of each current territorial base grid.

    A member named with a base grid's code counts 1 for it. A member named
    only by village is shared equally by the village's base grids (1/n each
    of n grids), so the shares add up to the head count. Members of a
    township or a department, and members named with a grid that is no longer
    current (the village was re-divided since the roster was imported; a
    warning says how many), count for no base grid.

    Parameters
    ----------
    staff : DataFrame
        As :func:`build_staff` makes it, or the project's ``staff`` layer:
        ``role``, ``place_level``, ``grid_code``, ``village_code``.
    grids : DataFrame
        The current grids: ``grid_code``, ``kind``, ``level``, ``admin_code``.

    Returns
    -------
    dict
        Grid code -> members (a float), for the base grids with any member, in
        grid code order. Pass it to :func:`gridgis.sector.capacity_match`.

    Examples
    --------
    >>> import pandas as pd
    >>> grids = pd.DataFrame({"grid_code": ["A", "B", "C", "D"], "kind": "territorial",
    ...                       "level": "base", "admin_code": ["V1", "V1", "V1", "V2"]})
    >>> staff = pd.DataFrame({"role": ["网格员", "网格员", "网格员", "网格长"],
    ...                       "place_level": ["village", "village", "grid", "grid"],
    ...                       "grid_code": [None, None, "C", "D"],
    ...                       "village_code": ["V1", "V1", "V1", "V2"]})
    >>> {code: round(n, 2) for code, n in members_per_grid(staff, grids).items()}
    {'A': 0.67, 'B': 0.67, 'C': 1.67}
    """
    base = _base_grids(grids)
    if base.empty or staff.empty:
        return {}
    members = staff[staff["role"] == GRID_MEMBER]
    own = members.loc[members["place_level"] == "grid", "grid_code"].value_counts()
    stale = own[~own.index.isin(base["grid_code"])]
    if len(stale):
        logger.warning(
            "%d 网格员 are named with grid codes that are no longer current (%s); they count "
            "for no grid: re-import the roster with the new codes",
            int(stale.sum()),
            ", ".join(stale.index[:5]),
        )
    per_village = members.loc[members["place_level"] == "village", "village_code"].value_counts()
    grids_in_village = base.groupby("admin_code")["grid_code"].size()
    undivided = per_village[~per_village.index.isin(grids_in_village.index)]
    if len(undivided):
        logger.warning(
            "%d 网格员 serve villages without base grids (%s); they count for no grid",
            int(undivided.sum()),
            ", ".join(undivided.index[:5]),
        )
    share = (per_village / grids_in_village).dropna()
    counts = base["grid_code"].map(own).fillna(0.0).to_numpy(dtype="float64") + base[
        "admin_code"
    ].map(share).fillna(0.0).to_numpy(dtype="float64")
    return {
        code: float(count)
        for code, count in zip(base["grid_code"], counts, strict=True)
        if count > 0
    }


def responsibilities(staff: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    """List the people in each role for every base and sector grid.

    For 网格员 a base grid lists its own members and its village's (the
    members :func:`members_per_grid` counts for it). For the other roles it
    lists the people of the most specific place that names someone in that
    role: the grid, else its village, else its township, else the county. So
    a village's 网格安全监管责任人 stands for all its grids, and a township's
    挂点领导 for all the township's grids. A sector grid lists its
    department's people, else the county's.

    Parameters
    ----------
    staff : DataFrame
        As :func:`build_staff` makes it, or the project's ``staff`` layer.
    grids : DataFrame
        The current grids: ``grid_code``, ``kind``, ``level``, ``admin_code``,
        and ``department`` for sector grids.

    Returns
    -------
    DataFrame
        ``grid_code``, ``kind`` and one column per role of :data:`ROLES`: the
        names joined by 、 (in name order), or None. Sorted by grid code.

    Examples
    --------
    >>> import pandas as pd
    >>> grids = pd.DataFrame({"grid_code": ["A", "B"], "kind": "territorial",
    ...                       "level": "base", "admin_code": ["640122100201"] * 2})
    >>> staff = pd.DataFrame({
    ...     "name": ["甲", "乙", "丙", "丁"], "role": ["网格员", "网格员", "网格长", "挂点领导"],
    ...     "place_level": ["grid", "village", "village", "township"],
    ...     "grid_code": ["A", None, None, None],
    ...     "village_code": ["640122100201", "640122100201", "640122100201", None],
    ...     "township_code": ["640122100"] * 4, "department_number": [None] * 4})
    >>> table = responsibilities(staff, grids)
    >>> table[["grid_code", "网格员", "网格长", "挂点领导"]].values.tolist()
    [['A', '乙、甲', '丙', '丁'], ['B', '乙', '丙', '丁']]
    """
    columns = ["grid_code", "kind", *ROLES]
    if grids.empty:
        return pd.DataFrame(columns=columns)
    chosen = grids[
        ((grids["level"] == "base") & (grids["kind"] == "territorial"))
        | (grids["kind"] == "sector")
    ].sort_values("grid_code")
    is_sector = (chosen["kind"] == "sector").to_numpy()
    village = chosen["admin_code"].where(~is_sector).astype(object)
    keys = {
        "grid": "grid:" + chosen["grid_code"].astype(str),
        "village": "village:" + village.astype(str),
        "township": "township:" + village.astype(str).str[:9],
        "department": "department:" + _grid_departments(chosen).astype("Int64").astype(str),
        "county": pd.Series("county", index=chosen.index),
    }
    for level in ("village", "township"):
        keys[level] = keys[level].where(~is_sector)
    keys["department"] = keys["department"].where(is_sector)
    people = staff.assign(_key=_place_keys(staff)) if len(staff) else None
    result = chosen[["grid_code", "kind"]].reset_index(drop=True)
    for role in ROLES:
        if people is None:
            result[role] = None
            continue
        names = (
            people[people["role"] == role]
            .sort_values(["name", "_key"], kind="stable")
            .groupby("_key")["name"]
            .agg("、".join)
        )

        def at(level: str, names: pd.Series = names) -> pd.Series:
            return keys[level].map(names).reset_index(drop=True)

        if role == GRID_MEMBER:
            own, shared = at("grid"), at("village")
            both = own.notna() & shared.notna()
            listed = own.fillna(shared)
            listed[both] = _join_names(shared[both], own[both])
            listed = listed.where(~pd.Series(is_sector), at("department"))
        else:
            listed = at("grid")
            for level in ("village", "township", "department", "county"):
                listed = listed.fillna(at(level))
        result[role] = listed.astype(object).where(listed.notna(), None)
    return result[columns]


def _grid_departments(grids: pd.DataFrame) -> pd.Series:
    """Return the department number of each grid (sector grids; missing for the others)."""
    if "department" in grids.columns:
        return pd.to_numeric(grids["department"], errors="coerce")
    return pd.Series(np.nan, index=grids.index)


def _join_names(first: pd.Series, second: pd.Series) -> pd.Series:
    return pd.Series(
        [
            "、".join(sorted({*a.split("、"), *b.split("、")}))
            for a, b in zip(first, second, strict=True)
        ],
        index=first.index,
        dtype=object,
    )


#: The places :func:`people_of_grids` looks at, most specific first.
_SERVING_LEVELS: tuple[str, ...] = ("grid", "village", "township", "department", "county")


def people_of_grids(staff: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    """List every person serving each base and sector grid, one row per grid and person.

    The same people :func:`responsibilities` names, with each person's own
    row, for documents that print titles, duties and phones (notices, cards,
    the statistics table): a base grid's 网格员 are its own and its
    village's; every other role comes from the most specific place that names
    someone in it (the grid, its village, its township, else the county); a
    sector grid's people are its department's, else the county's.

    Parameters
    ----------
    staff : DataFrame
        As :func:`build_staff` makes it, or the project's ``staff`` layer.
    grids : DataFrame
        The current grids: ``grid_code``, ``kind``, ``level``, ``admin_code``,
        and ``department`` for sector grids.

    Returns
    -------
    DataFrame
        ``grid_code``, ``serves_from`` (the level of the place that names
        the person: grid, village, township, department or county) and the
        person's columns of :data:`STAFF_COLUMNS`; sorted by grid code, role
        (in the order of :data:`ROLES`) and name.

    Examples
    --------
    >>> import pandas as pd
    >>> grids = pd.DataFrame({"grid_code": ["A", "B"], "kind": "territorial",
    ...                       "level": "base", "admin_code": ["640122100201"] * 2})
    >>> staff = pd.DataFrame({
    ...     "staff_id": ["s1", "s2", "s3"], "name": ["甲", "乙", "丙"],
    ...     "role": ["网格员", "网格员", "网格长"], "phone": ["1", "2", "3"],
    ...     "place_level": ["grid", "village", "village"], "grid_code": ["A", None, None],
    ...     "village_code": ["640122100201"] * 3, "township_code": ["640122100"] * 3,
    ...     "department_number": [None] * 3})
    >>> people_of_grids(staff, grids)[["grid_code", "role", "name"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['A', '网格长', '丙'], ['A', '网格员', '乙'], ['A', '网格员', '甲'],
     ['B', '网格长', '丙'], ['B', '网格员', '乙']]
    """
    person_columns = [c for c in STAFF_COLUMNS if c != "grid_code"]
    columns = ["grid_code", "serves_from", *person_columns]
    if grids.empty or staff.empty:
        return pd.DataFrame(columns=columns)
    chosen = grids[
        ((grids["level"] == "base") & (grids["kind"] == "territorial"))
        | (grids["kind"] == "sector")
    ]
    is_sector = (chosen["kind"] == "sector").to_numpy()
    village = chosen["admin_code"].where(~is_sector).astype(object)
    department = _grid_departments(chosen).astype("Int64").astype(str)
    keys = pd.concat(
        [
            pd.DataFrame({"grid_code": chosen["grid_code"], "serves_from": level, "_key": key})
            for level, key in (
                ("grid", "grid:" + chosen["grid_code"].astype(str)),
                ("village", ("village:" + village.astype(str)).where(~is_sector)),
                ("township", ("township:" + village.astype(str).str[:9]).where(~is_sector)),
                ("department", ("department:" + department).where(is_sector)),
                ("county", pd.Series("county", index=chosen.index)),
            )
        ],
        ignore_index=True,
    ).dropna(subset=["_key"])
    people = staff.assign(_key=_place_keys(staff))
    people = people[[c for c in person_columns if c in people.columns] + ["_key"]]
    joined = keys.merge(people, on="_key", how="inner").drop(columns="_key")
    rank = joined["serves_from"].map({level: n for n, level in enumerate(_SERVING_LEVELS)})
    member = joined["role"] == GRID_MEMBER
    sector_grid = joined["grid_code"].isin(chosen.loc[is_sector, "grid_code"])
    # 网格员 of a base grid: its own and its village's, both; of a sector grid:
    # its department's. Every other role: the most specific place only.
    members = joined[
        member
        & (
            (~sector_grid & joined["serves_from"].isin(["grid", "village"]))
            | (sector_grid & (joined["serves_from"] == "department"))
        )
    ]
    others = joined[~member]
    nearest = rank[~member].groupby([others["grid_code"], others["role"]]).transform("min")
    others = others[rank[~member] == nearest]
    listed = pd.concat([members, others], ignore_index=True)
    listed["_order"] = listed["role"].map({role: n for n, role in enumerate(ROLES)})
    listed = listed.sort_values(["grid_code", "_order", "name"], kind="stable")
    for column in columns:
        if column not in listed.columns:
            listed[column] = None
    return listed[columns].reset_index(drop=True)
