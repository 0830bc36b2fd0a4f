"""A storm of people supporting and taking back at the same moment still leaves one gap-free
chain with no fork, whose recount equals the supports table: on PostgreSQL (advisory lock) and
on SQLite (the write lock that writing requests take up front).

Outside the rolled-back test transaction: each thread is a request of its own, with its own
session and connection, as in production. The test commits its rows and deletes them after.
"""
import random
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
from engage.ledger import queries
from engage.ledger.audit import audit
from engage.proposals.models import Proposal
from engage.votes import services as votes
from engage.votes.models import Support
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import erase_ledgers

pytestmark = pytest.mark.no_db

PEOPLE, PROPOSALS, PRESSES_EACH = 12, 3, 6


def test_concurrent_supports_and_withdrawals_make_one_valid_chain(app):
    with app.app_context():
        people = [make_user() for _ in range(PEOPLE)]
        consultation = make_consultation(Phase.VOTING)
        proposals = [make_proposal(consultation, title=f"Proposta nella tempesta {n}") for n in range(PROPOSALS)]
        db.session.commit()
        ids = {"users": [u.id for u in people], "proposals": [p.id for p in proposals],
               "consultation": consultation.id}
    try:
        outcomes: Counter = Counter()
        lock = threading.Lock()
        start = threading.Barrier(PEOPLE)

        def storm(person_id: int, seed: int) -> None:
            chooser = random.Random(seed)
            start.wait(timeout=60)
            for _ in range(PRESSES_EACH):
                proposal_id = chooser.choice(ids["proposals"])
                # A writing request: on SQLite it begins with BEGIN IMMEDIATE (engage/core/db.py).
                with app.test_request_context("/", method="POST"):
                    try:
                        person = db.session.get(User, person_id)
                        proposal = db.session.get(Proposal, proposal_id)
                        if chooser.random() < 0.6:
                            votes.support(person, proposal)
                        else:
                            votes.withdraw_support(person, proposal)
                        db.session.commit()
                        outcome = "done"
                    except Refused:
                        db.session.rollback()
                        outcome = "refused"
                    except Exception as error:  # noqa: BLE001 - counted and reported below
                        db.session.rollback()
                        outcome = f"error: {type(error).__name__}: {error}"
                    finally:
                        db.session.remove()
                with lock:
                    outcomes[outcome] += 1

        threads = [threading.Thread(target=storm, args=(person_id, n)) for n, person_id in enumerate(ids["users"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "some requests never finished"
        assert set(outcomes) <= {"done", "refused"}, outcomes
        assert outcomes["done"] > PEOPLE  # it was a storm, not a queue of refusals

        with app.app_context():
            consultation = db.session.get(Consultation, ids["consultation"])
            entries = list(queries.entries(consultation.id))
            assert [e.seq for e in entries] == list(range(1, outcomes["done"] + 1))  # gap-free, no fork
            assert audit(consultation) == []  # chain whole; recount = supports table = counters
    finally:
        with app.app_context():
            erase_ledgers([ids["consultation"]])
            db.session.execute(sa.delete(Support).where(Support.consultation_id == ids["consultation"]))
            db.session.execute(sa.delete(Follow).where(Follow.user_id.in_(ids["users"])))
            db.session.execute(sa.delete(Proposal).where(Proposal.id.in_(ids["proposals"])))
            db.session.execute(sa.delete(Consultation).where(Consultation.id == ids["consultation"]))
            db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
            db.session.commit()
