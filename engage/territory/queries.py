"""Read queries on comuni, shared by forms, pages and (later) the open data API."""
from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.territory.models import Comune


def all_comuni() -> list[Comune]:
    return list(db.session.scalars(select(Comune).order_by(Comune.name)))
