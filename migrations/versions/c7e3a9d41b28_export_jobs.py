"""large PDF exports made by the worker

Revision ID: c7e3a9d41b28
Revises: a4d9e2b7c615
Create Date: 2026-11-30 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e3a9d41b28'
down_revision = 'a4d9e2b7c615'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_export_job_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job'))
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_job_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_job_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_job_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_job_user_id'))
        batch_op.drop_index(batch_op.f('ix_export_job_state'))
        batch_op.drop_index(batch_op.f('ix_export_job_created_at'))
    op.drop_table('export_job')
