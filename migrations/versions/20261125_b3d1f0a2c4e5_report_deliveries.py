"""report deliveries: the PDF reports sent to institutions

Revision ID: b3d1f0a2c4e5
Revises: 7e57c039bf17
Create Date: 2026-11-25 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d1f0a2c4e5'
down_revision = '7e57c039bf17'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_report_delivery_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['generated_by_id'], ['user_account.id'], name=op.f('fk_report_delivery_generated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_delivery'))
    )
    with op.batch_alter_table('report_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_delivery_consultation_id'), ['consultation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_delivery_consultation_id'))
    op.drop_table('report_delivery')
