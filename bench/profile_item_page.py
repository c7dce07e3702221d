"""Profile: the CPU one signed-in item page costs in the app, measured in-process.

Run on demand (not part of the test suite):

    .venv/bin/python bench/profile_item_page.py            # CPU ms per request, top costs
    PROFILE_REQUESTS=500 PROFILE_TOP=40 .venv/bin/python bench/profile_item_page.py

The data of bench/bench_throughput.py (the demo's agencies, users and plan, and a plan of
BENCH_ITEMS items beside it) in a SQLite file; the app as production runs it under gunicorn
(TRACKER_ENV=production, JSON logs, Prometheus multiprocess files, one trusted proxy). The
demo manager signs in, then the demo plan's first item (the one the throughput bench asks
for, with its journal) is requested PROFILE_REQUESTS (200) times with Flask's test client:
first timed (process CPU time per request, the best of PROFILE_BATCHES (3) batches: less
sensitive to the machine's load than wrk), then under cProfile, whose top costs are printed
(cumulative and own time). PROFILE_SQL=1 prints one request's statements; PROFILE_PAGE=<file>
keeps the page.
"""
from __future__ import annotations

import cProfile
import io
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

ITEMS = int(os.environ.get("BENCH_ITEMS", "5000"))
REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "200"))
BATCHES = int(os.environ.get("PROFILE_BATCHES", "3"))
TOP = int(os.environ.get("PROFILE_TOP", "30"))
MANAGER = ("lanhdao@demo.local", "lanhdao-demo-2020")


def build(url: str) -> None:
    """The demo data and a big plan, as the throughput bench has them."""
    from factories import make_plan

    from tracker import create_app
    from tracker.demo import load_demo
    from tracker.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_AUTOSTART": False,
                      "LOG_FORMAT": "none"})
    with app.app_context(), app.test_request_context():
        db.create_all()
        load_demo(None)
        db.session.commit()
        make_plan(ITEMS, owner="Sở Công Thương")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def production_app(url: str, folder: Path):
    os.environ.update(TRACKER_ENV="production", PROMETHEUS_MULTIPROC_DIR=str(folder / "prom"))
    (folder / "prom").mkdir(exist_ok=True)
    from config import ProductionConfig
    from tracker import create_app

    class Profiled(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = secrets.token_urlsafe(48)
        TRUSTED_HOSTS = ["127.0.0.1"]
        TRUSTED_PROXIES = 1
        SCHEDULER_AUTOSTART = False
        LOG_FORMAT = "json"
        TRACKER_DOCUMENT_FOLDER = str(folder / "documents")
        TRACKER_EXPORT_FOLDER = str(folder / "exports")

    return create_app(Profiled)


def show_statements(app, request_once) -> None:
    """Print the SQL statements of one request (PROFILE_SQL=1)."""
    from sqlalchemy import event

    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:300])

    event.listen(engine, "before_cursor_execute", record)
    request_once()
    event.remove(engine, "before_cursor_execute", record)
    print(f"{len(statements)} statements in one request:")
    for statement in statements:
        print("  ", statement)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tracker-profile-"))
    url = f"sqlite:///{folder}/bench.sqlite"
    build(url)
    app = production_app(url, folder)
    client = app.test_client()
    base = {"base_url": "https://127.0.0.1", "headers": {"X-Forwarded-For": "127.0.0.1",
                                                          "X-Forwarded-Proto": "https",
                                                          "Referer": "https://127.0.0.1/login"}}
    import re

    import sqlalchemy as sa

    from tracker.extensions import db
    from tracker.models import Item

    with app.app_context():
        item_id = db.session.scalar(sa.select(sa.func.min(Item.id)))
    page = client.get("/login", **base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": MANAGER[0], "password": MANAGER[1],
                                         "csrf_token": token}, **base)
    assert answer.status_code == 302, answer.status_code
    path = f"/items/{item_id}"

    def run(n: int) -> None:
        for _ in range(n):
            response = client.get(path, **base)
            assert response.status_code == 200, response.status_code
            response.get_data()

    response = client.get(path, **base)
    print(f"{len(response.data):,} bytes; Set-Cookie: {response.headers.getlist('Set-Cookie')}")
    if os.environ.get("PROFILE_PAGE"):  # keep the page, to compare one version's with another's
        Path(os.environ["PROFILE_PAGE"]).write_bytes(response.data)
    if os.environ.get("PROFILE_SQL"):
        show_statements(app, lambda: run(1))
    log = open(os.devnull, "w")  # noqa: SIM115 (the JSON request lines: written, not kept)
    stderr, sys.stderr = sys.stderr, log
    try:
        run(20)  # warm: templates compiled, catalogs loaded, connections open
        timings = []
        for _ in range(BATCHES):  # the best batch: the machine's other work adds to the rest
            cpu, wall = time.process_time(), time.perf_counter()
            run(REQUESTS)
            timings.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = min(timings)
        profile = cProfile.Profile()
        profile.enable()
        run(REQUESTS)
        profile.disable()
    finally:
        sys.stderr = stderr
    print(f"item page {path}: {cpu / REQUESTS * 1000:.2f} ms CPU, "
          f"{wall / REQUESTS * 1000:.2f} ms wall per request, the best of {BATCHES} batches "
          f"of {REQUESTS} requests "
          f"(load average {os.getloadavg()[0]:.2f}); the bound that gives on 2 cores: "
          f"{2 / (cpu / REQUESTS):.0f} req/s")
    stats = pstats.Stats(profile)
    print(f"{stats.total_calls / REQUESTS:,.0f} Python function calls per request (cProfile; "
          f"steadier than the CPU time on a busy machine)")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(TOP)
        print(out.getvalue())


if __name__ == "__main__":
    main()
