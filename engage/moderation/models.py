from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import UTCDateTime, str_enum, utcnow
from engage.core.enums import LabelledEnum
from engage.extensions import db

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.comments.models import Comment
    from engage.consultations.models import Consultation
    from engage.proposals.models import Proposal
    from engage.questionnaires.models import Answer


class Moderation(LabelledEnum):
    VISIBLE = "visible", _l("Visible")
    PENDING = "pending", _l("Awaiting review")
    HIDDEN = "hidden", _l("Hidden by moderation")


class ReportReason(LabelledEnum):
    SPAM = "spam", _l("Spam")
    OFFENSIVE = "offensive", _l("Offensive or hateful")
    OFF_TOPIC = "off_topic", _l("Off-topic")
    PERSONAL_DATA = "personal_data", _l("Personal data")
    MISINFORMATION = "misinformation", _l("Misinformation")
    OTHER = "other", _l("Other")


class Moderated:
    """Columns shared by everything people write in public (proposals, comments)."""

    moderation: Mapped[Moderation] = mapped_column(str_enum(Moderation), default=Moderation.VISIBLE)
    hidden_reason: Mapped[ReportReason | None] = mapped_column(str_enum(ReportReason))


class Decision(LabelledEnum):
    HIDDEN = "hidden", _l("Hidden")
    RESTORED = "restored", _l("Restored")
    DISMISSED = "dismissed", _l("Reports dismissed")
    APPROVED = "approved", _l("Approved")


class ModerationCase(db.Model):
    """One per reported or held item: the queue lists the open ones."""

    __tablename__ = "moderation_case"
    __table_args__ = (
        CheckConstraint("(CASE WHEN proposal_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN comment_id IS NULL "
                        "THEN 0 ELSE 1 END) + (CASE WHEN answer_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_item"),
        Index("ix_moderation_case_open", "is_open", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), unique=True)
    # A free-text questionnaire answer.
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_answer.id", ondelete="CASCADE"),
                                                  unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    held: Mapped[bool] = mapped_column(default=False)  # waiting for approval (pre-moderation)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    appeal_message: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_upheld: Mapped[bool | None] = mapped_column()
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    answer: Mapped[Answer | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    reports: Mapped[list[Report]] = relationship(back_populates="case", order_by="Report.created_at")

    def __repr__(self) -> str:
        return (f"<ModerationCase {self.id} proposal={self.proposal_id} comment={self.comment_id} "
                f"answer={self.answer_id}>")

    @property
    def item(self):
        if self.proposal_id:
            return self.proposal
        return self.comment if self.comment_id else self.answer

    @property
    def kind_label(self):
        if self.proposal_id:
            return _l("Proposal")
        return _l("Comment") if self.comment_id else _l("Questionnaire answer")

    @property
    def appeal_pending(self) -> bool:
        return self.appealed_at is not None and self.appeal_decided_at is None


class Report(db.Model):
    __tablename__ = "moderation_report"
    __table_args__ = (UniqueConstraint("case_id", "reporter_id"),)  # one report per person per item

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_case.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # by restore or dismiss

    case: Mapped[ModerationCase] = relationship(back_populates="reports")
    reporter: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Report {self.id} case={self.case_id} {self.reason.value}>"


ACTION_LABELS = {
    "report": _l("Reported"),
    "auto_hide": _l("Hidden automatically"),
    "hold": _l("Held for review"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "dismiss": _l("Reports dismissed"),
    "approve": _l("Approved"),
    "appeal": _l("Appeal sent"),
    "appeal_upheld": _l("Appeal upheld"),
    "appeal_rejected": _l("Appeal rejected"),
    "block": _l("Account blocked"),
    "unblock": _l("Account unblocked"),
}


class ModerationAction(db.Model):
    """The audit log. Append-only: triggers in the database refuse UPDATE and DELETE."""

    __tablename__ = "moderation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: automatic
    action: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_case.id"), index=True)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    state_before: Mapped[str] = mapped_column(String(40), default="")
    state_after: Mapped[str] = mapped_column(String(40), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])

    def __repr__(self) -> str:
        return f"<ModerationAction {self.id} {self.action}>"

    @property
    def label(self):
        return ACTION_LABELS.get(self.action, self.action)
