"""Fixtures of the browser journeys: one demo site for the whole run (building it takes a while),
a Chromium per test module, a fresh browser context (cookies, language) per test, and where the
screenshots go.

Every journey makes its own people and its own contributions, with names unique to the test, so the
journeys share the site without depending on each other's order."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.interface.browser import CHROMIUM, CHROMIUM_ARGS, demo_server, needs_chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
WAIT_MS = 15_000  # no single click, page or download may take longer than this


@dataclass(frozen=True)
class Site:
    base: str
    outbox: Path  # where the app writes the mails it sends (MAIL_OUTBOX_DIR)


@contextmanager
def fresh_demo(tmp_path_factory, name: str) -> Iterator[Site]:
    """The demo served on a database of its own: pages checked or photographed here show the demo
    as a new user finds it, untouched by the journeys."""
    needs_chromium()
    folder = tmp_path_factory.mktemp(name)
    base, stop = demo_server(folder)
    try:
        yield Site(base, folder / "outbox")
    finally:
        stop()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Site:
    with fresh_demo(tmp_path_factory, "journeys-demo") as site:
        yield site


@pytest.fixture(scope="module")
def chromium():
    needs_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_browser(chromium):
    """`open_browser(locale, width=1280, height=900)`: a new page in a context of its own, like a
    person arriving with that browser language; closed after the test. Reduced motion, as some
    people ask for: no transitions, so what a test reads (a focus ring) is what stays on screen."""
    contexts = []

    def opening(locale: str = "it-IT", width: int = 1280, height: int = 900):
        context = chromium.new_context(locale=locale, viewport={"width": width, "height": height},
                                       accept_downloads=True, reduced_motion="reduce")
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context.new_page()

    yield opening
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(tmp_path):
    """`screenshot(page, name)`: a PNG of what the person sees (the viewport, not the whole page).
    Into docs/screenshots/ with ENGAGE_SCREENSHOTS=1, else into the test's temporary folder."""
    folder = SCREENSHOTS if os.environ.get("ENGAGE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shooting(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
        return path

    return shooting
