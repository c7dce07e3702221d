"""The scorecard's queries: the scope a user may look at, the live scorecard (counted in SQL:
scorecard/counting.py), and the items of a scope as plain values for the rules of
tracker/scoring.py (two queries, whatever the number of items: the snapshots and the tests'
reference)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker import policy
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind, Plan
from tracker.paging import PageNumbers
from tracker.plans.service import visible_plans
from tracker.scorecard.counting import count_scorecard
from tracker.scoring import ReportPeriod, Scorecard, ScoreItem, range_period
from tracker.statuses import Status

_ENDING = (Status.SUBMITTED.value, Status.APPROVED.value, Status.WITHDRAWN.value)


@dataclass(frozen=True)
class Scope:
    """Which items a scorecard counts: a condition on Item, and what it is called."""

    where: sa.ColumnElement[bool]
    label: str
    plan_id: int | None = None
    owner_id: int | None = None

    @property
    def whole_province(self) -> bool:
        return self.plan_id is None and self.owner_id is None


def scope_choices(agency_id: int | None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The plans and the owner agencies of what `agency_id` may see (everything, for None)."""
    visible = visible_plans(agency_id)
    plan_ids = sa.select(Item.plan_id).where(visible)
    plans = [tuple(row) for row in db.session.execute(
        sa.select(Plan.id, Plan.title).where(Plan.id.in_(plan_ids)).order_by(Plan.id))]
    owners = [tuple(row) for row in db.session.execute(
        sa.select(Agency.id, Agency.name)
        .where(Agency.id.in_(sa.select(Plan.owner_agency_id).where(Plan.id.in_(plan_ids))))
        .order_by(Agency.name))]
    return plans, owners


def make_scope(agency_id: int | None, *, plan_id: int | None = None,
               owner_id: int | None = None, plans=(), owners=()) -> Scope:
    """The items `agency_id` sees (all, for None), cut to one plan or one owner's plans when
    those are among the choices offered (anything else is ignored)."""
    where = visible_plans(agency_id)
    if plan_id is not None and plan_id in dict(plans):
        return Scope(sa.and_(where, Item.plan_id == plan_id), dict(plans)[plan_id],
                     plan_id=plan_id)
    if owner_id is not None and owner_id in dict(owners):
        owned = sa.select(Plan.id).where(Plan.owner_agency_id == owner_id)
        return Scope(sa.and_(where, Item.plan_id.in_(owned)), dict(owners)[owner_id],
                     owner_id=owner_id)
    return Scope(where, "")


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


@dataclass
class ListPage(PageNumbers):
    """One page of the items behind a number, shaped as the pager macro reads it."""

    items: list[int]
    page: int
    pages: int
    total: int


def _page_of(total: int, page: int, per_page: int) -> tuple[int, int]:
    return max((total + per_page - 1) // per_page, 1), (page - 1) * per_page


def live_page(query: sa.Select, page: int, per_page: int) -> tuple[ListPage, dict]:
    """One page of `counting.bucket_rows` (two queries: the count, the page's rows); with
    the day each of its items ended."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery()))
    pages, skip = _page_of(total, page, per_page)
    rows = db.session.execute(query.limit(per_page).offset(skip)).all()
    return (ListPage([row.id for row in rows], page, pages, total),
            {row.id: row.ended_on for row in rows})


def frozen_page(ids: list[int], page: int, per_page: int) -> tuple[ListPage, dict]:
    """One page of the items a snapshot keeps behind a number (those deleted since left
    out), with the day each ended."""
    wanted = set(ids)
    existing = sorted(wanted & set(db.session.scalars(sa.select(Item.id).where(
        Item.id.in_(wanted) if len(wanted) <= 500
        else Item.id.between(min(wanted), max(wanted)))))) if wanted else []
    pages, skip = _page_of(len(existing), page, per_page)
    chosen = existing[skip:skip + per_page]
    ended = dict(db.session.execute(sa.select(Item.id, Item.ended_on)
                                    .where(Item.id.in_(chosen))).all()) if chosen else {}
    return ListPage(chosen, page, pages, len(existing)), ended


def agency_name(agency_id: int) -> str | None:
    return db.session.scalar(sa.select(Agency.name).where(Agency.id == agency_id))


def items_behind(ids: list[int]) -> list[Item]:
    """The items behind a number, with their plan and lead agency (one query)."""
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids))
        .options(so.joinedload(Item.lead_agency), so.joinedload(Item.plan))
        .order_by(Item.due_date.is_(None), Item.due_date, Item.plan_id,
                  Item.position)))


def live_scorecard(user, start: date | None, end: date | None, as_of: date,
                   plan_id: int | None, *, owner_id: int | None = None,
                   period: ReportPeriod | None = None,
                   choices: tuple[list, list] | None = None) -> Scorecard | None:
    """The scorecard of the days `start`..`end` at `as_of`, over what `user` sees (one plan
    of it, one owner's plans, or all), counted in SQL (one grouped query); None when
    `plan_id` is not among the plans he sees. `period` names the days (else "Từ … đến …");
    `choices`: the plans and owners he sees, when the caller has them already."""
    agency_id = None if policy.sees_every_plan(user) else user.agency_id
    plans, owners = choices if choices is not None else scope_choices(agency_id)
    if plan_id is not None and plan_id not in dict(plans):
        return None
    scope = make_scope(agency_id, plan_id=plan_id, owner_id=owner_id, plans=plans,
                       owners=owners)
    return count_scorecard(scope.where, period or range_period(start, end), as_of)
