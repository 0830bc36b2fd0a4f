"""Notification mails leave through a queue in the database: the request that causes them only
writes a row, and `flask mail send` (a timer or a worker) delivers, retries and never loses one.

Everything goes through the suite's real SMTP server (aiosmtpd); failures are a closed port, or
a second server that refuses a mailbox for good.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale

from engage.auth.models import Role
from engage.comments.services import post_comment
from engage.core import mail
from engage.core.mail import MailStatus, OutboundMail
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.notifications import kinds
from engage.notifications import services as notifications
from engage.notifications.models import MailState
from tests.factories import make_consultation, make_proposal, make_user
from tests.notifications.conftest import T0, closed_port, queued_for


def hide_proposal_of(author):
    """A moderator hides the author's proposal: the story's notification (kind "hidden")."""
    proposal = make_proposal(make_consultation(), author, title="Parcheggio selvaggio in piazza")
    moderation.hide(make_user(Role.MODERATOR), moderation.case_for(proposal), ReportReason.OFF_TOPIC)
    return proposal


def test_the_mail_waits_in_the_queue_and_arrives_when_the_sender_runs(db, mailbox, send_mail_queue):
    marco = make_user(display_name="Marco Ripamonti", email="marco@example.org")
    proposal = hide_proposal_of(marco)
    db.session.commit()

    # The moderator's request is over: Marco can read it on the site, and nothing was sent yet.
    assert [n.kind for n in notifications.latest_for(marco)] == ["hidden"]
    assert mailbox.messages == []
    [queued] = queued_for(db, marco)
    assert (queued.status, queued.attempts, queued.recipient) == (MailStatus.QUEUED, 0, "marco@example.org")

    output = send_mail_queue()

    assert "Sent 1" in output
    message = mailbox.last_to("marco@example.org")
    with force_locale("it"):  # Marco reads Italian
        notification = notifications.latest_for(marco)[0]
        assert message["Subject"] == kinds.subject(notification)
        sentence = kinds.sentence(notification)
    body = mailbox.body(message)
    assert "Ciao Marco Ripamonti," in body
    assert sentence in body
    assert f"http://localhost:5000/proposte/{proposal.id}" in body
    assert message["Message-ID"] == queued.message_id
    assert message["List-Unsubscribe"].startswith("<http://localhost:5000/notifiche/disiscrizione/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    db.session.refresh(queued)
    assert queued.status == MailStatus.SENT and queued.sent_at is not None

    mailbox.clear()
    assert "Sent 0" in send_mail_queue()  # a second run sends nothing again
    assert mailbox.messages == []


def test_the_mail_is_written_in_the_recipients_language_whoever_caused_it(db, app, mailbox, send_mail_queue):
    emma = make_user(display_name="Emma Hughes", email="emma@example.org", locale="en")
    hide_proposal_of(emma)  # the moderator reads Italian
    db.session.commit()
    send_mail_queue()
    body = mailbox.body(mailbox.last_to("emma@example.org"))
    assert "Hello Emma Hughes," in body
    assert "Ciao" not in body


def test_mail_links_use_the_public_address_not_the_host_a_request_claimed(db, app, mailbox, monkeypatch,
                                                                         send_mail_queue):
    """A forged Host header must not put another site's links (and someone's unsubscribe token) in a mail."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://partecipa.provincia.cremona.it/")
    author = make_user(email="autrice@example.org")
    proposal = make_proposal(make_consultation(), make_user())
    first = post_comment(author, proposal.consultation, body="Serve più ombra.", proposal=proposal)
    with app.test_request_context(f"/proposte/{proposal.id}/commenti", method="POST",
                                  base_url="http://evil.example"):
        post_comment(make_user(), proposal.consultation, body="D'accordo.", proposal=proposal, parent=first)
    db.session.commit()
    send_mail_queue()
    message = mailbox.last_to("autrice@example.org")
    assert "https://partecipa.provincia.cremona.it/commenti/" in mailbox.body(message)
    assert message["List-Unsubscribe"].startswith("<https://partecipa.provincia.cremona.it/notifiche/")
    assert "evil.example" not in message.as_string()


def test_an_unreachable_server_is_retried_later_and_nothing_is_lost(db, app, mailbox, monkeypatch, caplog):
    lucia = make_user(email="lucia@example.org")
    notifications.notify(lucia.id, "restored", link="/", now=T0)
    notifications.notify(lucia.id, "approved", link="/", now=T0)
    db.session.commit()

    working_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())
    with caplog.at_level(logging.WARNING, logger="engage.core.mail"):
        report = mail.send_due_mail(now=T0)

    # The first mail met the closed port; the pass stopped there, leaving the second untouched.
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert "ConnectionRefusedError" in report.stopped_early
    assert "will retry" in caplog.text and "lucia@example.org" in caplog.text
    first, second = queued_for(db, lucia)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, first.attempts, first.next_attempt_at) == (MailStatus.QUEUED, 1, T0 + timedelta(minutes=1))
    assert "ConnectionRefusedError" in first.last_error
    assert (second.status, second.attempts) == (MailStatus.QUEUED, 0)
    assert mailbox.messages == []

    monkeypatch.setitem(app.config, "MAIL_PORT", working_port)  # the server is back
    report = mail.send_due_mail(now=T0 + timedelta(seconds=30))
    assert report.sent == 1  # the second; the first waits for its retry time
    report = mail.send_due_mail(now=T0 + timedelta(minutes=1))
    assert report.sent == 1

    assert len(mailbox.to("lucia@example.org")) == 2
    for row in (first, second):
        db.session.refresh(row)
        assert row.status == MailStatus.SENT and row.last_error == ""
    assert first.attempts == 2


def test_after_the_last_attempt_a_mail_is_marked_failed_kept_and_can_be_requeued(db, app, mailbox, monkeypatch,
                                                                                 runner, caplog):
    monkeypatch.setitem(app.config, "MAIL_QUEUE_MAX_ATTEMPTS", 3)
    piero = make_user(email="piero@example.org")
    notifications.notify(piero.id, "restored", link="/", now=T0)
    db.session.commit()
    [row] = queued_for(db, piero)

    working_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())
    moment = T0
    with caplog.at_level(logging.WARNING, logger="engage.core.mail"):
        for expected_delay in (timedelta(minutes=1), timedelta(minutes=2)):
            assert mail.send_due_mail(now=moment).retrying == 1
            db.session.refresh(row)
            assert row.next_attempt_at == moment + expected_delay  # the wait doubles
            moment = row.next_attempt_at
        assert mail.send_due_mail(now=moment).failed == 1
    db.session.refresh(row)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 3)
    assert row.failed_at == moment and "ConnectionRefusedError" in row.last_error
    assert "failed for good after 3 attempts" in caplog.text
    assert mail.send_due_mail(now=moment + timedelta(days=30)).handled == 0  # given up: not retried on its own

    status = runner.invoke(args=["mail", "status"])
    assert "failed: 1" in status.output and f"#{row.id} to piero@example.org" in status.output

    monkeypatch.setitem(app.config, "MAIL_PORT", working_port)  # the operator fixed the cause
    assert "Requeued 1" in runner.invoke(args=["mail", "requeue", str(row.id)]).output
    assert "Sent 1" in runner.invoke(args=["mail", "send"]).output
    assert mailbox.to("piero@example.org")
    db.session.refresh(row)
    assert row.status == MailStatus.SENT


class RefusesOneMailbox:
    """An SMTP server for which one mailbox does not exist (550, a permanent answer)."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture
def strict_server(app, monkeypatch):
    handler = RefusesOneMailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=closed_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield handler
    controller.stop()


def test_a_mailbox_that_does_not_exist_fails_at_once_and_the_others_still_go(db, strict_server):
    ghost, anna = make_user(email="nobody@example.org"), make_user(email="anna@example.org")
    notifications.notify(ghost.id, "restored", link="/", now=T0)
    notifications.notify(anna.id, "restored", link="/", now=T0)
    db.session.commit()

    report = mail.send_due_mail(now=T0)

    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    assert strict_server.received == ["anna@example.org"]
    [refused] = queued_for(db, ghost)
    db.session.refresh(refused)
    assert refused.status == MailStatus.FAILED and refused.attempts == 1
    assert "550" in refused.last_error and "No such mailbox" in refused.last_error


def test_a_mail_goes_to_the_address_the_account_has_when_it_is_sent(db, mailbox, send_mail_queue):
    sara = make_user(email="sara.vecchia@example.org")
    notifications.notify(sara.id, "restored", link="/")
    sara.email = "sara.nuova@example.org"  # changed (and confirmed) before the worker ran
    db.session.commit()
    send_mail_queue()
    assert mailbox.to("sara.nuova@example.org") and not mailbox.to("sara.vecchia@example.org")


def test_deleting_an_account_takes_its_queued_mail_with_it(db, mailbox, send_mail_queue):
    from engage.auth.privacy import delete_account
    from tests.factories import PASSWORD

    gino = make_user(email="gino@example.org")
    notifications.notify(gino.id, "restored", link="/")
    db.session.commit()
    assert db.session.query(OutboundMail).filter_by(user_id=gino.id).count() == 1
    delete_account(gino, PASSWORD)
    db.session.commit()

    assert db.session.query(OutboundMail).filter_by(user_id=gino.id).count() == 0
    send_mail_queue()
    assert mailbox.messages == []


def test_a_mail_whose_account_was_closed_after_queueing_is_dropped_at_sending(db, mailbox, send_mail_queue):
    """Defence in depth: whatever removed the person, the worker checks again before sending."""
    from engage.core.db import utcnow

    gino = make_user(email="gino@example.org")
    notifications.notify(gino.id, "restored", link="/")
    gino.deleted_at = utcnow()
    db.session.commit()

    output = send_mail_queue()

    assert "dropped 1" in output
    assert mailbox.messages == []


def test_without_a_mail_server_the_worker_writes_the_outbox_folder(db, app, monkeypatch, tmp_path, send_mail_queue):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    user = make_user(email="demo@example.org")
    notifications.notify(user.id, "restored", link="/")
    db.session.commit()
    assert "Sent 1" in send_mail_queue()
    [saved] = tmp_path.glob("*.eml")
    assert b"To: demo@example.org" in saved.read_bytes()
    assert b"List-Unsubscribe: <http://localhost:5000/notifiche/disiscrizione/" in saved.read_bytes()


def test_unconfirmed_addresses_get_the_notification_on_the_site_but_no_mail(db):
    newcomer = make_user(confirmed=False)
    created = notifications.notify(newcomer.id, "restored", link="/")
    assert created.mail_state == MailState.NONE
    assert queued_for(db, newcomer) == []


def test_mail_is_queued_only_if_what_caused_it_is_committed(db, mailbox):
    """The queue row is written in the same transaction as the change: a rollback takes both."""
    rosa = make_user(email="rosa@example.org")
    db.session.commit()
    notifications.notify(rosa.id, "restored", link="/")
    db.session.rollback()
    assert mail.send_due_mail().handled == 0
    assert mailbox.messages == []


def test_the_worker_stops_between_mails_when_asked(db, mailbox):
    """With --loop, SIGTERM sets the flag: the mail in hand is finished, the next one waits."""
    people = [make_user() for _ in range(3)]
    for person in people:
        notifications.notify(person.id, "restored", link="/", now=T0)
    db.session.commit()
    asked = iter([False, True])
    report = mail.send_due_mail(now=T0, should_stop=lambda: next(asked, True))
    assert report.sent == 1 and len(mailbox.messages) == 1
    assert mail.send_due_mail(now=T0).sent == 2
