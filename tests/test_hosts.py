"""Links in e-mails come from TRACKER_BASE_URL only; a request for an unknown host is refused."""
from __future__ import annotations

import re

import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import OutboxMessage

BASE = "https://theodoi.example.vn"  # TRACKER_BASE_URL of the test app (conftest)


def links(message: OutboxMessage) -> list[str]:
    return re.findall(r"https?://[^\s\"<]+", message.body_text + (message.body_html or ""))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_forged_host_header_is_refused_and_mails_nothing(client, make_user, seed_plan):
    """Password-reset poisoning: an anonymous POST with `Host: evil.example` must not mail the
    victim a working token on that host; the request is refused before anything runs."""
    user = make_user("officer")
    response = client.post("/password/forgot", data={"email": user.email},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert outbox() == []
    # The login page, and any other, is refused on that host too (no redirect built on it).
    assert client.get("/plans/", headers={"Host": "evil.example"}).status_code == 400


def test_reset_and_invitation_links_use_the_base_url_whatever_the_host(client, auth, make_user,
                                                                       seed_plan):
    """Even through a trusted alias (127.0.0.1), the link is on TRACKER_BASE_URL."""
    user = make_user("officer")
    client.post("/password/forgot", data={"email": user.email}, base_url="http://127.0.0.1:5000")
    [reset] = outbox()
    assert links(reset) and all(link.startswith(f"{BASE}/password/reset/") for link in links(reset))

    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(admin)
    response = client.post("/admin/users/invite", base_url="http://localhost:8080", data={
        "name": "Nguyễn Thị Hoa", "email": "hoa@soct.gov.vn",
        "agency_id": str(admin.agency_id), "role": "officer"})
    assert response.status_code == 302
    invitation = outbox()[-1]
    assert invitation.kind == "invitation"
    assert links(invitation) and all(link.startswith(f"{BASE}/invitation/")
                                     for link in links(invitation))


def test_postponement_mails_link_to_the_base_url(client, seed_plan):
    """Mails queued during a request (a postponement request) link to TRACKER_BASE_URL too."""
    alias = "http://127.0.0.1"
    client.post("/login", base_url=alias, data={"email": "chuyenvien@demo.local",
                                                "password": "chuyenvien-demo-2020"})
    response = client.post("/items/1/status", base_url=alias, data={
        "status": "postponed", "new_period": "Quý IV/2020", "note": "Chờ ý kiến của Bộ",
        "version": "1"})
    assert response.status_code == 302
    messages = [m for m in outbox() if m.kind == "postponement_requested"]
    assert messages
    for message in messages:
        assert links(message) and all(link.startswith(f"{BASE}/items/1") for link in links(message))


def test_trusted_hosts_default_to_the_base_url_and_localhost_outside_production(monkeypatch):
    """Trusted hosts are the base URL's host, plus localhost outside production; another Host gets 400."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "TRACKER_BASE_URL": "https://theodoi.example.vn/tracker"})
    assert app.config["TRUSTED_HOSTS"] == ["theodoi.example.vn", "localhost", "127.0.0.1"]
    with app.app_context():
        from tracker.outbox.links import external_url

        assert external_url("plans.mine") == "https://theodoi.example.vn/tracker/plans/mine"
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "TRACKER_BASE_URL", "https://theodoi.tinh.gov.vn")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    production = create_app(ProductionConfig)
    assert production.config["TRUSTED_HOSTS"] == ["theodoi.tinh.gov.vn"]
    assert production.test_client().get("/login").status_code == 400   # Host: localhost
    assert production.test_client().get(
        "/login", base_url="https://theodoi.tinh.gov.vn").status_code == 200
