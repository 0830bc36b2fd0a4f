"""Markdown written by people, rendered once and sanitised: the only way user text becomes HTML."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off; nh3 then allows a small, safe set of tags.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
                "h3", "h4", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """HTML safe to show to anyone: no scripts, no styles, links marked nofollow ugc."""
    html = _markdown.render(text or "")
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>") \
        .replace("</h2>", "</h3>")  # people's headings never outrank the page's own
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow ugc noopener noreferrer")


def markdown_markup(text: str) -> Markup:
    # render_markdown's output has been through nh3, so it is safe to mark as such.
    return Markup(render_markdown(text))  # nosec B704
