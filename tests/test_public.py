"""The public progress page of a published plan, its open data (CSV and JSON with their
schemas) and its Atom feed: no login, opt-in and revocable, nothing private."""
from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import jsonschema
import pytest
import sqlalchemy as sa
from factories import make_plan
from test_feeds import atom_of

from tracker.extensions import db
from tracker.models import Item, JournalEntry, Plan
from tracker.public.redact import redactor

SLUG = "danh-muc-thu-nghiem"
NAME = "Nguyễn Văn Bí Mật"
EMAIL = "bimat.nguyen@socongthuong.example.vn"
SCRIPT = "<script>alert(1)</script>"
PUBLIC_URLS = (f"/public/plans/{SLUG}", f"/public/plans/{SLUG}/items.csv",
               f"/public/plans/{SLUG}/items.json", f"/public/plans/{SLUG}/changes.atom")


@pytest.fixture
def plan(app):
    return make_plan(6)


@pytest.fixture
def manager(make_user, plan):
    return make_user("manager", "Sở Công Thương", name=NAME, email=EMAIL)


def item_at(plan, n: int) -> Item:
    return db.session.scalars(sa.select(Item).where(Item.plan_id == plan.id)
                              .order_by(Item.position)).all()[n]


def post(client, url: str, **data):
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response


def status(client, item: Item, **data):
    version = db.session.get(Item, item.id).version
    return post(client, f"/items/{item.id}/status", version=str(version), **data)


def publish(client, plan, slug=SLUG):
    return post(client, f"/plans/{plan.id}/publish", slug=slug)


def test_only_a_published_plan_is_public_and_taking_it_down_is_a_404(app, client, auth,
                                                                       manager, plan):
    """Only a published plan's page, data and feed are public; taken down, all of them are 404."""
    anonymous = app.test_client()
    assert [anonymous.get(url).status_code for url in PUBLIC_URLS] == [404] * 4
    auth.login(manager)
    page = client.get(f"/plans/{plan.id}/publish").get_data(as_text=True)
    assert f"danh-muc-thu-nghiem-{plan.id}" in page        # an address is suggested
    publish(client, plan)
    assert [anonymous.get(url).status_code for url in PUBLIC_URLS] == [200] * 4
    assert f"/public/plans/{SLUG}" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    post(client, f"/plans/{plan.id}/unpublish")
    assert [anonymous.get(url).status_code for url in PUBLIC_URLS] == [404] * 4
    publish(client, plan)                                  # opt in again
    assert anonymous.get(PUBLIC_URLS[0]).status_code == 200


def test_a_bad_or_taken_address_is_refused(app, client, auth, manager, plan):
    """A public address with diacritics, too short, with a slash or already taken is refused."""
    other = make_plan(1, title="Danh mục khác")
    auth.login(manager)
    publish(client, other, slug=SLUG)
    for slug in ("Có dấu", "a", "x/y", SLUG):
        response = client.post(f"/plans/{plan.id}/publish", data={"slug": slug})
        assert response.status_code == 400, slug
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.get(Plan, plan.id).published_at is None


def make_history(client, auth, manager, plan):
    """A postponement with its letter, a withdrawal with a hostile reason naming the manager,
    a comment and item notes that must stay inside."""
    auth.login(manager)
    status(client, item_at(plan, 0), status="postponed", new_period="Quý I/2021",
           document_ref="12/UBND-KT", note="Chờ ý kiến của Bộ")
    status(client, item_at(plan, 1), status="withdrawn", document_ref="15/UBND-KT",
           note=f"Không còn phù hợp {SCRIPT} theo {NAME} ({EMAIL})")
    status(client, item_at(plan, 2), note=f"Ý-KIẾN-NỘI-BỘ của {NAME}, liên hệ {EMAIL}")
    item = item_at(plan, 3)
    post(client, f"/items/{item.id}/notes", notes=f"GHI-CHÚ-NỘI-BỘ {EMAIL}",
         version=str(item.version))
    status(client, item_at(plan, 3), status="submitted",
           document_ref=f"45/TTr-SCT ({EMAIL})", document_date="20/9/2020")
    publish(client, plan)
    # Every journal entry carries the manager (user and agency).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.user_id == manager.id)) >= 5


def test_public_page_shows_the_progress_as_published(app, client, auth, manager, plan):
    """Without a login: the progress columns, the original period beside the postponement
    and its letter, the withdrawn item kept with its reason, the last update date, and
    links to the open data and the feed."""
    make_history(client, auth, manager, plan)
    page = app.test_client().get(PUBLIC_URLS[0]).get_data(as_text=True)
    assert "Tình hình thực hiện" in page and "Ghi chú" in page
    assert "Quý III/2020" in page                          # the period as published
    assert "Đã được đồng ý lùi sang Quý I/2021 (Công văn số 12/UBND-KT)" in page
    assert "Đã rút khỏi danh mục (Công văn số 15/UBND-KT): Không còn phù hợp" in page
    assert item_at(plan, 1).title in page                  # withdrawn, still listed
    assert "Cập nhật lần cuối" in page
    for url in PUBLIC_URLS[1:] + ("/public/schemas/items.tableschema.json",
                                  "/public/schemas/items.schema.json"):
        assert f'href="{url}"' in page


def test_nothing_private_appears(app, client, auth, manager, plan):
    """No user name or e-mail (journal authors, or typed in a reason or a document), no
    comment, no item notes, no live script in the page, the data or the feed."""
    make_history(client, auth, manager, plan)
    anonymous = app.test_client()
    for url in PUBLIC_URLS:
        body = anonymous.get(url).get_data(as_text=True)
        for secret in (NAME, EMAIL, "Ý-KIẾN-NỘI-BỘ", "GHI-CHÚ-NỘI-BỘ", manager.email):
            assert secret not in body, (url, secret)
    page = anonymous.get(PUBLIC_URLS[0]).get_data(as_text=True)
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    feed = anonymous.get(PUBLIC_URLS[3]).data
    root = atom_of(feed)
    texts = " ".join(el.text or "" for el in root.iter())
    assert "Đồng ý lùi thời gian trình sang Quý I/2021" in texts
    assert "Lý do: Không còn phù hợp" in texts
    assert root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}author") is None


def test_open_data_validates_against_its_published_schemas(app, client, auth, manager, plan,
                                                          tmp_path):
    """The public CSV and JSON validate against the Table Schema and JSON Schema they link to."""
    make_history(client, auth, manager, plan)
    anonymous = app.test_client()
    json_schema = anonymous.get("/public/schemas/items.schema.json").get_json(force=True)
    table_schema = anonymous.get("/public/schemas/items.tableschema.json").get_json()
    jsonschema.Draft202012Validator.check_schema(json_schema)
    data = json.loads(anonymous.get(PUBLIC_URLS[2]).get_data(as_text=True))
    validator = jsonschema.Draft202012Validator(
        json_schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(data)) == []
    assert len(data["items"]) == 6
    first = data["items"][0]
    assert (first["original_due_period"], first["due_period"], first["postponed"]) == \
        ("Quý III/2020", "Quý I/2021", True)
    assert data["items"][1]["reason"].startswith("Không còn phù hợp")
    assert [item for item in data["items"] if item["due_period"] == "Thường xuyên"][0][
        "due_date"] is None
    # A record that breaks the schema is caught (the check is not vacuous).
    broken = json.loads(json.dumps(data))
    broken["items"][0]["status"] = "lost"
    assert list(validator.iter_errors(broken))

    body = anonymous.get(PUBLIC_URLS[1]).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [field["name"] for field in table_schema["fields"]] == list(rows[0])
    assert len(rows) == 6
    frictionless = pytest.importorskip("frictionless")
    (tmp_path / "items.csv").write_text(body, encoding="utf-8")
    resource = frictionless.Resource(path="items.csv", basepath=str(tmp_path),
                                     schema=frictionless.Schema.from_descriptor(table_schema))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    (tmp_path / "bad.csv").write_text(body.replace(",postponed,", ",lost,", 1).replace(
        "not_started", "lost", 1), encoding="utf-8")
    bad = frictionless.Resource(path="bad.csv", basepath=str(tmp_path),
                                schema=frictionless.Schema.from_descriptor(table_schema))
    assert not bad.validate().valid


def test_redactor_hides_emails_and_names():
    """Public text hides e-mail addresses and users' names, whatever their case, but not other words."""
    redact = redactor(["Nguyễn Văn Bí Mật", "An"])
    assert redact("Theo nguyễn văn bí mật (a.b@x.vn), An ninh") == "Theo … (…), An ninh"
    assert redact("") == ""


def test_public_atom_is_well_formed_with_entries(app, client, auth, manager, plan):
    """The public Atom feed is well-formed XML with one entry per change."""
    auth.login(manager)
    publish(client, plan)
    root = ElementTree.fromstring(app.test_client().get(PUBLIC_URLS[3]).data)
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == 6   # items added


# --- in a real browser ----------------------------------------------------------------------

def test_public_page_in_chromium_without_login(tmp_path, browser):
    """Chromium, never signed in: the published demo plan shows its table with the progress
    columns and its open-data links, fits a phone's width (the table scrolls in its box),
    with no console error or CSP violation; the CSV link downloads the data."""
    from browser_fixtures import TIMEOUT_MS, build_app, dispose
    from browser_support import PageProblems, serve

    from tracker.models._types import utcnow

    app = build_app(tmp_path / "public.sqlite")
    with app.app_context():
        plan = db.session.get(Plan, 1)
        plan.public_slug, plan.published_at = "ke-hoach-2020", utcnow()
        db.session.commit()
        db.session.remove()
    try:
        with serve(app) as url:
            for viewport in ({"width": 1280, "height": 800}, {"width": 360, "height": 640}):
                context = browser.new_context(locale="vi-VN", viewport=viewport)
                context.set_default_timeout(TIMEOUT_MS)
                problems = PageProblems()
                problems.watch(context)
                page = context.new_page()
                response = page.goto(f"{url}/public/plans/ke-hoach-2020")
                assert response.status == 200 and "/login" not in page.url
                assert page.locator("h1").inner_text().strip()
                headers = page.locator("table.public-table thead th").all_inner_texts()
                assert "Tình hình thực hiện" in [h.strip() for h in headers]
                assert page.locator("table.public-table tbody tr").count() >= 3
                assert page.get_by_role("link", name="CSV").is_visible()
                assert page.locator(".last-update").is_visible()
                sizes = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
                assert sizes[0] <= sizes[1], sizes
                with page.expect_download() as download:
                    page.get_by_role("link", name="CSV").click()
                assert download.value.suggested_filename == "ke-hoach-2020.csv"
                assert problems.all() == []
                context.close()
            context = browser.new_context()
            page = context.new_page()
            assert page.goto(f"{url}/public/plans/khong-co").status == 404
            context.close()
    finally:
        dispose(app)
