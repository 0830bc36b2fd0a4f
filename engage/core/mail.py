"""Outgoing e-mail: real SMTP when configured, else a local outbox folder so the demo works offline.

Two ways out:

- `send_mail` / `send_template_mail` send at once, inside the request. Only account mails use
  them (confirmation, password reset): the person is waiting for that link.
- `enqueue_mail` writes the mail to the `outbound_mail` table, in the caller's transaction, and
  `send_due_mail` (the `flask mail send` command, from a timer or a long-running worker) sends
  what is due. Notification mails go this way: a slow or unreachable mail server never slows a
  request, and a mail is sent only if the change that caused it was committed.

The queue is safe with several workers at once. A worker claims one mail at a time with a single
UPDATE (on PostgreSQL its sub-select takes the row with FOR UPDATE SKIP LOCKED, so workers never
wait for each other; on SQLite the UPDATE holds the database's write lock) that pushes the mail's
`next_attempt_at` one lease ahead and counts the attempt. The SMTP conversation happens outside
any transaction (no lock is held while a server answers slowly), then the mail is marked sent, or
given a later attempt with backoff, or, after MAIL_QUEUE_MAX_ATTEMPTS attempts or a permanent
refusal, marked failed: the row stays, with its last error, and `flask mail requeue` puts it back.
A worker that dies mid-send leaves its claim to expire: the mail is tried again after the lease,
so delivery is at least once, never silently lost.
"""
from __future__ import annotations

import email.headerregistry
import email.policy
import logging
import secrets
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from engage.core.db import UTCDateTime, utcnow
from engage.extensions import db

log = logging.getLogger(__name__)

SUBJECT_MAX = 300

# Queue settings; each can be overridden in the app config (ENGAGE_MAIL_QUEUE_... in the environment).
QUEUE_DEFAULTS = {
    "MAIL_QUEUE_MAX_ATTEMPTS": 8,           # then the mail is marked failed (and kept)
    "MAIL_QUEUE_RETRY_BASE": 60,            # seconds before the 2nd attempt; doubles each time...
    "MAIL_QUEUE_RETRY_MAX": 6 * 3600,       # ...up to this
    "MAIL_QUEUE_LEASE": 300,                # seconds a claimed mail is left to the worker that took it
}


class MailStatus:
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboundMail(db.Model):
    """One mail waiting to go out, sent, or given up on (kept, with its last error)."""

    __tablename__ = "outbound_mail"
    __table_args__ = (Index("ix_outbound_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account it is for: the address is read again at sending time (it may have changed), and
    # a mail for an account deleted in the meantime is dropped, not sent.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. List-Unsubscribe
    # Fixed when queued, so a retried mail that did arrive the first time is recognisably the same.
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(32), default="")  # the worker pass that last took it
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboundMail {self.id} {self.status} to={self.recipient!r}>"


def _setting(name: str) -> int:
    return int(current_app.config.get(name, QUEUE_DEFAULTS[name]))


# Building and sending one message ------------------------------------------------------------

class _UnfoldedHeader(email.headerregistry.UnstructuredHeader):
    """Written on one line, as given. Python folds a long unstructured header into RFC 2047 encoded
    words when it has no space to break at, which turns `<https://...long token>` into text no mail
    program reads as a URL: List-Unsubscribe must stay a plain `<URL>` (RFC 2369), and one line of
    up to 998 characters is what RFC 5322 allows."""

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


_headers = email.headerregistry.HeaderRegistry()
for _name in ("list-unsubscribe", "list-unsubscribe-post"):
    _headers.map_to_type(_name, _UnfoldedHeader)
POLICY = email.policy.default.clone(header_factory=_headers)


def build_message(to: str, subject: str, body: str, *, headers: dict | None = None,
                  message_id: str | None = None) -> EmailMessage:
    for name, value in (headers or {}).items():
        if any(c in f"{name}{value}" for c in "\r\n\0") or len(value) > 900:
            raise ValueError(f"header {name!r} must be one short line")
    message = EmailMessage(policy=POLICY)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or new_message_id()
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def new_message_id() -> str:
    return make_msgid(domain="engage-cremona")


def send_template_mail(to: str, subject: str, template: str, *, locale: str, **context) -> EmailMessage:
    """Render `templates/mail/<template>.txt` in the recipient's language and send it now."""
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        subject_text = str(subject)
    return send_mail(to, subject_text, body)


def send_mail(to: str, subject: str, body: str, *, headers: dict | None = None) -> EmailMessage:
    """Send now (account mails). Errors reach the caller."""
    message = build_message(to, subject, body, headers=headers)
    with Transport() as transport:
        transport.send(message)
    return message


class Transport:
    """One SMTP connection for a whole pass of the queue (or the outbox folder without a server)."""

    def __init__(self, config=None):
        self.config = config if config is not None else current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if not self.config.get("MAIL_SERVER"):
            path = _write_outbox(message, Path(self.config["MAIL_OUTBOX_DIR"]))
            log.info("No MAIL_SERVER configured: mail to %s saved in %s\n%s", message["To"], path,
                     message.get_content())
            return
        reused = self.smtp is not None
        try:
            self._connection().send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            self._connection().send_message(message)  # the server dropped an idle connection: once more
        except Exception:
            self.close()  # whatever state the conversation is in, the next mail starts afresh
            raise

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = _connect(self.config)
        return self.smtp

    def close(self) -> None:
        if self.smtp is not None:
            smtp, self.smtp = self.smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except Exception:
        smtp.close()
        raise
    return smtp


def _write_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    return path


# The queue -----------------------------------------------------------------------------------

def enqueue_mail(to: str, subject: str, body: str, *, headers: dict | None = None, user_id: int | None = None,
                 now: datetime | None = None) -> OutboundMail:
    """Queue a mail in the caller's transaction; it leaves only once that transaction commits."""
    now = now or utcnow()
    subject = " ".join(str(subject).split())  # no line breaks in a header
    if len(subject) > SUBJECT_MAX:
        subject = subject[:SUBJECT_MAX - 1] + "…"
    mail = OutboundMail(user_id=user_id, recipient=to, subject=subject, body=body, headers=dict(headers or {}),
                        message_id=new_message_id(), status=MailStatus.QUEUED, created_at=now,
                        next_attempt_at=now, attempts=0)
    db.session.add(mail)
    return mail


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: the base, doubled each time, up to the maximum."""
    base, ceiling = _setting("MAIL_QUEUE_RETRY_BASE"), _setting("MAIL_QUEUE_RETRY_MAX")
    return timedelta(seconds=min(ceiling, base * 2 ** max(0, min(attempts - 1, 30))))


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0
    stopped_early: str = ""  # why the pass stopped before the queue was empty (server unreachable)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.dropped


def is_permanent(error: Exception) -> bool:
    """A refusal that the same mail will always get (5xx for its recipient or its content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def server_unavailable(error: Exception) -> bool:
    """The server (or our account on it) cannot take any mail now: stop the pass, try later.

    The other mails keep their attempts: a mail server down for an hour fails no mail.
    """
    if isinstance(error, smtplib.SMTPException):  # (a subclass of OSError)
        return isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected,
                                  smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused,
                                  smtplib.SMTPHeloError, smtplib.SMTPNotSupportedError))
    return isinstance(error, OSError)  # refused, reset, timed out, name not found


def claim_next(now: datetime, worker: str) -> tuple[int, int] | None:
    """Take the next due mail for this worker, in a transaction of its own: (its id, this attempt's
    number), or None when nothing is due."""
    due = (select(OutboundMail.id)
           .where(OutboundMail.status == MailStatus.QUEUED, OutboundMail.next_attempt_at <= now)
           .order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)  # other workers' claims are skipped, not waited for
    claim = (update(OutboundMail).where(OutboundMail.id == due.scalar_subquery())
             .values(next_attempt_at=now + timedelta(seconds=_setting("MAIL_QUEUE_LEASE")),
                     attempts=OutboundMail.attempts + 1, claimed_by=worker)
             .returning(OutboundMail.id, OutboundMail.attempts)
             .execution_options(synchronize_session=False))
    claimed = db.session.execute(claim).first()
    db.session.commit()
    return (claimed[0], claimed[1]) if claimed else None


def _finish(mail_id: int, worker: str, **values) -> None:
    """Record the outcome, unless another worker has taken the mail over since (its lease ran out)."""
    db.session.execute(update(OutboundMail).where(OutboundMail.id == mail_id, OutboundMail.claimed_by == worker)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _message_for(mail_id: int) -> tuple[EmailMessage | None, str]:
    """The message to send (None: the account is gone) and its recipient."""
    from engage.auth.models import User

    row = db.session.execute(select(OutboundMail, User.email, User.deleted_at)
                             .outerjoin(User, User.id == OutboundMail.user_id)
                             .where(OutboundMail.id == mail_id)).one()
    mail, email, deleted_at = row
    recipient = mail.recipient
    if mail.user_id is not None:
        if deleted_at is not None or email is None:
            return None, recipient
        recipient = email  # the address may have changed since the mail was queued
    message = build_message(recipient, mail.subject, mail.body, headers=mail.headers, message_id=mail.message_id)
    return message, recipient


def send_due_mail(*, now: datetime | None = None, limit: int | None = None,
                  should_stop: Callable[[], bool] = lambda: False) -> SendReport:
    """One pass over the queue: send every mail that is due (at most `limit`), then return.

    `now` fixes the clock for the whole pass (tests); by default each claim reads the time.
    """
    report = SendReport()
    worker = secrets.token_hex(8)
    max_attempts = _setting("MAIL_QUEUE_MAX_ATTEMPTS")
    db.session.commit()  # start from a clean transaction: each claim is the first statement of its own
    with Transport() as transport:
        while (limit is None or report.handled < limit) and not should_stop():
            moment = now or utcnow()
            claimed = claim_next(moment, worker)
            if claimed is None:
                break
            mail_id, attempts = claimed
            recipient = "(address not read)"
            try:
                message, recipient = _message_for(mail_id)
                db.session.commit()  # no transaction stays open while the server answers
                if message is None:
                    _drop(mail_id)
                    report.dropped += 1
                    continue
                transport.send(message)
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the row and logged
                db.session.rollback()
                finished = now or utcnow()
                text = f"{type(error).__name__}: {error}"[:2000]
                if is_permanent(error) or attempts >= max_attempts:
                    _finish(mail_id, worker, status=MailStatus.FAILED, failed_at=finished, last_error=text)
                    report.failed += 1
                    log.error("Mail %s to %s failed for good after %s attempts: %s", mail_id, recipient,
                              attempts, text)
                else:
                    _finish(mail_id, worker, next_attempt_at=finished + retry_delay(attempts), last_error=text)
                    report.retrying += 1
                    log.warning("Mail %s to %s not sent (attempt %s of %s), will retry: %s", mail_id, recipient,
                                attempts, max_attempts, text)
                if server_unavailable(error):
                    report.stopped_early = text
                    break
            else:
                _finish(mail_id, worker, status=MailStatus.SENT, sent_at=now or utcnow(), last_error="",
                        recipient=recipient)
                report.sent += 1
    return report


def _drop(mail_id: int) -> None:
    """The account was deleted after the mail was queued: its words must not stay behind."""
    db.session.execute(OutboundMail.__table__.delete().where(OutboundMail.id == mail_id))
    db.session.commit()
    log.info("Mail %s dropped: its account was deleted", mail_id)


def queue_counts() -> dict[str, int]:
    counts = dict(db.session.execute(select(OutboundMail.status, func.count()).group_by(OutboundMail.status)).all())
    return {status: counts.get(status, 0) for status in (MailStatus.QUEUED, MailStatus.SENT, MailStatus.FAILED)}


def requeue_failed(*, mail_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Give failed mails a new round of attempts (after fixing the cause); returns how many."""
    query = update(OutboundMail).where(OutboundMail.status == MailStatus.FAILED)
    if mail_ids:
        query = query.where(OutboundMail.id.in_(mail_ids))
    result = db.session.execute(query.values(status=MailStatus.QUEUED, attempts=0, failed_at=None,
                                             next_attempt_at=now or utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount
