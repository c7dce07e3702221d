"""Accessibility measured with axe-core: every page of the route table, in Vietnamese and in
English, at desktop and phone widths, has no serious or critical violation and no id used
twice.

axe-core comes vendored in the Python package axe-playwright-python (a test dependency) and
runs in Debian's Chromium through Playwright, as the other browser tests do. The pages are
those of tests/test_browser_phone.py's sweep (every GET route with the demo's ids, the same
list of routes set aside), seen by the roles whose pages differ: nobody signed in, an
officer (the item's update form), a manager (decision forms, downloads) and an admin (the
admin pages). The app is the demo with CSRF on, on its own database (choosing English is
saved on the account).
"""
from __future__ import annotations

import pytest
import test_browser_phone
from browser_fixtures import MANAGER, OFFICER, TIMEOUT_MS, build_app, dispose
from browser_support import login, serve, unavailable
from test_browser_phone import ADMIN, swept_pages

ROLES = {"anonymous": None, "officer": OFFICER, "manager": MANAGER, "admin": ADMIN}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 640}}
LANGUAGES = ("vi", "en")
BLOCKING = {"serious", "critical"}
# Minor for axe, but an id used twice breaks a label or an aria reference: none at all.
ALWAYS = {"duplicate-id", "duplicate-id-active", "duplicate-id-aria"}


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core's source, as vendored by axe-playwright-python."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as error:
        unavailable(f"axe-playwright-python is not installed ({error})")
    return Axe().axe_script


def violations(page) -> list[dict]:
    """axe-core's violations on the page (axe was added to every page of the context)."""
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})"
                         ".then(results => results.violations)")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("axe") / "axe.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


def signed_in(browser, url: str, role: str, language: str):
    """Storage state of `role` signed in with the interface in `language`."""
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        if ROLES[role]:
            login(page, url, *ROLES[role])
        else:
            page.goto(f"{url}/login")
        if language != "vi":
            with page.expect_navigation():
                page.locator(f"form[action='/language/{language}'] button").click()
        return context.storage_state()
    finally:
        context.close()


def describe(violation) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(ROLES))
def test_no_serious_violation_on_any_page(browser, live, axe_script, role, language):
    """Every page, for each role and language, desktop and phone, has its lang set and no
    serious or critical axe violation."""
    app, url = live
    state = signed_in(browser, url, role, language)
    failures = []
    for width_name, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport, locale="vi-VN", storage_state=state,
                                      is_mobile=width_name == "phone",
                                      has_touch=width_name == "phone")
        context.set_default_timeout(TIMEOUT_MS)
        # Through the DevTools protocol, so the pages' Content-Security-Policy is kept as is.
        context.add_init_script(axe_script)
        try:
            page = context.new_page()
            for path in swept_pages(app):
                page.goto(url + path)
                assert page.locator("html").get_attribute("lang") == language, path
                failures += [f"{width_name} {path}: {describe(v)}"
                             for v in violations(page)
                             if v["impact"] in BLOCKING or v["id"] in ALWAYS]
        finally:
            context.close()
    assert failures == [], "\n".join(failures)


def test_the_sweep_covers_the_route_table(live):
    """The same pages as the phone sweep, which fails on an unclassified GET route."""
    app, _ = live
    assert len(swept_pages(app)) >= 20
    assert set(test_browser_phone.NOT_SWEPT) <= {r.endpoint for r in app.url_map.iter_rules()}
