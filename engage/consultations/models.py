from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.consultations.phases import Phase, phase_at
from engage.core.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from engage.core.i18n import Bilingual
from engage.extensions import db

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.institutions.models import Institution
    from engage.masterplan.models import PriorityPoint

consultation_priority_point = Table(
    "consultation_priority_point",
    db.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_point_id", ForeignKey("priority_point.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(Bilingual, TimestampMixin, db.Model):
    __tablename__ = "consultation"
    __table_args__ = (
        CheckConstraint("proposals_from <= voting_from AND voting_from <= voting_until",
                        name="timeline_in_order"),
        CheckConstraint("supports_per_participant >= 0 AND proposals_per_participant >= 0 "
                        "AND support_threshold >= 0", name="limits_not_negative"),
        CheckConstraint("answer_days >= 0", name="answer_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title_it: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    summary_it: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    body_it: Mapped[str] = mapped_column(Text, default="")  # Markdown
    body_en: Mapped[str | None] = mapped_column(Text)

    # The timeline; the phase is derived from it at request time (see phases.py).
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: draft
    proposals_from: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_from: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_until: Mapped[datetime] = mapped_column(UTCDateTime)
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Settings.
    supports_per_participant: Mapped[int] = mapped_column(default=0)  # 0: unlimited
    proposals_per_participant: Mapped[int] = mapped_column(default=0)  # 0: unlimited
    support_threshold: Mapped[int] = mapped_column(default=50)
    premoderate_proposals: Mapped[bool] = mapped_column(default=False)
    premoderate_comments: Mapped[bool] = mapped_column(default=False)
    comments_enabled: Mapped[bool] = mapped_column(default=True)
    # Official answers: due this many days after voting closes, for qualified proposals (or all).
    answer_days: Mapped[int] = mapped_column(default=60, server_default="60")
    answer_all_proposals: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    institution: Mapped[Institution] = relationship()
    created_by: Mapped[User | None] = relationship()
    priority_points: Mapped[list[PriorityPoint]] = relationship(
        secondary=consultation_priority_point, order_by="PriorityPoint.position")
    phase_log: Mapped[list[PhaseChange]] = relationship(
        back_populates="consultation", order_by="PhaseChange.changed_at",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title_it[:30]!r}>"

    @property
    def answers_due_at(self) -> datetime:
        return self.voting_until + timedelta(days=self.answer_days)

    def phase_at(self, now: datetime) -> Phase:
        return phase_at(self, now)

    @property
    def phase(self) -> Phase:
        return phase_at(self, utcnow())


class PhaseChange(db.Model):
    """Every hand-made phase move and timeline edit, with who made it."""

    __tablename__ = "consultation_phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    to_phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    note: Mapped[str] = mapped_column(String(200), default="")

    consultation: Mapped[Consultation] = relationship(back_populates="phase_log")
    changed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PhaseChange {self.consultation_id} {self.from_phase.value}->{self.to_phase.value}>"
