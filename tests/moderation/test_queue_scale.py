"""The moderation queue costs the same handful of queries with 3 open cases as with 1,000 reports.

A busy month is written in bulk (rows, not services): 300 reported proposals and comments,
each reported by three or four people. The queue shows them 50 at a time, oldest first.
Each page is measured with an empty session, as a fresh request in its own process would be.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.comments.models import Comment
from engage.core.db import utcnow
from engage.moderation.models import ModerationCase, Report, ReportReason
from engage.proposals.models import Proposal
from tests.factories import institution, make_consultation, make_user

MAX_QUERIES = 8
PER_PAGE = 50
REASONS = list(ReportReason)


def write_reported_items(db, world, how_many: int, *, fourth_report_for: int = 0, start=None) -> list[int]:
    """`how_many` open cases, alternately on a proposal and on a comment; each has three reports,
    and the first `fourth_report_for` of them a fourth. Returns the cases' ids, oldest first."""
    consultations, authors, reporters = world  # ids: the session is emptied between visits
    start = start or utcnow() - timedelta(days=20)
    proposals = [Proposal(consultation_id=consultations[n % len(consultations)][0],
                          priority_point_id=consultations[n % len(consultations)][1],
                          author_id=authors[n % len(authors)],
                          title=f"Proposta segnalata {n}", body=f"Testo segnalato {n}.",
                          body_html=f"<p>Testo segnalato {n}.</p>", created_at=start)
                 for n in range(how_many)]
    db.session.add_all(proposals)
    db.session.flush()
    comments = [Comment(consultation_id=p.consultation_id, proposal_id=p.id,
                        author_id=authors[(n + 1) % len(authors)],
                        body=f"Commento segnalato {n}.", body_html=f"<p>Commento segnalato {n}.</p>",
                        created_at=start)
                for n, p in enumerate(proposals) if n % 2]
    db.session.add_all(comments)
    db.session.flush()
    items = [proposals[n] if n % 2 == 0 else comments[n // 2] for n in range(how_many)]
    cases = [ModerationCase(consultation_id=item.consultation_id, author_id=item.author_id,
                            proposal_id=item.id if isinstance(item, Proposal) else None,
                            comment_id=item.id if isinstance(item, Comment) else None,
                            is_open=True, opened_at=start + timedelta(minutes=n))
             for n, item in enumerate(items)]
    db.session.add_all(cases)
    db.session.flush()
    db.session.add_all([
        Report(case_id=case.id, reporter_id=reporter, reason=REASONS[(n + r) % len(REASONS)],
               details="Da controllare." if r == 0 else "", created_at=case.opened_at + timedelta(seconds=r))
        for n, case in enumerate(cases)
        for r, reporter in enumerate(reporters[:4 if n < fourth_report_for else 3])])
    db.session.flush()
    return [case.id for case in cases]


@pytest.fixture
def world(db):
    """Two consultations of the Provincia (id, first priority point id), twenty authors, four reporters."""
    consultations = [make_consultation(institution_slug="provincia-cremona"),
                     make_consultation(institution_slug="provincia-cremona", points=(5, 1))]
    return ([(c.id, c.priority_points[0].id) for c in consultations], [make_user().id for _ in range(20)],
            [make_user().id for _ in range(4)])


def readers():
    return {"moderator": lambda: make_user(Role.MODERATOR, locale="en"),
            "officer": lambda: make_user(locale="en", officer_of=institution("provincia-cremona"))}


def visit(db, browser, url: str, count_queries):
    db.session.expunge_all()  # nothing cached from the test's own session
    with count_queries() as queries:
        response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True), queries


def open_reports() -> int:
    from engage.extensions import db

    return db.session.scalar(select(func.count()).select_from(Report).where(Report.cleared_at.is_(None)))


@pytest.mark.parametrize("reader", sorted(readers()))
def test_the_queue_needs_the_same_queries_for_3_cases_as_for_1000_reports(db, client_as, count_queries,
                                                                          world, reader):
    browser = client_as(readers()[reader]())
    first = write_reported_items(db, world, 3)
    db.session.commit()

    html, few = visit(db, browser, "/moderazione/", count_queries)
    assert sorted(int(i) for i in re.findall(r'name="case_ids" value="(\d+)"', html)) == first

    # A busy month: 297 more cases; with the first three, 1,000 reports waiting.
    write_reported_items(db, world, 297, fourth_report_for=100,
                         start=utcnow() - timedelta(days=10))
    db.session.commit()
    assert open_reports() == 1000
    html, many = visit(db, browser, "/moderazione/", count_queries)

    assert len(re.findall(r'name="case_ids"', html)) == PER_PAGE
    assert len(many) <= MAX_QUERIES, "\n\n".join(many)
    assert len(many) == len(few), "\n\n".join(many)


def test_the_queue_shows_50_cases_a_page_oldest_first_with_a_link_to_the_next(db, client_as, count_queries,
                                                                             world):
    browser = client_as(make_user(Role.MODERATOR, locale="en"))
    ids = write_reported_items(db, world, 300, fourth_report_for=100)
    db.session.commit()
    assert open_reports() == 1000

    html, queries = visit(db, browser, "/moderazione/", count_queries)

    assert "300 items waiting for a decision." in html
    shown = [int(i) for i in re.findall(r'name="case_ids" value="(\d+)"', html)]
    assert shown == ids[:PER_PAGE]
    assert 'href="/moderazione/?pagina=2"' in html
    assert "Page 1 of 6" in html
    # Each row counts its own open reports, by reason.
    first_row = html[html.index(f'id="case-{ids[0]}"'):html.index(f'id="case-{ids[1]}"')]
    assert sum(int(n) for n in re.findall(r'<span class="d-block">[^<:]+: (\d+)</span>', first_row)) == 4
    assert len(queries) <= MAX_QUERIES, "\n\n".join(queries)

    second, _ = visit(db, browser, "/moderazione/?pagina=2", count_queries)
    assert [int(i) for i in re.findall(r'name="case_ids" value="(\d+)"', second)] == ids[PER_PAGE:2 * PER_PAGE]
    assert 'href="/moderazione/?pagina=3"' in second and 'href="/moderazione/?pagina=1"' in second
    last, _ = visit(db, browser, "/moderazione/?pagina=6", count_queries)
    assert [int(i) for i in re.findall(r'name="case_ids" value="(\d+)"', last)] == ids[-PER_PAGE:]
    assert "?pagina=7" not in last
