"""Every error of a form at once (issue 11): the services check every field before refusing,
the views ask them even when the form's own validators already failed, and each error is
tied to its input (aria-describedby, with the hint). The browser side is in
tests/test_browser_everyday.py."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from helpers import text, version

from tracker.extensions import db
from tracker.models import Agency, ImportDraft, Item, OutboxMessage

NEW_PASSWORD = "mot-cau-rat-dai-2026"


def errors_of(page: str) -> dict[str, str]:
    """id → text of every error paragraph of the page."""
    return dict(re.findall(r'<p class="error" id="([^"]+)">([^<]*)</p>', page))


def described_by(page: str, name: str) -> list[str]:
    """The ids the input (or select, textarea) named `name` says describe it."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', page).group(0)
    found = re.search(r'aria-describedby="([^"]*)"', tag)
    return found.group(1).split() if found else []


def test_a_submission_without_number_and_date_shows_both_errors(client, auth, officer):
    """"Đã trình" with neither the Tờ trình number nor its date: both are asked for in one
    answer (the service used to stop at the first), each tied to its input."""
    auth.login(officer)
    response = client.post("/items/1/status", data={"status": "submitted", "version": version()})
    assert response.status_code == 400
    page = text(response)
    errors = errors_of(page)
    assert errors["document_ref-error-1"] == "Nhập số văn bản."
    assert errors["document_date-error-1"] == "Nhập ngày văn bản."
    assert described_by(page, "document_ref") == ["document_ref-hint", "document_ref-error-1"]
    assert described_by(page, "document_date") == ["document_date-hint", "document_date-error-1"]
    assert 'id="document_ref-hint"' in page
    # A field without an error is described by its hint only, and not marked invalid.
    assert described_by(page, "note") == ["note-hint"]
    assert not re.search(r'<textarea[^>]*aria-invalid[^>]*name="note"', page)


def test_an_unreadable_date_and_a_missing_number_show_together(client, auth, officer):
    """The form's own check (31/2 is no date) and the service's (no number) in one answer;
    the unreadable date is not also told "enter the date"."""
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_date": "31/2/2020", "version": version()})
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["document_ref-error-1"] == "Nhập số văn bản."
    assert "tháng 2 năm 2020 chỉ có 29 ngày" in errors["document_date-error-1"]
    assert "document_date-error-2" not in errors
    assert db.session.get(Item, 1).status == "not_started"


def test_a_postponement_with_a_future_date_and_no_period_shows_both(client, auth, officer):
    auth.login(officer)
    future = date.today() + timedelta(days=40)
    response = client.post("/items/1/status", data={
        "status": "postponed", "document_date": f"{future.day}/{future.month}/{future.year}",
        "version": version()})
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["new_period-error-1"] == "Nhập thời gian trình mới, ví dụ Quý IV/2020."
    assert errors["document_date-error-1"].startswith("Ngày văn bản không được sau hôm nay")
    assert errors["note-error-1"] == "Nêu lý do."


def test_a_refusal_without_reason_and_with_a_future_date_shows_both(client, auth, officer,
                                                                    manager):
    auth.login(officer)
    assert client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "Chờ ý kiến của Bộ",
        "version": version()}).status_code == 302
    auth.logout()
    auth.login(manager)
    future = date.today() + timedelta(days=40)
    data = {"decision": "refuse", "document_date": f"{future.day}/{future.month}/{future.year}",
            "version": version()}
    response = client.post("/items/1/decision", data=data)
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["reason-error-1"] == "Nêu lý do không đồng ý."
    assert errors["document_date-error-1"].startswith("Ngày văn bản không được sau hôm nay")
    # An unreadable date as well: still both, the date's own message.
    response = client.post("/items/1/decision", data={**data, "document_date": "32/1/2020"})
    errors = errors_of(text(response))
    assert errors["reason-error-1"] == "Nêu lý do không đồng ý."
    assert "document_date-error-1" in errors and "document_date-error-2" not in errors
    assert db.session.get(Item, 1).requested_due_period == "Quý IV/2020"


def test_changing_the_password_shows_a_wrong_current_and_a_weak_new_one_at_once(
        client, auth, officer):
    auth.login(officer)
    response = client.post("/account/password", data={
        "current": "sai-roi", "password": "ngan", "confirm": "khac"})
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["current-error-1"] == "Mật khẩu hiện tại không đúng."
    assert errors["password-error-1"] == "Mật khẩu phải có ít nhất 10 ký tự."
    assert errors["confirm-error-1"] == "Hai mật khẩu không giống nhau."
    # Only the current password wrong: the new one is fine, nothing else is said.
    response = client.post("/account/password", data={
        "current": "sai-roi", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert set(errors_of(text(response))) == {"current-error-1"}


def test_a_reset_link_shows_a_weak_password_and_a_mismatch_at_once(client, officer):
    client.post("/password/forgot", data={"email": officer.email})
    message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    path = re.search(r"https?://[^/\s]+(/\S+)", message.body_text).group(1)
    response = client.post(path, data={"password": "ngan", "confirm": "ngan-khac"})
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["password-error-1"] == "Mật khẩu phải có ít nhất 10 ký tự."
    assert errors["confirm-error-1"] == "Hai mật khẩu không giống nhau."


def test_the_import_form_shows_a_missing_file_and_a_bad_field_at_once(client, auth, manager):
    """No file, no pasted table, and a "Kèm theo" line too long: both said in one answer."""
    auth.login(manager)
    owner = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Công Thương"))
    response = client.post("/plans/import", data={
        "title": "Danh mục thử", "owner_agency_id": str(owner), "attached_to": "x" * 501},
        content_type="multipart/form-data")
    assert response.status_code == 400
    errors = errors_of(text(response))
    assert errors["upload-error-1"] == "Hãy chọn tệp hoặc dán bảng."
    assert errors["attached_to-error-1"] == "Tối đa 500 ký tự (hiện có 501)."
    # A good table with a bad field: the field is said, and no draft is kept.
    response = client.post("/plans/import", data={
        "title": "Danh mục thử", "owner_agency_id": str(owner), "attached_to": "x" * 501,
        "pasted": "Tên đề án\tCơ quan chủ trì\tThời gian trình\nĐề án A\tSở Công Thương\tQuý I/2021\n"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert set(errors_of(text(response))) == {"attached_to-error-1"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)) == 0


def test_the_item_form_ties_every_error_to_its_input(client, auth, manager):
    auth.login(manager)
    response = client.post("/plans/1/items/new", data={"title": "", "lead_agency_name": "",
                                                       "due_period": "Quý V/2020"})
    assert response.status_code == 400
    page = text(response)
    errors = errors_of(page)
    assert {"title-error-1", "lead_agency_name-error-1", "due_period-error-1"} <= set(errors)
    for name in ("title", "lead_agency_name", "due_period"):
        assert f"{name}-error-1" in described_by(page, name)
