"""Helpers for the ledger stories: supporting through the real service, downloading what the
public downloads, running the downloaded verifier as anyone would, and tampering with rows."""
from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from engage.extensions import db
from engage.votes import services as votes


def supports(person, proposal, now=None):
    votes.support(person, proposal, now=now)
    db.session.flush()


def takes_back(person, proposal, now=None):
    votes.withdraw_support(person, proposal, now=now)
    db.session.flush()


def hash_by_hand(consultation_id, seq, proposal_id, action, token, minute, previous) -> str:
    """docs/ledger.md's encoding, written again here so the test does not trust the code under test."""
    fields = ["engage-ledger/1", str(consultation_id), str(seq), str(proposal_id), action, token, minute, previous]
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


def download(client, path: str, folder: Path, name: str) -> Path:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    target = folder / name
    target.write_bytes(response.data)
    return target


def run_verifier(verifier: Path, *args) -> subprocess.CompletedProcess:
    """The downloaded file, run by a plain Python with no access to the app (-I: isolated mode)."""
    return subprocess.run([sys.executable, "-I", str(verifier), *map(str, args)], capture_output=True,
                          text=True, timeout=60, cwd=verifier.parent)


@contextlib.contextmanager
def append_only_guard_lifted():
    """What an operator with the database's owner rights could do; undone with the test's
    transaction (DDL is transactional on both engines)."""
    if db.session.get_bind().dialect.name == "sqlite":
        for table in ("ledger_entry", "ledger_seal"):
            for verb in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER {table}_no_{verb}"))
    else:
        for table in ("ledger_entry", "ledger_seal"):
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    yield


def erase_ledgers(consultation_ids) -> None:
    """For tests that commit their own rows and must clean up: the ledger refuses deletes, so
    the guard is lifted for this one transaction and put back before it commits."""
    from sqlalchemy import delete

    from engage.ledger.models import LedgerEntry, LedgerSeal

    ids = list(consultation_ids)
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))  # triggers off (superuser)
        db.session.execute(delete(LedgerEntry).where(LedgerEntry.consultation_id.in_(ids)))
        db.session.execute(delete(LedgerSeal).where(LedgerSeal.consultation_id.in_(ids)))
        db.session.execute(text("SET LOCAL session_replication_role = origin"))
        return
    triggers = [(table, verb) for table in ("ledger_entry", "ledger_seal") for verb in ("UPDATE", "DELETE")]
    for table, verb in triggers:
        db.session.execute(text(f"DROP TRIGGER {table}_no_{verb.lower()}"))
    db.session.execute(delete(LedgerEntry).where(LedgerEntry.consultation_id.in_(ids)))
    db.session.execute(delete(LedgerSeal).where(LedgerSeal.consultation_id.in_(ids)))
    for table, verb in triggers:  # as in the migration that made them
        db.session.execute(text(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"))
