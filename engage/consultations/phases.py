"""The phase of a consultation follows from its timeline at the moment of asking.

No scheduler: every request computes it, so every node agrees without coordination.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from engage.core.enums import LabelledEnum


class Phase(LabelledEnum):
    DRAFT = "draft", _l("Draft")                        # staff only
    UPCOMING = "upcoming", _l("Upcoming")               # announced, proposals not open yet
    PROPOSALS = "proposals", _l("Proposals open")       # citizens submit
    VOTING = "voting", _l("Voting open")                # citizens support
    CLOSED = "closed", _l("Closed")                     # counting, answers being prepared
    RESULTS = "results", _l("Results published")

    @property
    def is_public(self) -> bool:
        return self is not Phase.DRAFT



def phase_at(timeline, now: datetime) -> Phase:
    """`timeline` has announced_at, proposals_from, voting_from, voting_until, results_at."""
    if timeline.announced_at is None or now < timeline.announced_at:
        return Phase.DRAFT
    if now < timeline.proposals_from:
        return Phase.UPCOMING
    if now < timeline.voting_from:
        return Phase.PROPOSALS
    if now < timeline.voting_until:
        return Phase.VOTING
    if timeline.results_at is None or now < timeline.results_at:
        return Phase.CLOSED
    return Phase.RESULTS
