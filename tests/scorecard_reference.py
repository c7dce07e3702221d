"""The scorecard's reference, for the tests: the items of a scope read as plain values for
the rules of tracker/scoring.py, their ending dated from the journal. The application counts
in SQL (tracker/scorecard/counting.py, over `item.ended_on`, which scorecard/ended.py keeps in
step); the tests check that it equals these rules over the items read here."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind
from tracker.scoring import ScoreItem
from tracker.statuses import Status

_ENDING = (Status.SUBMITTED.value, Status.APPROVED.value, Status.WITHDRAWN.value)


def load_items(where: sa.ColumnElement[bool], tz_name: str,
               due_between: tuple[date | None, date | None] | None = None) -> list[ScoreItem]:
    """The items matching `where` as the scorecard takes them: two queries (the items with
    their lead agency; the dates of the documents that ended them). `due_between` leaves out,
    in SQL, the items whose deadline falls outside it (those with none are kept): a period's
    items are among them, whatever the rule then decides."""
    if due_between is not None and due_between != (None, None):
        first, last = due_between
        # One range on a coalesced column, not "IS NULL OR BETWEEN": SQLite answers an OR
        # with two index searches and a row lookup each, five times slower than a scan.
        inside = first or last
        due = sa.func.coalesce(Item.due_date, inside)
        if first is not None:
            where = sa.and_(where, due >= first)
        if last is not None:
            where = sa.and_(where, due <= last)
    connection = db.session.connection()
    rows = connection.execute(
        sa.select(Item.id, Item.lead_agency_id, Item.status, Item.due_date)
        .where(where)
    ).all()
    names = dict(connection.execute(sa.select(Agency.id, Agency.name)).all())
    ended = ended_dates(where, tz_name)
    get = ended.get
    # The original deadline is not needed to count (the lists behind the numbers read it).
    return [ScoreItem(item_id, lead_id, names[lead_id], status, due, None, get(item_id))
            for item_id, lead_id, status, due in rows]


def ended_dates(where: sa.ColumnElement[bool], tz_name: str) -> dict[int, date]:
    """Per item matching `where` (a condition on Item), the date its current ending was
    documented: the Tờ trình of its latest
    submission (the Quyết định's date when it was never submitted), or its withdrawal. A
    change journaled without a document date counts on the day it was recorded."""
    tz = ZoneInfo(tz_name)
    recorded = sa.case((JournalEntry.document_date.is_(None), JournalEntry.created_at),
                       else_=sa.null())
    entries = db.session.connection().execute(
        sa.select(JournalEntry.item_id, JournalEntry.new_status, JournalEntry.document_date,
                  recorded, Item.status)
        .join(Item, Item.id == JournalEntry.item_id)
        .where(where,
               JournalEntry.kind == JournalKind.STATUS.value,
               JournalEntry.new_status.in_(_ENDING),
               Item.status.in_(_ENDING))
        .order_by(JournalEntry.id)
    )
    # The latest entry of each (item, status) wins; the status the item has now decides
    # which of them dates its ending.
    submitted, approved, withdrawn = {}, {}, {}
    statuses: dict[int, str] = {}
    by_status = {Status.SUBMITTED.value: submitted, Status.APPROVED.value: approved,
                 Status.WITHDRAWN.value: withdrawn}
    for item_id, new_status, document_date, created_at, status in entries:
        if document_date is None and created_at is not None:
            if isinstance(created_at, str):   # SQLite may hand back the text of a CASE
                created_at = datetime.fromisoformat(created_at)
            if created_at.tzinfo is None:
                created_at = created_at.replace(tzinfo=UTC)
            document_date = created_at.astimezone(tz).date()
        by_status[new_status][item_id] = document_date
        statuses[item_id] = status
    dates = {}
    for item_id, status in statuses.items():
        day = (withdrawn.get(item_id) if status == Status.WITHDRAWN
               else submitted.get(item_id) or approved.get(item_id))
        if day is not None:
            dates[item_id] = day
    return dates
