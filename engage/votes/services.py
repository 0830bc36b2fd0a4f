"""Casting and taking back a support: the only place that writes Support rows.

Each change is appended to the consultation's public ledger (engage/ledger) in the same
transaction, so the ledger and the supports table cannot disagree.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from engage.auth.models import User
from engage.auth.permissions import Refused, can
from engage.extensions import db
from engage.ledger import services as ledger
from engage.votes import tally
from engage.votes.models import Support


def _lock_participant(user) -> None:
    """Serialise one person's supports, so two simultaneous requests cannot both pass the limit.

    A row lock on PostgreSQL; SQLite serialises all writers anyway.
    """
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def support(user, proposal, *, now=None) -> Support:
    if not can(user, "proposal.support", proposal):
        raise Refused(_l("Supports can be given only while voting is open."), status=409)
    _lock_participant(user)
    if not can(user, "support.within_limit", proposal.consultation):
        raise Refused(_l("You have used all the supports this consultation allows. "
                         "Take one back to support this proposal."), status=409)
    row = Support(proposal_id=proposal.id, user_id=user.id, consultation_id=proposal.consultation_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Refused(_l("You already support this proposal."), status=409) from None
    tally.add_supports(proposal.id, +1)
    ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=user.id,
                  action="+", now=now)
    db.session.refresh(proposal, ["support_count"])
    return row


def withdraw_support(user, proposal, *, now=None) -> None:
    if not can(user, "support.withdraw", proposal):
        raise Refused(_l("Supports can be taken back only while voting is open."), status=409)
    _lock_participant(user)
    removed = db.session.execute(
        delete(Support).where(Support.proposal_id == proposal.id, Support.user_id == user.id)).rowcount
    if not removed:
        raise Refused(_l("You do not support this proposal."), status=409)
    tally.add_supports(proposal.id, -1)
    ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=user.id,
                  action="-", now=now)
    db.session.refresh(proposal, ["support_count"])
