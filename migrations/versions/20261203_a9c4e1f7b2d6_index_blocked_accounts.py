"""index blocked accounts

Every public list and count filters out the content of blocked authors with
`author_id NOT IN (SELECT id FROM user_account WHERE blocked_at IS NOT NULL)`
(engage/moderation/visibility.py). Without an index that subquery read the whole account
table on every page: at 200,000 accounts it was most of the proposal list's time.

Revision ID: a9c4e1f7b2d6
Revises: f72ca738da1a
Create Date: 2026-12-03 22:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a9c4e1f7b2d6'
down_revision = 'f72ca738da1a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_blocked_at'), ['blocked_at'], unique=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_blocked_at'))
