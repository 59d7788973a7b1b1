"""Match township, village and address text to the county's villages.

This is the address fallback of the assignment: a ledger row without usable
coordinates is matched to a village by its 所属乡/镇/街道 and 所属村/社区
names and its address (:class:`AddressMatcher`, :func:`match_addresses`).
The roster import (:mod:`gridgis.staff`) matches people's villages the same
way. What the matched village means for the row (one grid, or "needs
coordinates") is :mod:`gridgis.assign.territorial`'s business.

Choices a maintainer must know:

- **Names are compared in one canonical spelling.** Text is folded with
  :func:`gridgis.text.fold`: NFKC (full-width letters and digits become
  ASCII), whitespace and separators (middle dots, punctuation, quotes,
  dashes, slashes, ``|``) removed, case kept. Bracketed notes go too, but
  only (), [], 【】 and 〔〕: names keep <…> and 《…》, which ``fold``'s
  ``brackets=True`` would also drop. Committee forms become the unit's own
  name: 红星村民委员会, 红星村委会 → 红星村; 新华社区居委会, 新华居委会 →
  新华社区; 街道办事处 → 街道, 镇人民政府 → 镇.
- **A match must name exactly one village.** Township and village together,
  then the village name alone when it is unique in the county, then a search
  of the address text for a village name (the longest found, narrowed to the
  townships the text or the row names). An ambiguous name matches nothing;
  a wrong guess would put an enterprise in the wrong grid unnoticed.
- **Ledgers repeat the same few thousand name pairs**, so each distinct
  (township, village) pair is looked up once and the answers spread back;
  the address search, a Python loop, runs only for distinct texts of rows
  the names left unmatched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from gridgis.errors import InputDataError
from gridgis.text import fold

__all__ = [
    "MATCH_METHODS",
    "AddressMatcher",
    "canonical_township_name",
    "canonical_village_name",
    "match_addresses",
]

#: How :func:`match_addresses` matched a row to a village.
MATCH_METHODS: tuple[str, ...] = ("names", "village_name", "address_text")

# Official long forms and their everyday short forms, replaced longest first.
# 村民委员会/村委会 are the villagers' committee of a 村; 居民委员会/居委会 the
# residents' committee of a 社区 (often written without 社区: 新华居委会).
_VILLAGE_FORMS: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("社区居委", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("村委", "村"),
    ("行政村", "村"),
)
_TOWNSHIP_FORMS: tuple[tuple[str, str], ...] = (
    ("街道办事处", "街道"),
    ("街道办", "街道"),
    ("街办", "街道"),
    ("镇人民政府", "镇"),
    ("乡人民政府", "乡"),
    ("镇政府", "镇"),
    ("乡政府", "乡"),
)
_VILLAGE_TYPES = ("社区", "村", "居")
_TOWNSHIP_TYPES = ("街道", "镇", "乡")
# Bracketed notes dropped from names and address text (after NFKC, so （） and
# ［］ count too). Narrower than gridgis.text.BRACKETED, which also drops <…>
# and 《…》: names have always kept those, and dropping them would change which
# village some rows match.
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
# Separators dropped from names and address text, besides whitespace.
_SEPARATORS = "·・,.;:\"'`_-—/\\|"


def _fold(text: object) -> str:
    """NFKC (full-width → ASCII), no whitespace or separators, case kept; '' for missing."""
    return fold(text, drop=_SEPARATORS, casefold=False)


def _replace_suffix(name: str, forms: tuple[tuple[str, str], ...]) -> str:
    for long_form, short_form in forms:
        if name.endswith(long_form):
            return name[: -len(long_form)] + short_form
    return name


def canonical_village_name(name: object) -> str:
    """Return a village or community name in one canonical spelling.

    Full-width characters become ASCII, whitespace, separators and bracketed
    notes are dropped, and committee forms become the unit's own name:
    红星村民委员会, 红星村委会 → 红星村; 新华社区居委会, 新华居委会 → 新华社区.
    Missing values give ``""``.

    Examples
    --------
    >>> canonical_village_name(" 红星村民委员会 ")
    '红星村'
    >>> canonical_village_name("新华居委会")
    '新华社区'
    """
    folded = _BRACKETED.sub("", _fold(name))
    folded = _replace_suffix(folded, _VILLAGE_FORMS)
    # "红星村村委会" → "红星村村" after the replacement above.
    return folded[:-1] if folded.endswith("村村") else folded


def canonical_township_name(name: object) -> str:
    """Return a township or street name in one canonical spelling.

    As :func:`canonical_village_name`, with 街道办事处 → 街道 and
    镇人民政府 → 镇.

    Examples
    --------
    >>> canonical_township_name("金山镇人民政府")
    '金山镇'
    """
    folded = _BRACKETED.sub("", _fold(name))
    return _replace_suffix(folded, _TOWNSHIP_FORMS)


def _core(name: str, types: tuple[str, ...]) -> str:
    """Strip the unit type: 红星村 → 红星, 新华社区 → 新华, 金山镇 → 金山."""
    for suffix in types:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _unique_map(keys: Iterable[str], codes: Iterable[str]) -> dict[str, str]:
    """Map each key to its code, keeping only keys that name exactly one code."""
    seen: dict[str, set[str]] = {}
    for key, code in zip(keys, codes, strict=True):
        if key:
            seen.setdefault(key, set()).add(code)
    return {key: next(iter(found)) for key, found in seen.items() if len(found) == 1}


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype(object)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


class AddressMatcher:
    """Match township, village and address text to the county's villages.

    Build it once from the admin units; :meth:`match` then works on any
    number of chunks.

    Parameters
    ----------
    admin_units : DataFrame
        ``code``, ``name``, ``level`` (``township`` / ``village``) and
        ``parent_code``, as :func:`gridgis.admin.build_admin_units` makes them.
        One county.
    """

    def __init__(self, admin_units: pd.DataFrame) -> None:
        missing = {"code", "name", "level"} - set(admin_units.columns)
        if missing:
            raise InputDataError(f"admin units lack the columns {', '.join(sorted(missing))}")
        units = admin_units.sort_values("code", kind="stable")
        townships = units[units["level"] == "township"]
        villages = units[units["level"] == "village"]
        self.village_names: dict[str, str] = dict(
            zip(villages["code"], villages["name"], strict=True)
        )
        self.township_names: dict[str, str] = dict(
            zip(townships["code"], townships["name"], strict=True)
        )
        town_canon = [canonical_township_name(n) for n in townships["name"]]
        self._township_by_name = _unique_map(town_canon, townships["code"])
        self._township_by_core = _unique_map(
            [_core(n, _TOWNSHIP_TYPES) for n in town_canon], townships["code"]
        )
        village_codes = list(villages["code"])
        parents = [code[:9] for code in village_codes]
        canon = [canonical_village_name(n) for n in villages["name"]]
        core = [_core(n, _VILLAGE_TYPES) for n in canon]
        self._village_in_township = _unique_map(
            [f"{p}|{n}" for p, n in zip(parents, canon, strict=True)], village_codes
        )
        self._village_core_in_township = _unique_map(
            [f"{p}|{n}" for p, n in zip(parents, core, strict=True)], village_codes
        )
        self._village_by_name = _unique_map(canon, village_codes)
        self._village_by_core = _unique_map(core, village_codes)
        # Address search: every canonical village name, with all its codes
        # (a name may repeat across townships), and township names.
        self._codes_by_village_name: dict[str, list[str]] = {}
        for name, code in zip(canon, village_codes, strict=True):
            if name:
                self._codes_by_village_name.setdefault(name, []).append(code)
        self._codes_by_township_name: dict[str, list[str]] = {}
        for name, code in zip(town_canon, townships["code"], strict=True):
            if name:
                self._codes_by_township_name.setdefault(name, []).append(code)

    # Compiling an alternation of thousands of names takes a few tenths of a
    # second, so it waits until a row first needs its address searched.
    @functools.cached_property
    def _village_pattern(self) -> re.Pattern[str] | None:
        return _overlapping_pattern(self._codes_by_village_name)

    @functools.cached_property
    def _township_pattern(self) -> re.Pattern[str] | None:
        return _overlapping_pattern(self._codes_by_township_name)

    def township_code(self, name: object) -> str | None:
        """Return the township code a name stands for, or None."""
        canon = canonical_township_name(name)
        if not canon:
            return None
        return self._township_by_name.get(canon) or self._township_by_core.get(
            _core(canon, _TOWNSHIP_TYPES)
        )

    def _by_names(self, township: object, village: object) -> tuple[str | None, str | None]:
        """Match one (township, village) pair by dictionary lookups."""
        canon = canonical_village_name(village)
        if not canon:
            return None, None
        core = _core(canon, _VILLAGE_TYPES)
        township_code = self.township_code(township)
        if township_code is not None:
            code = self._village_in_township.get(
                f"{township_code}|{canon}"
            ) or self._village_core_in_township.get(f"{township_code}|{core}")
            if code is not None:
                return code, "names"
        code = self._village_by_name.get(canon) or self._village_by_core.get(core)
        if code is not None:
            return code, "village_name"
        return None, None

    def _by_text(self, township: object, village: object, address: object) -> str | None:
        """Find a village name in free text; the longest match, only if unique."""
        text = _canonical_text(f"{_fold(township)}{_fold(village)}{_fold(address)}")
        if not text or self._village_pattern is None:
            return None
        found = set(self._village_pattern.findall(text))
        if not found:
            return None
        towns = {self.township_code(township)} - {None}
        if self._township_pattern is not None:
            for name in self._township_pattern.findall(text):
                towns.update(self._codes_by_township_name[name])
        longest = max(len(name) for name in found)
        codes = {
            code
            for name in found
            if len(name) == longest
            for code in self._codes_by_village_name[name]
        }
        in_towns = {code for code in codes if code[:9] in towns}
        codes = in_towns or codes
        return next(iter(codes)) if len(codes) == 1 else None

    def match(
        self, rows: pd.DataFrame, *, use_address: bool | npt.ArrayLike = True
    ) -> pd.DataFrame:
        """Match rows to villages; see :func:`match_addresses`.

        Parameters
        ----------
        rows : DataFrame
            ``township``, ``village`` and ``address`` columns (any missing
            column counts as empty).
        use_address : bool or array-like of bool
            Search the address text, for all rows or per row, when the names
            do not match.

        Returns
        -------
        DataFrame
            ``village_code`` and ``how``, indexed like ``rows``.
        """
        codes, hows, _ = self.match_arrays(rows, use_address=use_address)
        return pd.DataFrame(
            {
                "village_code": pd.Series(codes, index=rows.index, dtype=object),
                "how": pd.Series(hows, index=rows.index, dtype=object),
            },
        )

    def match_arrays(
        self, rows: pd.DataFrame, *, use_address: bool | npt.ArrayLike = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return :meth:`match`'s columns as arrays, for callers that work on arrays.

        Parameters
        ----------
        rows : DataFrame
            As for :meth:`match`.
        use_address : bool or array-like of bool
            As for :meth:`match`.

        Returns
        -------
        tuple of numpy.ndarray
            The village codes and how they were matched (object arrays of str
            or None), and a boolean mask of the rows matched.
        """
        count = len(rows)
        result_code = np.full(count, None, dtype=object)
        result_how = np.full(count, None, dtype=object)
        if count == 0:
            return result_code, result_how, np.zeros(0, dtype=bool)
        # Ledgers repeat the same few thousand (township, village) pairs: look
        # each distinct pair up once and spread the answers back. Factorizing
        # each column and combining the integer codes is several times faster
        # than grouping on two string columns of a million rows.
        township_id, townships = _factorize(rows, "township")
        village_id, villages = _factorize(rows, "village")
        pair, pair_index = np.unique(
            township_id * (len(villages) + 1) + village_id, return_inverse=True
        )
        looked_up = [
            self._by_names(townships[p // (len(villages) + 1)], villages[p % (len(villages) + 1)])
            for p in pair
        ]
        result_code = np.array([c for c, _ in looked_up], dtype=object)[pair_index]
        result_how = np.array([h for _, h in looked_up], dtype=object)[pair_index]
        matched = np.array([c is not None for c, _ in looked_up], dtype=bool)[pair_index]
        search = np.broadcast_to(np.asarray(use_address, dtype=bool), (count,))
        todo = np.flatnonzero(~matched & search)
        if len(todo):
            # Address text needs a substring search per text, so this is a
            # Python loop, but only over the distinct texts of rows the names
            # left unmatched (rows without coordinates, in practice).
            address = _text_column(rows, "address").iloc[todo]
            address = address.where(address.notna(), None).to_numpy()
            keys = [
                (townships[township_id[i]], villages[village_id[i]], address[k])
                for k, i in enumerate(todo)
            ]
            found = {key: self._by_text(*key) for key in set(keys)}
            text_codes = np.array([found[key] for key in keys], dtype=object)
            hit = np.array([code is not None for code in text_codes], dtype=bool)
            result_code[todo[hit]] = text_codes[hit]
            result_how[todo[hit]] = "address_text"
            matched[todo[hit]] = True
        return result_code, result_how, matched


def _factorize(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[object]]:
    """Integer id per row (0 for missing) and the distinct values (index 0: None)."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int64), [None]
    ids, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    return ids.astype(np.int64) + 1, [None, *uniques.tolist()]


def _canonical_text(text: str) -> str:
    """Rewrite committee forms inside free text: 红星村委会3组 → 红星村3组."""
    text = _BRACKETED.sub("", text)
    for long_form, short_form in (*_VILLAGE_FORMS, *_TOWNSHIP_FORMS):
        text = text.replace(long_form, short_form)
    return text


def _overlapping_pattern(names: dict[str, list[str]]) -> re.Pattern[str] | None:
    """Compile a pattern that finds every occurrence of any name, overlaps included."""
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    # A lookahead matches at every position without consuming text, so a short
    # name inside a longer one is found too and the longest can be chosen.
    return re.compile(f"(?=({alternatives}))")


def match_addresses(
    rows: pd.DataFrame, admin_units: pd.DataFrame, *, use_address: bool = True
) -> pd.DataFrame:
    """Match each row's township, village and address to one village of the county.

    Tried in order, the first that gives exactly one village wins:

    1. ``names``: township and village names together (the township by its
       full or short name, 金山镇 or 金山; the village by its full name or its
       committee's, 红星村 / 红星村委会 / 红星村民委员会, 新华社区 /
       新华社区居委会 / 新华居委会, or without its type, 红星);
    2. ``village_name``: the village name alone, when it is unique in the
       county;
    3. ``address_text``: village names found in the township, village and
       address text; the longest found name, only if it names one village
       (narrowed to townships named in the text or the row, when that helps).

    Names are compared after NFKC (full-width letters and digits become
    ASCII), with whitespace, separators and bracketed notes removed.

    Parameters
    ----------
    rows : DataFrame
        ``township``, ``village``, ``address`` (strings; missing columns or
        values count as empty).
    admin_units : DataFrame
        ``code``, ``name``, ``level`` of the county's townships and villages.
    use_address : bool
        Whether to try step 3.

    Returns
    -------
    DataFrame
        ``village_code`` (12 digits, or missing) and ``how`` (one of
        :data:`MATCH_METHODS`, or missing), indexed like ``rows``.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({
    ...     "code": ["640122104", "640122104208"], "name": ["金山镇", "光明村"],
    ...     "level": ["township", "village"]})
    >>> rows = pd.DataFrame({"township": ["金山"], "village": ["光明村委会"],
    ...                      "address": [None]})
    >>> match_addresses(rows, units).iloc[0].tolist()
    ['640122104208', 'names']
    """
    return AddressMatcher(admin_units).match(rows, use_address=use_address)
