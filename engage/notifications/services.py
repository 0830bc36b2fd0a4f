from __future__ import annotations

from sqlalchemy import select, update

from engage.core.db import utcnow
from engage.extensions import db
from engage.notifications.models import Notification


def notify(user_id: int | None, kind: str, *, link: str = "", reason: str = "", until=None) -> None:
    if user_id is not None:
        db.session.add(Notification(user_id=user_id, kind=kind, link=link, reason=reason, until=until))


def latest_for(user, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit)))


def mark_all_read(user) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
