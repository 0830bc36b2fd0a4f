from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.db import TimestampMixin
from engage.extensions import db


class Follow(TimestampMixin, db.Model):
    __tablename__ = "follow"
    __table_args__ = (
        CheckConstraint("(proposal_id IS NULL) <> (consultation_id IS NULL)", name="one_target"),
        Index("uq_follow_user_proposal", "user_id", "proposal_id", unique=True),
        Index("uq_follow_user_consultation", "user_id", "consultation_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
