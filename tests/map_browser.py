"""Open a generated map in Debian's Chromium, driven by playwright, with the network cut off.

Used by the map tests. Chromium is the system's (``/usr/bin/chromium``, which
``scripts/install-system-deps.sh`` installs), started with a fresh profile
and the flags that keep it from calling home; playwright's own browser
download is never used. Every request that is not for the page's own file is
aborted and recorded, as are console errors and warnings, page errors,
failed requests and dialogs (an ``alert`` would be one).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Record:
    """What the page did besides drawing."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests for anything but a local file."""
        return [url for url in self.requests if not url.startswith("file:")]


@contextlib.contextmanager
def browser(profile: Path) -> Iterator[Any]:
    """Start headless Chromium with a fresh profile; yield its playwright context."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run scripts/install-system-deps.sh"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@contextlib.contextmanager
def open_map(context: Any, page_file: Path) -> Iterator[tuple[Any, Record]]:
    """Open a map page with every request but its own file aborted; wait until it is drawn."""
    record = Record()

    def route(route: Any) -> None:
        url = route.request.url
        record.requests.append(url)
        if url == page_file.resolve().as_uri():
            route.continue_()
        else:
            route.abort()

    page = context.new_page()
    page.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            record.console.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: record.console.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: record.failed.append(request.url))

    def dialog(opened: Any) -> None:
        record.dialogs.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    try:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_selector("html[data-gridgis-ready]", state="attached", timeout=60_000)
        yield page, record
    finally:
        page.close()


def popup_text(page: Any) -> str:
    """The text of the open popup (waits for one to open)."""
    page.wait_for_selector(".leaflet-popup-content .gg-popup", timeout=10_000)
    return str(page.inner_text(".leaflet-popup-content"))


def search(page: Any, text: str) -> str:
    """Type into the search box, press Enter, and return the popup that opens."""
    if page.query_selector(".leaflet-popup"):
        page.click(".leaflet-popup-close-button")
    page.fill(".gg-search input", text)
    page.press(".gg-search input", "Enter")
    return popup_text(page)
