"""frozen monthly scorecards

Revision ID: d5a81c3e9f20
Revises: b3f1d7a2c9e4
Create Date: 2026-11-30 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a81c3e9f20'
down_revision = 'b3f1d7a2c9e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scorecard_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('period_label', sa.String(length=50), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_snapshot')),
    sa.UniqueConstraint('period_start', 'period_end',
                        name=op.f('uq_scorecard_snapshot_period_start'))
    )
    with op.batch_alter_table('scorecard_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_snapshot_period_end'), ['period_end'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('scorecard_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_snapshot_period_end'))
    op.drop_table('scorecard_snapshot')
