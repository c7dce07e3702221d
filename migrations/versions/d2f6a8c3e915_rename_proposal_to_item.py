"""one name for the tracked thing: proposal -> item (tables, columns, indexes, constraints)

The lists hold tasks as well as proposals, so the code, the URLs and the schema call what
is tracked an item. Renaming keeps every row, key and sequence value; nothing is copied.

Revision ID: d2f6a8c3e915
Revises: c7e3a9d41b28
Create Date: 2026-11-30 06:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'd2f6a8c3e915'
down_revision = 'c7e3a9d41b28'
branch_labels = None
depends_on = None

TABLES = (("proposal", "item"), ("proposal_coordinator", "item_coordinator"),
          ("proposal_lead_agency", "item_lead_agency"))
# Tables (by their name after the rename) with a `proposal_id` column.
COLUMNS = ("journal_entry", "item_coordinator", "notice", "item_lead_agency", "attachment")


def _rename(old_word: str, new_word: str) -> None:
    tables = TABLES if old_word == "proposal" else tuple((b, a) for a, b in TABLES)
    bind = op.get_bind()
    for old, new in tables:
        op.rename_table(old, new)
    for table in COLUMNS:
        table = table.replace("item", new_word) if table.startswith("item") else table
        op.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old_word}_id" TO "{new_word}_id"')
    if bind.dialect.name == "postgresql":
        _rename_postgresql(bind, old_word, new_word)
    else:
        _rename_sqlite(bind, old_word, new_word)


def _rename_postgresql(bind, old_word: str, new_word: str) -> None:
    # Constraints first (a primary key renames its index with it), then the other indexes.
    constraints = bind.execute(sa.text(
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace AND conname LIKE :pattern"),
        {"pattern": f"%{old_word}%"}).all()
    for name, table in constraints:
        op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{name}" '
                   f'TO "{name.replace(old_word, new_word)}"')
    indexes = bind.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
        "AND indexname LIKE :pattern"), {"pattern": f"%{old_word}%"}).scalars().all()
    for name in indexes:
        op.execute(f'ALTER INDEX "{name}" RENAME TO "{name.replace(old_word, new_word)}"')
    op.execute(f'ALTER SEQUENCE IF EXISTS "{old_word}_id_seq" RENAME TO "{new_word}_id_seq"')


def _rename_sqlite(bind, old_word: str, new_word: str) -> None:
    # SQLite renames tables and columns in place and rewrites the indexes' SQL, but cannot
    # rename an index: each is made again under its new name (constraint names inside the
    # tables' SQL are not reflected by the models' checks and stay as they were).
    indexes = bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND name LIKE :pattern"), {"pattern": f"%{old_word}%"}).all()
    for name, sql in indexes:
        op.execute(f'DROP INDEX "{name}"')
        op.execute(sql.replace(name, name.replace(old_word, new_word), 1))


def upgrade():
    _rename("proposal", "item")


def downgrade():
    _rename("item", "proposal")
