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
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from factories import make_plan  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Role, User  # noqa: E402

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        plan_id = make_plan(ITEMS).id
        user = User(email="bench@example.vn", name="Bench", role=Role.MANAGER.value,
                    agency_id=db.session.scalar(sa.text("SELECT owner_agency_id FROM plan")))
        user.set_password("bench-password-1")
        db.session.add(user)
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built a plan of {ITEMS} items in {time.perf_counter() - started:.1f} s")

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.vn", "password": "bench-password-1"})
    pages = {
        "plan page (first 50 items)": (f"/plans/{plan_id}", 0.050),
        "plan page, filtered": (f"/plans/{plan_id}?overdue=y&status=not_started", 0.050),
        "appendix print view": (f"/plans/{plan_id}/appendix", 0.5),
        "appendix with progress columns": (f"/plans/{plan_id}/appendix?progress=1", 0.5),
    }
    with app.app_context():
        engine = db.engine
    for name, (path, target) in pages.items():
        queries: list[str] = []

        def listener(*args, queries=queries):
            queries.append(args[2])

        client.get(path)  # warm-up: template compilation, caches
        sa.event.listen(engine, "before_cursor_execute", listener)
        client.get(path)
        sa.event.remove(engine, "before_cursor_execute", listener)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        median = statistics.median(timings)
        verdict = "OK" if median < target else "OVER TARGET"
        print(f"{name:45} median {median * 1000:7.1f} ms  max {max(timings) * 1000:7.1f} ms  "
              f"{len(queries):2d} queries  {len(response.data) / 1024:7.0f} KiB  "
              f"(target {target * 1000:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
