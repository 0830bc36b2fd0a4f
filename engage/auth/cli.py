from __future__ import annotations

import click
from flask.cli import AppGroup

from engage.auth import services
from engage.auth.forms import PASSWORD_MAX, PASSWORD_MIN
from engage.auth.models import Role
from engage.extensions import db
from engage.institutions.queries import institution_by_slug

users_cli = AppGroup("users", help="Manage accounts and roles.")


def _user_or_fail(email: str):
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    return user


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--display-name", default="Amministrazione", show_default=True)
@click.password_option(help="Prompted for when not given.")
def create_admin(email, display_name, password):
    """Create the first admin (or promote an existing account)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(f"The password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters.")
    try:
        user = services.create_admin(email=email, display_name=display_name, password=password)
    except services.AccountError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{user.email} is an admin.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role(email, role):
    """Give an account a global role (citizen, moderator, admin)."""
    user = _user_or_fail(email)
    try:
        services.set_role(user, Role(role))
    except services.AccountError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("add-officer")
@click.argument("email")
@click.argument("institution_slug")
def add_officer(email, institution_slug):
    """Make an account an officer of an institution."""
    user = _user_or_fail(email)
    institution = institution_by_slug(institution_slug)
    if institution is None:
        raise click.ClickException(f"No institution with slug {institution_slug}.")
    services.add_officer(user, institution)
    db.session.commit()
    click.echo(f"{user.email} is an officer of {institution.name}.")


@users_cli.command("remove-officer")
@click.argument("email")
@click.argument("institution_slug")
def remove_officer(email, institution_slug):
    """End an account's membership of an institution."""
    user = _user_or_fail(email)
    institution = institution_by_slug(institution_slug)
    if institution is None or not services.remove_officer(user, institution):
        raise click.ClickException(f"{email} is not an officer of {institution_slug}.")
    db.session.commit()
    click.echo(f"{user.email} is no longer an officer of {institution.name}.")
