"""Every kind of notification, named once: which preference governs its e-mail, and its words.

A notification stores what happened (its kind and a few ids); the sentence is written when it is
read, in the reader's language: on the /notifiche page, in the e-mail, in the digest. A new kind
is one line in KINDS and one branch in `sentence` and `subject` (a test checks that each kind has
its words).
"""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engage.core.enums import LabelledEnum


class Topic(LabelledEnum):
    """What a person chooses the e-mail delivery of (kinds that belong together share one)."""

    ANSWER = "answer", _l("Official answers to proposals you wrote, support or follow")
    REPLY = "reply", _l("Replies to your comments")
    PHASE = "phase", _l("A new phase in a consultation you follow")
    MODERATION = "moderation", _l("Moderation of your contributions and your account")
    REPORT_READY = "report_ready", _l("Consultation reports ready for your institution")

    @property
    def for_officers_only(self) -> bool:
        return self is Topic.REPORT_READY


class Delivery(LabelledEnum):
    IMMEDIATE = "immediate", _l("By e-mail straight away")
    DAILY = "daily", _l("In one daily e-mail")
    OFF = "off", _l("No e-mail (only in your notifications on the site)")


DEFAULT_DELIVERY = {topic: Delivery.IMMEDIATE for topic in Topic}

# kind -> the topic whose preference decides its e-mail
KINDS: dict[str, Topic] = {
    "answer": Topic.ANSWER,
    "reply": Topic.REPLY,
    "phase": Topic.PHASE,
    "held": Topic.MODERATION,
    "hidden": Topic.MODERATION,
    "restored": Topic.MODERATION,
    "approved": Topic.MODERATION,
    "appeal_upheld": Topic.MODERATION,
    "appeal_rejected": Topic.MODERATION,
    "blocked": Topic.MODERATION,
    "report_ready": Topic.REPORT_READY,
}

# The unsubscribe link of a digest names this instead of a topic: it stops the daily e-mail.
DIGEST = "digest"


def topic_of(kind: str) -> Topic:
    try:
        return KINDS[kind]
    except KeyError:
        raise LookupError(f"unknown notification kind {kind!r}: add it to engage/notifications/kinds.py") from None


def topics_for(user) -> list[Topic]:
    """The topics a person can receive: reports only go to officers of an institution."""
    officer = bool(getattr(user, "memberships", None))
    return [topic for topic in Topic if officer or not topic.for_officers_only]


def _reason_label(code: str) -> str:
    from engage.moderation.models import ReportReason

    for reason in ReportReason:
        if reason.value == code:
            return str(reason.label)
    return _("Other")


def _phase_label(code: str) -> str:
    from engage.consultations.phases import Phase

    for phase in Phase:
        if phase.value == code:
            return str(phase.label)
    return code


def _title(n) -> str:
    """The proposal's title only while the public may read it (a hidden one is never named)."""
    from engage.moderation.visibility import is_visible

    if n.proposal is not None:
        return n.proposal.title if is_visible(n.proposal) else ""
    if n.consultation is not None:
        return n.consultation.localized("title").text
    return ""


def sentence(n) -> str:
    """What happened, in the current language (plain text: templates escape it)."""
    kind, title = n.kind, _title(n)
    if kind == "hidden":
        return _("Your content was hidden by moderation: %(reason)s. You can appeal once.",
                 reason=_reason_label(n.reason))
    if kind == "held":
        return _("Your content is awaiting review: a moderator will check it before it appears to everyone.")
    if kind == "restored":
        return _("Your content is visible again.")
    if kind == "approved":
        return _("Your content has been approved and is now public.")
    if kind == "appeal_upheld":
        return _("Your appeal was upheld: your content is visible again.")
    if kind == "appeal_rejected":
        return _("Your appeal was rejected: the decision stays.")
    if kind == "blocked":
        if n.until:
            return _("Your account was blocked until %(until)s.", until=format_datetime(n.until, "short"))
        return _("Your account was blocked.")
    if kind == "answer":
        if not title:
            return _("The institution has given its official answer to a proposal you follow.")
        return _("The institution has given its official answer to the proposal “%(title)s”.", title=title)
    if kind == "reply":
        if n.proposal is not None and title:
            return _("Someone replied to your comment on the proposal “%(title)s”.", title=title)
        if n.proposal is None and n.consultation is not None:
            return _("Someone replied to your comment in the discussion of “%(title)s”.", title=title)
        return _("Someone replied to your comment.")
    if kind == "phase":
        if not title:
            return _("A consultation you follow has moved to a new phase: %(phase)s.", phase=_phase_label(n.reason))
        return _("The consultation “%(title)s” has moved to a new phase: %(phase)s.", title=title,
                 phase=_phase_label(n.reason))
    if kind == "report_ready":
        if not title:
            return _("A consultation report for your institution is ready.")
        return _("The report of the consultation “%(title)s” is ready.", title=title)
    return kind


def subject(n) -> str:
    """The subject of the e-mail sent for one notification."""
    kind, title = n.kind, _title(n)
    if kind == "answer":
        return _("Official answer: %(title)s", title=title) if title else _("Official answer to a proposal")
    if kind == "reply":
        return _("New reply to your comment")
    if kind == "phase":
        phase = _phase_label(n.reason)
        return _("%(title)s: %(phase)s", title=title, phase=phase) if title else _("New phase: %(phase)s", phase=phase)
    if kind == "report_ready":
        return _("Report ready: %(title)s", title=title) if title else _("Consultation report ready")
    if kind == "blocked":
        return _("Your Engage Cremona account")
    return _("About your contribution on Engage Cremona")
