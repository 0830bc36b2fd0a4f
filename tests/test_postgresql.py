"""What production relies on in PostgreSQL itself."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tests.factories import make_user

pytestmark = pytest.mark.postgres


def test_the_server_can_stem_italian_for_full_text_search(db):
    stems = db.session.scalar(text("SELECT to_tsvector('italian', 'proposte per le piste ciclabili')::text"))
    assert "'propost'" in stems and "'ciclabil'" in stems


def test_times_come_back_in_utc_whatever_the_session_time_zone(db):
    db.session.execute(text("SET TIME ZONE 'Europe/Rome'"))
    user = make_user()
    user.last_login_at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night clocks change in Italy
    db.session.commit()
    db.session.expire(user)
    assert user.last_login_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
