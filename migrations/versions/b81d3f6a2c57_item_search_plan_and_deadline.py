"""item_search.plan_id and .due_date: a search scopes and ranks from the index alone

Revision ID: b81d3f6a2c57
Revises: a4e7b2c9d013
Create Date: 2026-11-30 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b81d3f6a2c57'
down_revision = 'a4e7b2c9d013'
branch_labels = None
depends_on = None

# The FTS5 table's triggers on item_search (tracker/models/search.py at this revision).
# SQLite drops a table's triggers with it, and altering a column's nullability rebuilds
# the table: they are dropped first (so the backfill does not rewrite the full-text index
# row by row) and created again at the end. The FTS5 table itself keeps its content: the
# rebuilt table has the same name, rows, ids and text.
SQLITE_TRIGGERS = (
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
SQLITE_TRIGGER_NAMES = ('item_search_ai', 'item_search_ad', 'item_search_au')

BACKFILL = """
UPDATE item_search
SET plan_id = (SELECT item.plan_id FROM item WHERE item.id = item_search.item_id),
    due_date = (SELECT item.due_date FROM item WHERE item.id = item_search.item_id)
"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _drop_triggers() -> None:
    if _sqlite():
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create_triggers() -> None:
    if _sqlite():
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade():
    _drop_triggers()
    with op.batch_alter_table('item_search', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('item_search', schema=None) as batch_op:
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
    _create_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('item_search', schema=None) as batch_op:
        batch_op.drop_column('due_date')
        batch_op.drop_column('plan_id')
    _create_triggers()
