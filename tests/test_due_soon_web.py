"""Due soon on the lists: the badge, the "sắp đến hạn" filter on the plan page, the
consolidated list, the appendix and "Đề án của tôi", and the count beside "Trễ hạn". The
window is the reminder settings' (14 calendar days by default), counted from the real today."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from helpers import text

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.models import Item, Plan, ReminderSettings
from tracker.periods import format_date
from tracker.plans.service import ItemFields, add_item
from tracker.web import tracker_today

BADGE = '<span class="badge due-soon">Sắp đến hạn</span>'


def listed(page: str) -> set[str]:
    """The titles of the items a list shows (each links to its item)."""
    return set(re.findall(r'<a href="/items/\d+">([^<]+)</a>', page))


def add_dated_item(plan: Plan, title: str, due: date, status: str = "not_started") -> Item:
    item = add_item(plan, ItemFields(
        title=title, lead_agency_name="Sở Công Thương", coordination="",
        due_period=format_date(due), approving_level="UBND tỉnh"), AgencyDirectory.load())
    item.status = status
    return item


@pytest.fixture
def dated(seed_plan):
    """The seed plan (three items of 2020: overdue) plus items due around today: in 3 days
    (within any 14-day window), in 40 days (outside), 20 days ago (overdue), and in 3 days
    but already submitted. A date on a day off moves the deadline to the next working day
    (at most 9 days, over Tết), which these distances allow for."""
    today = tracker_today()
    add_dated_item(seed_plan, "Đề án sắp đến hạn", today + timedelta(days=3))
    add_dated_item(seed_plan, "Đề án còn xa", today + timedelta(days=40))
    add_dated_item(seed_plan, "Đề án mới trễ", today - timedelta(days=20))
    add_dated_item(seed_plan, "Đề án đã trình", today + timedelta(days=3), status="submitted")
    db.session.commit()
    return seed_plan.id


@pytest.fixture
def officer(client, auth, make_user, dated):
    auth.login(make_user("officer", "Sở Công Thương"))
    return client


def test_plan_page_counts_and_badges_due_soon_items(officer, dated):
    """The counts say "Trễ hạn: 4" (the seed's three and one of this month) and beside it
    "Sắp đến hạn: 1", linked to the filter; only the open item due in 3 days has the badge."""
    page = text(officer.get(f"/plans/{dated}"))
    assert "Trễ hạn: <strong>4</strong>" in page
    assert re.search(rf'<li class="due-soon"><a href="/plans/{dated}\?due_soon=y">'
                     r"Sắp đến hạn: <strong>1</strong></a></li>", page)
    assert page.count(BADGE) == 1
    row = next(r for r in page.split("<tr>") if "Đề án sắp đến hạn" in r)
    assert BADGE in row


@pytest.mark.parametrize("url", ["/plans/{plan}?due_soon=y", "/consolidated?due_soon=y",
                                 "/plans/mine?due_soon=y"])
def test_due_soon_filter_finds_the_open_items_in_the_window(officer, dated, url):
    """"Sắp đến hạn" keeps the open items whose deadline is in the reminder window: not the
    late ones, not the submitted one, not the one due in 40 days."""
    response = officer.get(url.format(plan=dated))
    assert response.status_code == 200
    assert listed(text(response)) == {"Đề án sắp đến hạn"}


def test_the_window_is_the_reminder_settings(officer, dated):
    """Reminders 60 days ahead: the item due in 40 days is due soon too."""
    db.session.add(ReminderSettings(stages="60,7", working_days=False, overdue_interval=7,
                                    escalate_after=2, send_time="07:00"))
    db.session.commit()
    page = text(officer.get(f"/plans/{dated}?due_soon=y"))
    assert listed(page) == {"Đề án sắp đến hạn", "Đề án còn xa"}
    assert "Sắp đến hạn: <strong>2</strong>" in page


def test_the_filter_box_and_the_appendix_carry_due_soon(officer, dated):
    """The filter form has the box (ticked when filtering); the appendix form carries it, and
    the printed list keeps only those items and says so under its title."""
    page = text(officer.get(f"/plans/{dated}?due_soon=y"))
    assert re.search(r'<input checked id="due_soon" name="due_soon" type="checkbox" value="y">',
                     page)
    assert '<input type="hidden" name="due_soon" value="y">' in page
    printed = text(officer.get(f"/plans/{dated}/appendix?due_soon=y&progress=1"))
    assert "Đề án sắp đến hạn" in printed and "Đề án còn xa" not in printed
    assert "Chỉ các đề án sắp đến hạn" in printed


def test_item_page_badges_due_soon(officer, dated):
    soon = db.session.scalar(sa.select(Item.id).where(Item.title == "Đề án sắp đến hạn"))
    far = db.session.scalar(sa.select(Item.id).where(Item.title == "Đề án còn xa"))
    assert BADGE in text(officer.get(f"/items/{soon}"))
    assert BADGE not in text(officer.get(f"/items/{far}"))


def test_lists_do_not_write_the_reminder_settings(officer, dated):
    """Reading the window is read-only: a list page creates no settings row."""
    officer.get(f"/plans/{dated}")
    officer.get("/plans/mine")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSettings)) == 0
