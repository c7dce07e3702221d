"""Real-browser tests of agencies made on purpose: the item form's question about an unknown
lead agency (its "did you mean" button, its "Tạo cơ quan mới" box) and an admin merging a
typo agency into the one it stands for.

Headless Chromium, the demo data, CSRF on, as in tests/test_browser.py (fixtures in
tests/browser_fixtures.py). SQLite only. Every test ends with no console error, uncaught exception or
Content-Security-Policy violation, but the 400 of a form sent back, which Chromium logs.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from browser_fixtures import MANAGER, build_app, dispose
from browser_support import open_as, serve

from tracker.extensions import db
from tracker.models import Agency, User

ADMIN = ("admin@demo.local", "quantri-demo-2020")
TYPO_USER = ("an.stc@demo.local", "mat-khau-thu-nghiem-2026")


@pytest.fixture
def live(tmp_path):
    """(app, URL): the demo, plus "Sở Tài chánh", a typo of Sở Tài chính, with a user of its
    own and an item of the seed plan it leads."""
    app = build_app(tmp_path / "agencies.sqlite")
    with app.app_context():
        from tracker.agencies import new_agency
        from tracker.plans.service import load_item

        typo = new_agency("Sở Tài chánh", actor_id=None)
        user = User(email=TYPO_USER[0], name="Lê Văn An", role="officer", agency=typo)
        user.set_password(TYPO_USER[1])
        db.session.add(user)
        item = load_item(3)
        item.lead_agency, item.leads = typo, [typo]
        db.session.commit()
        db.session.remove()
    with serve(app) as url:
        yield app, url
    dispose(app)


def unexpected(problems) -> list[str]:
    return [p for p in problems.all() if "status of 400" not in p]


def test_an_admin_merges_a_typo_agency(context, problems, live):
    """From the agencies page: open the typo, "Gộp vào cơ quan khác", choose Sở Tài chính,
    confirm; the typo is gone, its item is led by Sở Tài chính, its user belongs there and
    keeps working, and the admin journal tells the merge in words."""
    app, url = live
    page = open_as(context, url, ADMIN, "/admin/agencies")
    with page.expect_navigation():
        page.get_by_role("link", name="Sở Tài chánh", exact=True).click()
    assert "1 đề án, 1 người dùng" in page.locator("#delete-or-merge").inner_text()
    assert page.get_by_role("button", name="Xóa cơ quan này").count() == 0   # it is in use
    with page.expect_navigation():
        page.get_by_role("link", name="Gộp vào cơ quan khác").click()
    page.get_by_label("Cơ quan được giữ", exact=True).select_option(label="Sở Tài chính")
    with page.expect_navigation():
        page.get_by_role("button", name="Gộp", exact=True).click()   # not confirmed yet
    assert "Đánh dấu ô này để xác nhận việc gộp." in page.inner_text("main")
    page.get_by_label("Cơ quan được giữ", exact=True).select_option(label="Sở Tài chính")
    page.get_by_label("Tôi hiểu").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Gộp", exact=True).click()
    assert "Đã gộp Sở Tài chánh vào Sở Tài chính." in page.inner_text("main")
    assert page.locator("h1").inner_text() == "Sở Tài chính"

    page.goto(f"{url}/admin/agencies")
    assert page.get_by_role("link", name="Sở Tài chánh", exact=True).count() == 0
    page.goto(f"{url}/admin/audit")
    first = page.locator("table.grid tbody tr").first.inner_text()
    assert "Gộp cơ quan" in first and "Gộp: Sở Tài chánh → Sở Tài chính" in first
    assert "Đề án chuyển sang: 1" in first and "Người dùng chuyển sang: 1" in first
    page.goto(f"{url}/items/3")
    assert "Sở Tài chính" in page.locator("dl.facts").inner_text()

    officer_context = context.browser.new_context(locale="vi-VN")
    problems.watch(officer_context)
    try:
        officer = open_as(officer_context, url, TYPO_USER, "/items/3")
        assert officer.locator("form.status-form").count() == 1   # Sở Tài chính leads it
    finally:
        officer_context.close()
    with app.app_context():
        assert db.session.scalar(sa.select(Agency).where(Agency.name == "Sở Tài chánh")) is None
    assert not unexpected(problems), "\n".join(problems.all())


def test_the_item_form_asks_before_creating_an_agency(context, problems, live):
    """A typo in the lead agency: the form asks "Không có cơ quan này; có phải: …?"; the
    suggestion's button puts the right name in; a really new agency needs the box ticked."""
    app, url = live
    page = open_as(context, url, MANAGER, "/plans/1/items/new")
    form = page.locator("main form")
    form.get_by_label("Tên đề án").fill("Đề án về chợ đêm")
    form.get_by_label("Cơ quan chủ trì").fill("Sở Tai chinh tinh")
    form.get_by_label("Thời gian trình").fill("Quý IV/2026")
    with page.expect_navigation():
        form.get_by_role("button", name="Lưu").click()
    assert "Không có cơ quan này; có phải:" in page.inner_text("#field-lead_agency_name")
    assert "Sở Tài chính" in page.inner_text("#field-lead_agency_name")
    form = page.locator("main form")
    form.get_by_role("button", name="Dùng “Sở Tài chính”").click()   # fills the field only
    assert form.get_by_label("Cơ quan chủ trì").input_value() == "Sở Tài chính"
    with page.expect_navigation():
        form.get_by_role("button", name="Lưu").click()
    assert "/items/" in page.url
    assert "Sở Tài chính" in page.locator("dl.facts").inner_text()

    page.goto(f"{url}/plans/1/items/new")
    form = page.locator("main form")
    form.get_by_label("Tên đề án").fill("Đề án về khu công nghệ cao")
    form.get_by_label("Cơ quan chủ trì").fill("Ban Quản lý Khu công nghệ cao")
    form.get_by_label("Thời gian trình").fill("Quý IV/2026")
    with page.expect_navigation():
        form.get_by_role("button", name="Lưu").click()
    assert "Không có cơ quan này trong hệ thống." in page.inner_text("main")
    form = page.locator("main form")
    form.get_by_label("Tạo cơ quan mới").check()
    with page.expect_navigation():
        form.get_by_role("button", name="Lưu").click()
    assert "Ban Quản lý Khu công nghệ cao" in page.locator("dl.facts").inner_text()
    with app.app_context():
        assert db.session.scalar(sa.select(Agency.id).where(
            Agency.name == "Ban Quản lý Khu công nghệ cao")) is not None
    assert not unexpected(problems), "\n".join(problems.all())
