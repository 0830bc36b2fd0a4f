"""How a login cookie maps back to an account."""
from __future__ import annotations

import hmac

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from engage.auth.models import User
from engage.extensions import db, login_manager


def load_user(session_id: str) -> User | None:
    """Cookies carry "<id>:<session token>", so a password change ends every other session."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id), options=[joinedload(User.memberships)])
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
