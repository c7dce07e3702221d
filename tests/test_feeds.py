"""Calendar feeds (iCalendar) at secret, revocable URLs, and Atom feeds of a plan's changes."""
from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import icalendar
import pytest
import sqlalchemy as sa
import vobject
from factories import make_plan

from tracker.extensions import db
from tracker.feeds.calendar import fold
from tracker.models import FeedToken, Item

BASE = "https://theodoi.example.vn"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def plan(app):
    """Six items; the fifth is "Thường xuyên" (no computable deadline)."""
    return make_plan(6)


@pytest.fixture
def manager(make_user, plan):
    return make_user("manager", "Sở Công Thương", name="Trần Thị Quản Lý")


def new_feed(client, **data) -> str:
    """Create a feed from the account page; the path of its calendar URL (shown once)."""
    response = client.post("/account/feeds", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    url = re.search(rf'value="({re.escape(BASE)}/feeds/[A-Za-z0-9_-]+\.ics)"', page).group(1)
    return url[len(BASE):]


def events_by_uid(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def postpone(client, item_id: int, period: str) -> None:
    version = db.session.get(Item, item_id).version
    response = client.post(f"/items/{item_id}/status", data={
        "status": "postponed", "new_period": period, "note": "Chờ ý kiến của Bộ",
        "document_ref": "12/UBND-KT", "version": str(version)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_plan_calendar_has_one_all_day_event_per_dated_item(app, client, auth, manager, plan):
    """The feed parses with icalendar and with vobject (a second, independent parser): one
    all-day event per item with a deadline, on that deadline, with title, lead agency,
    status and a link on the configured base URL; the open-text item is left out."""
    auth.login(manager)
    path = new_feed(client, kind="plan", plan_id=str(plan.id))
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")
    items = db.session.scalars(sa.select(Item).where(Item.plan_id == plan.id)
                               .order_by(Item.id)).all()
    dated = [item for item in items if item.due_date is not None]
    assert len(dated) == 5 and any(item.due_period == "Thường xuyên" for item in items)
    events = events_by_uid(response.data)
    assert set(events) == {f"item-{item.id}@theodoi.example.vn" for item in dated}
    first = events[f"item-{dated[0].id}@theodoi.example.vn"]
    assert first.decoded("DTSTART") == dated[0].due_date            # a date: all day
    assert first.decoded("DTEND") == dated[0].due_date + timedelta(days=1)
    assert str(first["SUMMARY"]) == dated[0].title
    description = str(first["DESCRIPTION"])
    assert "Cơ quan chủ trì: Sở Công Thương" in description
    assert "Chưa triển khai" in description
    assert f"{BASE}/items/{dated[0].id}" in description
    assert str(first["URL"]) == f"{BASE}/items/{dated[0].id}"

    parsed = vobject.readOne(response.data.decode())
    assert len(parsed.vevent_list) == 5
    by_uid = {event.uid.value: event for event in parsed.vevent_list}
    event = by_uid[f"item-{dated[0].id}@theodoi.example.vn"]
    assert event.dtstart.value == dated[0].due_date and event.summary.value == dated[0].title


def test_postponement_moves_the_event_with_the_same_uid_and_a_higher_sequence(
        app, client, auth, manager, plan):
    """An approved postponement: the event is on the new deadline, its UID unchanged, its
    SEQUENCE higher (both parsers agree)."""
    auth.login(manager)
    path = new_feed(client, kind="plan", plan_id=str(plan.id))
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id,
                                                       Item.due_period == "Quý III/2020"))
    uid = f"item-{item.id}@theodoi.example.vn"
    before = events_by_uid(app.test_client().get(path).data)[uid]
    assert before.decoded("DTSTART") == date(2020, 9, 30)
    postpone(client, item.id, "Quý I/2021")
    after_body = app.test_client().get(path).data
    after = events_by_uid(after_body)[uid]
    new_deadline = db.session.get(Item, item.id).due_date
    assert new_deadline > date(2021, 3, 1)
    assert after.decoded("DTSTART") == new_deadline
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    again = {e.uid.value: e for e in vobject.readOne(after_body.decode()).vevent_list}[uid]
    assert again.dtstart.value == new_deadline and int(again.sequence.value) == int(after["SEQUENCE"])
    # A second move raises it again.
    postpone(client, item.id, "Quý II/2021")
    last = events_by_uid(app.test_client().get(path).data)[uid]
    assert int(last["SEQUENCE"]) > int(after["SEQUENCE"])


def test_revoked_or_unknown_feed_is_404(app, client, auth, manager, plan):
    """A feed link is shown once; once revoked, its calendar and Atom URLs answer 404."""
    auth.login(manager)
    path = new_feed(client, kind="mine")
    assert app.test_client().get(path).status_code == 200
    assert app.test_client().get(path.replace(".ics", ".atom")).status_code == 200
    feed = db.session.scalar(sa.select(FeedToken))
    page = client.get("/account/feeds").get_data(as_text=True)
    assert f"/account/feeds/{feed.id}/revoke" in page and ".ics" not in page  # shown once
    assert client.post(f"/account/feeds/{feed.id}/revoke").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get(path.replace(".ics", ".atom")).status_code == 404
    assert app.test_client().get("/feeds/" + "A" * 43 + ".ics").status_code == 404
    assert db.session.scalar(sa.select(FeedToken.token_hash)) not in path   # stored hashed


def test_someone_elses_feed_cannot_be_revoked(app, client, auth, manager, make_user, plan):
    """Only its owner may revoke a feed link: another user gets a 404 and the link keeps working."""
    auth.login(manager)
    new_feed(client, kind="mine")
    feed = db.session.scalar(sa.select(FeedToken))
    other = make_user("manager", "Sở Tài chính")
    auth.logout()
    auth.login(other)
    assert client.post(f"/account/feeds/{feed.id}/revoke").status_code == 404
    assert db.session.get(FeedToken, feed.id).revoked_at is None


def test_a_feed_shows_only_what_its_owner_may_read(app, client, auth, make_user, plan):
    """An officer's "my items" holds the items his agency leads or coordinates; he may not
    make another agency's calendar, nor the calendar of a plan he cannot read; a feed whose
    owner is deactivated or loses access is a 404."""
    other_plan = make_plan(3, title="Danh mục khác", owner="Sở Nội vụ")
    outsider = make_user("officer", "Sở Giáo dục")   # no item anywhere
    auth.login(outsider)
    path = new_feed(client, kind="mine")
    assert events_by_uid(app.test_client().get(path).data) == {}
    nv = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("agency"))
                           .where(sa.text("name = 'Sở Nội vụ'")))
    assert client.post("/account/feeds", data={"kind": "agency", "agency_id": str(nv)}
                       ).status_code in (400, 403)
    assert client.post("/account/feeds", data={"kind": "plan", "plan_id": str(other_plan.id)}
                       ).status_code == 403
    auth.logout()

    officer = make_user("officer", "Sở Tư pháp")
    auth.login(officer)
    path = new_feed(client, kind="mine")
    events = events_by_uid(app.test_client().get(path).data)
    led = db.session.scalars(sa.select(Item).join(Item.lead_agency)
                             .where(sa.text("agency.name = 'Sở Tư pháp'"),
                                    Item.due_date.is_not(None))).all()
    assert led and {f"item-{item.id}@theodoi.example.vn" for item in led} <= set(events)
    plan_path = new_feed(client, kind="plan", plan_id=str(plan.id))
    assert app.test_client().get(plan_path).status_code == 200
    # He moves to an agency with nothing in the plan: the plan feed is gone.
    officer.agency = outsider.agency
    db.session.commit()
    assert app.test_client().get(plan_path).status_code == 404
    officer.active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_a_manager_of_every_plan_may_subscribe_to_any_agency(app, client, auth, make_user, plan):
    """The consolidating office may take any agency's calendar, with only that agency's items."""
    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(admin)
    tc = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("agency"))
                           .where(sa.text("name = 'Sở Tài chính'")))
    path = new_feed(client, kind="agency", agency_id=str(tc))
    events = events_by_uid(app.test_client().get(path).data)
    assert events and all("Sở Tài chính" in str(e["DESCRIPTION"]) for e in events.values())


def test_hostile_text_stays_inside_its_property(app, client, auth, manager, plan):
    """Commas, semicolons, line breaks and control characters in a title are escaped or
    dropped: the event keeps its other properties, both parsers read it."""
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id)
                             .order_by(Item.id))
    item.title = "Đề án; thử, nghiệm\nEND:VEVENT\nBEGIN:VEVENT\x07 <script>alert(1)</script>"
    db.session.commit()
    auth.login(manager)
    body = app.test_client().get(new_feed(client, kind="plan", plan_id=str(plan.id))).data
    events = events_by_uid(body)
    assert len(events) == 5
    summary = str(events[f"item-{item.id}@theodoi.example.vn"]["SUMMARY"])
    assert summary == item.title.replace("\x07", "")
    assert len(vobject.readOne(body.decode()).vevent_list) == 5


def test_fold_keeps_lines_short_and_characters_whole():
    """iCalendar lines fold at 75 octets without splitting a Vietnamese character."""
    line = "SUMMARY:" + "Đề án phát triển công nghiệp hỗ trợ " * 6
    folded = fold(line)
    parts = folded[:-2].split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    assert b"".join(part[1:] if i else part for i, part in enumerate(parts)).decode() == line


def atom_of(body: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(body)          # well-formed XML
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):      # RFC 4287, 4.1.1
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):  # 4.1.2
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}link") is not None or entry.find(f"{ATOM}content") is not None
    return root


def test_plan_atom_feed_lists_its_changes(app, client, auth, manager, make_user, plan):
    """A plan's readers get its journal as Atom (newest first); the feed token variant works
    without a login; someone who cannot read the plan gets a 403."""
    auth.login(manager)
    item = db.session.scalar(sa.select(Item).where(Item.plan_id == plan.id)
                             .order_by(Item.id))
    postpone(client, item.id, "Quý I/2021")
    response = client.get(f"/plans/{plan.id}/changes.atom")
    assert response.status_code == 200 and response.content_type.startswith("application/atom+xml")
    root = atom_of(response.data)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 7                      # six created, one postponed
    assert "Đồng ý lùi thời gian trình sang Quý I/2021" in entries[0].find(f"{ATOM}title").text
    assert "12/UBND-KT" in entries[0].find(f"{ATOM}content").text
    assert entries[0].find(f"{ATOM}link").get("href") == f"{BASE}/items/{item.id}"
    path = new_feed(client, kind="plan", plan_id=str(plan.id)).replace(".ics", ".atom")
    assert len(atom_of(app.test_client().get(path).data).findall(f"{ATOM}entry")) == 7
    auth.logout()
    auth.login(make_user("officer", "Sở Giáo dục"))
    assert client.get(f"/plans/{plan.id}/changes.atom").status_code == 403


def test_calendar_queries_do_not_grow_with_the_items(app, client, auth, manager, plan,
                                                      count_queries):
    """One query for the events however many items (SEQUENCE is a correlated count)."""
    auth.login(manager)
    path = new_feed(client, kind="plan", plan_id=str(plan.id))
    anonymous = app.test_client()
    with count_queries() as small:
        anonymous.get(path)
    from tracker.agencies import AgencyDirectory
    from tracker.plans.service import ItemFields, add_item

    directory = AgencyDirectory.load()
    for n in range(20):
        add_item(db.session.get(type(plan), plan.id), ItemFields(
            title=f"Thêm {n}", lead_agency_name="Sở Tư pháp", coordination="",
            due_period="Quý IV/2020", approving_level=""), directory)
    db.session.commit()
    with count_queries() as large:
        body = anonymous.get(path).data
    assert len(events_by_uid(body)) == 25
    assert len(large) == len(small)
