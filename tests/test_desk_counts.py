"""The start page's numbers counted in SQL are the Python rules of tracker.statuses applied
item by item: every count, every short list and the agency table, for each kind of desk, on
a mixed fixture (co-leads, coordinators, every status, requests, refusals later answered);
and every number of the agency table links to a list of exactly those items."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.agencies import AgencyDirectory
from tracker.desk import service as desk_service
from tracker.desk.service import agency_table, desk_for, desk_summary
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind
from tracker.periods import format_date
from tracker.plans.refusals import REFUSALS
from tracker.plans.service import ItemFields, add_item, create_plan
from tracker.statuses import Status, is_due_soon, is_ended, is_overdue
from tracker.web import due_soon_until, quiet_since, tracker_today

LEADS = ["Sở Công Thương", "Sở Tài chính", "Sở Công Thương; Sở Xây dựng", "Sở Nội vụ",
         "Sở Tài chính; Sở Xây dựng"]
COORDINATION = ["", "Sở Nội vụ", "Sở Công Thương", "", "Sở Tài chính"]
DUE = [-40, -5, -1, 0, 1, 3, 10, 30, None]
STATUSES = [status.value for status in Status]


@pytest.fixture
def mixed(app):
    """60 items of two lists, each combination of lead(s), coordinator, status, deadline
    (from 40 days late to 30 days ahead, or none), requests and refusals (some answered)."""
    today = tracker_today()
    db.session.add(Agency("Văn phòng UBND tỉnh", is_consolidating_office=True))
    directory = AgencyDirectory.load()
    plans = [create_plan("Danh mục Sở Công Thương", directory.find_or_create("Sở Công Thương")),
             create_plan("Danh mục Sở Nội vụ", directory.find_or_create("Sở Nội vụ"))]
    db.session.flush()
    now = datetime.now(UTC)
    for n in range(60):
        offset = DUE[n % len(DUE)]
        period = format_date(today + timedelta(days=offset)) if offset is not None \
            else "Thường xuyên"
        names = LEADS[n % len(LEADS)].split("; ")
        item = add_item(plans[n % 2], ItemFields(
            title=f"Đề án {n}", lead_agency_name=names[0],
            coordination=COORDINATION[(n // 2) % len(COORDINATION)], due_period=period,
            approving_level="UBND tỉnh"), directory)
        item.leads = [directory.find_or_create(name) for name in names]
        item.status = STATUSES[(n * 7) % len(STATUSES)]
        item.requested_due_period = "Quý IV/2031" if n % 7 == 0 else None
        item.withdrawal_requested = n % 11 == 0
        db.session.flush()
        if n % 4 == 0:
            db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.POSTPONEMENT_REFUSED.value,
                                        new_due_period="Quý IV/2031", note="Không đồng ý"))
        if n % 8 == 0:   # answered since
            db.session.add(JournalEntry(item_id=item.id, kind=JournalKind.COMMENT.value,
                                        note="Đã bổ sung"))
    db.session.commit()
    # Last changes spread over 60 days, written past the session's bookkeeping.
    for n, item_id in enumerate(db.session.scalars(sa.select(Item.id).order_by(Item.id))):
        db.session.execute(sa.update(Item).where(Item.id == item_id)
                           .values(updated_at=now - timedelta(days=(n * 13) % 60, hours=n)))
    db.session.commit()
    return {agency.name: agency.id for agency in db.session.scalars(sa.select(Agency))}


def python_rules(today: date, until: date | None, since: datetime):
    """Every item with the start page's flags, by the rules of tracker.statuses."""
    items = db.session.scalars(sa.select(Item).options(
        so.selectinload(Item.leads), so.selectinload(Item.coordinators),
        so.selectinload(Item.plan), so.selectinload(Item.journal))).all()
    rules = {
        "overdue": lambda i: is_overdue(i.status, i.due_date, today),
        "due_soon": lambda i: is_due_soon(i.status, i.due_date, today, until),
        "answer": lambda i: not is_ended(i.status) and (
            i.status == Status.RETURNED.value or bool(i.journal and i.journal[0].kind in REFUSALS)),
        "quiet": lambda i: not is_ended(i.status) and i.updated_at < since,
        "decisions": lambda i: i.requested_due_period is not None or i.withdrawal_requested,
    }
    return items, rules


ORDER = {"overdue": lambda i: (-i.due_date.toordinal(), i.id),
         "due_soon": lambda i: (i.due_date, i.id),
         "answer": lambda i: (i.updated_at, i.id),
         "decisions": lambda i: (i.updated_at, i.id),
         "quiet": lambda i: (-i.updated_at.timestamp(), i.id)}


@pytest.mark.parametrize("kind", ["officer", "manager", "province"])
def test_sql_counts_and_lists_equal_the_python_rules(app, mixed, monkeypatch, kind):
    """Each count of the start page is the number of items the Python rules flag in the
    desk's scope, and each short list their first items in the list's order."""
    monkeypatch.setattr(desk_service, "SHORT_LIST", 3)
    with app.test_request_context():
        today, until, since = tracker_today(), due_soon_until(), quiet_since()
        agency = mixed["Văn phòng UBND tỉnh"] if kind == "province" else mixed["Sở Công Thương"]
        desk = desk_for(agency, decides=kind != "officer", sees_every_plan=kind == "province")
        items, rules = python_rules(today, until, since)

        def in_scope(item: Item) -> bool:
            if kind == "province":
                return True
            linked = {a.id for a in item.leads} | {a.id for a in item.coordinators}
            return (item.lead_agency_id == agency or agency in linked
                    or (kind == "manager" and item.plan.owner_agency_id == agency))

        def decides(item: Item) -> bool:
            return kind == "province" or item.plan.owner_agency_id == agency

        mine = [i for i in items if in_scope(i)]
        counts, lists = desk_summary(desk, today, until, since)
        assert counts.overdue == sum(map(rules["overdue"], mine)) > 0
        assert counts.due_soon == sum(map(rules["due_soon"], mine)) > 0
        assert counts.answer == sum(map(rules["answer"], mine)) > 0
        assert counts.quiet == (sum(map(rules["quiet"], mine)) if kind != "officer" else 0)
        for name in ("overdue", "due_soon", "answer", "quiet", "decisions"):
            if kind == "officer" and name in ("quiet", "decisions"):
                assert getattr(lists, name) == []
                continue
            pool = [i for i in (items if name == "decisions" else mine) if rules[name](i)
                    and (name != "decisions" or decides(i))]
            expected = [i.id for i in sorted(pool, key=ORDER[name])[:3]]
            assert [i.id for i in getattr(lists, name)] == expected, name


def test_agency_table_equals_the_python_rules(app, mixed):
    """Per agency the item names as lead (co-leads included): due soon, overdue, waiting
    for a decision and in all, as the Python rules count them."""
    with app.test_request_context():
        today, until, since = tracker_today(), due_soon_until(), quiet_since()
        items, rules = python_rules(today, until, since)
        rows = {row.name: (row.due_soon, row.overdue, row.waiting, row.total)
                for row in agency_table(today, until)}
        names = {a.id: a.name for i in items for a in i.leads}
        expected = {}
        for agency_id, name in names.items():
            led = [i for i in items if agency_id in {a.id for a in i.leads}]
            expected[name] = (sum(map(rules["due_soon"], led)), sum(map(rules["overdue"], led)),
                              sum(map(rules["decisions"], led)), len(led))
        assert rows == expected
        assert rows["Sở Xây dựng"][3] > 0   # only ever a co-lead in the fixture


def test_an_agency_table_link_lists_the_items_it_counts(app, mixed, make_user):
    """An agency that only co-leads is offered by the list's lead filter, so that following
    its numbers lists exactly as many items as the table says."""
    client = app.test_client()
    user = make_user("manager", "Văn phòng UBND tỉnh")
    client.post("/login", data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    page = client.get("/").get_data(as_text=True)
    section = re.search(r'<section id="agencies">(.*?)</section>', page, re.S).group(1)
    rows = dict(re.findall(r"<tr>\s*<td>([^<]+)</td>(.*?)</tr>", section, re.S))
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>', rows["Sở Xây dựng"])
    assert len(links) == 4
    for href, number in links:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert f"{number} đề án" in listed, href
