"""Accounts: reset and invitation links, password rules, sessions, sign-in throttling, mail."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import text

from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage, ThrottleCounter, User
from tracker.notify.jobs import run_flush
from tracker.passwords import password_problems

NEW_PASSWORD = "mot-cau-rat-dai-2026"


def last_message(kind: str) -> OutboxMessage:
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id.desc())).first()


def link_path(message: OutboxMessage) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body_text).group(1)


@pytest.mark.parametrize("password,email,name,ok", [
    ("ngan", "an@x.vn", "Trần An", False),                       # too short
    ("tranthibinh-2026", "binh@x.vn", "Trần Thị Bình", False),   # the name, diacritics folded
    ("xx-chuyenvien-xx", "chuyenvien@so.vn", "A", False),         # the e-mail's local part
    ("mua thu la vang roi", "an@x.vn", "Trần Văn An", True),      # "an" is too short to count
    ("Đêm-trăng-sáng-2026", "binh@x.vn", "Lê Bình", True),
])
def test_password_rules(password, email, name, ok):
    assert (password_problems(password, email, name) == []) is ok


def test_forgot_password_does_not_reveal_accounts(client, make_user, seed_plan):
    """Known and unknown addresses get the same answer; only the known one gets mail."""
    user = make_user("officer")
    known = client.post("/password/forgot", data={"email": user.email.upper()})
    unknown = client.post("/password/forgot", data={"email": "nobody@nowhere.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    with client.session_transaction() as session:
        flashes = session["_flashes"]
    assert flashes[0] == flashes[1]  # the same words for both
    assert "Nếu địa chỉ này có tài khoản" in flashes[0][1]
    messages = db.session.scalars(sa.select(OutboxMessage.recipient)).all()
    assert messages == [user.email]
    # The request only queues; the sender (the scheduler, here by hand) finds no mail server
    # in tests: the message is kept, not lost.
    assert last_message("password_reset").status == MessageStatus.PENDING.value
    run_flush(datetime.now(UTC))
    assert last_message("password_reset").status == MessageStatus.HELD.value


def test_reset_link_works_once_and_ends_other_sessions(app, client, make_user, seed_plan):
    user = make_user("officer")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert other_device.get("/plans/").status_code == 200
    client.post("/password/forgot", data={"email": user.email})
    path = link_path(last_message("password_reset"))
    assert path.startswith("/password/reset/")
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"password": "ngan", "confirm": "ngan"})
    assert weak.status_code == 400 and "ít nhất 10 ký tự" in text(weak)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/plans/").status_code == 200            # signed in by the link
    assert other_device.get("/plans/").status_code == 302      # the old session is over
    replay = client.post(path, data={"password": "mot-mat-khau-khac", "confirm": "mot-mat-khau-khac"})
    assert replay.status_code == 400 and "không còn hiệu lực" in text(replay)
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_expired_and_forged_links_are_refused(app, client, make_user, seed_plan, monkeypatch):
    user = make_user("officer")
    client.post("/password/forgot", data={"email": user.email})
    path = link_path(last_message("password_reset"))
    import itsdangerous.timed

    later = datetime.now(UTC) + timedelta(hours=3)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(later.timestamp()))
    assert client.get(path).status_code == 400
    monkeypatch.undo()
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "abc").status_code == 400
    # A reset link is not an invitation link.
    assert client.get(path.replace("/password/reset/", "/invitation/")).status_code == 400


def test_a_newer_password_voids_older_links(client, make_user, seed_plan):
    user = make_user("officer")
    client.post("/password/forgot", data={"email": user.email})
    first = link_path(last_message("password_reset"))
    client.post("/password/forgot", data={"email": user.email})
    second = link_path(last_message("password_reset"))
    assert client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                       ).status_code == 302
    assert client.get(first).status_code == 400


def test_changing_password_ends_other_sessions_only(app, client, auth, make_user, seed_plan):
    user = make_user("officer")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    auth.login(user)
    wrong = client.post("/account/password", data={
        "current": "sai", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in text(wrong)
    mismatch = client.post("/account/password", data={
        "current": "mat-khau-thu-nghiem", "password": NEW_PASSWORD, "confirm": "khac-han-roi-nhe"})
    assert mismatch.status_code == 400
    response = client.post("/account/password", data={
        "current": "mat-khau-thu-nghiem", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/plans/").status_code == 200
    assert other_device.get("/plans/").status_code == 302


def test_sixth_wrong_password_is_throttled(app, client, make_user, seed_plan):
    """Five failures for one e-mail: the sixth attempt waits, even with the right password,
    and from another address too; after the wait it is checked again."""
    user = make_user("officer")
    for _ in range(5):
        response = client.post("/login", data={"email": user.email, "password": "sai-roi"})
        assert response.status_code == 400
    sixth = client.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert sixth.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in text(sixth) and "1 phút" in text(sixth)
    elsewhere = app.test_client()
    response = elsewhere.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"},
                              environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 429
    # Once the wait is over, the right password signs in.
    db.session.execute(sa.update(ThrottleCounter).values(
        not_before=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert client.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"}
                       ).status_code == 302


def test_one_address_trying_many_emails_is_throttled(client, make_user, seed_plan):
    """Twenty failures from one address, whatever the accounts: the next attempt waits."""
    user = make_user("officer")
    for i in range(20):
        assert client.post("/login", data={"email": f"doan{i}@x.vn", "password": "sai-roi"}
                           ).status_code == 400
    response = client.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert response.status_code == 429


def test_reset_mail_reaches_a_real_smtp_server(client, make_user, seed_plan, smtp_server):
    """Through aiosmtpd on 127.0.0.1: Vietnamese subject and display name decoded right, the
    link in the text and HTML parts, the outbox row marked sent."""
    user = make_user("officer", name="Trần Văn <An>")
    client.post("/password/forgot", data={"email": user.email})
    assert smtp_server.messages == []        # the request only queues
    run_flush(datetime.now(UTC))
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.envelope_to == [user.email]
    assert received.subject == "[Theo dõi đề án] Đặt mật khẩu mới"
    assert received.message["To"].addresses[0].display_name == "Trần Văn <An>"
    assert "/password/reset/" in received.text() and "Kính gửi Trần Văn <An>," in received.text()
    html = received.html()
    assert "Trần Văn &lt;An&gt;" in html and "<An>" not in html
    assert last_message("password_reset").status == MessageStatus.SENT.value


def test_mail_server_refusals_are_recorded(client, make_user, seed_plan, smtp_server):
    user = make_user("officer")
    smtp_server.refusals.append(550)
    client.post("/password/forgot", data={"email": user.email})
    run_flush(datetime.now(UTC))
    message = last_message("password_reset")
    assert message.status == MessageStatus.FAILED.value and "550" in message.last_error
    smtp_server.refusals.append(451)
    client.post("/password/forgot", data={"email": user.email})
    run_flush(datetime.now(UTC))
    message = last_message("password_reset")
    assert message.status == MessageStatus.PENDING.value and "451" in message.last_error
    assert smtp_server.messages == []
