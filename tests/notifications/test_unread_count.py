"""The header shows signed-in people how many notifications they have not read, for one small query."""
from __future__ import annotations

import re

from engage.notifications import services as notifications
from tests.factories import make_user


def badge(html: str) -> str | None:
    match = re.search(r'href="/notifiche"[^>]*>[^<]*<span class="badge[^"]*">([^<]+)<span class="visually-hidden">',
                      html)
    return match.group(1) if match else None


def test_the_header_counts_the_unread_notifications_until_they_are_read(db, client_as):
    ada = make_user()
    for kind in ("restored", "approved", "reply"):
        notifications.notify(ada.id, kind, link="/")
    db.session.commit()
    browser = client_as(ada)

    assert badge(browser.get("/").get_data(as_text=True)) == "3"
    page = browser.get("/notifiche").get_data(as_text=True)
    assert badge(page) is None  # reading the list marks them read, and the header says so at once
    assert badge(browser.get("/").get_data(as_text=True)) is None


def test_the_count_is_one_query_and_stops_at_99_plus(db, client_as, count_queries):
    busy = make_user()
    for _ in range(105):
        notifications.notify(busy.id, "restored", link="/")
    db.session.commit()
    browser = client_as(busy)
    browser.get("/")  # the session's first request settles language and cookie

    with count_queries() as queries:
        html = browser.get("/").get_data(as_text=True)

    assert badge(html) == "99+"
    assert len([q for q in queries if "FROM notification" in q]) == 1


def test_visitors_who_are_not_signed_in_see_no_count_and_cost_no_query(client, count_queries):
    with count_queries() as queries:
        html = client.get("/").get_data(as_text=True)
    assert badge(html) is None and 'href="/notifiche"' not in html
    assert not [q for q in queries if "notification" in q]
