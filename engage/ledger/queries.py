"""Reads of the ledger, shared by its pages, downloads, the results page and report, the
`flask ledger verify` command and (soon) the open data API."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engage.extensions import db
from engage.ledger.models import LedgerEntry, LedgerSeal
from engage.ledger.services import _head, voter_token
from engage.ledger.verify_ledger import FORMAT


@dataclass(frozen=True)
class Head:
    """The chain's head now, and the seal if results are published (then the two are equal)."""

    length: int
    hash: str
    sealed_at: datetime | None

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None


def head(consultation) -> Head:
    seal = db.session.get(LedgerSeal, consultation.id)
    if seal is not None:
        return Head(seal.length, seal.head_hash, seal.sealed_at)
    length, last, _sealed = _head(consultation.id)
    return Head(length, last, None)


def entries(consultation_id: int, *, after_seq: int = 0, limit: int | None = None) -> Iterator[LedgerEntry]:
    """In chain order, streamed: a ledger can hold millions of entries."""
    query = (select(LedgerEntry).where(LedgerEntry.consultation_id == consultation_id, LedgerEntry.seq > after_seq)
             .order_by(LedgerEntry.seq))
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query.execution_options(yield_per=5000))


def latest(consultation_id: int, count: int = 20) -> list[LedgerEntry]:
    return list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.consultation_id == consultation_id)
        .order_by(LedgerEntry.seq.desc()).limit(count)))


def entries_of_token(consultation_id: int, token: str) -> list[LedgerEntry]:
    return list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.consultation_id == consultation_id, LedgerEntry.voter_token == token)
        .order_by(LedgerEntry.seq)))


def published_tally(consultation) -> dict[int, int]:
    """Supports per proposal exactly as the results page and its exports publish them."""
    from engage.results.exports import proposal_rows
    from engage.results.summary import Scope

    header, rows = proposal_rows(Scope.of_consultation(consultation))
    id_at, supports_at = header.index("id"), header.index("supports")
    return {row[id_at]: row[supports_at] for row in rows}


@dataclass(frozen=True)
class Receipt:
    """One person's proof of participation in one consultation; only they can see it."""

    consultation: object
    token: str
    entries: list[LedgerEntry]
    head: Head


def receipts(user) -> list[Receipt]:
    """Every consultation where this person has ledger entries: one token per consultation,
    found by recomputing the person's tokens (nothing in the database links them)."""
    from engage.consultations.models import Consultation

    # Supports taken back leave no Support row, so every consultation with a ledger is a
    # candidate; tokens are cheap to compute.
    candidates = list(db.session.scalars(
        select(Consultation).where(Consultation.id.in_(select(LedgerEntry.consultation_id).distinct()))
        .order_by(Consultation.voting_from.desc())))
    tokens = {voter_token(user.id, c.id): c for c in candidates}
    if not tokens:
        return []
    found: dict[int, list[LedgerEntry]] = {}
    for entry in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.consultation_id.in_([c.id for c in candidates]),
                                      LedgerEntry.voter_token.in_(list(tokens)))
            .order_by(LedgerEntry.consultation_id, LedgerEntry.seq)):
        found.setdefault(entry.consultation_id, []).append(entry)
    return [Receipt(c, token, found[c.id], head(c)) for token, c in tokens.items() if c.id in found]


def as_document(consultation, consultation_url: str) -> dict:
    """The JSON download's frame (entries are streamed into it separately)."""
    current = head(consultation)
    return {"format": FORMAT, "licence": "CC BY 4.0",
            "consultation": {"id": consultation.id, "title": consultation.title_it, "url": consultation_url},
            "head": {"length": current.length, "hash": current.hash, "sealed": current.sealed,
                     "sealed_at": current.sealed_at.isoformat() if current.sealed_at else None},
            "tally": [{"proposal_id": proposal_id, "supports": supports}
                      for proposal_id, supports in sorted(published_tally(consultation).items())]}
