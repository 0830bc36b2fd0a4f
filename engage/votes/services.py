"""Casting and taking back a support: the only place that writes Support rows.

Each change is appended to the consultation's public ledger (engage/ledger) in the same
transaction, so the ledger and the supports table cannot disagree.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from engage.auth.models import User
from engage.auth.permissions import Refused, can
from engage.extensions import db
from engage.ledger import services as ledger
from engage.votes import tally
from engage.votes.models import Support


def _lock_participant(user, consultation) -> None:
    """Serialise one person's supports where a limit applies, so two simultaneous requests
    cannot both pass it. A row lock on PostgreSQL; SQLite serialises all writers anyway.
    Without a limit there is nothing to race for: the unique (proposal, person) row decides."""
    if consultation.supports_per_participant:
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _insert_once(user, proposal) -> bool:
    """The support row, unless this person already has one (one statement, no savepoint)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    added = db.session.execute(
        insert(Support).values(proposal_id=proposal.id, user_id=user.id, consultation_id=proposal.consultation_id)
        .on_conflict_do_nothing(index_elements=["proposal_id", "user_id"]).returning(Support.id))
    return added.first() is not None


def support(user, proposal, *, now=None) -> None:
    if not can(user, "proposal.support", proposal):
        raise Refused(_l("Supports can be given only while voting is open."), status=409)
    _lock_participant(user, proposal.consultation)
    if not can(user, "support.within_limit", proposal.consultation):
        raise Refused(_l("You have used all the supports this consultation allows. "
                         "Take one back to support this proposal."), status=409)
    if not _insert_once(user, proposal):
        raise Refused(_l("You already support this proposal."), status=409)
    set_committed_value(proposal, "support_count", tally.add_supports(proposal.id, +1))
    ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=user.id,
                  action="+", now=now)


def withdraw_support(user, proposal, *, now=None) -> None:
    if not can(user, "support.withdraw", proposal):
        raise Refused(_l("Supports can be taken back only while voting is open."), status=409)
    _lock_participant(user, proposal.consultation)
    removed = db.session.execute(
        delete(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)).rowcount
    if not removed:
        raise Refused(_l("You do not support this proposal."), status=409)
    set_committed_value(proposal, "support_count", tally.add_supports(proposal.id, -1))
    ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=user.id,
                  action="-", now=now)
