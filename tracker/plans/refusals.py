"""Keep `Item.refusal_unanswered` in step with the journal: every write goes through here.

An item waits for its lead agency's answer when it was returned, or when the latest entry
of its journal is a refused request (plans.service.awaiting_answer). Finding the latest
entry of every item in SQL costs a pass over every refusal ever written, on every start
page; the flag makes it an index lookup. At each flush, the items that got (or lost) a
journal entry have their flag recomputed from the journal in the same flush, whatever wrote
the entry (tracker/journal_columns.py keeps it in step).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.journal_columns import keep_in_step, refresh_column
from tracker.models import Item, JournalEntry, JournalKind

REFUSALS = (JournalKind.POSTPONEMENT_REFUSED.value, JournalKind.WITHDRAWAL_REFUSED.value)


def refusal_unanswered_sql() -> sa.ColumnElement[bool]:
    """Per Item row (correlated): whether the latest entry of its journal is a refusal."""
    latest = (sa.select(JournalEntry.kind).where(JournalEntry.item_id == Item.id)
              .order_by(JournalEntry.id.desc()).limit(1).correlate(Item).scalar_subquery())
    return sa.case((latest.in_(REFUSALS), sa.true()), else_=sa.false())


def refresh(conn: sa.Connection, ids) -> dict[int, bool]:
    """Recompute the flag of the items `ids` (a flush's few); write those that changed,
    leaving `updated_at` as it is. Returns {item id: new value} of the rows written."""
    table = Item.__table__
    return refresh_column(conn, ids, "refusal_unanswered", refusal_unanswered_sql(),
                          convert=bool, updated_at=table.c.updated_at)


def _touched(session: so.Session) -> set[int]:
    """The items that got (or lost) a journal entry."""
    return {obj.item_id for obj in (*session.new, *session.deleted)
            if isinstance(obj, JournalEntry)}


keep_in_step("refusal_unanswered", _touched, refresh)
