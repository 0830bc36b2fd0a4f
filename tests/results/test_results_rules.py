"""Who may see a consultation's results, in each phase: the rule "results.view" read by hand.

Its institution's officers and the admins follow the figures all along (they run the
consultation); everybody else from the moment voting opens (live figures) through closing and
results (final figures). Moderators are not the institution. The table is imported by
tests/permissions/test_rules.py, which checks that every rule has one.
"""
import pytest

from engage.auth.permissions import can
from engage.consultations.phases import Phase
from tests.factories import ROLE_PEOPLE, make_consultation, role_people

PEOPLE = ROLE_PEOPLE

D, U, P, V, C, R = Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED, Phase.RESULTS

EXPECTED = {
    #                            anon   unconf citizen here   elsewh moder  admin
    "results.view": {
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
}


@pytest.fixture
def people(db):
    return role_people()


def test_the_table_covers_every_phase():
    for rule_name, by_phase in EXPECTED.items():
        assert set(by_phase) == set(Phase), rule_name
        assert all(len(row) == len(PEOPLE) for row in by_phase.values()), rule_name


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_who_may_see_the_results_in_each_phase(people, phase):
    consultation = make_consultation(phase)
    actual = {rule_name: tuple(can(people[who], rule_name, consultation) for who in PEOPLE) for rule_name in EXPECTED}
    assert actual == {rule_name: by_phase[phase] for rule_name, by_phase in EXPECTED.items()}


def test_a_blocked_citizen_still_reads_public_results(people):
    """Reading is not taking part: a block stops writing, not reading what everybody may read."""
    from engage.moderation import services as moderation

    moderation.block(people["moderator"], people["citizen"], "spam", None)
    assert can(people["citizen"], "results.view", make_consultation(V))
    assert not can(people["citizen"], "results.view", make_consultation(P))
