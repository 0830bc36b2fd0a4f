"""A newcomer who runs the README's serve line finds a populated, reachable demo."""
from sqlalchemy import func, select

from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.votes import tally
from engage.votes.models import Support


def test_the_demo_has_a_consultation_in_every_phase_with_real_participation(runner, client, db):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # idempotent
    consultations = list(db.session.scalars(select(Consultation)))
    assert {c.phase for c in consultations} == set(Phase)
    assert len(consultations) == len(Phase)
    assert db.session.scalar(select(func.count()).select_from(Support)) > 10
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None)))
    assert tally.recount().corrected == []

    # Everything public is reachable by links from the home page.
    home = client.get("/").get_data(as_text=True)
    assert 'href="/consultazioni/"' in home
    listing = client.get("/consultazioni/").get_data(as_text=True)
    for consultation in consultations:
        linked = f'href="/consultazioni/{consultation.id}"' in listing
        assert linked is consultation.phase.is_public


def test_recount_reports_and_repairs_a_wrong_counter(runner, db):
    runner.invoke(args=["demo", "load"])
    from engage.proposals.models import Proposal

    proposal = db.session.scalars(select(Proposal).where(Proposal.support_count > 0)).first()
    proposal.support_count += 5
    db.session.commit()
    result = runner.invoke(args=["tally", "recount"])
    assert result.exit_code == 1 and f"Corrected: {proposal.id}" in result.output
    assert runner.invoke(args=["tally", "recount"]).exit_code == 0


def test_the_demo_questionnaires_are_reachable_and_answered(runner, client, db):
    """Open, closed-with-public-results and draft questionnaires, linked from their consultation."""
    from engage.questionnaires.aggregation import response_counts
    from engage.questionnaires.models import Questionnaire

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    questionnaires = list(db.session.scalars(select(Questionnaire)))
    assert any(q.is_open for q in questionnaires)
    assert any(q.is_closed and q.anonymous for q in questionnaires)
    assert any(not q.is_published for q in questionnaires)
    for questionnaire in questionnaires:
        page = client.get(f"/consultazioni/{questionnaire.consultation_id}").get_data(as_text=True)
        linked = f'href="/questionari/{questionnaire.id}"' in page
        assert linked is questionnaire.is_published
        if questionnaire.is_published:
            assert response_counts(questionnaire.id)[0] >= 3
        if questionnaire.is_closed:
            assert client.get(f"/questionari/{questionnaire.id}/risultati").status_code == 200


def test_the_demo_shows_answers_deadlines_progress_and_reports(runner, client, db):
    """What became of proposals: an accepted one with milestones, one under evaluation, one
    overdue on the Comune's public board, and the closed consultations' reports on record."""
    from engage.accountability.models import AnswerStatus, OfficialAnswer
    from engage.institutions.models import Institution
    from engage.results.models import ReportDelivery

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    answers = list(db.session.scalars(select(OfficialAnswer)))
    assert {a.status for a in answers} >= {AnswerStatus.ACCEPTED, AnswerStatus.UNDER_EVALUATION}
    accepted = next(a for a in answers if a.status is AnswerStatus.ACCEPTED)
    assert accepted.milestones and 0 < accepted.progress < 100
    assert db.session.scalar(select(func.count()).select_from(ReportDelivery)) >= 2

    comune = db.session.scalar(select(Institution).where(Institution.slug == "comune-cremona"))
    institution_page = client.get(f"/enti/{comune.slug}").get_data(as_text=True)
    assert f'href="/enti/{comune.slug}/risposte-attese"' in institution_page
    board = client.get(f"/enti/{comune.slug}/risposte-attese")
    assert board.status_code == 200 and "/proposte/" in board.get_data(as_text=True)

    proposal_page = client.get(f"/proposte/{accepted.proposal_id}").get_data(as_text=True)
    assert 'id="risposta-ufficiale"' in proposal_page
    consultation_page = client.get(f"/consultazioni/{accepted.proposal.consultation_id}").get_data(as_text=True)
    assert f'href="/consultazioni/{accepted.proposal.consultation_id}/risultati"' in consultation_page
    assert client.get(f"/consultazioni/{accepted.proposal.consultation_id}/risultati").status_code == 200
    assert 'href="/assi/' in client.get("/").get_data(as_text=True)
