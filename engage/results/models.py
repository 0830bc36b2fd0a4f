from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.core.db import UTCDateTime, utcnow
from engage.extensions import db

if TYPE_CHECKING:
    from engage.auth.models import User
    from engage.consultations.models import Consultation


class ReportDelivery(db.Model):
    """A PDF report as it was generated and sent to the institution's officers.

    Kept in the database so that any node can serve it, and so that what was sent can be
    shown later exactly as it was (its SHA-256 is recorded too).
    """

    __tablename__ = "report_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    phase: Mapped[str] = mapped_column(String(20))  # the consultation's phase when generated
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    recipients: Mapped[str] = mapped_column(Text, default="")  # ids of the officers told, one per line

    consultation: Mapped[Consultation] = relationship()
    generated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReportDelivery {self.id} consultation={self.consultation_id}>"
