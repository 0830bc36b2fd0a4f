"""postgresql: stored search vector

Revision ID: 6c852b76feec
Revises: 8a668111ddd8
Create Date: 2026-11-25 14:21:07.508061

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c852b76feec'
down_revision = '8a668111ddd8'
branch_labels = None
depends_on = None


# PostgreSQL keeps the Italian tsvector in a stored generated column, so searches and
# similarity ranking read it instead of re-parsing every matching title and body.
# SQLite keeps using its FTS5 table. engage.include_in_migrations hides both from autogenerate.


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE proposal ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
               "(to_tsvector('italian', title || ' ' || body)) STORED")
    op.execute("DROP INDEX IF EXISTS ix_proposal_search")
    op.execute("CREATE INDEX ix_proposal_search ON proposal USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_proposal_search")
    op.execute("ALTER TABLE proposal DROP COLUMN IF EXISTS search_vector")
    op.execute("CREATE INDEX ix_proposal_search ON proposal "
               "USING gin ((to_tsvector('italian', title || ' ' || body)))")
