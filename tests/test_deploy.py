"""The production layout, run for real: /healthz, the worker process, and gunicorn behind
nginx with TLS as deploy/ describes it (README, "Production").

The end-to-end test needs Debian's nginx and openssl; without nginx it is skipped, unless
TRACKER_REQUIRE_NGINX=1 (as in CI), where a missing nginx is a failure.
"""
from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker import create_app
from tracker.extensions import db
from tracker.models import SchedulerLease, SchedulerRun
from tracker.notify.scheduler import LEASE_TTL

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_NGINX = os.environ.get("TRACKER_REQUIRE_NGINX") == "1"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


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


# --- the worker process -----------------------------------------------------------------

def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def migrated_sqlite(tmp_path: Path, env: dict[str, str]) -> Path:
    """A fresh SQLite database built by `flask db upgrade`, the deploy step."""
    path = tmp_path / "tracker.sqlite"
    env["DATABASE_URL"] = f"sqlite:///{path}"
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    return path


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TRACKER_", "DATABASE_URL", "SECRET_KEY", "MAIL_", "TRUSTED_"))}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


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
    assert "worker stopped" in output
