"""Every route has a permission rule, every form needs CSRF, output is escaped."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import url_for

from tracker.extensions import db
from tracker.models import ImportDraft, Item, JournalEntry, Plan

ROLES = ("anonymous", "viewer", "officer", "other_officer", "manager", "admin")
LOGIN = 302  # anonymous users are sent to the login page


def expect(anonymous, viewer, officer, other_officer, manager, admin):
    return dict(zip(ROLES, (anonymous, viewer, officer, other_officer, manager, admin), strict=True))


# (endpoint, method) → expected status per role, for a request with no form data.
# A route missing here fails test_every_route_has_an_expected_status: no page ships unguarded.
EXPECTED = {
    ("desk.home", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("static", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("health.healthz", "GET"): expect(200, 200, 200, 200, 200, 200),  # no login, no data
    # No login: by client address (the test client is 127.0.0.1, in the default
    # METRICS_ALLOWED) or token; anyone else gets a 404 (tests/test_observability.py).
    ("health.metrics", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("auth.login", "GET"): expect(200, 302, 302, 302, 302, 302),
    ("auth.login", "POST"): expect(400, 302, 302, 302, 302, 302),
    ("auth.logout", "POST"): expect(LOGIN, 302, 302, 302, 302, 302),
    ("auth.set_language", "POST"): expect(302, 302, 302, 302, 302, 302),
    ("auth.forgot_password", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("auth.forgot_password", "POST"): expect(400, 400, 400, 400, 400, 400),
    ("auth.accept_invitation", "GET"): expect(400, 400, 400, 400, 400, 400),  # a forged token
    ("auth.accept_invitation", "POST"): expect(400, 400, 400, 400, 400, 400),
    ("auth.reset_password", "GET"): expect(400, 400, 400, 400, 400, 400),
    ("auth.reset_password", "POST"): expect(400, 400, 400, 400, 400, 400),
    ("auth.account_password", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("auth.account_password", "POST"): expect(LOGIN, 400, 400, 400, 400, 400),
    # An empty form unticks every kind: a valid choice (no e-mails but the unmutable ones).
    ("auth.account_notifications", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("auth.account_notifications", "POST"): expect(LOGIN, 302, 302, 302, 302, 302),
    # The viewer sits in the consolidating office (sees every plan); the other officer's
    # agency neither owns plan 1 nor leads or coordinates any of its items.
    # One's own API tokens; token 1 does not exist (tests/test_api.py revokes real ones).
    ("auth.account_tokens", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("auth.account_tokens", "POST"): expect(LOGIN, 400, 400, 400, 400, 400),
    ("auth.revoke_token", "POST"): expect(LOGIN, 404, 404, 404, 404, 404),
    # The API with a session cookie and no token: 401, whoever is signed in (API_EXPECTED
    # has the same routes with tokens). Its description is open.
    ("api.openapi", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("api.docs", "GET"): expect(200, 200, 200, 200, 200, 200),
    **{route: expect(*[401] * 6) for route in (
        ("api.plans", "GET"), ("api.plan", "GET"), ("api.items", "GET"), ("api.item", "GET"),
        ("api.journal", "GET"), ("api.agencies", "GET"), ("api.post_status", "POST"),
        ("api.post_note", "POST"), ("api.scorecard_counts", "GET"))},
    ("plans.index", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("plans.mine", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("plans.new", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("plans.new", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("plans.edit", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("plans.edit", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("plans.show", "GET"): expect(LOGIN, 200, 200, 403, 200, 200),
    ("appendix.plan_print", "GET"): expect(LOGIN, 200, 200, 403, 200, 200),
    ("appendix.plan_download", "GET"): expect(LOGIN, 200, 200, 403, 200, 200),
    # The consolidated list is scoped: the other officer sees an empty one, not an error.
    ("appendix.consolidated", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    # Search is scoped like the consolidated list (tests/test_search.py: other agencies' items).
    ("search.search", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("appendix.consolidated_print", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("appendix.consolidated_download", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    # Export job 1 does not exist; another user's job is as missing (tests/test_export_jobs.py).
    ("appendix.export_status", "GET"): expect(LOGIN, 404, 404, 404, 404, 404),
    ("appendix.export_file", "GET"): expect(LOGIN, 404, 404, 404, 404, 404),
    ("appendix.import_new", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("appendix.import_new", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("appendix.import_into", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("appendix.import_into", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    # Draft 1 does not exist; someone else's draft is a 404 too (tests/test_import_web.py).
    # Confirming a draft that no longer exists is a resent form: sent back with a message
    # (tests/test_import_once.py).
    ("appendix.preview", "GET"): expect(LOGIN, 404, 404, 404, 404, 404),
    ("appendix.confirm", "POST"): expect(LOGIN, 302, 302, 302, 302, 302),
    ("appendix.cancel_import", "POST"): expect(LOGIN, 302, 302, 302, 302, 302),
    ("appendix.choose_table", "POST"): expect(LOGIN, 302, 302, 302, 302, 302),
    ("plans.new_item", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("plans.new_item", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("items.show", "GET"): expect(LOGIN, 200, 200, 403, 200, 200),
    ("items.update_status", "POST"): expect(LOGIN, 403, 400, 403, 400, 400),
    ("items.update_notes", "POST"): expect(LOGIN, 403, 400, 403, 400, 400),
    ("items.decide", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("items.reinstate_item", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    # Attachment 1 does not exist: a reader gets 404, the other officer is refused before
    # (tests/test_documents_web.py downloads real ones).
    ("items.document", "GET"): expect(LOGIN, 404, 404, 403, 404, 404),
    ("items.edit", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("items.edit", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    # User 1 is the demo admin, not the signed-in one: the buttons act on another account.
    ("admin.users", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.invite_user", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.invite_user", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.edit_user", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.edit_user", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.deactivate_user", "POST"): expect(LOGIN, 403, 403, 403, 403, 302),
    ("admin.reactivate_user", "POST"): expect(LOGIN, 403, 403, 403, 403, 302),
    ("admin.reinvite_user", "POST"): expect(LOGIN, 403, 403, 403, 403, 302),
    ("admin.agencies", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.create_agency", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.edit_agency", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.edit_agency", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    # Agency 1 leads items and has users: deleting it is refused with a flash.
    ("admin.delete_agency", "POST"): expect(LOGIN, 403, 403, 403, 403, 302),
    ("admin.merge_agency", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.merge_agency", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.audit", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.outbox", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.outbox_message", "GET"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.resend_message", "POST"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.reminders", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.reminders", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.calendar", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.calendar", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.delete_calendar_day", "POST"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.runs", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    # Calendar feeds: one's own, on the account page (feed 1 does not exist); at a secret URL
    # without a login, a forged token is a 404 for everyone (tests/test_feeds.py).
    ("auth.account_feeds", "GET"): expect(LOGIN, 200, 200, 200, 200, 200),
    ("auth.account_feeds", "POST"): expect(LOGIN, 400, 400, 400, 400, 400),
    ("auth.revoke_feed", "POST"): expect(LOGIN, 404, 404, 404, 404, 404),
    ("feeds.calendar", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("feeds.token_changes", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("feeds.plan_changes", "GET"): expect(LOGIN, 200, 200, 403, 200, 200),
    # The public pages: no login; a plan nobody published is a 404 (tests/test_public.py).
    ("public.plan", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("public.plan_csv", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("public.plan_json", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("public.plan_changes", "GET"): expect(404, 404, 404, 404, 404, 404),
    ("public.table_schema", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("public.json_schema", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("public.publish_plan", "GET"): expect(LOGIN, 403, 403, 403, 200, 200),
    ("public.publish_plan", "POST"): expect(LOGIN, 403, 403, 403, 400, 400),
    ("public.unpublish_plan", "POST"): expect(LOGIN, 403, 403, 403, 302, 302),
    # The scorecard: managers, the consolidating office (the viewer sits there) and admins.
    ("scorecard.index", "GET"): expect(LOGIN, 200, 403, 403, 200, 200),
    ("scorecard.items", "GET"): expect(LOGIN, 200, 403, 403, 200, 200),
    ("scorecard.download", "GET"): expect(LOGIN, 200, 403, 403, 200, 200),
    ("scorecard.report", "GET"): expect(LOGIN, 200, 403, 403, 200, 200),
    # Subscription 1 and delivery 999 do not exist (tests/test_webhooks.py makes real ones).
    ("admin.webhooks_list", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.new_webhook", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.new_webhook", "POST"): expect(LOGIN, 403, 403, 403, 403, 400),
    ("admin.edit_webhook", "GET"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.edit_webhook", "POST"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.deactivate_webhook", "POST"): expect(LOGIN, 403, 403, 403, 403, 404),
    ("admin.webhook_deliveries", "GET"): expect(LOGIN, 403, 403, 403, 403, 200),
    ("admin.resend_delivery", "POST"): expect(LOGIN, 403, 403, 403, 403, 404),
}
URL_ARGS = {"plan_id": 1, "item_id": 1, "code": "vi", "filename": "app.css", "token": "forged",
            "day": "2020-01-01", "message_id": 999, "user_id": 1, "agency_id": 1, "fmt": "docx",
            "draft_id": 1, "attachment_id": 1, "job_id": 1, "feed_id": 1, "token_id": 1,
            "slug": "chua-cong-bo", "subscription_id": 1, "delivery_id": 999}


def routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_an_expected_status(app):
    """Every route has its expected status per role in the table above: no page ships unguarded."""
    assert routes(app) == set(EXPECTED)


@pytest.fixture
def users(make_user, seed_plan):
    return {
        "viewer": make_user("viewer", "Văn phòng UBND tỉnh"),
        "officer": make_user("officer", "Sở Công Thương"),
        "other_officer": make_user("officer", "Sở Tài chính"),
        "manager": make_user("manager", "Sở Công Thương"),
        "admin": make_user("admin", "Văn phòng UBND tỉnh"),
    }


def snapshot():
    """Everything a denied request must leave unchanged."""
    return (db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Plan)),
            db.session.scalar(sa.select(sa.func.count()).select_from(ImportDraft)),
            tuple(db.session.scalars(sa.select(Item.version).order_by(Item.id))))


@pytest.mark.parametrize("role", ROLES)
def test_route_permissions(app, users, auth, role):
    """Each role gets the expected status on every route, and a 403 changes nothing."""
    failures = []
    for (endpoint, method), by_role in sorted(EXPECTED.items()):
        client = app.test_client()
        if role != "anonymous":
            auth.client = client
            assert auth.login(users[role]).status_code == 302
        with app.test_request_context():
            rule = next(r for r in app.url_map.iter_rules(endpoint))
            url = url_for(endpoint, **{k: URL_ARGS[k] for k in rule.arguments})
        before = snapshot()
        response = client.open(url, method=method, data={} if method == "POST" else None)
        if response.status_code != by_role[role]:
            failures.append(f"{method} {url}: {response.status_code} != {by_role[role]}")
        if response.status_code == 403:
            assert "không có quyền" in response.get_data(as_text=True)
            assert snapshot() == before, f"{method} {url} changed data while refusing"
    assert failures == []


# The API's routes with a token of each role ("anonymous": no token), and no body: a POST
# the role may make is a 400 (not JSON), one it may not a 403 before the body is read.
API_EXPECTED = {
    ("api.openapi", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("api.docs", "GET"): expect(200, 200, 200, 200, 200, 200),
    ("api.plans", "GET"): expect(401, 200, 200, 200, 200, 200),
    ("api.plan", "GET"): expect(401, 200, 200, 403, 200, 200),
    # Without `plan`: every plan the role sees (none, for the other officer: an empty list).
    ("api.items", "GET"): expect(401, 200, 200, 200, 200, 200),
    ("api.item", "GET"): expect(401, 200, 200, 403, 200, 200),
    ("api.journal", "GET"): expect(401, 200, 200, 403, 200, 200),
    ("api.agencies", "GET"): expect(401, 200, 200, 200, 200, 200),
    # As the scorecard page: managers, the consolidating office (the viewer) and admins.
    ("api.scorecard_counts", "GET"): expect(401, 200, 403, 403, 200, 200),
    ("api.post_status", "POST"): expect(401, 403, 400, 403, 400, 400),
    ("api.post_note", "POST"): expect(401, 403, 400, 403, 400, 400),
}


def test_every_api_route_has_an_expected_status_with_tokens(app):
    """Every API route answers each role's token with the status the table expects."""
    assert {route for route in routes(app) if route[0].startswith("api.")} == set(API_EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_api_route_permissions_with_tokens(app, users, role):
    """A token acts with its user's role and agency: the same answers as the pages give
    that user, and a refusal changes nothing."""
    from api_support import check_contract, make_token

    headers = {} if role == "anonymous" else {
        "Authorization": f"Bearer {make_token(users[role])}"}
    failures = []
    for (endpoint, method), by_role in sorted(API_EXPECTED.items()):
        with app.test_request_context():
            rule = next(r for r in app.url_map.iter_rules(endpoint))
            url = url_for(endpoint, **{k: URL_ARGS[k] for k in rule.arguments})
        before = snapshot()
        response = app.test_client().open(url, method=method, headers=headers)
        check_contract(response)
        if response.status_code != by_role[role]:
            failures.append(f"{method} {url}: {response.status_code} != {by_role[role]}")
        if response.status_code >= 400:
            assert snapshot() == before, f"{method} {url} changed data while refusing"
    assert failures == []


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_every_form_needs_a_csrf_token(csrf_app, users, auth):
    """POSTs without a token are refused with 400 and change nothing, for a user who may post."""
    client = csrf_app.test_client()
    # Log in with a real token, as a browser does.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": users["manager"].email,
                                           "password": "mat-khau-thu-nghiem", "csrf_token": token})
    assert response.status_code == 302
    posts = {
        "/logout": {},
        "/language/en": {},
        "/plans/new": {"title": "X", "owner_agency_id": "1"},
        "/plans/1/edit": {"title": "X", "owner_agency_id": "1", "version": "1"},
        "/plans/1/items/new": {"title": "X", "lead_agency_name": "Sở A", "due_period": "Quý I/2021"},
        "/plans/import": {"title": "X", "owner_agency_id": "1",
                          "pasted": "Tên đề án\tCơ quan chủ trì\tThời gian trình\nA\tSở A\tQuý I/2021"},
        "/plans/1/import": {"pasted": "Tên đề án\tCơ quan chủ trì\tThời gian trình\nA\tSở A\tQuý I/2021"},
        "/items/1/status": {"note": "ghi chú", "version": "1"},
        "/items/1/edit": {"title": "X", "lead_agency_name": "Sở A", "due_period": "Quý I/2021",
                          "version": "1"},
    }
    assert {p for p in posts} >= {url_for_post for url_for_post in posts}
    for url, data in posts.items():
        before = snapshot()
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert snapshot() == before, url
    # Still signed in: the logout without a token did nothing.
    assert client.get("/plans/").status_code == 200
    # With the token, the same note is accepted.
    response = client.post("/items/1/status", data={"note": "ghi chú", "version": "1",
                                                    "csrf_token": token})
    assert response.status_code == 302


HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '=HYPERLINK("http://x")')


def test_hostile_text_is_inert_in_every_page(app, client, auth, users, runner, tmp_path):
    """Text typed into every field is stored as typed and comes back escaped in the plan list,
    plan page, item page (journal included), print view and the exported appendix file."""
    auth.login(users["manager"])
    payload = " ".join(HOSTILE)
    response = client.post("/plans/new", data={"title": payload,
                                               "owner_agency_id": str(users["manager"].agency_id),
                                               "attached_to": payload})
    assert response.status_code == 302
    plan_id = int(response.location.rsplit("/", 1)[1])
    response = client.post(f"/plans/{plan_id}/items/new", data={
        "title": payload, "lead_agency_name": "Sở " + payload, "coordination": payload,
        "due_period": "Quý I/2021", "approving_level": payload, "notes": payload,
        "create_agency": "y", "create_agency_for": "Sở " + payload})
    item_url = response.location
    assert client.post(item_url + "/notes", data={"notes": payload + " 2", "version": "1"}
                       ).status_code == 302
    assert client.post(item_url + "/status", data={"status": "postponed", "new_period": "Quý II/2021",
                                                   "note": payload, "version": "2"}).status_code == 302
    stored = db.session.scalar(sa.select(Item).where(Item.plan_id == plan_id))
    assert stored.title == payload and stored.coordination == payload  # stored as typed
    out = tmp_path / "appendix.html"
    assert runner.invoke(args=["export-appendix", str(plan_id), "-o", str(out), "--with-status"]
                         ).exit_code == 0
    pages = {url: client.get(url).get_data(as_text=True)
             for url in ("/plans/", f"/plans/{plan_id}", item_url,
                         f"/plans/{plan_id}/appendix?progress=1")}
    pages["export"] = out.read_text(encoding="utf-8")
    for where, page in pages.items():
        assert "<script>alert(1)</script>" not in page, where
        assert "<img src=x" not in page, where
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, where
