"""A long discussion comes fifty threads at a time: each top-level comment with all its replies.

Every way to a comment (after posting it, replying to it, editing it, from a mail, a
notification or the moderation queue) still lands on the page that shows it.
"""
from __future__ import annotations

import re

import pytest

from engage.comments.queries import COMMENTS_PER_PAGE
from tests.comments.test_discussing_a_proposal import ENGLISH, Page, new_place
from tests.factories import form_token, make_user

PLACES = ["proposal", "consultation"]


def discussion_of(place, threads: int, replies_to_last: int = 0):
    """`threads` top-level comments, oldest first; the last one has some replies."""
    roots = [place.existing_comment(body=f"Discussione numero {n}.") for n in range(threads)]
    parent = roots[-1]
    replies = []
    for n in range(replies_to_last):
        parent = place.existing_comment(body=f"Risposta numero {n}.", parent=parent)
        replies.append(parent)
    return roots, replies


def open_page(browser, address: str) -> Page:
    response = browser.get(address, headers=ENGLISH)
    assert response.status_code == 200, address
    return Page(response)


@pytest.mark.parametrize("kind", PLACES)
def test_a_long_discussion_shows_fifty_threads_a_page_with_a_way_to_the_next(db, client, kind):
    place = new_place(kind)
    roots, replies = discussion_of(place, COMMENTS_PER_PAGE + 10, replies_to_last=2)
    db.session.commit()

    first = open_page(client, place.page)
    assert first.comment_ids() == [c.id for c in roots[:COMMENTS_PER_PAGE]]
    assert "Page 1 of 2" in first.html
    # The counts are the whole discussion's, not the page's.
    assert first.stance_summary().startswith(f"{COMMENTS_PER_PAGE + 12} comments")

    following = re.search(r'<nav aria-label="Pages of comments">.*?href="([^"]+)"[^>]*>Next<', first.html, re.S)
    second = open_page(client, following.group(1).replace("&amp;", "&"))
    assert second.comment_ids() == [c.id for c in roots[COMMENTS_PER_PAGE:]] + [r.id for r in replies]
    assert "Page 2 of 2" in second.html and ">Previous<" in second.html and ">Next<" not in second.html


@pytest.mark.parametrize("kind", PLACES)
def test_a_new_comment_takes_its_author_to_the_last_page_where_it_is(db, client_as, kind):
    place = new_place(kind)
    discussion_of(place, COMMENTS_PER_PAGE + 1)
    citizen = make_user()
    db.session.commit()
    browser = client_as(citizen)

    response = browser.post(place.post_url, data={"body": "Anche io sono d'accordo.", "stance": "in_favour",
                                                  "csrf_token": form_token(browser, place.page)})

    [mine] = [c for c in place.stored_comments(db) if c.author_id == citizen.id]
    assert response.status_code == 302
    assert response.headers["Location"] == f"{place.page}?commenti=2#commento-{mine.id}"
    assert open_page(browser, response.headers["Location"]).shows_comment(mine.id)
    assert not open_page(browser, place.page).shows_comment(mine.id)


@pytest.mark.parametrize("kind", PLACES)
def test_replying_on_the_second_page_keeps_the_page_even_when_the_reply_is_refused(db, client_as, kind):
    place = new_place(kind)
    roots, _ = discussion_of(place, COMMENTS_PER_PAGE + 1)
    replied = roots[-1]
    db.session.commit()
    browser = client_as(make_user())

    second = open_page(browser, f"{place.page}?commenti=2")
    reply_link = f"?commenti=2&amp;rispondi={replied.id}#rispondi-{replied.id}"
    assert reply_link in second.html
    with_form = open_page(browser, f"{place.page}?commenti=2&rispondi={replied.id}")
    assert with_form.form(f"rispondi-{replied.id}") is not None
    # Arriving with only ?rispondi= (an old link) finds the page by itself.
    assert open_page(browser, f"{place.page}?rispondi={replied.id}").form(f"rispondi-{replied.id}") is not None

    refused = browser.post(place.post_url, headers=ENGLISH, data={
        "body": "", "parent_id": str(replied.id), "csrf_token": form_token(browser, place.page)})

    assert refused.status_code == 422
    page = Page(refused)
    assert page.shows_comment(replied.id)
    assert page.form(f"rispondi-{replied.id}") is not None


@pytest.mark.parametrize("kind", PLACES)
def test_a_comments_lasting_address_leads_to_its_page(db, client, kind):
    place = new_place(kind)
    roots, replies = discussion_of(place, COMMENTS_PER_PAGE + 1, replies_to_last=1)
    db.session.commit()

    assert client.get(f"/commenti/{roots[0].id}").headers["Location"] == f"{place.page}#commento-{roots[0].id}"
    assert client.get(f"/commenti/{replies[0].id}").headers["Location"] == \
        f"{place.page}?commenti=2#commento-{replies[0].id}"
    assert client.get("/commenti/999999").status_code == 404


@pytest.mark.parametrize("asked", ["0", "-1", "abc", "2.5", "99999999999", "", "7"])
def test_a_page_number_that_is_no_page_shows_the_nearest_page_not_an_error(db, client, asked):
    place = new_place("proposal")
    roots, _ = discussion_of(place, COMMENTS_PER_PAGE + 1)
    db.session.commit()

    page = open_page(client, f"{place.page}?commenti={asked}")

    expected = roots[COMMENTS_PER_PAGE:] if asked == "7" else roots[:COMMENTS_PER_PAGE]
    assert page.comment_ids() == [c.id for c in expected]


def test_a_short_discussion_has_no_pager(db, client):
    place = new_place("proposal")
    discussion_of(place, 3)
    db.session.commit()

    assert "Pages of comments" not in open_page(client, place.page).html
