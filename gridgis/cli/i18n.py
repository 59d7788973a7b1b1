"""The command line in Chinese or English: which language, and the translated text.

County GIS staff read Chinese. The language is chosen from the environment the
way Python's :func:`gettext.find` reads it, without needing the locale to be
installed (on most servers it is not):

1. ``GRIDGIS_LANG`` (``zh`` or ``en``), if set and not empty;
2. else the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is
   set and not empty; it may list several languages (``LANGUAGE=zh_CN:en``), and
   the first one gridgis has is taken (English for ``C`` and ``POSIX``);
3. Chinese for ``zh…`` (``zh_CN.UTF-8``, ``zh``), English otherwise.

The Chinese words live in one table, :mod:`gridgis.cli.zh`, keyed by the English
text, so no command needs an ``if`` for the language:

- :func:`localise` sets every command's help, short help and option help to the
  table's translation (or back to the English it keeps aside), once per run;
- :class:`LocalisedContext` gives a help formatter that writes click's own words
  (用法, 选项, 命令, 默认, 必填) and wraps Chinese by its width on screen;
- :func:`translate_message` turns the lines commands print (through
  :func:`gridgis.cli.helpers.say`), gridgis errors and click's usage errors
  (through :func:`localise_error`) into Chinese, by the table's message patterns.

In English every function here gives click's and gridgis's output unchanged.
"""

from __future__ import annotations

import inspect
import io
import logging
import os
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import IO, TYPE_CHECKING, Any

import click

from gridgis.render.text import display_width

if TYPE_CHECKING:
    from gridgis.cli.zh import Message

CHINESE = "zh"
ENGLISH = "en"

#: The environment variables gettext reads, in its order.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language(environ: Mapping[str, str] | None = None) -> str:
    """Return ``"zh"`` or ``"en"``: the language of the command line.

    Parameters
    ----------
    environ
        The environment to read (default: :data:`os.environ`).

    Returns
    -------
    str
        ``"zh"`` when ``GRIDGIS_LANG``, or else the locale variables, ask for
        Chinese; ``"en"`` otherwise.

    Examples
    --------
    >>> language({"LANG": "zh_CN.UTF-8"}), language({"LANG": "C"})
    ('zh', 'en')
    >>> language({"GRIDGIS_LANG": "en", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    environ = os.environ if environ is None else environ
    names = ("GRIDGIS_LANG", *LOCALE_VARIABLES)
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return _first_known(value.split(":"))
    return ENGLISH


def _first_known(languages: Sequence[str]) -> str:
    """Return the first of ``languages`` gridgis speaks, as gettext walks ``LANGUAGE``."""
    for entry in languages:
        name = entry.strip().split(".")[0].split("@")[0].lower()
        if name in ("c", "posix") or name.startswith("en"):
            return ENGLISH
        if name.startswith("zh"):
            return CHINESE
    return ENGLISH


def chinese() -> bool:
    """Say whether the command line speaks Chinese now."""
    return language() == CHINESE


@cache
def _table() -> tuple[dict[str, str], dict[str, str], list[Message]]:
    # Imported on first use: English runs never load the table.
    from gridgis.cli.zh import HELP, LINES, PATTERNS

    return HELP, LINES, PATTERNS


def key(text: str) -> str:
    """Return the table key of a help text: its words with single spaces between them."""
    return " ".join(text.split())


# -- help texts ------------------------------------------------------------------------

_NO_REWRAP = "\b"
#: An example line that describes, ``TERM  description``: the description is translated.
_TERM = re.compile(r"(\s*\S.*?\s{2,})(\S.*)")


def translate_help(text: str) -> str:
    """Return a command's help text in Chinese, paragraph by paragraph.

    A paragraph the table lacks stays English. In a ``\\b`` paragraph (kept as
    written), command lines stay as they are and each other line is translated,
    unless the table holds the whole paragraph.
    """
    text = inspect.cleandoc(text).partition("\f")[0]
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(_translate_paragraph(paragraph) for paragraph in paragraphs)


def _translate_paragraph(paragraph: str) -> str:
    help_table = _table()[0]
    lines = paragraph.split("\n")
    if lines[0].strip() != _NO_REWRAP:
        return help_table.get(key(paragraph), paragraph)
    whole = help_table.get(key("\n".join(lines[1:])))
    if whole is not None:
        return f"{_NO_REWRAP}\n{whole}"
    translated = [_translate_example_line(line) for line in _example_lines(lines[1:])]
    return "\n".join([_NO_REWRAP, *translated])


def _example_lines(lines: list[str]) -> Iterator[tuple[str, bool]]:
    """Pair each line of a ``\\b`` paragraph with whether it is (part of) a command."""
    continued = False
    for line in lines:
        command = continued or line.strip().startswith("gridgis ")
        continued = line.rstrip().endswith("\\")
        yield line, command


def _translate_example_line(pair: tuple[str, bool]) -> str:
    line, command = pair
    if command or not line.strip():
        return line
    help_table = _table()[0]
    whole = help_table.get(key(line))
    if whole is not None:
        return line[: len(line) - len(line.lstrip())] + whole
    term = _TERM.fullmatch(line)
    if term and key(term.group(2)) in help_table:
        return term.group(1) + help_table[key(term.group(2))]
    return line


def _english_texts(command: click.Command) -> dict[str, str | None]:
    """Return the English help, short help and epilog of a command (kept aside once localised)."""
    kept = _english.get(command)
    if kept is not None:
        return kept
    return {"help": command.help, "short_help": command.short_help, "epilog": command.epilog}


def _english_help(option: click.Option) -> str | None:
    kept = _english.get(option)
    return option.help if kept is None else kept["help"]


def _short_text(english: dict[str, str | None]) -> str | None:
    """Return the English short help a command shows in its group's list (before click cuts it)."""
    if english["short_help"]:
        return english["short_help"]
    if english["help"]:
        first = re.split(r"\n\s*\n", inspect.cleandoc(english["help"]), maxsplit=1)[0]
        return None if first.strip() == _NO_REWRAP else first
    return None


def missing_translations(command: click.Command) -> list[str]:
    """List the English help texts of ``command`` and its subcommands the table lacks.

    What a translator works from: each item is the key (words with single
    spaces) to add to the help table of :mod:`gridgis.cli.zh`.
    """
    help_table = _table()[0]
    missing: dict[str, None] = {}
    for each in walk(command):
        english = _english_texts(each)
        options = [p for p in each.params if isinstance(p, click.Option)]
        for text in [_short_text(english), *(_english_help(option) for option in options)]:
            if text and key(text) not in help_table:
                missing[key(text)] = None
        for text in (english["help"], english["epilog"]):
            for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(text or "")):
                missing.update(dict.fromkeys(_untranslated(paragraph)))
    return list(missing)


def _untranslated(paragraph: str) -> Iterator[str]:
    help_table = _table()[0]
    lines = paragraph.split("\n")
    if not paragraph.strip():
        return
    if lines[0].strip() != _NO_REWRAP:
        if key(paragraph) not in help_table:
            yield key(paragraph)
        return
    if key("\n".join(lines[1:])) in help_table:
        return
    for line, command in _example_lines(lines[1:]):
        if command or not line.strip() or key(line) in help_table:
            continue
        term = _TERM.fullmatch(line)
        wanted = key(term.group(2) if term else line)
        if wanted not in help_table:
            yield wanted


def walk(command: click.Command) -> Iterator[click.Command]:
    """Yield ``command`` and every command under it, groups before their commands."""
    yield command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name])


#: The English texts of each command and option, kept aside by :func:`localise`.
_english: weakref.WeakKeyDictionary[object, dict[str, str | None]] = weakref.WeakKeyDictionary()


def localise(command: click.Command, wanted: str | None = None) -> None:
    """Give ``command``'s whole tree its help texts in the language wanted (default: the user's).

    The English texts are kept aside the first time, so a run in Chinese
    followed by one in English (in one process, as tests do) shows the
    English help exactly as it was. Every command also gets
    :class:`LocalisedContext`, whose help formatter speaks the language.
    """
    zh = (language() if wanted is None else wanted) == CHINESE
    help_table = _table()[0] if zh else {}
    for each in walk(command):
        each.context_class = LocalisedContext
        english = _english.setdefault(each, _english_texts(each))
        short = _short_text(english)
        each.help = translate_help(english["help"]) if zh and english["help"] else english["help"]
        each.epilog = english["epilog"]
        if zh and english["epilog"]:
            each.epilog = translate_help(english["epilog"])
        each.short_help = help_table.get(key(short or ""), english["short_help"])
        for option in each.params:
            if isinstance(option, click.Option):
                kept = _english.setdefault(option, {"help": option.help})["help"]
                option.help = help_table.get(key(kept), kept) if kept else kept


# -- messages ---------------------------------------------------------------------------


def translate_message(message: str) -> str:
    """Return a message for the terminal in the user's language.

    In Chinese each line is looked up in the table's lines, then matched
    against its patterns (``wrote {path}`` → ``已写入 {path}``); a line no
    pattern matches, such as a row of a table, stays as it is. Indentation is kept.
    """
    if not chinese():
        return message
    return "\n".join(_translate_line(line) for line in message.split("\n"))


def _translate_line(line: str) -> str:
    text = line.strip()
    if not text:
        return line
    start = line.index(text[0])
    return line[:start] + _translate_text(text) + line[start + len(text) :]


def _translate_text(text: str) -> str:
    _, lines, messages = _table()
    exact = lines.get(text)
    if exact is not None:
        return exact
    for message in messages:
        match = message.pattern.fullmatch(text)
        if match:
            return _fill_in(message, match, text)
    return text


def _fill_in(message: Message, match: re.Match[str], text: str) -> str:
    values = match.groupdict()
    for name in message.translated:
        values[name] = _translate_text(values[name])
    for name in message.listed:
        values[name] = "、".join(_translate_text(item) for item in values[name].split(", "))
    if message.gap is None:
        return message.template.format_map(values)
    # Spaces that line the next column up, as they did in English.
    column = display_width(text[: match.end(message.gap)])
    before, _, after = message.template.partition("{" + message.gap + "}")
    before = before.format_map(values)
    return before + " " * max(1, column - display_width(before)) + after.format_map(values)


class MessageFormatter(logging.Formatter):
    """A logging formatter that writes the library's notes in the user's language."""

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then translate it (tracebacks are left as they are)."""
        return translate_message(super().format(record))


# -- click's own words, and errors --------------------------------------------------------

_HEADINGS = {
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Positional arguments": "位置参数",
}
_USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))
_EXTRA = (
    ("[default: ", "[默认："),
    ("; default: ", "；默认："),
    ("[required]", "[必填]"),
    ("; required]", "；必填]"),
)

#: Characters a line may not start with, or end with (Chinese line-breaking rules).
_NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:!?)]…")
_NO_LINE_END = frozenset("（《「『“‘([")
_PIECES = re.compile(
    # spaces | click's "[默认：0]" kept whole | a run of narrow characters | one wide character
    r"(\s+)|\[[^\[\]\n]*\]$|[^\s\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+|."
)


class ChineseHelpFormatter(click.HelpFormatter):
    """Click's help formatter in Chinese: click's words, and lines wrapped by screen width.

    Click wraps by characters, and a Chinese character takes two columns, so
    its lines of Chinese would run twice as wide as the terminal.
    """

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Write the usage line: ``用法：gridgis divide [选项] PROJECT.gpkg``."""
        for english, chinese_words in _USAGE_WORDS:
            args = args.replace(english, chinese_words)
        first = f"{' ' * self.current_indent}{'用法：' if prefix is None else prefix}{prog} "
        indent = " " * display_width(first)
        self.write(_fill(args, self.width, first, indent) if args else first.rstrip())
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        """Write a section heading (选项, 命令) with a full-width colon."""
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        """Write a help text, keeping paragraphs and ``\\b`` blocks as click does."""
        indent = " " * self.current_indent
        self.write(wrap(text, self.width, indent, indent, preserve_paragraphs=True))
        self.write("\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        """Write options or commands with their help, as click lays them out."""
        rows = [(first, _option_help(second)) for first, second in rows]
        widest = max((display_width(first) for first, _ in rows), default=0)
        first_col = min(widest, col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap(second, text_width, preserve_paragraphs=True).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


def _option_help(text: str) -> str:
    """Translate click's own option help (-h) and its ``[default: …]``, ``[required]``."""
    text = _table()[0].get(key(text), text)
    for english, chinese_words in _EXTRA:
        text = text.replace(english, chinese_words)
    return text


class LocalisedContext(click.Context):
    """A click context whose help comes out in the user's language."""

    def make_formatter(self) -> click.HelpFormatter:
        """Return the Chinese formatter in Chinese, click's own otherwise."""
        if chinese():
            return ChineseHelpFormatter(width=self.terminal_width, max_width=self.max_content_width)
        return super().make_formatter()


def wrap(
    text: str,
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    preserve_paragraphs: bool = False,
) -> str:
    """Wrap text as :func:`click.wrap_text` does, measuring width on screen.

    Lines break at spaces and between Chinese characters, never before a
    closing mark (，。）) nor after an opening one (（“). Paragraphs and
    ``\\b`` blocks are kept as click keeps them.
    """
    if not preserve_paragraphs:
        return _fill(text, width, initial_indent, subsequent_indent)
    paragraphs: list[tuple[int, bool, list[str]]] = []
    for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = block.split("\n")
        indent = display_width(lines[0]) - display_width(lines[0].lstrip())
        raw = lines[0].strip() == _NO_REWRAP
        paragraphs.append((indent, raw, lines[1:] if raw else [line.strip() for line in lines]))
    out = []
    for indent, raw, lines in paragraphs:
        first, rest = initial_indent + " " * indent, subsequent_indent + " " * indent
        if raw:
            out.append("\n".join((rest if i else first) + line for i, line in enumerate(lines)))
        else:
            out.append(_fill(_join(lines), width, first, rest))
    return "\n\n".join(out)


def _join(lines: list[str]) -> str:
    """Join wrapped lines: with a space, but not between Chinese characters."""
    text = ""
    for line in lines:
        if text and line and display_width(text[-1]) == 1 and display_width(line[0]) == 1:
            text += " "
        text += line
    return text


def _pieces(text: str) -> list[tuple[bool, str]]:
    """Split text into pieces a line may break between: (space before it, piece)."""
    pieces: list[tuple[bool, str]] = []
    space = False
    for match in _PIECES.finditer(text):
        if match.group(1):
            space = True
            continue
        piece = match.group(0)
        glued = (
            pieces
            and not space
            and (piece[0] in _NO_LINE_START or pieces[-1][1][-1] in _NO_LINE_END)
        )
        if glued:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + piece)
        else:
            pieces.append((space, piece))
        space = False
    return pieces


def _fill(text: str, width: int, initial_indent: str, subsequent_indent: str) -> str:
    pieces = _pieces(text)
    if not pieces:
        return ""
    lines: list[str] = []
    line, used, empty = initial_indent, display_width(initial_indent), True
    for space, piece in pieces:
        gap = " " if space and not empty else ""
        size = display_width(piece)
        if not empty and used + len(gap) + size > width:
            lines.append(line)
            line, used = subsequent_indent + piece, display_width(subsequent_indent) + size
        else:
            line, used = line + gap + piece, used + len(gap) + size
        empty = False
    lines.append(line)
    return "\n".join(lines)


class ChineseUsageError(click.UsageError):
    """A click usage error (exit 2) shown in Chinese: usage line, hint and message."""

    def __init__(self, original: click.UsageError) -> None:
        super().__init__(original.message, original.ctx)
        self.original = original

    def format_message(self) -> str:
        """Return the message in Chinese."""
        return translate_message(self.original.format_message())

    def show(self, file: IO[Any] | None = None) -> None:
        """Write what click writes, in Chinese."""
        _show_translated(self.original, file)


class ChineseClickError(click.ClickException):
    """Any other click error (exit 1), shown in Chinese."""

    def __init__(self, original: click.ClickException) -> None:
        super().__init__(original.message)
        self.original = original

    def format_message(self) -> str:
        """Return the message in Chinese."""
        return translate_message(self.original.format_message())

    def show(self, file: IO[Any] | None = None) -> None:
        """Write what click writes, in Chinese."""
        _show_translated(self.original, file)


def _show_translated(original: click.ClickException, file: IO[Any] | None) -> None:
    shown = io.StringIO()
    original.show(shown)
    click.echo(translate_message(shown.getvalue().rstrip("\n")), file=file, err=file is None)


def localise_error(error: click.ClickException) -> click.ClickException:
    """Return ``error`` to show in the user's language (``error`` itself in English).

    The Chinese error keeps the exit code; a group's help shown for want of a
    command (click's ``NoArgsIsHelpError``) is left to click.
    """
    no_args_help = getattr(click.exceptions, "NoArgsIsHelpError", ())
    if not chinese() or isinstance(error, (ChineseUsageError, ChineseClickError, no_args_help)):
        return error
    if isinstance(error, click.UsageError) and error.exit_code == ChineseUsageError.exit_code:
        return ChineseUsageError(error)
    if error.exit_code == ChineseClickError.exit_code:
        return ChineseClickError(error)
    return error
