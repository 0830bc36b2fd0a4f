"""axe-core (the copy bundled in axe-playwright-python) checks, in a real browser, every page a
visitor reaches by links from the home page, in Italian and in English, anonymous and signed in:
WCAG 2.1 A and AA rules, zero violations."""
import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.interface.browser import AXE, WCAG_21_AA, Words, sign_in
from tests.interface.conftest import fresh_demo
from tests.interface.crawl import walk

pytestmark = [pytest.mark.browser, pytest.mark.no_db]

VISITORS = [  # (who, e-mail or None, browser locale, pages at most)
    ("anonymous", None, "it-IT", 120), ("anonymous", None, "en-GB", 120),
    ("citizen", "cittadina@example.org", "it-IT", 60), ("officer", "referente@example.org", "it-IT", 60),
    ("moderator", "moderatrice@example.org", "it-IT", 40),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with fresh_demo(tmp_path_factory, "browser-demo") as demo:
        yield demo.base


@pytest.mark.parametrize("who, email, locale, limit", VISITORS, ids=[f"{v[0]}-{v[2]}" for v in VISITORS])
def test_every_reachable_page_has_no_wcag_21_aa_violation(site, chromium, who, email, locale, limit):
    context = chromium.new_context(locale=locale)
    page = context.new_page()
    if email:
        sign_in(page, site, email, Words(locale))
    violations = []

    def fetch(path):
        try:
            response = page.goto(site + path)
        except PlaywrightError as error:
            if "Download is starting" in str(error):  # a file (the personal data download), not a page
                return 0, "", ""
            raise
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            return (response.status if response else 0), "", ""
        page.evaluate(AXE)
        for violation in page.evaluate(f"axe.run(document, {WCAG_21_AA})")["violations"]:
            for node in violation["nodes"]:
                violations.append(f"{path}: {violation['id']} at {node['target']}: {node['failureSummary'][-160:]}")
        return 200, "text/html", page.content()

    visited = walk(None, visitor=who, language=locale[:2], limit=limit, fetch=fetch)
    context.close()
    assert len(visited) >= min(limit, 30), "the walk must reach the site, not stop at the door"
    assert not violations, f"{len(violations)} violations:\n" + "\n".join(violations[:25])
