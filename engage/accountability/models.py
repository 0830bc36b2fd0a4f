"""Official answers and implementation milestones.

A proposal's answer deadline is not stored: it follows from its consultation (voting close +
`answer_days`), so moving the timeline moves every deadline with it, on every node alike.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import UTCDateTime, str_enum, utcnow
from engage.core.enums import LabelledEnum
from engage.core.i18n import Bilingual
from engage.extensions import db

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.proposals.models import Proposal


class AnswerStatus(LabelledEnum):
    UNDER_EVALUATION = "under_evaluation", _l("Under evaluation")
    ACCEPTED = "accepted", _l("Accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _l("Partially accepted")
    REJECTED = "rejected", _l("Rejected")
    ALREADY_PLANNED = "already_planned", _l("Already planned")
    IMPLEMENTED = "implemented", _l("Implemented")

    @property
    def is_decision(self) -> bool:
        """"Under evaluation" is a reply, not yet the answer a deadline asks for."""
        return self is not AnswerStatus.UNDER_EVALUATION

    @property
    def goes_ahead(self) -> bool:
        """Accepted in some form: its implementation is followed in public."""
        return self in (AnswerStatus.ACCEPTED, AnswerStatus.PARTIALLY_ACCEPTED, AnswerStatus.ALREADY_PLANNED,
                        AnswerStatus.IMPLEMENTED)


GOING_AHEAD = [status for status in AnswerStatus if status.goes_ahead]


class OfficialAnswer(Bilingual, db.Model):
    __tablename__ = "official_answer"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_is_a_percentage"),
        CheckConstraint("cost_estimate IS NULL OR cost_estimate >= 0", name="cost_not_negative"),
        Index("ix_official_answer_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AnswerStatus] = mapped_column(str_enum(AnswerStatus))
    body_it: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    cost_estimate: Mapped[int | None] = mapped_column(BigInteger)  # euros: public works pass 2**31
    responsible_office: Mapped[str] = mapped_column(String(200), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the institution first gave a decision (not "under evaluation"): what the deadline checks.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    progress: Mapped[int] = mapped_column(default=0)  # the latest milestone's, kept with it

    proposal: Mapped[Proposal] = relationship(back_populates="official_answer")
    answered_by: Mapped[User | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="answer", order_by="(Milestone.reached_on, Milestone.id)", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<OfficialAnswer {self.proposal_id} {self.status.value}>"


class Milestone(Bilingual, db.Model):
    """A dated step of an accepted proposal's implementation, with the progress it brings."""

    __tablename__ = "implementation_milestone"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 100", name="progress_is_a_percentage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("official_answer.id", ondelete="CASCADE"), index=True)
    reached_on: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column()
    note_it: Mapped[str] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answer: Mapped[OfficialAnswer] = relationship(back_populates="milestones")

    def __repr__(self) -> str:
        return f"<Milestone {self.answer_id} {self.progress}%>"
