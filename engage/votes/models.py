from __future__ import annotations

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import TimestampMixin
from engage.extensions import db


class Support(TimestampMixin, db.Model):
    __tablename__ = "support"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),  # one support per person per proposal
        Index("ix_support_user_consultation", "user_id", "consultation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # Copied from the proposal so the per-participant limit is one indexed count.
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))

    proposal = relationship("Proposal")

    def __repr__(self) -> str:
        return f"<Support proposal={self.proposal_id} user={self.user_id}>"
