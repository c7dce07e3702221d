"""Keep `Item.ended_on` in step with the journal: every write goes through here.

`ended_on` is the day an item's current ending was documented, as the tests' reference
(tests/scorecard_reference.py, `ended_dates`) reads it from the journal: withdrawn, its
latest withdrawal; submitted or issued, its latest submission, else its latest issue; a
change journaled without a document date counts on the local day it was recorded. The
scorecard counts from it alone (scorecard/counting.py).

An item's status changes in one place (items/service.py), but items and journal entries
are also written by imports, the demo, the API and tests: at each flush, the items whose
status changed and those that got a status entry have their `ended_on` recomputed from the
journal in the same flush (tracker/journal_columns.py keeps it in step).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.journal_columns import keep_in_step, refresh_column
from tracker.models import Item, JournalEntry, JournalKind
from tracker.statuses import Status

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_COMPLETED = (Status.APPROVED.value, Status.SUBMITTED.value)
_ENDING = (*_COMPLETED, Status.WITHDRAWN.value)
_WITHDRAWN = Status.WITHDRAWN.value


class local_date(FunctionElement):  # noqa: N801 (an SQL function)
    """The calendar day of a UTC timestamp in a time zone: `timezone()` on PostgreSQL, a
    Python function registered on each SQLite connection (tracker/extensions.py)."""

    type = sa.Date()
    inherit_cache = True
    name = "tracker_local_date"


@compiles(local_date)
def _local_date_sqlite(element, compiler, **kw):
    return f"tracker_local_date({compiler.process(element.clauses, **kw)})"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    stamp, zone = list(element.clauses)
    return (f"CAST(timezone({compiler.process(zone, **kw)}, {compiler.process(stamp, **kw)})"
            " AS DATE)")


def ended_on_sql(tz_name: str) -> sa.ColumnElement:
    """Per Item row (correlated): what its `ended_on` should be, read from the journal.
    NULL for an open item."""
    entry = so.aliased(JournalEntry)
    day = sa.func.coalesce(entry.document_date,
                           local_date(entry.created_at, sa.literal(tz_name, sa.String)))
    withdrawn = Item.status == _WITHDRAWN
    latest = (sa.select(day)
              .where(entry.item_id == Item.id,
                     entry.kind == JournalKind.STATUS.value,
                     sa.or_(sa.and_(withdrawn, entry.new_status == _WITHDRAWN),
                            sa.and_(~withdrawn, entry.new_status.in_(_COMPLETED))))
              # The latest submission first, then the latest issue.
              .order_by(sa.case((entry.new_status == Status.APPROVED.value, 1), else_=0),
                        entry.id.desc())
              .limit(1)
              .correlate(Item)
              .scalar_subquery())
    return sa.case((Item.status.in_(_ENDING), latest), else_=sa.null())


def timezone() -> str:
    """The tracker's time zone (the day a change without a document date counts on)."""
    if has_app_context():
        return current_app.config.get("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)
    return DEFAULT_TIMEZONE


def refresh(conn: sa.Connection, ids, tz_name: str) -> dict[int, object]:
    """Recompute `ended_on` of the items `ids` (a flush's few: one correlated lookup each);
    write those that changed. Returns {item id: new value} of the rows written."""
    return refresh_column(conn, ids, "ended_on", ended_on_sql(tz_name))


def _status_changed(item: Item) -> bool:
    state = sa.inspect(item)
    return state.attrs.status.history.has_changes()


def _touched(session: so.Session) -> set[int]:
    """The items whose status changed (or that are new) and those that got a status entry."""
    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Item):
            if obj in session.new or (obj in session.dirty and _status_changed(obj)):
                touched.add(obj.id)
        elif isinstance(obj, JournalEntry) and obj.kind == JournalKind.STATUS.value:
            touched.add(obj.item_id)
    return touched


keep_in_step("ended_on", _touched, lambda conn, ids: refresh(conn, ids, timezone()))
