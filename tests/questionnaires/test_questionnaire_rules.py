"""Who may see, build, answer, read the results of and export a questionnaire, in each phase.

The table below is the questionnaire rules in engage/auth/permissions.py read by hand: one row
per rule and phase, one column per person. The consultation belongs to the Provincia di
Cremona; the questionnaire is published and open while the consultation takes proposals
(open_phase=PROPOSALS), so it is "closed" from VOTING on and its results become public then.
An unpublished questionnaire has its own table further down.
"""
import pytest

from engage.auth.permissions import can
from engage.consultations.phases import Phase
from tests.factories import ROLE_PEOPLE, make_consultation, role_people
from tests.questionnaires.helpers import make_questionnaire

PEOPLE = ROLE_PEOPLE

D, U, P, V, C, R = Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED, Phase.RESULTS

EXPECTED = {
    #                            anon   unconf citizen here   elsewh moder  admin
    "questionnaire.view": {  # published: whoever sees the consultation
        D:                      (False, False, False, True,  False, False, True),
        U:                      (True,  True,  True,  True,  True,  True,  True),
        P:                      (True,  True,  True,  True,  True,  True,  True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
    "questionnaire.manage": {  # the institution's staff, in every phase
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (False, False, False, True,  False, False, True),
        C:                      (False, False, False, True,  False, False, True),
        R:                      (False, False, False, True,  False, False, True),
    },
    "questionnaire.answer": {  # anyone who may participate, only in the open phase
        D:                      (False, False, False, False, False, False, False),
        U:                      (False, False, False, False, False, False, False),
        P:                      (False, False, True,  True,  True,  True,  True),
        V:                      (False, False, False, False, False, False, False),
        C:                      (False, False, False, False, False, False, False),
        R:                      (False, False, False, False, False, False, False),
    },
    "questionnaire.results": {  # staff live; everybody once the open phase is over
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (True,  True,  True,  True,  True,  True,  True),
        C:                      (True,  True,  True,  True,  True,  True,  True),
        R:                      (True,  True,  True,  True,  True,  True,  True),
    },
    "questionnaire.export": {  # one row per response: the institution's staff only
        D:                      (False, False, False, True,  False, False, True),
        U:                      (False, False, False, True,  False, False, True),
        P:                      (False, False, False, True,  False, False, True),
        V:                      (False, False, False, True,  False, False, True),
        C:                      (False, False, False, True,  False, False, True),
        R:                      (False, False, False, True,  False, False, True),
    },
}

# Before publication only the staff see it, build it, follow it and export it; nobody answers,
# and the results do not become public even once its phase is over.
UNPUBLISHED = {
    #                            anon   unconf citizen here   elsewh moder  admin
    "questionnaire.view":       (False, False, False, True,  False, False, True),
    "questionnaire.manage":     (False, False, False, True,  False, False, True),
    "questionnaire.answer":     (False, False, False, False, False, False, False),
    "questionnaire.results":    (False, False, False, True,  False, False, True),
    "questionnaire.export":     (False, False, False, True,  False, False, True),
}


@pytest.fixture
def people(db):
    return role_people()


def test_the_table_covers_every_phase_of_every_rule():
    assert set(UNPUBLISHED) == set(EXPECTED)
    for rule_name, by_phase in EXPECTED.items():
        assert set(by_phase) == set(Phase), rule_name
        assert all(len(row) == len(PEOPLE) for row in by_phase.values()), rule_name
    assert all(len(row) == len(PEOPLE) for row in UNPUBLISHED.values())


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_who_may_do_what_with_a_published_questionnaire_in_each_phase(people, phase):
    questionnaire = make_questionnaire(make_consultation(phase), open_phase=Phase.PROPOSALS)
    actual = {rule_name: tuple(can(people[who], rule_name, questionnaire) for who in PEOPLE)
              for rule_name in EXPECTED}
    assert actual == {rule_name: by_phase[phase] for rule_name, by_phase in EXPECTED.items()}


@pytest.mark.parametrize("phase", [P, V, R], ids=lambda p: p.value)
def test_an_unpublished_questionnaire_is_the_staffs_alone(people, phase):
    questionnaire = make_questionnaire(make_consultation(phase), open_phase=Phase.PROPOSALS, published=False)
    actual = {rule_name: tuple(can(people[who], rule_name, questionnaire) for who in PEOPLE)
              for rule_name in UNPUBLISHED}
    assert actual == UNPUBLISHED


def test_building_for_a_consultation_asks_the_same_rule_of_the_consultation(people):
    """questionnaire.manage is also asked of a consultation (to create the first questionnaire)."""
    consultation = make_consultation(Phase.DRAFT)
    assert tuple(can(people[who], "questionnaire.manage", consultation) for who in PEOPLE) == \
        EXPECTED["questionnaire.manage"][D]


def test_a_questionnaire_open_while_voting_takes_answers_then_and_only_then(people):
    for phase, open_now in ((P, False), (V, True), (C, False)):
        questionnaire = make_questionnaire(make_consultation(phase), open_phase=Phase.VOTING)
        assert can(people["citizen"], "questionnaire.answer", questionnaire) is open_now, phase
        assert can(people["citizen"], "questionnaire.results", questionnaire) is (phase is C), phase


def test_a_blocked_citizen_cannot_answer(people):
    from engage.moderation import services as moderation

    questionnaire = make_questionnaire(make_consultation(P))
    moderation.block(people["moderator"], people["citizen"], "spam", None)
    assert not can(people["citizen"], "questionnaire.answer", questionnaire)
