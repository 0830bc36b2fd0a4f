from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import TimestampMixin, UTCDateTime, str_enum
from engage.core.enums import LabelledEnum
from engage.extensions import db
from engage.moderation.models import Moderated

if TYPE_CHECKING:
    from engage.accountability.models import OfficialAnswer
    from engage.auth.models import User
    from engage.consultations.models import Consultation
    from engage.masterplan.models import PriorityPoint
    from engage.territory.models import Comune

TITLE_MAX = 150
BODY_MAX = 10_000


class ProposalStatus(LabelledEnum):
    PUBLISHED = "published", _l("Published")
    WITHDRAWN = "withdrawn", _l("Withdrawn")  # by its author: stays visible with its supports


class Proposal(Moderated, TimestampMixin, db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_consultation_status", "consultation_id", "status", "moderation"),
        Index("ix_proposal_consultation_supports", "consultation_id", "support_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    priority_point_id: Mapped[int] = mapped_column(ForeignKey("priority_point.id"), index=True)
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comune.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)          # Markdown as written
    body_html: Mapped[str] = mapped_column(Text)     # sanitised rendering, made once on save
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus), default=ProposalStatus.PUBLISHED)
    is_official: Mapped[bool] = mapped_column(default=False)  # published by the institution
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Counters kept in the same transaction as each write; votes/tally.py reads and verifies them.
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship()
    priority_point: Mapped[PriorityPoint] = relationship()
    comune: Mapped[Comune | None] = relationship()
    official_answer: Mapped[OfficialAnswer | None] = relationship(back_populates="proposal")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title[:30]!r}>"

    def qualifies(self, consultation) -> bool:
        """Owed an official answer by its supports, or because the consultation answers them all.

        A threshold of 0 means "no threshold": nothing qualifies by supports alone. The same
        rule in SQL is accountability.queries.owed_an_answer(); the list filter follows it too.
        """
        threshold = consultation.support_threshold
        return consultation.answer_all_proposals or (threshold > 0 and self.support_count >= threshold)
