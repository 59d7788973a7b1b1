"""The Chinese of the command line, keyed by the English: help texts and messages.

The words are plain text in modules a translator edits without touching code:
:mod:`gridgis.cli.zh_help` and :mod:`gridgis.cli.zh_help_documents` (every
``--help`` text), :mod:`gridgis.cli.zh_errors` (gridgis's errors and click's
usage errors) and :mod:`gridgis.cli.zh_messages` (the lines commands print).
All are written the same way, one entry per paragraph, entries separated by a
blank line::

    Create PROJECT.gpkg from administrative boundary files.
        用行政区划界线文件新建工程文件 PROJECT.gpkg。

- the English starts at the margin and may run over several lines (they are
  joined with single spaces, as the help text is looked up);
- the Chinese is indented and may run over several lines too (joined without
  a space between Chinese characters);
- in the help, a translation whose lines start with ``|`` is kept line by line
  as written (for the ``\\b`` blocks click does not rewrap);
- in the messages, ``{name}`` stands for a value and comes back in the
  Chinese: ``{n:int}`` a number, ``{name:word}`` one word, ``{text:msg}`` text
  translated in its turn, ``{items:list}`` a comma list translated item by
  item (joined with 、), ``{gap:gap}`` spaces that keep the next column where it
  was; a message without values is matched as a whole line;
- a line starting with ``#`` at the margin is a comment.

The tables are built when the command line first speaks Chinese; English runs
never import this module.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from gridgis.cli import zh_errors, zh_help, zh_help_documents, zh_messages


class Message(NamedTuple):
    """A message with values in it: its English pattern and its Chinese template."""

    pattern: re.Pattern[str]
    template: str
    #: Values translated in their turn (``{x:msg}``).
    translated: frozenset[str]
    #: Comma lists translated item by item (``{x:list}``).
    listed: frozenset[str]
    #: The value that keeps a column (``{x:gap}``), if any.
    gap: str | None


_VALUE = re.compile(r"\{(\w+)(?::(\w+))?\}")
_KINDS = {
    "": r".+?",
    "int": r"-?\d[\d,]*",
    "num": r"-?[\d.,]+",
    "word": r"\S+",
    "gap": r" +",
    "msg": r".+?",
    "list": r".+?",
}


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _join_chinese(lines: list[str]) -> str:
    """Join a translation's lines: no space between Chinese characters or next to their marks."""
    text = ""
    for line in lines:
        if text and line:
            before, after = text[-1], line[0]
            marks = any(_wide(c) and unicodedata.category(c)[0] == "P" for c in (before, after))
            if not (_wide(before) and _wide(after)) and not marks:
                text += " "
        text += line
    return text


def _entries(text: str) -> list[tuple[str, list[str]]]:
    """Split a table into (English joined with single spaces, lines of the translation)."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = [line for line in block.split("\n") if line.strip() and not line.startswith("#")]
        if not lines:
            continue
        english = [line for line in lines if line[:1] not in (" ", "")]
        chinese = [line.strip() for line in lines[len(english) :]]
        if not english or not chinese or lines[: len(english)] != english:
            raise ValueError(f"a table entry needs English, then indented Chinese: {block!r}")
        entries.append((" ".join(" ".join(english).split()), chinese))
    return entries


def help_table(text: str) -> dict[str, str]:
    """Read a help table: English paragraph (single-spaced) → Chinese."""
    table = {}
    for english, chinese in _entries(text):
        if chinese[0].startswith("|"):
            table[english] = "\n".join(line[1:].rstrip() for line in chinese)
        else:
            table[english] = _join_chinese(chinese)
    return table


def message_table(text: str) -> tuple[dict[str, str], list[Message]]:
    """Read a message table: whole lines, and messages with values in them."""
    lines: dict[str, str] = {}
    messages: list[Message] = []
    for english, chinese in _entries(text):
        template = _join_chinese(chinese)
        if _VALUE.search(english) is None:
            lines[english] = template
        else:
            messages.append(_message(english, template))
    return lines, messages


def _message(english: str, template: str) -> Message:
    pattern, kinds, at = [], {}, 0
    for value in _VALUE.finditer(english):
        name, kind = value.group(1), value.group(2) or ""
        pattern.append(re.escape(english[at : value.start()]))
        pattern.append(f"(?P={name})" if name in kinds else f"(?P<{name}>{_KINDS[kind]})")
        kinds[name] = kind
        at = value.end()
    pattern.append(re.escape(english[at:]))
    unknown = set(_VALUE.findall(template)) - {(name, "") for name in kinds}
    if unknown:
        raise ValueError(f"the Chinese of {english!r} names values it does not have: {unknown}")
    gaps = [name for name, kind in kinds.items() if kind == "gap"]
    return Message(
        pattern=re.compile("".join(pattern)),
        template=template,
        translated=frozenset(name for name, kind in kinds.items() if kind == "msg"),
        listed=frozenset(name for name, kind in kinds.items() if kind == "list"),
        gap=gaps[0] if gaps else None,
    )


#: Help paragraphs (words single-spaced) → Chinese.
HELP = {**help_table(zh_help.TABLE), **help_table(zh_help_documents.TABLE)}
#: Whole lines → Chinese; messages with values, tried in order.
LINES, PATTERNS = message_table(zh_errors.TABLE + "\n\n" + zh_messages.TABLE)
