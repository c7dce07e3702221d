"""Keep `Item.refusal_unanswered` in step with the journal: every write goes through here.

An item waits for its lead agency's answer when it was returned, or when the latest entry
of its journal is a refused request (plans.service.awaiting_answer). Finding the latest
entry of every item in SQL costs a pass over every refusal ever written, on every start
page; the flag makes it an index lookup. A listener on the session notes, at each flush,
the items that got (or lost) a journal entry, and recomputes their flag from the journal in
the same flush, whatever wrote the entry (forms, decisions, API, import, demo, tests).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.models import Item, JournalEntry, JournalKind

BATCH = 500
REFUSALS = (JournalKind.POSTPONEMENT_REFUSED.value, JournalKind.WITHDRAWAL_REFUSED.value)
_PENDING = "refusal_unanswered_pending"


def refusal_unanswered_sql() -> sa.ColumnElement[bool]:
    """Per Item row (correlated): whether the latest entry of its journal is a refusal."""
    latest = (sa.select(JournalEntry.kind).where(JournalEntry.item_id == Item.id)
              .order_by(JournalEntry.id.desc()).limit(1).correlate(Item).scalar_subquery())
    return sa.case((latest.in_(REFUSALS), sa.true()), else_=sa.false())


def refresh(conn: sa.Connection, ids) -> dict[int, bool]:
    """Recompute the flag of the items `ids` (a flush's few); write those that changed,
    leaving `updated_at` as it is. Returns {item id: new value} of the rows written."""
    changed: dict[int, bool] = {}
    query = sa.select(Item.id, Item.refusal_unanswered, refusal_unanswered_sql())
    ordered = sorted(i for i in ids if i is not None)
    table = Item.__table__
    update = (sa.update(table).where(table.c.id == sa.bindparam("item_id"))
              .values(refusal_unanswered=sa.bindparam("flag"), updated_at=table.c.updated_at))
    for start in range(0, len(ordered), BATCH):
        rows = conn.execute(query.where(Item.id.in_(ordered[start:start + BATCH]))).all()
        writes = [{"item_id": item_id, "flag": bool(flag)}
                  for item_id, stored, flag in rows if bool(stored) != bool(flag)]
        if writes:
            conn.execute(update, writes)
            changed.update((w["item_id"], w["flag"]) for w in writes)
    return changed


@sa.event.listens_for(so.Session, "after_flush")
def _note_changes(session: so.Session, flush_context) -> None:
    touched = {obj.item_id for obj in (*session.new, *session.deleted)
               if isinstance(obj, JournalEntry)}
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


@sa.event.listens_for(so.Session, "after_flush_postexec")
def _write_changes(session: so.Session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    changed = refresh(session.connection(), pending)
    for item_id, flag in changed.items():
        item = session.identity_map.get(sa.inspect(Item).identity_key_from_primary_key(
            (item_id,)))
        if item is not None and "refusal_unanswered" in sa.inspect(item).dict:
            so.attributes.set_committed_value(item, "refusal_unanswered", flag)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget_changes(session: so.Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
