"""plan_agency: which agencies take part in which plan, leading how many of its items

Revision ID: c4d8e1f0a7b3
Revises: b81d3f6a2c57
Create Date: 2026-11-30 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4d8e1f0a7b3'
down_revision = 'b81d3f6a2c57'
branch_labels = None
depends_on = None

# Frozen copy of the rule (tracker/involvement.py at this revision): an agency takes part in
# a plan when it leads, co-leads or coordinates one of its items; `leads` counts its lead
# links (item_lead_agency) there.
BACKFILL = """
INSERT INTO plan_agency (plan_id, agency_id, leads)
SELECT plan_id, agency_id, sum(lead) FROM (
  SELECT plan_id, lead_agency_id AS agency_id, 0 AS lead FROM item
  UNION ALL SELECT item.plan_id, link.agency_id, 1 FROM item
            JOIN item_lead_agency AS link ON link.item_id = item.id
  UNION ALL SELECT item.plan_id, link.agency_id, 0 FROM item
            JOIN item_coordinator AS link ON link.item_id = item.id
) AS pairs
GROUP BY plan_id, agency_id
"""


def upgrade():
    op.create_table(
        'plan_agency',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('leads', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_plan_agency_agency_id_agency'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'],
                                name=op.f('fk_plan_agency_plan_id_plan'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('agency_id', 'plan_id', name=op.f('pk_plan_agency')),
    )
    op.create_index(op.f('ix_plan_agency_plan_id'), 'plan_agency', ['plan_id'], unique=False)
    op.execute(BACKFILL)


def downgrade():
    op.drop_index(op.f('ix_plan_agency_plan_id'), table_name='plan_agency')
    op.drop_table('plan_agency')
