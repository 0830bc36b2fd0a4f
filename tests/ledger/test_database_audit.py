"""`flask ledger verify` checks the live database: the chain, the supports table (through the
voter tokens) and the counters pages publish. Whoever edits rows behind the services' back,
even with the append-only guard lifted, is found."""
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from engage.consultations.phases import Phase
from engage.extensions import db
from engage.ledger.models import LedgerEntry, LedgerSeal
from engage.ledger.services import seal
from engage.proposals.models import Proposal
from engage.votes.models import Support
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import append_only_guard_lifted, supports, takes_back


@pytest.fixture
def voted(db):
    consultation = make_consultation(Phase.VOTING)
    first, second = make_proposal(consultation), make_proposal(consultation)
    people = [make_user() for _ in range(4)]
    for person in people:
        supports(person, first)
    supports(people[0], second)
    supports(people[1], second)
    takes_back(people[1], second)
    db.session.commit()
    return consultation, first, second, people


def verify(runner, consultation):
    result = runner.invoke(args=["ledger", "verify", "--consultation", str(consultation.id)])
    return result.exit_code, result.output


def test_an_untouched_database_agrees_with_itself(voted, runner):
    consultation = voted[0]
    status, output = verify(runner, consultation)
    assert status == 0 and "ledger, supports and published counts agree" in output


def test_an_entry_changed_in_place_is_found(voted, runner):
    consultation, first, second, _people = voted
    with append_only_guard_lifted():
        db.session.execute(update(LedgerEntry).where(LedgerEntry.consultation_id == consultation.id,
                                                     LedgerEntry.seq == 2).values(proposal_id=second.id))
    status, output = verify(runner, consultation)
    assert status == 1 and "entry 2 (seq 2): hash" in output and "altered" in output


def test_a_deleted_entry_is_found(voted, runner):
    consultation = voted[0]
    with append_only_guard_lifted():
        db.session.execute(delete(LedgerEntry).where(LedgerEntry.consultation_id == consultation.id,
                                                     LedgerEntry.seq == 3))
    status, output = verify(runner, consultation)
    assert status == 1 and "entry 3: sequence number 4, expected 3" in output


def test_reordered_entries_are_found(voted, runner):
    consultation = voted[0]
    with append_only_guard_lifted():
        for seq, temporary in ((1, 101), (2, 1), (101, 2)):
            db.session.execute(update(LedgerEntry).where(LedgerEntry.consultation_id == consultation.id,
                                                         LedgerEntry.seq == seq).values(seq=temporary))
    status, output = verify(runner, consultation)
    assert status == 1 and "previous hash" in output


def test_a_support_row_slipped_in_without_its_entry_is_found(voted, runner):
    consultation, _first, second, _people = voted
    stranger = make_user()
    db.session.add(Support(proposal_id=second.id, user_id=stranger.id, consultation_id=consultation.id))
    db.session.execute(update(Proposal).where(Proposal.id == second.id)
                       .values(support_count=Proposal.support_count + 1))
    status, output = verify(runner, consultation)
    assert status == 1
    assert f"account {stranger.id} supports proposal {second.id}, the ledger does not say so" in output
    assert f"proposal {second.id}: its counter says 2 supports, the ledger counts 1" in output


def test_a_support_row_removed_behind_the_ledgers_back_is_found(voted, runner):
    consultation, first, _second, people = voted
    db.session.execute(delete(Support).where(Support.user_id == people[2].id, Support.proposal_id == first.id))
    status, output = verify(runner, consultation)
    assert status == 1 and "the table has no such support" in output


def test_a_support_moved_to_another_person_is_found(voted, runner):
    consultation, first, _second, people = voted
    newcomer = make_user()
    db.session.execute(update(Support).where(Support.user_id == people[3].id, Support.proposal_id == first.id)
                       .values(user_id=newcomer.id))
    status, output = verify(runner, consultation)
    assert status == 1 and f"account {newcomer.id} supports proposal {first.id}" in output


def test_an_inflated_counter_is_found(voted, runner):
    consultation, first, _second, _people = voted
    db.session.execute(update(Proposal).where(Proposal.id == first.id).values(support_count=40))
    status, output = verify(runner, consultation)
    assert status == 1 and f"proposal {first.id}: its counter says 40 supports, the ledger counts 4" in output


def test_an_entry_appended_after_the_seal_is_found(voted, runner):
    consultation, first, _second, _people = voted
    seal(consultation)
    last = db.session.scalars(select(LedgerEntry).where(LedgerEntry.consultation_id == consultation.id)
                              .order_by(LedgerEntry.seq.desc())).first()
    # Someone forges a whole, correctly hashed entry straight into the table after publication.
    from engage.ledger.services import voter_token
    from engage.ledger.verify_ledger import entry_hash

    token = voter_token(make_user().id, consultation.id)
    db.session.add(LedgerEntry(consultation_id=consultation.id, seq=last.seq + 1, proposal_id=first.id, action="+",
                               voter_token=token, minute=last.minute, prev_hash=last.hash,
                               hash=entry_hash(consultation.id, last.seq + 1, first.id, "+", token,
                                               last.minute_text, last.hash)))
    db.session.flush()
    status, output = verify(runner, consultation)
    assert status == 1 and "the published head says" in output


def test_a_rewritten_seal_cannot_be_done_quietly(voted, db):
    consultation = voted[0]
    seal(consultation)
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("UPDATE ledger_seal SET length = 0"))
    assert db.session.get(LedgerSeal, consultation.id).length == 7


def test_without_a_consultation_named_every_consultation_with_supports_is_checked(voted, runner):
    """Even one whose supports never reached the ledger at all (rows written around the service)."""
    bypassed = make_consultation(Phase.VOTING)
    proposal = make_proposal(bypassed)
    db.session.add(Support(proposal_id=proposal.id, user_id=make_user().id, consultation_id=bypassed.id))
    proposal.support_count = 1
    db.session.flush()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"Consultation {voted[0].id}: ledger, supports and published counts agree." in result.output
    assert f"Consultation {bypassed.id}: 2 problem(s)" in result.output


def test_a_mistyped_consultation_is_not_a_clean_check(voted, runner):
    result = runner.invoke(args=["ledger", "verify", "--consultation", "987654"])
    assert result.exit_code == 2 and "There is no consultation 987654" in result.output
