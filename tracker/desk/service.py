"""The start page's queries: what needs the user now, in his scope.

Three desks, by role (tracker.policy decides who is which): an officer's (the items his
agency leads or coordinates, as on "My items"), a manager's (those plus the items of the
plans his agency owns, whose requests he decides) and the province's (every item, for the
consolidating office and the admins, with a table of the lead agencies). Province-wide the
counts are one query and the short lists' ids one more, each read from the indexes; a
department's counts and lists come from one pass over its few open items; the agency table
is three grouped queries; then the few items shown are loaded in one. Whatever the number
of items (tests/test_desk_counts.py holds every number to the rules of tracker.statuses).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import (
    Agency,
    Item,
    JournalEntry,
    item_coordinators,
    item_leads,
    plan_agencies,
)
from tracker.plans.service import (
    OPEN,
    awaiting_answer,
    decisions_scope,
    due_soon,
    is_open,
    overdue,
    quiet,
)

# How many items each short list of the start page shows (its count links to them all).
SHORT_LIST = 8
FEED_LENGTH = 15


class DeskKind(StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"
    PROVINCE = "province"


@dataclass(frozen=True)
class Desk:
    """Whose start page: which items its counts cover (`ids`, the ids of a department's
    items; None province-wide) and whose requests the user decides (`decides`, a condition
    on Item; None when he decides none)."""

    kind: DeskKind
    decides: sa.ColumnElement[bool] | None
    ids: sa.CTE | None = None

    def of(self, select: sa.Select) -> sa.Select:
        """`select` (from Item) narrowed to the desk's items. A department's items are
        gathered once per query, as a common table expression its branches share, not once
        per condition; the province's are every item."""
        if self.ids is None:
            return select
        if db.session.get_bind().dialect.name == "postgresql":
            # The few thousand ids as an array looked up by primary key: joined to them,
            # PostgreSQL read every open item of the province (30,000 at 100,000 items) to
            # hash them, twice the time.
            return select.where(Item.id == sa.any_(sa.func.array(
                sa.select(self.ids.c.id).scalar_subquery())))
        return select.join(self.ids, self.ids.c.id == Item.id)


def desk_for(agency_id: int, *, decides: bool, sees_every_plan: bool) -> Desk:
    """The desk of a user of `agency_id`: `decides` for a manager or an admin
    (policy.can_create_plans), `sees_every_plan` for the consolidating office and admins."""
    if sees_every_plan:
        return Desk(DeskKind.PROVINCE, decisions_scope(agency_id, True) if decides else None)
    # The ids in scope as one union, gathered once per query (a CTE), not an OR of four
    # lookups that each condition would repeat.
    mine = [sa.select(Item.id).where(Item.lead_agency_id == agency_id),
            sa.select(item_leads.c.item_id).where(item_leads.c.agency_id == agency_id),
            sa.select(item_coordinators.c.item_id)
            .where(item_coordinators.c.agency_id == agency_id)]
    if not decides:
        return Desk(DeskKind.OFFICER, None, sa.union(*mine).cte("desk_scope"))
    owned = decisions_scope(agency_id, False)
    mine.append(sa.select(Item.id).where(owned))
    return Desk(DeskKind.MANAGER, owned, sa.union(*mine).cte("desk_scope"))


@dataclass(frozen=True)
class DeskCounts:
    overdue: int = 0
    due_soon: int = 0
    answer: int = 0
    quiet: int = 0


def desk_summary(desk: Desk, today: date, due_soon_until: date | None,
                 quiet_since: datetime | None) -> tuple[DeskCounts, DeskLists]:
    """The counts of the start page and the items behind them. Province-wide, counts and
    lists each come from the indexes (every open item is too many to read); a department's
    few open items are read once, with every flag, and counted and sorted here."""
    if desk.ids is None:
        return (_province_counts(desk, today, due_soon_until, quiet_since),
                _province_lists(desk, today, due_soon_until, quiet_since))
    return _department_summary(desk, today, due_soon_until, quiet_since)


def _province_counts(desk: Desk, today: date, due_soon_until: date | None,
                     quiet_since: datetime | None) -> DeskCounts:
    """Province-wide, each count is its own subquery, served by its own index (open items
    by deadline or by last change, the few returned or refused); one query in all."""
    conditions = [overdue(today),
                  due_soon(today, due_soon_until) if due_soon_until else sa.false(),
                  awaiting_answer(),
                  quiet(quiet_since) if desk.decides is not None and quiet_since
                  else sa.false()]
    counts = [sa.select(sa.func.count()).select_from(Item).where(condition)
              .scalar_subquery() for condition in conditions]
    row = db.session.execute(sa.select(*counts)).one()
    return DeskCounts(*(n or 0 for n in row))


def load_items(ids: list[int]) -> dict[int, Item]:
    """The items of `ids`, with their plan and lead agency (one query)."""
    if not ids:
        return {}
    return {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids))
        .options(so.joinedload(Item.lead_agency), so.joinedload(Item.plan)))}


def short_list(condition: sa.ColumnElement[bool], *order: sa.ColumnElement) -> list[Item]:
    """The first SHORT_LIST items matching `condition`, with their plan and lead agency.
    The ids are chosen first (sorting narrow rows), then the few items are loaded."""
    ids = list(db.session.scalars(sa.select(Item.id).where(condition)
                                  .order_by(*order, Item.id).limit(SHORT_LIST)))
    found = load_items(ids)
    return [found[i] for i in ids]


@dataclass(frozen=True)
class DeskLists:
    overdue: list[Item]
    due_soon: list[Item]
    answer: list[Item]
    decisions: list[Item]
    quiet: list[Item]


@dataclass(frozen=True)
class _ShortList:
    """One list of the province's start page: its items' condition and order (the key
    re-sorts the rows its branches return: (id, due_date, updated_at))."""

    name: str
    condition: sa.ColumnElement[bool]
    order: tuple[sa.ColumnElement, ...]
    key: object
    # One branch per open status, each read in the order of the index (status, deadline)
    # or (status, last change) for its first rows only.
    per_status: bool = True


# The lists' orders, to merge their branches' rows (id, due_date, updated_at) in Python.
def by_deadline(row) -> tuple:
    return row.due_date, row.id


def latest_deadline(row) -> tuple:
    return -row.due_date.toordinal(), row.id


def oldest(row) -> tuple:
    return row.updated_at, row.id


def latest_change(row) -> tuple:
    return -row.updated_at.timestamp(), row.id


def _branches(wanted: _ShortList) -> list[sa.Select]:
    parts = ([sa.and_(wanted.condition, Item.status == status) for status in OPEN]
             if wanted.per_status else [wanted.condition])
    return [sa.select(Item.id, Item.due_date, Item.updated_at,
                      sa.literal(wanted.name).label("list"))
            .where(part).order_by(*wanted.order, Item.id).limit(SHORT_LIST)
            for part in parts]


def _province_lists(desk: Desk, today: date, due_soon_until: date | None,
                    quiet_since: datetime | None) -> DeskLists:
    """The items behind the counts: the deadlines missed most recently (still the easiest
    to catch up), the nearest deadlines, the oldest answers and requests awaited, and the
    items that went quiet last. The ids of every list in one query (a UNION ALL of each
    list's first rows), then the items in another."""
    managing = desk.decides is not None
    wanted = [_ShortList("overdue", overdue(today), (Item.due_date.desc(),), latest_deadline)]
    if due_soon_until:
        wanted.append(_ShortList("due_soon", due_soon(today, due_soon_until),
                                 (Item.due_date,), by_deadline))
    wanted.append(_ShortList("answer", awaiting_answer(), (Item.updated_at,), oldest,
                             per_status=False))
    if managing:
        # The two kinds of request, each through its own index.
        for name, waiting in (("decisions", Item.requested_due_period.is_not(None)),
                              ("decisions", Item.withdrawal_requested.is_(True))):
            wanted.append(_ShortList(name, sa.and_(desk.decides, waiting),
                                     (Item.updated_at,), oldest, per_status=False))
        if quiet_since:
            wanted.append(_ShortList(
                "quiet", quiet(quiet_since), (Item.updated_at.desc(),),
                latest_change))
    keys = {each.name: each.key for each in wanted}
    branches = [branch.subquery() for each in wanted for branch in _branches(each)]
    rows = db.session.execute(sa.union_all(*(sa.select(branch) for branch in branches))).all()
    chosen: dict[str, list[int]] = {name: [] for name in keys}
    for row in sorted(rows, key=lambda row: (row.list, keys[row.list](row))):
        if row.id not in chosen[row.list] and len(chosen[row.list]) < SHORT_LIST:
            chosen[row.list].append(row.id)
    found = load_items([i for ids in chosen.values() for i in ids])
    lists = {name: [found[i] for i in ids] for name, ids in chosen.items()}
    return DeskLists(**{name: lists.get(name, []) for name in
                        ("overdue", "due_soon", "answer", "decisions", "quiet")})


# The short lists of a department's desk: name, order of its rows (id, due_date, updated_at).
_DEPARTMENT_ORDER = {"overdue": latest_deadline, "due_soon": by_deadline, "answer": oldest,
                     "decisions": oldest, "quiet": latest_change}


def _department_summary(desk: Desk, today: date, due_soon_until: date | None,
                        quiet_since: datetime | None) -> tuple[DeskCounts, DeskLists]:
    """A department's counts and lists from one pass over its items that can carry a flag
    (the open ones and those with a request), each row with the flags of plans.service
    evaluated in SQL; then one query for the few items the lists show. The department's
    scope is gathered once, where a query per count and per list would gather it again."""
    managing = desk.decides is not None
    flags = {
        "overdue": overdue(today),
        "due_soon": due_soon(today, due_soon_until) if due_soon_until else sa.false(),
        "answer": awaiting_answer(),
        "decisions": sa.and_(desk.decides, sa.or_(Item.requested_due_period.is_not(None),
                                                  Item.withdrawal_requested.is_(True)))
        if managing else sa.false(),
        "quiet": quiet(quiet_since) if managing and quiet_since else sa.false(),
    }
    rows = db.session.execute(desk.of(
        sa.select(Item.id, Item.due_date, Item.updated_at,
                  *(sa.case((flag, 1), else_=0).label(name) for name, flag in flags.items()))
        .where(sa.or_(is_open(), Item.requested_due_period.is_not(None),
                      Item.withdrawal_requested.is_(True))))).all()
    flagged = {name: [row for row in rows if getattr(row, name)] for name in flags}
    chosen = {name: [row.id for row in sorted(found, key=_DEPARTMENT_ORDER[name])[:SHORT_LIST]]
              for name, found in flagged.items()}
    items = load_items([i for ids in chosen.values() for i in ids])
    counts = DeskCounts(overdue=len(flagged["overdue"]), due_soon=len(flagged["due_soon"]),
                        answer=len(flagged["answer"]), quiet=len(flagged["quiet"]))
    return counts, DeskLists(**{name: [items[i] for i in ids] for name, ids in chosen.items()})


@dataclass(frozen=True)
class AgencyRow:
    agency_id: int
    name: str
    due_soon: int
    overdue: int
    waiting: int
    total: int


def agency_table(today: date, due_soon_until: date | None) -> list[AgencyRow]:
    """Per lead agency (each agency an item names as lead, as the lists' lead filter counts
    it): items due soon, overdue, with a request waiting for a decision, and in all. Three
    grouped queries, each reading only what its number needs: every item counted from the
    count of its lead links that `plan_agency` keeps per plan (a row per agency and plan,
    not per link); the deadlines from the open items up to the end of the due-soon window
    (the (status, deadline) index); the requests from their own indexes. Never a pass over
    every open item."""
    leads = sa.func.sum(plan_agencies.c.leads)
    totals = dict(db.session.execute(
        sa.select(plan_agencies.c.agency_id, leads)
        .group_by(plan_agencies.c.agency_id).having(leads > 0)).all())
    last_day = max(today, due_soon_until) if due_soon_until else today
    soon = due_soon(today, due_soon_until) if due_soon_until else sa.false()
    deadlines = {agency_id: (n_soon, n_late) for agency_id, n_soon, n_late in db.session.execute(
        sa.select(item_leads.c.agency_id, sa.func.count().filter(soon),
                  sa.func.count().filter(overdue(today)))
        .join(Item, Item.id == item_leads.c.item_id)
        .where(is_open(), Item.due_date.is_not(None), Item.due_date <= last_day)
        .group_by(item_leads.c.agency_id))}
    # The rule of plans.service.awaiting_decision, from the two requests' indexes.
    waiting_ids = sa.union(sa.select(Item.id).where(Item.requested_due_period.is_not(None)),
                           sa.select(Item.id).where(Item.withdrawal_requested.is_(True))
                           ).subquery()
    waiting = dict(db.session.execute(
        sa.select(item_leads.c.agency_id, sa.func.count())
        .join(waiting_ids, waiting_ids.c.id == item_leads.c.item_id)
        .group_by(item_leads.c.agency_id)).all())
    names = db.session.execute(sa.select(Agency.id, Agency.name)
                               .where(Agency.id.in_(list(totals))).order_by(Agency.name))
    return [AgencyRow(agency_id, name, *deadlines.get(agency_id, (0, 0)),
                      waiting.get(agency_id, 0), totals[agency_id])
            for agency_id, name in names]


def activity_feed(desk: Desk) -> list[JournalEntry]:
    """The latest journal entries of the items in the desk's scope, newest first, with who
    wrote them and their item. A department's latest entry ids are chosen first from the
    journal's (item, id) index alone, then the few entries are read: joining its items'
    whole journals to sort them would read every entry."""
    query = sa.select(JournalEntry).join(Item, Item.id == JournalEntry.item_id)
    if desk.ids is not None:
        latest = (sa.select(JournalEntry.id)
                  .where(JournalEntry.item_id.in_(sa.select(desk.ids.c.id)))
                  .order_by(JournalEntry.id.desc()).limit(FEED_LENGTH))
        query = query.where(JournalEntry.id.in_(latest.scalar_subquery()))
    return list(db.session.scalars(
        query.options(so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
                      so.contains_eager(JournalEntry.item))
        .order_by(JournalEntry.id.desc()).limit(FEED_LENGTH)))
