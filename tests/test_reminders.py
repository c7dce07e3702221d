"""Reminders end to end: planning into the outbox, digests, a real SMTP server, faults."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from helpers import count

from tracker.extensions import db
from tracker.models import Item, MessageStatus, Notice, OutboxMessage, SchedulerRun, User
from tracker.notify.jobs import run_flush, run_planning

OFFICER = "chuyenvien@demo.local"
MANAGER = "lanhdao@demo.local"


def at(day: date, hour: int = 1) -> datetime:
    """An instant on `day` in Hà Nội time (UTC+7): 01:00 UTC is 08:00 there."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_dry_run_prints_and_writes_nothing(runner, seed_plan):
    result = runner.invoke(args=["reminders", "plan", "--today", "2020-09-16", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert f"{OFFICER}\tdue_soon\tXây dựng và trình UBND tỉnh dự thảo sửa đổi Quyết định ban hành " \
           "Quy chế phối hợp quản lý cụm công nghiệp trên địa bàn tỉnh" in lines
    assert lines[-1] == "2 notices for 2020-09-16"
    assert count(Notice) == 0 and count(OutboxMessage) == 0


def test_planning_twice_adds_nothing(runner, seed_plan):
    first = runner.invoke(args=["reminders", "plan", "--today", "2020-09-16"])
    assert first.output.strip().splitlines()[-1] == "2 notices for 2020-09-16, 2 new"
    second = runner.invoke(args=["reminders", "plan", "--today", "2020-09-16"])
    assert second.output.strip().splitlines()[-1] == "2 notices for 2020-09-16, 0 new"
    assert count(Notice) == 2
    digests = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [(m.kind, m.recipient) for m in digests] == [("digest", OFFICER)]
    assert count(SchedulerRun) == 2


def test_planning_from_two_threads_at_once_adds_each_notice_once(app, seed_plan):
    day = date(2020, 9, 23)
    barrier = threading.Barrier(2)
    errors = []

    def plan():
        try:
            with app.app_context():
                barrier.wait()
                run_planning(day, at(day))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert count(Notice) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "digest")) == 1


def test_without_a_mail_server_digests_are_held_for_admins(app, client, auth, make_user,
                                                           seed_plan):
    day = date(2020, 9, 23)
    run_planning(day, at(day))
    result = run_flush(at(day))
    assert (result.sent, result.held) == (0, 1)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == MessageStatus.HELD.value
    assert message.last_error == "not sent: no mail server configured"
    assert message.subject == "[Nhắc việc] 2 đề án đến hạn trình trong 7 ngày"
    assert "Chương trình Khuyến công địa phương" in message.body_text


def test_digest_reaches_a_real_smtp_server(app, seed_plan, smtp_server):
    """Overdue first, then due soon; decoded Vietnamese subject; title, lead agency, period,
    days left or late, and a link on each line; the list link at the end."""
    day = date(2020, 12, 24)   # item 2 due 31/12 (7 days); items 1 and 3 long overdue
    # Make 1 and 3 overdue alerts fall today: their first alert was 1/10/2020; +7k days.
    run_planning(day, at(day))
    run_flush(at(day))
    received = {m.envelope_to[0]: m for m in smtp_server.messages}
    officer = received[OFFICER]
    assert officer.subject.startswith("[Nhắc việc]")
    assert officer.message["To"].addresses[0].display_name == "Trần Văn An"
    text = officer.text()
    assert "Dự thảo công văn thay thế Công văn số 245/UBND-CNXD" in text
    assert "Sở Công Thương · Quý IV/2020 (31/12/2020) · còn 7 ngày" in text
    # Built outside any request (as the scheduler does), from TRACKER_BASE_URL.
    assert "https://theodoi.example.vn/items/2" in text
    assert text.strip().endswith("https://theodoi.example.vn/plans/mine")
    assert len(smtp_server.messages) == len({m.envelope_to[0] for m in smtp_server.messages})


def test_server_down_then_up_delivers_each_message_once(app, seed_plan, smtp_server):
    day = date(2020, 9, 23)
    run_planning(day, at(day))
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there: connection refused
    from tracker.extensions import mail

    mail.init_app(app)
    result = run_flush(at(day))
    assert (result.sent, result.retried) == (0, 1)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == MessageStatus.PENDING.value and message.next_attempt_at is not None
    app.config["MAIL_PORT"] = port
    mail.init_app(app)
    assert run_flush(at(day)).sent == 0          # the back-off is not over yet
    later = message.next_attempt_at + timedelta(seconds=1)
    assert run_flush(later).sent == 1
    assert run_flush(later + timedelta(hours=1)).sent == 0
    assert len(smtp_server.messages) == 1


def test_451_is_retried_and_550_fails_and_shows_on_the_outbox_page(app, client, auth, make_user,
                                                                   seed_plan, smtp_server):
    day = date(2020, 9, 23)
    run_planning(day, at(day))
    smtp_server.refusals.append(451)
    first = run_flush(at(day))
    assert (first.sent, first.retried) == (0, 1)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert "451" in message.last_error
    assert run_flush(message.next_attempt_at).sent == 1
    assert len(smtp_server.messages) == 1

    user = db.session.scalar(sa.select(User).where(User.email == OFFICER))
    user.muted_notices = ""
    db.session.commit()
    day = date(2020, 9, 25)
    run_planning(day, at(day))
    smtp_server.refusals.append(550)
    result = run_flush(at(day))
    assert result.failed == 1
    failed = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.FAILED.value)).one()
    assert failed.last_error.startswith("550")
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert OFFICER in page


def test_deactivated_recipient_and_ended_items_cancel_the_digest(app, seed_plan, smtp_server):
    day = date(2020, 9, 16)
    run_planning(day, at(day))
    for item in db.session.scalars(sa.select(Item).where(Item.id.in_([1, 3]))):
        item.status = "submitted"
    db.session.commit()
    result = run_flush(at(day))
    assert result.cancelled == 1 and smtp_server.messages == []
    cancelled = db.session.scalar(sa.select(OutboxMessage))
    assert cancelled.status == MessageStatus.CANCELLED.value

    day = date(2020, 12, 17)   # item 2: 14 days before 31/12
    run_planning(day, at(day))
    db.session.execute(sa.update(User).where(User.email == OFFICER).values(active=False))
    db.session.commit()
    result = run_flush(at(day))
    assert result.sent == 0 and smtp_server.messages == []


def test_status_changes_reach_managers_in_the_next_digest_once(app, client, auth, seed_plan):
    auth.login(db.session.scalar(sa.select(User).where(User.email == OFFICER)),
               "chuyenvien-demo-2020")
    client.post("/items/1/status", data={"status": "submitted", "document_ref": "45/TTr-SCT",
                                         "document_date": "20/9/2020", "version": "1"})
    notices = db.session.scalars(sa.select(Notice).where(Notice.kind == "status")).all()
    assert {n.recipient for n in notices} == {OFFICER, MANAGER}
    from tracker.clock import today_in

    day = today_in("Asia/Ho_Chi_Minh")   # the notice waits for the next planning run
    run_planning(day, at(day))
    run_planning(day, at(day))
    manager_digest = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.recipient == MANAGER)).one()
    run_flush(at(day))
    db.session.refresh(manager_digest)
    assert "Đã trình" in manager_digest.body_text


def test_a_postponement_mail_to_a_deactivated_manager_is_cancelled(app, client, auth, seed_plan,
                                                                   smtp_server):
    auth.login(db.session.scalar(sa.select(User).where(User.email == OFFICER)),
               "chuyenvien-demo-2020")
    app.config["MAIL_SERVER"] = None     # keep the request mails in the outbox for now
    response = client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "Chờ ý kiến của Bộ",
        "version": "1"})
    assert response.status_code == 302
    db.session.execute(sa.update(OutboxMessage).values(status=MessageStatus.PENDING.value))
    db.session.execute(sa.update(User).where(User.email == MANAGER).values(active=False))
    db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    result = run_flush(datetime.now(UTC))
    to_manager = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == MANAGER))
    assert to_manager.status == MessageStatus.CANCELLED.value
    assert MANAGER not in {r for m in smtp_server.messages for r in m.envelope_to}
    assert result.cancelled >= 1


def test_a_day_whose_notices_were_all_planned_before_opens_no_digest(app, seed_plan):
    """Notices already stored (and mailed) are not new: no empty digest is left in the outbox."""
    from tracker.notify.service import plan_day, write_notices

    first, second = date(2020, 9, 16), date(2020, 9, 17)
    notices = plan_day(first)
    assert write_notices(notices, first) == 2
    db.session.execute(sa.update(OutboxMessage).values(status=MessageStatus.SENT.value))
    db.session.commit()
    assert write_notices(notices, second) == 0
    db.session.commit()
    digests = db.session.scalars(sa.select(OutboxMessage.dedupe_key)).all()
    assert digests == [f"digest:{first.isoformat()}:{OFFICER}"]
    # A status change waiting from the day before does open the next day's digest.
    db.session.add(Notice(dedupe_key="status:1:x", kind="status", item_id=1,
                          recipient=OFFICER, user_id=None, stage=0, planned_for=second))
    db.session.commit()
    write_notices(notices, second)
    db.session.commit()
    waiting = db.session.scalar(sa.select(Notice).where(Notice.dedupe_key == "status:1:x"))
    assert waiting.message_id is not None
    assert db.session.get(OutboxMessage, waiting.message_id).dedupe_key == \
        f"digest:{second.isoformat()}:{OFFICER}"


def test_status_notices_skip_who_muted_them_and_reach_the_shared_mailbox(app, client, auth,
                                                                        seed_plan):
    from tracker.models import Agency

    manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
    manager.muted_notices = "status"
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Sở Công Thương"))
    agency.shared_mailbox = "vanthu.sct@example.vn"
    db.session.commit()
    auth.login(db.session.scalar(sa.select(User).where(User.email == OFFICER)),
               "chuyenvien-demo-2020")
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "20/9/2020",
        "version": "1"})
    assert response.status_code == 302
    notices = db.session.scalars(sa.select(Notice).where(Notice.kind == "status")).all()
    assert sorted((n.recipient, n.user_id is None) for n in notices) == [
        (OFFICER, False), ("vanthu.sct@example.vn", True)]
