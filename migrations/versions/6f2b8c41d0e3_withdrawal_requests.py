"""withdrawal requests wait for a manager's decision, like postponements

Revision ID: 6f2b8c41d0e3
Revises: 3c7e91d2a4b8
Create Date: 2026-11-30 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f2b8c41d0e3'
down_revision = '3c7e91d2a4b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_requested', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_requested')
