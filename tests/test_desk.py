"""The start page: each role's counts and short lists, the links behind every count, the
agency table of the consolidating office, the latest changes, all within the user's scope."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind, Plan
from tracker.periods import format_date
from tracker.plans.service import ItemFields, add_item, create_plan
from tracker.statuses import quiet_since
from tracker.web import tracker_today
from tracker.workdays import WorkCalendar


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}">(.*?)</section>', page, re.S)
    assert match, section_id
    return match.group(1)


def titles(html: str) -> set[str]:
    return set(re.findall(r'<a href="/items/\d+">([^<]+)</a>', html))


def add(plan: Plan, title: str, lead: str, due: date, **fields) -> Item:
    item = add_item(plan, ItemFields(
        title=title, lead_agency_name=lead, coordination="", due_period=format_date(due),
        approving_level="UBND tỉnh"), AgencyDirectory.load())
    for key, value in fields.items():
        setattr(item, key, value)
    db.session.flush()
    return item


@pytest.fixture
def desk_data(app):
    """A list of Sở Công Thương with one item of each kind the start page shows, and a list
    of Sở Nội vụ with one overdue item (outside the department's scope)."""
    today = tracker_today()
    db.session.add(Agency("Văn phòng UBND tỉnh", is_consolidating_office=True))
    directory = AgencyDirectory.load()
    plan = create_plan("Danh mục Sở Công Thương", directory.find_or_create("Sở Công Thương"))
    other = create_plan("Danh mục Sở Nội vụ", directory.find_or_create("Sở Nội vụ"))
    db.session.flush()
    add(plan, "Đề án trễ hạn", "Sở Công Thương", today - timedelta(days=20))
    add(plan, "Đề án sắp đến hạn", "Sở Công Thương", today + timedelta(days=3))
    add(plan, "Đề án bị trả lại", "Sở Công Thương", today + timedelta(days=40), status="returned")
    refused = add(plan, "Đề án bị từ chối lùi hạn", "Sở Công Thương", today + timedelta(days=60))
    db.session.add(JournalEntry(item_id=refused.id, kind=JournalKind.POSTPONEMENT_REFUSED.value,
                                new_due_period="Quý IV/2030", note="Không đồng ý"))
    add(plan, "Đề án xin lùi của Sở Tài chính", "Sở Tài chính", today + timedelta(days=50),
        requested_due_period="Quý I/2031")
    quiet = add(plan, "Đề án lâu không cập nhật", "Sở Công Thương", today + timedelta(days=100))
    add(other, "Đề án của Sở Nội vụ", "Sở Nội vụ", today - timedelta(days=10))
    db.session.commit()
    # As if nothing had happened to it for 40 days (written past the session's bookkeeping).
    long_ago = datetime.now(UTC) - timedelta(days=40)
    db.session.execute(sa.update(JournalEntry).where(JournalEntry.item_id == quiet.id)
                       .values(created_at=long_ago))
    db.session.execute(sa.update(Item).where(Item.id == quiet.id)
                       .values(updated_at=long_ago))
    db.session.commit()
    return {"plan": plan.id, "other": other.id}


@pytest.fixture
def signed_in(app, make_user, desk_data):
    def sign_in(role: str, agency: str):
        client = app.test_client()
        user = make_user(role, agency)
        assert client.post("/login", data={"email": user.email,
                                           "password": "mat-khau-thu-nghiem"}).location == "/"
        return client

    return sign_in


def counts(page: str) -> dict[str, tuple[str, int]]:
    """label → (link, number) of the counts at the top of the start page."""
    block = re.search(r'<ul class="counts desk-counts">(.*?)</ul>', page, re.S).group(1)
    return {label.strip(): (href.replace("&amp;", "&"), int(n)) for href, label, n in re.findall(
        r'<a href="([^"]+)">([^<]+): <strong>(\d+)</strong></a>', block)}


def test_the_start_page_is_the_front_page(client, signed_in):
    """Signing in lands on the start page; "/" needs a login."""
    assert client.get("/").location.startswith("/login")
    officer = signed_in("officer", "Sở Công Thương")
    assert "Trang đầu" in text(officer.get("/"))


def test_officer_sees_his_agencys_items_with_an_update_link_each(signed_in):
    """Due soon, overdue and waiting for his answer (returned, a refused request), each with
    a link to its update form; nothing of the lists he has no part in; no decisions."""
    page = text(signed_in("officer", "Sở Công Thương").get("/"))
    found = counts(page)
    assert found["Trễ hạn"] == ("/plans/mine?overdue=y", 1)
    assert found["Sắp đến hạn"] == ("/plans/mine?due_soon=y", 1)
    assert found["Chờ cơ quan chủ trì trả lời"] == ("/plans/mine?answer=y", 2)
    assert not any("quyết định" in label for label in found)
    assert titles(section(page, "overdue")) == {"Đề án trễ hạn"}
    assert titles(section(page, "due-soon")) == {"Đề án sắp đến hạn"}
    assert titles(section(page, "answer")) == {"Đề án bị trả lại", "Đề án bị từ chối lùi hạn"}
    assert re.search(r'href="/items/\d+#update">Cập nhật</a>', section(page, "overdue"))
    assert "Sở Nội vụ" not in page and 'id="agencies"' not in page


def test_manager_sees_requests_to_decide_and_quiet_items(signed_in):
    """A manager also gets the requests of his agency's lists (a link to decide each) and the
    items with no update for 10 working days."""
    page = text(signed_in("manager", "Sở Công Thương").get("/"))
    found = counts(page)
    assert found["Đề nghị chờ anh/chị quyết định"][1] == 1
    assert found["Không cập nhật trong 10 ngày làm việc"] == ("/plans/mine?quiet=y", 1)
    decisions = section(page, "decisions")
    assert titles(decisions) == {"Đề án xin lùi của Sở Tài chính"}
    assert re.search(r'href="/items/\d+#decision">Quyết định</a>', decisions)
    assert titles(section(page, "quiet")) == {"Đề án lâu không cập nhật"}
    assert "Đề án của Sở Nội vụ" not in page


def test_every_count_links_to_a_list_of_exactly_those_items(signed_in):
    """Following a count shows as many items as it says, for an officer, a manager and the
    consolidating office."""
    for role, agency in (("officer", "Sở Công Thương"), ("manager", "Sở Công Thương"),
                         ("manager", "Văn phòng UBND tỉnh")):
        client = signed_in(role, agency)
        for label, (href, number) in counts(text(client.get("/"))).items():
            listed = text(client.get(href))
            assert f"{number} đề án" in listed, (role, agency, label, href)


def test_the_consolidating_office_gets_the_province_and_the_agency_table(signed_in):
    """Province-wide counts linked to the consolidated list, and one row per lead agency
    whose numbers link to that agency's filtered list."""
    client = signed_in("manager", "Văn phòng UBND tỉnh")
    page = text(client.get("/"))
    found = counts(page)
    assert found["Trễ hạn"] == ("/consolidated?overdue=y", 2)
    assert found["Đề nghị chờ anh/chị quyết định"][1] == 1
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>(.*?)</tr>", section(page, "agencies"), re.S)
    table = {name: [(href.replace("&amp;", "&"), int(n)) for href, n in
                    re.findall(r'<a href="([^"]+)">(\d+)</a>', cells)] for name, cells in rows}
    assert [n for _, n in table["Sở Công Thương"]] == [1, 1, 0, 5]
    assert [n for _, n in table["Sở Tài chính"]] == [0, 0, 1, 1]
    assert [n for _, n in table["Sở Nội vụ"]] == [0, 1, 0, 1]
    for numbers in table.values():
        for href, n in numbers:
            assert f"{n} đề án" in text(client.get(href)), href


def test_latest_changes_stay_within_the_scope(signed_in):
    """The feed shows the journal of the user's items only: another department's officer
    sees none of these, the consolidating office sees them all."""
    assert "Đề án bị từ chối lùi hạn" in section(text(signed_in("officer", "Sở Công Thương")
                                                      .get("/")), "activity")
    assert "Đề án của Sở Nội vụ" not in text(signed_in("officer", "Sở Công Thương").get("/"))
    outsider = text(signed_in("officer", "Sở Tư pháp").get("/"))
    assert titles(outsider) == set()
    office = section(text(signed_in("viewer", "Văn phòng UBND tỉnh").get("/")), "activity")
    assert "Đề án của Sở Nội vụ" in office


def test_answer_and_quiet_filters_on_the_lists(signed_in, desk_data):
    """The plan page and the consolidated list take the same two new filters."""
    client = signed_in("manager", "Sở Công Thương")
    plan = desk_data["plan"]
    assert titles(text(client.get(f"/plans/{plan}?answer=y"))) == {
        "Đề án bị trả lại", "Đề án bị từ chối lùi hạn"}
    assert titles(text(client.get(f"/plans/{plan}?quiet=y"))) == {"Đề án lâu không cập nhật"}
    assert titles(text(client.get("/consolidated?quiet=y"))) == {"Đề án lâu không cập nhật"}


def test_an_answer_after_a_refusal_ends_the_wait(signed_in, desk_data):
    """Once the lead agency writes again after a refused request, it no longer waits."""
    item = db.session.query(Item).filter_by(title="Đề án bị từ chối lùi hạn").one()
    db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.COMMENT.value,
                                note="Sẽ trình đúng hạn"))
    db.session.commit()
    page = text(signed_in("officer", "Sở Công Thương").get("/"))
    assert titles(section(page, "answer")) == {"Đề án bị trả lại"}


def test_quiet_since_counts_working_days_back():
    """10 working days before Monday 9/2/2026 is Monday 26/1; before Wednesday 25/2 it is
    Wednesday 4/2, not 11/2: the Tết week 16–20/2/2026 is no working day."""
    calendar = WorkCalendar()
    assert quiet_since(date(2026, 2, 9), 10, calendar) == date(2026, 1, 26)
    assert quiet_since(date(2026, 2, 25), 10, calendar) == date(2026, 2, 4)
    assert quiet_since(date(2026, 2, 9), 0, calendar) == date(2026, 2, 9)


def test_a_note_ends_the_quiet(signed_in):
    """A plain note (no change of the item itself) counts as an update; the item's version,
    which its forms check, stays as it was."""
    item = db.session.query(Item).filter_by(title="Đề án lâu không cập nhật").one()
    version = item.version
    db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.COMMENT.value,
                                note="Đang hoàn thiện dự thảo"))
    db.session.commit()
    page = text(signed_in("manager", "Sở Công Thương").get("/"))
    assert titles(section(page, "quiet")) == set()
    assert db.session.get(Item, item.id).version == version
