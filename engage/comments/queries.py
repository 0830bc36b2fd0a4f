"""A whole discussion in two queries, built into a tree in one pass (no query per comment)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from engage.comments.models import Comment, CommentVote, Stance
from engage.auth.permissions import can
from engage.extensions import db
from engage.moderation.models import Moderation
from engage.moderation.visibility import is_visible

SHOWN_DEPTH = 3  # levels shown open; deeper replies are folded (<details>, no JavaScript)


@dataclass
class Node:
    comment: Comment
    up: int = 0
    down: int = 0
    my_vote: int = 0
    children: list[Node] = field(default_factory=list)

    @property
    def score(self) -> int:
        return self.up - self.down


@dataclass
class Thread:
    roots: list[Node]
    total: int
    stances: Counter

    def stance_count(self, stance: Stance) -> int:
        return self.stances.get(stance, 0)


def thread(*, consultation_id: int, proposal_id: int | None, viewer=None) -> Thread:
    in_discussion = (Comment.consultation_id == consultation_id,
                     Comment.proposal_id.is_(None) if proposal_id is None
                     else Comment.proposal_id == proposal_id)
    comments = list(db.session.scalars(
        select(Comment).where(*in_discussion)
        .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)))
    nodes = {c.id: Node(c) for c in comments}
    if nodes:
        viewer_id = viewer.id if getattr(viewer, "is_authenticated", False) else None
        votes = db.session.execute(
            select(CommentVote.comment_id,
                   func.sum(case((CommentVote.value > 0, 1), else_=0)),
                   func.sum(case((CommentVote.value < 0, 1), else_=0)),
                   func.sum(case((CommentVote.user_id == viewer_id, CommentVote.value), else_=0)))
            .join(Comment, Comment.id == CommentVote.comment_id).where(*in_discussion)
            .group_by(CommentVote.comment_id))
        for comment_id, up, down, mine in votes:
            node = nodes[comment_id]
            node.up, node.down, node.my_vote = int(up), int(down), int(mine or 0)
    roots: list[Node] = []
    for node in nodes.values():
        comment = node.comment
        if comment.moderation is Moderation.PENDING and not can(viewer, "content.read", comment):
            continue  # held for review: only its author and the moderators see it
        parent = nodes.get(comment.parent_id)
        (parent.children if parent else roots).append(node)
    counted = [c for c in comments if c.deleted_at is None and is_visible(c)]
    stances = Counter(c.stance for c in counted if c.parent_id is None and c.stance is not None)
    return Thread(roots=roots, total=len(counted), stances=stances)


def public_comments(*, consultation_id: int, proposal_id: int | None) -> Select:
    """One discussion's comments as the public counts them (hidden, held and deleted ones never),
    oldest first: the open data API pages through it by id."""
    from engage.votes.tally import counted_comment

    return (select(Comment).where(Comment.consultation_id == consultation_id,
                                  Comment.proposal_id.is_(None) if proposal_id is None
                                  else Comment.proposal_id == proposal_id, *counted_comment())
            .options(joinedload(Comment.author)).order_by(Comment.id))
