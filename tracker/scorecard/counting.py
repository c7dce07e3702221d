"""The scorecard counted in SQL: the rules of `scoring.bucket` as CASE expressions, the same
statement on SQLite and PostgreSQL. `scoring.bucket` stays the reference: a property test
(tests/test_scorecard_sql.py) checks that these counts equal `scoring.scorecard` over random
items on both databases.

One statement per figure set, over the `item` table alone (its status, deadline, lead agency
and `ended_on`, the day its ending was documented, which scorecard/ended.py keeps in step
with the journal; the index ix_item_scorecard holds them), whatever the number of items:
- `count_scorecard`: one grouped query, per lead agency and bucket;
- `count_months`: the province's totals month by month, one query grouped by month;
- `bucket_rows`: the items behind the numbers (the lists, the periodic report).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency, Item
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
_WITHDRAWN = Status.WITHDRAWN.value


def due_between(first: date | None, last: date | None) -> sa.ColumnElement[bool]:
    """The items whose deadline falls in first..last, and those with none."""
    inside = [Item.due_date >= first] if first is not None else []
    inside += [Item.due_date <= last] if last is not None else []
    if not inside:
        return sa.true()
    return sa.or_(sa.and_(*inside), Item.due_date.is_(None))


def _day(value: date) -> sa.ColumnElement:
    return sa.literal(value, sa.Date)


def _within(column, period: ReportPeriod) -> sa.ColumnElement[bool]:
    conditions = []
    if period.start is not None:
        conditions.append(column >= _day(period.start))
    if period.end is not None:
        conditions.append(column <= _day(period.end))
    return sa.and_(sa.true(), *conditions)


def bucket_case(period: ReportPeriod, as_of) -> sa.ColumnElement:
    """`scoring.bucket` over Item's columns: the bucket's name, NULL when the item is not in
    the period. `as_of` is a date or an SQL expression (per month)."""
    status, due, ended = Item.status, Item.due_date, Item.ended_on
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


def count_scorecard(where: sa.ColumnElement[bool], period: ReportPeriod,
                    as_of: date) -> Scorecard:
    """`scoring.scorecard` of the items matching `where`: one query grouped by lead agency
    and bucket, over `item` (the agencies' names joined to the groups)."""
    which = bucket_case(period, as_of)
    counted = (sa.select(Item.lead_agency_id.label("agency_id"), which.label("bucket"),
                         sa.func.count().label("n"))
               .where(where, due_between(period.start, period.end))
               .group_by(Item.lead_agency_id, which)
               .subquery("counted"))
    rows = db.session.execute(
        sa.select(counted.c.agency_id, Agency.name, counted.c.bucket, counted.c.n)
        .join(Agency, Agency.id == counted.c.agency_id)
        .where(counted.c.bucket.is_not(None))).all()
    return scorecard_of(period, as_of, rows)


def scorecard_of(period: ReportPeriod, as_of: date,
                 groups: Iterable[tuple[int, str, str, int]]) -> Scorecard:
    """The scorecard of (agency id, agency name, bucket, number of items) groups."""
    card = Scorecard(period, as_of)
    by_agency: dict[int, ScoreRow] = {}
    for agency_id, name, name_of_bucket, n in groups:
        row = by_agency.get(agency_id)
        if row is None:
            row = by_agency[agency_id] = ScoreRow(agency_id, name)
        row.add(Bucket(name_of_bucket), n)
        card.totals.add(Bucket(name_of_bucket), n)
    card.rows = sorted(by_agency.values(), key=lambda r: (r.agency.casefold(), r.agency_id))
    return card


def count_months(where: sa.ColumnElement[bool], months: list[tuple[int, int]], today: date,
                 cutoff_day: int) -> list[tuple[ReportPeriod, ScoreRow]]:
    """`scoring.monthly_totals` in one query grouped by month and bucket: each month's items
    (by their deadline in force) seen at the month's end, or `today` while it runs."""
    periods = [month_period(*month, cutoff_day) for month in months]
    totals = [ScoreRow(None, "Tổng cộng") for _month in months]
    if not periods:
        return []
    due = Item.due_date
    month = sa.case(*((due <= _day(p.end), index) for index, p in enumerate(periods)))
    as_of = sa.case(*((due <= _day(p.end), _day(min(p.end, today))) for p in periods))
    span = ReportPeriod(periods[0].start, periods[-1].end)
    which = bucket_case(span, as_of)
    for index, name_of_bucket, n in db.session.execute(
            sa.select(month, which, sa.func.count())
            .where(where, Item.status != _WITHDRAWN, due >= _day(span.start),
                   due <= _day(span.end))
            .group_by(month, which)):
        if index is not None and name_of_bucket is not None:
            totals[index].add(Bucket(name_of_bucket), n)
    return list(zip(periods, totals, strict=True))


def bucket_rows(where: sa.ColumnElement[bool], period: ReportPeriod, as_of: date,
                which: Bucket | None = None, agency_id: int | None = None,
                *, total: bool = False) -> sa.Select:
    """The items behind one number (`which` None: every item counted; `total`: bar the
    withdrawn), as a select of (id, bucket, ended_on) ordered by deadline, plan, position."""
    found = bucket_case(period, as_of)
    conditions = [where, due_between(period.start, period.end), found.is_not(None)]
    if which is not None:
        conditions.append(found == which.value)
    if total:
        conditions.append(found != Bucket.WITHDRAWN.value)
    if agency_id is not None:
        conditions.append(Item.lead_agency_id == agency_id)
    return (sa.select(Item.id, found.label("bucket"), Item.ended_on)
            .where(*conditions)
            .order_by(Item.due_date.is_(None), Item.due_date, Item.plan_id,
                      Item.position, Item.id))
