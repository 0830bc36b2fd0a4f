"""notification preferences, mail queue, digests and phase announcements

Notifications learn what they are about (proposal, consultation, for their title) and where they
stand with e-mail (mail_state: existing rows are "none", they were never mailed); the mail queue
(outbound_mail) is sent by `flask mail send`; preferences are one row per person and topic when
not the default; consultation_phase_announcement remembers the last phase followers heard of.

Revision ID: 003a6287ab41
Revises: b3d1f0a2c4e5
Create Date: 2026-11-25 15:29:12.557633

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '003a6287ab41'
down_revision = 'b3d1f0a2c4e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('delivery', sa.Enum('immediate', 'daily', 'off', name='delivery', native_enum=False, length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic', name=op.f('pk_notification_preference'))
    )
    op.create_table('outbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=32), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('failed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_outbound_mail_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_mail'))
    )
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_mail_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_mail_user_id'), ['user_id'], unique=False)

    op.create_table('consultation_phase_announcement',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('draft', 'upcoming', 'proposals', 'voting', 'closed', 'results', name='phase', native_enum=False, length=30), nullable=False),
    sa.Column('announced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_phase_announcement_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_consultation_phase_announcement'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consultation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mail_state', sa.String(length=10), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_notification_mail_state', ['mail_state', 'user_id'], unique=False)
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notification_proposal_id_proposal'), 'proposal', ['proposal_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notification_consultation_id_consultation'), 'consultation', ['consultation_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_consultation_id_consultation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notification_proposal_id_proposal'), type_='foreignkey')
        batch_op.drop_index('ix_notification_user_unread')
        batch_op.drop_index('ix_notification_mail_state')
        batch_op.drop_column('mailed_at')
        batch_op.drop_column('mail_state')
        batch_op.drop_column('consultation_id')
        batch_op.drop_column('proposal_id')

    op.drop_table('consultation_phase_announcement')
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_mail_user_id'))
        batch_op.drop_index('ix_outbound_mail_due')

    op.drop_table('outbound_mail')
    op.drop_table('notification_preference')
