"""Builders for test data; each flushes so the object has an id."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from engage.auth.models import Role, User
from engage.auth.services import add_officer, display_name_key
from engage.core.db import utcnow
from engage.extensions import db
from engage.institutions.models import Institution
from engage.masterplan.models import PriorityPoint
from engage.territory.models import Comune

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(role: Role = Role.CITIZEN, *, email: str | None = None, display_name: str | None = None,
              confirmed: bool = True, officer_of: Institution | None = None, locale: str = "it",
              comune: str | None = "Cremona", password: str = PASSWORD) -> User:
    n = next(_counter)
    name = display_name or f"Utente {n}"
    user = User(email=email or f"utente{n}@example.org", display_name=name,
                display_name_key=display_name_key(name), role=role, locale=locale,
                comune=comune_named(comune) if comune else None, privacy_accepted_at=utcnow(),
                email_confirmed_at=utcnow() if confirmed else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if officer_of is not None:
        add_officer(user, officer_of)
    return user


def comune_named(name: str) -> Comune:
    return db.session.scalar(select(Comune).where(Comune.name == name))


def institution(slug: str = "provincia-cremona") -> Institution:
    return db.session.scalar(select(Institution).where(Institution.slug == slug))


def priority_point(number: int = 1) -> PriorityPoint:
    return db.session.scalar(select(PriorityPoint).where(PriorityPoint.number == number))


def form_token(client, url: str) -> str:
    """The CSRF token of the form on a page, as a browser would send it back."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)
