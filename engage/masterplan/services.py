"""Admin edits to axes and priority points. Each write is one function; the caller commits."""
from __future__ import annotations

from sqlalchemy import func, select

from engage.core.ordering import move
from engage.extensions import db
from engage.masterplan.models import Axis, PriorityPoint
from engage.masterplan.queries import all_axes


def save_axis(axis: Axis | None, **fields) -> Axis:
    if axis is None:
        axis = Axis(position=(db.session.scalar(select(func.max(Axis.position))) or 0) + 1)
        db.session.add(axis)
    for name, value in fields.items():
        setattr(axis, name, value)
    db.session.flush()
    return axis


def save_priority_point(point: PriorityPoint | None, *, institutions, **fields) -> PriorityPoint:
    if point is None:
        point = PriorityPoint(position=(db.session.scalar(select(func.max(PriorityPoint.position))) or 0) + 1)
        db.session.add(point)
    for name, value in fields.items():
        setattr(point, name, value)
    point.institutions = list(institutions)
    db.session.flush()
    return point


def move_axis(axis: Axis, offset: int) -> bool:
    return move(all_axes(), axis, offset)


def move_priority_point(point: PriorityPoint, offset: int) -> bool:
    """Points are ordered within their axis, as the home page groups them."""
    siblings = list(db.session.scalars(
        select(PriorityPoint).where(PriorityPoint.axis_id == point.axis_id)
        .order_by(PriorityPoint.position, PriorityPoint.id)))
    return move(siblings, point, offset)

