"""Who may answer a proposal and report its progress, in each phase of its consultation.

The table is engage/auth/permissions.py read by hand ("proposal.answer", "proposal.report_progress"),
in the shape of tests/permissions/test_participation_rules.py: one row per phase, one column per
person. The consultation belongs to the Provincia di Cremona; the proposal is a citizen's,
published and visible. For "proposal.report_progress" it carries an accepted answer, written
straight to the table so that every phase can be asked (through the service an answer can only be
given once voting has started). The stories after the table cover the answer's status and the
proposal's moderation.
"""
from __future__ import annotations

import pytest

from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.auth.permissions import can
from engage.consultations.phases import Phase
from engage.extensions import db as database
from engage.moderation import services as moderation
from engage.moderation.models import Moderation
from tests.factories import ROLE_PEOPLE, institution, make_consultation, make_proposal, make_user, role_people

PEOPLE = ROLE_PEOPLE

D, U, P, V, C, R = Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED, Phase.RESULTS
NOBODY = (False, False, False, False, False, False, False)
STAFF = (False, False, False, True, False, False, True)  # the consultation's officers, and the admins

EXPECTED = {
    #                          anon   unconf citizen here   elsewh moder  admin
    "proposal.answer": {  # once voting has started, whatever came of the votes
        D: NOBODY,
        U: NOBODY,
        P: NOBODY,
        V: STAFF,
        C: STAFF,
        R: STAFF,
    },
    "proposal.report_progress": {  # on an accepted proposal; the rule does not look at the phase
        D: STAFF,
        U: STAFF,
        P: STAFF,
        V: STAFF,
        C: STAFF,
        R: STAFF,
    },
}


@pytest.fixture
def people(db):
    return role_people()


def with_answer(proposal, status: AnswerStatus):
    database.session.add(OfficialAnswer(proposal=proposal, status=status, body_it="Risposta."))
    database.session.flush()
    return proposal


def outcome(people, rule_name: str, target) -> tuple[bool, ...]:
    return tuple(can(people[who], rule_name, target) for who in PEOPLE)


def test_the_table_covers_every_phase_and_person():
    for rule_name, by_phase in EXPECTED.items():
        assert set(by_phase) == set(Phase), rule_name
        assert all(len(row) == len(PEOPLE) for row in by_phase.values()), rule_name


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_who_may_answer_and_report_progress_in_each_phase(people, phase):
    consultation = make_consultation(phase)
    targets = {
        "proposal.answer": make_proposal(consultation, author=people["citizen"]),
        "proposal.report_progress": with_answer(make_proposal(consultation, author=people["citizen"]),
                                                AnswerStatus.ACCEPTED),
    }

    actual = {rule_name: outcome(people, rule_name, targets[rule_name]) for rule_name in EXPECTED}

    assert actual == {rule_name: by_phase[phase] for rule_name, by_phase in EXPECTED.items()}


@pytest.mark.parametrize("status, reported", [
    (None, NOBODY),
    (AnswerStatus.UNDER_EVALUATION, NOBODY),
    (AnswerStatus.REJECTED, NOBODY),
    (AnswerStatus.ACCEPTED, STAFF),
    (AnswerStatus.PARTIALLY_ACCEPTED, STAFF),
    (AnswerStatus.ALREADY_PLANNED, STAFF),
    (AnswerStatus.IMPLEMENTED, STAFF),
], ids=lambda value: getattr(value, "value", None) or ("none" if value is None else "who"))
def test_progress_is_reported_only_on_proposals_that_go_ahead(people, status, reported):
    proposal = make_proposal(make_consultation(Phase.CLOSED), author=people["citizen"])
    if status is not None:
        with_answer(proposal, status)

    assert outcome(people, "proposal.report_progress", proposal) == reported


@pytest.mark.parametrize("state", [Moderation.HIDDEN, Moderation.PENDING], ids=lambda m: m.value)
def test_a_proposal_hidden_or_awaiting_review_is_answered_by_nobody(people, state):
    proposal = make_proposal(make_consultation(Phase.CLOSED), author=people["citizen"])
    proposal.moderation = state

    assert outcome(people, "proposal.answer", proposal) == NOBODY


def test_a_blocked_authors_proposal_is_answered_by_nobody(people):
    author = make_user()
    proposal = make_proposal(make_consultation(Phase.VOTING), author=author)
    moderation.block(people["moderator"], author, "Spam ripetuto.", None)

    assert outcome(people, "proposal.answer", proposal) == NOBODY


def test_a_withdrawn_proposal_may_still_be_answered_by_the_institution(people):
    """Withdrawal does not erase what people supported: the institution may still reply."""
    from engage.proposals import services as proposals

    proposal = make_proposal(make_consultation(Phase.CLOSED), author=people["citizen"])
    proposals.withdraw_proposal(people["citizen"], proposal)

    assert outcome(people, "proposal.answer", proposal) == STAFF


def test_an_unqualified_proposal_may_be_answered_too(people):
    proposal = make_proposal(make_consultation(Phase.CLOSED, support_threshold=50), support_count=0)

    assert outcome(people, "proposal.answer", proposal) == STAFF


def test_an_officer_of_two_institutions_answers_for_both(people):
    both = make_user(officer_of=institution("comune-cremona"))
    from engage.auth.services import add_officer

    add_officer(both, institution("provincia-cremona"))
    for slug in ("provincia-cremona", "comune-cremona"):
        proposal = make_proposal(make_consultation(Phase.CLOSED, institution_slug=slug))
        assert can(both, "proposal.answer", proposal), slug
    elsewhere = make_proposal(make_consultation(Phase.CLOSED, institution_slug="cgil"))
    assert not can(both, "proposal.answer", elsewhere)
