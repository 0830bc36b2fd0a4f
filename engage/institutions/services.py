"""Admin edits to institutions. The caller commits."""
from __future__ import annotations

from sqlalchemy import func, select

from engage.core.ordering import move
from engage.extensions import db
from engage.institutions.models import Institution
from engage.institutions.queries import all_institutions


def save_institution(institution: Institution | None, **fields) -> Institution:
    if institution is None:
        institution = Institution(
            position=(db.session.scalar(select(func.max(Institution.position))) or 0) + 1)
        db.session.add(institution)
    for name, value in fields.items():
        setattr(institution, name, value)
    db.session.flush()
    return institution


def move_institution(institution: Institution, offset: int) -> bool:
    return move(all_institutions(), institution, offset)
