from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.consultations.phases import Phase
from engage.core.db import UTCDateTime, str_enum, utcnow
from engage.core.mail import OutboundMail  # noqa: F401  the mail queue's table, known to Alembic through here
from engage.extensions import db
from engage.notifications.kinds import Delivery

if TYPE_CHECKING:
    from engage.consultations.models import Consultation
    from engage.proposals.models import Proposal


class MailState:
    """Where a notification stands with e-mail (the in-app notification is always kept)."""

    NONE = "none"        # no e-mail: turned off, no confirmed address, or before e-mail existed
    QUEUED = "queued"    # its own e-mail is in the mail queue
    DIGEST = "digest"    # waiting for the recipient's daily digest
    DIGESTED = "digested"  # part of a digest now in the mail queue


class Notification(db.Model):
    """What happened, not the sentence: the text is written at display time, in the reader's language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at"),
                      Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_mail_state", "mail_state", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # one of kinds.KINDS
    link: Mapped[str] = mapped_column(String(300), default="")  # a path on the site
    # A code the sentence needs: the moderation reason, or (for "phase") the new phase.
    reason: Mapped[str] = mapped_column(String(40), default="")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What it is about, for its title (read in the reader's language when shown).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str] = mapped_column(String(10), default=MailState.NONE, server_default=MailState.NONE)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # queued on its own or in a digest

    proposal: Mapped[Proposal | None] = relationship()
    consultation: Mapped[Consultation | None] = relationship()


class NotificationPreference(db.Model):
    """A person's choice for one topic; no row means the default (kinds.DEFAULT_DELIVERY)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)  # a kinds.Topic value
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, length=10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PhaseAnnouncement(db.Model):
    """The last phase of each consultation that its followers were told about.

    Phases follow from the timeline, so nothing happens in the database when one begins;
    `flask notifications phases` compares this row with the phase now and announces the change
    once (a hand-made move announces it at once and updates the row too).
    """

    __tablename__ = "consultation_phase_announcement"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    phase: Mapped[Phase] = mapped_column(str_enum(Phase))
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
