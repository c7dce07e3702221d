"""The admin pages speak Vietnamese: message kinds, statuses, journal actions, the fields a
change names and the outbox's errors all have labels, and no internal code
(`postponement_decided`, `active: yes → no`, `not sent: no mail server configured`) is
shown on any admin page."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PASSWORD
from flask import url_for

from tracker.audit import ACTION_LABELS, FIELD_LABELS, SOURCE_LABELS, detail_lines
from tracker.extensions import db
from tracker.models import (
    Agency,
    DeliveryStatus,
    MessageStatus,
    OutboxMessage,
    SchedulerRun,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.outbox.labels import (
    KIND_LABELS,
    NO_ANSWER,
    NO_SERVER,
    NOTHING_LEFT,
    RECIPIENT_DEACTIVATED,
    error_label,
)
from tracker.webhooks.sender import NO_ANSWER as WEBHOOK_NO_ANSWER
from tracker.webhooks.sender import SUBSCRIPTION_OFF, TARGET_REFUSED

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# What a webhook delivery stores as its answer when the reason is ours.
WEBHOOK_ANSWERS = (SUBSCRIPTION_OFF, TARGET_REFUSED, WEBHOOK_NO_ANSWER.format(seconds=10.0),
                   "ConnectionRefusedError: [Errno 111] Connection refused")
ERRORS = (NO_SERVER, RECIPIENT_DEACTIVATED, NOTHING_LEFT, NO_ANSWER.format(seconds=10.0),
          "550 5.1.1 <khong.co@so.gov.vn>: Recipient address rejected",
          "[Errno 111] Connection refused")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
CODED_CHANGE = re.compile(r"\b(?:yes|no) → |→ (?:yes|no)\b")
FIELD_CODE = re.compile(rf"(?<![\w.])(?:{'|'.join(FIELD_LABELS)}): ")


class VisibleText(HTMLParser):
    """The text a reader sees: what is outside tags, scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_in(text: str) -> list[str]:
    """The internal codes a page shows."""
    found = SNAKE_CASE.findall(text) + CODED_CHANGE.findall(text) + FIELD_CODE.findall(text)
    found += [code for code in (*ACTION_LABELS, *KIND_LABELS, *ERRORS[:4]) if code in text]
    found += re.findall(rf"\b(?:{'|'.join(s.value for s in MessageStatus)})\b", text)
    found += [code for code in (*WEBHOOK_ANSWERS[:3], "delivered") if code in text]
    return found


def test_every_e_mail_template_has_a_kind_label():
    """An e-mail kind is its template's name: each one is named on the outbox page."""
    kinds = {path.stem for path in (TEMPLATES / "email").glob("*.txt")
             if not path.stem.startswith("_")}
    assert kinds <= set(KIND_LABELS)


def test_journal_lines_are_labelled_and_names_left_alone(app):
    """Field codes and coded values are labelled; a name is shown as stored, even one that
    looks like a change."""
    with app.test_request_context():
        assert detail_lines("active: yes → no\nis_consolidating_office: no → yes\n"
                            "role: officer → manager\nsource: item_form") == [
            "Đang hoạt động: có → không", "Cơ quan tổng hợp: không → có",
            "Vai trò: Chuyên viên → Lãnh đạo", "Tạo từ: biểu mẫu đề án"]
        assert detail_lines("name: Sở A: yes → no → Sở B", "agency") == \
            ["Tên cơ quan: Sở A: yes → no → Sở B"]
        assert detail_lines("name: Trần An → Trần Văn An", "user") == \
            ["Họ tên: Trần An → Trần Văn An"]
        assert detail_lines("something new: x") == ["something new: x"]


def test_outbox_errors_are_told_in_vietnamese(app):
    """The outbox page tells each sending error in Vietnamese words, and nothing when there is none."""
    with app.test_request_context():
        assert [error_label(error) for error in ERRORS] == [
            "Chưa gửi: chưa cấu hình máy chủ thư.",
            "Đã hủy: tài khoản người nhận đã bị khóa.",
            "Đã hủy: không còn gì để nhắc, mọi đề án đã kết thúc.",
            "Máy chủ thư không trả lời trong 10 giây.",
            "Máy chủ thư trả lời: 550 5.1.1 <khong.co@so.gov.vn>: Recipient address rejected",
            "Gửi không được: [Errno 111] Connection refused"]
        assert error_label(None) == ""


@pytest.fixture
def admin_data(app, make_user, seed_plan, runner, tmp_path):
    """An admin, and something of everything: every journal action (agencies created from
    every place, changed, merged, deleted; users invited, changed, deactivated, reactivated,
    invited again), messages of every kind in every status with every kind of error, and
    scheduler runs with errors."""
    admin = make_user("admin", "Văn phòng UBND tỉnh", name="Quản trị viên")
    manager = make_user("manager", "Sở Công Thương")
    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}
                       ).status_code == 302
    office = db.session.scalar(sa.select(Agency).where(Agency.name == "Văn phòng UBND tỉnh"))

    def post(url, data=None):
        response = client.post(url, data=data or {})
        assert response.status_code == 302, (url, response.get_data(as_text=True)[-2000:])
        return response

    post("/admin/agencies", {"name": "Sở Y tế", "shared_mailbox": "vanthu@syt.gov.vn",
                             "active": "y"})
    post("/admin/agencies", {"name": "Sở Y tê", "active": "y"})
    post("/admin/agencies", {"name": "Sở Xây dựng", "active": "y"})
    health, typo, building = (db.session.scalar(sa.select(Agency.id).where(Agency.name == name))
                              for name in ("Sở Y tế", "Sở Y tê", "Sở Xây dựng"))
    post(f"/admin/agencies/{health}", {"name": "Sở Y tế tỉnh", "shared_mailbox": "",
                                       "is_consolidating_office": "y", "active": "y"})
    post(f"/admin/agencies/{building}", {"name": "Sở Xây dựng"})   # retired
    post(f"/admin/agencies/{typo}/merge", {"into": str(health), "confirm": "y"})
    post(f"/admin/agencies/{building}/delete")
    post("/admin/users/invite", {"name": "Đỗ Minh Khang", "email": "khang@so.gov.vn",
                                 "agency_id": str(office.id), "role": "viewer"})
    invited = db.session.scalar(sa.select(User).where(User.email == "khang@so.gov.vn"))
    post(f"/admin/users/{invited.id}", {"name": "Đỗ Minh Khang", "role": "manager",
                                        "agency_id": str(health)})
    post(f"/admin/users/{invited.id}/invite-again")
    post(f"/admin/users/{invited.id}/deactivate")
    post(f"/admin/users/{invited.id}/reactivate")
    manager_client = app.test_client()
    manager_client.post("/login", data={"email": manager.email, "password": PASSWORD})
    response = manager_client.post("/plans/1/items/new", data={
        "title": "Đề án mới", "lead_agency_name": "Ban Quản lý khu kinh tế",
        "due_period": "Quý IV/2026", "create_agency": "y",
        "create_agency_for": "Ban Quản lý khu kinh tế"})
    assert response.status_code == 302
    source = tmp_path / "list.tsv"
    source.write_text("Danh mục năm 2026\nSTT\tTên đề án\tCơ quan chủ trì\tThời gian trình\n"
                      "1\tĐề án hai\tSở Ngoại vụ\tQuý IV/2026\n", encoding="utf-8")
    assert runner.invoke(args=["import-appendix", str(source), "--owner", "Sở Công Thương"]
                         ).exit_code == 0

    messages = []
    for kind in KIND_LABELS:
        for status in MessageStatus:
            error = ERRORS[len(messages) % len(ERRORS)] if status not in (
                MessageStatus.SENT, MessageStatus.PENDING) else None
            messages.append(OutboxMessage(
                kind=kind, recipient=f"nguoi.nhan{len(messages)}@so.gov.vn",
                recipient_name="Người nhận", subject=f"Thư số {len(messages)}",
                body_text="Nội dung thư", status=status.value, attempts=1, last_error=error,
                sent_at=datetime.now(UTC) if status == MessageStatus.SENT else None))
    db.session.add_all(messages)
    for index, error in enumerate(ERRORS):
        db.session.add(SchedulerRun(job=("plan", "send")[index % 2], for_day=date(2026, 11, 30),
                                    error=error, finished_at=datetime.now(UTC)))
    subscription = WebhookSubscription(name="Hệ thống văn bản", target_url="https://vb.example.vn/",
                                       secret="s", events="status_changed,item_overdue")
    db.session.add(subscription)
    statuses = list(DeliveryStatus)
    for index, answer in enumerate((*WEBHOOK_ANSWERS, "busy, try later")):
        db.session.add(WebhookDelivery(
            subscription=subscription, event_id=f"e{index}", payload="{}", attempts=1,
            event_kind=("status_changed", "item_overdue")[index % 2],
            status=statuses[index % len(statuses)].value, last_response=answer,
            last_status_code=503 if answer == "busy, try later" else None))
    db.session.add(SchedulerRun(job="webhooks", finished_at=datetime.now(UTC), sent=1))
    db.session.commit()
    assert {entry for entry in ACTION_LABELS} == set(db.session.scalars(
        sa.text("SELECT DISTINCT action FROM audit_entry")))
    return client, [message.id for message in messages], invited.id, health


def admin_pages(app, messages, user_id, agency_id) -> list[str]:
    """Every admin page (the admin blueprint and the reminders' admin pages), every message,
    every status filter."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not (rule.endpoint.startswith("admin.")
                                                 or rule.endpoint.startswith("reminders.")):
                continue
            if "message_id" in rule.arguments:
                urls += [url_for(rule.endpoint, message_id=m) for m in messages]
            else:
                urls.append(url_for(rule.endpoint, **{k: v for k, v in
                                                      {"user_id": user_id,
                                                       "agency_id": agency_id,
                                                       "subscription_id": db.session.scalar(
                                                           sa.select(WebhookSubscription.id)),
                                                       }.items()
                                                      if k in rule.arguments}))
    urls += [f"/admin/outbox?status={status.value}" for status in MessageStatus]
    urls += [f"/admin/webhooks/deliveries?status={status.value}" for status in DeliveryStatus]
    return urls


def test_no_admin_page_shows_an_internal_code(app, admin_data):
    """Each admin page, with data covering every kind, status, action, field and error,
    shows labels only: no snake_case code, no "yes → no", no field code, no stored error."""
    client, messages, user_id, agency_id = admin_data
    app.config["ITEMS_PER_PAGE"] = 500
    shown = {}
    for url in admin_pages(app, messages, user_id, agency_id):
        response = client.get(url)
        assert response.status_code == 200, url
        page = visible_text(response.get_data(as_text=True))
        shown[url] = page
        assert codes_in(page) == [], (url, codes_in(page))
    journal = shown["/admin/audit"]
    for words in ("Gộp cơ quan", "Xóa cơ quan", "Tạo từ: biểu mẫu đề án", "Tạo từ: dòng lệnh",
                  "Cơ quan tổng hợp: không → có", "Vai trò: Người xem → Lãnh đạo",
                  "Đang hoạt động: có → không", "Gộp: Sở Y tê → Sở Y tế tỉnh"):
        assert words in journal, words
    outbox = shown["/admin/outbox"]
    for words in ("Thư mời", "Nhắc việc hằng ngày", "Chưa gửi: chưa cấu hình máy chủ thư.",
                  "Máy chủ thư trả lời: 550"):
        assert words in outbox, words
    assert "Máy chủ thư không trả lời trong 10 giây." in shown["/admin/runs"]
    assert set(SOURCE_LABELS) >= {"item_form", "command"}
