"""Language choice and bilingual content written by institutions."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The account's language, else the switcher's cookie, else the browser's, else Italian."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work: mails choose their own language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """Flask-Babel's catalog for the current locale, looked up once per locale and context.

    Flask-Babel finds it anew for every string (about 15 µs: the context, the domain, the locale,
    the cache key), and a page with 500 comments asks for some 1,500 strings. The locale object
    stored in Flask-Babel's context is the key: `force_locale` (mails, reports) replaces it and
    puts it back, so a forced language never leaks into the page or the other way round.
    """
    babel_context = g.get("_flask_babel") if g else None
    locale = getattr(babel_context, "babel_locale", None)
    if locale is not None:
        known = getattr(babel_context, "engage_translations", None)
        if known is not None and known[0] is locale:
            return known[1]
    translations = get_translations()
    babel_context = g.get("_flask_babel") if g else None
    if babel_context is not None and getattr(babel_context, "babel_locale", None) is not None:
        babel_context.engage_translations = (babel_context.babel_locale, translations)
    return translations


def install_template_gettext(app) -> None:
    """Templates translate through `_translations()` (after babel.init_app, which installs its own)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@dataclass(frozen=True)
class LocalizedText:
    text: str
    lang: str


class Bilingual:
    """Mixin for models with `<field>_it` and optional `<field>_en` columns.

    Italian is authoritative; English falls back to Italian, and the caller learns which
    language it got so the page can mark it with lang="it".
    """

    def localized(self, field: str, lang: str | None = None) -> LocalizedText:
        lang = lang or current_language()
        if lang != "it":
            text = getattr(self, f"{field}_{lang}", None)
            if text:
                return LocalizedText(text, lang)
        return LocalizedText(getattr(self, f"{field}_it") or "", "it")
