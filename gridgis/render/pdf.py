"""PDF from print-ready HTML, printed by a Chromium-family browser without a window.

**Why Chromium prints the PDFs.** A notice or a card sheet is written once, as
HTML laid out for A4 with print CSS; the PDF is that same page printed, so
the two never differ. Three routes were tried:

- *Chromium* (``--headless --print-to-pdf``): real typesetting of Chinese
  (line breaking, full-width punctuation), tables that repeat their header
  row on every page and never split a row, and a PDF with the fonts embedded
  whose text layer reads back as written (a grid code is found by search).
  Windows 10 and 11 come with Microsoft Edge, a Chromium browser; Debian
  packages ``chromium``.
- *fpdf2* (tried: 2.8 with Debian's Noto Sans CJK ``.ttc``) embeds the
  font, but its text layer reads back one character at a time (pypdf gives
  ``6 4 0 1 2 2 …`` for a grid code, so searching a PDF for a code fails),
  and every table, line break and page break would be laid out again in
  Python: a second layout to keep equal to the HTML's.
- *matplotlib's PDF backend* draws figures; paragraphs and tables would be
  placed text by text.

So the PDF needs one of those browsers. :func:`find_browser` looks for
``GRIDGIS_CHROMIUM`` (a path), then ``chromium``, ``chromium-browser``,
``google-chrome``, ``microsoft-edge`` and ``msedge`` on the ``PATH``, then
where Chrome and Edge install on Windows. Without one, the command fails
with a message that says so, after the HTML files are written: they print to
PDF from any browser's print dialogue.

The browser runs with a private, temporary profile (so a browser the user has
open is not disturbed), with background networking off; the pages hold their
images inline and load nothing. As root (containers, CI) Chromium refuses to
start without ``--no-sandbox``, so that flag is added for root only.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gridgis.errors import RenderError

logger = logging.getLogger(__name__)

__all__ = ["BROWSER_NAMES", "find_browser", "print_pdf", "print_pdfs"]

#: Browser commands looked for on the PATH, in order.
BROWSER_NAMES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "msedge",
)
_WINDOWS_PATHS = (
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)
#: Seconds one page may take to print.
TIMEOUT = 120.0


def find_browser() -> str:
    """Return the path of a Chromium-family browser that can print PDF.

    Raises
    ------
    RenderError
        If none is found; the message says how to get one.
    """
    named = os.environ.get("GRIDGIS_CHROMIUM")
    if named:
        if Path(named).is_file() and os.access(named, os.X_OK):
            return named
        raise RenderError(f"GRIDGIS_CHROMIUM={named} is not a program that can be run")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in _WINDOWS_PATHS:
        if Path(path).is_file():
            return path
    raise RenderError(
        "printing PDF needs Chromium, Google Chrome or Microsoft Edge, and none was found: "
        "install Debian's chromium (apt-get install chromium), or set GRIDGIS_CHROMIUM to "
        "the browser's path. The HTML files were written; they print to PDF from any "
        "browser's print dialogue (A4, no headers and footers)"
    )


def print_pdf(html: Path, pdf: Path, *, browser: str | None = None) -> None:
    """Print an HTML file to PDF with the page size its CSS asks for.

    Parameters
    ----------
    html : Path
        A self-contained page (``@page { size: A4 }``).
    pdf : Path
        Where to write; the caller chose it (and swaps it in).
    browser : str, optional
        Default: :func:`find_browser`.

    Raises
    ------
    RenderError
        If the browser fails or writes no PDF.
    """
    program = browser or find_browser()
    with tempfile.TemporaryDirectory(prefix="gridgis-browser-") as profile:
        command = [
            program,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf}",
            Path(html).resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"{Path(program).name} took more than {TIMEOUT:.0f} s to print {html.name}"
            ) from None
        except OSError as error:
            raise RenderError(f"cannot run {program}: {error.strerror}") from None
    if not pdf.exists() or pdf.read_bytes()[:5] != b"%PDF-":
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RenderError(
            f"{Path(program).name} printed no PDF for {html.name} (exit {done.returncode}: "
            f"{detail[0]})"
        )


def print_pdfs(jobs: Sequence[tuple[Path, Path]], *, browser: str | None = None) -> None:
    """Print several HTML files to PDF, two at a time.

    Each print starts its own browser (about a second); two run at once, one
    per core of a typical office PC.
    """
    program = browser or find_browser()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(print_pdf, html, pdf, browser=program) for html, pdf in jobs]:
            done.result()
