"""A coordinating agency (Cơ quan phối hợp): its items are in "Đề án của tôi", marked as
such, and its officer's item page offers only a note, in words that say so."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from factories import make_plan
from helpers import text

from tracker.extensions import db
from tracker.models import Item, JournalEntry

MARK = '<span class="badge coordinating">Phối hợp</span>'


def rows(page: str) -> dict[str, str]:
    """Title → the row it is in, for the items a list shows."""
    return {m[1]: m[0] for m in re.findall(r'(<tr>\s*<td><a href="/items/\d+">([^<]+)</a>.*?</tr>)',
                                          page, re.S)}


@pytest.fixture
def plan(seed_plan):
    """Sở Nội vụ's plan: its four items are led in turn by Sở Công Thương, Sở Tài chính, Sở Nội
    vụ and Sở Tư pháp, and all name Sở Tài chính as coordinating. The seed plan (Sở Công
    Thương's) names no agency Sở Tài chính is."""
    return make_plan(4, title="Danh mục Sở Nội vụ", owner="Sở Nội vụ")


def test_my_items_include_the_coordinated_ones_marked(client, auth, make_user, plan):
    """Sở Tài chính's officer sees the item it leads, unmarked, and the three it coordinates,
    marked "Phối hợp"; nothing of the seed plan, where it has no part."""
    auth.login(make_user("officer", "Sở Tài chính"))
    listed = rows(text(client.get("/plans/mine")))
    assert set(listed) == {f"Đề án số {n} về phát triển công nghiệp" for n in (1, 2, 3, 4)}
    marked = {title for title, row in listed.items() if MARK in row}
    assert marked == {f"Đề án số {n} về phát triển công nghiệp" for n in (1, 3, 4)}


def test_the_lead_officer_sees_no_mark_and_ended_items_stay_out(client, auth, make_user, plan):
    """Sở Công Thương leads item 1 of the plan and the seed's three: none is marked. An item
    that is submitted leaves "Đề án của tôi", coordinated or not."""
    auth.login(make_user("officer", "Sở Công Thương"))
    page = text(client.get("/plans/mine"))
    assert len(rows(page)) == 4 and MARK not in page
    auth.logout()
    db.session.scalars(sa.select(Item).where(Item.plan_id == plan.id)
                       .order_by(Item.position)).all()[2].status = "submitted"
    db.session.commit()
    auth.login(make_user("officer", "Sở Tài chính"))
    assert len(rows(text(client.get("/plans/mine")))) == 3


def test_my_items_query_count_does_not_grow(client, auth, make_user, count_queries, plan):
    """The mark costs one query per page, not one per row."""
    auth.login(make_user("officer", "Sở Tài chính"))
    counts = []
    for more in (0, 40):
        make_plan(more, title=f"Thêm {more}", owner="Sở Nội vụ")
        with count_queries() as statements:
            assert client.get("/plans/mine").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 8, counts


@pytest.fixture
def coordinated_item(plan) -> int:
    """Item 1 of Sở Nội vụ's plan: led by Sở Công Thương, coordinated by Sở Tài chính."""
    return db.session.scalar(sa.select(Item.id).where(Item.plan_id == plan.id)
                             .order_by(Item.position).limit(1))


def test_coordinating_officer_gets_a_note_form_in_its_own_words(client, auth, make_user,
                                                                coordinated_item):
    """"Góp ý / ghi chú", no status to choose, "Thêm ghi chú"; not the lead's "Cập nhật tình
    hình" nor its hint about postponements."""
    auth.login(make_user("officer", "Sở Tài chính"))
    page = text(client.get(f"/items/{coordinated_item}"))
    assert "<h2>Góp ý / ghi chú</h2>" in page
    assert "Cập nhật tình hình" not in page and 'name="status"' not in page
    assert "Bắt buộc khi xin lùi" not in page
    assert re.search(r'<button type="submit">Thêm ghi chú</button>', page)


def test_lead_officer_keeps_the_update_form(client, auth, make_user, coordinated_item):
    auth.login(make_user("officer", "Sở Công Thương"))
    page = text(client.get(f"/items/{coordinated_item}"))
    assert "<h2>Cập nhật tình hình</h2>" in page and 'name="status"' in page
    assert "Góp ý / ghi chú" not in page


def test_coordinating_officers_note(client, auth, make_user, coordinated_item):
    """An empty note is asked for as a note (not "or choose a new status", which he cannot);
    a note is journaled and confirmed as one."""
    auth.login(make_user("officer", "Sở Tài chính"))
    response = client.post(f"/items/{coordinated_item}/status", data={"note": "", "version": "1"})
    assert response.status_code == 400
    assert "Nhập nội dung góp ý hoặc ghi chú." in text(response)
    assert "chọn trạng thái mới" not in text(response)
    response = client.post(f"/items/{coordinated_item}/status",
                           data={"note": "Sở Tài chính thống nhất dự toán", "version": "1"})
    assert response.status_code == 302
    assert "Đã thêm ghi chú." in text(client.get(response.location))
    entry = db.session.scalars(sa.select(JournalEntry).order_by(JournalEntry.id.desc())).first()
    assert (entry.kind, entry.note) == ("comment", "Sở Tài chính thống nhất dự toán")
