"""On a phone (360×640 and 390×844 CSS pixels, touch, the page's own viewport): every page
of the route table fits the width, the navigation folds behind a menu button, touch
targets are 44px tall, and an officer records "Đã trình" in three taps plus typing.

Headless Chromium with mobile emulation: the meta viewport is honoured and a page wider
than the screen would be zoomed out, so each check also asserts the page was not
(window.innerWidth is the phone's width). The app is the demo, served as in
tests/test_browser.py (fixtures in tests/browser_fixtures.py). Every test ends with no console error,
uncaught exception or Content-Security-Policy violation.
"""
from __future__ import annotations

import re

import pytest
from browser_fixtures import MANAGER, OFFICER, OTHER_OFFICER, TIMEOUT_MS, build_app, dispose
from browser_support import PageProblems, login, open_as, serve
from flask import url_for

PHONES = {"360x640": (360, 640), "390x844": (390, 844)}
ADMIN = ("admin@demo.local", "quantri-demo-2020")
VIEWER = ("xem@demo.local", "xem-demo-2020")
ROLES = {"anonymous": None, "viewer": VIEWER, "officer": OFFICER,
         "other_officer": OTHER_OFFICER, "manager": MANAGER, "admin": ADMIN}
MIN_TARGET = 44

# The demo's ids for the pages that take one: plan 1 and its item 1, the admin user 1,
# agency 1.
DEMO_ARGS = {"plan_id": 1, "item_id": 1, "user_id": 1, "agency_id": 1}
# GET routes that are not pages to lay out on a phone, or that need what the demo lacks.
# A new GET route must be added to the sweep or here: test_every_get_route_is_classified.
NOT_SWEPT = {
    "static": "an asset",
    "health.healthz": "a JSON health check for the load balancer, not a page",
    "health.metrics": "Prometheus metrics, not a page",
    "appendix.plan_download": "a download",
    "appendix.consolidated_download": "a download",
    "scorecard.download": "a download",
    "scorecard.report": "a download",
    "appendix.export_status": "needs a large PDF being made (tests/test_export_jobs.py)",
    "appendix.export_file": "a download",
    "items.document": "a download (a document attached to the journal)",
    "appendix.plan_print": "the print view: a document that may scroll (its nav is tested)",
    "appendix.consolidated_print": "the print view: a document that may scroll (its nav is tested)",
    "auth.accept_invitation": "needs a signed token",
    "auth.reset_password": "needs a signed token",
    "appendix.preview": "needs an import draft",
    "admin.outbox_message": "needs a queued e-mail (the demo has none)",
    "feeds.calendar": "a calendar feed at a secret URL, not a page",
    "feeds.token_changes": "an Atom feed at a secret URL, not a page",
    "feeds.plan_changes": "an Atom feed, not a page",
    "public.plan": "needs a published plan: tests/test_public.py lays it out on a phone",
    "public.plan_csv": "a download",
    "public.plan_json": "a download",
    "public.plan_changes": "an Atom feed, not a page",
    "public.table_schema": "a JSON document",
    "public.json_schema": "a JSON document",
    **{f"api.{name}": "JSON of the API, not a page" for name in (
        "openapi", "plans", "plan", "items", "item", "journal", "agencies",
        "scorecard_counts")},
    "admin.edit_webhook": "needs a webhook subscription (the demo has none)",
}

# Page width against the phone's; the elements sticking out, to say what to fix.
MEASURE = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} → ${Math.round(box.right)}px`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, sticking: out.slice(0, 5)};
}"""

# Visible elements shorter than MIN_TARGET: [(description, height)].
SHORT_TARGETS = """([selector, minimum]) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    const text = el.textContent.trim().slice(0, 40);
    if (box.height < minimum) out.push([`${el.tagName.toLowerCase()} "${text}"`, box.height]);
  }
  return out;
}"""


def short_targets(page, selector: str) -> list:
    return page.evaluate(SHORT_TARGETS, [selector, MIN_TARGET])


# What a finger presses: navigation, buttons, table actions, pager, sub-navigation, the
# links beside a form's button, the counts of the plan page.
TARGETS = ("header a, header button:not([hidden]), main button, main a.button, main .grid td a, "
           "main .grid td button, main .subnav a, main .pager a, main form > a, main .counts a")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(app, base URL): the demo app with CSRF on, served over HTTP for the whole module."""
    app = build_app(tmp_path_factory.mktemp("phone") / "phone.sqlite")
    with serve(app) as url:
        yield app, url
    dispose(app)


@pytest.fixture(scope="module")
def sessions(browser, live):
    """role → Playwright storage state, each role signed in once for the module."""
    _, url = live
    states = {}
    for role, credentials in ROLES.items():
        context = browser.new_context(locale="vi-VN")
        try:
            if credentials:
                login(context.new_page(), url, *credentials)
            states[role] = context.storage_state()
        finally:
            context.close()
    return states


def phone_context(browser, size, storage_state=None, **options):
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True,
        locale="vi-VN", storage_state=storage_state, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(params=list(PHONES), ids=list(PHONES))
def phone(request):
    return PHONES[request.param]


def swept_pages(app) -> list[str]:
    """Every GET page of the route table, with the demo's ids; NOT_SWEPT left out."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_SWEPT:
                continue
            assert rule.arguments <= set(DEMO_ARGS), f"{rule.endpoint}: sweep it or list it"
            urls.append(url_for(rule.endpoint, **{k: DEMO_ARGS[k] for k in rule.arguments}))
    return sorted(set(urls))


def test_every_get_route_is_classified(live):
    """A GET route is either swept at phone widths or set aside with a reason."""
    app, _ = live
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert set(NOT_SWEPT) <= endpoints, set(NOT_SWEPT) - endpoints
    pages = swept_pages(app)
    for expected in ("/", "/search", "/plans/1", "/items/1", "/plans/mine", "/consolidated", "/admin/users",
                     "/login"):
        assert expected in pages


def check_fits(page, what: str, failures: list[str]) -> None:
    measure = page.evaluate(MEASURE)
    width = page.viewport_size["width"]
    if measure["inner"] != width:
        failures.append(f"{what}: zoomed out to {measure['inner']}px (the page is wider than "
                        f"{width}px): {measure['sticking']}")
    elif measure["scroll"] > measure["inner"]:
        failures.append(f"{what}: {measure['scroll']}px wide on {width}px: {measure['sticking']}")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_the_phone_width(browser, live, sessions, phone, role):
    """No page scrolls sideways at phone widths, in any role: signed in, every GET page of
    the route table with the demo's ids (the pages a role may not open show the error page
    or the sign-in form, which must fit too)."""
    app, url = live
    context = phone_context(browser, phone, sessions[role])
    problems = PageProblems()
    problems.watch(context)
    failures = []
    try:
        page = context.new_page()
        for path in swept_pages(app):
            page.goto(url + path)
            check_fits(page, f"{role} {path} ({page.url.removeprefix(url)})", failures)
    finally:
        context.close()
    assert failures == []
    # A role refused a page gets a 403 page: an error answer, not a browser problem.
    assert not [p for p in problems.all() if "403" not in p], problems.all()


def test_menu_button_opens_the_navigation(browser, live, sessions, phone):
    """The navigation folds behind a real button whose aria-expanded follows it; a tap opens
    it, every link in it is 44px tall, Escape closes it again."""
    _, url = live
    context = phone_context(browser, phone, sessions["manager"])
    problems = PageProblems()
    problems.watch(context)
    try:
        page = context.new_page()
        page.goto(f"{url}/plans/")
        button = page.locator("header .menu-toggle")
        nav = page.locator("header nav#site-nav")
        assert button.evaluate("el => el.tagName") == "BUTTON"
        assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "site-nav"
        assert nav.is_hidden()

        button.tap()
        assert button.get_attribute("aria-expanded") == "true"
        assert nav.is_visible()
        links = nav.locator("a, button")
        assert links.count() >= 6
        for i in range(links.count()):
            assert links.nth(i).is_visible()
        assert short_targets(page, "header a, header button") == []
        check_fits(page, "open menu", failures := [])
        assert failures == []
        nav.get_by_role("link", name="Đề án của tôi").tap()
        page.wait_for_url(re.compile(r"/plans/mine$"))
        assert page.locator("header nav#site-nav").is_hidden()   # a new page starts folded

        page.locator("header .menu-toggle").tap()
        page.keyboard.press("Escape")
        assert page.locator("header .menu-toggle").get_attribute("aria-expanded") == "false"
        assert page.locator("header nav#site-nav").is_hidden()
    finally:
        context.close()
    assert not problems.all(), "\n".join(problems.all())


def test_navigation_stays_usable_without_javascript_and_on_a_desktop(browser, live, sessions,
                                                                     phone):
    """Without JavaScript the menu button stays hidden and the links show; on a desktop
    nothing folds (the button is not shown)."""
    _, url = live
    context = phone_context(browser, phone, sessions["officer"], java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{url}/plans/")
        assert page.locator("header .menu-toggle").is_hidden()
        assert page.locator("header nav#site-nav").get_by_role("link", name="Danh mục tổng hợp") \
            .is_visible()
    finally:
        context.close()
    desktop = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800},
                                  storage_state=sessions["officer"])
    try:
        page = desktop.new_page()
        page.goto(f"{url}/plans/")
        assert page.locator("header .menu-toggle").is_hidden()
        assert page.locator("header nav#site-nav").get_by_role("link", name="Đề án của tôi") \
            .is_visible()
    finally:
        desktop.close()


@pytest.mark.parametrize(("role", "path"), [
    ("anonymous", "/login"),
    ("officer", "/plans/1"),
    ("officer", "/items/1"),
    ("officer", "/plans/mine"),
    ("officer", "/"),
    ("officer", "/search?q=khuyen+cong"),
    ("viewer", "/"),
    ("viewer", "/consolidated"),
    ("manager", "/plans/1/items/new"),
    ("admin", "/admin/users"),
    ("admin", "/admin/agencies"),
    ("admin", "/admin/reminders"),
])
def test_touch_targets_are_44px(browser, live, sessions, phone, role, path):
    """Navigation links (menu open), buttons, table actions, pager and sub-navigation links
    and the links beside a form's button are at least 44px tall on a phone."""
    _, url = live
    context = phone_context(browser, phone, sessions[role])
    try:
        page = context.new_page()
        page.goto(url + path)
        page.locator("header .menu-toggle").tap()
        assert short_targets(page, TARGETS) == []
        # The page has something to press besides the navigation.
        assert page.locator("main button, main a.button, main .grid td a").count() > 0
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/plans/1/appendix", "/consolidated/appendix?progress=1"])
def test_print_view_navigation_fits(browser, live, sessions, phone, path):
    """The print view is a document and may scroll, but its screen navigation fits the
    phone's width with touch-sized links, and the page is not zoomed out to the sheet."""
    _, url = live
    context = phone_context(browser, phone, sessions["officer"])
    try:
        page = context.new_page()
        page.goto(url + path)
        nav = page.locator("nav.screen-only")
        fits = nav.evaluate("""el => ({right: el.getBoundingClientRect().right,
                                       inner: window.innerWidth,
                                       overflow: el.scrollWidth - el.clientWidth})""")
        assert fits["inner"] == phone[0]
        assert fits["right"] <= fits["inner"] and fits["overflow"] <= 0, fits
        assert short_targets(page, "nav.screen-only a") == []
    finally:
        context.close()


def test_officer_records_submitted_in_three_taps(browser, tmp_path, phone):
    """From the item page (the link of a reminder e-mail), the lead agency's officer posts
    "Đã trình" with the Tờ trình's number and date in at most three taps plus typing:
    "Cập nhật: Đã trình" (the cursor lands in the number), the date field, "Lưu cập nhật"."""
    app = build_app(tmp_path / "taps.sqlite")
    try:
        with serve(app) as url:
            context = phone_context(browser, phone)
            problems = PageProblems()
            problems.watch(context)
            try:
                page = open_as(context, url, OFFICER, "/items/1")
                taps = 0

                def tap(locator):
                    nonlocal taps
                    taps += 1
                    locator.tap()

                quick = page.get_by_role("button", name="Cập nhật: Đã trình")
                assert quick.is_visible() and quick.bounding_box()["y"] < phone[1], \
                    "the quick action should be on the first screen"
                tap(quick)
                assert page.evaluate("document.activeElement.name") == "document_ref"
                page.keyboard.type("45/TTr-SCT")
                tap(page.locator("input[name=document_date]"))
                page.keyboard.type("20/9/2020")
                with page.expect_navigation():
                    tap(page.get_by_role("button", name="Lưu cập nhật"))
                assert taps <= 3

                assert re.search(r"/items/1(?:[?#].*)?$", page.url), page.url
                assert page.locator(".flash-success").inner_text().strip() == "Đã lưu cập nhật."
                assert "Đã trình" in page.locator("dl.facts").inner_text()
                assert "45/TTr-SCT" in page.locator("#journal").inner_text()
                check_fits(page, "item after the update", failures := [])
                assert failures == []
            finally:
                context.close()
            assert not problems.all(), "\n".join(problems.all())
    finally:
        dispose(app)
