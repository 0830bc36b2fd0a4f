"""The one place that decides what the public may see and count.

Every list, count, search, tally, export and API response filters with `visible(Model)`;
Python code holding a loaded row asks `is_visible(row)`. Hidden, pending, and blocked
authors' content never shows, whatever the surface.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from engage.auth.models import User
from engage.moderation.models import Moderation


def blocked_authors():
    """Ids of people whose block has not been lifted yet (a subquery; blocks are few).

    An expired block is lifted by `moderation.services.lift_expired_blocks`, which also fixes
    the stored counts; until then their content stays withheld everywhere alike.
    """
    return select(User.id).where(User.blocked_at.is_not(None))


def visible(model):
    """A WHERE clause for Proposal or Comment rows the public may see."""
    return and_(model.moderation == Moderation.VISIBLE,
                or_(model.author_id.is_(None), model.author_id.not_in(blocked_authors())))


def is_visible(item) -> bool:
    """The same decision for a loaded row (its author must be loaded or loadable)."""
    if item.moderation is not Moderation.VISIBLE:
        return False
    return item.author is None or not item.author.content_withheld


def visible_answer():
    """The same for free-text questionnaire answers (joined with their response).

    Anonymous answers have no known author, so only their own moderation state counts.
    """
    from engage.questionnaires.models import Answer, Response

    return and_(Answer.moderation == Moderation.VISIBLE,
                or_(Response.respondent_id.is_(None), Response.respondent_id.not_in(blocked_authors())))
