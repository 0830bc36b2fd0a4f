"""Posting, editing, deleting and voting on comments. The caller commits."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from engage.auth.permissions import Refused, can
from engage.comments.models import BODY_MAX, Comment, CommentVote, Stance
from engage.core.db import utcnow
from engage.core.markdown import render_markdown
from engage.extensions import db
from engage.moderation import services as moderation
from engage.moderation.visibility import is_visible
from engage.notifications.services import notify_reply
from engage.votes import tally

EDIT_WINDOW = timedelta(minutes=15)
MAX_DEPTH = 8  # deeper replies attach to the deepest level; pages fold from level 3


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Refused(_l("Write something before sending the comment."), status=422)
    if len(body) > BODY_MAX:
        raise Refused(_l("A comment can be at most %(max)d characters long.", max=BODY_MAX), status=422)
    return body


def post_comment(author, consultation, *, body: str, proposal=None, parent: Comment | None = None,
                 stance: Stance | None = None) -> Comment:
    if not can(author, "comment.create", consultation):
        if not consultation.comments_enabled:
            raise Refused(_l("Comments are closed for this consultation."), status=409)
        raise Refused(_l("Comments are open only while proposals or voting are open."), status=409)
    if proposal is not None and not can(author, "proposal.view", proposal):
        raise Refused(_l("This proposal cannot be commented on."), status=409)
    body = _clean(body)
    if parent is not None:
        if parent.consultation_id != consultation.id or parent.proposal_id != (proposal.id if proposal else None):
            raise Refused(_l("You can only reply to a comment in the same discussion."), status=422)
        stance = None  # stances belong to top-level comments
    held = moderation.should_hold(author, consultation, is_comment=True)
    comment = Comment(consultation_id=consultation.id, proposal_id=proposal.id if proposal else None,
                      parent_id=parent.id if parent else None, author=author,
                      depth=min(parent.depth + 1, MAX_DEPTH) if parent else 0,
                      stance=stance, body=body, body_html=render_markdown(body))
    db.session.add(comment)
    db.session.flush()
    tally.add_comments(comment.proposal_id, +1)
    if held:
        moderation.hold(comment)  # takes it out of the count until approved
    elif parent is not None:
        notify_reply(comment, parent)  # a held reply waits: nobody is told about what they cannot see
    return comment


def edit_comment(by, comment: Comment, *, body: str) -> Comment:
    if not can(by, "comment.edit", comment):
        raise Refused(_l("A comment can be edited by its author within 15 minutes of posting."), status=409)
    comment.body = _clean(body)
    comment.body_html = render_markdown(comment.body)
    comment.edited_at = utcnow()
    db.session.flush()
    return comment


def delete_comment(by, comment: Comment) -> None:
    """The text goes; the place in the thread (and the replies) stay."""
    if not can(by, "comment.delete", comment):
        raise Refused(_l("Only the author can delete a comment."))
    was_counted = is_visible(comment)
    comment.deleted_at = utcnow()
    comment.body, comment.body_html = "", ""
    db.session.flush()
    if was_counted:
        tally.add_comments(comment.proposal_id, -1)


def vote_comment(by, comment: Comment, value: int) -> None:
    """+1, -1, or 0 to take the vote back. One vote per person per comment."""
    if not can(by, "comment.vote", comment):
        raise Refused(_l("You cannot vote on this comment."))
    if value not in (-1, 0, 1):
        raise Refused(_l("That is not a valid vote."), status=422)
    existing = db.session.scalar(select(CommentVote).filter_by(comment_id=comment.id, user_id=by.id))
    if value == 0:
        db.session.execute(delete(CommentVote).filter_by(comment_id=comment.id, user_id=by.id))
    elif existing is None:
        db.session.add(CommentVote(comment_id=comment.id, user_id=by.id, value=value))
    else:
        existing.value = value
    db.session.flush()
