"""A real browser on a demo of its own: Debian's Chromium driven by Playwright (from PyPI; never
`playwright install`, which downloads a browser), and the app served by Werkzeug in a thread
from a SQLite file with the demo loaded, so nothing touches the suite's database."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _axe() -> str:
    """axe-core, the copy bundled in axe-playwright-python (works offline)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


AXE = _axe()
WCAG_21_AA = "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}"


def needs_chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium found (/usr/bin/chromium): .ci/run installs Debian's chromium package")


def demo_server(tmp_path: Path):
    """(base URL, stop()) of the app on a fresh demo database in tmp_path."""
    import flask_migrate
    from werkzeug.serving import make_server

    from engage import create_app
    from engage.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                      "SECRET_KEY": "browser-tests-only", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                      "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_SERVER": ""})
    with app.app_context():
        flask_migrate.upgrade()
    runner = app.test_cli_runner()
    for command in (["data", "load"], ["demo", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        with app.app_context():
            db.engine.dispose()

    return f"http://127.0.0.1:{server.server_port}", stop


PASSWORD = "partecipa-cremona"  # every demo account's (engage/demo/seed.py)
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


class Words:
    """What the interface says in one language, from the app's own compiled catalog: tests look
    for `words("Sign in")` and so find "Accedi" in Italian and "Sign in" in English."""

    def __init__(self, locale: str):
        from babel.support import Translations

        self.lang = locale[:2]
        self.catalog = Translations.load(str(TRANSLATIONS), [self.lang])

    def other(self, message: str) -> str:
        """The same words in the other language (what the page says before switching to ours)."""
        return Words("en" if self.lang == "it" else "it")(message)

    def __call__(self, message: str, **values) -> str:
        text = self.catalog.gettext(message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, num: int, **values) -> str:
        """A count with its words in agreement ("1 sostegno", "2 sostegni"), as ngettext gives them."""
        return self.catalog.ngettext(singular, plural, num) % {"num": num, **values}


def sign_in(page, base: str, email: str, words: Words, password: str = PASSWORD) -> None:
    """Through the sign-in page, by the fields' labels, as a person does."""
    page.goto(base + "/accedi")
    main = page.get_by_role("main")
    main.get_by_label(words("E-mail address")).fill(email)
    main.get_by_label(words("Password"), exact=True).fill(password)
    main.get_by_role("button", name=words("Sign in")).click()
    page.wait_for_load_state()
    assert "/accedi" not in page.url, f"could not sign in as {email}"
    choose_language(page, words)


def choose_language(page, words: Words) -> None:
    """Signing in brings back the account's own language; the header's switcher changes it."""
    if page.locator("html").get_attribute("lang") != words.lang:
        page.get_by_role("form", name=words.other("Language")).get_by_role(
            "button", name={"it": "Italiano", "en": "English"}[words.lang]).click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == words.lang


def newest_mail(outbox: Path, to: str):
    """The newest mail the app wrote to the outbox folder for `to` (one .eml file per mail)."""
    import email
    import email.policy

    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
             for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)]
    mine = [mail for mail in mails if mail["To"] == to]
    assert mine, f"no mail to {to} in {outbox}"
    return mine[-1]


def link_in(mail) -> str:
    """The first link in a mail, as a path on the site (mail links use the public address)."""
    import re
    from urllib.parse import urlsplit

    body = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+", body)
    assert found, "no link in the mail"
    parts = urlsplit(found.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || '').trim().slice(0, 80),
          href: el.getAttribute('href'), outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
          outlineColor: s.outlineColor, boxShadow: s.boxShadow};
}"""


def focused(page) -> dict | None:
    """The element that has the keyboard focus, with how its focus is drawn."""
    return page.evaluate(FOCUS_STYLE)


def _opaque(colour: str) -> bool:
    """rgb(...) or rgba(..., alpha) with alpha of at least 0.5."""
    import re

    alpha = re.match(r"rgba\([^,]+,[^,]+,[^,]+,\s*([\d.]+)\)", colour)
    return float(alpha.group(1)) >= 0.5 if alpha else colour.startswith("rgb(")


def focus_is_visible(state: dict | None) -> bool:
    """An outline at least 2px wide in a colour you can see, or a box shadow (Bootstrap's focus
    ring) that is not transparent and has some size. Read with transitions off (reduced motion):
    halfway through Bootstrap's animation the ring is still transparent."""
    import re

    if not state:
        return False
    width = float(state["outlineWidth"].removesuffix("px") or 0)
    if state["outlineStyle"] != "none" and width >= 2 and _opaque(state["outlineColor"]):
        return True
    shadow = state["boxShadow"]
    colour = re.match(r"rgba?\([^)]*\)", shadow)
    sizes = [float(n) for n in re.findall(r"(-?[\d.]+)px", shadow)]
    return shadow != "none" and bool(colour) and _opaque(colour.group(0)) and any(n > 0 for n in sizes)


def register_and_confirm(page, base: str, outbox: Path, words: Words, *, name: str, email: str,
                         password: str, comune: str = "Cremona") -> None:
    """A new citizen, through the registration page and the link in the confirmation mail, then
    signed in."""
    from playwright.sync_api import expect

    page.goto(base + "/")
    page.get_by_role("link", name=words("Register"), exact=True).click()
    main = page.get_by_role("main")
    main.get_by_label(words("Public name")).fill(name)
    main.get_by_label(words("E-mail address")).fill(email)
    main.get_by_label(words("Password"), exact=True).fill(password)
    main.get_by_label(words("Repeat the password")).fill(password)
    main.get_by_label(words("Municipality of residence")).select_option(label=comune)
    main.get_by_label(words("I have read and accept the privacy notice.")).check()
    main.get_by_role("button", name=words("Create account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Check your inbox"))
    # The confirmation mail, from the outbox folder the site writes mails to without SMTP.
    page.goto(base + link_in(newest_mail(outbox, email)))
    expect(page.locator("main .alert")).to_have_text(words("Thank you: your e-mail address is confirmed."))
    sign_in(page, base, email, words, password=password)
    expect(page.get_by_role("link", name=name)).to_be_visible()  # their name in the header
