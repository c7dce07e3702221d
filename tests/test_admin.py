"""Administration: users and invitations, agencies, the admin journal and the outbox."""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from conftest import PASSWORD
from flask import url_for
from helpers import count, text

from tracker import policy
from tracker.admin.forms import AgencyForm, InviteForm
from tracker.extensions import db
from tracker.models import Agency, AuditEntry, MessageStatus, OutboxMessage, User
from tracker.notify.jobs import run_flush

NEW_PASSWORD = "mot-mat-khau-rat-dai"
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
LOGIN = 302

# (endpoint, method) → status for an admin sending NO form data, on another user (user_id),
# an agency (agency_id), a message (message_id 999) and a calendar day (day) that do not exist.
ADMIN_EXPECTED = {
    ("admin.users", "GET"): 200,
    ("admin.invite_user", "GET"): 200,
    ("admin.invite_user", "POST"): 400,
    ("admin.edit_user", "GET"): 200,
    ("admin.edit_user", "POST"): 400,
    ("admin.deactivate_user", "POST"): 302,
    ("admin.reactivate_user", "POST"): 302,
    ("admin.reinvite_user", "POST"): 302,   # he has a password: refused with a flash
    ("admin.agencies", "GET"): 200,
    ("admin.create_agency", "POST"): 400,
    ("admin.edit_agency", "GET"): 200,
    ("admin.edit_agency", "POST"): 400,
    ("admin.delete_agency", "POST"): 302,   # his users refer to it: refused with a flash
    ("admin.merge_agency", "GET"): 200,
    ("admin.merge_agency", "POST"): 400,
    ("admin.audit", "GET"): 200,
    ("admin.outbox", "GET"): 200,
    ("admin.outbox_message", "GET"): 404,
    ("admin.resend_message", "POST"): 404,
    ("admin.reminders", "GET"): 200,
    ("admin.reminders", "POST"): 400,
    ("admin.calendar", "GET"): 200,
    ("admin.calendar", "POST"): 400,
    ("admin.delete_calendar_day", "POST"): 404,
    ("admin.runs", "GET"): 200,
    ("admin.webhooks_list", "GET"): 200,
    ("admin.new_webhook", "GET"): 200,
    ("admin.new_webhook", "POST"): 400,
    ("admin.edit_webhook", "GET"): 404,       # subscription 1 does not exist
    ("admin.edit_webhook", "POST"): 404,
    ("admin.deactivate_webhook", "POST"): 404,
    ("admin.webhook_deliveries", "GET"): 200,
    ("admin.resend_delivery", "POST"): 404,
}


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


def invitation_path(message: OutboxMessage) -> str:
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", message.body_text).group(1)


def messages_to(email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email)
                                   .order_by(OutboxMessage.id)))


def sign_in(app, user: User, password: str = PASSWORD):
    """A second browser, signed in as `user`."""
    device = app.test_client()
    assert device.post("/login", data={"email": user.email, "password": password}).status_code == 302
    return device


def snapshot():
    """Everything a refused admin request must leave as it was."""
    users = db.session.execute(sa.select(
        User.id, User.name, User.email, User.role, User.agency_id, User.active, User.session_version,
        User.password_hash).order_by(User.id)).all()
    agencies = db.session.execute(sa.select(
        Agency.id, Agency.name, Agency.name_key, Agency.active, Agency.is_consolidating_office,
        Agency.shared_mailbox).order_by(Agency.id)).all()
    return users, agencies, count(AuditEntry), count(OutboxMessage)


@pytest.fixture
def officer(make_user):
    """User 1 (the first one created) in agency 1: the target of the route checks."""
    return make_user("officer", "Sở Công Thương", name="Trần Văn An")


@pytest.fixture
def admin(make_user, officer):
    return make_user("admin", "Văn phòng UBND tỉnh", name="Quản trị viên")


@pytest.fixture
def admin_client(client, auth, admin):
    assert auth.login(admin).status_code == 302
    return client


@pytest.fixture
def finance():
    agency = Agency("Sở Tài chính")
    db.session.add(agency)
    db.session.commit()
    return agency


def admin_routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("admin.") for method in rule.methods - {"HEAD", "OPTIONS"}}


def route_urls(app, user_id: int, agency_id: int) -> list[tuple[str, str, str]]:
    args = {"user_id": user_id, "agency_id": agency_id, "message_id": 999, "day": "2020-01-01",
            "subscription_id": 1, "delivery_id": 999}
    urls = []
    with app.test_request_context():
        for endpoint, method in sorted(ADMIN_EXPECTED):
            rule = next(r for r in app.url_map.iter_rules(endpoint) if method in r.methods)
            urls.append((endpoint, method,
                         url_for(endpoint, **{k: args[k] for k in rule.arguments})))
    return urls


# ---- who may come in -------------------------------------------------------------------------

def test_every_admin_route_has_an_expected_status(app):
    """No admin route ships without a line in the permission table."""
    assert admin_routes(app) == set(ADMIN_EXPECTED)


@pytest.mark.parametrize("role", ["viewer", "officer", "manager"])
def test_non_admins_get_403_everywhere_and_nothing_changes(app, make_user, officer, role):
    """Only administrators reach the admin pages: every other role gets 403 on each page and
    button, even with a form that an admin could submit, and the database stays as it was."""
    user = make_user(role, "Văn phòng UBND tỉnh")
    client = sign_in(app, user)
    valid = {"name": "Người mới", "email": "nguoi.moi@so.gov.vn", "agency_id": str(officer.agency_id),
             "role": "admin", "shared_mailbox": "vanthu@so.gov.vn", "active": "y",
             "is_consolidating_office": "y"}
    before = snapshot()
    for endpoint, method, url in route_urls(app, officer.id, officer.agency_id):
        response = client.open(url, method=method, data=valid if method == "POST" else None)
        assert response.status_code == 403, (endpoint, method)
    assert snapshot() == before


def test_anonymous_users_are_sent_to_sign_in(app, officer):
    """Anonymous requests to any admin route go to the login page and change nothing."""
    client = app.test_client()
    before = snapshot()
    for endpoint, method, url in route_urls(app, officer.id, officer.agency_id):
        response = client.open(url, method=method, data={} if method == "POST" else None)
        assert response.status_code == LOGIN and "/login" in response.location, endpoint
    assert snapshot() == before


def test_admin_statuses_with_an_empty_form(app, admin_client, officer):
    """The admin's column of the permission table: pages 200, empty forms 400, buttons 302."""
    failures = []
    for endpoint, method, url in route_urls(app, officer.id, officer.agency_id):
        response = admin_client.open(url, method=method, data={} if method == "POST" else None)
        if response.status_code != ADMIN_EXPECTED[endpoint, method]:
            failures.append(f"{method} {url}: {response.status_code}")
    assert failures == []


def test_admin_posts_need_a_csrf_token(app, admin, officer):
    """With CSRF on, an admin POST without the token is refused (400) and changes nothing."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      text(client.get("/login"))).group(1)
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    valid = {"name": "Người mới", "email": "nguoi.moi@so.gov.vn", "agency_id": str(officer.agency_id),
             "role": "officer"}
    before = snapshot()
    for endpoint, method, url in route_urls(app, officer.id, officer.agency_id):
        if method == "POST":
            assert client.post(url, data=valid).status_code == 400, endpoint
    assert snapshot() == before
    # With the token the same button works.
    response = client.post(f"/admin/users/{officer.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.get(User, officer.id).active is False


# ---- invitations -----------------------------------------------------------------------------

def test_invitation_creates_the_account_and_its_link_signs_in_once(app, admin_client, admin):
    """An invited user has no usable password; his e-mail (queued by the request, held by
    the sender: no mail server in tests) carries an /invitation/ link that sets his
    password, signs him in, and works once."""
    response = admin_client.post("/admin/users/invite", data={
        "name": "Nguyễn Thị Hoa", "email": "  Hoa.Nguyen@SoCT.gov.vn ",
        "agency_id": str(admin.agency_id), "role": "officer"})
    assert response.status_code == 302 and response.location.endswith("/admin/users")
    user = db.session.scalar(sa.select(User).where(User.email == "hoa.nguyen@soct.gov.vn"))
    assert user is not None and not user.has_usable_password()
    assert (user.name, user.role, user.agency_id, user.active) == \
        ("Nguyễn Thị Hoa", "officer", admin.agency_id, True)
    [message] = messages_to(user.email)
    assert message.kind == "invitation" and message.status == MessageStatus.PENDING.value
    run_flush(datetime.now(UTC))
    db.session.refresh(message)
    assert message.status == MessageStatus.HELD.value
    [entry] = entries("user.invite")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "user", user.id)
    assert "email: — → hoa.nguyen@soct.gov.vn" in entry.details.splitlines()
    assert "role: — → officer" in entry.details.splitlines()

    path = invitation_path(message)
    invitee = app.test_client()
    assert invitee.get(path).status_code == 200
    response = invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert invitee.get("/plans/").status_code == 200
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    again = app.test_client()
    assert again.get(path).status_code == 400
    assert again.post(path, data={"password": "mot-mat-khau-khac-nua",
                                  "confirm": "mot-mat-khau-khac-nua"}).status_code == 400
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_duplicate_email_is_a_field_error(admin_client, officer):
    """An address that already has an account (any case, any spaces) gives 400, no second user,
    no e-mail and no journal entry."""
    before = (count(User), count(OutboxMessage), count(AuditEntry))
    response = admin_client.post("/admin/users/invite", data={
        "name": "Trùng", "email": f" {officer.email.upper()} ", "agency_id": str(officer.agency_id),
        "role": "viewer"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in text(response)
    assert (count(User), count(OutboxMessage), count(AuditEntry)) == before


def test_a_duplicate_that_slips_past_the_form_is_still_a_field_error(admin_client, officer,
                                                                     monkeypatch):
    """Two admins inviting one address at once: the unique index catches the second; 400, not 500."""
    monkeypatch.setattr(InviteForm, "validate_email", lambda self, field: None)
    before = (count(User), count(OutboxMessage), count(AuditEntry))
    response = admin_client.post("/admin/users/invite", data={
        "name": "Trùng", "email": officer.email, "agency_id": str(officer.agency_id),
        "role": "viewer"})
    assert response.status_code == 400
    assert (count(User), count(OutboxMessage), count(AuditEntry)) == before


@pytest.mark.parametrize("changes", [
    {"email": "not-an-email"}, {"email": "a b@so.gov.vn"}, {"email": "an@"}, {"email": "an@so"},
    {"email": HOSTILE + "@so.gov.vn"}, {"email": ""}, {"email": "a" * 250 + "@so.vn"},
    {"agency_id": "999"}, {"agency_id": "abc"}, {"agency_id": ""}, {"agency_id": "-1"},
    {"role": "superuser"}, {"role": ""},
    {"name": ""}, {"name": "   "}, {"name": "\u200b"}, {"name": "a" * 201},
])
def test_bad_invitation_input_is_a_field_error(admin_client, officer, changes):
    """Invalid e-mail, unknown agency or role, empty or over-long name: 400, nothing created."""
    data = {"name": "Lê Văn Bốn", "email": "bon@so.gov.vn", "agency_id": str(officer.agency_id),
            "role": "officer"} | changes
    before = (count(User), count(OutboxMessage), count(AuditEntry))
    assert admin_client.post("/admin/users/invite", data=data).status_code == 400
    assert (count(User), count(OutboxMessage), count(AuditEntry)) == before


def test_inactive_agencies_are_not_offered(admin_client, finance):
    """A retired agency is not in the invitation's list, and posting its id is refused."""
    finance.active = False
    db.session.commit()
    page = text(admin_client.get("/admin/users/invite"))
    assert "Sở Tài chính" not in page
    response = admin_client.post("/admin/users/invite", data={
        "name": "Lê Văn Bốn", "email": "bon@so.gov.vn", "agency_id": str(finance.id),
        "role": "officer"})
    assert response.status_code == 400 and count(User) == 2


def test_invite_again_replaces_the_link(app, admin_client, admin):
    """A user who has not chosen a password can get a new invitation (journaled as
    user.reinvite); the older link stops working, the new one works."""
    admin_client.post("/admin/users/invite", data={
        "name": "Phạm Thu", "email": "thu@so.gov.vn", "agency_id": str(admin.agency_id),
        "role": "viewer"})
    user = db.session.scalar(sa.select(User).where(User.email == "thu@so.gov.vn"))
    first = invitation_path(messages_to(user.email)[0])
    response = admin_client.post(f"/admin/users/{user.id}/invite-again")
    assert response.status_code == 302 and response.location.endswith(f"/admin/users/{user.id}")
    old, new = messages_to(user.email)
    assert new.status == MessageStatus.PENDING.value   # queued; the sender holds it later
    [entry] = entries("user.reinvite")
    assert (entry.actor_id, entry.target_id) == (admin.id, user.id)
    invitee = app.test_client()
    assert invitee.get(first).status_code == 400
    assert invitee.get(invitation_path(new)).status_code == 200


def test_invite_again_is_refused_once_a_password_is_set(admin_client, officer):
    """Someone who already chose a password gets no new invitation (he can reset it)."""
    response = admin_client.post(f"/admin/users/{officer.id}/invite-again")
    assert response.status_code == 302
    assert messages_to(officer.email) == [] and entries("user.reinvite") == []


# ---- editing users ---------------------------------------------------------------------------

def test_new_role_and_agency_are_journaled_and_end_his_sessions(app, admin_client, admin, officer,
                                                                finance):
    """Role and agency changes are journaled field by field ("role: officer → manager"), and
    his open sessions end so he signs in again with his new rights."""
    device = sign_in(app, officer)
    assert device.get("/plans/").status_code == 200
    response = admin_client.post(f"/admin/users/{officer.id}", data={
        "name": "Trần Văn An", "role": "manager", "agency_id": str(finance.id)})
    assert response.status_code == 302
    user = db.session.get(User, officer.id)
    assert (user.role, user.agency_id) == ("manager", finance.id)
    [entry] = entries("user.update")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "user", officer.id)
    assert entry.details.splitlines() == ["role: officer → manager",
                                          "agency: Sở Công Thương → Sở Tài chính"]
    response = device.get("/plans/")
    assert response.status_code == 302 and "/login" in response.location
    assert sign_in(app, user).get("/plans/").status_code == 200


def test_a_new_name_only_is_journaled_alone_and_keeps_sessions(app, admin_client, officer):
    """Only the fields that changed are journaled; a new name does not sign him out."""
    device = sign_in(app, officer)
    admin_client.post(f"/admin/users/{officer.id}", data={
        "name": "Trần Văn Anh", "role": "officer", "agency_id": str(officer.agency_id)})
    [entry] = entries("user.update")
    assert entry.details == "name: Trần Văn An → Trần Văn Anh"
    assert device.get("/plans/").status_code == 200
    # Saving the same values again journals nothing.
    admin_client.post(f"/admin/users/{officer.id}", data={
        "name": "Trần Văn Anh", "role": "officer", "agency_id": str(officer.agency_id)})
    assert len(entries("user.update")) == 1


@pytest.mark.parametrize("changes", [
    {"role": "superuser"}, {"agency_id": "999"}, {"agency_id": "x"}, {"name": ""},
])
def test_bad_user_edits_are_field_errors(admin_client, officer, changes):
    """Unknown role or agency, empty name: 400 and the user is unchanged."""
    data = {"name": "Tên mới", "role": "viewer", "agency_id": str(officer.agency_id)} | changes
    before = snapshot()
    assert admin_client.post(f"/admin/users/{officer.id}", data=data).status_code == 400
    assert snapshot() == before


def test_an_admin_cannot_change_his_own_role(admin_client, admin):
    """Demoting oneself would lock the last admin out: a field error, nothing changes."""
    before = snapshot()
    response = admin_client.post(f"/admin/users/{admin.id}", data={
        "name": admin.name, "role": "officer", "agency_id": str(admin.agency_id)})
    assert response.status_code == 400
    assert snapshot() == before


def test_an_admin_moving_himself_stays_signed_in(admin_client, admin, finance):
    """His own new agency is journaled; his other sessions end but this one continues."""
    response = admin_client.post(f"/admin/users/{admin.id}", data={
        "name": admin.name, "role": "admin", "agency_id": str(finance.id)})
    assert response.status_code == 302
    assert db.session.get(User, admin.id).agency_id == finance.id
    assert admin_client.get("/admin/users").status_code == 200


def test_unknown_ids_are_404(admin_client):
    """Unknown users, agencies and messages: 404 pages, for pages and buttons alike."""
    for url in ("/admin/users/999", "/admin/agencies/999", "/admin/outbox/999"):
        assert admin_client.get(url).status_code == 404, url
    for url in ("/admin/users/999", "/admin/users/999/deactivate", "/admin/users/999/reactivate",
                "/admin/users/999/invite-again", "/admin/agencies/999"):
        assert admin_client.post(url, data={}).status_code == 404, url


# ---- deactivation ----------------------------------------------------------------------------

def test_a_deactivated_user_cannot_sign_in_until_reactivated(app, admin_client, admin, officer):
    """Deactivation ends his sessions and refuses sign-in; reactivation lets him back. Both
    are journaled; deactivating twice journals once."""
    device = sign_in(app, officer)
    response = admin_client.post(f"/admin/users/{officer.id}/deactivate")
    assert response.status_code == 302
    assert db.session.get(User, officer.id).active is False
    assert device.get("/plans/").status_code == 302
    refused = app.test_client().post("/login", data={"email": officer.email, "password": PASSWORD})
    assert refused.status_code == 400
    [entry] = entries("user.deactivate")
    assert (entry.actor_id, entry.target_id, entry.details) == (admin.id, officer.id,
                                                                "active: yes → no")
    admin_client.post(f"/admin/users/{officer.id}/deactivate")
    assert len(entries("user.deactivate")) == 1

    assert admin_client.post(f"/admin/users/{officer.id}/reactivate").status_code == 302
    assert db.session.get(User, officer.id).active is True
    assert [e.details for e in entries("user.reactivate")] == ["active: no → yes"]
    assert sign_in(app, officer).get("/plans/").status_code == 200


def test_an_admin_cannot_deactivate_himself(admin_client, admin):
    """Self-deactivation is refused with a message; nothing changes, he stays signed in."""
    before = snapshot()
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 302
    assert snapshot() == before
    assert admin_client.get("/admin/users").status_code == 200


# ---- agencies --------------------------------------------------------------------------------

def test_agencies_are_created_renamed_and_journaled(admin_client, admin, officer):
    """A new agency gets its name key and a lower-case mailbox; a rename updates the key; both
    are journaled."""
    response = admin_client.post("/admin/agencies", data={
        "name": "Sở  Xây dựng", "shared_mailbox": " VanThu@SXD.gov.vn ", "active": "y"})
    assert response.status_code == 302 and response.location.endswith("/admin/agencies")
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Sở Xây dựng"))
    assert (agency.name_key, agency.shared_mailbox, agency.active, agency.is_consolidating_office) \
        == ("sở xây dựng", "vanthu@sxd.gov.vn", True, False)
    [created] = entries("agency.create")
    assert (created.actor_id, created.target_type, created.target_id) == (admin.id, "agency",
                                                                          agency.id)
    assert "name: — → Sở Xây dựng" in created.details.splitlines()
    assert "Sở Xây dựng" in text(admin_client.get("/admin/agencies"))

    response = admin_client.post(f"/admin/agencies/{agency.id}", data={
        "name": "Sở Xây dựng tỉnh", "shared_mailbox": "vanthu@sxd.gov.vn", "active": "y"})
    assert response.status_code == 302
    agency = db.session.get(Agency, agency.id)
    assert (agency.name, agency.name_key) == ("Sở Xây dựng tỉnh", "sở xây dựng tỉnh")
    [updated] = entries("agency.update")
    assert updated.details == "name: Sở Xây dựng → Sở Xây dựng tỉnh"
    # A change of case only is its own name, not a duplicate.
    assert admin_client.post(f"/admin/agencies/{agency.id}", data={
        "name": "Sở Xây Dựng Tỉnh", "shared_mailbox": "vanthu@sxd.gov.vn", "active": "y",
    }).status_code == 302


@pytest.mark.parametrize("name", [
    "sở công thương", "  SỞ   CÔNG THƯƠNG ", unicodedata.normalize("NFD", "Sở Công Thương"),
    "Sở Công\u200b Thương",
])
def test_duplicate_agency_names_are_refused(admin_client, officer, name):
    """Names that differ only in case, spacing, Unicode form or invisible characters are the
    same agency: creating or renaming to one is a field error."""
    before = snapshot()
    assert admin_client.post("/admin/agencies", data={"name": name, "active": "y"}
                             ).status_code == 400
    assert snapshot() == before
    other = Agency("Sở Nội vụ")
    db.session.add(other)
    db.session.commit()
    before = snapshot()
    assert admin_client.post(f"/admin/agencies/{other.id}", data={"name": name, "active": "y"}
                             ).status_code == 400
    assert snapshot() == before


def test_a_duplicate_agency_that_slips_past_the_form_is_still_a_field_error(admin_client, officer,
                                                                            monkeypatch):
    """Two admins adding one agency at once: the unique name key catches it; 400, not 500."""
    monkeypatch.setattr(AgencyForm, "validate_name", lambda self, field: None)
    before = snapshot()
    assert admin_client.post("/admin/agencies", data={"name": "SỞ CÔNG THƯƠNG", "active": "y"}
                             ).status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("mailbox", ["van thu@sxd.gov.vn", "vanthu", "vanthu@", "@sxd.gov.vn",
                                     HOSTILE, "a" * 250 + "@x.vn"])
def test_an_invalid_shared_mailbox_is_refused(admin_client, officer, mailbox):
    """The shared mailbox is optional, but when given it must be an e-mail address."""
    before = snapshot()
    assert admin_client.post("/admin/agencies", data={"name": "Sở Y tế", "shared_mailbox": mailbox}
                             ).status_code == 400
    assert admin_client.post(f"/admin/agencies/{officer.agency_id}", data={
        "name": "Sở Công Thương", "shared_mailbox": mailbox, "active": "y"}).status_code == 400
    assert snapshot() == before


def test_consolidating_flag_and_retirement(admin_client, make_user, officer, finance):
    """Ticking "consolidating office" lets the agency's users see every plan; unticking
    "active" retires it from the lists. Each change is one journal line."""
    viewer = make_user("viewer", finance)
    assert not policy.sees_every_plan(viewer)
    response = admin_client.post(f"/admin/agencies/{finance.id}", data={
        "name": "Sở Tài chính", "shared_mailbox": "", "is_consolidating_office": "y"})
    assert response.status_code == 302
    agency = db.session.get(Agency, finance.id)
    assert agency.is_consolidating_office and not agency.active
    assert policy.sees_every_plan(db.session.get(User, viewer.id))
    [entry] = entries("agency.update")
    assert entry.details.splitlines() == ["active: yes → no", "is_consolidating_office: no → yes"]
    assert "Sở Tài chính" not in text(admin_client.get("/admin/users/invite"))


def test_empty_agency_forms_are_field_errors(admin_client, officer):
    """No name: 400, nothing created or renamed."""
    before = snapshot()
    assert admin_client.post("/admin/agencies", data={"name": " "}).status_code == 400
    assert admin_client.post(f"/admin/agencies/{officer.agency_id}", data={}).status_code == 400
    assert snapshot() == before


# ---- journal and outbox ----------------------------------------------------------------------

def test_the_journal_lists_entries_newest_first(admin_client, admin):
    """The journal shows who did what to whom, newest first."""
    admin_client.post("/admin/users/invite", data={
        "name": "Đỗ Minh Khang", "email": "khang@so.gov.vn", "agency_id": str(admin.agency_id),
        "role": "viewer"})
    admin_client.post("/admin/agencies", data={"name": "Sở Giáo dục và Đào tạo", "active": "y"})
    response = admin_client.get("/admin/audit")
    assert response.status_code == 200
    page = text(response)
    assert page.count("Quản trị viên") >= 3  # the top bar, and the actor of each entry
    assert "khang@so.gov.vn" in page and "Đỗ Minh Khang" in page
    table = page.split("<tbody>")[1]  # not the flashed messages above it
    assert table.index("Sở Giáo dục và Đào tạo") < table.index("khang@so.gov.vn")


def test_pages_beyond_the_end_and_odd_page_numbers_do_not_fail(app, admin_client, admin):
    """?page= out of range or not a number gives a page, never an error."""
    app.config["ITEMS_PER_PAGE"] = 1
    for url in ("/admin/users?page=2", "/admin/users?page=99", "/admin/users?page=abc",
                "/admin/users?page=-3", "/admin/audit?page=99999999999999999999",
                "/admin/agencies?page=2", "/admin/outbox?page=0"):
        assert admin_client.get(url).status_code == 200, url


def test_the_outbox_filters_by_status_and_escapes_everything(admin_client):
    """Subjects, names and bodies are shown escaped; the stored HTML body is never rendered;
    ?status= filters and an unknown status shows everything."""
    hostile = OutboxMessage(kind="test", recipient="an@so.gov.vn", recipient_name=HOSTILE,
                            subject=HOSTILE, body_text=f"Xin chào\n{HOSTILE}",
                            body_html="<p><script>alert(2)</script></p>",
                            status=MessageStatus.FAILED.value, attempts=5, last_error=HOSTILE)
    sent = OutboxMessage(kind="test", recipient="binh@so.gov.vn", subject="Thư đã gửi",
                         body_text="Nội dung", status=MessageStatus.SENT.value)
    db.session.add_all([hostile, sent])
    db.session.commit()
    page = text(admin_client.get("/admin/outbox"))
    assert HOSTILE not in page and ESCAPED in page and "Thư đã gửi" in page
    failed = text(admin_client.get("/admin/outbox?status=failed"))
    assert ESCAPED in failed and "Thư đã gửi" not in failed
    only_sent = text(admin_client.get("/admin/outbox?status=sent"))
    assert ESCAPED not in only_sent and "Thư đã gửi" in only_sent
    anything = admin_client.get("/admin/outbox?status=" + HOSTILE)
    assert anything.status_code == 200 and "Thư đã gửi" in text(anything)

    response = admin_client.get(f"/admin/outbox/{hostile.id}")
    assert response.status_code == 200
    page = text(response)
    assert HOSTILE not in page and "alert(2)" not in page
    assert f"<pre>Xin chào\n{ESCAPED}</pre>" in page
    assert "an@so.gov.vn" in page


@pytest.mark.parametrize("url", ["/admin/users", "/admin/audit", "/admin/agencies", "/admin/outbox"])
def test_list_pages_run_the_same_queries_for_3_or_30_rows(app, admin_client, admin, count_queries,
                                                          url):
    """No query per row: each user with his own agency, each journal entry by its own actor
    about its own target, 3 rows then 30."""
    counts = []
    made = 0
    for size in (3, 30):
        while made < size:
            agency = Agency(f"Sở thử nghiệm {made}")
            user = User(email=f"u{made}@so.gov.vn", name=f"Người {made}", role="officer",
                        agency=agency)
            user.set_unusable_password()
            db.session.add(user)
            db.session.flush()
            db.session.add_all([
                AuditEntry(actor_id=user.id, action="user.update", target_type="user",
                           target_id=user.id, details="name: a → b"),
                AuditEntry(actor_id=user.id, action="agency.update", target_type="agency",
                           target_id=agency.id, details="active: yes → no"),
                OutboxMessage(kind="test", recipient=user.email, subject=f"Thư {made}",
                              status=MessageStatus.HELD.value),
            ])
            made += 1
        db.session.commit()
        with count_queries() as statements:
            response = admin_client.get(url)
        assert response.status_code == 200
        assert f"Người {made - 1}" in text(response) or url.endswith(("agencies", "outbox"))
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # 7: the outbox page's health figures, and the navigation's count of requests waiting
    # for a decision (one query per page for those who decide).
    assert counts[1] <= 7, counts


def test_hostile_names_are_escaped_on_every_admin_page(admin_client, admin):
    """Markup typed as an agency's or a user's name comes back as text on every admin page."""
    response = admin_client.post("/admin/agencies", data={"name": "Sở " + HOSTILE, "active": "y"})
    assert response.status_code == 302
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "Sở " + HOSTILE))
    response = admin_client.post("/admin/users/invite", data={
        "name": "Ông " + HOSTILE, "email": "ong@so.gov.vn", "agency_id": str(agency.id),
        "role": "officer"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ong@so.gov.vn"))
    [message] = messages_to(user.email)
    pages = ("/admin/users", "/admin/users/invite", f"/admin/users/{user.id}", "/admin/agencies",
             f"/admin/agencies/{agency.id}", "/admin/audit", "/admin/outbox",
             f"/admin/outbox/{message.id}")
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        assert HOSTILE not in page, url
        assert ESCAPED in page, url
    # A refused form shows the typed value escaped as well.
    response = admin_client.post("/admin/agencies", data={"name": "Sở " + HOSTILE, "active": "y"})
    assert response.status_code == 400
    assert HOSTILE not in text(response)
