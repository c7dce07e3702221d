"""Benchmark: the scorecard and the periodic report over 100,000 items, 60 agencies and 24
months of deadlines, through the app.

Run on demand (not part of the test suite):

    make bench-scorecard                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-scorecard   # an EMPTY PostgreSQL database

Items are written in bulk (Core inserts): 100 plans, deadlines spread over the 24 report
months before the year benchmarked, every status, a tenth postponed, with the journal rows
that date their completion or withdrawal. Then, with Flask's test client (routing, login,
queries, rendering): the scorecard page of a year (live, then frozen), its CSV, and the
periodic report of the year as DOCX; then the SQL count alone and the freeze of the year's
last cut-off (its four periods, flushed then rolled back). Prints the median and worst
of the timed runs and the SQL queries per request. Targets (issue #13): scorecard of a year
≤ 0.3 s, report DOCX of a year ≤ 3 s.
"""
from __future__ import annotations

import os
import random
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from common import add_bench_user, bench_app, signed_in, timed, timed_get

from tracker import involvement
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, Plan, Role
from tracker.scoring import year_period
from tracker.text import name_key

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
AGENCIES = int(os.environ.get("BENCH_AGENCIES", "60"))
PLANS = 100
YEAR = 2026
FIRST_DAY = date(YEAR - 1, 1, 1)       # 24 months of deadlines, to the end of YEAR
DAYS = (date(YEAR, 12, 31) - FIRST_DAY).days
CHUNK = 5000


def build() -> None:
    rng = random.Random(13)
    agencies = [{"name": f"Sở số {n + 1}", "name_key": name_key(f"Sở số {n + 1}"),
                 "is_consolidating_office": n == 0, "active": True} for n in range(AGENCIES)]
    agencies[0]["name"], agencies[0]["name_key"] = "Văn phòng UBND tỉnh", name_key(
        "Văn phòng UBND tỉnh")
    db.session.execute(sa.insert(Agency.__table__), agencies)
    agency_ids = list(db.session.scalars(sa.select(Agency.id).order_by(Agency.id)))
    now = datetime.now(UTC)
    db.session.execute(sa.insert(Plan.__table__), [
        {"title": f"Danh mục số {n + 1}", "owner_agency_id": agency_ids[n % AGENCIES],
         "attached_to": "", "appendix_label": "", "created_at": now, "version": 1}
        for n in range(PLANS)])
    plan_ids = list(db.session.scalars(sa.select(Plan.id).order_by(Plan.id)))
    items, journal = [], []
    next_id = 1
    for n in range(ITEMS):
        due = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        original = due - timedelta(days=90) if n % 10 == 0 else due
        roll = rng.random()
        status = ("submitted" if roll < 0.55 else "approved" if roll < 0.62
                  else "withdrawn" if roll < 0.66 else "in_progress" if roll < 0.85
                  else "not_started")
        no_deadline = n % 20 == 0
        label = "Thường xuyên" if no_deadline else f"{due.day}/{due.month}/{due.year}"
        lead = agency_ids[rng.randrange(AGENCIES)]
        done = (due + timedelta(days=rng.randrange(-40, 25))
                if status in ("submitted", "approved", "withdrawn") else None)
        items.append({
            "id": next_id, "plan_id": plan_ids[n % PLANS], "position": n // PLANS + 1,
            "title": f"Đề án số {n + 1}", "lead_agency_id": lead,
            "lead_text": "", "number_text": "", "coordination": "", "due_period": label,
            "due_date": None if no_deadline else due, "original_due_period": label,
            "original_due_date": None if no_deadline else original,
            "withdrawal_requested": False, "approving_level": "UBND tỉnh", "status": status,
            "notes": "", "updated_at": now, "version": 1,
            # Bulk inserts bypass the session's listener (scorecard/ended.py): the day the
            # one ending entry below documents, as it would store.
            "ended_on": done})
        if done is not None:
            journal.append({"item_id": next_id, "created_at": now, "kind": "status",
                            "old_status": "in_progress",
                            "new_status": "withdrawn" if status == "withdrawn" else "submitted",
                            "note": "", "document_ref": f"{n}/TTr", "document_date": done})
        if original != due:
            journal.append({"item_id": next_id, "created_at": now, "kind": "status",
                            "old_status": "in_progress", "new_status": "postponed", "note": "",
                            "document_ref": "1/UBND", "document_date": original})
        next_id += 1
        if len(items) >= CHUNK:
            db.session.execute(sa.insert(Item.__table__), items)
            items = []
    if items:
        db.session.execute(sa.insert(Item.__table__), items)
    for start in range(0, len(journal), CHUNK):
        db.session.execute(sa.insert(JournalEntry.__table__), journal[start:start + CHUNK])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('item', 'id'), (SELECT max(id) FROM item))"))
    add_bench_user(Role.ADMIN, agency_id=agency_ids[0])
    involvement.rebuild(db.session.connection())   # what the app's commits keep in step
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM item"))   # as autovacuum leaves a settled table
        db.session.commit()


def explain(period) -> None:
    """The plan of the grouped count (it should read ix_item_scorecard, not the table)."""
    from sqlalchemy.dialects import postgresql

    from tracker.scorecard.counting import bucket_case, due_between

    which = bucket_case(period, period.end)
    query = (sa.select(Item.lead_agency_id, which, sa.func.count())
             .where(due_between(period.start, period.end))
             .group_by(Item.lead_agency_id, which))
    if db.engine.dialect.name == "postgresql":
        sql = str(query.compile(dialect=postgresql.dialect(),
                                compile_kwargs={"literal_binds": True}))
        rows = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).scalars()
    else:
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        rows = (" ".join(str(c) for c in row[-1:])
                for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
    print("EXPLAIN of the grouped count:")
    for line in rows:
        print("   ", line)


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built {ITEMS} items, {AGENCIES} agencies, 24 months in "
              f"{time.perf_counter() - started:.1f} s")
        engine = db.engine
        client = signed_in(app)
        year = f"kind=year&year={YEAR}&as_of=14/12/{YEAR}"
        timed_get(client, engine, f"/scorecard?{year}", f"scorecard page, year {YEAR} (live)",
                  0.3)
        timed_get(client, engine, f"/scorecard.csv?{year}", "scorecard CSV, year (live)", 0.3)
        timed_get(client, engine, f"/scorecard/report.docx?{year}",
                  "periodic report DOCX, year (live)", 3)

        from tracker.scorecard.counting import count_scorecard
        from tracker.scorecard.snapshots import freeze

        period = year_period(YEAR)
        timed("  of which: counting in SQL (one grouped query)", None,
              lambda: len(count_scorecard(sa.true(), period, period.end).rows) or 1)
        explain(period)

        def freeze_and_undo():
            added = freeze(period.end, app.config["SCORECARD_CUTOFF_DAY"])
            db.session.flush()
            db.session.rollback()
            return len(added)

        timed("freeze of December: month, quarter, half, year", None, freeze_and_undo)
        freeze(period.end, app.config["SCORECARD_CUTOFF_DAY"])
        db.session.commit()
        frozen = f"kind=year&year={YEAR}"
        timed_get(client, engine, f"/scorecard?{frozen}", "scorecard page, year (frozen)", 0.3)
        timed_get(client, engine, f"/scorecard/report.docx?{frozen}",
                  "periodic report DOCX, year (frozen)", 3)


if __name__ == "__main__":
    main()
