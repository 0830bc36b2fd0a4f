"""Registers every domain's `flask` command group."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from engage.auth.cli import users_cli
from engage.extensions import db
from engage.moderation.cli import moderation_cli
from engage.notifications.cli import mail_cli, notifications_cli
from engage.ledger.cli import ledger_cli
from engage.votes.cli import tally_cli

data_cli = AppGroup("data", help="Reference data shipped with the project.")
demo_cli = AppGroup("demo", help="Demo accounts and content (never in production).")


@data_cli.command("load")
def load_data():
    """Load the comuni and the Masterplan 3C axes, points and institutions (idempotent)."""
    from engage.masterplan.loader import load_masterplan
    from engage.territory.loader import load_comuni

    comuni = load_comuni()
    report = load_masterplan()
    db.session.commit()
    click.echo(f"Added {comuni} comuni, {report.axes} axes, {report.institutions} institutions, "
               f"{report.priority_points} priority points.")


@demo_cli.command("load")
def load_demo():
    """Add the demo accounts listed in the README (and demo content)."""
    if current_app.config["ENGAGE_ENV"] == "production":
        raise click.ClickException("Refusing to create demo accounts in production.")
    from engage.demo.seed import DEMO_PASSWORD, load_demo as seed

    users = seed()
    db.session.commit()
    for user in users:
        click.echo(f"{user.role.value:10} {user.email:28} password: {DEMO_PASSWORD}")


@demo_cli.command("generate")
@click.option("--scale", "scale_name", type=click.Choice(["small", "province", "large"]), default="small",
              show_default=True, help="How much data: small for tests, province, large.")
@click.option("--seed", default=3, show_default=True, help="Same seed, same dataset.")
def generate_data(scale_name, seed):
    """A realistic dataset for benchmarks (bulk inserts; COPY on PostgreSQL)."""
    if current_app.config["ENGAGE_ENV"] == "production":
        raise click.ClickException("Refusing to generate demo data in production.")
    import time

    from engage.core import pagecache
    from engage.demo.scale import SCALES, generate
    from engage.masterplan.loader import load_masterplan
    from engage.territory.loader import load_comuni

    load_comuni()
    load_masterplan()
    scale = SCALES[scale_name]
    total = (scale.users + scale.proposals + 2 * scale.supports + scale.comments + scale.respondents * 4)
    started = time.perf_counter()
    with click.progressbar(length=total, label=f"Generating {scale_name}", show_pos=True) as bar:
        written = generate(scale, seed=seed, progress=bar.update)
        db.session.commit()
    # Fresh statistics: after a bulk load the planners would otherwise guess the tables are empty.
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    pagecache.invalidate()  # the bulk load went around the ORM, which marks writes for the page cache
    click.echo(", ".join(f"{count} {what.replace('_', ' ')}" for what, count in written.items())
               + f" in {time.perf_counter() - started:.1f} s.")


def register_cli(app: Flask) -> None:
    from engage.results.cli import results_cli

    for group in (data_cli, demo_cli, users_cli, tally_cli, ledger_cli, moderation_cli, mail_cli, notifications_cli,
                  results_cli):
        app.cli.add_command(group)
