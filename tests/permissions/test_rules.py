"""Who may do what, as a role matrix over the named rules in engage/auth/permissions.py."""
import pytest

from engage.auth.permissions import RULES, can
from tests.accountability.test_answer_rules import EXPECTED as ACCOUNTABILITY_EXPECTED
from tests.factories import ROLE_PEOPLE, institution, role_people
from tests.moderation.test_moderation_rules import EXPECTED as MODERATION_EXPECTED
from tests.permissions.test_participation_rules import EXPECTED as PARTICIPATION_EXPECTED
from tests.questionnaires.test_questionnaire_rules import EXPECTED as QUESTIONNAIRE_EXPECTED
from tests.results.test_results_rules import EXPECTED as RESULTS_EXPECTED

PEOPLE = ROLE_PEOPLE

EXPECTED = {
    #                      anon  unconf citizen here  elsewhere mod   admin
    "account.participate": (False, False, True, True, True, True, True),
    "admin.access":        (False, False, False, False, False, False, True),
    "masterplan.edit":     (False, False, False, False, False, False, True),
    "institution.edit":    (False, False, False, False, False, False, True),
    "institution.act_for": (False, False, False, True, False, False, True),
    "user.grant_roles":    (False, False, False, False, False, False, True),
    "moderation.access":   (False, False, False, False, False, True, True),
    "moderation.queue":    (False, False, False, True, True, True, True),
    "moderation.audit":    (False, False, False, False, False, False, True),
}


@pytest.fixture
def people(db):
    return role_people()


def test_every_rule_is_in_the_matrix():
    """Each rule is in this role table, the role x phase table of test_participation_rules.py,
    the moderation table of tests/moderation/test_moderation_rules.py, or the role x phase table
    of tests/questionnaires/test_questionnaire_rules.py."""
    covered = set(EXPECTED) | set(PARTICIPATION_EXPECTED) | set(MODERATION_EXPECTED) | set(QUESTIONNAIRE_EXPECTED)
    covered |= set(ACCOUNTABILITY_EXPECTED)  # the role x phase table of tests/accountability/test_answer_rules.py
    covered |= set(RESULTS_EXPECTED)  # the role x phase table of tests/results/test_results_rules.py
    assert set(RULES) - covered == set(), "rules that no table tests"
    assert covered - set(RULES) == set(), "tables name rules that do not exist"


@pytest.mark.parametrize("rule_name", sorted(EXPECTED))
def test_rule_matrix(rule_name, people):
    target = institution("provincia-cremona")
    outcome = tuple(can(people[who], rule_name, target) for who in PEOPLE)
    assert outcome == EXPECTED[rule_name]


def test_an_unknown_rule_is_an_error_not_a_silent_no(people):
    with pytest.raises(LookupError):
        can(people["admin"], "proposal.teleport")
