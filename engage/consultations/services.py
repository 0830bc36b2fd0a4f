"""Opening and running consultations. Each write is one function; the caller commits."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from engage.auth.permissions import Refused, can
from engage.consultations.models import Consultation, PhaseChange
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.extensions import db
from engage.notifications.services import announce_phase

DEFAULT_PHASE_LENGTH = timedelta(days=14)
TIMELINE = ("announced_at", "proposals_from", "voting_from", "voting_until", "results_at")


def timeline_error(fields: dict):
    """A translated reason when the dates are out of order, else None."""
    order = [fields.get(name) for name in TIMELINE]
    announced, proposals, voting, until, results = order
    if None in (proposals, voting, until):
        return _l("Proposals, voting and closing dates are all needed.")
    if announced and announced > proposals:
        return _l("The consultation must be announced before proposals open.")
    if not proposals <= voting <= until:
        return _l("The dates must follow one another: proposals open, then voting, then closing.")
    if results and results < until:
        return _l("Results can be published only after voting closes.")
    return None


def create_consultation(by, institution, *, priority_points, **fields) -> Consultation:
    if not can(by, "consultation.create", institution):
        raise Refused(_l("You cannot open consultations for this institution."))
    error = timeline_error(fields)
    if error:
        raise Refused(error, status=422)
    consultation = Consultation(institution=institution, created_by=by,
                                priority_points=list(priority_points), **fields)
    db.session.add(consultation)
    db.session.flush()
    _log(consultation, Phase.DRAFT, consultation.phase, by, "created")
    return consultation


def update_consultation(by, consultation, *, priority_points, **fields) -> Consultation:
    if not can(by, "consultation.manage", consultation):
        raise Refused(_l("You cannot change this consultation."))
    error = timeline_error({**{n: getattr(consultation, n) for n in TIMELINE}, **fields})
    if error:
        raise Refused(error, status=422)
    before = consultation.phase
    for name, value in fields.items():
        setattr(consultation, name, value)
    consultation.priority_points = list(priority_points)
    db.session.flush()
    if consultation.phase is not before:
        _log(consultation, before, consultation.phase, by, "timeline edited")
    return consultation


def move_to_phase(by, consultation, target: Phase, now: datetime | None = None) -> None:
    """Staff move a consultation by hand: the timeline is adjusted as little as possible."""
    if not can(by, "consultation.manage", consultation):
        raise Refused(_l("You cannot change this consultation."))
    now = now or utcnow()
    before = consultation.phase_at(now)
    if target is before:
        return
    c = consultation
    if target is Phase.DRAFT:
        c.announced_at = None
    else:
        c.announced_at = min(c.announced_at or now, now)
    if target is Phase.UPCOMING:
        c.proposals_from = max(c.proposals_from, now + timedelta(days=1))
    elif target in (Phase.PROPOSALS, Phase.VOTING, Phase.CLOSED, Phase.RESULTS):
        c.proposals_from = min(c.proposals_from, now)
    if target in (Phase.DRAFT, Phase.UPCOMING, Phase.PROPOSALS):
        c.voting_from = max(c.voting_from, c.proposals_from + DEFAULT_PHASE_LENGTH, now + timedelta(days=1))
    else:
        c.voting_from = min(c.voting_from, now)
    if target in (Phase.CLOSED, Phase.RESULTS):
        c.voting_until = min(c.voting_until, now)
    else:
        c.voting_until = max(c.voting_until, c.voting_from + DEFAULT_PHASE_LENGTH,
                             now + DEFAULT_PHASE_LENGTH)
    c.results_at = now if target is Phase.RESULTS else None
    db.session.flush()
    if target is Phase.RESULTS:
        from engage.ledger.services import seal

        seal(c, now)  # published results freeze the ledger: no support changes after this
    _log(c, before, target, by, "moved by hand")
    announce_phase(c, target, actor=by, now=now)  # followers hear of it now, not at the next timer run


def _log(consultation, before: Phase, after: Phase, by, note: str) -> None:
    db.session.add(PhaseChange(consultation=consultation, changed_by=by, from_phase=before,
                               to_phase=after, note=note))
