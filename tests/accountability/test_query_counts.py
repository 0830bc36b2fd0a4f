"""Answers, milestones and the board cost a fixed number of queries, however many there are.

Each page is visited twice, over a small and a large world (3 and 30 answered proposals, or 3 and
30 milestones), with an empty session each time as in production; the counts must be equal.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.consultations.phases import Phase
from engage.proposals.models import Proposal
from tests.accountability.stories import DAY, answer, closed_consultation, officer_of_the_provincia, qualified
from tests.factories import institution, make_comment, make_consultation, make_proposal, make_user, priority_point

S = AnswerStatus
STATUSES = [S.ACCEPTED, S.PARTIALLY_ACCEPTED, S.REJECTED, S.ALREADY_PLANNED, S.IMPLEMENTED, S.UNDER_EVALUATION]


def answered_consultation(officer, count: int, *, days_ago: float = 30):
    """`count` answered proposals (every status, half with a milestone), plus a few unanswered."""
    consultation = closed_consultation(days_ago=days_ago, support_threshold=2, points=(1, 5))
    for i in range(count):
        proposal = qualified(consultation, point=(1, 5)[i % 2], comune=("Crema", None)[i % 2],
                             title=f"Proposta con risposta {i}")
        status = STATUSES[i % len(STATUSES)]
        answer(officer, proposal, status, cost_estimate=1000 * i, responsible_office="Settore Viabilità",
               body_en="In English too.")
        if status.goes_ahead and status is not S.IMPLEMENTED and i % 2 == 0:
            answers.add_milestone(officer, proposal, reached_on=date(2026, 1, 1) + timedelta(days=i),
                                  progress=10 + i, note_it="Avanzamento.")
        if i % 3 == 0:
            make_comment(proposal)
    for _ in range(2):
        make_proposal(consultation, title="Ancora senza risposta")
    return consultation


def visit(client, db, count_queries, url: str, **kwargs):
    db.session.expunge_all()  # each request starts with an empty session
    with count_queries() as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True), queries


def test_the_proposal_list_runs_the_same_queries_for_3_or_30_answered_proposals(db, client_as, count_queries):
    officer = officer_of_the_provincia()
    small, large = answered_consultation(officer, 3), answered_consultation(officer, 30)
    viewer = make_user(locale="en")
    db.session.commit()
    client = client_as(viewer)
    client.get("/")  # the session's first request settles language and cookie
    small_url, large_url = (f"/consultazioni/{c.id}/proposte?ordine=supports" for c in (small, large))

    small_html, small_queries = visit(client, db, count_queries, small_url)
    large_html, large_queries = visit(client, db, count_queries, large_url)

    assert small_html.count("Official answer:") == 3 and large_html.count("Official answer:") == 20  # one page
    assert len(small_queries) == len(large_queries), (small_queries, large_queries)


def test_the_filtered_list_too(db, client, count_queries):
    officer = officer_of_the_provincia()
    small, large = answered_consultation(officer, 3), answered_consultation(officer, 30)
    db.session.commit()
    client.get("/")

    urls = [f"/consultazioni/{c.id}/proposte" for c in (small, large)]
    counts = [len(visit(client, db, count_queries, url, query_string={"risposta": "accepted", "stato": "answered"})[1])
              for url in urls]

    assert counts[0] == counts[1]


def test_the_proposal_page_runs_the_same_queries_for_3_or_30_milestones(db, client, count_queries):
    officer = officer_of_the_provincia()
    consultation = closed_consultation(days_ago=30)
    pages = []
    for count in (3, 30):
        proposal = qualified(consultation, title=f"Con {count} passi")
        answer(officer, proposal, S.ACCEPTED, cost_estimate=5000, responsible_office="Settore Viabilità")
        for i in range(count):
            answers.add_milestone(officer, proposal, reached_on=date(2026, 1, 1) + timedelta(days=i), progress=i,
                                  note_it=f"Passo numero {i}.")
        pages.append(proposal)
    db.session.commit()
    client.get("/")

    small_url, large_url = (f"/proposte/{proposal.id}" for proposal in pages)
    small_html, small_queries = visit(client, db, count_queries, small_url)
    large_html, large_queries = visit(client, db, count_queries, large_url)

    assert "Passo numero 2." in small_html and "Passo numero 29." in large_html
    assert len(small_queries) == len(large_queries), (small_queries, large_queries)


def test_the_proposal_page_costs_the_same_in_a_consultation_of_3_or_30_answered_proposals(db, client, count_queries):
    officer = officer_of_the_provincia()
    small, large = answered_consultation(officer, 3), answered_consultation(officer, 30)
    db.session.commit()
    client.get("/")

    def accepted_in(consultation) -> int:
        return db.session.scalar(select(Proposal.id).join(Proposal.official_answer).where(
            Proposal.consultation_id == consultation.id, OfficialAnswer.status == S.ACCEPTED).order_by(Proposal.id))

    urls = [f"/proposte/{accepted_in(c)}" for c in (small, large)]
    counts = [len(visit(client, db, count_queries, url)[1]) for url in urls]

    assert counts[0] == counts[1]


def test_the_board_runs_the_same_queries_for_3_or_30_overdue_proposals(db, client, count_queries):
    def owing(slug: str, count: int):
        consultation = closed_consultation(days_ago=100, institution_slug=slug, support_threshold=1)
        officer = make_user(officer_of=institution(slug))
        for i in range(count):
            proposal = qualified(consultation, title=f"In attesa {i}")
            if i % 2:
                answer(officer, proposal, S.UNDER_EVALUATION, at=consultation.voting_until + DAY)
        recent = closed_consultation(days_ago=3, institution_slug=slug, support_threshold=1)
        for i in range(count):
            qualified(recent, title=f"Non ancora dovuta {i}")

    owing("comune-cremona", 3)
    owing("comune-crema", 30)
    db.session.commit()
    client.get("/")

    small_html, small_queries = visit(client, db, count_queries, "/enti/comune-cremona/risposte-attese")
    large_html, large_queries = visit(client, db, count_queries, "/enti/comune-crema/risposte-attese")

    assert len(re.findall(r"In attesa \d+", small_html)) == 3 and len(re.findall(r"In attesa \d+", large_html)) == 30
    assert len(small_queries) == len(large_queries), (small_queries, large_queries)


def test_the_institution_page_runs_the_same_queries_for_3_or_30_answers(db, client, count_queries):
    for slug, count in (("comune-cremona", 3), ("comune-crema", 30)):
        consultation = closed_consultation(days_ago=100, institution_slug=slug, support_threshold=1)
        officer = make_user(officer_of=institution(slug))
        for i in range(count):
            answer(officer, qualified(consultation), S.ACCEPTED, at=consultation.voting_until + i * DAY)
    db.session.commit()
    client.get("/")

    counts = [len(visit(client, db, count_queries, f"/enti/{slug}")[1]) for slug in ("comune-cremona",
                                                                                     "comune-crema")]

    assert counts[0] == counts[1]


def test_the_priority_point_page_runs_the_same_queries_for_3_or_30_in_progress(db, client, count_queries):
    officer = officer_of_the_provincia()
    few, many = priority_point(2), priority_point(3)
    for point, count in ((few, 3), (many, 30)):
        consultation = make_consultation(Phase.CLOSED, points=(point.number,), support_threshold=0)
        for i in range(count):
            proposal = make_proposal(consultation, title=f"In corso {i}")
            answer(officer, proposal, S.ACCEPTED)
            answers.add_milestone(officer, proposal, reached_on=date(2026, 1, 1), progress=i, note_it="Avanti.")
    db.session.commit()
    client.get("/")

    few_url, many_url = f"/punti/{few.slug}", f"/punti/{many.slug}"
    few_html, few_queries = visit(client, db, count_queries, few_url)
    many_html, many_queries = visit(client, db, count_queries, many_url)

    assert few_html.count("#risposta-ufficiale") == 3 and many_html.count("#risposta-ufficiale") == 20
    assert len(few_queries) == len(many_queries), (few_queries, many_queries)
