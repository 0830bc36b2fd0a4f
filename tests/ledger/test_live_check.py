"""`flask ledger verify` runs while people support: a support committed halfway through the check
must not look like tampering. The check reads one snapshot (REPEATABLE READ on PostgreSQL; a
SQLite transaction is one already).

Outside the rolled-back test transaction: the support comes from another session, as another
request would. The test commits its rows and deletes them after.
"""
import threading

import pytest
import sqlalchemy as sa

from engage.auth.models import User
from engage.consultations.models import Consultation
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.follows.models import Follow
from engage.ledger import audit as audit_module
from engage.proposals.models import Proposal
from engage.votes import services as votes
from engage.votes.models import Support
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import erase_ledgers

pytestmark = pytest.mark.no_db


@pytest.fixture
def world(app):
    with app.app_context():
        people = [make_user(), make_user()]
        consultation = make_consultation(Phase.VOTING)
        proposal = make_proposal(consultation, title="Proposta sotto controllo")
        votes.support(people[0], proposal)
        db.session.commit()
        ids = {"users": [p.id for p in people], "proposal": proposal.id, "consultation": consultation.id}
    yield ids
    with app.app_context():
        erase_ledgers([ids["consultation"]])
        db.session.execute(sa.delete(Support).where(Support.consultation_id == ids["consultation"]))
        db.session.execute(sa.delete(Follow).where(Follow.user_id.in_(ids["users"])))
        db.session.execute(sa.delete(Proposal).where(Proposal.id == ids["proposal"]))
        db.session.execute(sa.delete(Consultation).where(Consultation.id == ids["consultation"]))
        db.session.execute(sa.delete(User).where(User.id.in_(ids["users"])))
        db.session.commit()


def check_while_someone_supports(app, world, monkeypatch, *, snapshot: bool) -> list[str]:
    """Audit the consultation; right after it has read the ledger, another request supports."""
    read_chain = audit_module.check_chain

    def chain_then_a_support(*args, **kwargs):
        checked = read_chain(*args, **kwargs)

        def another_request():
            with app.test_request_context("/", method="POST"):
                votes.support(db.session.get(User, world["users"][1]), db.session.get(Proposal, world["proposal"]))
                db.session.commit()
                db.session.remove()

        thread = threading.Thread(target=another_request)
        thread.start()
        thread.join(timeout=30)
        return checked

    monkeypatch.setattr(audit_module, "check_chain", chain_then_a_support)
    with app.app_context():
        if snapshot:
            audit_module.read_one_snapshot()
        problems = audit_module.audit(db.session.get(Consultation, world["consultation"]))
        db.session.remove()
    monkeypatch.setattr(audit_module, "check_chain", read_chain)
    with app.app_context():  # afterwards, everything agrees
        assert audit_module.audit(db.session.get(Consultation, world["consultation"])) == []
        assert db.session.get(Proposal, world["proposal"]).support_count == 2
    return problems


def test_a_support_committed_during_the_check_is_not_a_false_alarm(app, world, monkeypatch):
    assert check_while_someone_supports(app, world, monkeypatch, snapshot=True) == []


def test_without_one_snapshot_postgresql_would_raise_that_false_alarm(app, world, monkeypatch):
    """Why read_one_snapshot exists: proves the test above would catch its absence."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite reads one snapshot per transaction anyway")
    problems = check_while_someone_supports(app, world, monkeypatch, snapshot=False)
    assert any("the ledger does not say so" in p for p in problems), problems
