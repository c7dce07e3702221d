"""Past one machine, measured on one (issue 10): three gunicorn instances and three
`flask worker` processes over one PostgreSQL database and a real SMTP server (aiosmtpd on
127.0.0.1), and one of them killed with SIGKILL during a day's planning or sending.

The day is today (the workers plan the real day: the reminder settings' sending time is
00:00, so a worker's start-up, or its next flush once the day is forgotten, finds the
day due and unplanned); the items fall due 7 and 3
days from now, and today is made a working day, so the day's planning is the same
whatever the date. The lease, the flush interval and the claims are shortened
(SCHEDULER_LEASE_SECONDS, SCHEDULER_FLUSH_SECONDS, MAIL_CLAIM_SECONDS) so a dead holder is
replaced within seconds; the production defaults are minutes.

What must hold after each kill: every notice the day's planning decides is stored once,
in one digest per recipient (planning recorded once); every digest is sent (0 lost); each
recipient receives one Message-ID, and a message received twice is the stated window only
(the killed sender died between the server's 250 and its commit: the resend carries the
same Message-ID); the surviving web nodes answer 200 all along.

PostgreSQL only (TEST_DATABASE_URL_PG); skipped without it, a failure with
TRACKER_REQUIRE_POSTGRES=1 (as in CI).
"""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from smtp_server import SMTPServer
from stack import FLASK, ROOT, Ports, form_on, free_port, production_env, stop, wait_for
from werkzeug.security import generate_password_hash

from tracker import create_app
from tracker.clock import today_in
from tracker.extensions import db
from tracker.models import (
    Agency,
    CalendarException,
    Item,
    MessageStatus,
    Notice,
    OutboxMessage,
    Plan,
    ReminderSettings,
    SchedulerLease,
    SchedulerRun,
    User,
)
from tracker.notify.service import plan_day
from tracker.text import name_key

AGENCIES = 10            # agency 1 is the consolidating office
OFFICERS = 12            # per agency: each receives one digest a day
ITEMS = 30               # per agency, half due in 7 days, half in 3
PASSWORD = "mat-khau-nut-web-2026"
NODES = 3
# Short enough for a test, long enough that a busy machine's holder keeps its lease.
WORKER_SETTINGS = {"SCHEDULER_LEASE_SECONDS": "4", "SCHEDULER_FLUSH_SECONDS": "1",
                   "MAIL_CLAIM_SECONDS": "3"}
# Seconds allowed for a day's planning and sending, a kill included (~15 s on a quiet
# machine; the margin is for a machine busy with other work).
DAY_DEADLINE = 90


# --- the data ------------------------------------------------------------------------------

def seed(today) -> None:
    """Agencies with officers (and a manager), a plan each, items due 7 and 3 days from today;
    today a working day; planning at 00:00 (so it is due as soon as a worker starts)."""
    now = datetime.now(UTC)
    db.session.execute(sa.insert(Agency), [
        dict(id=a, name=f"Sở nhiều máy {a}", name_key=name_key(f"Sở nhiều máy {a}"),
             is_consolidating_office=a == 1, active=True, shared_mailbox=None)
        for a in range(1, AGENCIES + 1)])
    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users, user_id = [], 0
    for agency in range(1, AGENCIES + 1):
        for n in range(OFFICERS + 1):
            user_id += 1
            users.append(dict(id=user_id, email=f"cv{agency}.{n}@so{agency}.gov.vn",
                              name=f"Chuyên viên {agency}.{n}", password_hash=password,
                              role="manager" if n == 0 else "officer", agency_id=agency,
                              active=True, session_version=1, muted_notices="", created_at=now))
    db.session.execute(sa.insert(User), users)
    db.session.execute(sa.insert(Plan), [
        dict(id=a, title=f"Danh mục đề án của Sở nhiều máy {a}", owner_agency_id=a,
             attached_to="", created_at=now, version=1) for a in range(1, AGENCIES + 1)])
    items = []
    for agency in range(1, AGENCIES + 1):
        for position in range(1, ITEMS + 1):
            due = today + timedelta(days=7 if position % 2 else 3)
            items.append(dict(id=len(items) + 1, plan_id=agency, position=position,
                              title=f"Đề án số {position} của Sở nhiều máy {agency}",
                              lead_agency_id=agency, coordination="", due_period="Quý IV",
                              due_date=due, original_due_period="Quý IV", original_due_date=due,
                              approving_level="UBND tỉnh", status="in_progress", notes="",
                              updated_at=now, version=1))
    db.session.execute(sa.insert(Item), items)
    db.session.add(CalendarException(day=today, working=True, note="kiểm thử nhiều máy"))
    db.session.add(ReminderSettings(stages="14,7,3,1,0", working_days=False, overdue_interval=7,
                                    escalate_after=2, send_time="00:00"))
    for table in ("agency", "user_account", "plan", "item"):
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()


def reset_the_day() -> None:
    """Forget the day's planning and mail: the workers plan and send it afresh. DELETE in
    one transaction, not TRUNCATE, whose table locks could deadlock with a running worker."""
    for model in (Notice, OutboxMessage, SchedulerRun, SchedulerLease):
        db.session.execute(sa.delete(model))
    db.session.commit()


# --- the processes -------------------------------------------------------------------------

def url_named(url: str, name: str) -> str:
    """The database URL with an application_name, so pg_stat_activity tells who runs what."""
    return sa.engine.make_url(url).update_query_dict({"application_name": name}) \
        .render_as_string(hide_password=False)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in its own process group (a gunicorn master and its workers die together)."""
    with open(log, "w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and everything it started: a machine that is switched off."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@dataclass
class Cluster:
    folder: Path
    url: str
    env: dict[str, str]
    app: object                                 # the test's own app on the database
    web: dict[int, subprocess.Popen]           # port → gunicorn master
    cookie: str                                 # an officer's session, signed in on node 1
    sink: object                                # the SMTP server's mailbox
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.out").read_text(encoding="utf-8", errors="replace")

    def start_worker(self, name: str) -> None:
        self.workers[name] = start([*FLASK, "worker"],
                                   {**self.env, "DATABASE_URL": url_named(self.url, name)},
                                   self.folder / f"{name}.out")

    def kill_worker(self, name: str) -> None:
        """SIGKILL, then a new process of the same name, as systemd's Restart= does."""
        self.workers[name].send_signal(signal.SIGKILL)
        self.workers[name].wait(timeout=10)
        os.replace(self.folder / f"{name}.out", self.folder / f"{name}-killed.out")
        self.start_worker(name)

    def stop_workers(self) -> None:
        stop(self.workers.values())
        self.workers.clear()


def request(port: int, method: str, path: str, cookie: str = "", body: str | None = None):
    """One HTTP request straight to a web node: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def sign_in(port: int, email: str) -> str:
    """The session cookie of a sign-in on one node (CSRF token from its form)."""
    import urllib.parse

    status, headers, page = request(port, "GET", "/login")
    assert status == 200
    first = headers["Set-Cookie"].split(";", 1)[0]
    fields = form_on(page, having="password")["fields"]
    status, headers, _ = request(port, "POST", "/login", first, urllib.parse.urlencode(
        {**fields, "email": email, "password": PASSWORD}))
    assert status == 302, status
    return next(v.split(";", 1)[0] for k, v in headers.items()
                if k.lower() == "set-cookie" and v.startswith("session="))


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory):
    """The seeded database, three gunicorn instances (one sync worker each, SCHEDULER_AUTOSTART=0,
    the example environment's production settings) on their own ports, the SMTP server; the
    first test starts the three workers, which stay (a killed one replaced) for the next."""
    request.getfixturevalue("pg_schema_ready")
    url = os.environ["TEST_DATABASE_URL_PG"]
    folder = tmp_path_factory.mktemp("multinode")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        seed(today_in(app.config["TRACKER_TIMEZONE"]))
        db.session.remove()
    with ExitStack() as stack:
        sink = stack.enter_context(SMTPServer())
        ports = [free_port() for _ in range(NODES)]
        env = production_env(folder, Ports(0, 0, ports[0]), DATABASE_URL=url,
                             TRACKER_BASE_URL="https://theodoi.example.vn",
                             TRUSTED_HOSTS="127.0.0.1", WEB_CONCURRENCY="1",
                             TRACKER_EXPORT_FOLDER=str(folder / "exports"),
                             MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port),
                             MAIL_USE_TLS="0", MAIL_USE_SSL="0", **WORKER_SETTINGS)
        assert env["SCHEDULER_AUTOSTART"] == "0" and env["TRACKER_ENV"] == "production"
        web = {}
        stack.callback(lambda: stop(p for p in web.values() if p.poll() is None))
        for n, port in enumerate(ports, 1):
            web[port] = start([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"],
                              {**env, "BIND": f"127.0.0.1:{port}",
                               "DATABASE_URL": url_named(url, f"tracker-web-{n}")},
                              folder / f"web-{n}.out")
        for port in ports:
            wait_for(lambda port=port: _answers(port), 60, f"gunicorn on {port}")
        found = Cluster(folder, url, env, app, web, sign_in(ports[0], "cv2.1@so2.gov.vn"),
                        sink.mailbox)
        stack.callback(found.stop_workers)
        yield found
    with app.app_context():
        db.engine.dispose()


def _answers(port: int) -> bool:
    try:
        return request(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


# --- watching the day ----------------------------------------------------------------------

class Traffic:
    """Signed-in requests to every web node in turn (an item page, then /healthz), a round
    every 0.1 s, until stopped (at most 60 s): each answer or error, by node and time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.answers: list[tuple[int, float, object]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 60
        while not self.stopped.is_set() and time.monotonic() < deadline:
            for port in list(self.cluster.web):
                for path in (f"/items/{ITEMS + 1}", "/healthz"):   # an item of agency 2
                    try:
                        outcome = request(port, "GET", path, self.cluster.cookie)[0]
                    except OSError as error:
                        outcome = error
                    self.answers.append((port, time.monotonic(), outcome))
            self.stopped.wait(0.1)

    def __enter__(self) -> Traffic:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


def expected_notices(today) -> dict[str, str]:
    """What planning the day once decides (the pure planner on the same data): dedupe key →
    recipient."""
    notices = {n.dedupe_key: n.recipient_email for n in plan_day(today)}
    db.session.rollback()
    return notices


def day_done(cluster: Cluster, today) -> bool:
    """The day planned (recorded) and nothing left to send; every worker alive but the killed."""
    db.session.rollback()
    planned = db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerRun).where(
        SchedulerRun.job == "plan", SchedulerRun.for_day == today))
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status != MessageStatus.SENT.value))
    db.session.rollback()
    return planned > 0 and waiting == 0


PLANNING_STATEMENTS = ("INSERT INTO outbox_message %", "INSERT INTO notice %", "UPDATE notice %",
                       "DELETE FROM outbox_message %")


def planning_transaction(names, timeout: float = 30) -> str:
    """The worker whose database session is inside the day's planning (a transaction open
    on one of its writes: the digests, the notices), looked for every 20 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.session.execute(sa.text(
            "SELECT application_name FROM pg_stat_activity WHERE application_name = ANY(:names) "
            "AND xact_start IS NOT NULL AND query ILIKE ANY(:statements)"),
            {"names": list(names), "statements": list(PLANNING_STATEMENTS)}).first()
        db.session.rollback()
        if row:
            return row[0]
        time.sleep(0.02)
    raise AssertionError("no worker was seen planning the day")


def lease_holder(cluster: Cluster) -> str | None:
    """The worker (by name) holding the lease."""
    holder = db.session.scalar(sa.select(SchedulerLease.holder))
    db.session.rollback()
    if holder is None:
        return None
    pid = int(holder.split(":")[1])
    return next(name for name, process in cluster.workers.items() if process.pid == pid)


def sent_count() -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.SENT.value))
    db.session.rollback()
    return count


def check_the_day(cluster: Cluster, today, expected: dict[str, str]) -> dict:
    """Planned once, nothing lost, nothing twice but the stated window; returns the figures."""
    db.session.rollback()
    runs = db.session.execute(sa.select(SchedulerRun.planned, SchedulerRun.error).where(
        SchedulerRun.job == "plan", SchedulerRun.for_day == today)).all()
    assert runs == [(len(expected), None)], runs          # planning recorded once, complete
    notices = db.session.execute(sa.select(Notice.dedupe_key, Notice.recipient,
                                           Notice.message_id)).all()
    assert sorted(key for key, _, _ in notices) == sorted(expected)   # each notice once
    digests = db.session.scalars(sa.select(OutboxMessage)).all()
    by_recipient = {m.recipient: m for m in digests}
    assert len(by_recipient) == len(digests) == len(set(expected.values()))  # one per recipient
    assert all(by_recipient[recipient].id == message_id for _, recipient, message_id in notices)
    assert {m.status for m in digests} == {MessageStatus.SENT.value}        # 0 lost
    assert {(m.claim_token, m.claimed_until) for m in digests} == {(None, None)}

    received = Counter(m.message["Message-ID"] for m in cluster.sink.messages)
    assert set(received) == {m.message_id_header for m in digests}
    ids_per_recipient = defaultdict(set)
    for message in cluster.sink.messages:
        ids_per_recipient[message.envelope_to[0]].add(message.message["Message-ID"])
    assert {r: len(ids) for r, ids in ids_per_recipient.items()} == dict.fromkeys(by_recipient, 1)
    twice = {mid: n for mid, n in received.items() if n > 1}
    # The stated window: the one message the killed sender had on the wire when it died.
    assert sum(n - 1 for n in twice.values()) <= 1, twice
    db.session.rollback()
    return {"notices": len(notices), "digests": len(digests), "resent": len(twice)}


def check_no_errors(cluster: Cluster, names) -> None:
    for name in names:
        log = cluster.log(name)
        assert '"level": "ERROR"' not in log and "Traceback" not in log, (name, log[-3000:])


def run_the_day(cluster: Cluster, app_today, kill) -> dict:
    """Forget the day (the running workers plan it again at their next flush: its planning
    is missing) or start the three workers (their start-up plans it); let `kill(cluster)`
    pick its moment and victim and kill it (a new process takes its place); wait for the
    day to be planned and sent; check it and return the figures."""
    cluster.sink.messages.clear()
    reset_the_day()
    expected = expected_notices(app_today)
    assert len(expected) == AGENCIES * OFFICERS * ITEMS
    started = time.monotonic()
    for n in range(1, NODES + 1):
        if f"tracker-worker-{n}" not in cluster.workers:
            cluster.start_worker(f"tracker-worker-{n}")
    killed = kill(cluster)
    wait_for(lambda: day_done(cluster, app_today), DAY_DEADLINE, "the day planned and sent")
    figures = check_the_day(cluster, app_today, expected)
    assert all(process.poll() is None for process in cluster.workers.values())
    check_no_errors(cluster, cluster.workers)
    return {**figures, "seconds": round(time.monotonic() - started, 1), "killed": killed}


def check_traffic(traffic: Traffic, killed_port: int | None = None, killed_at: float = 0) -> None:
    """Every request to a node that stayed up answered 200; the killed node did until its kill."""
    assert traffic.answers
    for port, moment, outcome in traffic.answers:
        if port == killed_port and moment >= killed_at - 0.5:
            continue    # in flight or after the kill: refused, as a dead machine's are
        assert outcome == 200, (port, outcome)
    survivors_after = [a for a in traffic.answers if a[0] != killed_port and a[1] > killed_at]
    assert survivors_after


# --- the kills -----------------------------------------------------------------------------

def test_a_worker_killed_during_the_days_planning(cluster):
    """The worker planning the day is killed (SIGKILL) inside its planning transaction and a
    new process takes its place (as systemd restarts it): the notices vanish with the dead
    one; once its lease expires another worker plans the day and every digest is sent,
    once. The web nodes answer 200 throughout."""
    with cluster_app(cluster) as today:
        def kill_the_planner(cluster: Cluster) -> str:
            victim = planning_transaction(cluster.workers)
            cluster.kill_worker(victim)
            assert not day_done(cluster, today)
            return victim

        with Traffic(cluster) as traffic:
            figures = run_the_day(cluster, today, kill_the_planner)
        check_traffic(traffic)
        print("killed during planning:", figures)


def test_a_worker_and_a_web_node_killed_while_the_day_is_sent(cluster):
    """The worker sending the digests (the lease's holder) is killed mid-flush, and one
    gunicorn instance (master and workers) with it, while signed-in requests flow to all
    three (a session signed in on one node is good on the others): the claimed batch
    waits out its claim, another worker takes the lease and sends the rest; no digest is
    lost, none sent twice but the one in flight; the two other web nodes answer 200."""
    with cluster_app(cluster) as today:
        killed_port = list(cluster.web)[1]
        moments = {}

        def kill_the_sender(cluster: Cluster) -> str:
            total = AGENCIES * OFFICERS
            wait_for(lambda: sent_count() >= total // 4, 40, "a quarter of the digests sent")
            victim = lease_holder(cluster)
            cluster.kill_worker(victim)
            moments["web"] = time.monotonic()
            kill_group(cluster.web.pop(killed_port))
            assert sent_count() < total
            return victim

        with Traffic(cluster) as traffic:
            figures = run_the_day(cluster, today, kill_the_sender)
        check_traffic(traffic, killed_port, moments["web"])
        print("killed while sending:", figures)


@contextmanager
def cluster_app(cluster: Cluster):
    """The test's app context on the cluster's database; gives today's date."""
    with cluster.app.app_context():
        try:
            yield today_in(cluster.app.config["TRACKER_TIMEZONE"])
        finally:
            db.session.remove()
