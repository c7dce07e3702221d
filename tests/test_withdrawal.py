"""Withdrawal is a request: it waits for a manager, is decided, and can be reversed."""
from __future__ import annotations

import sqlalchemy as sa
from helpers import text, titles_listed, version

from tracker.extensions import db
from tracker.models import Item, JournalEntry, OutboxMessage


def ask_to_withdraw(client, auth, officer, item_id=1, reason="Không còn phù hợp với Luật mới"):
    auth.login(officer)
    response = client.post(f"/items/{item_id}/status", data={
        "status": "withdrawn", "note": reason, "version": version(item_id)})
    assert response.status_code == 302
    auth.logout()


def kinds(item_id: int = 1) -> list[str]:
    return list(db.session.scalars(sa.select(JournalEntry.kind).where(
        JournalEntry.item_id == item_id).order_by(JournalEntry.id)))


def test_an_officers_withdrawal_waits_for_a_manager(client, auth, officer, manager):
    """The item stays on the list, in its status, badged and counted as waiting; the officer
    is offered the request in words that say so; the managers are mailed."""
    auth.login(officer)
    page = text(client.get("/items/1"))
    assert "Xin rút khỏi danh mục (lãnh đạo quyết định)" in page
    auth.logout()
    ask_to_withdraw(client, auth, officer)
    item = db.session.get(Item, 1)
    assert (item.status, item.withdrawal_requested) == ("not_started", True)
    assert kinds()[-1] == "withdrawal_requested"
    mailed = set(db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "withdrawal_requested")))
    assert manager.email in mailed and officer.email not in mailed

    auth.login(manager)
    badge = "Chờ duyệt: xin rút khỏi danh mục"
    assert badge in text(client.get("/plans/1"))
    assert titles_listed(text(client.get("/plans/1?pending=y"))) == {1}
    assert badge in text(client.get("/consolidated"))
    assert "1 đề nghị chờ duyệt" in text(client.get("/plans/"))
    page = text(client.get("/items/1"))
    assert "Đề nghị rút khỏi danh mục" in page and 'action="/items/1/decision"' in page
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Chưa triển khai. Đề nghị rút khỏi danh mục, chờ ý kiến</td>" in printed


def test_only_one_request_waits_at_a_time(client, auth, officer):
    ask_to_withdraw(client, auth, officer)
    auth.login(officer)
    page = text(client.get("/items/1"))
    assert 'value="postponed"' not in page and 'value="withdrawn"' not in page
    response = client.post("/items/1/status", data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "x", "version": version()})
    assert response.status_code == 400
    assert db.session.get(Item, 1).requested_due_period is None


def test_an_approved_withdrawal_prints_with_its_reason_and_letter(client, auth, officer, manager):
    ask_to_withdraw(client, auth, officer)
    auth.login(manager)
    response = client.post("/items/1/decision", data={
        "decision": "approve", "document_ref": "3456/UBND-KT", "document_date": "5/10/2020",
        "version": version()})
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.withdrawal_requested) == ("withdrawn", False)
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert ("<td>Đã rút khỏi danh mục (Công văn số 3456/UBND-KT ngày 5/10/2020): "
            "Không còn phù hợp với Luật mới</td>") in printed
    assert "chờ ý kiến" not in printed
    page = text(client.get("/items/1"))
    assert "Chờ duyệt" not in page and "Đã rút khỏi danh mục" in page
    # The journal reads request → decision, with who and the letter.
    assert kinds()[-2:] == ["withdrawal_requested", "status"]
    assert "Đề nghị rút khỏi danh mục" in page and "3456/UBND-KT" in page
    assert manager.name in page and officer.name in page
    mailed = set(db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == "withdrawal_decided")))
    assert officer.email in mailed and manager.email not in mailed


def test_a_refused_withdrawal_needs_a_reason_and_leaves_the_item(client, auth, officer, manager):
    ask_to_withdraw(client, auth, officer)
    auth.login(manager)
    assert client.post("/items/1/decision", data={
        "decision": "refuse", "version": version()}).status_code == 400
    assert db.session.get(Item, 1).withdrawal_requested is True
    assert client.post("/items/1/decision", data={
        "decision": "refuse", "reason": "Vẫn cần trình trong năm", "version": version()}
    ).status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.withdrawal_requested) == ("not_started", False)
    assert kinds()[-1] == "withdrawal_refused"
    assert "Đã từ chối đề nghị rút" in text(client.get("/items/1"))


def test_a_manager_reverses_a_withdrawal_to_the_status_before(client, auth, officer, manager):
    """Back on the list in the status it had, journaled with the reason; only managers in
    scope may, and only a withdrawn item."""
    auth.login(officer)
    client.post("/items/1/status", data={"status": "in_progress", "version": version()})
    auth.logout()
    ask_to_withdraw(client, auth, officer)
    auth.login(officer)
    assert 'action="/items/1/reinstate"' not in text(client.get("/items/1"))
    assert client.post("/items/1/reinstate", data={"reason": "x", "version": version()}
                       ).status_code == 403
    auth.logout()
    auth.login(manager)
    assert client.post("/items/1/reinstate", data={"reason": "x", "version": version()}
                       ).status_code == 400  # not withdrawn yet
    client.post("/items/1/decision", data={"decision": "approve", "version": version()})
    assert db.session.get(Item, 1).status == "withdrawn"
    assert 'action="/items/1/reinstate"' in text(client.get("/items/1"))
    assert client.post("/items/1/reinstate", data={"version": version()}).status_code == 400
    response = client.post("/items/1/reinstate", data={
        "reason": "UBND tỉnh giao lại nhiệm vụ", "version": version()})
    assert response.status_code == 302
    item = db.session.get(Item, 1)
    assert item.status == "in_progress"
    entry = db.session.scalars(sa.select(JournalEntry).where(JournalEntry.item_id == 1)
                               .order_by(JournalEntry.id.desc())).first()
    assert (entry.kind, entry.old_status, entry.new_status, entry.note) == (
        "reinstated", "withdrawn", "in_progress", "UBND tỉnh giao lại nhiệm vụ")
    page = text(client.get("/items/1"))
    assert "Đưa trở lại danh mục" in page and "UBND tỉnh giao lại nhiệm vụ" in page
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Đang xây dựng</td>" in printed and "rút khỏi" not in printed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "reinstated", OutboxMessage.recipient == officer.email)) == 1


def test_a_manager_withdraws_at_once(client, auth, manager):
    """A manager in scope decides himself: no request, the item is withdrawn."""
    auth.login(manager)
    assert client.post("/items/1/status", data={
        "status": "withdrawn", "note": "Đã lồng ghép vào đề án khác", "version": version()}
    ).status_code == 302
    item = db.session.get(Item, 1)
    assert (item.status, item.withdrawal_requested) == ("withdrawn", False)
    printed = text(client.get("/plans/1/appendix?progress=1"))
    assert "<td>Đã rút khỏi danh mục: Đã lồng ghép vào đề án khác</td>" in printed
