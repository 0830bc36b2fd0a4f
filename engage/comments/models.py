from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import TimestampMixin, UTCDateTime, str_enum
from engage.core.enums import LabelledEnum
from engage.extensions import db
from engage.moderation.models import Moderated

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.consultations.models import Consultation
    from engage.proposals.models import Proposal

BODY_MAX = 5_000


class Stance(LabelledEnum):
    IN_FAVOUR = "in_favour", _l("In favour")
    AGAINST = "against", _l("Against")
    NEUTRAL = "neutral", _l("Neutral")


class Comment(Moderated, TimestampMixin, db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_proposal", "proposal_id", "created_at"),
        Index("ix_comment_consultation", "consultation_id", "created_at"),
        CheckConstraint("parent_id IS NULL OR stance IS NULL", name="stance_only_on_top_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    # None: a comment on the consultation itself.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    stance: Mapped[Stance | None] = mapped_column(str_enum(Stance))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by its author; replies stay

    author: Mapped[User | None] = relationship()
    consultation: Mapped[Consultation] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on proposal={self.proposal_id}>"


class CommentVote(db.Model):
    __tablename__ = "comment_vote"
    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value_is_up_or_down"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
