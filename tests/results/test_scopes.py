"""Results per priority point and per axis gather every public consultation: the same figures
as a consultation's, plus what each institution answered. A draft consultation never counts,
even when it once was public and has proposals, supports, comments and answers inside.

Point 5 (Azioni energetiche) belongs to the axis "Transizione ecologica" with points 4, 6 and 12.

    consultation                        proposal  point  supports  notes
    A  Provincia, voting, threshold 2   a1        5      2         a comment; not answered yet
                                        a2        1      1         (another axis)
                                        + a questionnaire response
    B  Comune di Cremona, closed, t. 2  b1        5      3         accepted
                                        b2        12     1
    D  Provincia, back to draft         d1        5      5         a comment, a response
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.accountability import services as accountability
from engage.accountability.models import AnswerStatus
from engage.consultations.phases import Phase
from engage.extensions import db as _db
from engage.masterplan.models import Axis
from engage.results.summary import Scope, summary
from tests.factories import (institution, make_comment, make_consultation, make_proposal, make_supports, make_user,
                             priority_point, set_phase)
from tests.results.world import Page, answer, questionnaire

DRAFT_TITLE = "Pannelli solari sul tetto della bozza"


@pytest.fixture
def across(db):
    a = make_consultation(Phase.VOTING, points=(1, 5), support_threshold=2)
    a1 = make_proposal(a, title="Comunità energetica di quartiere", point=5)
    a2 = make_proposal(a, title="Sportello digitale", point=1)
    make_supports(a1, 2)
    make_supports(a2, 1)
    make_comment(a1, author=make_user())
    answer(make_user(), questionnaire(a), 4)

    b = make_consultation(Phase.VOTING, institution_slug="comune-cremona", points=(5, 12), support_threshold=2)
    b1 = make_proposal(b, title="Caldaie a condensazione nelle scuole", point=5)
    b2 = make_proposal(b, title="Zone 30 intorno alle scuole", point=12)
    make_supports(b1, 3)
    make_supports(b2, 1)
    set_phase(b, Phase.CLOSED)
    accountability.answer_proposal(make_user(officer_of=institution("comune-cremona")), b1,
                                   status=AnswerStatus.ACCEPTED, body_it="Si parte in primavera.")

    d = make_consultation(Phase.VOTING, points=(5,), support_threshold=1, title_it="Bozza")
    d1 = make_proposal(d, title=DRAFT_TITLE, point=5)
    make_supports(d1, 5)
    make_comment(d1, author=make_user())
    answer(make_user(), questionnaire(d), 1)
    set_phase(d, Phase.DRAFT)
    db.session.commit()
    return {"a": a, "b": b, "d": d, "a1": a1, "b1": b1, "b2": b2}


def axis(slug: str) -> Axis:
    return _db.session.scalar(select(Axis).where(Axis.slug == slug))


def test_a_priority_point_across_its_public_consultations(across):
    figures = summary(Scope.of_point(priority_point(5)))
    # a1 and b1; the draft's d1 is not there.
    assert [(r.proposal.title, r.supports, r.qualifies) for r in figures.ranking] == [
        ("Caldaie a condensazione nelle scuole", 3, False), ("Comunità energetica di quartiere", 2, False)]
    assert figures.threshold is None  # each consultation has its own: no single line to draw
    # a1's author and 2 supporters, b1's author and 3 supporters, a1's commenter, A's respondent.
    assert (figures.participants, figures.proposals, figures.supports, figures.comments,
            figures.questionnaire_responses) == (9, 2, 5, 1, 1)
    assert [(point.number, proposals, supports) for point, proposals, supports in figures.by_point] == [(5, 2, 5)]
    assert [(c.name, n) for c, n, _rate in figures.by_comune] == [("Cremona", 9)]


def test_what_the_institutions_answered_under_a_point(across):
    """a1 is owed an answer by the Provincia (none yet), b1 was accepted by the Comune."""
    scope = Scope.of_point(priority_point(5))
    assert summary(scope).answers == {None: 1, AnswerStatus.ACCEPTED: 1}
    # Each consultation has its own deadline: A's is 60 days after its voting, B's already runs.
    a_due = across["a"].answers_due_at
    assert across["b"].answers_due_at < a_due
    assert summary(scope, now=a_due - timedelta(minutes=1)).overdue == 0
    assert summary(scope, now=a_due + timedelta(minutes=1)).overdue == 1


def test_an_axis_gathers_its_points(across):
    figures = summary(Scope.of_axis(axis("transizione-ecologica")))
    assert [(point.number, proposals, supports) for point, proposals, supports in figures.by_point] == [
        (5, 2, 5), (12, 1, 1)]
    assert (figures.proposals, figures.supports) == (3, 6)
    assert [r.proposal.title for r in figures.ranking] == [
        "Caldaie a condensazione nelle scuole", "Comunità energetica di quartiere", "Zone 30 intorno alle scuole"]
    # The point-5 people plus b2's author and supporter.
    assert figures.participants == 11
    # a2 is on point 1, another axis.
    assert summary(Scope.of_axis(axis("digitalizzazione"))).proposals == 1


def test_the_point_and_axis_pages_show_the_same_and_never_the_draft(across, client):
    for url, proposals, supports in (("/punti/azioni-energetiche/risultati", "2", "5"),
                                     ("/assi/transizione-ecologica/risultati", "3", "6")):
        response = client.get(url, headers={"Accept-Language": "en"})
        page = Page.of(response)
        assert (page.figures["Proposals"], page.figures["Supports"]) == (proposals, supports), url
        assert DRAFT_TITLE not in response.get_data(as_text=True)
        assert "Comunità energetica di quartiere" in [row[1] for row in page.body("ranking-title")]


def test_the_draft_shows_again_once_it_is_announced(across, db):
    set_phase(across["d"], Phase.VOTING)
    figures = summary(Scope.of_point(priority_point(5)))
    assert DRAFT_TITLE in [r.proposal.title for r in figures.ranking]
    assert (figures.proposals, figures.supports, figures.questionnaire_responses) == (3, 10, 2)


def test_an_unknown_point_or_axis_is_a_404(client, db):
    assert client.get("/punti/nessuno/risultati").status_code == 404
    assert client.get("/assi/nessuno/risultati").status_code == 404
    assert client.get("/assi/nessuno/risultati/proposte.csv").status_code == 404
