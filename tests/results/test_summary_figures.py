"""Every figure of a consultation's result summary, against the small consultation of
tests/results/world.py whose figures were worked out by hand (see its docstring).

Participants are counted once whatever they did; what moderation hid, what authors deleted,
drafts and the institution's own proposals are left out; anonymous questionnaire answers are
responses but not people.
"""
from datetime import UTC, date, datetime, timedelta

import pytest

from engage.accountability.models import AnswerStatus
from engage.auth.models import AgeBand
from engage.comments.models import Stance
from engage.consultations.phases import Phase
from engage.results.summary import Scope, summary
from tests.factories import make_consultation, make_proposal, make_supports, make_user
from tests.results import world as w


@pytest.fixture
def story(db):
    return w.build_world()


@pytest.fixture
def figures(story):
    return summary(Scope.of_consultation(story.consultation))


def test_the_totals(figures):
    assert (figures.participants, figures.proposals, figures.supports, figures.comments,
            figures.questionnaire_responses) == (7, 4, 10, 6, 3)


def test_each_person_is_counted_once_whatever_they_did(story, figures):
    """Anna wrote, supported, replied and answered the questionnaire: still one participant.
    Those whose only trace was hidden, deleted, a draft, anonymous or official are nobody here."""
    assert figures.participants == len(["anna", "bruno", "carla", "dario", "elena", "franco", "lara"])
    # Seven people in the breakdowns too: each one sits in exactly one comune row and one age row.
    assert sum(count for _comune, count, _rate in figures.by_comune) == 7
    assert sum(count for _band, count, _share in figures.by_age) == 7


def test_the_ranking_follows_supports_and_marks_the_threshold(figures):
    assert figures.threshold == 2
    assert [(r.proposal.title, r.supports, r.qualifies) for r in figures.ranking] == w.RANKING


def test_the_stance_split_of_each_proposal_leaves_out_hidden_and_deleted_comments(figures):
    split = {r.proposal.title: (r.stances.get(Stance.IN_FAVOUR, 0), r.stances.get(Stance.AGAINST, 0),
                                r.stances.get(Stance.NEUTRAL, 0)) for r in figures.ranking}
    assert split == w.STANCES
    # The reply has no stance: P1 has four comments but three stances.
    assert next(r for r in figures.ranking if r.proposal.title == w.P1).stance_total == 3


def test_hidden_proposals_and_their_supports_and_comments_are_left_out(figures):
    titles = [r.proposal.title for r in figures.ranking]
    assert w.HIDDEN_TITLE not in titles
    assert figures.supports == sum(supports for _title, supports, _q in w.RANKING) == 10


def test_participation_over_time_day_by_day(figures):
    assert figures.over_time == w.OVER_TIME
    # The days add up to the totals.
    assert sum(day[1] for day in figures.over_time) == figures.proposals
    assert sum(day[2] for day in figures.over_time) == figures.supports
    assert sum(day[3] for day in figures.over_time) == figures.comments


def test_a_day_is_cremonas_day_whatever_the_season(db):
    """The per-day figures follow the calendar people live by. At 23:30 UTC in winter and 22:30
    UTC in summer it is already past midnight in Cremona; at 21:59 UTC in summer it is not yet."""
    consultation = make_consultation(Phase.VOTING)
    author = make_user()
    late = w.proposal(consultation, author, "Treni anche di notte", point=1,
                      when=datetime(2026, 1, 10, 22, 30, tzinfo=UTC))  # 23:30 on 10 January
    w.support(late, make_user(), datetime(2026, 1, 10, 23, 30, tzinfo=UTC))  # 00:30 on 11 January
    w.support(late, make_user(), datetime(2026, 7, 10, 22, 30, tzinfo=UTC))  # 00:30 on 11 July
    w.comment(late, author=make_user(), when=datetime(2026, 7, 10, 21, 59, tzinfo=UTC))  # 23:59 on 10 July

    figures = summary(Scope.of_consultation(consultation))

    assert figures.over_time == [(date(2026, 1, 10), 1, 0, 0), (date(2026, 1, 11), 0, 1, 0),
                                 (date(2026, 7, 10), 0, 0, 1), (date(2026, 7, 11), 0, 1, 0)]


def test_by_priority_point(figures):
    assert [(point.number, proposals, supports) for point, proposals, supports in figures.by_point] == w.BY_POINT


def test_by_comune_per_thousand_inhabitants_so_small_places_stand_out(figures):
    """Castelvisconti (282 people) has one participant: 3.55 per 1,000, far ahead of Cremona's
    one in 71,523 (0.01). The ones without a comune come last, with no rate."""
    assert [(c.name if c else None, count, rate) for c, count, rate in figures.by_comune] == w.BY_COMUNE
    castelvisconti = figures.by_comune[0][0]
    assert (castelvisconti.population, castelvisconti.population_year) == (282, 2021)


def test_by_age_band_with_shares_of_the_participants(figures):
    assert figures.by_age == w.BY_AGE


def test_the_state_of_the_answers(figures):
    """P1, P2 and P4 reached 2 supports: P1 accepted, P2 under evaluation, P4 nothing yet."""
    assert figures.answers == w.ANSWERS
    assert figures.owed == 3


def test_overdue_answers_with_a_frozen_clock(story):
    """Due 60 days after voting closes. Before: nothing is overdue. After: P2 (under evaluation
    is not a decision) and P4 (no answer) are; P1 was decided."""
    scope = Scope.of_consultation(story.consultation)
    due = story.consultation.voting_until + timedelta(days=60)
    assert story.consultation.answers_due_at == due
    assert summary(scope, now=due - timedelta(minutes=1)).overdue == 0
    assert summary(scope, now=due).overdue == 0
    assert summary(scope, now=due + timedelta(minutes=1)).overdue == 2
    assert summary(scope, now=due + timedelta(days=400)).overdue == 2


def test_a_decision_after_the_deadline_takes_a_proposal_off_the_overdue_count(story, db):
    from engage.accountability import services as accountability

    scope = Scope.of_consultation(story.consultation)
    late = story.consultation.voting_until + timedelta(days=61)
    accountability.answer_proposal(story.officer, story.proposals["P4"], status=AnswerStatus.REJECTED,
                                   body_it="Non è di nostra competenza.")
    figures = summary(scope, now=late)
    assert figures.overdue == 1  # P2 only
    assert figures.answers == {AnswerStatus.ACCEPTED: 1, AnswerStatus.UNDER_EVALUATION: 1,
                               AnswerStatus.REJECTED: 1}


def test_answer_all_proposals_makes_every_proposal_owed(story, db):
    story.consultation.answer_all_proposals = True
    db.session.flush()
    figures = summary(Scope.of_consultation(story.consultation))
    assert figures.answers == {AnswerStatus.ACCEPTED: 1, AnswerStatus.UNDER_EVALUATION: 1, None: 2}


def test_an_empty_consultation_has_zeros_not_errors(db):
    figures = summary(Scope.of_consultation(make_consultation(Phase.VOTING)))
    assert (figures.participants, figures.proposals, figures.supports, figures.comments,
            figures.questionnaire_responses) == (0, 0, 0, 0, 0)
    assert (figures.ranking, figures.over_time, figures.by_point, figures.by_comune, figures.by_age,
            figures.answers, figures.overdue) == ([], [], [], [], [], {}, 0)


def test_a_withdrawn_proposal_keeps_its_supports_but_is_owed_no_answer(db):
    from engage.proposals import services as proposals

    consultation = make_consultation(Phase.VOTING, support_threshold=1)
    author = make_user()
    kept, withdrawn = make_proposal(consultation, author), make_proposal(consultation, author)
    make_supports(kept, 1)
    make_supports(withdrawn, 2)
    proposals.withdraw_proposal(author, withdrawn)
    figures = summary(Scope.of_consultation(consultation))
    assert (figures.proposals, figures.supports) == (2, 3)
    assert figures.answers == {None: 1}


def test_with_a_threshold_of_zero_the_qualified_flags_agree_with_the_answers_owed(db):
    consultation = make_consultation(Phase.VOTING, support_threshold=0)
    supported, unsupported = make_proposal(consultation), make_proposal(consultation)
    make_supports(supported, 1)
    figures = summary(Scope.of_consultation(consultation))
    qualified = sum(r.qualifies for r in figures.ranking)
    assert qualified == figures.owed, (qualified, figures.answers)
    assert unsupported.id


def test_shares_are_rounded_half_up_as_a_reader_recomputing_them_would(db, client):
    """16 participants: the author (65 and over) and 15 supporters (no age band given). 1/16 is
    6.25 % and 15/16 is 93.75 %: shown as 6.3 and 93.8, not rounded to even (6.2, 93.8)."""
    consultation = make_consultation(Phase.VOTING)
    author = make_user()
    author.age_band = AgeBand.OVER_65
    make_supports(make_proposal(consultation, author), 15)
    figures = summary(Scope.of_consultation(consultation))
    assert figures.participants == 16
    assert figures.by_age == [(AgeBand.OVER_65, 1, 6.3), (None, 15, 93.8)]
    db.session.commit()
    rows = client.get(f"/consultazioni/{consultation.id}/risultati/sintesi.csv").get_data(as_text=True)
    assert "age_band,65_plus,1,6.3" in rows.splitlines()
