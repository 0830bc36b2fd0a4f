"""The long-running way: `flask mail send --loop` as its own process, as systemd or a container
runs it. It delivers what is queued, keeps watching for more, and stops cleanly on SIGTERM.

Outside the rolled-back test transaction (the worker is another process, with its own connection
to the suite's database); the test commits its rows and deletes them at the end.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa

from engage import ROOT
from engage.auth.models import User
from engage.core.mail import OutboundMail
from engage.extensions import db
from engage.notifications import services as notifications
from tests.factories import make_user
from tests.waiting import wait_for

pytestmark = pytest.mark.no_db


def test_the_worker_keeps_sending_until_it_is_told_to_stop(app, smtp_server):
    controller, mailbox = smtp_server
    user_ids: list[int] = []
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "worker-test",
           "MAIL_SERVER": controller.hostname, "MAIL_PORT": str(controller.port)}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send", "--loop",
                               "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        with app.app_context():
            first = make_user(email="lavoratore1@example.org")
            user_ids.append(first.id)
            for kind in ("restored", "approved"):
                notifications.notify(first.id, kind, link="/")
            db.session.commit()
        assert wait_for(lambda: len(mailbox.to("lavoratore1@example.org")) == 2), "the worker sent nothing"

        with app.app_context():  # later, while it waits: it notices on its next look at the queue
            later = make_user(email="lavoratore2@example.org")
            user_ids.append(later.id)
            notifications.notify(later.id, "restored", link="/")
            db.session.commit()
        assert wait_for(lambda: len(mailbox.to("lavoratore2@example.org")) == 1)

        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
        assert worker.returncode == 0, output
        assert "Mail worker running" in output and "Mail worker stopped." in output
        assert len(mailbox.to("lavoratore1@example.org")) == 2  # nothing twice
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        with app.app_context():
            if user_ids:
                db.session.execute(sa.delete(OutboundMail).where(OutboundMail.user_id.in_(user_ids)))
                db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
                db.session.commit()
