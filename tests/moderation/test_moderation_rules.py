"""Who may read, report, appeal and moderate, as a matrix over the moderation rules."""
import pytest
from flask_login import AnonymousUserMixin

from engage.auth.models import Role
from engage.auth.permissions import can
from engage.consultations.phases import Phase
from engage.moderation import services
from engage.moderation.models import Moderation, ReportReason
from tests.factories import institution, make_consultation, make_proposal, make_user

PEOPLE = ("anonymous", "author", "citizen", "blocked", "officer_here", "officer_elsewhere", "moderator", "admin")

EXPECTED = {
    #                                 anon   author citizen blocked here   elsewh  mod    admin
    "content.read":    {"visible": (True,  True,  True,  True,  True,  True,  True,  True),
                        "hidden":  (False, True,  False, False, True,  False, True,  True)},
    "content.report":  {"visible": (False, False, True,  False, True,  True,  True,  True),
                        "hidden":  (False, False, False, False, False, False, False, False)},
    "content.appeal":  {"visible": (False, False, False, False, False, False, False, False),
                        "hidden":  (False, True,  False, False, False, False, False, False)},
    "moderation.decide": {"visible": (False, False, False, False, True, False, True,  True),
                          "hidden":  (False, False, False, False, True, False, True,  True)},
    "moderation.block":  {"visible": (False, False, False, False, False, False, True, True),
                          "hidden":  (False, False, False, False, False, False, True, True)},
}


@pytest.fixture
def world(db):
    people = {
        "anonymous": AnonymousUserMixin(),
        "author": make_user(),
        "citizen": make_user(),
        "blocked": make_user(),
        "officer_here": make_user(officer_of=institution("provincia-cremona")),
        "officer_elsewhere": make_user(officer_of=institution("cgil")),
        "moderator": make_user(Role.MODERATOR),
        "admin": make_user(Role.ADMIN),
    }
    services.block(people["moderator"], people["blocked"], "spam", None)
    proposal = make_proposal(make_consultation(Phase.VOTING), people["author"])
    return people, proposal


def _target(rule, proposal, people):
    if rule.startswith("moderation.decide") or rule == "content.appeal":
        return services.case_for(proposal)
    if rule == "moderation.block":
        return people["author"]
    return proposal


@pytest.mark.parametrize("state", ["visible", "hidden"])
@pytest.mark.parametrize("rule_name", sorted(EXPECTED))
def test_moderation_rule_matrix(rule_name, state, world):
    people, proposal = world
    if state == "hidden":
        services.hide(people["moderator"], services.case_for(proposal), ReportReason.SPAM)
        assert proposal.moderation is Moderation.HIDDEN
    target = _target(rule_name, proposal, people)
    outcome = tuple(can(people[who], rule_name, target) for who in PEOPLE)
    assert outcome == EXPECTED[rule_name][state]


def test_nobody_blocks_an_admin_or_themselves(world):
    people, _ = world
    assert not can(people["moderator"], "moderation.block", people["admin"])
    assert not can(people["moderator"], "moderation.block", people["moderator"])
    assert can(people["admin"], "moderation.block", people["moderator"])
