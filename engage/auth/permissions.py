"""Every capability is one named rule here; views, templates, services and CLI ask `can()`.

Workflow state (phase, blocked, confirmed) belongs inside the rule, never in extra `if`s
scattered across views.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

from engage.auth.models import Role

Rule = Callable[..., bool]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if name in RULES:
            raise ValueError(f"rule {name!r} defined twice")
        RULES[name] = func
        return func

    return register


def can(user, name: str, obj=None) -> bool:
    try:
        check = RULES[name]
    except KeyError:
        raise LookupError(f"unknown permission rule {name!r}") from None
    return bool(check(user, obj))


def require(name: str, obj=None, user=None) -> None:
    """Abort with 403 (or the login redirect for anonymous users) unless the rule allows it."""
    user = user if user is not None else current_user
    if can(user, name, obj):
        return
    if not user.is_authenticated:
        from engage.extensions import login_manager

        abort(login_manager.unauthorized())
    abort(403)


# Small predicates the rules are built from.

def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_admin(user) -> bool:
    return is_signed_in(user) and user.role is Role.ADMIN


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def is_officer_of(user, institution) -> bool:
    return is_signed_in(user) and any(
        m.institution_id == institution.id for m in user.memberships
    )


# Rules.

@rule("account.participate")
def _(user, _obj=None) -> bool:
    """Writing anything public needs a confirmed e-mail address."""
    return is_signed_in(user) and user.is_confirmed


@rule("admin.access")
def _(user, _obj=None) -> bool:
    return is_admin(user)


@rule("masterplan.edit")
def _(user, _obj=None) -> bool:
    return is_admin(user)


@rule("institution.edit")
def _(user, _institution=None) -> bool:
    return is_admin(user)


@rule("institution.act_for")
def _(user, institution) -> bool:
    return is_admin(user) or is_officer_of(user, institution)


@rule("user.grant_roles")
def _(user, _target=None) -> bool:
    return is_admin(user)


@rule("moderation.access")
def _(user, _obj=None) -> bool:
    return is_moderator(user)
