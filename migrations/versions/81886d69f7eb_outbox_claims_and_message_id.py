"""outbox claims (claim_token, claimed_until) and a fixed Message-ID per message

Revision ID: 81886d69f7eb
Revises: 5b1e0c2d9a71
Create Date: 2026-11-28 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '81886d69f7eb'
down_revision = '5b1e0c2d9a71'  # after the published-shape migration
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('message_id_header', sa.String(length=250), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_claim_token'), ['claim_token'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_claim_token'))
        batch_op.drop_column('message_id_header')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claim_token')
