"""Postponement requests and decisions, as every list and the printed report show them."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import text, titles_listed

from tracker.extensions import db
from tracker.models import Item, Plan


def request_postponement(client, auth, officer, item_id=1, period="Quý IV/2020"):
    auth.login(officer)
    response = client.post(f"/items/{item_id}/status", data={
        "status": "postponed", "new_period": period, "note": "Chờ ý kiến của Bộ",
        "version": str(db.session.get(Item, item_id).version)})
    assert response.status_code == 302
    auth.logout()


BADGE = "Chờ duyệt: xin lùi sang Quý IV/2020"


def test_a_waiting_request_shows_on_every_list_with_a_filter(client, auth, officer, manager):
    """The plan page, "my items" and the consolidated list badge a waiting request, count it,
    and filter on it ("chờ duyệt"); a printed filtered list says what it holds."""
    request_postponement(client, auth, officer)
    auth.login(manager)
    plan_page = text(client.get("/plans/1"))
    assert BADGE in plan_page
    assert 'href="/plans/1?pending=y"' in plan_page and "Chờ duyệt: <strong>1</strong>" in plan_page
    assert 'name="pending"' in plan_page
    assert titles_listed(text(client.get("/plans/1?pending=y"))) == {1}
    assert BADGE in text(client.get("/plans/mine"))
    assert titles_listed(text(client.get("/plans/mine?pending=y"))) == {1}
    assert BADGE in text(client.get("/consolidated"))
    assert titles_listed(text(client.get("/consolidated?pending=y"))) == {1}
    printed = text(client.get("/plans/1/appendix?pending=y"))
    assert "Chỉ các đề án có đề nghị chờ duyệt" in printed


def test_no_badge_and_no_count_without_a_request(client, auth, manager):
    auth.login(manager)
    page = text(client.get("/plans/1"))
    assert "Chờ duyệt:" not in page
    assert titles_listed(text(client.get("/plans/1?pending=y"))) == set()
    assert "chờ duyệt" not in text(client.get("/plans/")).casefold().replace(
        "chỉ đề án chờ duyệt", "")


def test_those_who_decide_see_how_many_requests_wait(client, auth, officer, manager, make_user):
    """Managers of the owner agency and admins get a count linking to the filtered list;
    officers, and managers of other agencies, do not."""
    request_postponement(client, auth, officer)
    owner_id = db.session.scalar(sa.select(Plan.owner_agency_id).where(Plan.id == 1))
    auth.login(manager)
    page = text(client.get("/plans/"))
    assert "1 đề nghị chờ duyệt" in page
    assert f'href="/consolidated?pending=y&amp;owner={owner_id}"' in page
    assert titles_listed(text(client.get(f"/consolidated?pending=y&owner={owner_id}"))) == {1}
    assert "1 đề nghị chờ duyệt" in text(client.get("/plans/mine"))
    # In the navigation of every page, e.g. an item page.
    nav = text(client.get("/items/2"))
    assert 'class="waiting-decisions"' in nav[nav.index('id="site-nav"'):nav.index("</nav>")]
    auth.logout()
    auth.login(make_user("admin", "Sở Nội vụ"))
    page = text(client.get("/plans/"))
    assert "1 đề nghị chờ duyệt" in page and 'href="/consolidated?pending=y"' in page
    auth.logout()
    auth.login(officer)
    assert "đề nghị chờ duyệt" not in text(client.get("/plans/"))
    auth.logout()
    auth.login(make_user("manager", "Sở Tư pháp"))
    assert "đề nghị chờ duyệt" not in text(client.get("/plans/"))


@pytest.mark.parametrize("period", ["Quý I/2020", "Quý IV/2020", "Tháng 12/2020"])
def test_a_postponement_must_move_the_deadline_later(client, auth, officer, manager, period):
    """Item 2 is due Quý IV/2020 (31/12/2020): a period ending on or before that day is
    refused, with the two dates, for an officer's request and a manager's postponement."""
    for user in (officer, manager):
        auth.login(user)
        response = client.post("/items/2/status", data={
            "status": "postponed", "new_period": period, "note": "x", "version": "1"})
        assert response.status_code == 400
        page = text(response)
        assert "phải muộn hơn hạn hiện tại" in page and "31/12/2020" in page
        item = db.session.get(Item, 2)
        assert (item.status, item.due_period, item.requested_due_period) == \
            ("not_started", "Quý IV/2020", None)
        auth.logout()


def test_a_request_overtaken_by_a_new_deadline_cannot_be_approved(client, auth, officer,
                                                                  manager):
    """The deadline moved after the request (the manager corrected the item): approving a
    period no longer later is refused, and nothing changes."""
    request_postponement(client, auth, officer, item_id=1, period="Quý IV/2020")
    item = db.session.get(Item, 1)
    item.due_period, item.due_date = "Quý I/2021", item.due_date.replace(year=2021, month=3,
                                                                         day=31)
    db.session.commit()
    auth.login(manager)
    response = client.post("/items/1/decision", data={"decision": "approve",
                                                          "version": str(item.version)})
    assert response.status_code == 400 and "phải muộn hơn hạn hiện tại" in text(response)
    item = db.session.get(Item, 1)
    assert (item.status, item.requested_due_period) == ("not_started", "Quý IV/2020")


def test_pending_and_decided_read_differently_on_screen_and_in_print(client, auth, officer,
                                                                     manager):
    """While a request waits, the item keeps its status and the print says it is asked; once
    approved with a letter, the status says so and the print cites the letter."""
    request_postponement(client, auth, officer)
    auth.login(manager)
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Chưa triển khai. Đề nghị lùi sang Quý IV/2020, chờ ý kiến</td>" in printed
    assert "Đã được đồng ý" not in text(client.get("/items/1"))
    # The status filter says what it finds: decided postponements, none yet.
    page = text(client.get("/plans/1?status=postponed"))
    assert "Đã được đồng ý lùi thời gian trình" in page and titles_listed(page) == set()
    assert "Xin lùi thời gian trình" not in page

    response = client.post("/items/1/decision", data={
        "decision": "approve", "document_ref": "2345/UBND-KT", "document_date": "5/10/2020",
        "version": str(db.session.get(Item, 1).version)})
    assert response.status_code == 302
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Đã được đồng ý lùi sang Quý IV/2020 (Công văn số 2345/UBND-KT ngày 5/10/2020)" \
        "</td>" in printed
    assert "chờ ý kiến" not in printed
    page = text(client.get("/items/1"))
    assert "Đã được đồng ý lùi thời gian trình" in page and "Chờ duyệt" not in page
    assert "2345/UBND-KT" in page  # the journal cites the letter
    assert titles_listed(text(client.get("/plans/1?status=postponed"))) == {1}


def test_a_decision_letter_that_names_its_kind_prints_as_typed(client, auth, officer, manager):
    request_postponement(client, auth, officer)
    auth.login(manager)
    client.post("/items/1/decision", data={
        "decision": "approve", "document_ref": "Thông báo số 77/TB-UBND",
        "document_date": "5/10/2020", "version": str(db.session.get(Item, 1).version)})
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "Đã được đồng ý lùi sang Quý IV/2020 (Thông báo số 77/TB-UBND ngày 5/10/2020)" \
        in printed


def test_a_document_dated_after_today_is_refused(client, auth, officer, manager):
    """Evidence must be plausible: a Tờ trình of tomorrow (the tracker's today) is refused
    and nothing is saved; one of today is accepted. The same for a decision's letter."""
    from tracker.periods import format_date
    from tracker.web import tracker_today

    with client.application.test_request_context():
        today = tracker_today()
    tomorrow = today + timedelta(days=1)
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT",
        "document_date": format_date(tomorrow), "version": "1"})
    assert response.status_code == 400
    assert "Ngày văn bản không được sau hôm nay" in text(response)
    assert db.session.get(Item, 1).status == "not_started"
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT",
        "document_date": format_date(today), "version": "1"})
    assert response.status_code == 302
    auth.logout()

    request_postponement(client, auth, officer, item_id=2, period="Quý I/2021")
    auth.login(manager)
    response = client.post("/items/2/decision", data={
        "decision": "approve", "document_ref": "12/UBND-KT",
        "document_date": format_date(tomorrow),
        "version": str(db.session.get(Item, 2).version)})
    assert response.status_code == 400
    assert "Ngày văn bản không được sau hôm nay" in text(response)
    assert db.session.get(Item, 2).requested_due_period == "Quý I/2021"


def test_a_document_dated_before_the_list_is_saved_with_a_warning(client, auth, officer):
    """The seed list is attached to a report of 29/5/2020: a Tờ trình of 20/5/2020 is
    saved, and the officer is asked to check its date; one of 20/9/2020 is not questioned."""
    auth.login(officer)
    response = client.post("/items/1/status", data={
        "status": "submitted", "document_ref": "45/TTr-SCT", "document_date": "20/5/2020",
        "version": "1"})
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "flash-warning" in page
    assert "20/5/2020, trước ngày của danh mục (29/5/2020)" in page
    assert db.session.get(Item, 1).submission_ref == "Tờ trình số 45/TTr-SCT ngày 20/5/2020"
    response = client.post("/items/2/status", data={
        "status": "submitted", "document_ref": "46/TTr-SCT", "document_date": "20/9/2020",
        "version": "1"})
    assert response.status_code == 302
    assert "flash-warning" not in text(client.get(response.location))


def test_the_lists_own_date_is_in_its_attached_line_or_its_entry(app):
    from tracker.items.service import plan_date

    plan = Plan(title="x", attached_to="Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương",
                created_at=datetime(2026, 11, 29, 18, 0, tzinfo=UTC))
    assert plan_date(plan, "Asia/Ho_Chi_Minh") == date(2020, 5, 29)
    plan.attached_to = "Kế hoạch số 12/KH-UBND"
    assert plan_date(plan, "Asia/Ho_Chi_Minh") == date(2026, 11, 30)  # 1:00 in Hà Nội
    plan.attached_to = "Báo cáo ngày 31/2/2020"  # not a date
    assert plan_date(plan, "Asia/Ho_Chi_Minh") == date(2026, 11, 30)


def test_a_manager_is_not_told_of_his_own_decision(client, auth, officer, manager, make_user):
    """The decided-postponement mail and the status notice go to the lead agency and the
    other managers, not to the manager who decided."""
    from tracker.models import Notice, OutboxMessage

    colleague = make_user("manager", "Sở Công Thương")
    request_postponement(client, auth, officer)
    auth.login(manager)
    assert client.post("/items/1/decision", data={
        "decision": "approve", "version": str(db.session.get(Item, 1).version)}
    ).status_code == 302
    mailed = set(db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "postponement_decided")))
    assert officer.email in mailed and colleague.email in mailed
    assert manager.email not in mailed
    told = set(db.session.scalars(sa.select(Notice.recipient).where(Notice.kind == "status")))
    assert colleague.email in told and manager.email not in told
