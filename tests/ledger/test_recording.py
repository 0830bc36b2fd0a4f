"""A citizen supports, takes back and supports again: each step is one entry in the public
ledger, chained by hashes that anyone can recompute from the documented encoding."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from engage.auth.permissions import Refused
from engage.consultations.phases import Phase
from engage.ledger import queries
from engage.ledger.models import LedgerEntry
from engage.ledger.services import voter_token
from engage.ledger.verify_ledger import GENESIS
from engage.votes.models import Support
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import hash_by_hand, supports, takes_back

NOON = datetime(2026, 5, 4, 12, 0, 41, 123456, tzinfo=UTC)


def test_each_support_and_withdrawal_is_one_chained_entry(db):
    consultation = make_consultation(Phase.VOTING)
    bikes, trains = make_proposal(consultation, title="Piste ciclabili"), make_proposal(consultation, title="Treni")
    giulia = make_user()

    supports(giulia, bikes, now=NOON)
    supports(giulia, trains, now=NOON)
    takes_back(giulia, bikes, now=NOON.replace(minute=7))
    supports(giulia, bikes, now=NOON.replace(minute=9))

    entries = list(queries.entries(consultation.id))
    token = voter_token(giulia.id, consultation.id)
    assert [(e.seq, e.proposal_id, e.action, e.voter_token) for e in entries] == [
        (1, bikes.id, "+", token), (2, trains.id, "+", token), (3, bikes.id, "-", token), (4, bikes.id, "+", token)]
    # The time is kept to the minute only.
    assert [e.minute_text for e in entries] == ["2026-05-04T12:00Z", "2026-05-04T12:00Z", "2026-05-04T12:07Z",
                                                "2026-05-04T12:09Z"]
    previous = GENESIS
    for e in entries:
        assert e.prev_hash == previous
        assert e.hash == hash_by_hand(consultation.id, e.seq, e.proposal_id, e.action, e.voter_token,
                                      e.minute_text, e.prev_hash)
        previous = e.hash
    head = queries.head(consultation)
    assert (head.length, head.hash, head.sealed) == (4, entries[-1].hash, False)


def test_a_refused_support_writes_nothing_to_the_ledger(db):
    consultation = make_consultation(Phase.VOTING, supports_per_participant=1)
    first, second = make_proposal(consultation), make_proposal(consultation)
    person = make_user()
    supports(person, first)
    with pytest.raises(Refused):
        supports(person, first)  # twice
    with pytest.raises(Refused):
        supports(person, second)  # over the limit
    with pytest.raises(Refused):
        takes_back(person, second)  # never given
    assert queries.head(consultation).length == 1


def test_tokens_are_pseudonymous_and_differ_between_consultations_and_people(db):
    one, other = make_consultation(Phase.VOTING), make_consultation(Phase.VOTING)
    anna, bruno = make_user(), make_user()
    supports(anna, make_proposal(one))
    supports(anna, make_proposal(other))
    supports(bruno, make_proposal(one))

    tokens = {(e.consultation_id, e.voter_token) for e in db.session.scalars(select(LedgerEntry))}
    assert len({token for _c, token in tokens}) == 3  # same person, two consultations: two tokens
    for _consultation, token in tokens:
        assert len(token) == 64 and set(token) <= set("0123456789abcdef")
    assert voter_token(anna.id, one.id) != voter_token(anna.id, other.id) != voter_token(bruno.id, other.id)


def test_the_token_needs_the_servers_key(app, db):
    """Without PSEUDONYM_KEY nobody can recompute whose token it is: another key, other tokens."""
    person, consultation = make_user(), make_consultation(Phase.VOTING)
    mine = voter_token(person.id, consultation.id)
    app.config["PSEUDONYM_KEY"] = "a-different-server"
    try:
        assert voter_token(person.id, consultation.id) != mine
    finally:
        app.config.pop("PSEUDONYM_KEY")


def test_each_consultation_has_its_own_gap_free_sequence(db):
    one, other = make_consultation(Phase.VOTING), make_consultation(Phase.VOTING)
    p1, p2 = make_proposal(one), make_proposal(other)
    for _ in range(3):
        supports(make_user(), p1)
        supports(make_user(), p2)
    for consultation in (one, other):
        assert [e.seq for e in queries.entries(consultation.id)] == [1, 2, 3]


def test_the_database_refuses_to_change_or_remove_an_entry(db):
    consultation = make_consultation(Phase.VOTING)
    supports(make_user(), make_proposal(consultation))
    for statement in ("UPDATE ledger_entry SET action = '-'", "DELETE FROM ledger_entry"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_two_entries_with_the_same_number_cannot_be_stored(db):
    """A fork would need two entries with one sequence number: the database refuses the second."""
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    supports(make_user(), proposal)
    first = queries.latest(consultation.id)[0]
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(LedgerEntry(consultation_id=consultation.id, seq=first.seq, proposal_id=proposal.id,
                                   action="+", voter_token="f" * 64, minute=first.minute,
                                   prev_hash=first.prev_hash, hash="e" * 64))
        db.session.flush()


def test_support_rows_and_ledger_agree_after_a_busy_day(db):
    consultation = make_consultation(Phase.VOTING)
    proposals = [make_proposal(consultation) for _ in range(3)]
    people = [make_user() for _ in range(6)]
    for i, person in enumerate(people):
        for proposal in proposals[: 1 + i % 3]:
            supports(person, proposal)
    for person in people[::2]:
        takes_back(person, proposals[0])
    from engage.ledger.audit import audit

    assert audit(consultation) == []
    rows = db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.consultation_id == consultation.id))
    assert rows == sum(1 + i % 3 for i in range(6)) - 3


def test_the_ledger_costs_one_lock_and_one_insert_per_support(db, count_queries):
    """The issue's budget: per support, at most one lock and one insert (plus the read of the head)."""
    from engage.ledger import services as ledger

    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    for person in (make_user(), make_user()):  # the second append has a head to read
        with count_queries() as statements:
            ledger.append(consultation_id=consultation.id, proposal_id=proposal.id, user_id=person.id, action="+")
    kinds = [statement.lstrip().split()[0].upper() for statement in statements]
    locks = [s for s in statements if "advisory" in s.lower() or "for update" in s.lower()]
    assert kinds.count("INSERT") == 1 and kinds.count("UPDATE") == 0 and kinds.count("DELETE") == 0
    assert len(locks) == (1 if db.session.get_bind().dialect.name == "postgresql" else 0)  # SQLite: the write lock
    assert len(statements) == 2 + len(locks), statements
