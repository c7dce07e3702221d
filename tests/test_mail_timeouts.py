"""A mail server that never answers costs one timeout per flush: no web request waits for
SMTP (requests only queue), the scheduler goes on after any one job fails, and the admin
sees a stuck sender on the outbox page."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import outbox_rows
from smtp_server import SilentServer

from tracker import create_app
from tracker.extensions import db, mail
from tracker.models import MessageStatus, OutboxMessage, SchedulerRun, User
from tracker.notify.jobs import run_flush
from tracker.notify.scheduler import ReminderScheduler

TIMEOUT = 1.0


def point_mail_at(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=TIMEOUT)
    mail.init_app(app)


def queue(count: int, created_at: datetime | None = None) -> None:
    db.session.add_all(OutboxMessage(kind="test", recipient=f"nguoinhan{i}@so.gov.vn",
                                     subject=f"Thư số {i}", body_text="Nội dung",
                                     status=MessageStatus.PENDING.value,
                                     created_at=created_at or datetime.now(UTC))
                       for i in range(count))
    db.session.commit()


def in_thread(app, job, limit: float = 15.0):
    """Run `job` in an app context on another thread; (finished in time?, seconds, result)."""
    outcome = {}

    def run():
        with app.app_context():
            try:
                outcome["result"] = job()
            except Exception as error:  # noqa: BLE001 — reported to the test
                outcome["error"] = error

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    return not thread.is_alive(), time.monotonic() - started, outcome


@pytest.mark.parametrize("greet", [False, True], ids=["silent-from-the-start", "silent-after-ehlo"])
def test_a_server_that_never_answers_costs_one_timeout(app, greet):
    """Connect, greeting and every command are bounded by MAIL_TIMEOUT; after a timeout the
    batch stops (the others wait for the next flush, unclaimed) instead of one wait each."""
    with SilentServer(greet=greet) as server:
        point_mail_at(app, server.port)
        queue(3)
        finished, seconds, outcome = in_thread(app, lambda: run_flush(datetime.now(UTC)))
        assert finished, "the sender hung on a server that never answers"
        assert "error" not in outcome
        assert seconds < 4 * TIMEOUT
    messages = outbox_rows()
    assert {m.status for m in messages} == {MessageStatus.PENDING.value}
    assert {(m.claim_token, m.claimed_until) for m in messages} == {(None, None)}
    first = messages[0]
    assert first.attempts == 1 and first.next_attempt_at is not None
    assert "no answer from the mail server within 1.0 s" in first.last_error
    [run] = db.session.scalars(sa.select(SchedulerRun)).all()
    assert run.retried >= 1 and "no answer" in run.error


def test_web_requests_only_queue_mail(app, client, auth, make_user, seed_plan):
    """Reset, invitation, invitation again, postponement request and decision: each request
    answers at once and no request opens an SMTP connection (the server counts them)."""
    with SilentServer(hold=3) as server:
        point_mail_at(app, server.port)
        officer = db.session.scalar(sa.select(User).where(User.email == "chuyenvien@demo.local"))
        manager = db.session.scalar(sa.select(User).where(User.email == "lanhdao@demo.local"))
        admin = make_user("admin", "Văn phòng UBND tỉnh")
        timings = []

        def timed(method, url, **kwargs):
            started = time.monotonic()
            response = getattr(client, method)(url, **kwargs)
            timings.append((url, time.monotonic() - started))
            return response

        assert timed("post", "/password/forgot", data={"email": officer.email}).status_code == 302
        auth.login(admin)
        assert timed("post", "/admin/users/invite", data={
            "name": "Nguyễn Thị Hoa", "email": "hoa@soct.gov.vn",
            "agency_id": str(admin.agency_id), "role": "officer"}).status_code == 302
        invited = db.session.scalar(sa.select(User).where(User.email == "hoa@soct.gov.vn"))
        assert timed("post", f"/admin/users/{invited.id}/invite-again").status_code == 302
        auth.logout()
        auth.login(officer, "chuyenvien-demo-2020")
        assert timed("post", "/items/1/status", data={
            "status": "postponed", "new_period": "Quý IV/2020", "note": "Chờ ý kiến của Bộ",
            "version": "1"}).status_code == 302
        auth.logout()
        auth.login(manager, "lanhdao-demo-2020")
        assert timed("post", "/items/1/decision",
                     data={"decision": "approve", "version": "2"}).status_code == 302
        assert server.connections == 0
    assert all(seconds < 1 for _, seconds in timings), timings
    kinds = {m.kind for m in outbox_rows()}
    assert {"password_reset", "invitation", "postponement_requested",
            "postponement_decided"} <= kinds
    assert {(m.status, m.attempts) for m in outbox_rows()} == {(MessageStatus.PENDING.value, 0)}


def test_a_reset_request_does_the_same_work_with_or_without_an_account(app, client, make_user,
                                                                      count_queries):
    """Forgot-password for an address with an account and for one without runs the same SQL
    statements and renders the same mail (only the first writes a row): its timing does not
    tell whether an address has an account. Neither talks to a mail server."""
    from flask import template_rendered

    user = make_user("officer")

    def work(email: str, address: str) -> tuple[list[str], list[str]]:
        rendered = []

        def record(sender, template, context, **extra):
            rendered.append(template.name)

        with SilentServer(hold=3) as server, count_queries() as statements, \
                template_rendered.connected_to(record, app):
            point_mail_at(app, server.port)
            response = client.post("/password/forgot", data={"email": email},
                                   environ_base={"REMOTE_ADDR": address})
            assert response.status_code == 302 and server.connections == 0
        return statements, rendered

    known = work(user.email, "192.0.2.1")
    unknown = work("khong-co-tai-khoan@so.gov.vn", "192.0.2.2")
    assert known == unknown
    assert known[1] == ["email/password_reset.txt", "email/password_reset.html"]
    assert [m.recipient for m in outbox_rows()] == [user.email]


def test_the_scheduler_survives_a_failing_job(tmp_path, caplog):
    """A flush that fails (here: the database locked by another process beyond its busy
    timeout) is logged and ends that run only; the next run works."""
    path = tmp_path / "locked.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.2}}})
    scheduler = ReminderScheduler(app)
    with app.app_context():
        db.create_all()
        queue(2)
        db.session.remove()
        other = sqlite3.connect(path)
        other.execute("BEGIN EXCLUSIVE")
        with caplog.at_level(logging.ERROR, logger="tracker.notify.scheduler"):
            scheduler.flush()          # must not raise
            scheduler.plan()
        assert "reminder job 'send' failed" in caplog.text
        assert "reminder job 'plan' failed" in caplog.text
        other.rollback()
        other.close()
        scheduler.flush()
        assert {m.status for m in outbox_rows()} == {MessageStatus.HELD.value}
        db.session.remove()
        db.engine.dispose()


def test_the_admin_sees_a_stuck_sender(app, client, auth, make_user):
    """The outbox page tells how long the oldest message has waited and the last sending
    error, and says the sender seems stuck when a message waited over 15 minutes."""
    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(admin)
    assert "Không có thư nào đang chờ gửi." in client.get("/admin/outbox").get_data(as_text=True)
    queue(2, created_at=datetime.now(UTC) - timedelta(minutes=40))
    with SilentServer(greet=True) as server:
        point_mail_at(app, server.port)
        finished, _, outcome = in_thread(app, lambda: ReminderScheduler(app).flush())
        assert finished and "error" not in outcome
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "2 thư đang chờ gửi; thư cũ nhất được xếp hàng cách đây 40 phút" in page
    assert "Bộ gửi thư có vẻ bị kẹt" in page
    assert "Lỗi gửi thư gần nhất" in page and "Máy chủ thư không trả lời trong" in page
    assert "Máy chủ thư không trả lời trong" in client.get("/admin/runs").get_data(as_text=True)
