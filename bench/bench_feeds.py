"""Benchmark: a calendar feed of 2,000 items (target ≤ 200 ms, issue 14), and the public
page, open data and Atom feed of the same plan.

Run on demand (not part of the test suite):

    make bench-feeds                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-feeds   # an EMPTY PostgreSQL database

Through the whole app (Flask's test client: routing, the token lookup, the permission
check, the queries, writing the calendar): a plan of 2,500 items, of which 2,000 have a
computable deadline (every fifth is "Thường xuyên", left out of the calendar); a tenth of
them had their deadline moved twice (journal entries, so SEQUENCE is counted). Median of
the timed runs after a warm-up.
"""
from __future__ import annotations

import os
import time

from common import add_bench_user, bench_app, measure
from factories import make_plan

from tracker.extensions import db
from tracker.feeds.service import create_feed
from tracker.models import Agency, FeedScope, Item, JournalEntry, JournalKind, Role
from tracker.models._types import utcnow

ITEMS = int(os.environ.get("BENCH_ITEMS", "2500"))
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
TARGET_S = 0.200


def median_of(client, url: str) -> tuple[float, float, int]:
    """(median wall time, median CPU time of this process, size): on a busy machine the
    wall time includes waiting for a core; the CPU time is the work itself."""
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    get()      # warm-up
    median, _worst, cpu, response = measure(get, RUNS)
    return median, cpu, len(response.data)


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        plan = make_plan(ITEMS, title="Danh mục đề án trình UBND tỉnh năm 2020")
        moved = db.session.scalars(db.select(Item.id).where(
            Item.plan_id == plan.id, Item.due_date.is_not(None))
            .order_by(Item.id)).all()[::10]
        for item_id in moved:
            for period in ("Quý I/2021", "Quý II/2021"):
                db.session.add(JournalEntry(item_id=item_id, kind=JournalKind.STATUS.value,
                                            old_status="not_started", new_status="postponed",
                                            new_due_period=period))
        agency = db.session.scalar(db.select(Agency).where(Agency.name == "Sở Công Thương"))
        user = add_bench_user(Role.MANAGER, agency=agency)
        db.session.flush()
        _feed, secret = create_feed(user, FeedScope.PLAN, plan.id, plan.title)
        plan.public_slug, plan.published_at = "bench", utcnow()
        db.session.commit()
        dated = db.session.scalar(db.select(db.func.count()).select_from(Item).where(
            Item.plan_id == plan.id, Item.due_date.is_not(None)))
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built a plan of {ITEMS} items ({dated} with a deadline) in "
              f"{time.perf_counter() - started:.1f} s")
    client = app.test_client()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    seconds, cpu, size = median_of(client, f"/feeds/{secret}.ics")
    verdict = "OK" if seconds <= TARGET_S else "OVER TARGET"
    print(f"calendar feed, {dated} events: {seconds * 1000:.0f} ms median of {RUNS} "
          f"(CPU {cpu * 1000:.0f} ms, {size / 1024:.0f} KiB) — target ≤ {TARGET_S * 1000:.0f} ms: "
          f"{verdict}")
    for label, url in (("Atom feed (secret URL, 100 entries)", f"/feeds/{secret}.atom"),
                       ("public page", "/public/plans/bench"),
                       ("public CSV", "/public/plans/bench/items.csv"),
                       ("public JSON", "/public/plans/bench/items.json"),
                       ("public Atom feed", "/public/plans/bench/changes.atom")):
        seconds, cpu, size = median_of(client, url)
        print(f"{label}: {seconds * 1000:.0f} ms median of {RUNS} (CPU {cpu * 1000:.0f} ms, "
              f"{size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
