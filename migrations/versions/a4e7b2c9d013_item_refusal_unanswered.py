"""item.refusal_unanswered: the latest journal entry is a refused request; indexes for the desk

Revision ID: a4e7b2c9d013
Revises: c7e2a9f4b318
Create Date: 2026-11-30 11:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4e7b2c9d013'
down_revision = 'c7e2a9f4b318'
branch_labels = None
depends_on = None

# Frozen copy of the rule (plans/refusals.py at this revision): the item's latest journal
# entry is a refused postponement or withdrawal.
BACKFILL = """
UPDATE item SET refusal_unanswered = true
WHERE id IN (SELECT refusal.item_id FROM journal_entry AS refusal
             WHERE refusal.kind IN ('postponement_refused', 'withdrawal_refused')
               AND NOT EXISTS (SELECT 1 FROM journal_entry AS later
                               WHERE later.item_id = refusal.item_id
                                 AND later.id > refusal.id))
"""


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refusal_unanswered', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.execute(BACKFILL)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_refusal_unanswered', ['refusal_unanswered'],
                              unique=False)
        # The agency table's open items by deadline, joined to their leads from the index.
        batch_op.drop_index('ix_item_status_due_date')
        batch_op.create_index('ix_item_status_due_date', ['status', 'due_date', 'id'],
                              unique=False)
    # The feed's latest entries of a department's items, from the index alone.
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_item_id')
        batch_op.create_index('ix_journal_entry_item_id', ['item_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_status_due_date')
        batch_op.create_index('ix_item_status_due_date', ['status', 'due_date'], unique=False)
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_item_id')
        batch_op.create_index('ix_journal_entry_item_id', ['item_id'], unique=False)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_refusal_unanswered')
        batch_op.drop_column('refusal_unanswered')
