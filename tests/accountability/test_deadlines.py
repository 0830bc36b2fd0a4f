"""When an answer is owed, by when, and whether it came on time: read with a frozen clock.

The Provincia's consultation on cycle paths closed its voting on 1 March 2025 at noon (UTC). By
default its answers are due 60 days later, on 30 April 2025 at noon; the queries are asked "as of"
chosen moments (`now=`), and answers are given at chosen moments too, so nothing here depends on
the day the tests run.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engage.accountability import queries
from engage.accountability.models import AnswerStatus
from engage.auth.models import Role
from engage.moderation import services as moderation
from engage.proposals import services as proposals
from tests.accountability.stories import (DAY, answer, consultation_voting_until, hidden, officer_of_the_provincia,
                                          provincia, qualified, unqualified)
from tests.factories import make_proposal, make_supports, make_user

S = AnswerStatus
CLOSE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DUE = datetime(2025, 4, 30, 12, 0, tzinfo=UTC)  # 60 days later, counted by hand
SECOND = timedelta(seconds=1)


@pytest.fixture
def officer(db):
    return officer_of_the_provincia()


@pytest.fixture
def consultation(db):
    return consultation_voting_until(CLOSE, support_threshold=10)


# Due dates.

def test_the_answer_is_due_sixty_days_after_voting_closes_by_default(consultation):
    proposal = qualified(consultation)

    assert consultation.answer_days == 60
    assert queries.due_at(proposal) == DUE


def test_the_consultation_chooses_how_many_days(db):
    quick = consultation_voting_until(CLOSE, answer_days=15)
    same_day = consultation_voting_until(CLOSE, answer_days=0)

    assert queries.due_at(qualified(quick)) == datetime(2025, 3, 16, 12, 0, tzinfo=UTC)
    assert queries.due_at(qualified(same_day)) == CLOSE


def test_the_deadline_is_not_stored_moving_the_voting_close_moves_it(consultation, db):
    proposal = qualified(consultation)
    consultation.voting_until = CLOSE + 10 * DAY
    db.session.flush()

    assert queries.due_at(proposal) == DUE + 10 * DAY
    assert not queries.is_overdue(proposal, now=DUE + DAY)
    assert queries.is_overdue(proposal, now=DUE + 10 * DAY + SECOND)


# Who is owed an answer.

def test_only_proposals_that_reached_the_threshold_are_owed_an_answer(consultation):
    below = make_proposal(consultation, support_count=9)
    at = make_proposal(consultation, support_count=10)
    above = make_proposal(consultation, support_count=250)

    assert [queries.is_owed(p) for p in (below, at, above)] == [False, True, True]


def test_real_supports_count_towards_the_threshold(db):
    consultation = consultation_voting_until(CLOSE, support_threshold=3)
    proposal = make_proposal(consultation)
    make_supports(proposal, 2)
    assert not queries.is_owed(proposal)
    make_supports(proposal, 1)
    assert queries.is_owed(proposal)


def test_when_the_consultation_says_so_every_proposal_is_owed_an_answer(db):
    consultation = consultation_voting_until(CLOSE, support_threshold=10, answer_all_proposals=True)
    unsupported = make_proposal(consultation, support_count=0)

    assert queries.is_owed(unsupported)
    assert queries.is_overdue(unsupported, now=DUE + SECOND)


def test_a_threshold_of_zero_means_no_threshold_and_answering_all_is_its_own_setting(db):
    """0 does not silently make every proposal owed: "answer every proposal" says that."""
    consultation = consultation_voting_until(CLOSE, support_threshold=0)
    proposal = make_proposal(consultation, support_count=5)

    assert not queries.is_owed(proposal) and not proposal.qualifies(consultation)
    consultation.answer_all_proposals = True
    assert queries.is_owed(proposal) and proposal.qualifies(consultation)


def test_a_withdrawn_proposal_is_owed_nothing(consultation):
    proposal = qualified(consultation)
    proposals.withdraw_proposal(proposal.author, proposal)

    assert not queries.is_owed(proposal)
    assert not queries.is_overdue(proposal, now=DUE + 100 * DAY)


def test_a_hidden_proposal_is_owed_nothing(consultation):
    proposal = hidden(qualified(consultation))

    assert not queries.is_owed(proposal)
    assert not queries.is_overdue(proposal, now=DUE + 100 * DAY)


def test_a_blocked_authors_proposal_is_withheld_and_owed_nothing(consultation, db):
    proposal = qualified(consultation)
    moderation.block(make_user(Role.MODERATOR), proposal.author, "Spam ripetuto.", None)
    db.session.flush()

    assert not queries.is_owed(proposal)


def test_the_sql_rule_and_the_python_rule_agree(consultation, db, officer):
    """The board and the figures read `owed_an_answer()` in SQL; pages ask `is_owed()`."""
    from sqlalchemy import select

    from engage.consultations.models import Consultation
    from engage.proposals.models import Proposal

    cases = [qualified(consultation), unqualified(consultation), hidden(qualified(consultation)),
             make_proposal(consultation, support_count=10_000)]
    proposals.withdraw_proposal(cases[-1].author, cases[-1])
    everyone = consultation_voting_until(CLOSE, support_threshold=10, answer_all_proposals=True)
    cases += [unqualified(everyone), hidden(unqualified(everyone))]
    db.session.flush()

    in_sql = set(db.session.scalars(select(Proposal.id).join(Proposal.consultation).where(
        Proposal.id.in_([p.id for p in cases]), queries.owed_an_answer())))

    assert in_sql == {p.id for p in cases if queries.is_owed(p)} == {cases[0].id, cases[4].id}
    assert Consultation  # imported for the join's readability


# Overdue, with a frozen clock.

def test_an_unanswered_proposal_becomes_overdue_the_moment_after_its_deadline(consultation):
    proposal = qualified(consultation)

    assert not queries.is_overdue(proposal, now=CLOSE + DAY)
    assert not queries.is_overdue(proposal, now=DUE)
    assert queries.is_overdue(proposal, now=DUE + SECOND)


def test_under_evaluation_does_not_meet_the_deadline(consultation, officer):
    proposal = qualified(consultation)
    answer(officer, proposal, S.UNDER_EVALUATION, at=CLOSE + 5 * DAY)

    assert proposal.official_answer.decided_at is None
    assert queries.is_overdue(proposal, now=DUE + SECOND)


@pytest.mark.parametrize("status", [s for s in AnswerStatus if s is not S.UNDER_EVALUATION])
def test_every_decision_meets_the_deadline(consultation, officer, status):
    proposal = qualified(consultation)
    answer(officer, proposal, status, at=DUE - DAY)

    assert proposal.official_answer.decided_at == DUE - DAY
    assert not queries.is_overdue(proposal, now=DUE + 100 * DAY)


def test_a_late_decision_ends_the_overdue_state(consultation, officer):
    proposal = qualified(consultation)
    assert queries.is_overdue(proposal, now=DUE + 20 * DAY)

    answer(officer, proposal, S.REJECTED, at=DUE + 20 * DAY)

    assert not queries.is_overdue(proposal, now=DUE + 21 * DAY)


def test_the_first_decision_time_is_kept_when_the_answer_is_revised(consultation, officer):
    proposal = qualified(consultation)
    answer(officer, proposal, S.UNDER_EVALUATION, at=CLOSE + DAY)
    answer(officer, proposal, S.ACCEPTED, at=DUE - DAY)
    answer(officer, proposal, S.PARTIALLY_ACCEPTED, body_it="Solo il primo tratto.", at=DUE + 30 * DAY)

    given = proposal.official_answer
    assert given.decided_at == DUE - DAY
    assert given.created_at == CLOSE + DAY
    assert given.updated_at == DUE + 30 * DAY
    assert (given.status, given.body_it) == (S.PARTIALLY_ACCEPTED, "Solo il primo tratto.")


# The institution's board of proposals awaiting an answer.

@pytest.fixture
def board(db, consultation, officer):
    """One of each case, in the consultation that closed on 1 March 2025."""
    p = {
        "unanswered": qualified(consultation, title="Senza risposta"),
        "under_evaluation": qualified(consultation, title="In valutazione"),
        "answered_on_time": qualified(consultation, title="Risposta in tempo"),
        "answered_late": qualified(consultation, title="Risposta in ritardo"),  # by the tests, as time goes by
        "below_threshold": unqualified(consultation, title="Sotto la soglia"),
        "withdrawn": qualified(consultation, title="Ritirata"),
        "hidden": hidden(qualified(consultation, title="Nascosta")),
    }
    proposals.withdraw_proposal(p["withdrawn"].author, p["withdrawn"])
    answer(officer, p["under_evaluation"], S.UNDER_EVALUATION, at=CLOSE + DAY)
    answer(officer, p["answered_on_time"], S.ACCEPTED, at=CLOSE + 10 * DAY)
    # A consultation that closed later: its answers are not due yet on 1 May 2025.
    later = consultation_voting_until(datetime(2025, 4, 20, 12, 0, tzinfo=UTC), support_threshold=10)
    p["not_yet_due"] = qualified(later, title="Non ancora dovuta")
    # Another institution's consultation, overdue too: not on the Provincia's board.
    p["elsewhere"] = qualified(consultation_voting_until(CLOSE, institution_slug="comune-cremona",
                                                         support_threshold=10))
    db.session.flush()
    return p


def ids(proposals_) -> list[int]:
    return [p.id for p in proposals_]


def test_before_the_deadline_nothing_is_overdue_and_everything_owed_is_upcoming(board):
    awaiting = queries.awaiting_answers(provincia(), now=DUE - DAY)

    assert awaiting.overdue == []
    assert sorted(ids(awaiting.upcoming)) == sorted(ids([board["unanswered"], board["under_evaluation"],
                                                         board["answered_late"], board["not_yet_due"]]))


def test_after_the_deadline_the_board_lists_exactly_the_overdue_ones(board):
    awaiting = queries.awaiting_answers(provincia(), now=DUE + DAY)

    assert sorted(ids(awaiting.overdue)) == sorted(ids([board["unanswered"], board["under_evaluation"],
                                                        board["answered_late"]]))
    assert ids(awaiting.upcoming) == [board["not_yet_due"].id]


def test_once_the_late_answer_arrives_it_leaves_the_board(board, officer):
    answer(officer, board["answered_late"], S.REJECTED, at=DUE + 10 * DAY)
    awaiting = queries.awaiting_answers(provincia(), now=DUE + 11 * DAY)

    assert sorted(ids(awaiting.overdue)) == sorted(ids([board["unanswered"], board["under_evaluation"]]))


def test_the_longest_waiting_come_first_then_the_most_supported(db):
    older = consultation_voting_until(CLOSE - 30 * DAY, support_threshold=1)
    newer = consultation_voting_until(CLOSE, support_threshold=1)
    newer_few, newer_many = make_proposal(newer, support_count=3), make_proposal(newer, support_count=300)
    older_few, older_many = make_proposal(older, support_count=2), make_proposal(older, support_count=20)

    awaiting = queries.awaiting_answers(provincia(), now=DUE + DAY)

    assert ids(awaiting.overdue) == ids([older_many, older_few, newer_many, newer_few])


def test_before_voting_starts_nothing_is_awaited(db):
    consultation = consultation_voting_until(CLOSE, support_threshold=1)
    qualified(consultation)

    assert queries.awaiting_answers(provincia(), now=CLOSE - 20 * DAY) == queries.Awaiting([], [])
    assert len(queries.awaiting_answers(provincia(), now=CLOSE - DAY).upcoming) == 1  # voting is on


def test_draft_consultations_owe_nothing_in_public(db, officer):
    draft = consultation_voting_until(CLOSE, support_threshold=1, announced_at=None)
    qualified(draft)

    assert queries.awaiting_answers(provincia(), now=DUE + DAY) == queries.Awaiting([], [])
    assert queries.responsiveness(provincia(), now=DUE + DAY) == queries.Responsiveness(0, 0, 0, 0, None)


def test_the_board_and_the_figures_agree_when_an_answer_goes_back_under_evaluation(db, consultation, officer):
    proposal = qualified(consultation)
    answer(officer, proposal, S.ACCEPTED, at=CLOSE + 10 * DAY)
    answer(officer, proposal, S.UNDER_EVALUATION, body_it="Riesaminiamo il progetto.", at=CLOSE + 20 * DAY)

    figures = queries.responsiveness(provincia(), now=DUE + DAY)
    awaiting = queries.awaiting_answers(provincia(), now=DUE + DAY)

    assert (figures.on_time, figures.missing) == (1, 0)  # "a met deadline stays met"
    assert ids(awaiting.overdue) == []
    assert not queries.is_overdue(proposal, now=DUE + DAY)


# Responsiveness, against figures counted by hand.

def test_responsiveness_counted_by_hand(db, officer):
    """Two consultations, closed on 1 March (due 30 April) and 1 May 2025 (due 30 June); asked on
    1 June 2025:

        A1 decided  10 days after close   on time
        A2 decided  60 days after close   on time (exactly at the deadline)
        A3 decided  90 days after close   late
        A4 no answer                      missing
        A5 only "under evaluation"        missing
        A6 below the threshold, answered  not counted
        A7 withdrawn                      not counted
        A8 hidden                         not counted
        B1 no answer, not yet due         not counted
        B2 decided   5 days after close   on time

    owed 6 (A1-A5, B2); on time 3, late 1, missing 2; on time 50.0 %;
    median of the days to a decision (10, 60, 90, 5) = (10 + 60) / 2 = 35.0.
    """
    a = consultation_voting_until(CLOSE, support_threshold=5)
    b_close = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    b = consultation_voting_until(b_close, support_threshold=5)
    a1, a2, a3, a4, a5 = (qualified(a) for _ in range(5))
    a6, a7, a8 = unqualified(a), qualified(a), hidden(qualified(a))
    b1, b2 = qualified(b), qualified(b)
    answer(officer, a1, S.ACCEPTED, at=CLOSE + 10 * DAY)
    answer(officer, a2, S.REJECTED, at=CLOSE + 60 * DAY)
    answer(officer, a3, S.ALREADY_PLANNED, at=CLOSE + 90 * DAY)
    answer(officer, a5, S.UNDER_EVALUATION, at=CLOSE + 5 * DAY)
    answer(officer, a6, S.ACCEPTED, at=CLOSE + 20 * DAY)
    answer(officer, a7, S.ACCEPTED, at=CLOSE + 20 * DAY)
    proposals.withdraw_proposal(a7.author, a7)
    answer(officer, b2, S.IMPLEMENTED, at=b_close + 5 * DAY)
    assert (a4.official_answer, a8.official_answer, b1.official_answer) == (None, None, None)
    db.session.flush()

    figures = queries.responsiveness(provincia(), now=datetime(2025, 6, 1, tzinfo=UTC))

    assert figures == queries.Responsiveness(owed=6, on_time=3, late=1, missing=2, median_days=35.0)
    assert figures.on_time_share == 50.0


def test_responsiveness_with_nothing_due_yet(db, officer):
    consultation = consultation_voting_until(CLOSE, support_threshold=5)
    qualified(consultation)

    figures = queries.responsiveness(provincia(), now=DUE - DAY)

    assert figures == queries.Responsiveness(0, 0, 0, 0, None)
    assert figures.on_time_share is None


def test_a_decision_given_while_voting_was_still_open_took_zero_days(db, officer):
    consultation = consultation_voting_until(CLOSE, support_threshold=5)
    answer(officer, qualified(consultation), S.ALREADY_PLANNED, at=CLOSE - 3 * DAY)

    figures = queries.responsiveness(provincia(), now=DUE + DAY)

    assert (figures.on_time, figures.median_days) == (1, 0.0)


def test_a_third_on_time_is_rounded_to_one_decimal(db, officer):
    consultation = consultation_voting_until(CLOSE, support_threshold=5)
    on_time, late, _missing = (qualified(consultation) for _ in range(3))
    answer(officer, on_time, S.ACCEPTED, at=CLOSE + DAY)
    answer(officer, late, S.ACCEPTED, at=DUE + 2 * DAY)

    figures = queries.responsiveness(provincia(), now=DUE + 3 * DAY)

    assert (figures.owed, figures.on_time, figures.late, figures.missing) == (3, 1, 1, 1)
    assert figures.on_time_share == 33.3
    assert figures.median_days == 31.5  # (1 + 62) / 2


def test_other_institutions_answers_do_not_count(db):
    from tests.factories import institution

    comune = institution("comune-cremona")
    theirs = consultation_voting_until(CLOSE, institution_slug="comune-cremona", support_threshold=5)
    qualified(theirs)

    assert queries.responsiveness(provincia(), now=DUE + DAY).owed == 0
    assert queries.responsiveness(comune, now=DUE + DAY).missing == 1
