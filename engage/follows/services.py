"""Following proposals and consultations. Notifications (Results issue) read these rows."""
from __future__ import annotations

from sqlalchemy import delete, select

from engage.extensions import db
from engage.follows.models import Follow


def _target(proposal=None, consultation=None) -> dict:
    if (proposal is None) == (consultation is None):
        raise ValueError("follow exactly one proposal or one consultation")
    return {"proposal_id": proposal.id} if proposal is not None else {"consultation_id": consultation.id}


def is_following(user, *, proposal=None, consultation=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    target = _target(proposal, consultation)
    return db.session.scalar(select(Follow.id).filter_by(user_id=user.id, **target)) is not None


def follow(user, *, proposal=None, consultation=None) -> None:
    if not is_following(user, proposal=proposal, consultation=consultation):
        db.session.add(Follow(user_id=user.id, **_target(proposal, consultation)))
        db.session.flush()


def unfollow(user, *, proposal=None, consultation=None) -> None:
    db.session.execute(delete(Follow).filter_by(user_id=user.id, **_target(proposal, consultation)))
