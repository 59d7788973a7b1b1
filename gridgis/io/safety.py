"""Outputs that are safe by construction: never over a project, never half-written, no formulas.

Every file gridgis writes goes through this module:

- :func:`check_output_path` refuses, even with ``overwrite``, a file that is a
  gridgis project (by its tables, so any spelling, symlink or hard link of
  it), a project's lock file or session folder, and any path named in
  ``protected`` (the project a command reads). ``overwrite`` replaces an
  earlier export, never the store the export came from.
- :func:`atomic_path` writes to a temporary file beside the target and swaps
  it in with :func:`os.replace` only when complete (rasterio's rule).
- **Text stays text in spreadsheets.** Exports are opened in Excel and WPS,
  and their text comes from ledgers that come from outside the office: a
  company name such as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` must not
  become a live formula. In CSV, which has no types, a text cell that starts
  with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``
  (:func:`neutralise_formulas`), as the OWASP "CSV Injection" page
  recommends; Excel then shows it as text. Numeric columns are never altered,
  so ``-5`` in an integer column stays the number -5, while the text ``-5`` or
  ``+86 138…`` in a text column gets the quote. WKT geometry starts with a
  letter and is never touched. XLSX text is written as typed text cells
  (:mod:`gridgis.render.workbook`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from gridgis.errors import InputDataError
from gridgis.io.lock import SIDECAR_NAME

#: The signals that interrupt a command (Ctrl-C, ``kill``, a closed terminal).
_INTERRUPTING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold back Ctrl-C, ``SIGTERM`` and ``SIGHUP`` until the block has run.

    Clean-up that must finish (removing a session folder of enterprise data)
    runs in a ``finally``; an interrupt arriving there would raise inside it
    and leave the rest undone. Here a signal is only noted while the block
    runs, and then handed to the handler that was in place, so it interrupts
    as usual right after the block. Signal handlers belong to the main thread,
    so elsewhere the block just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[tuple[int, Any]] = []
    previous = {
        number: signal.signal(number, lambda signum, frame: received.append((signum, frame)))
        for number in _INTERRUPTING_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            signum, frame = received[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


#: A text cell starting with one of these is read by Excel and WPS as a formula
#: (OWASP, "CSV Injection"); in CSV it gets a leading ``'``.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_SQLITE_HEADER = b"SQLite format 3\x00"


def check_output_path(
    path: Path,
    *,
    overwrite: bool,
    suffixes: set[str] | None = None,
    protected: Iterable[Path | str] = (),
) -> None:
    """Refuse an output path that would lose data or cannot be written.

    Refused, even with ``overwrite``: a file that is a gridgis project, a
    project's lock file or working copy, and any path in ``protected``. Also
    refused: a folder, an unknown suffix, an existing file without
    ``overwrite``, and a folder that is missing or not writable.

    Parameters
    ----------
    path : Path
        The output file.
    overwrite : bool
        Whether an existing file (that is not a project) may be replaced.
    suffixes : set of str, optional
        Allowed suffixes, lower case (default: any).
    protected : iterable of Path or str, optional
        Paths that must not be written, such as the project being read. They
        are compared with :func:`os.path.samefile` when both exist (which sees
        symlinks and hard links), otherwise by resolved path, so a project
        that does not exist yet is protected too.

    Raises
    ------
    InputDataError
        With a message that names the path and what to do.

    Examples
    --------
    >>> check_output_path(Path("grids.csv"), overwrite=True, protected=[Path("P.gpkg")])
    """
    path = Path(path)
    _refuse_project(path, protected)
    if path.is_dir():
        raise InputDataError(f"{path} is a folder; give the name of a file to write")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise InputDataError(f"cannot write {path.name}: use one of {', '.join(sorted(suffixes))}")
    if path.exists() and not overwrite:
        raise InputDataError(f"{path} already exists; pass --overwrite to replace it")
    folder = path.parent
    if not folder.exists():
        raise InputDataError(f"folder {folder} does not exist")
    if not folder.is_dir():
        raise InputDataError(f"{folder} is not a folder, so {path.name} cannot be written in it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputDataError(
            f"cannot write in folder {folder}: permission denied; choose another folder"
        )


def _refuse_project(path: Path, protected: Iterable[Path | str]) -> None:
    """Refuse ``path`` if writing it could replace or lose a project."""
    refusal = "an export never replaces a project. Choose another output file"
    resolved = _resolved(path)
    for name in {path.name, Path(resolved).name}:
        sidecar = SIDECAR_NAME.match(name)
        if sidecar:
            raise InputDataError(
                f"{path} is a working file of the gridgis project {sidecar['project']}; {refusal}"
            )
    for guarded in map(Path, protected):
        if path.exists() and guarded.exists():
            same = os.path.samefile(path, guarded)
        else:
            same = resolved == _resolved(guarded)
        if same:
            raise InputDataError(f"{path} is the project {guarded.name}; {refusal}")
    if path.is_file() and _is_project(path):
        raise InputDataError(f"{path} is a gridgis project; {refusal}")


def _resolved(path: Path) -> str:
    # resolve() follows symlinks, a dangling one at the end included, so a
    # link to a project that does not exist yet still compares equal.
    return os.path.normcase(str(Path(path).resolve()))


def _is_project(path: Path) -> bool:
    """Say whether ``path`` is a gridgis project (holds ``versions`` and ``project_meta``).

    Only reads: the header first, so that any other file is never handed to
    SQLite, then the table names through a read-only connection.

    Raises
    ------
    InputDataError
        If the file cannot be read, or is an SQLite file whose tables cannot
        be listed: replacing data we could not look at is the costly mistake.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise InputDataError(
            f"cannot read {path} to make sure it is not a gridgis project ({error.strerror}); "
            "choose another output file"
        ) from error
    if header != _SQLITE_HEADER:
        return False
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name IN ('versions', 'project_meta')"
                )
            }
    except sqlite3.Error as error:
        raise InputDataError(
            f"cannot read {path} to make sure it is not a gridgis project ({error}); "
            "choose another output file"
        ) from error
    return tables == {"versions", "project_meta"}


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` that replaces it if the block succeeds."""
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with a ``'`` before text that a spreadsheet would run as a formula.

    A text cell (in an object, string or categorical column, and the column
    names) that starts with one of :data:`FORMULA_PREFIXES` gets a leading
    ``'``, as OWASP recommends for CSV. Numeric, boolean and date columns are
    never altered, negative numbers included. ``table`` itself is not changed.

    Parameters
    ----------
    table : DataFrame
        The rows about to be written to CSV.

    Returns
    -------
    DataFrame
        ``table`` itself when nothing needed a quote, otherwise a copy.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"name": ["=1+1", "ok"], "n": [-1, 2]}))
        name  n
    0  '=1+1 -1
    1     ok  2
    """
    # One vectorised pass per text column (exports run to millions of rows);
    # only the few risky cells are rebuilt.
    neutralised = table
    for position, dtype in enumerate(table.dtypes):
        if isinstance(dtype, pd.CategoricalDtype):
            values = table.iloc[:, position].astype(object)
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            values = table.iloc[:, position]
        else:
            continue
        quoted = _quoted(values)
        if quoted is None:
            continue
        if neutralised is table:
            neutralised = table.copy(deep=False)
        neutralised.isetitem(position, quoted)
    labels = _quoted(pd.Series(table.columns, dtype=object))
    if labels is not None:
        if neutralised is table:
            neutralised = table.copy(deep=False)
        neutralised.columns = pd.Index(labels.to_numpy())
    return neutralised


def _quoted(values: pd.Series) -> pd.Series | None:
    """Return ``values`` with risky text quoted, or None when none is risky."""
    try:
        risky = values.str.startswith(FORMULA_PREFIXES, na=False)
    except AttributeError:
        # pandas refuses .str on an object column holding no text at all
        # (all numbers, dates or missing), which then has nothing to quote.
        return None
    risky = risky.to_numpy(dtype=bool)
    if not risky.any():
        return None
    quoted = values.to_numpy(dtype=object, copy=True)
    quoted[risky] = ("'" + values[risky].astype(object)).to_numpy(dtype=object)
    return pd.Series(quoted, index=values.index, name=values.name, dtype=object)
