"""No page logs a JavaScript error: every GET page of the route table (the walk of
tests/test_browser_phone.py), opened in headless Chromium at a desktop width as each role,
logs no console error and throws no uncaught exception. The data: the demo, plus an item
due soon that Sở Tài chính coordinates (so its officer's item page is the note-only one),
as in tests/test_browser_due_soon.py.

A page a role may not open answers 403 (or 404), which Chromium logs as a failed resource:
that one message is expected for that page; anything else fails the test.
"""
from __future__ import annotations

import pytest
from browser_fixtures import TIMEOUT_MS, dispose
from browser_support import PageProblems, login, serve
from test_browser_due_soon import build_dated_app, due_soon_item_id
from test_browser_phone import ROLES, swept_pages


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = build_dated_app(tmp_path_factory.mktemp("console") / "console.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


def pages_to_open(app) -> list[str]:
    """The route table's GET pages with the demo's ids, the item due soon (coordinated by
    Sở Tài chính) and the lists filtered on it."""
    item = due_soon_item_id(app)
    return swept_pages(app) + [f"/items/{item}", "/plans/1?due_soon=y",
                               "/plans/mine?due_soon=y", "/consolidated?due_soon=y&progress=1"]


def own_status_message(problem: str, status: int, page_url: str) -> bool:
    """Chromium's line for the page's own error answer: "Failed to load resource: the
    server responded with a status of 403 (FORBIDDEN) (<the page's URL>)"."""
    return (problem.startswith(f"console: Failed to load resource: the server responded with a "
                               f"status of {status} ") and problem.endswith(f"({page_url})"))


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_logs_a_script_error(browser, live, role):
    """No page logs a script error, uncaught exception or CSP violation for any role, beyond an
    error page's own status."""
    app, url = live
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems()
    problems.watch(context)
    failures = []
    try:
        page = context.new_page()
        if ROLES[role]:
            login(page, url, *ROLES[role])
        for path in pages_to_open(app):
            before = len(problems.all())
            response = page.goto(url + path)
            page.wait_for_load_state("load")
            status = response.status if response else 0
            for problem in problems.all()[before:]:
                if status >= 400 and own_status_message(problem, status, page.url):
                    continue
                failures.append(f"{role} {path} ({status}): {problem}")
    finally:
        context.close()
    assert failures == [], "\n".join(failures)
