"""The REST API: tokens (hashed, shown once, revocable, expiring), reads with the plan page's
filters, paging and ETags, writes through the item page's services with If-Match, problem
details in the request's language. Every answer is validated against the OpenAPI document
(api_support.Api)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from api_support import Api, make_token

from tracker.extensions import db
from tracker.models import ApiToken, Item, JournalEntry


@pytest.fixture
def people(make_user, seed_plan):
    return {
        "officer": make_user("officer", "Sở Công Thương"),
        "other_officer": make_user("officer", "Sở Tài chính"),
        "manager": make_user("manager", "Sở Công Thương"),
        "viewer": make_user("viewer", "Văn phòng UBND tỉnh"),
    }


@pytest.fixture
def officer_api(app, people):
    return Api(app, make_token(people["officer"]))


def item_one() -> Item:
    return db.session.get(Item, 1)


# -- tokens -----------------------------------------------------------------------------

def test_cli_creates_a_token_printed_once_and_stored_hashed(app, runner, people):
    """`flask api-token create EMAIL --name TEXT` prints the secret; only its digest and a
    short prefix are stored; `list` shows the prefix, never the secret; `revoke` ends it."""
    email = people["officer"].email
    result = runner.invoke(args=["api-token", "create", email, "--name", "Phần mềm QLVB",
                                 "--expires", "31/12/2099"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("trk_") and len(secret) > 40
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "Phần mềm QLVB" and token.expires_on == date(2099, 12, 31)
    assert secret not in (token.digest, token.prefix) and secret.startswith(token.prefix)
    assert Api(app, secret).get("/plans").status_code == 200
    listed = runner.invoke(args=["api-token", "list", email])
    assert token.prefix in listed.output and secret not in listed.output
    assert runner.invoke(args=["api-token", "revoke", email, str(token.id)]).exit_code == 0
    assert Api(app, secret).get("/plans").status_code == 401


def test_cli_refuses_unknown_accounts_and_bad_dates(runner, people):
    """api-token create refuses an unknown e-mail and an impossible expiry date (exit 1)."""
    assert runner.invoke(args=["api-token", "create", "nobody@x.vn", "--name", "x"]).exit_code == 1
    bad = runner.invoke(args=["api-token", "create", people["officer"].email, "--name", "x",
                              "--expires", "32/13/2020"])
    assert bad.exit_code == 1 and "Error" in bad.output


def test_account_page_shows_a_new_token_once_and_revokes_it(app, client, auth, people):
    """The account page makes a token, shows its secret on that answer only, and revokes it."""
    auth.login(people["officer"])
    page = client.post("/account/tokens", data={"name": "Lịch công tác"}).get_data(as_text=True)
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("trk_")
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "Lịch công tác" in again and secret not in again and secret[:12] in again
    api = Api(app, secret)
    assert api.get("/agencies").status_code == 200
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_at is not None
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert api.get("/agencies").status_code == 401


def test_account_page_refuses_a_past_expiry_and_an_empty_name(client, auth, people):
    """The token form refuses a past expiry and an empty name (400) and makes no token."""
    auth.login(people["officer"])
    response = client.post("/account/tokens", data={"name": "", "expires_on": "1/1/2001"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_nobody_revokes_another_users_token(app, client, auth, people):
    """A user cannot revoke another user's token: it keeps working."""
    secret = make_token(people["officer"])
    token = db.session.scalar(sa.select(ApiToken))
    auth.login(people["manager"])
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert Api(app, secret).get("/agencies").status_code == 200


# -- authentication ---------------------------------------------------------------------

def test_without_a_usable_token_the_answer_is_401(app, people):
    """No token, a wrong one, a revoked or expired one, or a deactivated user's: 401 with a
    WWW-Authenticate challenge, as a problem document."""
    api = Api(app)
    assert api.get("/plans").status_code == 401
    assert api.get("/plans", headers={"Authorization": "Bearer trk_nope"}).status_code == 401
    assert api.get("/plans", headers={"Authorization": "Basic abc"}).status_code == 401
    expired = make_token(people["officer"], expires_on=date.today() - timedelta(days=2))
    response = Api(app, expired).get("/plans")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"
    user = people["manager"]
    secret = make_token(user)
    user.active = False
    db.session.commit()
    assert Api(app, secret).get("/plans").status_code == 401


def test_a_session_cookie_alone_does_not_authenticate(app, auth, people):
    """Signed in on the web, the same browser's API calls still need a token."""
    api = Api(app)
    auth.client = api.client
    assert auth.login(people["manager"]).status_code == 302
    assert api.client.get("/plans/").status_code == 200
    assert api.get("/plans").status_code == 401
    assert api.post("/items/1/notes", json={"note": "x"},
                    headers={"If-Match": '"1"'}).status_code == 401


def test_token_requests_need_no_csrf_token(app, people):
    """CSRF protects cookie-carrying forms; a token request carries none and is accepted."""
    app.config["WTF_CSRF_ENABLED"] = True
    api = Api(app, make_token(people["officer"]))
    response = api.post("/items/1/notes", json={"note": "Đã gửi dự thảo"},
                        headers={"If-Match": f'"{item_one().version}"'})
    assert response.status_code == 201


def test_each_token_is_rate_limited(app, people):
    """A token over its requests per minute gets 429 problem details."""
    app.config["API_RATE_LIMIT"] = 3
    api = Api(app, make_token(people["officer"]))
    assert [api.get("/agencies").status_code for _ in range(3)] == [200] * 3
    response = api.get("/agencies")
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 60
    # Another token of the same user counts apart.
    assert Api(app, make_token(people["officer"], "khác")).get("/agencies").status_code == 200


# -- reading ----------------------------------------------------------------------------

def test_plans_and_a_plan_with_its_counts(officer_api, seed_plan):
    """Plans list what the token's user may read; a plan comes with its status counts."""
    listed = officer_api.get("/plans").get_json()
    assert [p["id"] for p in listed["plans"]] == [seed_plan.id]
    plan = officer_api.get(f"/plans/{seed_plan.id}").get_json()
    assert plan["items_count"] == listed["plans"][0]["items_count"] > 0
    assert sum(plan["counts"]["statuses"].values()) == plan["items_count"]


def test_items_filters_paging_and_periods(officer_api, seed_plan):
    """The plan page's filters; limit/offset with a maximum; each period as published and as
    its computed deadline (ISO 8601)."""
    everything = officer_api.get(f"/items?plan={seed_plan.id}&limit=500").get_json()
    total = everything["total"]
    assert total == len(everything["items"]) == 3
    first = everything["items"][0]
    assert first["due_period"].startswith(("Quý", "Tháng", "6 tháng", "Năm")) or first["due_period"]
    dated = [i for i in everything["items"] if i["due_date"]]
    assert dated and all(date.fromisoformat(i["due_date"]) for i in dated)
    period = dated[0]["due_period"]
    by_period = officer_api.get("/items", query_string={"plan": seed_plan.id, "period": period}
                                ).get_json()
    assert by_period["items"] and {i["due_period"] for i in by_period["items"]} == {period}
    page = officer_api.get(f"/items?plan={seed_plan.id}&limit=1&offset=1").get_json()
    assert [i["id"] for i in page["items"]] == [everything["items"][1]["id"]]
    assert page["total"] == total
    assert officer_api.get(f"/items?plan={seed_plan.id}&status=submitted").get_json()["total"] == 0
    refused = officer_api.get("/items?limit=501&status=nonsense&overdue=maybe")
    assert refused.status_code == 400
    assert {e["field"] for e in refused.get_json()["errors"]} == {"limit", "status", "overdue"}


def test_etags_answer_304_when_nothing_changed(officer_api, seed_plan):
    """A repeated GET with the ETag answers 304 until the data changes."""
    listed = officer_api.get(f"/items?plan={seed_plan.id}")
    etag = listed.headers["ETag"]
    again = officer_api.get(f"/items?plan={seed_plan.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    item = officer_api.get("/items/1")
    assert item.headers["ETag"] == f'"{item.get_json()["version"]}"'
    assert officer_api.get("/items/1", headers={"If-None-Match": item.headers["ETag"]}
                           ).status_code == 304


def test_journal_and_agencies(officer_api):
    """An item's journal and the agencies are served as the document describes."""
    entries = officer_api.get("/items/1/journal").get_json()["entries"]
    assert entries and entries[-1]["kind"] == "created"
    names = [a["name"] for a in officer_api.get("/agencies").get_json()["agencies"]]
    assert "Sở Công Thương" in names and names == sorted(names)


def test_list_queries_do_not_grow_with_rows(app, officer_api, seed_plan, count_queries):
    """One page of items costs the same number of queries for 1 or 3 rows."""
    officer_api.get("/agencies")   # the token's first use is written once
    with count_queries() as few:
        officer_api.get(f"/items?plan={seed_plan.id}&limit=1")
    with count_queries() as many:
        officer_api.get(f"/items?plan={seed_plan.id}&limit=3")
    assert len(many) == len(few) <= 12


def test_a_page_of_items_reads_as_each_item_does(app, officer_api, seed_plan):
    """A page's items (their agency lists read as rows) are the same JSON as each item
    alone (read through the ORM collections), with several lead and coordinating agencies
    in name order."""
    from tracker.agencies import AgencyDirectory
    from tracker.plans.service import ItemFields, PublishedCells, add_item

    add_item(seed_plan, ItemFields(
        title="Đề án liên ngành", lead_agency_name="Sở Công Thương",
        coordination="Sở Tài chính, Sở Tư pháp, Sở Nội vụ", due_period="Quý IV/2020",
        approving_level="UBND tỉnh",
        published=PublishedCells(lead_names=["Sở Công Thương", "Sở Tư pháp", "Sở Nội vụ"])),
        AgencyDirectory.load())
    db.session.commit()
    listed = officer_api.get(f"/items?plan={seed_plan.id}&limit=500").get_json()["items"]
    shared = next(i for i in listed if i["title"] == "Đề án liên ngành")
    assert [a["name"] for a in shared["leads"]] == sorted(a["name"] for a in shared["leads"])
    assert len(shared["leads"]) == 3 and len(shared["coordinators"]) >= 2
    for item in listed:
        assert officer_api.get(f"/items/{item['id']}").get_json() == item


def test_another_agency_cannot_read_a_plan_it_has_no_part_in(app, people, seed_plan):
    """A token of an agency with no part in a plan gets 404 for it and its items."""
    api = Api(app, make_token(people["other_officer"]))
    assert api.get(f"/plans/{seed_plan.id}").status_code == 403
    assert api.get("/items/1").status_code == 403
    assert api.get(f"/items?plan={seed_plan.id}").status_code == 403
    assert api.get("/items").get_json()["total"] == 0


# -- writing ----------------------------------------------------------------------------

def test_status_update_goes_through_the_service_and_is_journaled_with_the_token(app, people):
    """A status update with If-Match: the item's status changes, the journal names the user,
    his agency and the token; the answer carries the new version."""
    api = Api(app, make_token(people["officer"], "QLVB Sở Công Thương"))
    version = api.get("/items/1").get_json()["version"]
    response = api.post("/items/1/status", json={"status": "in_progress", "note": "Bắt đầu"},
                        headers={"If-Match": f'"{version}"'})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["item"]["status"]["code"] == "in_progress"
    assert body["entry"]["api_token_name"] == "QLVB Sở Công Thương"
    assert body["entry"]["user"]["id"] == people["officer"].id
    assert response.headers["ETag"] == f'"{body["item"]["version"]}"'
    entry = db.session.scalar(sa.select(JournalEntry).order_by(JournalEntry.id.desc()))
    assert (entry.kind, entry.new_status, entry.api_token_name) == (
        "status", "in_progress", "QLVB Sở Công Thương")


def test_the_item_page_names_the_token(app, client, auth, people, officer_api):
    """A change made through the API shows the token's name in the item's history."""
    officer_api.post("/items/1/notes", json={"note": "Qua API"},
                     headers={"If-Match": str(item_one().version)})
    auth.login(people["officer"])
    page = client.get("/items/1").get_data(as_text=True)
    assert "Hệ thống văn bản" in page


def test_if_match_missing_is_428_and_stale_is_412(officer_api):
    """A write without If-Match is 428, with a stale version 412, and changes nothing."""
    missing = officer_api.post("/items/1/status", json={"status": "in_progress"})
    assert missing.status_code == 428
    version = item_one().version
    stale = officer_api.post("/items/1/status", json={"status": "in_progress"},
                             headers={"If-Match": f'"{version + 1}"'})
    assert stale.status_code == 412
    note = officer_api.post("/items/1/notes", json={"note": "x"},
                            headers={"If-Match": f'"{version - 1}"'})
    assert note.status_code == 412
    assert item_one().status == "not_started"
    assert item_one().version == version


def test_refusals_are_problem_details_in_the_requests_language(officer_api):
    """The service's reasons, by field: Vietnamese by default, English when asked."""
    version = str(item_one().version)
    vi = officer_api.post("/items/1/status", json={"status": "submitted"},
                          headers={"If-Match": version})
    assert vi.status_code == 422 and vi.mimetype == "application/problem+json"
    problem = vi.get_json()
    assert problem["status"] == 422 and problem["type"].endswith("#problem-validation")
    assert {e["field"] for e in problem["errors"]} == {"document_ref", "document_date"}
    assert "Nhập" in problem["errors"][0]["message"]
    en = officer_api.post("/items/1/status", json={"status": "submitted"},
                          headers={"If-Match": version, "Accept-Language": "en-GB,en;q=0.8"})
    assert en.get_json()["errors"][0]["message"].startswith("Enter")
    assert en.headers["Content-Language"] == "en"


def test_an_officers_postponement_is_a_request(officer_api):
    """An officer's postponement through the API waits for a manager, as on the pages."""
    response = officer_api.post("/items/1/status", json={
        "status": "postponed", "new_period": "Quý IV/2099", "note": "Chờ ý kiến Bộ"},
        headers={"If-Match": str(item_one().version)})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["entry"]["kind"] == "postponement_requested"
    assert response.get_json()["item"]["requested_due_period"] == "Quý IV/2099"


def test_another_agencys_token_cannot_write(app, people):
    """Not the lead agency: no status change, no note; nothing written."""
    before = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    for role in ("other_officer", "viewer"):
        api = Api(app, make_token(people[role]))
        version = str(item_one().version)
        assert api.post("/items/1/status", json={"status": "in_progress"},
                        headers={"If-Match": version}).status_code == 403
        assert api.post("/items/1/notes", json={"note": "x"},
                        headers={"If-Match": version}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before


def test_bodies_that_are_not_json_objects_are_400(officer_api):
    """A write that is not JSON is 415, not a JSON object 400, a field of the wrong type 422."""
    headers = {"If-Match": "1"}
    assert officer_api.post("/items/1/notes", data="note=x", headers=headers,
                            content_type="application/x-www-form-urlencoded").status_code == 415
    assert officer_api.post("/items/1/notes", data="[1]", headers=headers,
                            content_type="application/json").status_code == 400
    assert officer_api.post("/items/1/notes", json={"note": 5}, headers=headers).status_code == 422


def test_the_openapi_document_is_valid_and_readable(app):
    """The OpenAPI document validates as 3.1 and its docs page lists every path."""
    from openapi_spec_validator import validate

    api = Api(app)
    spec = api.get("/openapi.json").get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    page = api.client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/items/{item_id}/status" in text
    assert "<script>" not in text and 'src="http' not in text and 'href="http' not in text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
