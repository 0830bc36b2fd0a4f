"""The notification e-mails: one per notification, or one daily digest; each with its unsubscribe link.

Mails are written when they are queued, in the recipient's language, and carry absolute links.
Those links are built from PUBLIC_URL (ENGAGE_PUBLIC_URL, e.g. https://partecipa.provincia.cremona.it),
never from the Host header of the request that caused them: a request with a forged Host would
otherwise send people links (with their unsubscribe token) to another site.
"""
from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import ngettext

from engage.core.mail import OutboundMail, enqueue_mail
from engage.core.tokens import make_token, read_token
from engage.core.urls import path_for, public_url
from engage.notifications import kinds

log = logging.getLogger(__name__)

UNSUBSCRIBE_PURPOSE = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 365 * 86400  # a year: old mails keep working (NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE)


# Unsubscribe tokens --------------------------------------------------------------------------

def unsubscribe_token(user_id: int, topic: str) -> str:
    """Signed: names the person and what to stop (a topic value, or kinds.DIGEST); no login needed."""
    return make_token(UNSUBSCRIBE_PURPOSE, {"uid": user_id, "topic": topic})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, topic), or None when the token is forged, expired, or names nothing we know."""
    max_age = int(current_app.config.get("NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", UNSUBSCRIBE_MAX_AGE))
    payload = read_token(UNSUBSCRIBE_PURPOSE, token, max_age=max_age)
    if not payload:
        return None
    user_id, topic = payload.get("uid"), payload.get("topic")
    known = {t.value for t in kinds.Topic} | {kinds.DIGEST}
    if not isinstance(user_id, int) or isinstance(user_id, bool) or topic not in known:
        return None
    return user_id, topic


def unsubscribe_url(user_id: int, topic: str) -> str:
    return public_url(path_for("notifications.unsubscribe", token=unsubscribe_token(user_id, topic)))


def list_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs show an "unsubscribe" button that POSTs to the URL."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated"}  # RFC 3834: no out-of-office replies, please


# The mails ----------------------------------------------------------------------------------

def _enqueue(user, subject: str, template: str, stops: str, *, now=None, **context) -> OutboundMail:
    """Render and queue; `stops` is what the mail's unsubscribe link turns off."""
    url = unsubscribe_url(user.id, stops)
    body = render_template(f"mail/{template}.txt", user=user, unsubscribe_url=url,
                           preferences_url=public_url(path_for("notifications.preferences")), **context)
    return enqueue_mail(user.email, subject, body, headers=list_headers(url), user_id=user.id, now=now)


def enqueue_notification_mail(user, notification, *, now=None) -> OutboundMail:
    """The e-mail of one notification, in the recipient's language."""
    topic = kinds.topic_of(notification.kind)
    with force_locale(user.locale):
        return _enqueue(user, kinds.subject(notification), "notification", topic.value,
                        now=now, sentence=kinds.sentence(notification), topic=topic,
                        link=public_url(notification.link) if notification.link else "")


def enqueue_digest_mail(user, notifications, *, now=None) -> OutboundMail:
    """One e-mail with everything a daily-digest reader has not been mailed yet, oldest first."""
    with force_locale(user.locale):
        items = [{"sentence": kinds.sentence(n), "created_at": n.created_at,
                  "link": public_url(n.link) if n.link else ""} for n in notifications]
        subject = ngettext("Engage Cremona: %(num)d new notification", "Engage Cremona: %(num)d new notifications",
                           len(items))
        return _enqueue(user, subject, "digest", kinds.DIGEST, now=now, items=items,
                        notifications_url=public_url(path_for("notifications.index")))
