"""search index of the items (folded text; trigram index or FTS5); start page indexes

Revision ID: d5a8f1c3e902
Revises: d5a81c3e9f20
Create Date: 2026-11-30 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a8f1c3e902'
down_revision = 'd5a81c3e9f20'
branch_labels = None
depends_on = None

# As in tracker/models/search.py when this revision was written.
SQLITE_FULL_TEXT = (
    "CREATE VIRTUAL TABLE item_search_fts USING fts5(body, content='item_search', "
    "content_rowid='item_id', tokenize='trigram')",
    "CREATE TRIGGER item_search_ai AFTER INSERT ON item_search BEGIN "
    "INSERT INTO item_search_fts(rowid, body) VALUES (new.item_id, new.body); END",
    "CREATE TRIGGER item_search_ad AFTER DELETE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, body) "
    "VALUES ('delete', old.item_id, old.body); END",
    "CREATE TRIGGER item_search_au AFTER UPDATE ON item_search BEGIN "
    "INSERT INTO item_search_fts(item_search_fts, rowid, body) "
    "VALUES ('delete', old.item_id, old.body); "
    "INSERT INTO item_search_fts(rowid, body) VALUES (new.item_id, new.body); END",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('item_search',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'],
                            name=op.f('fk_item_search_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_search'))
    )
    if dialect == 'postgresql':
        op.create_index('ix_item_search_body_trgm', 'item_search', ['body'], unique=False,
                        postgresql_using='gin', postgresql_ops={'body': 'gin_trgm_ops'})
    elif dialect == 'sqlite':
        for statement in SQLITE_FULL_TEXT:
            op.execute(statement)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_status_due_date', ['status', 'due_date'], unique=False)
        batch_op.create_index('ix_item_status_updated_at', ['status', 'updated_at'],
                              unique=False)
        batch_op.create_index('ix_item_requested_due_period', ['requested_due_period'],
                              unique=False)
        batch_op.create_index('ix_item_withdrawal_requested', ['withdrawal_requested'],
                              unique=False)
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entry_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_journal_entry_item_created', ['item_id', 'created_at'],
                              unique=False)
    # An item's updated_at is now the time of its latest activity, a journal note included.
    op.execute("UPDATE item SET updated_at = (SELECT max(journal_entry.created_at) "
               "FROM journal_entry WHERE journal_entry.item_id = item.id) "
               "WHERE (SELECT max(journal_entry.created_at) FROM journal_entry "
               "WHERE journal_entry.item_id = item.id) > item.updated_at")
    # The items already there: folded by the application's own rules.
    from tracker.search.index import rebuild

    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_item_created')
        batch_op.drop_index(batch_op.f('ix_journal_entry_kind'))
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_withdrawal_requested')
        batch_op.drop_index('ix_item_requested_due_period')
        batch_op.drop_index('ix_item_status_updated_at')
        batch_op.drop_index('ix_item_status_due_date')
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TABLE IF EXISTS item_search_fts')
    if dialect == 'postgresql':
        op.drop_index('ix_item_search_body_trgm', table_name='item_search',
                      postgresql_using='gin', postgresql_ops={'body': 'gin_trgm_ops'})
    op.drop_table('item_search')
