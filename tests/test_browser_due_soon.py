"""Real-browser tests of the everyday lists: an item due soon is badged, counted beside
"Trễ hạn" and found by the "Sắp đến hạn" filter (the appendix follows the filter); a
coordinating agency finds its items in "Đề án của tôi", marked "Phối hợp", and its
officer's item page offers a note, in words that say so.

Headless Chromium, the demo data plus one item due in three days (led by Sở Công Thương,
coordinated by Sở Tài chính), CSRF on, as in tests/test_browser.py (fixtures in
tests/browser_fixtures.py). SQLite only. Every test ends with no console error, uncaught exception or
Content-Security-Policy violation on any page.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_fixtures import OFFICER, OTHER_OFFICER, build_app, dispose
from browser_support import open_as, serve

from tracker.agencies import AgencyDirectory
from tracker.extensions import db
from tracker.models import Item, Plan
from tracker.periods import format_date
from tracker.plans.service import ItemFields, add_item
from tracker.web import tracker_today

DUE_SOON_TITLE = "Đề án hoàn thiện cơ sở dữ liệu công nghiệp (sắp đến hạn)"


def build_dated_app(db_path: Path):
    """The browser tests' demo app (tests/browser_fixtures.py) plus an item due in 3 days (within the default
    14-day reminder window, whatever the holidays) that Sở Tài chính coordinates."""
    app = build_app(db_path)
    with app.app_context():
        plan = db.session.get(Plan, 1)
        add_item(plan, ItemFields(
            title=DUE_SOON_TITLE, lead_agency_name="Sở Công Thương", coordination="Sở Tài chính",
            due_period=format_date(tracker_today() + timedelta(days=3)),
            approving_level="UBND tỉnh"), AgencyDirectory.load())
        db.session.commit()
        db.session.remove()
    return app


def due_soon_item_id(app) -> int:
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.title == DUE_SOON_TITLE))
        db.session.remove()
    return item_id


@pytest.fixture
def live(tmp_path):
    """(app, base URL) of the dated demo app."""
    app = build_dated_app(tmp_path / "due-soon.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


def row_of(page, title: str):
    return page.locator("table.items tbody tr", has_text=title)


def test_due_soon_is_badged_counted_and_filtered(context, problems, live):
    """On the plan page the new item reads "Sắp đến hạn" (the seed's 2020 items read "Trễ
    hạn"), the counts say "Sắp đến hạn: 1" beside "Trễ hạn: 4"; ticking the filter keeps
    that item only, and the print view of the filtered list prints it alone."""
    _, url = live
    page = open_as(context, url, OFFICER, "/plans/1")
    assert row_of(page, DUE_SOON_TITLE).locator(".badge.due-soon").inner_text() == "Sắp đến hạn"
    assert page.locator(".badge.due-soon").count() == 1
    assert page.locator(".counts li.overdue").inner_text() == "Trễ hạn: 4"
    assert page.locator(".counts li.due-soon").inner_text() == "Sắp đến hạn: 1"

    box = page.locator("form.filters input[name=due_soon]")
    assert page.locator("form.filters label", has=page.locator("input[name=due_soon]")) \
        .inner_text().strip() == "Chỉ đề án sắp đến hạn"
    box.check()
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert "due_soon=y" in page.url
    assert page.locator("table.items tbody tr").count() == 1
    assert row_of(page, DUE_SOON_TITLE).count() == 1

    page.locator("details.downloads summary").click()
    with page.expect_navigation():
        page.locator("form.appendix-options button[type=submit]").first.click()
    assert "due_soon=y" in page.url
    rows = page.locator("table.appendix-table tbody tr")
    assert rows.count() == 1 and DUE_SOON_TITLE in rows.first.inner_text()
    assert "Chỉ các đề án sắp đến hạn" in page.locator("body").inner_text()

    # The count links to the same filter.
    page.goto(f"{url}/plans/1")
    with page.expect_navigation():
        page.locator(".counts li.due-soon a").click()
    assert page.locator("table.items tbody tr").count() == 1
    assert not problems.all(), "\n".join(problems.all())


def test_due_soon_on_my_items_and_the_consolidated_list(context, problems, live):
    """The link "Chỉ đề án sắp đến hạn" on my items, and the due-soon filter of the consolidated
    list, show the one item due soon."""
    _, url = live
    page = open_as(context, url, OFFICER, "/plans/mine")
    with page.expect_navigation():
        page.get_by_role("link", name="Chỉ đề án sắp đến hạn").click()
    assert page.locator("table.items tbody tr").count() == 1
    assert row_of(page, DUE_SOON_TITLE).locator(".badge.due-soon").count() == 1
    page.goto(f"{url}/consolidated")
    page.locator("form.filters input[name=due_soon]").check()
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert page.locator("table.items tbody tr").count() == 1
    assert not problems.all(), "\n".join(problems.all())


def test_coordinating_officer_finds_the_item_and_adds_a_note(context, problems, live):
    """Sở Tài chính's officer: "Đề án của tôi" lists the item it coordinates, marked "Phối
    hợp", beside the one it leads (unmarked); the item page says "Góp ý / ghi chú", has no
    status to choose, and "Thêm ghi chú" posts the note into the history. No script error."""
    app, url = live
    page = open_as(context, url, OTHER_OFFICER, "/plans/mine")
    coordinated = row_of(page, DUE_SOON_TITLE)
    assert coordinated.locator(".badge.coordinating").inner_text() == "Phối hợp"
    led = row_of(page, "Đề án của Sở Tài chính")
    assert led.count() == 1 and led.locator(".badge.coordinating").count() == 0

    with page.expect_navigation():
        coordinated.get_by_role("link", name=DUE_SOON_TITLE).click()
    assert re.search(rf"/items/{due_soon_item_id(app)}$", page.url)
    panel = page.locator("#update")
    assert panel.locator("h2").inner_text() == "Góp ý / ghi chú"
    assert panel.locator("select").count() == 0
    assert page.get_by_text("Cập nhật tình hình").count() == 0
    panel.locator("textarea[name=note]").fill("Sở Tài chính thống nhất dự toán kinh phí")
    with page.expect_navigation():
        panel.get_by_role("button", name="Thêm ghi chú").click()
    assert page.locator(".flash-success").inner_text().strip() == "Đã thêm ghi chú."
    assert "Sở Tài chính thống nhất dự toán kinh phí" in page.locator("#journal").inner_text()
    assert not problems.all(), "\n".join(problems.all())
