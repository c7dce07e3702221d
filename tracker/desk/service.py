"""The start page's queries: what needs the user now, in his scope.

Three desks, by role (tracker.policy decides who is which): an officer's (the items his
agency leads or coordinates, as on "My items"), a manager's (those plus the items of the
plans his agency owns, whose requests he decides) and the province's (every item, for the
consolidating office and the admins, with a table of the lead agencies). The counts are
one query, the short lists' ids one more, the agency table two, whatever the number of
items; each reads the few rows its indexes lead to (tests/test_desk_counts.py holds them to
the rules of tracker.statuses).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, item_coordinators, item_leads
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


def desk_counts(desk: Desk, today: date, due_soon_until: date | None,
                quiet_since: datetime | None) -> DeskCounts:
    """The counts of the start page, in one query. Province-wide each count is its own
    subquery, served by its own index (open items by deadline or by last change, the few
    returned or refused); a department's are counted in one pass over its open items."""
    conditions = [overdue(today),
                  due_soon(today, due_soon_until) if due_soon_until else sa.false(),
                  awaiting_answer(),
                  quiet(quiet_since) if desk.decides is not None and quiet_since
                  else sa.false()]
    if desk.ids is None:
        counts = [sa.select(sa.func.count()).select_from(Item).where(condition)
                  .scalar_subquery() for condition in conditions]
        row = db.session.execute(sa.select(*counts)).one()
    else:
        row = db.session.execute(desk.of(
            sa.select(*(sa.func.count().filter(condition) for condition in conditions))
            .select_from(Item).where(is_open()))).one()
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
    """One list of the start page: its items' condition and order (the key re-sorts the
    rows its branches return: (id, due_date, updated_at))."""

    name: str
    condition: sa.ColumnElement[bool]
    order: tuple[sa.ColumnElement, ...]
    key: object
    # Province-wide, one branch per open status, each read in the order of the index
    # (status, deadline) or (status, last change) for its first rows only.
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


def _branches(desk: Desk, wanted: _ShortList) -> list[sa.Select]:
    if desk.ids is None and wanted.per_status:
        parts = [sa.and_(wanted.condition, Item.status == status) for status in OPEN]
    else:
        parts = [wanted.condition]
    return [desk.of(sa.select(Item.id, Item.due_date, Item.updated_at,
                              sa.literal(wanted.name).label("list"))
                    .where(part).order_by(*wanted.order, Item.id).limit(SHORT_LIST))
            for part in parts]


def desk_lists(desk: Desk, today: date, due_soon_until: date | None,
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
    branches = [branch.subquery() for each in wanted for branch in _branches(desk, each)]
    rows = db.session.execute(sa.union_all(*(sa.select(branch) for branch in branches))).all()
    chosen: dict[str, list[int]] = {name: [] for name in keys}
    for row in sorted(rows, key=lambda row: (row.list, keys[row.list](row))):
        if row.id not in chosen[row.list] and len(chosen[row.list]) < SHORT_LIST:
            chosen[row.list].append(row.id)
    found = load_items([i for ids in chosen.values() for i in ids])
    lists = {name: [found[i] for i in ids] for name, ids in chosen.items()}
    return DeskLists(**{name: lists.get(name, []) for name in
                        ("overdue", "due_soon", "answer", "decisions", "quiet")})


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
    it): items due soon, overdue, with a request waiting for a decision, and in all. Two
    grouped queries: every item counted from the links' index alone; the flags from the few
    items that can carry one (open with a deadline up to the end of the due-soon window,
    through the (status, deadline) index, and those with a request, through theirs), never
    a pass over every open item."""
    totals = dict(db.session.execute(
        sa.select(item_leads.c.agency_id, sa.func.count())
        .group_by(item_leads.c.agency_id)).all())
    last_day = max(today, due_soon_until) if due_soon_until else today
    columns = (Item.id, Item.status, Item.due_date, Item.requested_due_period,
               Item.withdrawal_requested)
    candidates = sa.union(
        sa.select(*columns).where(is_open(), Item.due_date.is_not(None),
                                  Item.due_date <= last_day),
        sa.select(*columns).where(Item.requested_due_period.is_not(None)),
        sa.select(*columns).where(Item.withdrawal_requested.is_(True))).subquery()
    # The rules of plans.service (overdue, due_soon, awaiting_decision) on these columns.
    open_ = candidates.c.status.in_(OPEN)
    soon = (sa.and_(open_, candidates.c.due_date.between(today, due_soon_until))
            if due_soon_until else sa.false())
    late = sa.and_(open_, candidates.c.due_date < today)
    waiting = sa.or_(candidates.c.requested_due_period.is_not(None),
                     candidates.c.withdrawal_requested.is_(True))
    flags = {row[0]: row[1:] for row in db.session.execute(
        sa.select(item_leads.c.agency_id, sa.func.count().filter(soon),
                  sa.func.count().filter(late), sa.func.count().filter(waiting))
        .join(item_leads, item_leads.c.item_id == candidates.c.id)
        .group_by(item_leads.c.agency_id))}
    names = db.session.execute(sa.select(Agency.id, Agency.name)
                               .where(Agency.id.in_(list(totals))).order_by(Agency.name))
    return [AgencyRow(agency_id, name, *(n or 0 for n in flags.get(agency_id, (0, 0, 0))),
                      totals[agency_id]) for agency_id, name in names]


def activity_feed(desk: Desk) -> list[JournalEntry]:
    """The latest journal entries of the items in the desk's scope, newest first, with who
    wrote them and their item."""
    return list(db.session.scalars(desk.of(
        sa.select(JournalEntry).join(Item, Item.id == JournalEntry.item_id)
        .options(so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
                 so.contains_eager(JournalEntry.item)))
        .order_by(JournalEntry.id.desc()).limit(FEED_LENGTH)))
