"""Real-browser tests: the app served over HTTP, driven by headless Chromium.

They check what only a browser shows: the login form and CSRF working end to end,
the status form's script under the Content-Security-Policy, who sees the form, and
the printed appendix (A4 landscape, header row on every page, all rows in order).
SQLite only: the database code is covered on both backends by the other tests.
See tests/browser_support.py for the skip/fail rule when Chromium is missing.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_fixtures import (
    BIG_PLAN_ITEMS,
    MANAGER,
    OFFICER,
    OTHER_OFFICER,
    TIMEOUT_MS,
    build_app,
    column,
    dispose,
)
from browser_support import (
    A4_LANDSCAPE_PTS,
    login,
    open_as,
    pdf_page_sizes,
    pdf_pages_text,
    png_size,
    poppler_tool,
    render_pdf_page_png,
    serve,
)


def test_officer_records_a_submission_and_the_appendix_shows_it(context, problems, live_url):
    """An officer of the lead agency records "Đã trình" with its Tờ trình through the real
    form (login and CSRF included); the progress appendix then reads
    "Đã trình (Tờ trình số … ngày …)" for that item, and no page logs a console error,
    throws, or trips the Content-Security-Policy (app.js must run as an external script)."""
    page = context.new_page()
    login(page, live_url, *OFFICER)

    page.goto(f"{live_url}/items/1")
    title = re.sub(r"^\d+\.\s*", "", page.locator("main h1").inner_text().strip())
    form = page.locator("form.status-form")
    assert form.count() == 1, "the lead agency's officer should get the status form"
    # app.js ran: the Tờ trình fields stay hidden until a status that needs them is chosen.
    assert page.locator("#field-document_ref").is_hidden()
    assert page.locator("#field-document_date").is_hidden()

    form.locator("select[name=status]").select_option(label="Đã trình")
    assert form.locator("select[name=status]").input_value() == "submitted"
    assert page.locator("#field-document_ref").is_visible()
    assert page.locator("#field-document_date").is_visible()
    assert page.locator("#field-new_period").is_hidden()
    form.locator("input[name=document_ref]").fill("45/TTr-SCT")
    form.locator("input[name=document_date]").fill("20/9/2020")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    assert re.search(r"/items/1(?:[?#].*)?$", page.url), page.url
    success = page.locator(".flash-success")
    assert success.count() == 1, page.locator("main").inner_text()[:2000]
    assert success.inner_text().strip() == "Đã lưu cập nhật."

    response = page.goto(f"{live_url}/plans/1/appendix?progress=1")
    assert response.status == 200
    first_row = page.locator("table.appendix-table tbody tr").first.locator("td")
    assert first_row.nth(column(page, "Tên đề án")).text_content() == title
    assert first_row.nth(column(page, "Tình hình thực hiện")).text_content() == (
        "Đã trình (Tờ trình số 45/TTr-SCT ngày 20/9/2020)")

    assert not problems.all(), "\n".join(problems.all())


def test_officer_of_another_agency_gets_no_status_form(context, problems, live_url):
    """Only the lead agency posts updates: Sở Tài chính's officer can read item 1 (led by
    Sở Công Thương) but the page offers no status form, select or save button."""
    page = context.new_page()
    login(page, live_url, *OTHER_OFFICER)

    response = page.goto(f"{live_url}/items/1")
    assert response.status == 200
    assert page.locator("main h1").inner_text().startswith("1. ")  # the item page, not an error
    assert "Sở Công Thương" in page.locator("dl.facts").inner_text()
    assert page.locator("form.status-form").count() == 0
    assert page.locator("form[action$='/items/1/status']").count() == 0
    assert page.locator("select[name=status]").count() == 0
    assert page.locator("#update").count() == 0
    assert page.get_by_role("button", name="Lưu cập nhật").count() == 0
    assert not problems.all(), "\n".join(problems.all())


def test_manager_approves_an_officers_postponement_request(context, problems, live_url):
    """An officer asks to postpone item 2 to Quý I/2021; the item shows the request waiting;
    the manager approves it in his own browser; the deadline moves and the progress
    appendix says "Đã được đồng ý lùi sang Quý I/2021" while the filed period stays in print."""
    officer = open_as(context, live_url, OFFICER, "/items/2")
    form = officer.locator("form.status-form")
    form.locator("select[name=status]").select_option("postponed")
    assert officer.locator("#field-new_period").is_visible()
    form.locator("input[name=new_period]").fill("Quý I/2021")
    form.locator("textarea[name=note]").fill("Chờ hướng dẫn của Bộ Công Thương")
    with officer.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Chờ duyệt: xin lùi sang Quý I/2021" in officer.locator("dl.facts").inner_text()
    assert officer.locator("#decision").count() == 0  # officers do not decide

    manager_context = context.browser.new_context()
    try:
        manager = open_as(manager_context, live_url, MANAGER, "/items/2")
        decision = manager.locator("#decision form")
        assert decision.count() == 1
        with manager.expect_navigation():
            decision.get_by_role("button", name="Đồng ý", exact=True).click()
        assert manager.locator(".flash-success").inner_text().strip() == "Đã đồng ý lùi thời gian trình."
        facts = manager.locator("dl.facts").inner_text()
        assert "Quý I/2021" in facts and "chờ duyệt" not in facts.casefold()
        manager.goto(f"{live_url}/plans/1/appendix?progress=1")
        second_row = manager.locator("table.appendix-table tbody tr").nth(1).locator("td")
        assert second_row.nth(column(manager, "Thời gian trình")).text_content() == "Quý IV/2020"
        assert second_row.nth(column(manager, "Tình hình thực hiện")).text_content() == \
            "Đã được đồng ý lùi sang Quý I/2021"
    finally:
        manager_context.close()
    assert not problems.all(), "\n".join(problems.all())


@pytest.fixture(scope="module")
def appendix_pdf(browser, tmp_path_factory) -> Path:
    """Plan 2 (300 items) printed from /plans/2/appendix by Chromium, as the user would."""
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        poppler_tool(tool)
    folder = tmp_path_factory.mktemp("appendix-pdf")
    app = build_app(folder / "b.sqlite", big_plan_items=BIG_PLAN_ITEMS)
    pdf = folder / "appendix-plan-2.pdf"
    try:
        with serve(app) as url:
            context = browser.new_context(locale="vi-VN")
            context.set_default_timeout(TIMEOUT_MS)
            try:
                page = context.new_page()
                login(page, url, *OFFICER)
                response = page.goto(f"{url}/plans/2/appendix")
                assert response.status == 200
                page.pdf(path=str(pdf), prefer_css_page_size=True)
            finally:
                context.close()
    finally:
        dispose(app)
    return pdf


def test_printed_appendix_is_a4_landscape_with_header_on_every_page(appendix_pdf):
    """The appendix prints as A4 landscape (842 x 595 pt) on every page, over several pages,
    the header row (Tên đề án, Cơ quan chủ trì) repeats on each page, and all 300 rows
    come out once each, numbered 1..300 in order with their own titles."""
    sizes = pdf_page_sizes(appendix_pdf)
    assert len(sizes) >= 3, f"300 items should take several pages, got {len(sizes)}"
    width, height = A4_LANDSCAPE_PTS
    wrong = [(n, size) for n, size in enumerate(sizes, 1)
             if abs(size[0] - width) > 2 or abs(size[1] - height) > 2]
    assert not wrong, f"pages not A4 landscape (page, (w, h)): {wrong[:5]}"

    pages = pdf_pages_text(appendix_pdf)
    assert len(pages) == len(sizes)
    for number, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        for header in ("Tên đề án", "Cơ quan chủ trì"):
            assert header in flat, f"header {header!r} missing on page {number}:\n{text[:800]}"

    rows = [(int(stt), int(n)) for stt, n in re.findall(
        r"^\s*(\d+)\s+Đề án số (\d+) về phát triển công nghiệp", "\n".join(pages), re.M)]
    expected = list(range(1, BIG_PLAN_ITEMS + 1))
    assert [stt for stt, _ in rows] == expected, f"row numbers out of order: {rows[:20]}…"
    assert [n for _, n in rows] == expected, "titles out of order or not beside their number"


def test_first_printed_page_renders_to_png(appendix_pdf, tmp_path):
    """The first page of the printed appendix renders to a landscape PNG (kept in tmp_path
    for a human to look at)."""
    png = render_pdf_page_png(appendix_pdf, tmp_path / "appendix-page1.png", page=1, dpi=60)
    width, height = png_size(png)
    # A4 landscape at 60 dpi: 842 x 595 pt → about 702 x 496 px.
    assert abs(width - 702) <= 3 and abs(height - 496) <= 3, (width, height)
    assert png.stat().st_size > 5_000, "the page looks blank"
