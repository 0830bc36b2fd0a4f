"""How the site holds up for people who do not use a mouse, use a phone, or read in English: a
keyboard-only walk to a support, every page usable from 320 px wide without sideways scrolling, and
the page's language (<html lang>) following the language chosen with the header's switcher."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from engage.demo.content import CONSULTATIONS
from tests.interface.browser import Words, focus_is_visible, focused, register_and_confirm

pytestmark = [pytest.mark.browser, pytest.mark.no_db]

LOCALES = ["it-IT", "en-GB"]
CYCLING = CONSULTATIONS[0]  # voting is open
PROPOSAL = "Portabici sicuri nelle stazioni"
MOST_TABS = 120  # the longest page here has fewer stops before what the walk looks for


def press_until(page, wanted, key: str = "Tab", what: str = "") -> dict:
    """Press `key` until `wanted(focused element)` holds. Every element the focus passes through
    must show where the focus is: a person tabbing along has to see it at each stop."""
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        state = focused(page)
        assert focus_is_visible(state), f"no visible focus indicator on {state} (looking for {what})"
        if wanted(state):
            return state
    raise AssertionError(f"{what} not reached with {MOST_TABS} presses of {key}")


def activate(page, key: str = "Enter") -> None:
    """Enter on a link (or Space on a button), waiting for the next page to load."""
    with page.expect_navigation():
        page.keyboard.press(key)


def text_is(text: str):
    return lambda state: state["text"] == text


def starts_with(text: str):
    return lambda state: state["text"].startswith(text)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_keyboard_user_goes_from_the_home_page_to_supporting_a_proposal(demo_site, open_browser, locale):
    """Paolo uses only the keyboard (Tab, Shift+Tab, Enter, Space). Once registered and signed in
    (the usual way, not the point here), from the home page on: his first Tab reaches the skip
    link, which appears and takes him to the content; from there he reaches the consultations,
    opens the cycle paths one, finds a proposal and supports it, and he sees where the focus is at
    every step."""
    words, page = Words(locale), open_browser(locale)
    register_and_confirm(page, demo_site.base, demo_site.outbox, words, name=f"Paolo {uuid.uuid4().hex[:6]}",
                         email=f"paolo.{uuid.uuid4().hex[:8]}@example.org", password="solo-tastiera-2026")
    page.goto(demo_site.base + "/")  # from here on, the keyboard only

    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == words("Skip to content") and skip["href"] == "#main"
    assert focus_is_visible(skip)
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    press_until(page, lambda s: (s["href"] or "").endswith("/consultazioni/"), key="Shift+Tab",
                what="the Consultations link in the header")
    activate(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Consultations"))
    press_until(page, text_is(CYCLING[f"title_{words.lang}"]), what="the cycle paths consultation")
    activate(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(CYCLING[f"title_{words.lang}"])
    press_until(page, text_is(words("See the proposals")), what="the link to the proposals")
    activate(page)
    press_until(page, text_is(PROPOSAL), what="the proposal")
    activate(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(PROPOSAL)
    count = int(re.match(r"\d+", page.locator("#supports-title").inner_text()).group(0))
    press_until(page, starts_with(words("Support")), what="the Support button")
    activate(page, "Space")
    expect(page.locator("main .alert")).to_have_text(words("Thank you: you support this proposal."))
    expect(page.locator("#supports-title")).to_have_text(words.plural("%(num)s support", "%(num)s supports", count + 1))


@pytest.mark.parametrize("locale", LOCALES)
def test_from_320_pixels_wide_no_page_scrolls_sideways(demo_site, open_browser, locale):
    """On a small phone (320 CSS pixels, as WCAG 1.4.10 Reflow asks), the home page, a consultation,
    a proposal with its comments and the registration form fit the width: nothing to scroll sideways."""
    words, page = Words(locale), open_browser(locale, width=320, height=700)

    def fits(what: str) -> None:
        page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{what} ({page.url}) is {width}px wide at a 320px viewport"

    page.goto(demo_site.base + "/")
    fits("the home page")
    page.get_by_role("navigation", name=words("Main menu")).get_by_role("link", name=words("Consultations")).click()
    fits("the consultations")
    page.get_by_role("link", name=CYCLING[f"title_{words.lang}"], exact=True).click()
    fits("a consultation")
    page.get_by_role("link", name=words("See the proposals")).click()
    fits("a consultation's proposals")
    page.get_by_role("link", name="Collegare Crema e Pandino lungo la ex statale", exact=True).click()
    expect(page.locator("li.comment").first).to_be_visible()
    fits("a proposal with comments")
    page.get_by_role("link", name=words("Register"), exact=True).click()
    fits("the registration form")


@pytest.mark.parametrize("locale, lang, other, other_lang", [
    ("it-IT", "it", "English", "en"), ("en-GB", "en", "Italiano", "it")], ids=LOCALES)
def test_the_page_language_follows_the_language_chosen(demo_site, open_browser, locale, lang,
                                                        other, other_lang):
    """A visitor arrives with their browser's language, the page says which language it is in
    (<html lang>, for screen readers and translation tools), and the switcher in the header
    changes both the words and the lang attribute, on the same page, and back again."""
    page = open_browser(locale)
    page.goto(demo_site.base + "/consultazioni/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(Words(lang)("Consultations"))

    switcher = page.get_by_role("form", name=Words(lang)("Language"))
    expect(switcher.get_by_role("button", name=other)).to_have_attribute("lang", other_lang)
    switcher.get_by_role("button", name=other).click()
    expect(html).to_have_attribute("lang", other_lang)
    assert page.url.endswith("/consultazioni/"), "the switcher keeps the visitor on the same page"
    expect(page.get_by_role("heading", level=1)).to_have_text(Words(other_lang)("Consultations"))
    current = page.get_by_role("form", name=Words(other_lang)("Language")).locator("[aria-current=true]")
    expect(current).to_have_attribute("lang", other_lang)

    page.get_by_role("form", name=Words(other_lang)("Language")).get_by_role(
        "button", name={"it": "Italiano", "en": "English"}[lang]).click()
    expect(html).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(Words(lang)("Consultations"))
