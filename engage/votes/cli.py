from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.extensions import db
from engage.votes import tally

tally_cli = AppGroup("tally", help="Check the counts shown on pages against the rows they count.")


@tally_cli.command("recount")
@click.option("--consultation", "consultation_id", type=int, help="Only this consultation.")
def recount(consultation_id):
    """Rebuild support and comment counters from the rows; exit 1 if any was wrong."""
    result = tally.recount(consultation_id)
    db.session.commit()
    click.echo(f"Checked {result.checked} proposals; corrected {len(result.corrected)}.")
    if result.corrected:
        click.echo("Corrected: " + ", ".join(map(str, result.corrected)))
        raise SystemExit(1)
