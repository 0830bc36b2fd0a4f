"""A form sent with mistakes, in a real browser: the page says so at the top of the form, in a
summary whose every entry is a link to the field to fix; what the person typed is still there; and
each wrong field is marked invalid and tied to its message (aria-invalid, aria-describedby), so a
screen reader reads the message with the field. axe-core checks the page in that state too."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from engage.demo.content import CONSULTATIONS
from tests.interface.browser import AXE, WCAG_21_AA, Words, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.no_db]

LOCALES = ["it-IT", "en-GB"]


def no_wcag_violations(page) -> None:
    """axe-core on the page as it is now, with its errors shown (the crawl sees only clean forms)."""
    page.evaluate(AXE)
    found = page.evaluate(f"axe.run(document, {WCAG_21_AA})")["violations"]
    assert not found, [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]


def check_error_summary(page, expected: dict[str, str]) -> None:
    """`expected`: field id -> its error message. The summary is at the top of the form and links to
    each field; following a link puts the focus in the field; the field carries its error."""
    summary = page.get_by_role("alert").filter(has=page.locator("#form-errors-title"))
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # where a keyboard or screen-reader user starts on the returned page
    form = page.locator("main form[method=post]").filter(has=page.locator(f"#{next(iter(expected))}"))
    summary_box, form_box = summary.bounding_box(), form.bounding_box()
    assert summary_box["y"] <= form_box["y"] + 5, "the summary comes before the form's fields"
    links = summary.get_by_role("link")
    assert sorted(link.get_attribute("href") for link in links.all()) == sorted(f"#{i}" for i in expected)
    for field_id, message in expected.items():
        link = summary.get_by_role("link", name=message)
        expect(link).to_have_attribute("href", f"#{field_id}")
        link.click()
        expect(page.locator(f"#{field_id}")).to_be_focused()
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby").split()
        assert f"{field_id}-error" in described
        expect(page.locator(f"#{field_id}-error")).to_have_text(message)
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))


@pytest.mark.parametrize("locale", LOCALES)
def test_a_registration_with_mistakes_comes_back_with_a_summary_linking_to_each_field(
        demo_site, open_browser, locale):
    """Someone registers too fast: a one-letter name, an address without a domain, a short password
    typed differently twice. The page lists the mistakes at the top, each a link to its field, and
    keeps the name and address typed (never the passwords)."""
    words, page = Words(locale), open_browser(locale)
    page.goto(demo_site.base + "/")
    page.get_by_role("link", name=words("Register"), exact=True).click()
    main = page.get_by_role("main")
    main.get_by_label(words("Public name")).fill("Al")
    main.get_by_label(words("E-mail address")).fill("mario.rossi@")
    main.get_by_label(words("Password"), exact=True).fill("corta")
    main.get_by_label(words("Repeat the password")).fill("diversa")
    main.get_by_role("button", name=words("Create account")).click()

    check_error_summary(page, {
        "display_name": words("The public name must be between 3 and 40 characters long."),
        "email": words("Enter a valid e-mail address, like nome@esempio.it."),
        "password": words("The password must be between %(min)d and %(max)d characters long.", min=10, max=128),
        "password_again": words("The two passwords do not match."),
        "comune": words("Choose your municipality."),
        "privacy": words("You must accept the privacy notice to register."),
    })
    expect(main.get_by_label(words("Public name"))).to_have_value("Al")
    expect(main.get_by_label(words("E-mail address"))).to_have_value("mario.rossi@")
    expect(main.get_by_label(words("Password"), exact=True)).to_have_value("")
    no_wcag_violations(page)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_proposal_without_a_title_comes_back_with_its_description_kept(demo_site, open_browser, locale):
    """Giulia writes a long description but forgets the title: the summary links to the title,
    and her description is all still there."""
    words, page = Words(locale), open_browser(locale)
    sign_in(page, demo_site.base, "cittadina@example.org", words)
    energy = CONSULTATIONS[1]
    page.get_by_role("navigation", name=words("Main menu")).get_by_role("link", name=words("Consultations")).click()
    page.get_by_role("link", name=energy[f"title_{words.lang}"], exact=True).click()
    page.get_by_role("link", name=words("Submit a proposal")).click()
    main = page.get_by_role("main")
    description = "Un tecnico condiviso tra i comuni piccoli per seguire le pratiche delle comunità energetiche."
    main.get_by_label(words("Description")).fill(description)
    main.get_by_role("button", name=words("Continue")).click()

    check_error_summary(page, {"title": words("Give your proposal a title.")})
    expect(main.get_by_label(words("Description"))).to_have_value(description)
    no_wcag_violations(page)
