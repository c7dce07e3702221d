"""The scorecard's queries: the scope a user may look at, the live scorecard (counted in SQL:
scorecard/counting.py), and the pages of items behind a number."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker import policy
from tracker.extensions import db
from tracker.models import Agency, Item, Plan
from tracker.paging import PageNumbers
from tracker.plans.service import visible_plans
from tracker.scorecard.counting import count_scorecard
from tracker.scoring import ReportPeriod, Scorecard, range_period


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
