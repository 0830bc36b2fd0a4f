from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from engage.consultations.models import Consultation
from engage.extensions import db
from engage.ledger import services
from engage.ledger.audit import audit, read_one_snapshot
from engage.ledger.models import LedgerEntry
from engage.votes.models import Support

ledger_cli = AppGroup("ledger", help="The public ledger of supports: seal it and check it.")


@ledger_cli.command("verify")
@click.option("--consultation", "consultation_id", type=int, help="Only this consultation.")
def verify(consultation_id):
    """Check every ledger's chain, the supports table and the published counts; exit 1 on any mismatch."""
    read_one_snapshot()  # safe while people are supporting: no half-seen write
    query = select(Consultation).order_by(Consultation.id)
    if consultation_id is not None:
        query = query.where(Consultation.id == consultation_id)
    else:
        # Supports without any entry are a mismatch too, so both kinds of consultation are checked.
        query = query.where(Consultation.id.in_(select(LedgerEntry.consultation_id)) |
                            Consultation.id.in_(select(Support.consultation_id)))
    failed = 0
    consultations = list(db.session.scalars(query))
    if consultation_id is not None and not consultations:
        click.echo(f"There is no consultation {consultation_id}: nothing was checked.", err=True)
        raise SystemExit(2)  # a mistyped id must not pass for a clean check
    for consultation in consultations:
        problems = audit(consultation)
        if problems:
            failed += 1
            click.echo(f"Consultation {consultation.id}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  {problem}")
        else:
            click.echo(f"Consultation {consultation.id}: ledger, supports and published counts agree.")
    if failed:
        raise SystemExit(1)


@ledger_cli.command("seal")
def seal():
    """Freeze the head of every consultation whose results are published (idempotent; for cron)."""
    sealed = services.seal_published()
    db.session.commit()
    click.echo(f"Sealed {sealed} ledger(s).")
