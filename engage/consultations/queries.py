"""Read queries for consultations, shared by pages and (later) the API."""
from __future__ import annotations

import enum

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from engage.consultations.models import Consultation, consultation_priority_point
from engage.core.db import utcnow
from engage.extensions import db
from engage.masterplan.models import PriorityPoint


class Listing(enum.Enum):
    OPEN = "open"          # proposals or voting
    UPCOMING = "upcoming"
    CLOSED = "closed"      # closed or results published


def public_consultations(listing: Listing | None = None, *, priority_point_id=None, axis_id=None,
                         institution_id=None) -> list[Consultation]:
    now = utcnow()
    query = (select(Consultation)
             .where(Consultation.announced_at.is_not(None), Consultation.announced_at <= now)
             .options(joinedload(Consultation.institution), selectinload(Consultation.priority_points)))
    if listing is Listing.OPEN:
        query = query.where(Consultation.proposals_from <= now, Consultation.voting_until > now)
    elif listing is Listing.UPCOMING:
        query = query.where(Consultation.proposals_from > now)
    elif listing is Listing.CLOSED:
        query = query.where(Consultation.voting_until <= now)
    if institution_id:
        query = query.where(Consultation.institution_id == institution_id)
    if priority_point_id or axis_id:
        linked = (select(consultation_priority_point.c.consultation_id)
                  .join(PriorityPoint, PriorityPoint.id == consultation_priority_point.c.priority_point_id))
        if priority_point_id:
            linked = linked.where(PriorityPoint.id == priority_point_id)
        if axis_id:
            linked = linked.where(PriorityPoint.axis_id == axis_id)
        query = query.where(Consultation.id.in_(linked))
    return list(db.session.scalars(query.order_by(Consultation.voting_until.desc(), Consultation.id.desc())))


def drafts_for(user) -> list[Consultation]:
    """Consultations not yet announced that this person may see: staff only."""
    from engage.auth.permissions import is_admin

    if not getattr(user, "is_authenticated", False):
        return []
    query = select(Consultation).where(or_(Consultation.announced_at.is_(None),
                                           Consultation.announced_at > utcnow()))
    if not is_admin(user):
        ids = [m.institution_id for m in user.memberships]
        if not ids:
            return []
        query = query.where(Consultation.institution_id.in_(ids))
    return list(db.session.scalars(query.options(joinedload(Consultation.institution))
                                   .order_by(Consultation.id.desc())))


def consultation_for_page(consultation_id: int) -> Consultation | None:
    return db.session.scalar(
        select(Consultation).where(Consultation.id == consultation_id)
        .options(joinedload(Consultation.institution), selectinload(Consultation.priority_points)))


def for_priority_point(point_id: int) -> list[Consultation]:
    return public_consultations(priority_point_id=point_id)


