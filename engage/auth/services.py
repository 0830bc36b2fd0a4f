"""Account state changes. Plain functions: no request, callable from views, CLI and tests.

Services flush; the caller commits once.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from engage.auth.models import AgeBand, Role, User, new_session_token
from engage.core.db import utcnow
from engage.core.mail import send_template_mail
from engage.core.urls import path_for, public_url
from engage.core.tokens import make_token, read_token
from engage.extensions import db
from engage.institutions.models import Institution, InstitutionMembership
from engage.territory.models import Comune

CONFIRM_PURPOSE = "confirm-email"
RESET_PURPOSE = "reset-password"


class AccountError(ValueError):
    """A refusal the user can act on; `field` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def display_name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def display_name_taken(name: str, *, except_user: User | None = None) -> bool:
    query = select(func.count()).select_from(User).where(
        User.display_name_key == display_name_key(name))
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) > 0


def register_user(*, email: str, display_name: str, password: str, comune: Comune | None,
                  age_band: AgeBand | None, locale: str, role: Role = Role.CITIZEN) -> User | None:
    """Create an account and send the confirmation link.

    Returns None when the address is already registered: the owner gets a mail instead,
    and the caller shows the same message either way, so nobody learns who is registered.
    """
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        send_template_mail(existing.email, _l("Someone tried to register with your address"),
                           "already_registered", locale=existing.locale, user=existing,
                           login_url=public_url(path_for("auth.login")),
                           reset_url=public_url(path_for("auth.forgot_password")))
        return None
    if display_name_taken(display_name):
        raise AccountError(_l("This public name is already in use: please choose another."),
                           field="display_name")
    user = User(email=email, display_name=" ".join(display_name.split()),
                display_name_key=display_name_key(display_name), comune=comune,
                age_band=age_band, locale=locale, role=role, privacy_accepted_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = make_token(CONFIRM_PURPOSE, {"uid": user.id, "email": user.email})
    send_template_mail(user.email, _l("Confirm your e-mail address"), "confirm_email",
                       locale=user.locale, user=user,
                       confirm_url=public_url(path_for("auth.confirm_email", token=token)),
                       hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600)


def confirm_email(token: str) -> User | None:
    """The confirmed user, or None when the link is forged, expired or for an old address."""
    payload = read_token(CONFIRM_PURPOSE, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Hashes even for unknown addresses (timing)."""
    user = find_user_by_email(email)
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        from werkzeug.security import generate_password_hash

        _DUMMY_HASH = generate_password_hash("not-a-real-password")
    return _DUMMY_HASH


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address exists; silent otherwise (no account enumeration)."""
    user = find_user_by_email(email)
    if user is None:
        return
    # The hash is part of the payload: once the password changes, the link stops working.
    token = make_token(RESET_PURPOSE, {"uid": user.id, "pw": user.password_hash[-16:]})
    send_template_mail(user.email, _l("Reset your password"), "reset_password",
                       locale=user.locale, user=user,
                       reset_url=public_url(path_for("auth.reset_password", token=token)),
                       hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600)


def user_for_reset_token(token: str) -> User | None:
    payload = read_token(RESET_PURPOSE, token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.password_hash[-16:] != payload.get("pw"):
        return None
    return user


def reset_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    # Following the link proves the address is theirs.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise AccountError(_l("The current password is not correct."), field="current_password")
    user.set_password(new_password)  # also ends the account's other sessions


def update_profile(user: User, *, display_name: str, comune: Comune | None,
                   age_band: AgeBand | None, locale: str) -> None:
    if display_name_taken(display_name, except_user=user):
        raise AccountError(_l("This public name is already in use: please choose another."),
                           field="display_name")
    user.display_name = " ".join(display_name.split())
    user.display_name_key = display_name_key(display_name)
    user.comune = comune
    user.age_band = age_band
    user.locale = locale


def set_locale(user: User, locale: str) -> None:
    user.locale = locale


def set_role(user: User, role: Role) -> None:
    """Refuses to demote the last admin: someone must always be able to grant roles."""
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        admins = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))
        if admins <= 1:
            raise AccountError(_l("This is the only administrator: name another one first."))
    user.role = role


def add_officer(user: User, institution: Institution) -> InstitutionMembership:
    for membership in user.memberships:
        if membership.institution_id == institution.id:
            return membership
    membership = InstitutionMembership(user=user, institution=institution)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_officer(user: User, institution: Institution) -> bool:
    for membership in list(user.memberships):
        if membership.institution_id == institution.id:
            user.memberships.remove(membership)
            db.session.flush()
            return True
    return False


def create_admin(*, email: str, display_name: str, password: str) -> User:
    """The first admin comes from the CLI; an existing account is promoted instead."""
    user = find_user_by_email(email)
    if user is None:
        if display_name_taken(display_name):
            raise AccountError(_l("This public name is already in use: please choose another."),
                               field="display_name")
        user = User(email=normalise_email(email), display_name=display_name,
                    display_name_key=display_name_key(display_name), locale="it",
                    privacy_accepted_at=utcnow(), email_confirmed_at=utcnow())
        user.set_password(password)
        db.session.add(user)
    user.role = Role.ADMIN
    db.session.flush()
    return user


def block_message(user: User) -> str:
    from flask_babel import format_datetime, gettext

    if user.blocked_until is None:
        return gettext("Your account has been blocked by the moderators: %(reason)s", reason=user.blocked_reason)
    return gettext("Your account is blocked until %(until)s: %(reason)s",
                   until=format_datetime(user.blocked_until, "short"), reason=user.blocked_reason)


EMAIL_CHANGE_PURPOSE = "change-email"


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Re-authenticate, then prove the new address works before switching to it."""
    if not user.check_password(password):
        raise AccountError(_l("The password is not correct."), field="password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError(_l("This is already your address."), field="email")
    token = make_token(EMAIL_CHANGE_PURPOSE, {"uid": user.id, "email": new_email})
    # Sent even when the address is taken: the answer on screen never says whose it is.
    send_template_mail(new_email, _l("Confirm your new e-mail address"), "change_email", locale=user.locale,
                       user=user, confirm_url=public_url(path_for("auth.confirm_email_change", token=token)),
                       hours=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600)


def confirm_email_change(token: str) -> User | None:
    payload = read_token(EMAIL_CHANGE_PURPOSE, token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    new_email = payload.get("email")
    if user is None or user.deleted_at is not None or find_user_by_email(new_email) is not None:
        return None
    user.email, user.email_confirmed_at = new_email, utcnow()
    user.session_token = new_session_token()  # other sessions sign in again with the new address
    return user
