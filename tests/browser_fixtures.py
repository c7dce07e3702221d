"""The browser tests' shared parts: the demo app they serve (CSRF on, as in production),
its people, and the fixtures (one headless Chromium per test module, a fresh context and a
console/network watcher per test, a live server per test), made visible to every test module
by tests/conftest.py. See tests/browser_support.py for the skip/fail rule when Chromium is
missing.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    PageProblems,
    chromium_path,
    serve,
    unavailable,
)

from tracker import create_app
from tracker.extensions import db

OFFICER = ("chuyenvien@demo.local", "chuyenvien-demo-2020")           # Sở Công Thương (lead)
OTHER_OFFICER = ("chuyenvien.stc@demo.local", "taichinh-demo-2020")   # Sở Tài chính
MANAGER = ("lanhdao@demo.local", "lanhdao-demo-2020")                  # Sở Công Thương
BIG_PLAN_ITEMS = 300
TIMEOUT_MS = 10_000


def build_app(db_path: Path, *, big_plan_items: int = 0):
    """The app with CSRF ON (as in production), the demo data and, optionally, a big plan."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "WTF_CSRF_ENABLED": True,
        "TRACKER_DOCUMENT_FOLDER": str(db_path.parent / "documents"),
        "TRACKER_EXPORT_FOLDER": str(db_path.parent / "exports"),
    })
    with app.app_context():
        from tracker.agencies import AgencyDirectory
        from tracker.demo import load_demo
        from tracker.plans.service import ItemFields, add_item

        db.create_all()
        plan, _ = load_demo()
        # Sở Tài chính leads one item of the seed plan, so its officer may read the plan.
        add_item(plan, ItemFields(
            title="Đề án của Sở Tài chính", lead_agency_name="Sở Tài chính", coordination="",
            due_period="Quý IV/2020", approving_level="UBND tỉnh", position=4,
        ), AgencyDirectory.load())
        db.session.commit()
        if big_plan_items:
            from factories import make_plan

            plan = make_plan(big_plan_items)
            assert plan.id == 2, "the big plan should come right after the seed plan"
        db.session.remove()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (Playwright gives each launch a fresh profile)."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable(f"the Python package playwright is not installed ({error})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_url(tmp_path):
    """Base URL of a fresh app (demo data, CSRF on) served from a background thread."""
    app = build_app(tmp_path / "b.sqlite")
    with serve(app) as url:
        yield url
    dispose(app)


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def problems(context) -> PageProblems:
    watcher = PageProblems()
    watcher.watch(context)
    return watcher


def column(page, header: str) -> int:
    """0-based index of the appendix column whose header reads `header`."""
    headers = [h.strip() for h in page.locator("table.appendix-table thead th").all_inner_texts()]
    assert header in headers, headers
    return headers.index(header)


