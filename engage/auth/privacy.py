"""GDPR: everything we hold about a person, downloadable; and leaving without a trace.

Deleting an account keeps what the public and the tallies rely on (proposals, comments,
supports) but cuts every link to the person: contributions show "former participant".
"""
from __future__ import annotations

import csv
import io
import json
import zipfile

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from engage.auth.models import User, new_session_token
from engage.auth.services import AccountError
from engage.comments.models import Comment, CommentVote
from engage.core.db import utcnow
from engage.extensions import db
from engage.follows.models import Follow
from engage.institutions.models import InstitutionMembership
from engage.moderation.models import ModerationCase, Report
from engage.notifications.models import Notification
from engage.core.mail import OutboundMail
from engage.notifications.models import NotificationPreference
from engage.proposals.models import Proposal
from engage.questionnaires.models import Response
from engage.questionnaires.queries import personal_answers
from engage.ledger.queries import receipts
from engage.votes.models import Support


def _rows(query, columns):
    return [{name: _plain(getattr(row, name)) for name in columns} for row in db.session.scalars(query)]


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def personal_data(user: User) -> dict[str, list[dict]]:
    """Every table's rows about this person, as plain values."""
    return {
        "account": [{
            "email": user.email, "display_name": user.display_name,
            "comune": user.comune.name if user.comune else None,
            "age_band": _plain(user.age_band), "locale": user.locale, "role": user.role.value,
            "registered_at": _plain(user.created_at), "email_confirmed_at": _plain(user.email_confirmed_at),
            "privacy_accepted_at": _plain(user.privacy_accepted_at), "last_login_at": _plain(user.last_login_at),
            "institutions": ", ".join(i.name for i in user.institutions),
        }],
        "proposals": _rows(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id),
                           ["id", "consultation_id", "title", "body", "status", "moderation", "created_at",
                            "support_count"]),
        "comments": _rows(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id),
                          ["id", "consultation_id", "proposal_id", "parent_id", "stance", "body", "created_at",
                           "deleted_at", "moderation"]),
        "supports": _rows(select(Support).where(Support.user_id == user.id).order_by(Support.id),
                          ["proposal_id", "consultation_id", "created_at"]),
        "comment_votes": _rows(select(CommentVote).where(CommentVote.user_id == user.id),
                               ["comment_id", "value"]),
        "follows": _rows(select(Follow).where(Follow.user_id == user.id), ["proposal_id", "consultation_id",
                                                                           "created_at"]),
        "reports_made": _rows(select(Report).where(Report.reporter_id == user.id),
                              ["case_id", "reason", "details", "created_at"]),
        "notifications": _rows(select(Notification).where(Notification.user_id == user.id),
                               ["kind", "link", "reason", "created_at", "read_at"]),
        "questionnaire_answers": personal_answers(user),
        # Their entries in the public ledgers: found through tokens only the server can compute.
        "ledger_entries": [{"consultation_id": receipt.consultation.id, "voter_token": receipt.token, **entry.as_row()}
                           for receipt in receipts(user) for entry in receipt.entries],
        "notification_preferences": _rows(select(NotificationPreference)
                                          .where(NotificationPreference.user_id == user.id),
                                          ["topic", "delivery"]),
    }


def export_zip(user: User) -> bytes:
    """One JSON file with everything, and one CSV per kind of data."""
    data = personal_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("engage-cremona.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, rows in data.items():
            text = io.StringIO()
            if rows:
                writer = csv.DictWriter(text, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def delete_account(user: User, password: str) -> None:
    """Asks for the password again; then anonymises, keeping tallies and threads whole."""
    if not user.check_password(password):
        raise AccountError(_l("The password is not correct."), field="password")
    db.session.execute(update(Proposal).where(Proposal.author_id == user.id).values(author_id=None))
    db.session.execute(update(Comment).where(Comment.author_id == user.id).values(author_id=None))
    db.session.execute(update(ModerationCase).where(ModerationCase.author_id == user.id).values(author_id=None))
    # Answers stay in the results, as anonymous ones do.
    db.session.execute(update(Response).where(Response.respondent_id == user.id).values(respondent_id=None))
    for model, column in ((Follow, Follow.user_id), (Notification, Notification.user_id),
                          (InstitutionMembership, InstitutionMembership.user_id),
                          (NotificationPreference, NotificationPreference.user_id),
                          (OutboundMail, OutboundMail.user_id)):
        db.session.execute(delete(model).where(column == user.id))
    # The row stays, empty, so one-support-per-person and the supports themselves hold.
    user.email = f"deleted-{user.id}@invalid"
    user.display_name = "—"
    user.display_name_key = f"deleted-{user.id}"
    user.password_hash = "!"  # matches no password
    user.comune, user.age_band, user.last_login_at = None, None, None
    user.email_confirmed_at = None
    user.blocked_at, user.blocked_until, user.blocked_reason = None, None, ""
    user.session_token = new_session_token()
    user.deleted_at = utcnow()
    db.session.flush()
