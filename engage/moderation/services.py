"""Every moderation action: one function each, each writing its audit row. The caller commits.

Moderators never edit people's words: they only change what is shown.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from engage.auth.models import User, new_session_token
from engage.auth.permissions import Refused, can
from engage.comments.models import Comment
from engage.core.db import utcnow
from engage.core.urls import path_for
from engage.extensions import db
from engage.moderation.models import (Decision, Moderation, ModerationAction, ModerationCase, Report,
                                      ReportReason)
from engage.notifications.services import notify
from engage.proposals.models import Proposal
from engage.questionnaires.models import Answer
from engage.votes import tally

APPEAL_MAX = 2000


# Finding the case for an item.

def case_for(item, *, create: bool = True) -> ModerationCase | None:
    column = {Proposal: ModerationCase.proposal_id, Comment: ModerationCase.comment_id,
              Answer: ModerationCase.answer_id}[type(item)]
    case = db.session.scalar(select(ModerationCase).where(column == item.id))
    if case is None and create:
        case = ModerationCase(consultation_id=item.consultation_id, author_id=item.author_id,
                              proposal=item if isinstance(item, Proposal) else None,
                              comment=item if isinstance(item, Comment) else None,
                              answer=item if isinstance(item, Answer) else None)
        db.session.add(case)
        db.session.flush()
    return case


def item_link(item) -> str:
    if isinstance(item, Proposal):
        return path_for("proposals.detail", proposal_id=item.id)
    if isinstance(item, Answer):
        return path_for("questionnaires.texts", questionnaire_id=item.question.questionnaire_id,
                        question_id=item.question_id) + f"#risposta-{item.id}"
    return path_for("comments.show", comment_id=item.id)  # it finds the comment's page when followed


def _audit(actor, action: str, *, case=None, subject=None, reason="", note="", before="", after=""):
    db.session.add(ModerationAction(actor_id=actor.id if actor else None, action=action,
                                    case_id=case.id if case else None,
                                    subject_user_id=subject.id if subject else None,
                                    reason=reason, note=note, state_before=before, state_after=after))


def _set_state(item, state: Moderation, reason: ReportReason | None = None) -> None:
    """Change what is shown, keeping the proposal's comment counter true."""
    was_counted = item.moderation is Moderation.VISIBLE and getattr(item, "deleted_at", None) is None
    item.moderation = state
    item.hidden_reason = reason if state is Moderation.HIDDEN else None
    now_counted = state is Moderation.VISIBLE and getattr(item, "deleted_at", None) is None
    if isinstance(item, Comment) and was_counted != now_counted:
        tally.add_comments(item.proposal_id, 1 if now_counted else -1)
    db.session.flush()


# What citizens do.

def should_hold(author, consultation, *, is_comment: bool) -> bool:
    """Pre-moderation: the consultation's setting, or the site-wide rule for first contributions."""
    if (consultation.premoderate_comments if is_comment else consultation.premoderate_proposals):
        return True
    if current_app.config.get("MODERATION_HOLD_FIRST_CONTRIBUTION"):
        earlier = db.session.scalar(select(func.count()).select_from(Proposal).where(
            Proposal.author_id == author.id, Proposal.moderation == Moderation.VISIBLE))
        earlier += db.session.scalar(select(func.count()).select_from(Comment).where(
            Comment.author_id == author.id, Comment.moderation == Moderation.VISIBLE))
        return earlier == 0
    return False


def hold(item) -> ModerationCase:
    """A new item waits for approval; its author sees "awaiting review"."""
    _set_state(item, Moderation.PENDING)
    case = case_for(item)
    case.held, case.is_open = True, True
    _audit(None, "hold", case=case, subject=item.author, before="new", after=Moderation.PENDING.value)
    notify(item.author_id, "held", link=item_link(item))
    return case


def report(reporter, item, reason: ReportReason, details: str = "") -> Report:
    if not can(reporter, "content.report", item):
        if item.author_id == getattr(reporter, "id", None):
            raise Refused(_l("You cannot report what you wrote yourself."), status=409)
        raise Refused(_l("You cannot report this."), status=403)
    case = case_for(item)
    row = Report(case_id=case.id, reporter_id=reporter.id, reason=reason, details=(details or "").strip()[:2000])
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Refused(_l("You have already reported this. Moderators will look at it."), status=409) from None
    db.session.expire(case, ["reports"])
    case.is_open = True
    _audit(reporter, "report", case=case, subject=item.author, reason=reason.value)
    open_reports = [r for r in case.reports if r.cleared_at is None]
    threshold = current_app.config["MODERATION_AUTO_HIDE_REPORTS"]
    if item.moderation is Moderation.VISIBLE and len(open_reports) >= threshold:
        common = Counter(r.reason for r in open_reports).most_common(1)[0][0]
        _set_state(item, Moderation.HIDDEN, common)
        _audit(None, "auto_hide", case=case, subject=item.author, reason=common.value,
               note=f"{len(open_reports)} reports", before=Moderation.VISIBLE.value, after=Moderation.HIDDEN.value)
        notify(item.author_id, "hidden", link=item_link(item), reason=common.value)
    return row


def appeal(author, case: ModerationCase, message: str) -> None:
    if not can(author, "content.appeal", case):
        raise Refused(_l("You can appeal once, only about your own content that is hidden or awaiting review."),
                      status=409)
    message = (message or "").strip()
    if not message:
        raise Refused(_l("Tell the moderators why the decision should change."), status=422)
    if len(message) > APPEAL_MAX:
        raise Refused(_l("An appeal can be at most %(max)d characters long.", max=APPEAL_MAX), status=422)
    case.appeal_message, case.appealed_at, case.is_open = message, utcnow(), True
    _audit(author, "appeal", case=case, subject=author, note=message[:500])


# What moderators do.

def _decide(actor, case: ModerationCase, decision: Decision) -> None:
    case.decision, case.decided_at, case.decided_by_id = decision, utcnow(), actor.id
    case.held = False
    case.is_open = case.appeal_pending


def _clear_reports(case: ModerationCase) -> None:
    db.session.execute(update(Report).where(Report.case_id == case.id, Report.cleared_at.is_(None))
                       .values(cleared_at=utcnow()))
    db.session.expire(case, ["reports"])


def _require_case(actor, case) -> None:
    if not can(actor, "moderation.decide", case):
        raise Refused(_l("You cannot moderate this consultation."))


def hide(actor, case: ModerationCase, reason: ReportReason, note: str = "") -> None:
    _require_case(actor, case)
    item = case.item
    before = item.moderation
    _set_state(item, Moderation.HIDDEN, reason)
    _decide(actor, case, Decision.HIDDEN)
    _audit(actor, "hide", case=case, subject=item.author, reason=reason.value, note=note,
           before=before.value, after=Moderation.HIDDEN.value)
    notify(item.author_id, "hidden", link=item_link(item), reason=reason.value)


def restore(actor, case: ModerationCase, note: str = "") -> None:
    """Show the item again and clear its reports; a proposal's supports count again."""
    _require_case(actor, case)
    item = case.item
    before = item.moderation
    _set_state(item, Moderation.VISIBLE)
    _clear_reports(case)
    _decide(actor, case, Decision.RESTORED)
    _audit(actor, "restore", case=case, subject=item.author, note=note, before=before.value,
           after=Moderation.VISIBLE.value)
    if before is not Moderation.VISIBLE:
        notify(item.author_id, "restored", link=item_link(item))


def dismiss(actor, case: ModerationCase, note: str = "") -> None:
    """The reports were unfounded: clear them. An automatically hidden item comes back."""
    _require_case(actor, case)
    item = case.item
    before = item.moderation
    if before is Moderation.HIDDEN and case.decision is None:
        _set_state(item, Moderation.VISIBLE)
    _clear_reports(case)
    _decide(actor, case, Decision.DISMISSED)
    _audit(actor, "dismiss", case=case, subject=item.author, note=note, before=before.value,
           after=item.moderation.value)


def approve(actor, case: ModerationCase, note: str = "") -> None:
    """A held item is published."""
    _require_case(actor, case)
    item = case.item
    if item.moderation is not Moderation.PENDING:
        raise Refused(_l("Only content awaiting review can be approved."), status=409)
    _set_state(item, Moderation.VISIBLE)
    _decide(actor, case, Decision.APPROVED)
    _audit(actor, "approve", case=case, subject=item.author, note=note, before=Moderation.PENDING.value,
           after=Moderation.VISIBLE.value)
    notify(item.author_id, "approved", link=item_link(item))
    if isinstance(item, Comment) and item.parent_id is not None:  # a held reply reaches its parent now
        from engage.notifications.services import notify_reply

        notify_reply(item, db.session.get(Comment, item.parent_id))


def decide_appeal(actor, case: ModerationCase, *, uphold: bool, note: str = "") -> None:
    """Upholding an appeal restores the item; rejecting it keeps the decision. Either way, logged."""
    _require_case(actor, case)
    if not case.appeal_pending:
        raise Refused(_l("There is no appeal waiting on this item."), status=409)
    case.appeal_upheld, case.appeal_decided_at = uphold, utcnow()
    item = case.item
    before = item.moderation
    if uphold:
        _set_state(item, Moderation.VISIBLE)
        _clear_reports(case)
        case.decision, case.decided_at, case.decided_by_id, case.held = Decision.RESTORED, utcnow(), actor.id, False
    case.is_open = False
    _audit(actor, "appeal_upheld" if uphold else "appeal_rejected", case=case, subject=item.author, note=note,
           before=before.value, after=item.moderation.value)
    notify(item.author_id, "appeal_upheld" if uphold else "appeal_rejected", link=item_link(item))


ACTIONS = {"hide", "restore", "dismiss", "approve", "uphold", "reject"}
BULK_ACTIONS = {"hide", "restore", "dismiss", "approve"}


def decide(actor, case: ModerationCase, action: str, reason: ReportReason | None = None, note: str = "") -> None:
    """One decision by name, as buttons and forms send it; the one place that maps names to actions."""
    if action not in ACTIONS:
        raise Refused(_l("Unknown moderation action."), status=422)
    if action == "hide":
        hide(actor, case, reason or ReportReason.OTHER, note)
    elif action == "restore":
        restore(actor, case, note)
    elif action == "dismiss":
        dismiss(actor, case, note)
    elif action == "approve":
        approve(actor, case, note)
    else:
        decide_appeal(actor, case, uphold=action == "uphold", note=note)


def bulk(actor, cases: list[ModerationCase], action: str, reason: ReportReason | None = None,
         note: str = "") -> int:
    """The same decision on many cases; each is checked and logged on its own. Approving skips
    what is not awaiting review, so a mixed selection still publishes the held items."""
    if action not in BULK_ACTIONS:
        raise Refused(_l("Unknown moderation action."), status=422)
    done = 0
    for case in cases:
        if action == "approve" and case.item.moderation is not Moderation.PENDING:
            continue
        decide(actor, case, action, reason, note)
        done += 1
    return done


def block(actor, user: User, reason: str, until: datetime | None) -> None:
    """Ends the user's sessions at once; their content leaves every public surface."""
    if not can(actor, "moderation.block", user):
        raise Refused(_l("You cannot block this account."))
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give the reason for the block: the person will read it."), status=422)
    if until is not None and until <= utcnow():
        raise Refused(_l("The end of the block must be in the future."), status=422)
    user.blocked_at, user.blocked_until, user.blocked_reason = utcnow(), until, reason[:500]
    user.session_token = new_session_token()
    _audit(actor, "block", subject=user, note=reason, after=until.isoformat() if until else "permanent")
    notify(user.id, "blocked", reason="", until=until)
    _recount_for(user)


def unblock(actor, user: User) -> None:
    if not can(actor, "moderation.block", user):
        raise Refused(_l("You cannot unblock this account."))
    _lift(actor, user)


def lift_expired_blocks() -> int:
    """Blocks whose end has passed are lifted (logged as automatic) and counts fixed.

    Runs before every state-changing request and when the person signs in; also
    `flask moderation lift-expired-blocks` for a cron job. Cheap: an indexed query, usually empty.
    """
    expired = list(db.session.scalars(select(User).where(User.blocked_until.is_not(None),
                                                         User.blocked_until <= utcnow())))
    for user in expired:
        _lift(None, user)
    return len(expired)


def _lift(actor, user: User) -> None:
    user.blocked_at, user.blocked_until, user.blocked_reason = None, None, ""
    _audit(actor, "unblock", subject=user)
    _recount_for(user)


def _recount_for(user: User) -> None:
    """Their comments appear or disappear in proposals' comment counts."""
    db.session.flush()
    ids = set(db.session.scalars(select(Comment.proposal_id).where(Comment.author_id == user.id,
                                                                   Comment.proposal_id.is_not(None))))
    if ids:
        tally.recount(proposal_ids=ids)
