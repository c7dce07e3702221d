"""Benchmark: the API's item list of a 5,000-item plan, 100 at a time, with a token.

Run on demand (not part of the test suite):

    make bench-api                                    # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-api   # an EMPTY PostgreSQL database

Each request goes through the whole WSGI app (token lookup, rate limit, policy, queries,
JSON) with Flask's test client: server time without the network. Prints the median and
the worst of the timed runs, the median CPU time of this process (less sensitive to a
busy machine; the database's own time is in it only for SQLite), and the SQL queries per
request. Target (issue #14):
`GET /api/v1/items?plan=…&limit=100` ≤ 30 ms median (Redmine 5: ~370 ms).
"""
from __future__ import annotations

import os
import sys
import time

import sqlalchemy as sa
from common import add_bench_user, bench_app, measure_get
from factories import make_plan

from tracker.auth.api_tokens import create_token
from tracker.extensions import db
from tracker.models import Role
from tracker.web import tracker_today

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "50"))
TARGET = 0.030


def main() -> None:
    app = bench_app(API_RATE_LIMIT=1_000_000, LOG_FORMAT="none")
    with app.app_context(), app.test_request_context():
        db.create_all()
        started = time.perf_counter()
        plan_id = make_plan(ITEMS).id
        user = add_bench_user(
            Role.OFFICER, agency_id=db.session.scalar(sa.text("SELECT owner_agency_id FROM plan")))
        db.session.flush()
        _, secret = create_token(user, "bench", None, today=tracker_today())
        db.session.commit()
        # Statistics, as autovacuum gives a live database: a table never analysed is taken
        # for a few rows, and PostgreSQL then sorts the whole plan instead of reading its
        # index in order.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built a plan of {ITEMS} items in {time.perf_counter() - started:.1f} s")
        engine = db.engine

    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    failed = False
    for name, path in {
        "items, first 100": f"/api/v1/items?plan={plan_id}&limit=100",
        "items, 100 from offset 4,800": f"/api/v1/items?plan={plan_id}&limit=100&offset=4800",
        "items, filtered (open, not started)": f"/api/v1/items?plan={plan_id}&limit=100"
                                               "&status=not_started&overdue=true",
    }.items():
        median, worst, cpu, queries, response = measure_get(client, engine, path, RUNS,
                                                             headers=headers)
        rows = len(response.get_json()["items"])
        # The target is the first page of a plan; the others are shown for reference.
        judged = name == "items, first 100"
        over = judged and median > TARGET
        failed |= over
        verdict = (f"{'OVER TARGET' if over else 'OK'} (target {TARGET * 1000:.0f} ms)"
                   if judged else "(no target)")
        print(f"{name:38} median {median * 1000:5.1f} ms (CPU {cpu * 1000:5.1f})"
              f"  worst {worst * 1000:6.1f} ms  "
              f"{rows:3} rows  {queries:2} queries  {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
