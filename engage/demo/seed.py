"""Demo accounts (one per role) and, as features land, demo content that uses them.

Each step is idempotent: running `flask demo load` twice leaves one copy of everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engage.auth import services as accounts
from engage.auth.models import AgeBand, Role, User
from engage.core.db import utcnow
from engage.extensions import db
from engage.institutions.models import Institution
from engage.territory.models import Comune

DEMO_PASSWORD = "partecipa-cremona"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    comune_code: str | None
    age_band: AgeBand | None
    officer_of: tuple[str, ...] = ()
    locale: str = "it"


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "Amministrazione ATS", Role.ADMIN, "019036", None),
    DemoAccount("moderatrice@example.org", "Moderatrice Giulia", Role.MODERATOR, "019035",
                AgeBand.FROM_30_TO_44),
    DemoAccount("referente@example.org", "Referente Provincia", Role.CITIZEN, "019036",
                AgeBand.FROM_45_TO_64, officer_of=("provincia-cremona", "comune-cremona")),
    DemoAccount("cittadina@example.org", "Lucia del Po", Role.CITIZEN, "019021",
                AgeBand.FROM_18_TO_29),
    DemoAccount("citizen@example.org", "Tom in Crema", Role.CITIZEN, None, None, locale="en"),
)


def demo_user(email: str, display_name: str, *, comune: Comune | None = None, age_band: AgeBand | None = None,
              role: Role = Role.CITIZEN, locale: str = "it") -> User:
    """The demo account with this e-mail, created confirmed with the demo password if missing."""
    user = accounts.find_user_by_email(email)
    if user is None:
        user = User(email=email, display_name=display_name,
                    display_name_key=accounts.display_name_key(display_name), role=role, comune=comune,
                    age_band=age_band, locale=locale, privacy_accepted_at=utcnow(), email_confirmed_at=utcnow())
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    return user


def seed_accounts() -> list[User]:
    users = []
    for spec in DEMO_ACCOUNTS:
        comune = (db.session.scalar(select(Comune).where(Comune.istat_code == spec.comune_code))
                  if spec.comune_code else None)
        user = demo_user(spec.email, spec.display_name, comune=comune, age_band=spec.age_band, role=spec.role,
                         locale=spec.locale)
        for slug in spec.officer_of:
            institution = db.session.scalar(select(Institution).where(Institution.slug == slug))
            if institution is not None:
                accounts.add_officer(user, institution)
        users.append(user)
    return users


def load_demo() -> list[User]:
    from engage.demo.accountability import seed_accountability
    from engage.demo.content import seed_consultations, seed_moderation

    users = seed_accounts()
    seed_consultations()
    seed_moderation()
    seed_accountability()
    return users
