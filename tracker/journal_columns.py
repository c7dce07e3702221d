"""Columns of Item derived from its journal and stored, so that pages count from an index
instead of reading the journal: `Item.ended_on` (scorecard/ended.py) and
`Item.refusal_unanswered` (plans/refusals.py).

Items and journal entries are written by forms, decisions, the API, imports, the demo and
tests; a listener on the session notes, at each flush, the items whose stored value may
have changed, and recomputes them from the journal in the same flush (a few statements per
batch, whatever the path), so that no write leaves one stale and a query later in the same
transaction already reads it. Each column brings its rule as SQL and says which writes
touch it; this module does the rest.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.models import Item

BATCH = 500


def refresh_column(conn: sa.Connection, ids, column: str, computed: sa.ColumnElement,
                   convert: Callable[[object], object] = lambda value: value,
                   **also) -> dict[int, object]:
    """Recompute `column` of the items `ids` as `computed` (correlated on Item) says; write
    those that changed, with the values `also`. Returns {item id: new value} of the rows
    written."""
    table = Item.__table__
    query = sa.select(Item.id, table.c[column], computed)
    update = (sa.update(table).where(table.c.id == sa.bindparam("item_id"))
              .values({column: sa.bindparam("new_value"), **also}))
    ordered = sorted(i for i in ids if i is not None)
    changed: dict[int, object] = {}
    for start in range(0, len(ordered), BATCH):
        rows = conn.execute(query.where(Item.id.in_(ordered[start:start + BATCH]))).all()
        writes = [{"item_id": item_id, "new_value": convert(value)}
                  for item_id, stored, value in rows if convert(stored) != convert(value)]
        if writes:
            conn.execute(update, writes)
            changed.update((w["item_id"], w["new_value"]) for w in writes)
    return changed


def keep_in_step(column: str, touched: Callable[[so.Session], set[int]],
                 refresh: Callable[[sa.Connection, set[int]], dict[int, object]]) -> None:
    """Listen on every session: after each flush, the items `touched` names get `column`
    recomputed by `refresh`, and the objects of the session the value written (no reload)."""
    pending_key = f"{column}_pending"

    def note(session: so.Session, flush_context) -> None:
        ids = touched(session)
        if ids:
            session.info.setdefault(pending_key, set()).update(ids)

    def write(session: so.Session, flush_context) -> None:
        pending = session.info.pop(pending_key, None)
        if not pending:
            return
        for item_id, value in refresh(session.connection(), pending).items():
            item = session.identity_map.get(sa.inspect(Item).identity_key_from_primary_key(
                (item_id,)))
            if item is not None and column in sa.inspect(item).dict:
                so.attributes.set_committed_value(item, column, value)

    def forget(session: so.Session, previous_transaction) -> None:
        session.info.pop(pending_key, None)

    sa.event.listen(so.Session, "after_flush", note)
    sa.event.listen(so.Session, "after_flush_postexec", write)
    sa.event.listen(so.Session, "after_soft_rollback", forget)
