"""The national data generator of bench/bench_scale.py, run small on PostgreSQL so that it
cannot rot: what it writes set-based must be what the app reads (its lists, its scorecard,
its search index as the app's own indexer writes it).

PostgreSQL only (the generator is written in its SQL); skipped without a server unless
TRACKER_REQUIRE_POSTGRES=1 (as in CI), where that is a failure (conftest.py).
"""
from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.periods import format_date
from tracker.scoring import year_period

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_scale  # noqa: E402

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SIZES = bench_scale.Sizes(provinces=2, agencies=5, items=400, years=3)
TODAY = date(2026, 5, 20)


@pytest.fixture
def generated(app):
    with db.engine.begin() as conn:
        counts = bench_scale.generate(conn, SIZES, TODAY, log=lambda line: None)
    return counts


def login(client, address: str) -> None:
    response = client.post("/login", data={"email": address,
                                           "password": bench_scale.PASSWORD})
    assert response.status_code == 302


def test_generator_writes_the_sizes_asked_with_the_variety_of_real_lists(app, generated):
    """Every agency, list and item asked for is written, with deadlines as the app dates
    them, items without one, every ending status, co-leads, coordinators and ~2 journal
    entries per item."""
    assert generated["agencies"] == 2 * 5 and generated["plans"] == 2 * 4 * 3 * 2
    with db.engine.connect() as conn:
        def one(sql: str):
            return conn.scalar(sa.text(sql))

        assert one("SELECT count(*) FROM item") == 400
        assert one("SELECT count(*) FROM agency WHERE is_consolidating_office") == 2
        assert one("SELECT count(*) FROM item WHERE due_period = 'Thường xuyên' "
                   "AND due_date IS NULL") > 0
        statuses = set(conn.scalars(sa.text("SELECT DISTINCT status FROM item")))
        assert {"submitted", "approved", "withdrawn", "postponed", "in_progress"} <= statuses
        assert one("SELECT count(*) FROM item WHERE due_period <> original_due_period") > 0
        assert one("SELECT count(*) FROM item_lead_agency") > 400
        assert one("SELECT count(*) FROM item_coordinator") > 0
        # Which agencies take part in which plan, as the app keeps it (tracker/involvement.py).
        assert one("SELECT count(*) FROM plan_agency") == one(
            "SELECT count(*) FROM (SELECT plan_id, lead_agency_id FROM item "
            "UNION SELECT i.plan_id, l.agency_id FROM item i "
            "JOIN item_lead_agency l ON l.item_id = i.id "
            "UNION SELECT i.plan_id, c.agency_id FROM item i "
            "JOIN item_coordinator c ON c.item_id = i.id) AS pairs") > 0
        assert 1.5 <= one("SELECT count(*) FROM journal_entry") / 400 <= 2.5
        # Deadlines are the app's: "Quý II/2025" ends on 30/6/2025, a Monday.
        assert one("SELECT DISTINCT due_date FROM item WHERE due_period = 'Quý II/2025'") \
            == date(2025, 6, 30)


def test_generated_search_rows_are_those_the_app_indexer_writes(app, generated):
    """The folded text written set-based equals, for every item, what
    tracker/search/index.py writes for it."""
    with db.engine.begin() as conn:
        ids = list(conn.scalars(sa.text("SELECT id FROM item ORDER BY id")))
        assert bench_scale.check_search_rows(conn, ids) == 0


def test_the_app_lists_and_counts_the_generated_items(app, generated):
    """An officer's list page shows every item of the list; the provincial office's
    scorecard of a year counts the items due in it, those completed on time too."""
    with db.engine.connect() as conn:
        plan_id, owner = conn.execute(sa.text(
            "SELECT p.id, p.owner_agency_id FROM plan p JOIN user_account u "
            "ON u.agency_id = p.owner_agency_id WHERE u.email = :email "
            "ORDER BY p.created_at DESC LIMIT 1"),
            {"email": bench_scale.email("officer", 0, 1)}).one()
        titles = list(conn.scalars(sa.text("SELECT title FROM item WHERE plan_id = :id"),
                                   {"id": plan_id}))
    client = app.test_client()
    login(client, bench_scale.email("officer", 0, 1))
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert titles and all(title in page.text for title in titles)
    assert client.get("/").status_code == 200

    period = year_period(TODAY.year - 1)
    with db.engine.connect() as conn:
        ended = ("SELECT j.document_date FROM journal_entry j WHERE j.item_id = i.id "
                 "AND j.kind = 'status' AND j.new_status = i.status")
        expected_total = conn.scalar(sa.text(f"""
            SELECT count(*) FROM item i WHERE i.status <> 'withdrawn' AND (
              i.due_date BETWEEN :start AND :end OR (i.due_date IS NULL AND NOT (
                i.status IN ('submitted', 'approved') AND ({ended}) < :start)))"""),
            {"start": period.start, "end": period.end})
        expected_on_time = conn.scalar(sa.text(f"""
            SELECT count(*) FROM item i WHERE i.due_date BETWEEN :start AND :end
              AND i.status IN ('submitted', 'approved') AND ({ended}) <= i.due_date"""),
            {"start": period.start, "end": period.end})
    office = app.test_client()
    login(office, bench_scale.email("manager", 0, 0))
    query = f"kind=year&year={TODAY.year - 1}&as_of={format_date(period.end)}"
    assert office.get(f"/scorecard?{query}").status_code == 200
    response = office.get(f"/scorecard.csv?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    totals = dict(zip(rows[0], rows[-1], strict=True))
    assert expected_total > 0 and expected_on_time > 0
    assert int(totals["Tổng số"]) == expected_total
    assert int(totals["Hoàn thành đúng hạn"]) == expected_on_time


def test_generated_ending_dates_are_those_the_journal_gives(app, generated):
    """Item.ended_on, written set-based by the generator, equals what the app's reference
    rule reads from the journal (scorecard_reference.ended_dates) for every ended item."""
    from scorecard_reference import ended_dates

    from tracker.models import Item

    expected = ended_dates(sa.true(), app.config["TRACKER_TIMEZONE"])
    stored = dict(db.session.execute(sa.select(Item.id, Item.ended_on)
                                     .where(Item.ended_on.is_not(None))).all())
    assert len(expected) > 100 and stored == expected
