"""`flask mail ...` delivers the mail queue; `flask notifications ...` makes the mails that time causes."""
from __future__ import annotations

import logging
import signal
import threading

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from engage.core import mail
from engage.extensions import db
from engage.notifications import services

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="The outgoing mail queue.")
notifications_cli = AppGroup("notifications", help="Notifications that time causes: digests and phases.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker, checking the queue every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between passes when the queue is empty (with --loop).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many mails per pass.")
def send(loop: bool, interval: float, limit: int | None):
    """Send the mails that are due (one pass for cron or a systemd timer; --loop for a worker)."""
    if not loop:
        report = mail.send_due_mail(limit=limit)
        _echo(report)
        return

    stop = threading.Event()  # SIGTERM (systemd, docker stop) or Ctrl-C: finish the mail in hand, then exit

    def request_stop(signum, _frame):
        log.info("Signal %s: the mail worker stops after the current mail", signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    click.echo(f"Mail worker running: checking the queue every {interval:g} s (Ctrl-C to stop).")
    while not stop.is_set():
        try:
            report = mail.send_due_mail(limit=limit, should_stop=stop.is_set)
        except OperationalError as error:  # the database restarted: wait and carry on, like a client would
            db.session.rollback()
            log.error("Mail worker: database unavailable (%s); retrying in %g s", error, interval)
            stop.wait(interval)
            continue
        if report.handled:
            _echo(report)
        if limit is None or report.handled < limit or report.stopped_early:
            stop.wait(interval)  # the queue is empty, or the server cannot take mail now: wait
    click.echo("Mail worker stopped.")


def _echo(report: mail.SendReport) -> None:
    line = f"Sent {report.sent}, to retry {report.retrying}, failed {report.failed}"
    if report.dropped:
        line += f", dropped {report.dropped} (account deleted)"
    click.echo(line + ".")
    if report.stopped_early:
        click.echo(f"Stopped early, the mail server is not taking mail: {report.stopped_early}")


@mail_cli.command("status")
def status():
    """How many mails are queued, sent and failed; the failed ones with their last error."""
    counts = mail.queue_counts()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))
    failed = db.session.scalars(select(mail.OutboundMail).where(mail.OutboundMail.status == mail.MailStatus.FAILED)
                                .order_by(mail.OutboundMail.failed_at.desc()).limit(20))
    for row in failed:
        click.echo(f"  failed #{row.id} to {row.recipient} after {row.attempts} attempts: {row.last_error[:200]}")


@mail_cli.command("requeue")
@click.argument("mail_ids", nargs=-1, type=int)
def requeue(mail_ids: tuple[int, ...]):
    """Put failed mails back in the queue with fresh attempts (all of them, or the ids given)."""
    count = mail.requeue_failed(mail_ids=list(mail_ids) or None)
    db.session.commit()
    click.echo(f"Requeued {count} failed mails.")


@notifications_cli.command("digest")
def digest():
    """Queue each daily-digest reader's mail (run once a day; running it again sends nothing new)."""
    counts = services.send_digests()
    click.echo(f"Queued {counts['digests']} digests with {counts['notifications']} notifications"
               + (f"; {counts['skipped']} people already had one in the last 20 hours." if counts["skipped"] else "."))


@notifications_cli.command("phases")
def phases():
    """Tell followers about consultation phases that began since the last run (run every few minutes)."""
    counts = services.announce_phase_changes()
    click.echo(f"Announced {counts['announced']} phase changes ({counts['notifications']} notifications); "
               f"recorded {counts['recorded']} consultations seen for the first time.")
