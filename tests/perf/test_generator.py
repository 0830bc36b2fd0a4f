"""The benchmark dataset is data the app could have made itself: after `generate(small)` every
counter equals its rows, every ledger passes the audit, results are sealed where published, and
the pages the benchmark hits show the same figures."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from engage.auth.models import User
from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.demo.scale import EMAIL, PASSWORD, SCALES, generate
from engage.ledger.audit import audit
from engage.ledger.models import LedgerEntry, LedgerSeal
from engage.proposals.models import Proposal
from engage.questionnaires.models import Questionnaire
from engage.territory.models import Comune
from engage.votes.models import Support
from tests.results.world import Page

SMALL = SCALES["small"]


def digits(figure: str) -> int:
    return int("".join(ch for ch in figure if ch.isdigit()))


def generated(db):
    written = generate(SMALL, seed=11)
    db.session.commit()
    consultations = db.session.scalars(
        select(Consultation).order_by(Consultation.id.desc()).limit(SMALL.consultations)).all()
    return written, sorted(consultations, key=lambda c: c.id)


def test_the_small_dataset_has_what_was_asked(db):
    written, consultations = generated(db)
    assert written["users"] == SMALL.users and written["proposals"] == SMALL.proposals
    assert written["supports"] == written["ledger_entries"] == SMALL.supports
    assert written["comments"] == SMALL.comments
    assert {c.phase for c in consultations} >= {Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED,
                                                 Phase.RESULTS}
    # One proposal carries the big thread.
    assert db.session.scalar(select(func.max(Proposal.comment_count))) == SMALL.big_thread


def test_counters_equal_the_rows_and_supports_are_once_per_person_in_voting_phases(db):
    _, consultations = generated(db)
    ids = [c.id for c in consultations]
    supports = Counter(db.session.scalars(select(Support.proposal_id).where(Support.consultation_id.in_(ids))))
    comments = Counter(db.session.scalars(select(Comment.proposal_id).where(Comment.consultation_id.in_(ids))))
    for proposal in db.session.scalars(select(Proposal).where(Proposal.consultation_id.in_(ids))):
        assert proposal.support_count == supports[proposal.id], proposal.id
        assert proposal.comment_count == comments[proposal.id], proposal.id
    pairs = db.session.execute(select(Support.proposal_id, Support.user_id)
                               .where(Support.consultation_id.in_(ids))).all()
    assert len(pairs) == len(set(pairs))
    for consultation in consultations:
        given = db.session.execute(select(func.min(Support.created_at), func.max(Support.created_at))
                                   .where(Support.consultation_id == consultation.id)).one()
        if consultation.phase in (Phase.UPCOMING, Phase.PROPOSALS):
            assert given == (None, None)
        elif given[0] is not None:
            assert consultation.voting_from <= given[0] and given[1] < consultation.voting_until
    # Supports are skewed: the most supported tenth of proposals holds most supports.
    counts = sorted(supports.values(), reverse=True)
    assert sum(counts[:max(len(counts) // 10, 1)]) > sum(counts) / 2


def test_every_ledger_passes_the_audit_and_published_ones_are_sealed(db, runner):
    _, consultations = generated(db)
    for consultation in consultations:
        assert audit(consultation) == [], consultation.id
        seal = db.session.get(LedgerSeal, consultation.id)
        if consultation.phase is Phase.RESULTS:
            length = db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                       .where(LedgerEntry.consultation_id == consultation.id))
            assert seal is not None and seal.length == length
        else:
            assert seal is None
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_participants_live_in_the_comuni_by_population(db):
    generated(db)
    largest = db.session.scalar(select(Comune.id).order_by(Comune.population.desc()).limit(1))
    smallest_half = db.session.scalars(select(Comune.id).order_by(Comune.population).limit(50)).all()
    people = Counter(db.session.scalars(select(User.comune_id).where(User.email.like("partecipante%"))))
    assert people[largest] > sum(people[c] for c in smallest_half)


def test_the_pages_render_with_the_same_figures_and_people_can_sign_in(db, app, client):
    _, consultations = generated(db)
    voting = next(c for c in consultations if c.phase is Phase.VOTING)
    published = next(c for c in consultations if c.phase is Phase.RESULTS)
    big = db.session.scalar(select(Proposal).order_by(Proposal.comment_count.desc()).limit(1))
    questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.consultation_id == published.id))
    for url in ("/", f"/consultazioni/{voting.id}/proposte", f"/consultazioni/{voting.id}/proposte?ordine=supports",
                f"/proposte/{big.id}", f"/questionari/{questionnaire.id}/risultati"):
        assert client.get(url).status_code == 200, url

    page = Page.of(client.get(f"/consultazioni/{published.id}/risultati", headers={"Accept-Language": "en"}))
    proposals, supports = db.session.execute(
        select(func.count(Proposal.id), func.sum(Proposal.support_count))
        .where(Proposal.consultation_id == published.id)).one()
    assert digits(page.figures["Proposals"]) == proposals
    assert digits(page.figures["Supports"]) == supports

    # Numbering goes on from the accounts already there (other tests may have left some).
    someone = db.session.scalar(select(User).where(User.email.like(EMAIL.format(n="%"))).order_by(User.id))
    assert someone is not None and someone.check_password(PASSWORD) and someone.is_confirmed
