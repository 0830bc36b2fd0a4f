"""Helpers every template can use: permissions, bilingual fields, the language switcher."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user
from markupsafe import Markup, escape

from engage.auth import permissions
from engage.core.i18n import current_language

LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}


def can(name: str, obj=None) -> bool:
    """The rule for whoever is viewing. The proxy is resolved here: a page with 500 comments asks
    thousands of times, and each look through werkzeug's proxy costs as much as the rule itself."""
    return permissions.can(current_user._get_current_object(), name, obj)


def localized(obj, field: str) -> Markup:
    """The field in the page's language; a fallback to Italian is marked lang="it" (WCAG 3.1.2)."""
    text = obj.localized(field)
    if text.lang == current_language():
        return escape(text.text)
    return Markup('<span lang="{}">{}</span>').format(text.lang, text.text)


def localized_text(obj, field: str) -> str:
    """For attributes and <title>, where no markup may go."""
    return obj.localized(field).text


def paragraphs(text: str) -> Markup:
    """Plain text with blank-line paragraphs, escaped."""
    parts = [p.strip() for p in (text or "").split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(p) for p in parts)


def register_template_helpers(app: Flask) -> None:
    from engage.accountability.queries import deadline
    from engage.comments.models import Stance
    from engage.comments.queries import SHOWN_DEPTH
    from engage.core.markdown import markdown_markup
    from engage.moderation.services import item_link

    app.jinja_env.globals.update(can=can, language_names=LANGUAGE_NAMES,
                                 current_language=current_language, stances=Stance,
                                 shown_depth=SHOWN_DEPTH, item_link=item_link, answer_deadline=deadline)
    app.jinja_env.filters.update(localized=localized, localized_text=localized_text,
                                 paragraphs=paragraphs, markdown=markdown_markup)
