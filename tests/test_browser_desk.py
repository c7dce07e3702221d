"""Real-browser tests of the start page: each role lands on it after signing in, and a
manager decides a waiting request from it.

Headless Chromium, the demo data, CSRF on, as in tests/test_browser.py (fixtures in
tests/browser_fixtures.py). SQLite only. Every test ends with no console error, uncaught exception or
Content-Security-Policy violation on any page.
"""
from __future__ import annotations

import re

from browser_fixtures import MANAGER, OFFICER
from browser_support import login

VIEWER = ("xem@demo.local", "xem-demo-2020")   # Văn phòng UBND tỉnh


def test_a_manager_decides_a_waiting_request_from_the_start_page(context, problems, live_url):
    """The officer asks to postpone item 2 and lands back on his start page, which counts it
    nowhere as his to decide; the manager signs in onto his start page, sees the request
    under "waiting for your decision", follows its "Quyết định" button to the decision form,
    approves, and the start page no longer lists it."""
    officer = context.new_page()
    login(officer, live_url, *OFFICER)
    assert officer.url == f"{live_url}/"
    assert officer.locator("h1").inner_text() == "Trang đầu"
    assert officer.locator("#decisions").count() == 0
    officer.goto(f"{live_url}/items/2")
    form = officer.locator("form.status-form")
    form.locator("select[name=status]").select_option("postponed")
    form.locator("input[name=new_period]").fill("Quý I/2021")
    form.locator("textarea[name=note]").fill("Chờ hướng dẫn của Bộ Công Thương")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()

    manager_context = context.browser.new_context(locale="vi-VN")
    problems.watch(manager_context)
    try:
        manager = manager_context.new_page()
        login(manager, live_url, *MANAGER)
        assert manager.url == f"{live_url}/"
        waiting = manager.locator("section#decisions")
        assert re.search(r"Đề nghị chờ anh/chị quyết định\s*1", waiting.locator("h2").inner_text())
        rows = waiting.locator("table.items tbody tr")
        assert rows.count() == 1
        assert "Chờ duyệt: xin lùi sang Quý I/2021" in rows.first.inner_text()
        with manager.expect_navigation():
            rows.first.get_by_role("link", name="Quyết định").click()
        assert re.search(r"/items/2#decision$", manager.url)
        decision = manager.locator("#decision form")
        assert decision.is_visible()
        decision.locator("input[name=document_ref]").fill("2345/UBND-KT")
        decision.locator("input[name=document_date]").fill("5/10/2020")
        with manager.expect_navigation():
            decision.get_by_role("button", name="Đồng ý", exact=True).click()
        assert "Đã được đồng ý lùi thời gian trình" in manager.locator("dl.facts").inner_text()
        manager.goto(f"{live_url}/")
        assert manager.locator("section#decisions table.items").count() == 0
        feed = manager.locator("section#activity li").first.inner_text()
        assert "Đã được đồng ý lùi thời gian trình" in feed
    finally:
        manager_context.close()
    assert not problems.all(), "\n".join(problems.all())


def test_each_role_has_its_start_page(context, problems, live_url):
    """The officer's page has his update buttons and no agency table; the consolidating
    office's has the agency table, whose numbers open the consolidated list filtered."""
    officer = context.new_page()
    login(officer, live_url, *OFFICER)
    overdue = officer.locator("section#overdue")
    assert overdue.locator("table.items tbody tr").count() >= 1
    with officer.expect_navigation():
        overdue.get_by_role("link", name="Cập nhật").first.click()
    assert re.search(r"/items/\d+#update$", officer.url)
    assert officer.locator("form.status-form").is_visible()
    assert context.new_page().goto(f"{live_url}/").ok

    viewer_context = context.browser.new_context(locale="vi-VN")
    problems.watch(viewer_context)
    try:
        viewer = viewer_context.new_page()
        login(viewer, live_url, *VIEWER)
        table = viewer.locator("section#agencies table")
        assert "Sở Công Thương" in table.inner_text()
        row = table.locator("tbody tr", has_text="Sở Công Thương")
        total = row.locator("td").nth(4).inner_text().strip()
        with viewer.expect_navigation():
            row.locator("td").nth(4).get_by_role("link").click()
        assert "/consolidated?lead=" in viewer.url
        assert f"{total} đề án" in viewer.locator("main").inner_text()
    finally:
        viewer_context.close()
    assert not problems.all(), "\n".join(problems.all())
