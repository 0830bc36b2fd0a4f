"""Several `flask mail send` workers at once (a timer firing while a worker runs, or two nodes):
every mail is sent exactly once.

Outside the rolled-back test transaction, on the suite's database (SQLite, or PostgreSQL with
ENGAGE_TEST_DATABASE_URL, where the claims use FOR UPDATE SKIP LOCKED): each worker is a thread
with its own app context, session and connection, as separate processes would have. The test
commits its own rows and deletes them at the end.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from engage.auth.models import User
from engage.core import mail
from engage.core.mail import MailStatus, OutboundMail
from engage.extensions import db
from engage.notifications import services as notifications
from tests.factories import make_user

pytestmark = pytest.mark.no_db

WORKERS = 3
PEOPLE, EACH = 6, 10


def test_concurrent_senders_never_send_the_same_mail_twice(app, mailbox):
    user_ids: list[int] = []
    try:
        with app.app_context():
            people = [make_user(email=f"concorrenza{n}@example.org") for n in range(PEOPLE)]
            user_ids = [person.id for person in people]
            for person in people:
                for _ in range(EACH):
                    notifications.notify(person.id, "restored", link="/")
            db.session.commit()
            expected = set(db.session.scalars(sa.select(OutboundMail.message_id)
                                              .where(OutboundMail.user_id.in_(user_ids))))
        assert len(expected) == PEOPLE * EACH

        start = threading.Barrier(WORKERS)
        reports, errors = [], []

        def worker():
            with app.app_context():
                start.wait(timeout=30)
                try:
                    reports.append(mail.send_due_mail())
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a worker never finished"
        assert not errors, errors

        received = Counter(m["Message-ID"] for m in mailbox.messages if m["Message-ID"] in expected)
        assert set(received) == expected, f"{len(expected - set(received))} mails never arrived"
        assert [mid for mid, times in received.items() if times > 1] == [], "some mails were sent twice"
        assert sum(r.sent for r in reports) == len(expected), reports
        with app.app_context():
            rows = db.session.execute(sa.select(OutboundMail.status, OutboundMail.attempts)
                                      .where(OutboundMail.user_id.in_(user_ids))).all()
        assert all(status == MailStatus.SENT and attempts == 1 for status, attempts in rows)
    finally:
        with app.app_context():
            if user_ids:  # notifications and queued mails go with their accounts (ON DELETE CASCADE)
                db.session.execute(sa.delete(OutboundMail).where(OutboundMail.user_id.in_(user_ids)))
                db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
                db.session.commit()
