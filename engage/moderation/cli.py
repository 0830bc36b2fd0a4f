from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.extensions import db
from engage.moderation import services

moderation_cli = AppGroup("moderation", help="Moderation housekeeping.")


@moderation_cli.command("lift-expired-blocks")
def lift_expired_blocks():
    """Lift blocks whose end has passed (also done before every state-changing request)."""
    lifted = services.lift_expired_blocks()
    db.session.commit()
    click.echo(f"Lifted {lifted} expired blocks.")
