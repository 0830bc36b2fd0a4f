"""Who may take part, and how, in each phase of a consultation.

The table below is the rules in engage/auth/permissions.py read by hand: one row per rule and
phase, one column per person. The consultation belongs to the Provincia di Cremona; in every
phase the citizen has written a (published, unsupported, uncommented) proposal and a fresh
comment in the general discussion, so the author-only rules show up in the citizen's column.
The consultation sets no support limit. Rules that turn on authorship, counters or time have
their own stories further down.
"""
from datetime import timedelta

import pytest

from engage.moderation.models import Moderation
from engage.auth.permissions import can
from engage.comments import services as comments
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.proposals import services as proposals
from engage.votes import services as votes
from tests.factories import (ROLE_PEOPLE, make_comment, make_consultation, make_proposal, make_supports, make_user,
                             role_people)

PEOPLE = ROLE_PEOPLE

D, U, P, V, C, R = Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED, Phase.RESULTS

EXPECTED = {
    #                            anon   unconf citizen here   elsewh moder  admin
    "consultation.view": {
        D:                      (False, False, False, True,  False, False, True),
        U:                      (True,  True,  True,  True,  True,  True,  True),
        P:                      (True,  True,  True,  True,  True,  True,  True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
    "consultation.manage": {
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (False, False, False, True,  False, False, True),
        C:                      (False, False, False, True,  False, False, True),
        R:                      (False, False, False, True,  False, False, True),
    },
    "consultation.create": {  # for the consultation's institution, whatever phase this one is in
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (False, False, False, True,  False, False, True),
        C:                      (False, False, False, True,  False, False, True),
        R:                      (False, False, False, True,  False, False, True),
    },
    "proposal.create": {
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, True,  True,  True,  True,  True),
        V:                      (False, False, False, False, False, False, False),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "proposal.create_official": {
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (False, False, False, True,  False, False, True),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "proposal.view": {  # a published proposal
        D:                      (False, False, False, True,  False, False, True),
        U:                      (True,  True,  True,  True,  True,  True,  True),
        P:                      (True,  True,  True,  True,  True,  True,  True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
    "proposal.edit": {  # the citizen's proposal
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, True,  False, False, False, False),
        V:                      (False, False, False, False, False, False, False),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "proposal.withdraw": {  # the citizen's proposal; the rule does not look at the phase
        D:                      (False, False, True,  False, False, False, False),
        U:                      (False, False, True,  False, False, False, False),
        P:                      (False, False, True,  False, False, False, False),
        V:                      (False, False, True,  False, False, False, False),
        C:                      (False, False, True,  False, False, False, False),
        R:                      (False, False, True,  False, False, False, False),
    },
    "proposal.support": {
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, False, False, False, False, False),
        V:                      (False, False, True,  True,  True,  True,  True),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "support.within_limit": {  # no limit set: nobody is ever over it (the phase is proposal.support's job)
        D:                      (True,  True,  True,  True,  True,  True,  True),
        U:                      (True,  True,  True,  True,  True,  True,  True),
        P:                      (True,  True,  True,  True,  True,  True,  True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
    "support.withdraw": {
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, False, False, False, False, False),
        V:                      (False, False, True,  True,  True,  True,  True),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "comment.create": {
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, True,  True,  True,  True,  True),
        V:                      (False, False, True,  True,  True,  True,  True),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "comment.edit": {  # the citizen's comment, just posted
        D:                      (False, False, True,  False, False, False, False),
        U:                      (False, False, True,  False, False, False, False),
        P:                      (False, False, True,  False, False, False, False),
        V:                      (False, False, True,  False, False, False, False),
        C:                      (False, False, True,  False, False, False, False),
        R:                      (False, False, True,  False, False, False, False),
    },
    "comment.delete": {  # the citizen's comment
        D:                      (False, False, True,  False, False, False, False),
        U:                      (False, False, True,  False, False, False, False),
        P:                      (False, False, True,  False, False, False, False),
        V:                      (False, False, True,  False, False, False, False),
        C:                      (False, False, True,  False, False, False, False),
        R:                      (False, False, True,  False, False, False, False),
    },
    "comment.vote": {  # on the citizen's comment: everyone confirmed who can see it, but its author
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  True,  True,  True),
        P:                      (False, False, False, True,  True,  True,  True),
        V:                      (False, False, False, True,  True,  True,  True),
        C:                      (False, False, False, True,  True,  True,  True),
        R:                      (False, False, False, True,  True,  True,  True),
    },
    "follow": {
        D:                      (False, True,  True,  True,  True,  True,  True),
        U:                      (False, True,  True,  True,  True,  True,  True),
        P:                      (False, True,  True,  True,  True,  True,  True),
        V:                      (False, True,  True,  True,  True,  True,  True),
        C:                      (False, True,  True,  True,  True,  True,  True),
        R:                      (False, True,  True,  True,  True,  True,  True),
    },
}

# What each rule is asked about.
TARGET = {
    "consultation.view": "consultation", "consultation.manage": "consultation",
    "consultation.create": "institution", "proposal.create": "consultation",
    "proposal.create_official": "consultation", "proposal.view": "proposal", "proposal.edit": "proposal",
    "proposal.withdraw": "proposal", "proposal.support": "proposal", "support.within_limit": "consultation",
    "support.withdraw": "proposal", "comment.create": "consultation", "comment.edit": "comment",
    "comment.delete": "comment", "comment.vote": "comment", "follow": "consultation",
}


@pytest.fixture
def people(db):
    return role_people()


def test_the_table_covers_every_phase_of_every_rule():
    assert set(TARGET) == set(EXPECTED)
    for rule_name, by_phase in EXPECTED.items():
        assert set(by_phase) == set(Phase), rule_name
        assert all(len(row) == len(PEOPLE) for row in by_phase.values()), rule_name


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_who_may_do_what_in_each_phase(people, phase):
    consultation = make_consultation(phase, comments_enabled=True, supports_per_participant=0)
    targets = {
        "consultation": consultation,
        "institution": consultation.institution,
        "proposal": make_proposal(consultation, author=people["citizen"]),
        "comment": make_comment(consultation=consultation, author=people["citizen"]),
    }
    actual = {rule_name: tuple(can(people[who], rule_name, targets[TARGET[rule_name]]) for who in PEOPLE)
              for rule_name in EXPECTED}
    assert actual == {rule_name: by_phase[phase] for rule_name, by_phase in EXPECTED.items()}


def test_with_comments_turned_off_nobody_comments_even_in_the_open_phases(people):
    for phase in (Phase.PROPOSALS, Phase.VOTING):
        consultation = make_consultation(phase, comments_enabled=False)
        assert not any(can(people[who], "comment.create", consultation) for who in PEOPLE), phase


def test_a_proposal_waiting_for_review_is_supported_by_nobody(people):

    proposal = make_proposal(make_consultation(Phase.VOTING))
    proposal.moderation = Moderation.PENDING
    assert not any(can(people[who], "proposal.support", proposal) for who in PEOPLE)


# proposal.edit: the author, while proposals are open, until the first support or comment.

def test_a_citizen_edits_her_proposal_while_proposals_are_open_and_nobody_has_reacted(people):
    proposal = make_proposal(make_consultation(Phase.PROPOSALS), author=people["citizen"])
    assert can(people["citizen"], "proposal.edit", proposal)
    for who in ("anonymous", "officer_here", "moderator", "admin"):
        assert not can(people[who], "proposal.edit", proposal), who
    assert not can(make_user(), "proposal.edit", proposal)


def test_once_voting_opens_the_proposal_can_no_longer_be_edited(people):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, author=people["citizen"])
    assert not can(people["citizen"], "proposal.edit", proposal)


def test_the_first_support_freezes_the_proposal(people):
    proposal = make_proposal(make_consultation(Phase.PROPOSALS), author=people["citizen"])
    make_supports(proposal, 1)
    assert not can(people["citizen"], "proposal.edit", proposal)


def test_the_first_comment_freezes_the_proposal(people):
    proposal = make_proposal(make_consultation(Phase.PROPOSALS), author=people["citizen"])
    make_comment(proposal)
    assert proposal.comment_count == 1
    assert not can(people["citizen"], "proposal.edit", proposal)


def test_a_withdrawn_proposal_cannot_be_edited(people):
    proposal = make_proposal(make_consultation(Phase.PROPOSALS), author=people["citizen"])
    proposals.withdraw_proposal(people["citizen"], proposal)
    assert not can(people["citizen"], "proposal.edit", proposal)


# proposal.withdraw: the author, once.

def test_only_the_author_withdraws_a_proposal_and_only_once(people):
    proposal = make_proposal(make_consultation(Phase.VOTING), author=people["citizen"])
    for who in ("anonymous", "unconfirmed", "officer_here", "moderator", "admin"):
        assert not can(people[who], "proposal.withdraw", proposal), who
    assert can(people["citizen"], "proposal.withdraw", proposal)

    proposals.withdraw_proposal(people["citizen"], proposal)

    assert not can(people["citizen"], "proposal.withdraw", proposal)


# comment.edit, comment.delete, comment.vote.

def test_a_comment_can_be_edited_by_its_author_for_15_minutes(people, db):
    comment = make_comment(consultation=make_consultation(Phase.PROPOSALS), author=people["citizen"])
    assert can(people["citizen"], "comment.edit", comment)
    assert not can(make_user(), "comment.edit", comment)
    assert not can(people["moderator"], "comment.edit", comment)

    comment.created_at = utcnow() - timedelta(minutes=14)
    db.session.flush()
    db.session.expire(comment)
    assert can(people["citizen"], "comment.edit", comment)

    comment.created_at = utcnow() - timedelta(minutes=16)
    db.session.flush()
    db.session.expire(comment)
    assert not can(people["citizen"], "comment.edit", comment)


def test_a_deleted_comment_cannot_be_edited_deleted_again_or_voted_on(people):
    comment = make_comment(consultation=make_consultation(Phase.PROPOSALS), author=people["citizen"])
    other = make_user()
    assert can(other, "comment.vote", comment)

    comments.delete_comment(people["citizen"], comment)

    assert not can(people["citizen"], "comment.edit", comment)
    assert not can(people["citizen"], "comment.delete", comment)
    assert not can(other, "comment.vote", comment)


def test_only_the_author_deletes_a_comment(people):
    comment = make_comment(consultation=make_consultation(Phase.VOTING), author=people["citizen"])
    for who in ("anonymous", "unconfirmed", "officer_here", "officer_elsewhere", "moderator", "admin"):
        assert not can(people[who], "comment.delete", comment), who
    assert not can(make_user(), "comment.delete", comment)
    assert can(people["citizen"], "comment.delete", comment)


def test_people_vote_on_other_peoples_comments_but_not_on_their_own(people):
    consultation = make_consultation(Phase.VOTING)
    comment = make_comment(consultation=consultation, author=people["citizen"])
    assert not can(people["citizen"], "comment.vote", comment)
    assert can(make_user(), "comment.vote", comment)
    assert not can(people["unconfirmed"], "comment.vote", comment)
    assert not can(people["anonymous"], "comment.vote", comment)
    someone_elses = make_comment(consultation=consultation, author=make_user())
    assert can(people["citizen"], "comment.vote", someone_elses)


# support.within_limit.

def test_with_a_limit_of_two_the_third_support_is_over_the_limit(people):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=2)
    first, second, third = (make_proposal(consultation) for _ in range(3))
    citizen = people["citizen"]
    assert can(citizen, "support.within_limit", consultation)

    votes.support(citizen, first)
    assert can(citizen, "support.within_limit", consultation)

    votes.support(citizen, second)
    assert not can(citizen, "support.within_limit", consultation)
    assert can(citizen, "proposal.support", third)  # the phase allows it; the limit does not

    votes.withdraw_support(citizen, second)
    assert can(citizen, "support.within_limit", consultation)


def test_the_limit_counts_each_persons_supports_in_this_consultation_only(people):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=2)
    elsewhere = make_consultation(Phase.VOTING, supports_per_participant=2)
    citizen = people["citizen"]
    for proposal in (make_proposal(elsewhere), make_proposal(elsewhere)):
        votes.support(citizen, proposal)
    votes.support(make_user(), make_proposal(consultation))
    assert not can(citizen, "support.within_limit", elsewhere)
    assert can(citizen, "support.within_limit", consultation)


def test_a_limit_of_zero_means_no_limit(people):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=0)
    citizen = people["citizen"]
    for _ in range(5):
        votes.support(citizen, make_proposal(consultation))
    assert can(citizen, "support.within_limit", consultation)
