"""`flask results send-reports`: run it from a scheduler (e.g. hourly); it is idempotent."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.extensions import db
from engage.results.report import consultations_needing_a_report, deliver

results_cli = AppGroup("results", help="Result reports for the institutions.")


@results_cli.command("send-reports")
def send_reports() -> None:
    """Generate and announce the report of every consultation that has closed since its last one."""
    sent = 0
    for consultation in consultations_needing_a_report():
        deliver(consultation)
        db.session.commit()  # one at a time: a failure later keeps the ones already sent
        sent += 1
        click.echo(f"Report for consultation {consultation.id} sent.")
    click.echo(f"{sent} report(s) sent.")
