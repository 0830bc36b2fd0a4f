"""Read queries for axes and priority points: one place, shared by pages and the future API."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.masterplan.models import Axis, PriorityPoint


def axes_with_points() -> list[Axis]:
    """Every axis with its points in order: the home page in two queries."""
    return list(db.session.scalars(
        select(Axis).order_by(Axis.position, Axis.id).options(selectinload(Axis.priority_points))))


def priority_point_by_slug(slug: str) -> PriorityPoint | None:
    return db.session.scalar(
        select(PriorityPoint).where(PriorityPoint.slug == slug)
        .options(selectinload(PriorityPoint.institutions), selectinload(PriorityPoint.axis)))


def all_priority_points() -> list[PriorityPoint]:
    return list(db.session.scalars(
        select(PriorityPoint).join(PriorityPoint.axis)
        .order_by(Axis.position, Axis.id, PriorityPoint.position, PriorityPoint.id)))


def all_axes() -> list[Axis]:
    return list(db.session.scalars(select(Axis).order_by(Axis.position, Axis.id)))
