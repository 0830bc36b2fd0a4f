from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.db import UTCDateTime
from engage.extensions import db


class LedgerEntry(db.Model):
    """One support given (+) or taken back (-). Append-only: database triggers refuse updates
    and deletes. The unique (consultation, seq) pair makes a fork impossible to store."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("consultation_id", "seq"),
        CheckConstraint("action IN ('+', '-')", name="action_is_plus_or_minus"),
        CheckConstraint("seq >= 1", name="seq_from_one"),
        Index("ix_ledger_entry_voter", "consultation_id", "voter_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascades: a ledger outlives anything that would delete its consultation or proposals.
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    seq: Mapped[int]
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    action: Mapped[str] = mapped_column(String(1))
    voter_token: Mapped[str] = mapped_column(String(64))
    minute: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def minute_text(self) -> str:
        return self.minute.strftime("%Y-%m-%dT%H:%MZ")

    def as_row(self) -> dict:
        """The entry as published (every download format uses these names)."""
        return {"seq": self.seq, "proposal_id": self.proposal_id, "action": self.action,
                "voter_token": self.voter_token, "minute": self.minute_text, "prev_hash": self.prev_hash,
                "hash": self.hash}


class LedgerSeal(db.Model):
    """The chain head frozen when results are published: after it, no support is accepted."""

    __tablename__ = "ledger_seal"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), primary_key=True)
    length: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
