"""The phase of a consultation follows from its timeline at the moment of asking.

No scheduler: every request computes it, so every node agrees without coordination.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l


class Phase(enum.Enum):
    DRAFT = "draft"          # staff only
    UPCOMING = "upcoming"    # announced, proposals not open yet
    PROPOSALS = "proposals"  # citizens submit
    VOTING = "voting"        # citizens support
    CLOSED = "closed"        # counting, answers being prepared
    RESULTS = "results"      # results published

    @property
    def label(self):
        return PHASE_LABELS[self]

    @property
    def is_public(self) -> bool:
        return self is not Phase.DRAFT


PHASE_LABELS = {
    Phase.DRAFT: _l("Draft"),
    Phase.UPCOMING: _l("Upcoming"),
    Phase.PROPOSALS: _l("Proposals open"),
    Phase.VOTING: _l("Voting open"),
    Phase.CLOSED: _l("Closed"),
    Phase.RESULTS: _l("Results published"),
}

ORDER = list(Phase)


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
