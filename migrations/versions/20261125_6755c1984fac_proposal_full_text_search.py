"""proposal full-text search

Revision ID: 6755c1984fac
Revises: c07af4dc3b23
Create Date: 2026-11-25 12:42:46.328468

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6755c1984fac'
down_revision = 'c07af4dc3b23'
branch_labels = None
depends_on = None


# Per dialect: engage/proposals/search.py queries exactly these objects, and
# engage.include_in_migrations keeps autogenerate from trying to drop them.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE proposal_fts USING fts5(title, body, content='proposal', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER proposal_fts_insert AFTER INSERT ON proposal BEGIN "
    "INSERT INTO proposal_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER proposal_fts_delete AFTER DELETE ON proposal BEGIN "
    "INSERT INTO proposal_fts(proposal_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER proposal_fts_update AFTER UPDATE OF title, body ON proposal BEGIN "
    "INSERT INTO proposal_fts(proposal_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO proposal_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO proposal_fts(proposal_fts) VALUES ('rebuild')",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS proposal_fts_update", "DROP TRIGGER IF EXISTS proposal_fts_delete",
               "DROP TRIGGER IF EXISTS proposal_fts_insert", "DROP TABLE IF EXISTS proposal_fts"]
POSTGRES_DDL = ["CREATE INDEX ix_proposal_search ON proposal "
                "USING gin ((to_tsvector('italian', title || ' ' || body)))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_proposal_search"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DDL if dialect == "sqlite" else POSTGRES_DDL)


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP)
