from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db

# SQLite finds words in the folded text through an FTS5 table (trigram tokenizer: any
# substring of three characters or more) that mirrors `item_search.body`, kept in step by
# triggers. PostgreSQL uses a trigram index on the column itself (pg_trgm). Both answer the
# same question: which folded texts contain every word (tracker/search/service.py).
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
SQLITE_FULL_TEXT_DROP = ("DROP TABLE IF EXISTS item_search_fts",)
TRIGRAM_INDEX = "ix_item_search_body_trgm"


def schema_objects(dialect: str):
    """Alembic's `include_object` for comparing the models with a database of `dialect`: the
    FTS5 table and its shadow tables are SQLite's own, not models; the trigram index exists
    on PostgreSQL only."""
    def include(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
        if type_ == "table" and name and name.startswith("item_search_fts"):
            return False
        return not (type_ == "index" and name == TRIGRAM_INDEX and dialect != "postgresql")

    return include


class ItemSearch(db.Model):
    """The folded text an item is found by (tracker/search/text.py), one row per item,
    rewritten whenever the item, its journal's documents, its list's reference or the name
    of one of its agencies changes (tracker/search/index.py).

    The row also carries the item's plan and deadline, copied with the text: a search
    keeps to the user's lists and picks its best matches from this table alone, and reads
    the items for the few hundred it lists only (joining every match to its item was half
    of a broad search's time on PostgreSQL)."""

    __tablename__ = "item_search"
    __table_args__ = (
        sa.Index(TRIGRAM_INDEX, "body", postgresql_using="gin",
                 postgresql_ops={"body": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    # The folded title, which ranks an item found by its title first.
    title: so.Mapped[str] = so.mapped_column(sa.Text)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    # Copies of the item's: the scope of a search and the tie-break of its ranking.
    plan_id: so.Mapped[int] = so.mapped_column()
    due_date: so.Mapped[date | None] = so.mapped_column()


@sa.event.listens_for(ItemSearch.__table__, "before_create")
def _trigram_extension(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


@sa.event.listens_for(ItemSearch.__table__, "after_create")
def _sqlite_full_text(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FULL_TEXT:
            connection.execute(sa.text(statement))


@sa.event.listens_for(ItemSearch.__table__, "before_drop")
def _drop_sqlite_full_text(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FULL_TEXT_DROP:
            connection.execute(sa.text(statement))
