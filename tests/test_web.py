"""The pages, as each role uses them: reading, posting updates, forms, errors."""
from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa
import sqlalchemy.orm
from helpers import text

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, OutboxMessage, Plan


def items(plan_id=None):
    query = sa.select(Item).order_by(Item.position)
    return db.session.scalars(query).all()


def journal_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def test_every_page_needs_a_login(client, seed_plan):
    """Every page sends an anonymous visitor to the login page."""
    for url in ("/", "/plans/", "/plans/1", "/plans/1/appendix", "/items/1", "/plans/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_login_with_wrong_password_says_so_in_vietnamese(client, auth, officer):
    """A wrong password is refused with "Sai e-mail hoặc mật khẩu"; the right one signs in."""
    response = auth.login(officer, "sai-mat-khau")
    assert response.status_code == 400
    assert "Sai e-mail hoặc mật khẩu" in text(response)
    assert auth.login(officer).status_code == 302


def test_login_refuses_inactive_user(client, auth, make_user, seed_plan):
    """A deactivated user cannot sign in."""
    user = make_user("officer", active=False)
    assert auth.login(user).status_code == 400


def test_login_next_stays_on_site(client, officer):
    """After login a `next` pointing to another site is ignored: the user lands on the plan list."""
    response = client.post("/login?next=//evil.example/x",
                           data={"email": officer.email, "password": "mat-khau-thu-nghiem"})
    assert response.location == "/"


def test_plan_page_lists_items_with_counts_in_vietnamese(client, auth, officer):
    """The plan page lists its items with the counts per status and in total, in Vietnamese."""
    auth.login(officer)
    page = text(client.get("/plans/1"))
    assert "Chương trình Khuyến công địa phương giai đoạn 2021-2025" in page
    assert "Chưa triển khai: <strong>3</strong>" in page
    assert "Cơ quan chủ trì" in page and "3 đề án" in page


@pytest.mark.parametrize("query,expected", [
    ("period=Qu%C3%BD+IV%2F2020", 1),
    ("status=not_started", 3),
    ("status=submitted", 0),
    ("level=UBND+t%E1%BB%89nh", 3),
    ("status=bogus&lead=xyz&period=%00&page=-4", 3),   # junk is ignored, never an error
    ("overdue=y", 3),                                  # it is 2026: everything from 2020 is late
])
def test_plan_filters(client, auth, officer, query, expected):
    """The plan page filters by period, status, level and lateness; junk in the query is
    ignored, never an error."""
    auth.login(officer)
    response = client.get(f"/plans/1?{query}")
    assert response.status_code == 200
    assert len(re.findall(r'href="/items/\d+"', text(response))) == expected


def test_filter_by_lead_agency(client, auth, officer):
    """Filtering by a lead agency shows its items only; an agency that leads nothing in the
    plan is not offered, and asking for it by URL is ignored rather than an error."""
    from factories import make_plan

    plan_id = make_plan(8).id  # four lead agencies, two items each
    auth.login(officer)
    lead_id = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Sở Tài chính"))
    page = text(client.get(f"/plans/{plan_id}?lead={lead_id}"))
    assert len(re.findall(r'href="/items/\d+"', page)) == 2
    assert "Sở Công Thương</td>" not in page
    office_id = db.session.scalar(sa.select(Agency.id).where(Agency.name == "Văn phòng UBND tỉnh"))
    page = text(client.get(f"/plans/{plan_id}?lead={office_id}"))
    assert len(re.findall(r'href="/items/\d+"', page)) == 8


def test_unknown_ids_give_a_404_page(client, auth, officer):
    """An unknown plan or item is a 404 page saying "không tồn tại"."""
    auth.login(officer)
    for url in ("/plans/999", "/items/999", "/plans/999/appendix", "/items/999/edit"):
        response = client.get(url)
        assert response.status_code == 404
        assert "không tồn tại" in text(response)


def test_officer_posts_submitted_and_sees_it_in_the_appendix(client, auth, officer):
    """The journal records who, which agency, old → new and the Tờ trình; the print shows it."""
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "20/9/2020",
        "version": "1",
    })
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert item.status == "submitted"
    assert item.submission_ref == "Tờ trình số 45/TTr-SCT ngày 20/9/2020"
    entry = db.session.scalars(sa.select(JournalEntry).order_by(JournalEntry.id.desc())).first()
    assert (entry.user_id, entry.agency_id) == (officer.id, officer.agency_id)
    assert (entry.old_status, entry.new_status) == ("not_started", "submitted")
    assert entry.document_date == date(2020, 9, 20)
    page = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Đã trình (Tờ trình số 45/TTr-SCT ngày 20/9/2020)</td>" in page
    assert "Tình hình thực hiện" in page
    assert "Tình hình thực hiện" not in text(client.get("/plans/1/appendix"))
    item_page = text(client.get("/items/1"))
    assert "Đã trình" in item_page and officer.name in item_page


def test_submitted_needs_document_number_and_date(client, auth, officer):
    """Marking an item submitted needs the Tờ trình's number and a real date; otherwise nothing is saved."""
    auth.login(officer)
    before = journal_count()
    response = client.post("/items/1/status", data={"status": "submitted", "version": "1"})
    assert response.status_code == 400
    assert "Nhập số văn bản" in text(response)
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "31/11/2020",
        "version": "1"})
    assert response.status_code == 400 and "31/11/2020" in text(response)
    assert journal_count() == before and db.session.get(Item, 1).status == "not_started"


def test_an_officers_postponement_is_a_request_until_a_manager_approves(client, auth, officer,
                                                                       manager):
    """The officer asks; the item shows the request; the manager approves; the deadline
    moves, the original stays on record and in print; the lead agency is told."""
    auth.login(officer)
    response = client.post("/items/1/status", data={"status": "postponed", "version": "1"})
    assert response.status_code == 400
    response = client.post("/items/1/status", data={
        "status": "postponed", "new_period": "quý 4 năm 2020", "note": "Chờ ý kiến của Bộ",
        "version": "1"})
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.due_period, item.requested_due_period) == \
        ("not_started", "Quý III/2020", "Quý IV/2020")
    page = text(client.get("/items/1"))
    assert "Chờ duyệt: xin lùi sang Quý IV/2020" in page
    assert 'action="/items/1/decision"' not in page           # officers do not decide
    assert client.post("/items/1/decision", data={"decision": "approve", "version": "2"}
                       ).status_code == 403
    # A second request while one waits is not offered.
    assert client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý I/2021", "note": "x", "version": "2"}
    ).status_code == 400
    request_mail = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.kind == "postponement_requested")).all()
    recipients = {m.recipient for m in request_mail}
    assert manager.email in recipients and "lanhdao@demo.local" in recipients
    assert officer.email not in recipients  # the managers decide; officers are told afterwards
    # Each mail knows its recipient's account, so a deactivation before sending cancels it.
    assert {m.user_id for m in request_mail if m.recipient == manager.email} == {manager.id}

    auth.logout()
    auth.login(manager)
    page = text(client.get("/items/1"))
    assert 'action="/items/1/decision"' in page
    response = client.post("/items/1/decision", data={"decision": "approve", "version": "2"})
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.due_period, item.due_date) == ("postponed", "Quý IV/2020",
                                                            date(2020, 12, 31))
    assert (item.original_due_period, item.original_due_date) == ("Quý III/2020", date(2020, 9, 30))
    assert item.requested_due_period is None
    page = text(client.get("/plans/1/appendix?progress=1"))
    # The reason is the request's, not the decision's.
    assert "<td>Đã được đồng ý lùi sang Quý IV/2020: Chờ ý kiến của Bộ</td>" not in page
    assert "<td>Đã được đồng ý lùi sang Quý IV/2020</td>" in page
    assert page.count(">Quý III/2020</td>") == 2  # the filed period stays in print
    decided = db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "postponement_decided")).all()
    # The lead agency is told; the manager who decided is not mailed about his own decision.
    assert officer.email in decided and manager.email not in decided


def test_a_refusal_needs_a_reason_and_clears_the_request(client, auth, officer, manager):
    """Refusing a postponement needs a reason; it clears the request, keeps the deadline and
    journals the manager."""
    auth.login(officer)
    client.post("/items/2/status", data={"status": "postponed", "new_period": "Quý I/2021",
                                         "note": "Thiếu số liệu", "version": "1"})
    auth.logout()
    auth.login(manager)
    assert client.post("/items/2/decision", data={"decision": "refuse", "version": "2"}
                       ).status_code == 400
    response = client.post("/items/2/decision", data={
        "decision": "refuse", "reason": "Đề nghị trình đúng hạn", "version": "2"})
    assert response.status_code == 302
    item = db.session.get(Item, 2)
    assert (item.status, item.due_period, item.requested_due_period) == \
        ("not_started", "Quý IV/2020", None)
    refusal = db.session.scalars(sa.select(JournalEntry).where(
        JournalEntry.kind == "postponement_refused")).one()
    assert refusal.note == "Đề nghị trình đúng hạn" and refusal.user_id == manager.id


def test_a_manager_postpones_at_once(client, auth, manager):
    """A manager's postponement takes effect at once, with no request, and prints with its note."""
    auth.login(manager)
    response = client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "Theo chỉ đạo", "version": "1"})
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.due_period) == ("postponed", "Quý IV/2020")
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Đã được đồng ý lùi sang Quý IV/2020: Theo chỉ đạo</td>" in printed


def test_postponement_to_a_bad_period_is_a_field_error(client, auth, officer):
    """A postponement to a period that does not exist ("Quý V/2020") is a field error."""
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý V/2020", "note": "x", "version": "1"})
    assert response.status_code == 400 and "Quý V/2020" in text(response)


def test_withdrawal_needs_a_reason(client, auth, officer):
    """An officer's withdrawal is a request (tests/test_withdrawal.py), and it needs a reason."""
    auth.login(officer)
    assert client.post("/items/1/status", data={"status": "withdrawn", "version": "1"}).status_code == 400
    assert client.post("/items/1/status", data={"status": "withdrawn", "note": "Không còn phù hợp",
                                                "version": "1"}).status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.withdrawal_requested) == ("not_started", True)


def test_a_transition_the_model_refuses_is_a_form_error(client, auth, officer):
    """A status change the model refuses (not started to approved) is a form error and changes nothing."""
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "approved", "document_ref": "1/QĐ-UBND", "document_date": "1/10/2020",
        "version": "1"})
    assert response.status_code == 400
    assert db.session.get(Item, 1).status == "not_started"


def test_a_note_without_status_change_is_journaled(client, auth, officer):
    """A note without a status change is journaled and leaves the status; an empty update is refused."""
    auth.login(officer)
    before = journal_count()
    assert client.post("/items/1/status", data={"status": "", "version": "1"}).status_code == 400
    assert client.post("/items/1/status", data={"note": "Đã họp tổ soạn thảo", "version": "1"}
                       ).status_code == 302
    assert journal_count() == before + 1
    assert db.session.get(Item, 1).status == "not_started"


def test_stale_version_is_refused_and_nothing_is_overwritten(client, auth, officer, manager):
    """Two people open the item; the second to save is told, and the first's update stays."""
    auth.login(officer)
    assert client.post("/items/1/status", data={"status": "in_progress", "version": "1"}
                       ).status_code == 302
    response = client.post("/items/1/status", data={
        "status": "withdrawn", "note": "Tôi chưa thấy cập nhật trước", "version": "1"})
    assert response.status_code == 409
    assert "Người khác vừa thay đổi" in text(response)
    assert "Tôi chưa thấy cập nhật trước" in text(response)  # what the user typed is kept
    assert db.session.get(Item, 1).status == "in_progress"
    # Editing fields with a stale version: same rule.
    auth.logout()
    auth.login(manager)
    response = client.post("/items/1/edit", data={
        "title": "Tên mới", "lead_agency_name": "Sở Công Thương", "due_period": "Quý III/2020",
        "version": "1"})
    assert response.status_code == 409
    assert db.session.get(Item, 1).title.startswith("Xây dựng và trình")


def test_officer_of_another_agency_cannot_update(client, auth, make_user, seed_plan):
    """Another agency's officer gets no update form, and a forged update is refused with 403,
    journaling nothing."""
    other = make_user("officer", "Sở Tài chính")
    auth.login(other)
    page = text(client.get("/items/1"))
    assert 'action="/items/1/status"' not in page
    before = journal_count()
    response = client.post("/items/1/status", data={"note": "giả mạo", "version": "1"})
    assert response.status_code == 403 and "không có quyền" in text(response)
    assert journal_count() == before


def test_viewer_reads_but_cannot_write(client, auth, make_user, seed_plan):
    """A viewer reads plans and items but may not update, create or edit anything."""
    viewer = make_user("viewer", "Văn phòng UBND tỉnh")
    auth.login(viewer)
    assert client.get("/plans/1").status_code == 200
    assert 'action="/items/1/status"' not in text(client.get("/items/1"))
    assert client.post("/items/1/status", data={"note": "x", "version": "1"}).status_code == 403
    assert client.get("/plans/new").status_code == 403
    assert client.get("/plans/1/items/new").status_code == 403
    assert client.get("/items/1/edit").status_code == 403
    assert client.get("/plans/1/edit").status_code == 403


def test_officer_cannot_create_or_edit_plans(client, auth, officer):
    """An officer may not create plans, add items or edit an item's fields."""
    auth.login(officer)
    assert client.get("/plans/new").status_code == 403
    assert client.post("/plans/1/items/new", data={"title": "x"}).status_code == 403
    assert client.post("/items/1/edit", data={"title": "x"}).status_code == 403


def test_manager_creates_a_plan_and_an_item(client, auth, manager):
    """A manager creates a plan and an item, each form checked; an unknown lead agency is
    created only when asked."""
    auth.login(manager)
    owner = manager.agency_id
    response = client.post("/plans/new", data={"title": "", "owner_agency_id": str(owner)})
    assert response.status_code == 400 and "Nhập tên danh mục" in text(response)
    response = client.post("/plans/new", data={
        "title": "Danh mục năm 2021", "owner_agency_id": str(owner),
        "attached_to": "(Kèm theo Báo cáo số 9/BC-SCT ngày 1/12/2020 của Sở Công Thương)"})
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(Plan).where(Plan.title == "Danh mục năm 2021"))
    assert plan.attached_to == "Báo cáo số 9/BC-SCT ngày 1/12/2020 của Sở Công Thương"
    response = client.post(f"/plans/{plan.id}/items/new", data={
        "title": "Đề án mới", "lead_agency_name": "Sở Nội vụ", "due_period": "Quý V/2021"})
    assert response.status_code == 400
    assert "Quý phải từ I đến IV" in text(response) or "Quý V/2021" in text(response)
    item = {"title": "Đề án mới", "lead_agency_name": "sở  nội vụ", "due_period": "Quý IV/2022",
            "coordination": "Sở Công Thương và các đơn vị liên quan", "approving_level": "UBND tỉnh"}
    response = client.post(f"/plans/{plan.id}/items/new", data=item)
    assert response.status_code == 400 and "Không có cơ quan này" in text(response)
    response = client.post(f"/plans/{plan.id}/items/new", data={
        **item, "create_agency": "y", "create_agency_for": "sở  nội vụ"})
    assert response.status_code == 302
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id).options(
        sa.orm.selectinload(Item.coordinators), sa.orm.joinedload(Item.lead_agency)))
    assert item.due_date == date(2023, 1, 3)   # 31/12/2022 is a Saturday; 2/1/2023 a holiday
    assert item.position == 1
    assert [a.name for a in item.coordinators] == ["Sở Công Thương"]
    assert item.lead_agency.name == "sở nội vụ"  # a new agency, as typed (NFC, spaces collapsed)
    response = client.post(f"/plans/{plan.id}/edit", data={
        "title": "", "owner_agency_id": "99999", "version": str(plan.version)})
    assert response.status_code == 400


def test_manager_edits_an_item_field_by_field(client, auth, manager):
    """A manager's edit of an item journals each changed field once and moves the original period too."""
    auth.login(manager)
    assert client.get("/items/3/edit").status_code == 200
    response = client.post("/items/3/edit", data={
        "title": db.session.get(Item, 3).title, "lead_agency_name": "Sở Công Thương",
        "coordination": "UBND các huyện, thị xã, thành phố", "due_period": "Quý IV/2020",
        "approving_level": "Chủ tịch UBND tỉnh", "position": "3", "version": "1"})
    assert response.status_code == 302
    item = db.session.get(Item, 3)
    assert (item.due_period, item.original_due_period) == ("Quý IV/2020", "Quý IV/2020")
    fields = db.session.scalars(sa.select(JournalEntry.field).where(
        JournalEntry.item_id == 3, JournalEntry.kind == "edit")).all()
    assert sorted(fields) == ["approving_level", "due_period"]


def test_nfd_input_is_stored_nfc(client, auth, officer):
    """Text typed in NFD is stored in NFC, without zero-width characters."""
    auth.login(officer)
    nfd = unicodedata.normalize("NFD", "Đã họp lấy ý kiến\u200b các Sở")
    assert nfd != unicodedata.normalize("NFC", nfd)
    client.post("/items/1/status", data={"note": nfd, "version": "1"})
    note = db.session.scalars(sa.select(JournalEntry.note).order_by(JournalEntry.id.desc())).first()
    assert note == "Đã họp lấy ý kiến các Sở"


def test_output_is_escaped(client, auth, officer):
    """A user's markup is shown escaped, never run."""
    auth.login(officer)
    client.post("/items/1/status", data={"note": "<script>alert(1)</script>", "version": "1"})
    page = text(client.get("/items/1"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_english_is_available(client, auth, officer):
    """The user may switch the interface to English; an unknown language is refused."""
    auth.login(officer)
    assert client.post("/language/en", data={"next": "/plans/1"}).status_code == 302
    page = text(client.get("/plans/1"))
    assert "Lead agency" in page and "Cơ quan chủ trì</th>" not in page
    assert client.post("/language/xx").status_code == 400


def test_security_headers(client, auth, officer):
    """Pages are sent with a strict Content-Security-Policy, nosniff, and no inline script."""
    auth.login(officer)
    response = client.get("/plans/1")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in text(response)  # no inline script anywhere


def test_passwords_are_hashed_with_scrypt_outside_tests(app, make_user):
    """Passwords are stored hashed with scrypt outside tests."""
    from tracker.models import User

    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user = User(email="a@b.vn", name="A", role="viewer", agency_id=1)
    user.set_password("mot-mat-khau-dai")
    assert user.password_hash.startswith("scrypt:") and user.check_password("mot-mat-khau-dai")
    assert not user.check_password("sai")


def test_over_long_text_is_a_vietnamese_field_error(client, auth, manager):
    """Text over a field's length is a field error in Vietnamese giving the maximum and the length."""
    auth.login(manager)
    response = client.post("/plans/1/items/new", data={
        "title": "x" * 2001, "lead_agency_name": "Sở Công Thương", "due_period": "Quý I/2021"})
    assert response.status_code == 400
    assert "Tối đa 2000 ký tự (hiện có 2001)" in text(response)


def test_a_note_is_accepted_even_if_the_item_changed_meanwhile(client, auth, officer):
    """A note overwrites nothing: an officer in a hurry is not sent back for a stale page."""
    auth.login(officer)
    assert client.post("/items/1/status", data={"status": "in_progress", "version": "1"}
                       ).status_code == 302
    assert client.post("/items/1/status", data={"note": "Đã gửi dự thảo", "version": "1"}
                       ).status_code == 302


def test_production_config_refuses_the_default_secret_key(monkeypatch):
    """Production refuses the default secret key and sets secure, HTTP-only, Lax session cookies."""
    from config import ProductionConfig
    from tracker import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_blank_status_is_an_invalid_choice_not_a_crash(client, auth, officer):
    """A blank status is refused as "Lựa chọn không hợp lệ", never an error."""
    auth.login(officer)
    response = client.post("/items/1/status", data={"status": " ", "note": "x", "version": "1"})
    assert response.status_code == 400 and "Lựa chọn không hợp lệ" in text(response)
