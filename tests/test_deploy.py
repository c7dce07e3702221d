"""The production layout, run for real: /healthz, the worker process, and gunicorn behind
nginx with TLS as deploy/ describes it (README, "Production").

The end-to-end test needs Debian's nginx and openssl; without nginx it is skipped, unless
TRACKER_REQUIRE_NGINX=1 (as in CI), where a missing nginx is a failure. It runs on SQLite
and on PostgreSQL (a database of its own, created empty and migrated by `flask db upgrade`
as the README's set-up does, then dropped); the PostgreSQL run is skipped without
TEST_DATABASE_URL_PG, unless TRACKER_REQUIRE_POSTGRES=1 (as in CI).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from stack import (
    FLASK,
    ROOT,
    Browser,
    Ports,
    base_env,
    find_nginx,
    form_on,
    migrate,
    production_env,
    running,
    wait_for,
)

from tracker import create_app
from tracker.extensions import db
from tracker.models import SchedulerLease, SchedulerRun
from tracker.notify.scheduler import LEASE_TTL

REQUIRE_NGINX = os.environ.get("TRACKER_REQUIRE_NGINX") == "1"
REQUIRE_PG = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"


# --- /healthz ---------------------------------------------------------------------------

def test_healthz_reports_the_database_and_the_worker(app, client):
    """No login needed; the worker's heartbeat is the lease's last renewal."""
    body = client.get("/healthz").get_json()
    assert body == {"database": "ok", "worker": {
        "alive": False, "heartbeat_age_seconds": None, "last_planning_age_seconds": None,
        "last_planned_day": None, "last_send_age_seconds": None}}

    now = datetime.now(UTC)
    db.session.add(SchedulerLease(name="reminders", holder="w", expires_at=now + LEASE_TTL
                                  - timedelta(seconds=30)))
    db.session.add(SchedulerRun(job="plan", started_at=now - timedelta(hours=2),
                                for_day=now.date()))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    worker = response.get_json()["worker"]
    assert worker["alive"] is True
    assert 29 <= worker["heartbeat_age_seconds"] <= 40
    assert 7190 <= worker["last_planning_age_seconds"] <= 7210
    assert worker["last_planned_day"] == now.date().isoformat()
    assert worker["last_send_age_seconds"] is None


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    """A database that cannot be opened (SQLite) or reached (PostgreSQL) is a 503, with no
    detail of the connection in the answer."""
    for url in (f"sqlite:///{tmp_path}/missing/dir/tracker.sqlite",
                "postgresql+psycopg://tracker:secret@127.0.0.1:1/tracker?connect_timeout=2"):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        response = app.test_client().get("/healthz")
        assert response.status_code == 503, url
        assert response.get_json() == {"database": "unreachable"}


def test_healthz_answers_trusted_hosts_only(app):
    """Like every URL, /healthz refuses a Host outside TRUSTED_HOSTS (a health check calling
    the app directly needs its name listed)."""
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "127.0.0.1"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


# --- the first administrator -------------------------------------------------------------

def test_create_admin_makes_the_first_account(app, runner, client):
    """`flask create-admin` is how a new installation gets its first sign-in (seed-demo is
    refused in production); a weak password or a second account of the e-mail is refused."""
    args = ["create-admin", "Quan.Tri@tinh.gov.vn", "--name", "Nguyễn Văn Quản"]
    weak = runner.invoke(args=[*args, "--password", "ngan"])
    assert weak.exit_code != 0
    result = runner.invoke(args=args, input="mat-khau-dai-du-manh-2026\n" * 2)
    assert result.exit_code == 0, result.output
    assert "admin quan.tri@tinh.gov.vn created" in result.output
    again = runner.invoke(args=[*args, "--password", "mat-khau-dai-du-manh-2026"])
    assert again.exit_code != 0 and "already exists" in again.output
    response = client.post("/login", data={"email": "quan.tri@tinh.gov.vn",
                                           "password": "mat-khau-dai-du-manh-2026"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


# --- the worker process -----------------------------------------------------------------

def migrated_sqlite(tmp_path: Path, env: dict[str, str]) -> Path:
    """A fresh SQLite database built by `flask db upgrade`, the deploy step."""
    path = tmp_path / "tracker.sqlite"
    env["DATABASE_URL"] = f"sqlite:///{path}"
    migrate(env)
    return path


def lease_holder(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT holder FROM scheduler_lease WHERE name='reminders'").fetchone()
    return row[0] if row else None


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_the_worker_runs_the_jobs_and_stops_on_sigterm(tmp_path, command):
    """`flask worker` (and its old name `flask scheduler`) takes the lease at start-up (its
    heartbeat), and SIGTERM, as systemd sends, stops it cleanly with status 0."""
    env = base_env(TRACKER_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                   TRACKER_BASE_URL="https://tracker.example.vn")
    path = migrated_sqlite(tmp_path, env)
    worker = subprocess.Popen([*FLASK, command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        holder = wait_for(lambda: lease_holder(path), 30, "the worker's lease")
        assert f":{worker.pid}:" in holder
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    # Production logs: one JSON object per line (LOG_FORMAT's default there).
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert [line["message"] for line in lines if line["logger"] == "tracker.cli"] == [
        "worker running: reminder planning and outbox sender; Ctrl+C or SIGTERM to stop",
        "worker stopped"]
    assert all({"time", "level", "logger", "message", "pid"} <= set(line) for line in lines)


# --- gunicorn behind nginx, as deploy/ describes it -------------------------------------

DEMO_OFFICER = ("chuyenvien@demo.local", "chuyenvien-demo-2020")  # README, demo accounts
SPOOFED = "203.0.113.77"


@contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database beside TEST_DATABASE_URL_PG's (the test role's
    CREATEDB right, as .ci/run grants it), dropped afterwards; its URL."""
    url = os.environ.get("TEST_DATABASE_URL_PG")
    if not url:
        if REQUIRE_PG:
            pytest.fail("TRACKER_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL_PG is unset")
        pytest.skip("no PostgreSQL server (set TEST_DATABASE_URL_PG)")
    url = sa.engine.make_url(url)
    name = f"{url.database}_deploy_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request, tmp_path_factory):
    """The production layout on this machine (tests/stack.py): the database (SQLite, or an
    empty PostgreSQL database) migrated and seeded, gunicorn and `flask worker` with
    deploy/tracker.env.example's settings, nginx with deploy/nginx/tracker.conf and a
    self-signed certificate, on free local ports."""
    nginx = find_nginx()
    if nginx is None:
        if REQUIRE_NGINX:
            pytest.fail("TRACKER_REQUIRE_NGINX=1 but nginx is not installed")
        pytest.skip("nginx is not installed (Debian package nginx)")
    folder = tmp_path_factory.mktemp(f"deploy-{request.param}")
    ports = Ports.free()
    env = production_env(folder, ports)  # no mail server: messages stay in the outbox
    assert env["TRACKER_ENV"] == "production" and env["TRUSTED_PROXIES"] == "1"
    assert env["SCHEDULER_AUTOSTART"] == "0"
    assert not [key for key in env if key.startswith("MAIL_")]
    with ExitStack() as resources:
        if request.param == "sqlite":
            database = f"sqlite:///{migrated_sqlite(folder, env)}"
        else:
            database = env["DATABASE_URL"] = resources.enter_context(empty_postgres_database())
            migrate(env)
        yield from serve(folder, env, ports, nginx, database)


def serve(folder: Path, env: dict[str, str], ports: Ports, nginx: str, database: str):
    """Seed the migrated database as the README says (seed-demo, refused in production),
    then run the stack; yields what the tests read."""
    refused = subprocess.run([*FLASK, "seed-demo"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode != 0 and "refused" in refused.stderr
    subprocess.run([*FLASK, "seed-demo"], cwd=ROOT, env={**env, "TRACKER_ENV": "development"},
                   check=True, capture_output=True, timeout=120)
    with running(folder, env, ports, nginx) as started:
        yield {"browser": started.browser, "database": database, "folder": folder,
               "processes": started.processes, "https_port": ports.https,
               "app_port": ports.app}


def throttle_keys(database: str) -> list[str]:
    """The throttle's counters in the stack's database (SQLite or PostgreSQL)."""
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text("SELECT key FROM throttle_counter")))
    finally:
        engine.dispose()


def test_healthz_through_nginx_sees_the_worker(stack):
    """/healthz answers through the proxy, over TLS, with the worker's heartbeat."""
    def worker_alive():
        status, headers, body = stack["browser"].open("/healthz")
        return status == 200 and json.loads(body)["worker"]["alive"] and headers

    headers = wait_for(worker_alive, 30, "the worker's heartbeat in /healthz")
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["Cache-Control"] == "no-store"
    assert "nginx/" not in headers.get("Server", "")  # server_tokens off


def test_sign_in_post_an_update_and_download_through_nginx(stack):
    """A demo officer signs in (CSRF, secure cookie), posts a status update on an item his
    agency leads, and downloads the plan's CSV, all through nginx."""
    browser = stack["browser"]
    status, _, page = browser.open("/login")
    assert status == 200
    login = form_on(page, having="password")
    status, headers, _ = browser.open("/login", {**login["fields"], "email": DEMO_OFFICER[0],
                                                 "password": DEMO_OFFICER[1]})
    assert status == 302, headers
    cookie = next(v for k, v in headers.items() if k.lower() == "set-cookie"
                  and v.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie

    status, _, page = browser.open("/items/1")
    assert status == 200
    form = form_on(page, "/items/1/status")
    new_status = next(value for value in form["options"]["status"] if value)
    note = "Cập nhật qua nginx (kiểm thử triển khai)"
    status, headers, _ = browser.open("/items/1/status", {
        **form["fields"], "status": new_status, "note": note})
    assert status == 302, headers
    assert headers["Location"].endswith("/items/1")
    assert note in browser.open("/items/1")[2].decode("utf-8")
    without_token = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
    assert browser.open("/items/1/status", {**without_token, "note": note})[0] == 400

    status, headers, body = browser.open("/plans/1/appendix.csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = body.decode("utf-8-sig").splitlines()
    assert len(rows) >= 4 and any("Sở Công Thương" in row for row in rows)


def test_the_throttle_counts_the_address_nginx_saw(stack):
    """A client's own X-Forwarded-For is not believed: nginx appends the real address
    (127.0.0.1 here) and the throttle counts that one (TRUSTED_PROXIES=1)."""
    browser = Browser(stack["browser"].base)
    login = form_on(browser.open("/login")[2], having="password")
    status, _, page = browser.open("/login", {**login["fields"], "email": DEMO_OFFICER[0],
                                              "password": "not-the-password"},
                                   headers={"X-Forwarded-For": SPOOFED})
    assert status == 400 and "Sai e-mail hoặc mật khẩu." in page.decode("utf-8")
    keys = throttle_keys(stack["database"])
    assert "login-address:127.0.0.1" in keys
    assert not [key for key in keys if SPOOFED in key]
    # The app's log line of that request: the address nginx saw, not the client's claim.
    line = wait_for(lambda: next((line for line in app_log(stack) if line.get("path") == "/login"
                                  and line.get("method") == "POST"), None), 10, "the log line")
    assert line["remote_addr"] == "127.0.0.1"
    assert SPOOFED not in (stack["folder"] / "gunicorn.out").read_text()


def app_log(stack) -> list[dict]:
    """gunicorn's output: every line a JSON object (the app's and gunicorn's own)."""
    text = (stack["folder"] / "gunicorn.out").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_request_id_goes_round_trip_through_nginx(stack):
    """nginx gives each request an id ($request_id, replacing one the client sent); the app
    logs its line under that id and sends it back. gunicorn's own lines are JSON too."""
    browser = Browser(stack["browser"].base)  # signed out
    status, headers, _ = browser.open("/login", headers={"X-Request-ID": "chosen-by-me"})
    assert status == 200
    request_id = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    line = wait_for(lambda: next((line for line in app_log(stack)
                                  if line.get("request_id") == request_id), None), 10, "the line")
    assert {k: line[k] for k in ("level", "logger", "method", "path", "status")} == {
        "level": "INFO", "logger": "tracker.request", "method": "GET", "path": "/login",
        "status": 200}
    assert line["duration_ms"] >= 0 and datetime.fromisoformat(line["time"])
    assert "chosen-by-me" not in (stack["folder"] / "gunicorn.out").read_text()
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"]
               for line in app_log(stack))


def scraped_samples(body: bytes) -> dict[str, float]:
    samples = {}
    for line in body.decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_metrics_add_up_over_the_gunicorn_workers(stack):
    """Two gunicorn workers share their counts (prometheus multiprocess mode, folder set up
    by gunicorn.conf.py): after requests served by both, every scrape, whichever worker
    answers it, reports them all."""
    from concurrent.futures import ThreadPoolExecutor

    healthz = 'tracker_http_requests_total{endpoint="health.healthz",method="GET",status="200"}'
    status, _, body = stack["browser"].open("/metrics")
    assert status == 200
    before = scraped_samples(body).get(healthz, 0)

    def hit(_):
        browser = Browser(stack["browser"].base)
        return [browser.open("/healthz")[0] for _ in range(10)]

    with ThreadPoolExecutor(6) as pool:
        statuses = [status for batch in pool.map(hit, range(6)) for status in batch]
    assert statuses == [200] * 60
    served_by = {line["pid"] for line in app_log(stack) if line.get("path") == "/healthz"}
    assert len(served_by) == 2, served_by  # both workers answered some

    totals = []
    for _ in range(6):
        status, headers, body = stack["browser"].open("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        samples = scraped_samples(body)
        totals.append(samples[healthz] - before)
        assert samples["tracker_database_up"] == 1
        assert 'tracker_outbox_messages{status="pending"}' in samples
    assert totals == [60] * 6
    scrapers = {line["pid"] for line in app_log(stack) if line.get("path") == "/metrics"}
    assert scrapers <= served_by


def test_gunicorns_own_error_pages_get_the_security_headers_once(stack):
    """gunicorn refuses (431) a request with too many header fields (over its
    limit_request_fields, 100) before the app sees it; nginx passes it on and adds the
    headers the answer lacks. The app's own answers keep theirs, not doubled."""
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", stack["https_port"], timeout=30,
                                       context=stack["browser"].context)
    conn.putrequest("GET", "/login")
    for n in range(120):
        conn.putheader(f"X-Filler-{n}", "x")
    conn.endheaders()
    response = conn.getresponse()
    status, headers, body = response.status, response.headers, response.read()
    conn.close()
    assert status == 431 and b"Error parsing headers" in body  # gunicorn's own page
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

    status, headers, _ = stack["browser"].open("/plans/")
    assert status in (200, 302)   # signed in by an earlier test, or not
    assert len(headers.get_all("Content-Security-Policy")) == 1
    assert "script-src 'self'" in headers["Content-Security-Policy"]   # the app's own
    assert len(headers.get_all("X-Frame-Options")) == 1
    assert len(headers.get_all("Cache-Control")) == 1
def post_multipart(browser: Browser, path: str, fields: dict[str, str],
                   files: dict[str, tuple[str, bytes]]):
    """A form with files, as a browser sends it (multipart/form-data)."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             .encode() for name, value in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
              f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
              + data + b"\r\n" for name, (filename, data) in files.items()]
    body = b"".join([*parts, f"--{boundary}--\r\n".encode()])
    request = urllib.request.Request(browser.base + path, data=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Referer": browser.base + path})
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_document_over_10_mb_passes_nginx_on_the_update_form(stack):
    """nginx lets the forms that carry a document take 21 MiB (the document limit and the
    form, as the app does), every other URL 10 MiB: a 12 MiB PDF posted with a note is kept
    in TRACKER_DOCUMENT_FOLDER and downloaded back; 21 MiB and more is refused by nginx."""
    import http.client

    browser = Browser(stack["browser"].base)
    login = form_on(browser.open("/login")[2], having="password")
    assert browser.open("/login", {**login["fields"], "email": DEMO_OFFICER[0],
                                   "password": DEMO_OFFICER[1]})[0] == 302
    form = form_on(browser.open("/items/1")[2], "/items/1/status")
    fields = {k: v for k, v in form["fields"].items() if k != "document_file"}
    document = b"%PDF-1.7\n" + os.urandom(12 * 1024 * 1024)
    status, headers, _ = post_multipart(browser, "/items/1/status",
                                        {**fields, "note": "Kèm Tờ trình (12 MB)"},
                                        {"document_file": ("to-trinh.pdf", document)})
    assert status == 302, headers
    page = browser.open("/items/1")[2].decode("utf-8")
    link = re.search(r'href="(/items/1/documents/\d+)"', page).group(1)
    status, headers, body = browser.open(link)
    assert status == 200 and body == document
    assert headers["Content-Disposition"].startswith("attachment")
    assert len(os.listdir(stack["folder"] / "documents")) == 1

    conn = http.client.HTTPSConnection("127.0.0.1", stack["https_port"], timeout=30,
                                       context=browser.context)
    conn.putrequest("POST", "/items/1/status")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(21 * 1024 * 1024 + 1))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    assert "văn bản đính kèm: 20 MB" in response.read().decode("utf-8")
    conn.close()


def test_nginx_error_pages_carry_the_security_headers(stack):
    """An upload over client_max_body_size (= MAX_CONTENT_LENGTH) is refused by nginx with
    413, and with gunicorn down nginx answers 502: both with the app's security headers.
    Runs last: it stops gunicorn."""
    import http.client

    assert stack["processes"]["gunicorn"].poll() is None
    conn = http.client.HTTPSConnection("127.0.0.1", stack["https_port"], timeout=30,
                                       context=stack["browser"].context)
    conn.putrequest("POST", "/plans/import")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(10 * 1024 * 1024 + 1))
    conn.endheaders()
    response = conn.getresponse()
    answers = [(response.status, response.headers, response.read())]
    conn.close()

    stack["processes"]["gunicorn"].terminate()
    stack["processes"]["gunicorn"].wait(timeout=30)
    answers.append(stack["browser"].open("/healthz"))
    assert [status for status, _, _ in answers] == [413, 502]
    for status, headers, body in answers:
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # nginx's, for its log
        assert f"Lỗi {status}" in body.decode("utf-8")
