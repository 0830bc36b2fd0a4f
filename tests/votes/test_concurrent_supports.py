"""Many people pressing "Support" at the same moment: one support per person per proposal, and
nobody beyond the consultation's limit.

Runs on PostgreSQL only (SQLite serialises every writer anyway), outside the rolled-back test
transaction: each thread has its own app context, session and connection, as concurrent
requests would. The test commits its own rows and deletes them at the end.
"""
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from engage.auth.models import User
from engage.auth.permissions import Refused
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.follows.models import Follow
from engage.proposals.models import Proposal
from engage.votes import services as votes
from engage.votes.models import Support
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import erase_ledgers

pytestmark = [pytest.mark.postgres, pytest.mark.no_db]

PEOPLE = 8
ATTEMPTS_EACH = 4  # three different proposals, then the first one again: 32 threads in all
LIMIT = 2


def _delete_everything(created: dict) -> None:
    users, proposals, consultations = created["users"], created["proposals"], created["consultations"]
    erase_ledgers(consultations)
    if proposals or users:
        db.session.execute(sa.delete(Support).where(sa.or_(Support.proposal_id.in_(proposals),
                                                           Support.user_id.in_(users))))
        db.session.execute(sa.delete(Follow).where(sa.or_(Follow.proposal_id.in_(proposals),
                                                          Follow.user_id.in_(users))))
    if proposals:
        db.session.execute(sa.delete(Proposal).where(Proposal.id.in_(proposals)))
    if consultations:
        db.session.execute(sa.delete(Consultation).where(Consultation.id.in_(consultations)))
    if users:
        db.session.execute(sa.delete(User).where(User.id.in_(users)))
    db.session.commit()


def test_simultaneous_supports_leave_one_per_person_and_respect_the_limit(app):
    created = {"users": [], "proposals": [], "consultations": []}
    try:
        with app.app_context():
            people = [make_user() for _ in range(PEOPLE)]
            author = make_user()
            created["users"] = [u.id for u in [*people, author]]
            consultation = make_consultation(Phase.VOTING, supports_per_participant=LIMIT)
            created["consultations"] = [consultation.id]
            proposals = [make_proposal(consultation, author, title=f"Proposta contesa {n}") for n in range(3)]
            created["proposals"] = [p.id for p in proposals]
            db.session.commit()
            person_ids = [u.id for u in people]
            proposal_ids = list(created["proposals"])

        attempts = [(person_id, proposal_ids[(i + k) % 3])
                    for i, person_id in enumerate(person_ids) for k in (0, 1, 2, 0)]
        assert len(attempts) == PEOPLE * ATTEMPTS_EACH == 32
        start = threading.Barrier(len(attempts))
        outcomes: list[tuple[int, int, str]] = []
        lock = threading.Lock()

        def press_support(person_id: int, proposal_id: int) -> None:
            with app.app_context():
                start.wait(timeout=60)
                try:
                    person = db.session.get(User, person_id)
                    proposal = db.session.get(Proposal, proposal_id)
                    votes.support(person, proposal)
                    db.session.commit()
                    outcome = "supported"
                except Refused:
                    db.session.rollback()
                    outcome = "refused"
                except sa.exc.SQLAlchemyError as error:
                    db.session.rollback()
                    outcome = f"database error: {type(error).__name__}: {getattr(error, 'orig', error)!r}"
                except Exception as error:  # noqa: BLE001 - reported below, not swallowed
                    db.session.rollback()
                    outcome = f"unexpected error: {type(error).__name__}: {error}"
                with lock:
                    outcomes.append((person_id, proposal_id, outcome))

        threads = [threading.Thread(target=press_support, args=attempt) for attempt in attempts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "some supports never finished"

        with app.app_context():
            rows = db.session.execute(
                sa.select(Support.user_id, Support.proposal_id).where(Support.proposal_id.in_(proposal_ids))
            ).all()
            pairs = [tuple(row) for row in rows]
            per_person = Counter(user_id for user_id, _ in pairs)
            per_proposal = Counter(proposal_id for _, proposal_id in pairs)
            counters = dict(db.session.execute(
                sa.select(Proposal.id, Proposal.support_count).where(Proposal.id.in_(proposal_ids))).all())

        assert len(pairs) == len(set(pairs)), "someone supports the same proposal twice"
        assert all(per_person[p] <= LIMIT for p in person_ids), per_person
        # Three different proposals each: everyone ends up using exactly their two supports.
        assert all(per_person[p] == LIMIT for p in person_ids), per_person
        assert counters == {p: per_proposal[p] for p in proposal_ids}, (counters, per_proposal)
        # Every press ended as a support or a polite refusal: nothing a person would see as a 500.
        assert len(outcomes) == len(attempts)
        unexpected = Counter(o[2] for o in outcomes if o[2] not in ("supported", "refused"))
        assert not unexpected, unexpected
        assert sum(o[2] == "supported" for o in outcomes) == len(pairs)
    finally:
        with app.app_context():
            _delete_everything(created)
