"""Language choice and bilingual content written by institutions."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import get_locale
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
