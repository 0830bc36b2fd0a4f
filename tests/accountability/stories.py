"""Shared setup for the accountability stories: consultations placed on a chosen calendar, the
Provincia's officer, answers given at a chosen moment (the clock is frozen by passing `now=`)."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus
from engage.consultations.phases import phase_at
from engage.core.db import utcnow
from engage.moderation.models import Moderation
from tests.factories import institution, make_consultation, make_proposal, make_user

DAY = timedelta(days=1)
PROVINCIA = "provincia-cremona"


def provincia():
    return institution(PROVINCIA)


def officer_of_the_provincia():
    return make_user(officer_of=provincia())


def consultation_voting_until(voting_until: datetime, **settings):
    """A Provincia consultation whose voting closes (or closed) at `voting_until`; its phase now
    follows from that (closed if in the past, voting if within ten days ahead...)."""
    timeline = dict(announced_at=voting_until - 40 * DAY, proposals_from=voting_until - 30 * DAY,
                    voting_from=voting_until - 10 * DAY, voting_until=voting_until, results_at=None)
    timeline.update({name: settings.pop(name) for name in list(settings) if name in timeline})
    return make_consultation(phase_at(SimpleNamespace(**timeline), utcnow()), **timeline, **settings)


def closed_consultation(days_ago: float = 100, **settings):
    """Voting closed `days_ago` days ago (so its answers, at the default 60 days, may be overdue)."""
    return consultation_voting_until(utcnow() - days_ago * DAY, **settings)


def qualified(consultation, **kwargs):
    """A proposal with exactly the supports the consultation asks for."""
    return make_proposal(consultation, support_count=consultation.support_threshold, **kwargs)


def unqualified(consultation, **kwargs):
    return make_proposal(consultation, support_count=max(consultation.support_threshold - 1, 0), **kwargs)


def hidden(proposal):
    proposal.moderation = Moderation.HIDDEN
    return proposal


def answer(officer, proposal, status: AnswerStatus = AnswerStatus.ACCEPTED, *, at: datetime | None = None,
           body_it: str = "La Provincia accoglie la proposta.", **fields):
    """The institution's answer, given at the moment `at` (a frozen clock)."""
    return answers.answer_proposal(officer, proposal, status=status, body_it=body_it, now=at, **fields)
