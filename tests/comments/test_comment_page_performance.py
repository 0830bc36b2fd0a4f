"""A proposal page with a long discussion costs the same handful of queries as a short one.

The discussions are written in bulk (rows, not services), the way years of use would leave
them: threads several levels deep, some comments deleted by their authors, many votes.
Each page is measured with an empty session, as a fresh request in its own process would be.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.comments.models import Comment, CommentVote, Stance
from engage.core.db import utcnow
from tests.comments.test_discussing_a_proposal import Page
from tests.factories import make_consultation, make_proposal, make_user

MAX_QUERIES = 8
STANCES = [Stance.IN_FAVOUR, Stance.AGAINST, Stance.NEUTRAL, None]


def write_discussion(db, proposal, how_many: int, authors, voters) -> list[int]:
    """`how_many` comments under the proposal: every sixth starts a thread that goes five
    replies deep; every 25th is deleted; voters vote on every third comment."""
    start = utcnow() - timedelta(days=3)
    levels: dict[int, list[tuple[int, Comment]]] = {}
    for n in range(how_many):
        depth = n % 6
        levels.setdefault(depth, []).append((n, Comment(
            consultation_id=proposal.consultation_id, proposal_id=proposal.id,
            author_id=authors[n % len(authors)].id, depth=depth,
            stance=STANCES[(n // 6) % len(STANCES)] if depth == 0 else None,
            body=f"Commento numero {n}.", body_html=f"<p>Commento numero {n}.</p>",
            created_at=start + timedelta(seconds=n),
            deleted_at=start + timedelta(days=1) if n % 25 == 24 else None)))
    by_number: dict[int, Comment] = {}
    for depth in sorted(levels):  # parents need their ids before their replies are written
        for n, comment in levels[depth]:
            if depth:
                comment.parent_id = by_number[n - 1].id
            by_number[n] = comment
        db.session.add_all([comment for _, comment in levels[depth]])
        db.session.flush()

    comments = [by_number[n] for n in range(how_many)]
    db.session.add_all([
        CommentVote(comment_id=comment.id, user_id=voter.id, value=1 if (n + v) % 4 else -1)
        for n, comment in enumerate(comments) if n % 3 == 0
        for v, voter in enumerate(voters) if voter.id != comment.author_id])
    proposal.comment_count += sum(1 for c in comments if c.deleted_at is None)
    db.session.flush()
    return [c.id for c in comments]


@pytest.fixture
def people():
    citizen = make_user()  # the signed-in reader; she votes too
    authors = [make_user() for _ in range(6)]
    return citizen, authors, [citizen] + authors[:3]


def visit(db, client, url: str, count_queries):
    db.session.expunge_all()  # nothing cached from the test's own session
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), queries


@pytest.mark.parametrize("reader", ["anonymous visitor", "signed-in citizen"])
def test_a_page_with_500_comments_needs_no_more_queries_than_one_with_5(
        db, client, client_as, count_queries, people, reader):
    citizen, authors, voters = people
    consultation = make_consultation()
    short, long = make_proposal(consultation), make_proposal(consultation)
    write_discussion(db, short, 5, authors, voters)
    write_discussion(db, long, 500, authors, voters)
    browser = client if reader == "anonymous visitor" else client_as(citizen)

    _, few = visit(db, browser, f"/proposte/{short.id}", count_queries)
    _, many = visit(db, browser, f"/proposte/{long.id}", count_queries)

    assert len(many) <= MAX_QUERIES, "\n\n".join(many)
    assert len(many) <= len(few), "\n\n".join(many)


@pytest.mark.parametrize("reader", ["anonymous visitor", "signed-in citizen"])
def test_every_one_of_500_comments_is_on_exactly_one_page_of_the_discussion(
        db, client, client_as, count_queries, people, reader):
    citizen, authors, voters = people
    proposal = make_proposal(make_consultation())
    ids = write_discussion(db, proposal, 500, authors, voters)  # 84 threads: 50 on page 1, 34 on page 2
    browser = client if reader == "anonymous visitor" else client_as(citizen)

    shown: Counter = Counter()
    folded, address, pages = set(), f"/proposte/{proposal.id}", 0
    while address:
        html, queries = visit(db, browser, address, count_queries)
        assert len(queries) <= MAX_QUERIES, "\n\n".join(queries)
        pages += 1
        on_this_page = [int(n) for n in re.findall(r'id="commento-(\d+)"', html)]
        assert on_this_page, f"page {pages} shows no comment"
        shown.update(on_this_page)
        page = Page.of(html)
        folded |= {i for i in on_this_page if page.is_folded(i)}
        pager = re.search(r'<nav aria-label="Pagine dei commenti">(.*?)</nav>', html, re.S)
        following = re.search(rf'href="([^"]*commenti={pages + 1}[^"]*)"', pager.group(1)) if pager else None
        address = following.group(1) if following else None

    assert pages == 2
    assert set(shown) == set(ids)
    assert set(shown.values()) == {1}
    # Threads five replies deep show three levels open and fold the rest.
    depths = dict(db.session.execute(select(Comment.id, Comment.depth).where(Comment.id.in_(ids))).all())
    assert folded == {i for i in ids if depths[i] >= 3}
    stored = set(db.session.scalars(select(Comment.id).where(Comment.proposal_id == proposal.id)))
    assert stored == set(ids)
