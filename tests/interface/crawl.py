"""Walk the demo like its visitors do: from the home page, following every same-site link, as
an anonymous visitor and signed in, in Italian and in English. Shared by the page checks."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

# Downloads, the API and the stylesheets are not pages; signing out would end the walk.
NOT_PAGES = re.compile(r"\.(csv|json|xlsx|pdf|py|png|svg|css|js|ico)$|^/(api|bootstrap|static)/")
LINK = re.compile(r'href="([^"#]*)')


@dataclass
class Visited:
    visitor: str
    language: str
    path: str
    html: str


def walk(client, *, visitor: str, language: str, limit: int, fetch=None) -> list[Visited]:
    """Breadth first from "/", each page once (query strings count), up to `limit` pages.

    `fetch(path)` gives (status, content type, HTML) another way (a real browser); by default
    the Flask test client asks.
    """
    def by_client(path):
        response = client.get(path, headers={"Accept-Language": language})
        is_page = response.content_type.startswith("text/html")  # downloads may be binary
        return response.status_code, response.content_type, response.get_data(as_text=is_page)

    fetch = fetch or by_client
    seen, queue, pages = set(), ["/"], []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        status, content_type, body = fetch(path)
        if status != 200 or not content_type.startswith("text/html"):
            continue
        pages.append(Visited(visitor, language, path, body))
        for href in LINK.findall(body):
            target = urlsplit(urljoin(path, html.unescape(href)))
            if target.scheme not in ("", "http") or target.netloc not in ("", "localhost") \
                    or NOT_PAGES.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                queue.append(link)
    return pages
