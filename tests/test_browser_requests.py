"""Real-browser tests of postponement requests and decisions: what each role sees on the
lists, where a manager finds the requests waiting for him, and what the report prints.

Headless Chromium, the demo data, CSRF on, as in tests/test_browser.py (fixtures in
tests/browser_fixtures.py). SQLite only. Every test ends with no console error, uncaught exception or
Content-Security-Policy violation on any page.
"""
from __future__ import annotations

from browser_fixtures import MANAGER, OFFICER, column
from browser_support import login, open_as, submit_status


def test_a_request_is_seen_on_the_lists_and_decided_with_its_letter(context, problems,
                                                                     live_url):
    """The officer asks to postpone item 2; the plan page badges it and its "chờ duyệt"
    filter finds it; the manager follows the count on his home page to the filtered
    consolidated list, approves with the UBND's letter, and the report prints the decision
    with the letter."""
    officer = open_as(context, live_url, OFFICER, "/items/2")
    form = officer.locator("form.status-form")
    form.locator("select[name=status]").select_option("postponed")
    form.locator("input[name=new_period]").fill("Quý I/2021")
    form.locator("textarea[name=note]").fill("Chờ hướng dẫn của Bộ Công Thương")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    officer.goto(f"{live_url}/plans/1")
    assert officer.locator(".badge.pending").all_inner_texts() == \
        ["Chờ duyệt: xin lùi sang Quý I/2021"]
    officer.locator("form.filters input[name=pending]").check()
    with officer.expect_navigation():
        officer.locator("form.filters button[type=submit]").click()
    assert "pending=y" in officer.url
    assert officer.locator("table.items tbody tr").count() == 1
    assert officer.locator(".waiting-decisions").count() == 0   # officers do not decide

    manager_context = context.browser.new_context(locale="vi-VN")
    problems.watch(manager_context)
    try:
        manager = open_as(manager_context, live_url, MANAGER, "/plans/")
        link = manager.locator("a.waiting-decisions")
        assert link.inner_text().strip() == "1 đề nghị chờ duyệt"
        with manager.expect_navigation():
            link.click()
        rows = manager.locator("table.items tbody tr")
        assert rows.count() == 1
        assert "Chờ duyệt: xin lùi sang Quý I/2021" in rows.first.inner_text()
        manager.goto(f"{live_url}/plans/1/appendix?progress=1")
        second_row = manager.locator("table.appendix-table tbody tr").nth(1).locator("td")
        progress = column(manager, "Tình hình thực hiện")
        assert second_row.nth(progress).text_content() == \
            "Chưa triển khai. Đề nghị lùi sang Quý I/2021, chờ ý kiến"

        manager.goto(f"{live_url}/items/2")
        decision = manager.locator("#decision form")
        decision.locator("input[name=document_ref]").fill("2345/UBND-KT")
        decision.locator("input[name=document_date]").fill("5/10/2020")
        with manager.expect_navigation():
            decision.get_by_role("button", name="Đồng ý", exact=True).click()
        assert "Đã được đồng ý lùi thời gian trình" in manager.locator("dl.facts").inner_text()
        manager.goto(f"{live_url}/plans/1/appendix?progress=1")
        second_row = manager.locator("table.appendix-table tbody tr").nth(1).locator("td")
        assert second_row.nth(progress).text_content() == \
            "Đã được đồng ý lùi sang Quý I/2021 (Công văn số 2345/UBND-KT ngày 5/10/2020)"
        manager.goto(f"{live_url}/plans/")
        assert manager.locator("a.waiting-decisions").count() == 0
    finally:
        manager_context.close()
    assert not problems.all(), "\n".join(problems.all())


def test_a_future_document_date_is_refused_in_the_browser(context, problems, live_url):
    """A document date after today is refused with "Ngày văn bản không được sau hôm nay" under the field."""
    officer = context.new_page()
    login(officer, live_url, *OFFICER)
    submit_status(officer, live_url, 1, "submitted", document_ref="45/TTr-SCT", document_date="1/1/2199")
    assert "Ngày văn bản không được sau hôm nay" in \
        officer.locator("#field-document_date .error").inner_text()
    # The refused form comes back as a 400, which Chromium logs; nothing else may be wrong.
    unexpected = [p for p in problems.all() if "status of 400" not in p]
    assert not unexpected, "\n".join(unexpected)


def test_a_withdrawal_waits_is_decided_and_can_be_reversed(context, problems, live_url):
    """The officer asks to withdraw item 3 in the words of a request; the item stays listed,
    badged; the manager approves, the report prints the withdrawal with its reason; the
    manager puts it back and the history reads request → decision → reversal."""
    officer = open_as(context, live_url, OFFICER, "/items/3")
    form = officer.locator("form.status-form")
    choice = form.locator("select[name=status] option[value=withdrawn]")
    assert choice.inner_text() == "Xin rút khỏi danh mục (lãnh đạo quyết định)"
    form.locator("select[name=status]").select_option("withdrawn")
    form.locator("textarea[name=note]").fill("Đã lồng ghép vào đề án số 5")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "đang chờ quyết định" in officer.locator(".flash").first.inner_text()
    assert officer.locator("dl.facts .badge.pending").inner_text() == \
        "Chờ duyệt: xin rút khỏi danh mục"

    manager_context = context.browser.new_context(locale="vi-VN")
    problems.watch(manager_context)
    try:
        manager = open_as(manager_context, live_url, MANAGER, "/items/3")
        decision = manager.locator("#decision")
        assert decision.locator("h2").inner_text() == "Đề nghị rút khỏi danh mục"
        with manager.expect_navigation():
            decision.get_by_role("button", name="Đồng ý", exact=True).click()
        assert "Đã rút khỏi danh mục" in manager.locator("dl.facts").inner_text()
        manager.goto(f"{live_url}/plans/1/appendix?progress=1")
        third_row = manager.locator("table.appendix-table tbody tr").nth(2).locator("td")
        progress = column(manager, "Tình hình thực hiện")
        assert third_row.nth(progress).text_content() == \
            "Đã rút khỏi danh mục: Đã lồng ghép vào đề án số 5"

        manager.goto(f"{live_url}/items/3")
        reinstate = manager.locator("#reinstate form")
        reinstate.locator("textarea[name=reason]").fill("UBND tỉnh giao lại")
        with manager.expect_navigation():
            reinstate.locator("button[type=submit]").click()
        assert "Đã rút" not in manager.locator("dl.facts").inner_text()
        history = manager.locator("#journal li").all_inner_texts()
        assert "Đưa trở lại danh mục" in history[0] and "UBND tỉnh giao lại" in history[0]
        assert "Đã rút khỏi danh mục" in history[1]
        assert "Đề nghị rút khỏi danh mục" in history[2] and "Đã lồng ghép" in history[2]
    finally:
        manager_context.close()
    assert not problems.all(), "\n".join(problems.all())
