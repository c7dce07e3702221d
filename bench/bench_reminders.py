"""Benchmark: plan one day of reminders for 100,000 items, 500 agencies, 5,000 users, through
the database, then send every digest to a local SMTP sink (aiosmtpd on 127.0.0.1).

Run on demand (not part of the test suite):

    make bench-reminders                                       # SQLite file in a temp folder
    DATABASE_URL=postgresql+psycopg://... make bench-reminders # an EMPTY PostgreSQL database

Prints the planning time and its number of SQL queries, then the sending time, the number
of digests and of SMTP connections opened. Targets (issue #4): planning < 3 s with a number
of queries that does not grow with the items; 5,000 digests sent in < 20 s, connections reused.
"""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from common import bench_app, counting_queries
from smtp_server import free_port

from tracker import involvement
from tracker.extensions import db, mail
from tracker.models import Agency, Item, Plan, User
from tracker.notify.jobs import run_flush, run_planning
from tracker.text import name_key

ITEMS = int(os.environ.get("BENCH_ITEMS", "100000"))
AGENCIES = int(os.environ.get("BENCH_AGENCIES", "500"))
USERS = int(os.environ.get("BENCH_USERS", "5000"))
DAY = date(2021, 6, 30)


def build(rng: random.Random) -> None:
    """Bulk rows: agencies, users (per agency: managers and officers), one plan per agency,
    items led by random agencies, due on working days spread over the year around DAY."""
    db.session.execute(sa.insert(Agency), [
        dict(id=i, name=f"Sở thử nghiệm {i}", name_key=name_key(f"Sở thử nghiệm {i}"),
             is_consolidating_office=(i == 1), active=True, shared_mailbox=None)
        for i in range(1, AGENCIES + 1)])
    per_agency = USERS // AGENCIES
    db.session.execute(sa.insert(User), [
        dict(id=i, email=f"user{i}@bench.vn", name=f"Người dùng {i}", password_hash="!",
             role="manager" if i % per_agency == 0 else "officer",
             agency_id=(i - 1) // per_agency + 1, active=True, session_version=1,
             muted_notices="", created_at=datetime.now(UTC))
        for i in range(1, USERS + 1)])
    db.session.execute(sa.insert(Plan), [
        dict(id=i, title=f"Danh mục {i}", owner_agency_id=i, attached_to="",
             created_at=datetime.now(UTC), version=1) for i in range(1, AGENCIES + 1)])
    rows = []
    for i in range(1, ITEMS + 1):
        due = DAY + timedelta(days=rng.randint(-180, 180))
        rows.append(dict(id=i, plan_id=rng.randint(1, AGENCIES), position=i,
                         title=f"Đề án thử nghiệm số {i}", lead_agency_id=rng.randint(1, AGENCIES),
                         coordination="", due_period="Quý I/2021", due_date=due,
                         original_due_period="Quý I/2021", original_due_date=due,
                         approving_level="UBND tỉnh", status="in_progress", notes="",
                         updated_at=datetime.now(UTC), version=1))
        if len(rows) == 10_000:
            db.session.execute(sa.insert(Item), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Item), rows)
    involvement.rebuild(db.session.connection())   # what the app's commits keep in step
    db.session.commit()


def main() -> None:
    app = bench_app(TRACKER_BASE_URL="https://theodoi.example.vn")
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        build(random.Random(2021))
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"built {ITEMS} items, {AGENCIES} agencies, {USERS} users in "
              f"{time.perf_counter() - started:.1f} s")

        now = datetime(DAY.year, DAY.month, DAY.day, 0, 30, tzinfo=UTC)
        with counting_queries(db.engine) as queries:
            started = time.perf_counter()
            notices, added = run_planning(DAY, now)
            planning = time.perf_counter() - started
        statements = len(queries)
        print(f"planning {DAY}: {len(notices)} notices ({added} new) in {planning:.2f} s, "
              f"{statements} SQL statements (target < 3 s)")

        # The sink is its own process (aiosmtpd's Sink handler), as a real server would be.
        port = free_port()
        sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                                 "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
        try:
            wait_for_port(port)
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
            mail.init_app(app)
            started = time.perf_counter()
            result = run_flush(now)
            sending = time.perf_counter() - started
        finally:
            sink.terminate()
            sink.wait(timeout=10)
        print(f"sending: {result.sent} digests in {sending:.2f} s over {result.connections} "
              f"SMTP connections (target: 5,000 in < 20 s)")


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


if __name__ == "__main__":
    main()
