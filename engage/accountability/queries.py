"""Read queries on answers and deadlines: the institution's board, its responsiveness, the
priority point's work in progress. Shared by the pages, the results and (later) the API.

A proposal is owed an answer when it qualified (Proposal.qualifies: enough supports, where a
threshold of 0 means none; or every proposal when the consultation says so), is public and
was not withdrawn; it is due `answer_days` after voting
closes. Deadlines are computed per consultation (a few per institution), then one query
finds the proposals.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from engage.accountability.models import GOING_AHEAD, OfficialAnswer
from engage.consultations.models import Consultation
from engage.core.db import utcnow
from engage.core.numbers import percent, rounded
from engage.extensions import db
from engage.moderation.visibility import visible
from engage.proposals.models import Proposal, ProposalStatus


def owed_an_answer():
    """SQL: the proposal (joined with its consultation) is owed an official answer."""
    return and_(visible(Proposal), Proposal.status == ProposalStatus.PUBLISHED,
                or_(Consultation.answer_all_proposals.is_(True),
                    and_(Consultation.support_threshold > 0,
                         Proposal.support_count >= Consultation.support_threshold)))


def decided():
    """SQL (with the answer outer-joined): the institution has given a decision, at some point.

    A decision once given meets the deadline for good, even if the answer is later set back
    to "under evaluation": the board and the responsiveness figures read the same fact.
    """
    return OfficialAnswer.decided_at.is_not(None)


def is_owed(proposal) -> bool:
    """The same rule for one loaded proposal."""
    from engage.moderation.visibility import is_visible

    consultation = proposal.consultation
    return (is_visible(proposal) and proposal.status is ProposalStatus.PUBLISHED
            and proposal.qualifies(consultation))


def due_at(proposal) -> datetime:
    return proposal.consultation.answers_due_at


def is_overdue(proposal, now: datetime | None = None) -> bool:
    answer = proposal.official_answer
    return (is_owed(proposal) and (answer is None or answer.decided_at is None)
            and due_at(proposal) < (now or utcnow()))


@dataclass
class Deadline:
    due_at: datetime
    overdue: bool


def deadline(proposal, now: datetime | None = None) -> Deadline | None:
    """When the proposal's answer is due, if it is owed one and no decision was given yet."""
    answer = proposal.official_answer
    if not is_owed(proposal) or (answer is not None and answer.decided_at is not None):
        return None
    if proposal.consultation.voting_from > (now or utcnow()):
        return None  # nobody is owed an answer before voting starts
    return Deadline(due_at(proposal), is_overdue(proposal, now))


def _institution_consultations(institution_id: int) -> list[Consultation]:
    return list(db.session.scalars(select(Consultation).where(Consultation.institution_id == institution_id,
                                                              Consultation.announced_at.is_not(None))))


@dataclass
class Awaiting:
    overdue: list[Proposal]
    upcoming: list[Proposal]  # owed, not yet due


def awaiting_answers(institution, now: datetime | None = None) -> Awaiting:
    """Proposals owed an answer and still without a decision, overdue ones first."""
    now = now or utcnow()
    consultations = {c.id: c for c in _institution_consultations(institution.id) if c.voting_from <= now}
    if not consultations:
        return Awaiting([], [])
    proposals = list(db.session.scalars(
        select(Proposal).join(Proposal.consultation).outerjoin(Proposal.official_answer)
        .where(Proposal.consultation_id.in_(list(consultations)), owed_an_answer(),
               or_(OfficialAnswer.id.is_(None), ~decided()))
        .options(contains_eager(Proposal.consultation), contains_eager(Proposal.official_answer),
                 joinedload(Proposal.priority_point))
        .order_by(Consultation.voting_until, Proposal.support_count.desc(), Proposal.id)))
    overdue = [p for p in proposals if p.consultation.answers_due_at < now]
    upcoming = [p for p in proposals if p.consultation.answers_due_at >= now]
    return Awaiting(overdue, upcoming)


@dataclass
class Responsiveness:
    owed: int            # answers whose deadline has passed, or that were given
    on_time: int         # decisions given by their deadline
    late: int            # decisions given after it
    missing: int         # deadline passed, no decision yet
    median_days: float | None  # from voting close to decision

    @property
    def on_time_share(self) -> float | None:
        return percent(self.on_time, self.owed) if self.owed else None


def responsiveness(institution, now: datetime | None = None) -> Responsiveness:
    now = now or utcnow()
    consultations = {c.id: c for c in _institution_consultations(institution.id)}
    if not consultations:
        return Responsiveness(0, 0, 0, 0, None)
    rows = db.session.execute(
        select(Proposal.consultation_id, OfficialAnswer.decided_at)
        .join(Proposal.consultation).outerjoin(Proposal.official_answer)
        .where(Proposal.consultation_id.in_(list(consultations)), owed_an_answer()))
    on_time = late = missing = 0
    days = []
    for consultation_id, decided_at in rows:
        consultation = consultations[consultation_id]
        due = consultation.answers_due_at
        if decided_at is not None:
            if decided_at <= due:
                on_time += 1
            else:
                late += 1
            days.append(max((decided_at - consultation.voting_until).total_seconds() / 86400, 0))
        elif due < now:
            missing += 1
    median = rounded(statistics.median(days), 1) if days else None
    return Responsiveness(on_time + late + missing, on_time, late, missing, median)


def in_progress_under(point_id: int, limit: int = 20) -> list[Proposal]:
    """Accepted proposals of a priority point, most advanced first, from public consultations."""
    return list(db.session.scalars(
        select(Proposal).join(Proposal.consultation).join(Proposal.official_answer)
        .where(Proposal.priority_point_id == point_id, visible(Proposal), OfficialAnswer.status.in_(GOING_AHEAD),
               Consultation.announced_at.is_not(None), Consultation.announced_at <= utcnow())
        .options(contains_eager(Proposal.official_answer), contains_eager(Proposal.consultation))
        .order_by(OfficialAnswer.progress.desc(), Proposal.id).limit(limit)))
