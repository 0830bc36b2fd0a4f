"""The migrations in migrations/ build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engage.extensions import db as _db


def test_models_and_migrations_do_not_drift(app, db):
    # The session database was built by `flask db upgrade` (see conftest), not create_all.
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == [], f"run `flask db migrate`: {differences}"
