"""The scorecard in a real browser (headless Chromium): the fixture's counts on the page,
sorting, a click from a number to the items behind it, the charts drawn with no script and
no CSP violation. SQLite, CSRF on, the demo accounts plus the hand-computed fixture."""
from __future__ import annotations

import pytest
from browser_fixtures import MANAGER, OFFICER, build_app, dispose
from browser_support import login, serve
from scorecard_fixture import EXPECTED, EXPECTED_TOTAL, load_into_database

from tracker.extensions import db

ADMIN = ("admin@demo.local", "quantri-demo-2020")
QUARTER = "/scorecard?kind=quarter&year=2026&quarter=1&as_of=10/3/2026"


@pytest.fixture
def live_url(tmp_path):
    app = build_app(tmp_path / "b.sqlite")
    with app.app_context():
        load_into_database()
        db.session.remove()
    with serve(app) as url:
        yield url
    dispose(app)


def rows_of(page) -> dict:
    figures = {}
    for row in page.locator("table.scorecard tbody tr").all():
        cells = [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        values = [cells[i] for i in (2, 3, 4, 5, 6, 7, 1, 8)]
        figures[cells[0]] = tuple(int(v) for v in values[:7]) + (values[7],)
    return figures


def test_scorecard_page_sorts_and_clicks_through(context, problems, live_url):
    """The admin (consolidating office) picks Quý I/2026 as of 10/3/2026 with the form, reads
    the hand-computed counts, sorts by rate, and follows Sở Công Thương's overdue count to
    its two items."""
    page = context.new_page()
    login(page, live_url, *ADMIN)
    page.goto(f"{live_url}/plans/")
    with page.expect_navigation():
        page.locator("#site-nav").get_by_role("link", name="Kết quả thực hiện").click()
    form = page.locator("form.scorecard-form")
    form.locator("select[name=kind]").select_option("quarter")
    form.locator("select[name=year]").select_option("2026")
    form.locator("select[name=quarter]").select_option("1")
    form.locator("input[name=as_of]").fill("10/3/2026")
    with page.expect_navigation():
        form.get_by_role("button", name="Xem").click()
    assert rows_of(page) == {**EXPECTED}
    total = [cell.strip() for cell in page.locator("table.scorecard tfoot tr").locator(
        "th, td").all_inner_texts()]
    assert total[0] == "Tổng số" and total[1] == str(EXPECTED_TOTAL[6])
    assert total[-1] == EXPECTED_TOTAL[7]
    assert page.locator("svg.chart rect.bar").count() == len(EXPECTED)
    assert page.locator("svg.chart polyline.trend").count() == 1

    with page.expect_navigation():
        page.locator("table.scorecard thead").get_by_role("link", name="Tỷ lệ đúng hạn").click()
    agencies = list(rows_of(page))
    rates = [EXPECTED[name][7] for name in agencies]
    assert rates == sorted(rates, key=lambda r: float(r.replace(",", ".")), reverse=True)

    row = page.locator("table.scorecard tbody tr", has_text="Sở Công Thương")
    with page.expect_navigation():
        row.locator("td").nth(4).get_by_role("link").click()   # overdue
    assert page.locator("h1").inner_text().startswith("Quá hạn chưa hoàn thành")
    titles = sorted(page.locator("table.items tbody td:first-child").all_inner_texts())
    assert titles == ["Nhiệm vụ số 4 của Sở Công Thương", "Nhiệm vụ số 8 của Sở Công Thương"]
    assert not problems.all(), "\n".join(problems.all())


def test_officer_has_no_scorecard_and_manager_has(context, problems, live_url):
    """Officers have no scorecard link; a manager reaches the scorecard from the menu."""
    page = context.new_page()
    login(page, live_url, *OFFICER)
    assert page.locator("#site-nav").get_by_role("link", name="Kết quả thực hiện").count() == 0
    other = context.browser.new_context(locale="vi-VN")
    problems.watch(other)
    try:
        manager = other.new_page()
        login(manager, live_url, *MANAGER)
        manager.goto(f"{live_url}{QUARTER}")
        # Sở Công Thương leads items of the fixture's plan: its manager sees that plan.
        assert rows_of(manager)["Sở Công Thương"] == EXPECTED["Sở Công Thương"]
    finally:
        other.close()
    assert not [p for p in problems.all() if "403" not in p], problems.all()
