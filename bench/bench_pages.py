"""Benchmark: the plan page and the appendix of a 5,000-item plan, through the app.

Run on demand (not part of the test suite):

    make bench                                   # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench   # an EMPTY PostgreSQL database

Each page is requested through the whole WSGI app (routing, login, queries,
templates) with Flask's test client, so the time is server time without the
network. Prints the median and the worst of the timed runs, and the number of
SQL queries per request. Targets (issue #2): appendix < 0.5 s, plan page < 50 ms.
"""
from __future__ import annotations

import os
import time

import sqlalchemy as sa
from common import add_bench_user, bench_app, measure_get, signed_in
from factories import make_plan

from tracker.extensions import db
from tracker.models import Role

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def main() -> None:
    app = bench_app()
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        plan_id = make_plan(ITEMS).id
        add_bench_user(Role.MANAGER,
                       agency_id=db.session.scalar(sa.text("SELECT owner_agency_id FROM plan")))
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built a plan of {ITEMS} items in {time.perf_counter() - started:.1f} s")
        engine = db.engine

    client = signed_in(app)
    pages = {
        "plan page (first 50 items)": (f"/plans/{plan_id}", 0.050),
        "plan page, filtered": (f"/plans/{plan_id}?overdue=y&status=not_started", 0.050),
        "appendix print view": (f"/plans/{plan_id}/appendix", 0.5),
        "appendix with progress columns": (f"/plans/{plan_id}/appendix?progress=1", 0.5),
    }
    for name, (path, target) in pages.items():
        median, worst, _cpu, queries, response = measure_get(client, engine, path, RUNS)
        verdict = "OK" if median < target else "OVER TARGET"
        print(f"{name:45} median {median * 1000:7.1f} ms  max {worst * 1000:7.1f} ms  "
              f"{queries:2d} queries  {len(response.data) / 1024:7.0f} KiB  "
              f"(target {target * 1000:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
