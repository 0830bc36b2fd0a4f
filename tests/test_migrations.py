"""The migrations in migrations/ build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engage import include_in_migrations
from engage.extensions import db as _db


def test_models_and_migrations_do_not_drift(app, db):
    # The session database was built by `flask db upgrade` (see conftest), not create_all.
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "include_object": include_in_migrations})
        differences = compare_metadata(context, _db.metadata)
    assert differences == [], f"run `flask db migrate`: {differences}"


def test_full_text_search_objects_exist(app, db):
    from sqlalchemy import inspect

    inspector = inspect(_db.engine)
    if _db.engine.dialect.name == "sqlite":
        assert "proposal_fts" in inspector.get_table_names()
    else:
        assert "ix_proposal_search" in {i["name"] for i in inspector.get_indexes("proposal")}
        assert "search_vector" in {c["name"] for c in inspector.get_columns("proposal")}
