"""Every count shown anywhere comes from here, so page, export and PDF cannot disagree.

Proposal counters (support_count, comment_count) are kept in the same transaction as each
write; `recount` rebuilds them from the rows and says whether they were right.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from engage.comments.models import Comment
from engage.extensions import db
from engage.moderation.visibility import visible
from engage.proposals.models import Proposal
from engage.votes.models import Support


def supports_used(user, consultation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Support)
        .where(Support.user_id == user.id, Support.consultation_id == consultation.id))


def supports_left(user, consultation) -> int | None:
    """None when the consultation sets no limit."""
    if not consultation.supports_per_participant:
        return None
    return max(consultation.supports_per_participant - supports_used(user, consultation), 0)


def supported_ids(user, proposal_ids) -> set[int]:
    """Which of these proposals this person supports: one query for a whole page."""
    if not getattr(user, "is_authenticated", False) or not proposal_ids:
        return set()
    return set(db.session.scalars(
        select(Support.proposal_id).where(Support.user_id == user.id,
                                          Support.proposal_id.in_(list(proposal_ids)))))


def proposals_submitted(user, consultation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Proposal)
        .where(Proposal.author_id == user.id, Proposal.consultation_id == consultation.id,
               Proposal.is_official.is_(False)))


def add_supports(proposal_id: int, delta: int) -> int:
    """Atomic in SQL, so concurrent supports never lose an increment; returns the new count."""
    return db.session.scalar(update(Proposal).where(Proposal.id == proposal_id)
                             .values(support_count=Proposal.support_count + delta)
                             .returning(Proposal.support_count))


def add_comments(proposal_id: int | None, delta: int) -> None:
    if proposal_id is not None:
        db.session.execute(update(Proposal).where(Proposal.id == proposal_id)
                           .values(comment_count=Proposal.comment_count + delta))


@dataclass(frozen=True)
class ConsultationTotals:
    proposals: int
    supports: int
    supporters: int
    comments: int


def consultation_totals(consultation) -> ConsultationTotals:
    proposals, supports = db.session.execute(
        select(func.count(Proposal.id), func.coalesce(func.sum(Proposal.support_count), 0))
        .where(Proposal.consultation_id == consultation.id, visible(Proposal))).one()
    supporters = db.session.scalar(
        select(func.count(func.distinct(Support.user_id))).where(Support.consultation_id == consultation.id))
    comments = db.session.scalar(
        select(func.count()).select_from(Comment)
        .where(Comment.consultation_id == consultation.id, *counted_comment()))
    return ConsultationTotals(proposals, int(supports), supporters, comments)


def counted_comment():
    """Comments that count: visible (moderation) and not deleted by their author."""
    return (visible(Comment), Comment.deleted_at.is_(None))


@dataclass(frozen=True)
class Recount:
    checked: int
    corrected: list[int]


def recount(consultation_id: int | None = None, proposal_ids=None) -> Recount:
    """Rebuild the counters from the rows; report which proposals were wrong.

    Supports on a hidden proposal stay counted (they count again when it is restored);
    comment counts include only comments people can see.
    """
    supports = select(func.count()).where(Support.proposal_id == Proposal.id).scalar_subquery()
    comments = (select(func.count()).select_from(Comment)
                .where(Comment.proposal_id == Proposal.id, *counted_comment()).scalar_subquery())
    query = select(Proposal.id, Proposal.support_count, Proposal.comment_count, supports, comments)
    if consultation_id is not None:
        query = query.where(Proposal.consultation_id == consultation_id)
    if proposal_ids is not None:
        query = query.where(Proposal.id.in_(list(proposal_ids)))
    wrong = []
    checked = 0
    for proposal_id, support_count, comment_count, real_supports, real_comments in db.session.execute(query):
        checked += 1
        if (support_count, comment_count) != (real_supports, real_comments):
            wrong.append(proposal_id)
            db.session.execute(update(Proposal).where(Proposal.id == proposal_id)
                               .values(support_count=real_supports, comment_count=real_comments))
    return Recount(checked, wrong)
