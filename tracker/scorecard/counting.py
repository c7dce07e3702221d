"""The scorecard counted in SQL: the rules of `scoring.bucket` as CASE expressions, the same
statement on SQLite and PostgreSQL. `scoring.bucket` stays the reference: a property test
(tests/test_scorecard_sql.py) checks that these counts equal `scoring.scorecard` over random
items on both databases.

One statement per figure set, whatever the number of items or agencies:
- `count_scorecard`: one grouped query, per lead agency and bucket;
- `count_months`: the province's totals month by month, one query grouped by month;
- `bucket_rows`: the items behind the numbers (the lists, the periodic report).

The date an item ended (`ended_on`, as `service.ended_dates` reads it) is a correlated
subquery evaluated once per ended item, in an inner select the planner keeps apart
(`OFFSET 0`): the CASE expressions outside read it as a plain column.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind
from tracker.scoring import (
    COMPLETED,
    Bucket,
    ReportPeriod,
    Scorecard,
    ScoreRow,
    month_period,
)
from tracker.statuses import Status

_COMPLETED = tuple(sorted(status.value for status in COMPLETED))
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


def ended_on(tz_name: str) -> sa.ColumnElement:
    """Per Item row (correlated): the day its current ending was documented, as
    `service.ended_dates` says: withdrawn, its latest withdrawal; submitted or issued, its
    latest submission, else its latest issue; a change journaled without a document date
    counts on the local day it was recorded. NULL for an open item."""
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


def scored_items(where: sa.ColumnElement[bool], tz_name: str,
                 due_between: tuple[date | None, date | None] = (None, None),
                 *extra: sa.ColumnElement) -> sa.Subquery:
    """The items matching `where` as plain columns (id, lead_agency_id, status, due_date,
    ended_on, *extra), those whose deadline falls outside `due_between` left out (those with
    none kept). `OFFSET 0` keeps the select apart, so `ended_on` is evaluated once a row."""
    first, last = due_between
    if first is not None or last is not None:
        inside = [Item.due_date >= first] if first is not None else []
        inside += [Item.due_date <= last] if last is not None else []
        where = sa.and_(where, sa.or_(sa.and_(*inside), Item.due_date.is_(None)))
    return (sa.select(Item.id, Item.lead_agency_id, Item.status, Item.due_date,
                      ended_on(tz_name).label("ended_on"), *extra)
            .where(where).offset(0).subquery("scored"))


def _day(value: date) -> sa.ColumnElement:
    return sa.literal(value, sa.Date)


def _within(column, period: ReportPeriod) -> sa.ColumnElement[bool]:
    conditions = []
    if period.start is not None:
        conditions.append(column >= _day(period.start))
    if period.end is not None:
        conditions.append(column <= _day(period.end))
    return sa.and_(sa.true(), *conditions)


def bucket_case(items, period: ReportPeriod, as_of) -> sa.ColumnElement:
    """`scoring.bucket` over the columns of `scored_items`: the bucket's name, NULL when the
    item is not in the period. `as_of` is a date or an SQL expression (per month)."""
    status, due, ended = items.c.status, items.c.due_date, items.c.ended_on
    as_of = _day(as_of) if isinstance(as_of, date) else as_of
    withdrawn = status == _WITHDRAWN
    ended_before = (ended < _day(period.start) if period.start is not None else sa.false())
    not_counted = sa.null()
    return sa.case(
        # Withdrawn with a deadline: in the period of its deadline.
        (sa.and_(withdrawn, due.is_not(None)),
         sa.case((_within(due, period), Bucket.WITHDRAWN.value), else_=not_counted)),
        # Withdrawn without one, or no deadline: unless it ended before the period.
        (sa.or_(withdrawn, due.is_(None)),
         sa.case((ended_before, not_counted),
                 (withdrawn, Bucket.WITHDRAWN.value),
                 else_=Bucket.NO_DEADLINE.value)),
        (~_within(due, period), not_counted),
        # Completed at the as-of date: on time or late, and it stays so.
        (sa.and_(status.in_(_COMPLETED), ended <= as_of),
         sa.case((ended <= due, Bucket.ON_TIME.value), else_=Bucket.LATE.value)),
        # Open then (whatever it is now): overdue once the deadline day has passed.
        (as_of > due, Bucket.OVERDUE.value),
        else_=Bucket.OPEN_IN_TIME.value)


def count_scorecard(where: sa.ColumnElement[bool], period: ReportPeriod, as_of: date,
                    tz_name: str) -> Scorecard:
    """`scoring.scorecard` of the items matching `where`: one grouped query."""
    items = scored_items(where, tz_name, (period.start, period.end))
    which = bucket_case(items, period, as_of).label("bucket")
    counted = sa.select(items.c.lead_agency_id, which).subquery("counted")
    rows = db.session.execute(
        sa.select(counted.c.lead_agency_id, Agency.name, counted.c.bucket, sa.func.count())
        .join(Agency, Agency.id == counted.c.lead_agency_id)
        .where(counted.c.bucket.is_not(None))
        .group_by(counted.c.lead_agency_id, Agency.name, counted.c.bucket)).all()
    card = Scorecard(period, as_of)
    by_agency: dict[int, ScoreRow] = {}
    for agency_id, name, name_of_bucket, n in rows:
        row = by_agency.get(agency_id)
        if row is None:
            row = by_agency[agency_id] = ScoreRow(agency_id, name)
        row.add(Bucket(name_of_bucket), n)
        card.totals.add(Bucket(name_of_bucket), n)
    card.rows = sorted(by_agency.values(), key=lambda r: (r.agency.casefold(), r.agency_id))
    return card


def count_months(where: sa.ColumnElement[bool], months: list[tuple[int, int]], today: date,
                 cutoff_day: int, tz_name: str) -> list[tuple[ReportPeriod, ScoreRow]]:
    """`scoring.monthly_totals` in one query grouped by month: each month's items (by their
    deadline in force) seen at the month's end, or `today` while it runs."""
    periods = [month_period(*month, cutoff_day) for month in months]
    totals = [ScoreRow(None, "Tổng cộng") for _month in months]
    if not periods:
        return []
    items = scored_items(sa.and_(where, Item.status != _WITHDRAWN, Item.due_date.is_not(None)),
                         tz_name, (periods[0].start, periods[-1].end))
    due = items.c.due_date
    month = sa.case(*((due <= _day(p.end), index) for index, p in enumerate(periods)))
    as_of = sa.case(*((due <= _day(p.end), _day(min(p.end, today))) for p in periods))
    span = ReportPeriod(periods[0].start, periods[-1].end)
    counted = sa.select(month.label("month"),
                        bucket_case(items, span, as_of).label("bucket")).subquery("counted")
    for index, name_of_bucket, n in db.session.execute(
            sa.select(counted.c.month, counted.c.bucket, sa.func.count())
            .where(counted.c.bucket.is_not(None), counted.c.month.is_not(None))
            .group_by(counted.c.month, counted.c.bucket)):
        totals[index].add(Bucket(name_of_bucket), n)
    return list(zip(periods, totals, strict=True))


def bucket_rows(where: sa.ColumnElement[bool], period: ReportPeriod, as_of: date,
                tz_name: str, which: Bucket | None = None, agency_id: int | None = None,
                *, total: bool = False) -> sa.Select:
    """The items behind one number (`which` None: every item counted; `total`: bar the
    withdrawn), as a select of (id, bucket, ended_on) ordered by deadline, plan, position."""
    items = scored_items(where, tz_name, (period.start, period.end),
                         Item.plan_id, Item.position)
    found = bucket_case(items, period, as_of)
    conditions = [found.is_not(None)]
    if which is not None:
        conditions.append(found == which.value)
    if total:
        conditions.append(found != Bucket.WITHDRAWN.value)
    if agency_id is not None:
        conditions.append(items.c.lead_agency_id == agency_id)
    return (sa.select(items.c.id, found.label("bucket"), items.c.ended_on)
            .where(*conditions)
            .order_by(items.c.due_date.is_(None), items.c.due_date, items.c.plan_id,
                      items.c.position, items.c.id))
