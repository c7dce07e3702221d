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
from tracker.models import Agency, JournalEntry, Plan, Proposal, proposal_leads
from tracker.plans.service import (
    awaiting_answer,
    awaiting_decision,
    coordinated_by,
    decisions_scope,
    due_soon,
    led_by,
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
    """Whose start page: which items its counts cover (`scope`, a condition on Proposal) and
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
    mine = sa.or_(led_by(agency_id), coordinated_by(agency_id))
    if not decides:
        return Desk(DeskKind.OFFICER, mine, None)
    owned = decisions_scope(agency_id, False)
    return Desk(DeskKind.MANAGER, sa.or_(mine, owned), owned)


@dataclass(frozen=True)
class DeskCounts:
    overdue: int = 0
    due_soon: int = 0
    answer: int = 0
    quiet: int = 0


def desk_counts(desk: Desk, today: date, due_soon_until: date | None,
                quiet_since: datetime | None) -> DeskCounts:
    """The counts of the start page, in one query."""
    row = db.session.execute(
        sa.select(sa.func.count().filter(overdue(today)),
                  sa.func.count().filter(due_soon(today, due_soon_until)),
                  sa.func.count().filter(awaiting_answer()),
                  sa.func.count().filter(quiet(quiet_since)) if desk.decides is not None
                  else sa.literal(0))
        .select_from(Proposal).where(desk.scope)
    ).one()
    return DeskCounts(*(n or 0 for n in row))


def short_list(condition: sa.ColumnElement[bool], *order: sa.ColumnElement) -> list[Proposal]:
    """The first SHORT_LIST items matching `condition`, with their plan and lead agency."""
    return list(db.session.scalars(
        sa.select(Proposal).join(Plan, Plan.id == Proposal.plan_id)
        .options(so.joinedload(Proposal.lead_agency), so.contains_eager(Proposal.plan))
        .where(condition).order_by(*order, Proposal.id).limit(SHORT_LIST)))


@dataclass(frozen=True)
class DeskLists:
    overdue: list[Proposal]
    due_soon: list[Proposal]
    answer: list[Proposal]
    decisions: list[Proposal]
    quiet: list[Proposal]


def desk_lists(desk: Desk, today: date, due_soon_until: date | None,
               quiet_since: datetime | None) -> DeskLists:
    """The items behind the counts, the most urgent first: the latest deadlines missed
    first, the nearest deadlines, the oldest requests and the longest quiet."""
    managing = desk.decides is not None
    return DeskLists(
        overdue=short_list(sa.and_(desk.scope, overdue(today)), Proposal.due_date),
        due_soon=(short_list(sa.and_(desk.scope, due_soon(today, due_soon_until)),
                             Proposal.due_date) if due_soon_until else []),
        answer=short_list(sa.and_(desk.scope, awaiting_answer()), Proposal.updated_at),
        decisions=(short_list(sa.and_(desk.decides, awaiting_decision()), Proposal.updated_at)
                   if managing else []),
        quiet=(short_list(sa.and_(desk.scope, quiet(quiet_since)), Proposal.updated_at)
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
    it): items due soon, overdue, with a request waiting for a decision, and in all."""
    rows = db.session.execute(
        sa.select(Agency.id, Agency.name,
                  sa.func.count().filter(due_soon(today, due_soon_until)),
                  sa.func.count().filter(overdue(today)),
                  sa.func.count().filter(awaiting_decision()),
                  sa.func.count())
        .select_from(proposal_leads)
        .join(Proposal, Proposal.id == proposal_leads.c.proposal_id)
        .join(Agency, Agency.id == proposal_leads.c.agency_id)
        .group_by(Agency.id, Agency.name)
        .order_by(Agency.name))
    return [AgencyRow(*(row[:2]), *(n or 0 for n in row[2:])) for row in rows]


def activity_feed(desk: Desk) -> list[JournalEntry]:
    """The latest journal entries of the items in the desk's scope, newest first, with who
    wrote them and their item."""
    return list(db.session.scalars(
        sa.select(JournalEntry).join(Proposal, Proposal.id == JournalEntry.proposal_id)
        .options(so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
                 so.contains_eager(JournalEntry.proposal))
        .where(desk.scope)
        .order_by(JournalEntry.id.desc()).limit(FEED_LENGTH)))
