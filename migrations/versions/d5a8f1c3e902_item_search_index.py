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

# The folding of tracker/search/text.py when this revision was written, frozen as SQL: the
# Vietnamese letters lose their marks (đ → d), then lower case, one space between words.
# What SQL cannot do here, the application's `flask search-index` adds when run afterwards:
# agency abbreviations spelled out ("Sở KH&ĐT" → "so ke hoach dau tu") and only the document
# numbers of a list's reference line (here the whole line is indexed).
MARKED = ('àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ'
          'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ')
PLAIN = ('aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
         'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd')


def fold_sql(dialect: str, column: str) -> list[str]:
    """SQL updates folding `column` of the backfill table as the index did when this
    revision was written (SQLite: the marks replaced a few letters per statement, its
    parser limiting how deep calls nest)."""
    table = 'item_search_backfill'
    if dialect == 'postgresql':
        return [f"UPDATE {table} SET {column} = btrim(regexp_replace(lower(translate("
                f"{column}, '{MARKED}', '{PLAIN}')), '\\s+', ' ', 'g'))"]
    updates = []
    for start in range(0, len(MARKED), 20):
        text = column
        for marked, plain in zip(MARKED[start:start + 20], PLAIN[start:start + 20], strict=True):
            text = f"replace({text}, '{marked}', '{plain}')"
        updates.append(f"UPDATE {table} SET {column} = {text}")
    text = column
    for space in ('char(13)', 'char(10)', 'char(9)'):
        text = f"replace({text}, {space}, ' ')"
    text = f"lower({text})"
    for _ in range(5):
        text = f"replace({text}, '  ', ' ')"
    updates.append(f"UPDATE {table} SET {column} = trim({text})")
    return updates


def backfill_sql(dialect: str) -> list[str]:
    """Every item's index row: its folded title, and the body of the title, notes,
    coordination and lead cells, the names of the agencies it links (by name), the
    documents it and its journal cite (in order) and its list's reference line, " | "
    apart; gathered as written, then folded as a whole, then copied into the index."""
    def part(text: str) -> str:
        return f"coalesce(' | ' || nullif(trim({text}), ''), '')"

    linked = ("SELECT item.lead_agency_id UNION SELECT agency_id FROM item_lead_agency "
              "WHERE item_id = item.id UNION SELECT agency_id FROM item_coordinator "
              "WHERE item_id = item.id")
    if dialect == 'postgresql':
        agencies = ("(SELECT string_agg(agency.name, ' | ' ORDER BY agency.name) FROM agency "
                    f"WHERE agency.id IN ({linked}))")
        documents = ("(SELECT string_agg(document_ref, ' | ' ORDER BY journal_entry.id) "
                     "FROM journal_entry WHERE journal_entry.item_id = item.id "
                     "AND trim(document_ref) <> '')")
    else:
        agencies = ("(SELECT group_concat(name, ' | ') FROM (SELECT agency.name AS name "
                    f"FROM agency WHERE agency.id IN ({linked}) ORDER BY agency.name))")
        documents = ("(SELECT group_concat(ref, ' | ') FROM (SELECT document_ref AS ref "
                     "FROM journal_entry WHERE journal_entry.item_id = item.id "
                     "AND trim(document_ref) <> '' ORDER BY journal_entry.id))")
    parts = ['item.title', 'item.notes', 'item.coordination', 'item.lead_text', agencies,
             'item.submission_ref', 'item.outcome_ref', documents, 'plan.attached_to']
    body = " || ".join(map(part, parts))
    temporary = 'TEMPORARY TABLE item_search_backfill'
    return [f"CREATE {temporary} AS SELECT item.id AS item_id, item.title AS title, "
            f"substr({body}, 4) AS body FROM item JOIN plan ON plan.id = item.plan_id",
            *fold_sql(dialect, 'title'), *fold_sql(dialect, 'body'),
            "INSERT INTO item_search (item_id, title, body) "
            "SELECT item_id, title, body FROM item_search_backfill",
            "DROP TABLE item_search_backfill"]


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
    # The items already there, indexed by SQL frozen here (never by the application's code,
    # which later revisions may change).
    for statement in backfill_sql(dialect):
        op.execute(statement)


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
