"""Read queries for institutions, shared by pages, admin and the future API."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engage.extensions import db
from engage.institutions.models import Institution


def all_institutions() -> list[Institution]:
    return list(db.session.scalars(select(Institution).order_by(Institution.position, Institution.id)))


def institution_by_slug(slug: str) -> Institution | None:
    return db.session.scalar(select(Institution).where(Institution.slug == slug)
                             .options(selectinload(Institution.priority_points)))
