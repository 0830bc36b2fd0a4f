"""Pictures of the key pages, as a person sees them in Italian, on a demo nobody has touched yet (the
journeys add accounts and contributions to theirs): with ENGAGE_SCREENSHOTS=1 they go to
docs/screenshots/ (shown in the README), otherwise to a temporary folder, so the suite never writes
to the repository. Each page is also checked to be whole: its heading shown, nothing to scroll
sideways.

    ENGAGE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/interface/test_screenshots.py
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engage.demo.content import CONSULTATIONS
from tests.interface.browser import Words, sign_in
from tests.interface.conftest import Site, fresh_demo

pytestmark = [pytest.mark.browser, pytest.mark.no_db]

WORDS = Words("it-IT")
CYCLING, CULTURE = CONSULTATIONS[0], CONSULTATIONS[3]


@pytest.fixture(scope="module")
def untouched_site(tmp_path_factory) -> Site:
    with fresh_demo(tmp_path_factory, "screenshots-demo") as site:
        yield site


def whole(page, width: int) -> None:
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_screenshots_of_the_key_pages(untouched_site, open_browser, screenshot):
    """The home page (desktop and phone), a consultation's proposals, a proposal with its discussion,
    a results page and, signed in as the moderator, the moderation queue."""
    site, shots = untouched_site, []
    page = open_browser("it-IT", width=1280, height=900)
    page.goto(site.base + "/")
    whole(page, 1280)
    shots.append(screenshot(page, "home"))

    page.get_by_role("link", name=CYCLING["title_it"]).first.click()
    page.get_by_role("link", name=WORDS("See the proposals")).click()
    whole(page, 1280)
    shots.append(screenshot(page, "consultation-proposals"))

    page.get_by_role("link", name="Collegare Crema e Pandino lungo la ex statale", exact=True).click()
    whole(page, 1280)
    # From the proposal's title down: its text, the official answer, the supports and the comments.
    page.evaluate("window.scrollTo(0, document.querySelector('#proposal-title').getBoundingClientRect().top"
                  " + window.scrollY - 16)")
    shots.append(screenshot(page, "proposal-with-comments"))

    page.goto(site.base + "/consultazioni/")
    page.get_by_role("link", name=CULTURE["title_it"], exact=True).click()
    page.get_by_role("link", name=WORDS("Results and downloads")).click()
    whole(page, 1280)
    shots.append(screenshot(page, "results"))

    phone = open_browser("it-IT", width=375, height=812)
    phone.goto(site.base + "/")
    whole(phone, 375)
    shots.append(screenshot(phone, "home-phone"))

    moderator = open_browser("it-IT", width=1280, height=900)
    sign_in(moderator, site.base, "moderatrice@example.org", WORDS)
    moderator.get_by_role("navigation", name=WORDS("Main menu")).get_by_role("link", name=WORDS("Moderation")).click()
    whole(moderator, 1280)
    shots.append(screenshot(moderator, "moderation-queue"))

    for path in shots:
        assert path.stat().st_size < 300_000, f"{path.name} is too big for the README"
