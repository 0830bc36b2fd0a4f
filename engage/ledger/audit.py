"""`flask ledger verify`: the live database checked the way the public verifier checks a
download, plus what only the server can see: the ledger against the supports table (through
the voter tokens) and against the counters that pages publish."""
from __future__ import annotations

from sqlalchemy import Connection, select

from engage.extensions import db
from engage.ledger import queries
from engage.ledger.models import LedgerSeal
from engage.ledger.services import voter_token
from engage.ledger.verify_ledger import check_chain, compare_head
from engage.proposals.models import Proposal
from engage.votes.models import Support


def read_one_snapshot() -> None:
    """Call before the first query of a live check: on PostgreSQL every later read of this
    transaction then sees one snapshot (REPEATABLE READ). Under READ COMMITTED a support committed
    between the read of the ledger and the read of the supports table would look like a mismatch.
    SQLite's transactions are snapshots already."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if isinstance(bind, Connection) and bind.in_transaction():
        # The session is joined to a transaction begun outside it (the test suite's rolled-back
        # one): no new snapshot can start there, and ending it would drop that transaction's work.
        return
    db.session.rollback()
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def audit(consultation) -> list[str]:
    """Every disagreement found, each saying where; an empty list means all agree."""
    check = check_chain(consultation.id, (entry.as_row() for entry in queries.entries(consultation.id)))
    seal = db.session.get(LedgerSeal, consultation.id)
    if seal is not None:
        compare_head(check, seal.head_hash, seal.length)
    problems = list(check.problems)

    in_table = {(voter_token(user_id, consultation.id), proposal_id): user_id
                for proposal_id, user_id in db.session.execute(
                    select(Support.proposal_id, Support.user_id).where(Support.consultation_id == consultation.id))}
    for token, proposal_id in sorted(set(in_table) - check.active):
        problems.append(f"supports table: account {in_table[token, proposal_id]} supports proposal {proposal_id}, "
                        f"the ledger does not say so (token {token[:12]}…)")
    for token, proposal_id in sorted(check.active - set(in_table)):
        problems.append(f"supports table: the ledger says token {token[:12]}… supports proposal {proposal_id}, "
                        "the table has no such support")

    # The results page and its exports publish these counters (queries.published_tally).
    for proposal_id, counter in db.session.execute(
            select(Proposal.id, Proposal.support_count).where(Proposal.consultation_id == consultation.id)):
        if counter != check.tally.get(proposal_id, 0):
            problems.append(f"proposal {proposal_id}: its counter says {counter} supports, "
                            f"the ledger counts {check.tally.get(proposal_id, 0)}")
    return problems
