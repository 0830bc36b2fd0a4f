"""A discussion, a page at a time, in three queries, built into a tree in one pass (no query per comment)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from engage.comments.models import Comment, CommentVote, Stance
from engage.auth.permissions import can
from engage.extensions import db
from engage.moderation.models import Moderation

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


COMMENTS_PER_PAGE = 50  # top-level comments per page, each shown with all its replies


@dataclass
class Thread:
    roots: list[Node]
    total: int
    stances: Counter
    page: int = 1
    pages: int = 1

    def stance_count(self, stance: Stance) -> int:
        return self.stances.get(stance, 0)

    # What macros/pagination.html's pager reads.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _in_discussion(consultation_id: int, proposal_id: int | None) -> tuple:
    return (Comment.consultation_id == consultation_id,
            Comment.proposal_id.is_(None) if proposal_id is None else Comment.proposal_id == proposal_id)


def thread(*, consultation_id: int, proposal_id: int | None, viewer=None, page: int = 1) -> Thread:
    """One page of a discussion: COMMENTS_PER_PAGE top-level comments, oldest first, each with
    all its replies. Why paged: a discussion of 500 comments is a page of over a megabyte that
    took 100 ms of CPU to build for each signed-in visitor, and a long scroll on a phone.

    Pages count every top-level comment, held or hidden ones too, so that a comment's page is
    the same for everyone and stays the same (page_of). Three queries, whatever the size."""
    from engage.votes.tally import counted_comment

    in_discussion = _in_discussion(consultation_id, proposal_id)
    is_counted = and_(*counted_comment())
    is_root = Comment.parent_id.is_(None)
    counts = db.session.execute(
        select(_how_many(is_root), _how_many(is_counted),
               *(_how_many(and_(is_counted, is_root, Comment.stance == stance)) for stance in Stance))
        .where(*in_discussion)).one()
    roots_count, total, stances = counts[0], counts[1], Counter(dict(zip(Stance, counts[2:], strict=True)))
    pages = max(1, -(-roots_count // COMMENTS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown_roots = (select(Comment.id).where(*in_discussion, is_root).order_by(Comment.created_at, Comment.id)
                   .limit(COMMENTS_PER_PAGE).offset((page - 1) * COMMENTS_PER_PAGE))
    shown = select(Comment.id).where(Comment.id.in_(shown_roots)).cte("shown", recursive=True)
    shown = shown.union_all(select(Comment.id).where(Comment.parent_id == shown.c.id))
    comments = list(db.session.scalars(
        select(Comment).where(Comment.id.in_(select(shown.c.id)))
        .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)))
    nodes = {c.id: Node(c) for c in comments}
    if nodes:
        viewer_id = viewer.id if getattr(viewer, "is_authenticated", False) else None
        votes = db.session.execute(
            select(CommentVote.comment_id,
                   func.sum(case((CommentVote.value > 0, 1), else_=0)),
                   func.sum(case((CommentVote.value < 0, 1), else_=0)),
                   func.sum(case((CommentVote.user_id == viewer_id, CommentVote.value), else_=0)))
            .where(CommentVote.comment_id.in_(list(nodes)))
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
    return Thread(roots=roots, total=total, stances=stances, page=page, pages=pages)


def _how_many(condition):
    return func.count(case((condition, 1)))


def page_of(comment: Comment) -> int:
    """The page of its discussion that shows this comment (that of its top-level comment)."""
    root = comment
    while root.parent_id is not None:
        root = db.session.get(Comment, root.parent_id)
    earlier = db.session.scalar(
        select(func.count(Comment.id)).where(
            *_in_discussion(root.consultation_id, root.proposal_id), Comment.parent_id.is_(None),
            or_(Comment.created_at < root.created_at,
                and_(Comment.created_at == root.created_at, Comment.id < root.id))))
    return earlier // COMMENTS_PER_PAGE + 1


def comment_path(comment: Comment) -> str:
    """Where a comment is read: its discussion's page that shows it, at the comment."""
    from engage.core.urls import path_for

    page = page_of(comment)
    page = {"commenti": page} if page > 1 else {}
    if comment.proposal_id:
        return path_for("proposals.detail", proposal_id=comment.proposal_id, **page) + f"#commento-{comment.id}"
    return (path_for("consultations.discussion", consultation_id=comment.consultation_id, **page)
            + f"#commento-{comment.id}")


def public_comments(*, consultation_id: int, proposal_id: int | None) -> Select:
    """One discussion's comments as the public counts them (hidden, held and deleted ones never),
    oldest first: the open data API pages through it by id."""
    from engage.votes.tally import counted_comment

    return (select(Comment).where(*_in_discussion(consultation_id, proposal_id), *counted_comment())
            .options(joinedload(Comment.author)).order_by(Comment.id))
