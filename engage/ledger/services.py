"""Appending to the ledger and sealing it: the only places that write ledger rows.

Appends are serialised per consultation so that concurrent supports still make one gap-free
chain: a transaction-scoped advisory lock on PostgreSQL; on SQLite the database write lock
(requests that write begin with BEGIN IMMEDIATE, see engage/core/db.py). The unique
(consultation, seq) constraint refuses a fork even if that ever failed.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, text
from sqlalchemy.exc import IntegrityError

from engage.auth.permissions import Refused
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.core.tokens import pseudonym
from engage.extensions import db
from engage.ledger.models import LedgerEntry, LedgerSeal
from engage.ledger.verify_ledger import GENESIS, entry_hash

_LOCK_NAMESPACE = 0x4C45  # "LE": keeps these advisory locks apart from any others


def voter_token(user_id: int, consultation_id: int) -> str:
    """Different in every consultation; unlinkable to the account without the server's key."""
    return pseudonym("ledger", user_id, consultation_id)


def _lock(consultation_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :consultation)"),
                           {"namespace": _LOCK_NAMESPACE, "consultation": consultation_id})


def _head(consultation_id: int) -> tuple[int, str, bool]:
    """(length, last hash, sealed?) in one query."""
    last = (select(LedgerEntry.seq, LedgerEntry.hash).where(LedgerEntry.consultation_id == consultation_id)
            .order_by(LedgerEntry.seq.desc()).limit(1).subquery())
    row = db.session.execute(
        select(select(last.c.seq).scalar_subquery(), select(last.c.hash).scalar_subquery(),
               exists().where(LedgerSeal.consultation_id == consultation_id))).one()
    return (row[0] or 0), (row[1] or GENESIS), bool(row[2])


def append(*, consultation_id: int, proposal_id: int, user_id: int, action: str,
           now: datetime | None = None) -> LedgerEntry:
    """Called by the support service inside its transaction, after the support row is written."""
    _lock(consultation_id)
    length, previous, sealed = _head(consultation_id)
    if sealed:
        raise Refused(_l("The results of this consultation are published: supports can no longer change."),
                      status=409)
    minute = (now or utcnow()).replace(second=0, microsecond=0)
    token = voter_token(user_id, consultation_id)
    seq = length + 1
    entry = LedgerEntry(consultation_id=consultation_id, seq=seq, proposal_id=proposal_id, action=action,
                        voter_token=token, minute=minute, prev_hash=previous,
                        hash=entry_hash(consultation_id, seq, proposal_id, action, token,
                                        minute.strftime("%Y-%m-%dT%H:%MZ"), previous))
    db.session.add(entry)
    db.session.flush()
    return entry


def seal(consultation, now: datetime | None = None) -> LedgerSeal:
    """Freeze the head (idempotent): the first seal stands, later calls return it."""
    _lock(consultation.id)
    existing = db.session.get(LedgerSeal, consultation.id)
    if existing is not None:
        return existing
    length, head, _sealed = _head(consultation.id)
    record = LedgerSeal(consultation_id=consultation.id, length=length, head_hash=head,
                        sealed_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # another node sealed it between our read and our write
        return db.session.get(LedgerSeal, consultation.id, populate_existing=True)
    return record


def seal_if_published(consultation, now: datetime | None = None) -> LedgerSeal | None:
    """Results pages, the report and the scheduler call this: the head is frozen the first time
    anyone looks after publication, whether the phase moved by hand or by the timeline."""
    now = now or utcnow()
    if consultation.phase_at(now) is not Phase.RESULTS:
        return None
    return db.session.get(LedgerSeal, consultation.id) or seal(consultation, now)


def seal_published(now: datetime | None = None) -> int:
    """Seal every consultation whose results are out and whose ledger is still open (for cron)."""
    from engage.consultations.models import Consultation

    now = now or utcnow()
    candidates = db.session.scalars(
        select(Consultation).where(Consultation.results_at.is_not(None), Consultation.results_at <= now,
                                   ~exists().where(LedgerSeal.consultation_id == Consultation.id)))
    sealed = 0
    for consultation in candidates:
        if seal_if_published(consultation, now) is not None:
            sealed += 1
    return sealed

