"""published shape of imported lists: layout, sections, verbatim cells, several leads

Revision ID: 5b1e0c2d9a71
Revises: e1bca4be7198
Create Date: 2026-11-29 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c2d9a71'
down_revision = 'e1bca4be7198'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_section',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.create_index('ix_plan_section_plan_position', ['plan_id', 'position'], unique=False)

    op.create_table(
        'proposal_lead_agency',
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id']),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('proposal_id', 'agency_id'),
    )
    with op.batch_alter_table('proposal_lead_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_lead_agency_agency_id'), ['agency_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('layout', sa.JSON(), nullable=True))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('number_text', sa.String(length=50), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('section_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sub_rows', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_proposal_section_id'), ['section_id'], unique=False)
        batch_op.create_foreign_key('fk_proposal_section_id_plan_section', 'plan_section',
                                    ['section_id'], ['id'], ondelete='SET NULL')

    # Every existing item is led by its one lead agency.
    op.execute("INSERT INTO proposal_lead_agency (proposal_id, agency_id) "
               "SELECT id, lead_agency_id FROM proposal")


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint('fk_proposal_section_id_plan_section', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposal_section_id'))
        batch_op.drop_column('sub_rows')
        batch_op.drop_column('extra')
        batch_op.drop_column('section_id')
        batch_op.drop_column('number_text')
        batch_op.drop_column('lead_text')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('layout')

    with op.batch_alter_table('proposal_lead_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_lead_agency_agency_id'))
    op.drop_table('proposal_lead_agency')
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_section_plan_position')
    op.drop_table('plan_section')
