"""The scorecard counted in SQL (tracker/scorecard/counting.py) against the reference rules
of tracker/scoring.py, over random items and journals, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scorecard_fixture import AS_OF, EXPECTED, EXPECTED_TOTAL, PERIOD, load_into_database
from scorecard_reference import load_items

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, Plan
from tracker.scorecard.counting import bucket_rows, count_months, count_scorecard
from tracker.scoring import (
    COUNT_FIELDS,
    Bucket,
    ReportPeriod,
    items_in,
    monthly_totals,
    scorecard,
)
from tracker.statuses import Status

TZ = "Asia/Ho_Chi_Minh"
DAY0 = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=90).map(lambda n: DAY0 + timedelta(days=n))
entries = st.lists(st.tuples(
    st.sampled_from(["submitted", "approved", "withdrawn", "postponed", "returned"]),
    st.one_of(st.none(), days),
    # Recorded at an hour of a day, UTC: late evening is the next day in Hà Nội.
    st.integers(min_value=0, max_value=90 * 24)), max_size=3)
items = st.lists(st.tuples(
    st.integers(min_value=0, max_value=2),
    st.sampled_from([s.value for s in Status]),
    st.one_of(st.none(), days),
    entries), max_size=25)
periods = st.tuples(st.one_of(st.none(), days), st.one_of(st.none(), days), days)


def figures(card):
    return ([(row.agency, *(getattr(row, name) for name in COUNT_FIELDS)) for row in card.rows],
            tuple(getattr(card.totals, name) for name in COUNT_FIELDS))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(items=items, period=periods)
def test_sql_counts_equal_the_reference_rules(app, items, period):
    """Over random items (every status, with or without a deadline) and journals (several
    endings, dates missing or recorded late in the evening), the SQL scorecard, its monthly
    totals and the items behind each number equal scoring.scorecard / monthly_totals /
    items_in over the items as scorecard_reference.load_items reads them."""
    start, end, as_of = period
    if start and end and start > end:
        start, end = end, start
    span = ReportPeriod(start, end)
    agencies = [Agency(name=f"Sở số {n}") for n in range(3)]
    db.session.add_all(agencies)
    db.session.flush()
    plan = Plan(title="Danh mục", owner_agency_id=agencies[0].id, attached_to="")
    db.session.add(plan)
    db.session.flush()
    for position, (agency, status, due, journal) in enumerate(items, 1):
        item = Item(plan_id=plan.id, position=position, title=f"Đề án {position}",
                    lead_agency_id=agencies[agency].id, due_period="", due_date=due,
                    original_due_period="", original_due_date=due, approving_level="",
                    status=status)
        db.session.add(item)
        db.session.flush()
        for new_status, document_date, hour in journal:
            db.session.add(JournalEntry(
                item_id=item.id, kind="status", old_status="in_progress",
                new_status=new_status, document_date=document_date,
                created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour)))
    db.session.flush()
    try:
        where = Item.plan_id == plan.id
        loaded = load_items(where, TZ)
        assert figures(count_scorecard(where, span, as_of)) == \
            figures(scorecard(loaded, span, as_of))
        months = [(2026, 1), (2026, 2), (2026, 3)]
        assert [vars(row) for _p, row in count_months(where, months, as_of, 14)] == \
            [vars(row) for _p, row in monthly_totals(loaded, months, as_of, 14)]
        for which in (None, *Bucket):
            rows = db.session.execute(bucket_rows(where, span, as_of, which)).all()
            assert sorted(row.id for row in rows) == \
                sorted(item.id for item in items_in(loaded, span, as_of, which))
    finally:
        db.session.rollback()


def test_sql_counts_on_the_hand_computed_fixture(app):
    """The 42 items worked out by hand give the published counts through the SQL too."""
    load_into_database()
    card = count_scorecard(sa.true(), PERIOD, AS_OF)
    by_agency = {row.agency: (row.on_time, row.late, row.open_in_time, row.overdue,
                              row.no_deadline, row.withdrawn, row.total, row.rate_text)
                 for row in card.rows}
    totals = card.totals
    assert by_agency == EXPECTED
    assert (totals.on_time, totals.late, totals.open_in_time, totals.overdue,
            totals.no_deadline, totals.withdrawn, totals.total, totals.rate_text) == EXPECTED_TOTAL
