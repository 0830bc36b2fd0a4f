from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from engage.core.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from engage.core.enums import LabelledEnum
from engage.extensions import db

if TYPE_CHECKING:
    from engage.institutions.models import InstitutionMembership
    from engage.territory.models import Comune


class Role(LabelledEnum):
    """Global roles. Acting for an institution is a membership, not a role."""

    CITIZEN = "citizen", _l("Citizen")
    MODERATOR = "moderator", _l("Moderator")
    ADMIN = "admin", _l("Administrator")


class AgeBand(LabelledEnum):
    UNDER_18 = "under_18", _l("Under 18")
    FROM_18_TO_29 = "18_29", _l("18 to 29")
    FROM_30_TO_44 = "30_44", _l("30 to 44")
    FROM_45_TO_64 = "45_64", _l("45 to 64")
    OVER_65 = "65_plus", _l("65 and over")


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(40))
    # Case-folded copy so "Mario" and "mario" cannot both exist (impersonation).
    display_name_key: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.CITIZEN)
    comune_id: Mapped[int | None] = mapped_column(ForeignKey("comune.id"), index=True)
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand))
    locale: Mapped[str] = mapped_column(String(5), default="it")
    privacy_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A block by moderators: from blocked_at until blocked_until (None: permanent).
    # Indexed: every public list and count asks for the blocked authors (moderation.visibility).
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    blocked_reason: Mapped[str] = mapped_column(String(500), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # account deleted: an empty shell
    # Part of the login cookie: changing it ends every session of this account.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)

    comune: Mapped[Comune | None] = relationship()
    memberships: Mapped[list[InstitutionMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name}>"

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        if self.deleted_at is not None or not self.password_hash.count("$"):
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_blocked(self) -> bool:
        """Blocked from signing in and acting, right now."""
        return self.blocked_at is not None and (self.blocked_until is None or utcnow() < self.blocked_until)

    @property
    def content_withheld(self) -> bool:
        """Their content stays out of sight until the block is lifted (by hand or on expiry), so
        lists and stored counts change together, in the transaction that lifts it."""
        return self.blocked_at is not None

    @property
    def lives_outside_province(self) -> bool:
        return self.comune_id is None

    @property
    def institutions(self):
        return [m.institution for m in self.memberships]
