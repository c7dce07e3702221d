"""the file of a status update's document (Tờ trình, Quyết định, Công văn), kept in a folder

Revision ID: a4d9e2b7c615
Revises: 6f2b8c41d0e3
Create Date: 2026-11-30 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d9e2b7c615'
down_revision = '6f2b8c41d0e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('journal_entry_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['journal_entry_id'], ['journal_entry.id'],
                            name=op.f('fk_attachment_journal_entry_id_journal_entry'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'],
                            name=op.f('fk_attachment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_journal_entry_id'), ['journal_entry_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_proposal_id'), ['proposal_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_journal_entry_id'))
    op.drop_table('attachment')
