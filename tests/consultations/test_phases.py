"""The phase of a consultation is read off its timeline, and staff can move it by hand.

`phase_at` is a pure function: a tiny timeline object is enough to walk every boundary.
`move_to_phase` rewrites the timeline as little as possible; from any phase to any other,
the consultation must land in the phase asked for, with dates that are still in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from engage.auth.models import Role
from engage.auth.permissions import Refused
from engage.consultations.phases import Phase, phase_at
from engage.consultations.services import move_to_phase, timeline_error
from engage.core.db import utcnow
from tests.factories import institution, make_consultation, make_user

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)


@dataclass
class Timeline:
    announced_at: datetime | None = T0
    proposals_from: datetime = T0 + 10 * DAY
    voting_from: datetime = T0 + 20 * DAY
    voting_until: datetime = T0 + 30 * DAY
    results_at: datetime | None = T0 + 40 * DAY


FULL = Timeline()


# phase_at ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "expected"), [
    (FULL.announced_at - DAY, Phase.DRAFT),
    (FULL.announced_at - TICK, Phase.DRAFT),
    (FULL.announced_at, Phase.UPCOMING),
    (FULL.proposals_from - TICK, Phase.UPCOMING),
    (FULL.proposals_from, Phase.PROPOSALS),
    (FULL.voting_from - TICK, Phase.PROPOSALS),
    (FULL.voting_from, Phase.VOTING),
    (FULL.voting_until - TICK, Phase.VOTING),
    (FULL.voting_until, Phase.CLOSED),
    (FULL.results_at - TICK, Phase.CLOSED),
    (FULL.results_at, Phase.RESULTS),
    (FULL.results_at + 365 * DAY, Phase.RESULTS),
], ids=["day-before-announcement", "just-before-announcement", "announced", "just-before-proposals",
        "proposals-open", "just-before-voting", "voting-opens", "just-before-voting-closes",
        "voting-closed", "just-before-results", "results-published", "a-year-later"])
def test_each_date_of_the_timeline_starts_its_phase_at_that_very_instant(now, expected):
    assert phase_at(FULL, now) is expected


def test_without_an_announcement_date_a_consultation_stays_a_draft_forever():
    draft = Timeline(announced_at=None)
    for now in (T0 - DAY, FULL.proposals_from, FULL.voting_from, FULL.voting_until, FULL.results_at + DAY):
        assert phase_at(draft, now) is Phase.DRAFT


def test_without_a_results_date_a_closed_consultation_stays_closed():
    timeline = Timeline(results_at=None)
    assert phase_at(timeline, FULL.voting_until) is Phase.CLOSED
    assert phase_at(timeline, FULL.voting_until + 1000 * DAY) is Phase.CLOSED


def test_a_results_date_never_cuts_voting_short():
    """Results "published" before voting closes are ignored until voting really closes."""
    early_results = Timeline(results_at=FULL.voting_from + DAY)
    assert phase_at(early_results, FULL.voting_from + 2 * DAY) is Phase.VOTING
    assert phase_at(early_results, FULL.voting_until) is Phase.RESULTS


def test_phases_with_zero_length_are_skipped():
    """Everything on the same instant: at that instant the consultation already has results."""
    instant = Timeline(announced_at=T0, proposals_from=T0, voting_from=T0, voting_until=T0, results_at=T0)
    assert phase_at(instant, T0 - TICK) is Phase.DRAFT
    assert phase_at(instant, T0) is Phase.RESULTS


def test_an_announcement_in_the_future_keeps_it_a_draft_until_then():
    later = Timeline(announced_at=FULL.proposals_from - DAY)
    assert phase_at(later, FULL.announced_at + DAY) is Phase.DRAFT
    assert phase_at(later, FULL.proposals_from - DAY) is Phase.UPCOMING


# move_to_phase ----------------------------------------------------------------------------

@pytest.mark.parametrize("target", list(Phase), ids=lambda p: f"to-{p.value}")
@pytest.mark.parametrize("source", list(Phase), ids=lambda p: f"from-{p.value}")
def test_staff_move_a_consultation_from_any_phase_to_any_other(db, source, target):
    admin = make_user(Role.ADMIN)
    consultation = make_consultation(source)
    now = utcnow()
    assert consultation.phase_at(now) is source

    move_to_phase(admin, consultation, target, now=now)

    assert consultation.phase_at(now) is target
    c = consultation
    assert c.proposals_from <= c.voting_from <= c.voting_until
    if target is Phase.RESULTS:
        assert c.results_at is not None and c.results_at >= c.voting_until
    else:
        assert c.results_at is None
    if target is Phase.DRAFT:
        assert c.announced_at is None
    else:
        assert c.announced_at is not None and c.announced_at <= c.proposals_from
    # The edit form would accept the dates as they are now.
    assert timeline_error({name: getattr(c, name) for name in
                           ("announced_at", "proposals_from", "voting_from", "voting_until", "results_at")}) is None

    # What was stored reads back in the same phase.
    db.session.flush()
    db.session.expire(consultation)
    assert consultation.phase_at(now) is target

    if source is target:
        assert consultation.phase_log == []
    else:
        [change] = consultation.phase_log
        assert (change.from_phase, change.to_phase, change.changed_by) == (source, target, admin)
        assert change.note == "moved by hand"


def test_a_phase_move_lasts_beyond_the_instant_it_was_made(db):
    """Moving to voting leaves days of voting, not a voting phase that ends a moment later."""
    admin = make_user(Role.ADMIN)
    consultation = make_consultation(Phase.UPCOMING)
    now = utcnow()
    move_to_phase(admin, consultation, Phase.VOTING, now=now)
    assert consultation.phase_at(now + 7 * DAY) is Phase.VOTING
    move_to_phase(admin, consultation, Phase.PROPOSALS, now=now)
    assert consultation.phase_at(now + 7 * DAY) is Phase.PROPOSALS


@pytest.mark.parametrize("who", ["citizen", "officer_elsewhere", "moderator"])
def test_only_staff_of_the_institution_can_move_the_phase(db, who):
    """Refused by the service itself, outside any web request (the CLI's demo loader calls it too)."""
    people = {
        "citizen": lambda: make_user(),
        "officer_elsewhere": lambda: make_user(officer_of=institution("cgil")),
        "moderator": lambda: make_user(Role.MODERATOR),
    }
    consultation = make_consultation(Phase.PROPOSALS)
    before = (consultation.announced_at, consultation.proposals_from, consultation.voting_from,
              consultation.voting_until, consultation.results_at)
    with pytest.raises(Refused):
        move_to_phase(people[who](), consultation, Phase.VOTING)
    assert consultation.phase is Phase.PROPOSALS
    assert (consultation.announced_at, consultation.proposals_from, consultation.voting_from,
            consultation.voting_until, consultation.results_at) == before
    assert consultation.phase_log == []
