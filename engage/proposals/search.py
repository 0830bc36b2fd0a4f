"""Full-text search over proposals, behind one function per need.

SQLite: an FTS5 table kept in step by triggers. PostgreSQL: a GIN index on the Italian
tsvector, so "piste ciclabili" also finds "pista ciclabile". Both are created by the
migration `proposal full-text search` (migrations/versions/*_proposal_full_text_search.py).
"""
from __future__ import annotations

import re

from sqlalchemy import Integer, bindparam, column, text

from engage.extensions import db
from engage.moderation.visibility import visible
from engage.proposals.models import Proposal

WORD = re.compile(r"\w+", re.UNICODE)
PG_VECTOR = "proposal.search_vector"  # a stored generated column (migration: stored search vector)


def words_of(query: str, *, limit: int = 12, min_length: int = 1) -> list[str]:
    """Plain words only: whatever people type never reaches the query syntax."""
    seen: list[str] = []
    for word in WORD.findall(query.lower()):
        if len(word) >= min_length and word not in seen:
            seen.append(word)
    return seen[:limit]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def matching(words: list[str]):
    """A WHERE clause: proposals containing all these words."""
    if _dialect() == "postgresql":
        return text(f"{PG_VECTOR} @@ plainto_tsquery('italian', :search_words)").bindparams(
            bindparam("search_words", " ".join(words)))
    match = " ".join(f'"{w}"*' for w in words)
    return Proposal.id.in_(
        text("SELECT rowid FROM proposal_fts WHERE proposal_fts MATCH :search_words")
        .bindparams(bindparam("search_words", match)).columns(column("rowid", Integer)))


def most_similar(consultation_id: int, text_to_compare: str, limit: int = 5) -> list[Proposal]:
    """Proposals in the consultation sharing the most (weighted) words with a draft."""
    words = words_of(text_to_compare, limit=20, min_length=4)
    if not words:
        return []
    if _dialect() == "postgresql":
        sql = text("""
            SELECT proposal.id FROM proposal
            WHERE proposal.consultation_id = :cid
              AND proposal.search_vector @@ to_tsquery('italian', :any_word)
            ORDER BY ts_rank(proposal.search_vector, to_tsquery('italian', :any_word)) DESC, proposal.id
            LIMIT :limit""")
        params = {"cid": consultation_id, "any_word": " | ".join(words), "limit": limit * 4}
    else:
        sql = text("""
            SELECT proposal.id FROM proposal_fts JOIN proposal ON proposal.id = proposal_fts.rowid
            WHERE proposal_fts MATCH :any_word AND proposal.consultation_id = :cid
            ORDER BY bm25(proposal_fts), proposal.id
            LIMIT :limit""")
        params = {"cid": consultation_id, "any_word": " OR ".join(f'"{w}"' for w in words),
                  "limit": limit * 4}
    ids = [row[0] for row in db.session.execute(sql, params)]
    if not ids:
        return []
    # Rank in the search engine, then keep only what the public may see.
    by_id = {p.id: p for p in db.session.scalars(
        db.select(Proposal).where(Proposal.id.in_(ids), visible(Proposal)))}
    return [by_id[i] for i in ids if i in by_id][:limit]


def is_search_object(name: str | None) -> bool:
    """Objects made by the DDL above, which Alembic's autogenerate must not touch."""
    return bool(name) and (name.startswith("proposal_fts") or name in ("ix_proposal_search", "search_vector"))
