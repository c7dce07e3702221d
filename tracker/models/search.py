from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db

# SQLite finds words in the folded text through an FTS5 table (trigram tokenizer: any
# substring of three characters or more) that mirrors `proposal_search.body`, kept in step by
# triggers. PostgreSQL uses a trigram index on the column itself (pg_trgm). Both answer the
# same question: which folded texts contain every word (tracker/search/service.py).
SQLITE_FULL_TEXT = (
    "CREATE VIRTUAL TABLE proposal_search_fts USING fts5(body, content='proposal_search', "
    "content_rowid='proposal_id', tokenize='trigram')",
    "CREATE TRIGGER proposal_search_ai AFTER INSERT ON proposal_search BEGIN "
    "INSERT INTO proposal_search_fts(rowid, body) VALUES (new.proposal_id, new.body); END",
    "CREATE TRIGGER proposal_search_ad AFTER DELETE ON proposal_search BEGIN "
    "INSERT INTO proposal_search_fts(proposal_search_fts, rowid, body) "
    "VALUES ('delete', old.proposal_id, old.body); END",
    "CREATE TRIGGER proposal_search_au AFTER UPDATE ON proposal_search BEGIN "
    "INSERT INTO proposal_search_fts(proposal_search_fts, rowid, body) "
    "VALUES ('delete', old.proposal_id, old.body); "
    "INSERT INTO proposal_search_fts(rowid, body) VALUES (new.proposal_id, new.body); END",
)
SQLITE_FULL_TEXT_DROP = ("DROP TABLE IF EXISTS proposal_search_fts",)
TRIGRAM_INDEX = "ix_proposal_search_body_trgm"


def schema_objects(dialect: str):
    """Alembic's `include_object` for comparing the models with a database of `dialect`: the
    FTS5 table and its shadow tables are SQLite's own, not models; the trigram index exists
    on PostgreSQL only."""
    def include(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
        if type_ == "table" and name and name.startswith("proposal_search_fts"):
            return False
        return not (type_ == "index" and name == TRIGRAM_INDEX and dialect != "postgresql")

    return include


class ProposalSearch(db.Model):
    """The folded text an item is found by (tracker/search/text.py), one row per item,
    rewritten whenever the item, its journal's documents, its list's reference or the name
    of one of its agencies changes (tracker/search/index.py)."""

    __tablename__ = "proposal_search"
    __table_args__ = (
        sa.Index(TRIGRAM_INDEX, "body", postgresql_using="gin",
                 postgresql_ops={"body": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    proposal_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True)
    # The folded title, which ranks an item found by its title first.
    title: so.Mapped[str] = so.mapped_column(sa.Text)
    body: so.Mapped[str] = so.mapped_column(sa.Text)


@sa.event.listens_for(ProposalSearch.__table__, "before_create")
def _trigram_extension(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))


@sa.event.listens_for(ProposalSearch.__table__, "after_create")
def _sqlite_full_text(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FULL_TEXT:
            connection.execute(sa.text(statement))


@sa.event.listens_for(ProposalSearch.__table__, "before_drop")
def _drop_sqlite_full_text(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_FULL_TEXT_DROP:
            connection.execute(sa.text(statement))
