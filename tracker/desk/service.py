"""The start page's queries: what needs the user now, in his scope.

Three desks, by role (tracker.policy decides who is which): an officer's (the items his
agency leads or coordinates, as on "My items"), a manager's (those plus the items of the
plans his agency owns, whose requests he decides) and the province's (every item, for the
consolidating office and the admins, with a table of the lead agencies). Every count is one
column of one grouped query and every short list one query, whatever the number of items.
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
    awaiting_answer,
    awaiting_decision,
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
    """Whose start page: which items its counts cover (`scope`, a condition on Item) and
    whose requests the user decides (`decides`, None when he decides none)."""

    kind: DeskKind
    scope: sa.ColumnElement[bool]
    decides: sa.ColumnElement[bool] | None


def desk_for(agency_id: int, *, decides: bool, sees_every_plan: bool) -> Desk:
    """The desk of a user of `agency_id`: `decides` for a manager or an admin
    (policy.can_create_plans), `sees_every_plan` for the consolidating office and admins."""
    if sees_every_plan:
        return Desk(DeskKind.PROVINCE, sa.true(),
                    decisions_scope(agency_id, True) if decides else None)
    # The ids in scope as one union (gathered once by the database), not an OR of four
    # lookups that each count would repeat.
    mine = [sa.select(Item.id).where(Item.lead_agency_id == agency_id),
            sa.select(item_leads.c.item_id).where(item_leads.c.agency_id == agency_id),
            sa.select(item_coordinators.c.item_id)
            .where(item_coordinators.c.agency_id == agency_id)]
    if not decides:
        return Desk(DeskKind.OFFICER, Item.id.in_(sa.union(*mine)), None)
    owned = decisions_scope(agency_id, False)
    mine.append(sa.select(Item.id).where(owned))
    return Desk(DeskKind.MANAGER, Item.id.in_(sa.union(*mine)), owned)


@dataclass(frozen=True)
class DeskCounts:
    overdue: int = 0
    due_soon: int = 0
    answer: int = 0
    quiet: int = 0


def desk_counts(desk: Desk, today: date, due_soon_until: date | None,
                quiet_since: datetime | None) -> DeskCounts:
    """The counts of the start page: one query each, so that each takes its own index
    (open items by deadline or by last change) instead of one pass over every item."""
    def count(condition: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Item)
                                 .where(desk.scope, condition)) or 0

    return DeskCounts(
        overdue=count(overdue(today)),
        due_soon=count(due_soon(today, due_soon_until)) if due_soon_until else 0,
        answer=count(awaiting_answer()),
        quiet=count(quiet(quiet_since)) if desk.decides is not None else 0,
    )


def short_list(condition: sa.ColumnElement[bool], *order: sa.ColumnElement) -> list[Item]:
    """The first SHORT_LIST items matching `condition`, with their plan and lead agency.
    The ids are chosen first (sorting narrow rows), then the few items are loaded."""
    ids = list(db.session.scalars(sa.select(Item.id).where(condition)
                                  .order_by(*order, Item.id).limit(SHORT_LIST)))
    if not ids:
        return []
    found = {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids))
        .options(so.joinedload(Item.lead_agency), so.joinedload(Item.plan)))}
    return [found[i] for i in ids]


@dataclass(frozen=True)
class DeskLists:
    overdue: list[Item]
    due_soon: list[Item]
    answer: list[Item]
    decisions: list[Item]
    quiet: list[Item]


def desk_lists(desk: Desk, today: date, due_soon_until: date | None,
               quiet_since: datetime | None) -> DeskLists:
    """The items behind the counts: the deadlines missed most recently (still the easiest
    to catch up), the nearest deadlines, the oldest answers and requests awaited, and the
    items that went quiet last."""
    managing = desk.decides is not None
    return DeskLists(
        overdue=short_list(sa.and_(desk.scope, overdue(today)), Item.due_date.desc()),
        due_soon=(short_list(sa.and_(desk.scope, due_soon(today, due_soon_until)),
                             Item.due_date) if due_soon_until else []),
        answer=short_list(sa.and_(desk.scope, awaiting_answer()), Item.updated_at),
        decisions=(short_list(sa.and_(desk.decides, awaiting_decision()), Item.updated_at)
                   if managing else []),
        quiet=(short_list(sa.and_(desk.scope, quiet(quiet_since)), Item.updated_at.desc())
               if managing else []),
    )


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
    grouped queries: every item counted from the links' index alone, the open ones (the only
    ones that can be late, due soon or waiting) through the status indexes."""
    totals = dict(db.session.execute(
        sa.select(item_leads.c.agency_id, sa.func.count())
        .group_by(item_leads.c.agency_id)).all())
    # Grouped by an expression, not the column: SQLite would otherwise walk every link in
    # its agency index order and look each item up; from the open items it is 10× faster.
    agency = (item_leads.c.agency_id + 0).label("agency")
    flags = {row[0]: row[1:] for row in db.session.execute(
        sa.select(agency,
                  sa.func.count().filter(due_soon(today, due_soon_until)),
                  sa.func.count().filter(overdue(today)),
                  sa.func.count().filter(awaiting_decision()))
        .join(Item, Item.id == item_leads.c.item_id)
        .where(is_open())
        .group_by(agency))}
    names = db.session.execute(sa.select(Agency.id, Agency.name)
                               .where(Agency.id.in_(list(totals))).order_by(Agency.name))
    return [AgencyRow(agency_id, name, *(n or 0 for n in flags.get(agency_id, (0, 0, 0))),
                      totals[agency_id]) for agency_id, name in names]


def activity_feed(desk: Desk) -> list[JournalEntry]:
    """The latest journal entries of the items in the desk's scope, newest first, with who
    wrote them and their item."""
    return list(db.session.scalars(
        sa.select(JournalEntry).join(Item, Item.id == JournalEntry.item_id)
        .options(so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
                 so.contains_eager(JournalEntry.item))
        .where(desk.scope)
        .order_by(JournalEntry.id.desc()).limit(FEED_LENGTH)))
