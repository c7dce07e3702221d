"""Logs and metrics (README, "Production"): JSON lines with the request's id, and /metrics
for Prometheus, readable from the allowed addresses only."""
from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.logs import configure_logging, resolve_format
from tracker.models import MessageStatus, OutboxMessage, SchedulerLease, SchedulerRun
from tracker.notify.scheduler import LEASE_TTL, surviving

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_logs(capsys):
    """The process's logging as production sets it up (LOG_FORMAT=json), restored after;
    returns a function giving the JSON lines written since the last call."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("json")
    capsys.readouterr()

    def lines() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]

    yield lines
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "tracker.request"]


# --- logs ---------------------------------------------------------------------------------

def test_each_request_is_one_json_line_with_its_id_and_user(app, client, auth, make_user,
                                                            json_logs):
    """time, level, logger, message, request id (the proxy's, sent back in the answer),
    method, path, endpoint, status, duration and the signed-in user's id."""
    user = make_user("officer")
    auth.login(user)
    json_logs()
    response = client.get("/plans/?page=2&q=secret-search", headers={
        "X-Request-ID": "6f1c2e0a9b8d4c7e8f90a1b2c3d4e5f6"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "6f1c2e0a9b8d4c7e8f90a1b2c3d4e5f6"
    [line] = request_lines(json_logs())
    assert line["time"].endswith("+00:00") and datetime.fromisoformat(line["time"])
    assert {k: line[k] for k in ("level", "logger", "method", "path", "endpoint", "status",
                                 "request_id", "user_id")} == {
        "level": "INFO", "logger": "tracker.request", "method": "GET", "path": "/plans/",
        "endpoint": "plans.index", "status": 200,
        "request_id": "6f1c2e0a9b8d4c7e8f90a1b2c3d4e5f6", "user_id": user.id}
    assert line["message"] == "GET /plans/ 200"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["remote_addr"] == "127.0.0.1"
    assert "secret-search" not in json.dumps(line)  # no query string

    client.get("/plans/")
    [anonymous] = request_lines(json_logs())
    assert HEX_ID.fullmatch(anonymous["request_id"])  # none sent: a new one


@pytest.mark.parametrize("sent", ["x" * 101, "two words", 'quote"d', "ünïcode", "-leading-dash",
                                  ""])
def test_an_odd_request_id_is_replaced(app, client, json_logs, sent):
    """Only a short id of safe characters is taken from the request; anything else gets a
    fresh id, in the answer and in the log alike."""
    response = client.get("/login", headers={"X-Request-ID": sent})
    given = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(given) and given != sent
    [line] = request_lines(json_logs())
    assert line["request_id"] == given


def test_every_request_gets_its_own_id(app, client):
    ids = {client.get("/login").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_no_password_token_or_mail_body_in_the_logs(app, client, make_user, json_logs):
    """A sign-in's password, a reset link's token and a queued mail's body never reach the
    log; a path holding a token is logged as its route."""
    user = make_user("officer")
    client.post("/login", data={"email": user.email, "password": "sai-mat-khau-bi-mat-42"})
    client.post("/password/forgot", data={"email": user.email})
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    token = re.search(r"/password/reset/([^\s\"<]+)", message.body_text).group(1)
    client.get(f"/password/reset/{token}")
    output = json.dumps(json_logs(), ensure_ascii=False)
    assert "sai-mat-khau-bi-mat-42" not in output
    assert token not in output
    assert message.body_text.strip().splitlines()[0] not in output
    assert '"path": "/password/reset/<token>"' in output


def test_an_error_is_logged_with_the_request_id_and_without_the_token(app, client, auth,
                                                                    make_user, json_logs):
    """An unexpected error: the traceback in the log line (exc_info), on the request's id,
    with the path's token left out."""
    def boom(token):
        raise RuntimeError("something broke")

    app.add_url_rule("/boom/<token>", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth.login(make_user("officer"))
    json_logs()
    response = client.get("/boom/s3cret-t0ken", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    lines = json_logs()
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["message"] == "Exception on /boom/<token> [GET]"
    assert error["request_id"] == "req-42"
    assert "RuntimeError: something broke" in error["exc_info"]
    assert "s3cret-t0ken" not in json.dumps(lines)
    assert request_lines(lines)[0]["status"] == 500


def test_the_worker_lines_carry_the_job_and_its_run(app, json_logs):
    """Outside a request, a job's lines carry the job's name and the run's id instead; a
    failing run is logged with its traceback, on the same run id."""
    log = logging.getLogger("tracker.notify.test")
    now = datetime.now(UTC)
    with surviving("send", now):
        log.info("first")
        raise RuntimeError("mail server on fire")
    with surviving("send", now):
        log.info("second")
    first, failure, second = [line for line in json_logs()
                              if line["logger"].startswith("tracker.notify")]
    assert (first["job"], first["message"]) == ("send", "first")
    assert failure["run_id"] == first["run_id"] and failure["level"] == "ERROR"
    assert "mail server on fire" in failure["exc_info"]
    assert second["run_id"] != first["run_id"]
    assert "request_id" not in first


def test_log_format_setting():
    """json by default in production, text elsewhere; anything else is refused at start."""
    assert resolve_format(None, "production") == "json"
    assert resolve_format("", "development") == "text"
    assert resolve_format("TEXT", "production") == "text"
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "LOG_FORMAT": "xml"})


def test_text_lines_show_the_request_id(app, client, capsys):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("text")
        capsys.readouterr()
        client.get("/login", headers={"X-Request-ID": "abc-123"})
        err = capsys.readouterr().err
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    assert re.search(r"INFO tracker\.request abc-123: GET /login 200", err), err


# --- metrics ------------------------------------------------------------------------------

def scrape(client, **kwargs) -> tuple[int, dict[str, float]]:
    """The status and the samples of /metrics, as {'name{labels}': value}."""
    response = client.get("/metrics", **kwargs)
    samples = {}
    if response.status_code == 200:
        for line in response.get_data(as_text=True).splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                samples[name] = float(value)
    return response.status_code, samples


def requests_of(samples: dict[str, float], endpoint: str, status: str = "200") -> float:
    return samples.get(f'tracker_http_requests_total{{endpoint="{endpoint}",method="GET",'
                       f'status="{status}"}}', 0.0)


def test_metrics_count_requests_by_route_not_by_path(app, client, auth, make_user, seed_plan):
    """Latency and counts are labelled with the route's name: /items/1 and /items/2 are one
    series, an unknown path is `none`, an unknown method `other` (bounded cardinality)."""
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    before = scrape(client)[1]
    for item_id in (1, 2, 3):
        assert client.get(f"/items/{item_id}").status_code == 200
    client.get("/no/such/page/12345")
    client.open("/login", method="BREW")
    status, after = scrape(client)
    assert status == 200
    assert requests_of(after, "items.show") - requests_of(before, "items.show") == 3
    assert requests_of(after, "none", "404") - requests_of(before, "none", "404") == 1
    assert any(name.startswith("tracker_http_requests_total{") and 'method="other"' in name
               for name in after)
    count = 'tracker_http_request_duration_seconds_count{endpoint="items.show",method="GET"}'
    assert after[count] - before.get(count, 0) == 3
    assert not [name for name in after if "/items/" in name or "12345" in name]


def test_metrics_read_the_outbox_and_the_worker_from_the_database(app, client):
    """Queue depth and the oldest pending message's age, the worker's heartbeat and the
    last successful planning day, as the database has them at the scrape."""
    now = datetime.now(UTC)
    for minutes, status in ((90, MessageStatus.PENDING), (5, MessageStatus.PENDING),
                            (600, MessageStatus.FAILED), (700, MessageStatus.SENT)):
        db.session.add(OutboxMessage(kind="test", recipient="a@test.vn", subject="s",
                                     status=status, created_at=now - timedelta(minutes=minutes)))
    samples = scrape(client)[1]
    assert samples["tracker_worker_alive"] == 0
    assert "tracker_worker_heartbeat_age_seconds" not in samples  # never ran
    assert "tracker_reminders_last_planned_day_timestamp_seconds" not in samples

    db.session.add(SchedulerLease(name="reminders", holder="w",
                                  expires_at=now + LEASE_TTL - timedelta(seconds=40)))
    db.session.add(SchedulerRun(job="plan", started_at=now - timedelta(hours=3),
                                for_day=datetime(2026, 11, 29).date()))
    db.session.add(SchedulerRun(job="plan", started_at=now - timedelta(hours=1),
                                error="RuntimeError: failed"))  # a failure is not a success
    db.session.commit()
    status, samples = scrape(client)
    assert status == 200
    assert samples['tracker_outbox_messages{status="pending"}'] == 2
    assert samples['tracker_outbox_messages{status="failed"}'] == 1
    assert samples['tracker_outbox_messages{status="held"}'] == 0
    assert 90 * 60 - 5 <= samples["tracker_outbox_oldest_pending_age_seconds"] <= 90 * 60 + 30
    assert samples["tracker_database_up"] == 1
    assert samples["tracker_worker_alive"] == 1
    assert 39 <= samples["tracker_worker_heartbeat_age_seconds"] <= 50
    # 29/11/2026 00:00 in Hà Nội (UTC+7).
    assert samples["tracker_reminders_last_planned_day_timestamp_seconds"] == \
        datetime(2026, 11, 28, 17, 0, tzinfo=UTC).timestamp()
    assert 3 * 3600 - 5 <= samples["tracker_reminders_last_planning_age_seconds"] <= 3 * 3600 + 30


def test_metrics_when_the_database_is_down(tmp_path):
    """The request metrics still answer; the database's gauges say it is down."""
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.sqlite"})
    status, samples = scrape(app.test_client())
    assert status == 200
    assert samples["tracker_database_up"] == 0
    assert "tracker_outbox_oldest_pending_age_seconds" not in samples


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_metrics_only_for_allowed_addresses_or_the_token(app):
    """By default this machine only; METRICS_ALLOWED lists networks; with METRICS_TOKEN a
    bearer token works from anywhere. Anyone else: 404, as for a page that is not there."""
    client = app.test_client()
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    assert scrape(client)[0] == 200
    assert scrape(client, environ_base={"REMOTE_ADDR": "::1"})[0] == 200
    assert scrape(client, **remote)[0] == 404

    for allowed, status in (("10.0.0.0/8, 203.0.113.0/24", 200), ("10.0.0.0/8", 404), ("", 404)):
        other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                            "METRICS_ALLOWED": [v for v in allowed.split(", ") if v]})
        assert scrape(other.test_client(), **remote)[0] == status, allowed

    with_token = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                             "METRICS_ALLOWED": [], "METRICS_TOKEN": "t" * 40})
    client = with_token.test_client()
    assert scrape(client, headers={"Authorization": "Bearer " + "t" * 40}, **remote)[0] == 200
    assert scrape(client, headers={"Authorization": "Bearer " + "t" * 39}, **remote)[0] == 404
    assert scrape(client, headers={"Authorization": "Basic " + "t" * 40}, **remote)[0] == 404
    assert scrape(client)[0] == 404  # METRICS_ALLOWED empty: not even this machine

    with pytest.raises(RuntimeError, match="METRICS_ALLOWED"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "METRICS_ALLOWED": ["not-a-network"]})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_metrics_behind_the_proxy_see_the_real_client(database_url):
    """Behind nginx (TRUSTED_PROXIES=1) the address checked is the one nginx appended, not
    a 127.0.0.1 the client wrote into X-Forwarded-For itself."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": 1})
    client = app.test_client()
    from_nginx = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}
    assert scrape(client, headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.9"},
                  **from_nginx)[0] == 404
    assert scrape(client, headers={"X-Forwarded-For": "127.0.0.1"}, **from_nginx)[0] == 200
