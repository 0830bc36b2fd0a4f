"""Helpers for the notification stories: run the mail worker as an operator would, read what arrived."""
from __future__ import annotations

import re
import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engage.core.mail import OutboundMail

# A fixed moment for stories where time matters (a Tuesday morning in Cremona).
T0 = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
def send_mail_queue(runner):
    """`send_mail_queue()`: one pass of `flask mail send`, as cron or a systemd timer would run it."""

    def run() -> str:
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def queued_for(db, user) -> list[OutboundMail]:
    return list(db.session.scalars(select(OutboundMail).where(OutboundMail.user_id == user.id)
                                   .order_by(OutboundMail.id)))


def unsubscribe_path(mailbox, message) -> str:
    match = re.search(r"https?://[^/\s]+(/notifiche/disiscrizione/\S+)", mailbox.body(message))
    assert match, "no unsubscribe link in the mail"
    return match.group(1)


def closed_port() -> int:
    """A port on which nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
