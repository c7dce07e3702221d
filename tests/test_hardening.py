"""Small hostile inputs and production settings (issue 10, "small ones")."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from tracker import create_app
from tracker.extensions import db
from tracker.models import Item, User

BIG = 2**31   # one past PostgreSQL's integer


def path_with(rule, number: int) -> str:
    """The rule's path with `number` for every int argument and a harmless value elsewhere."""
    def value(match):
        name = match.group(2)
        return str(number) if isinstance(rule._converters[name], IntegerConverter) else "2020-01-01"
    return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, IntegerConverter) for c in rule._converters.values())]


def test_ids_past_the_database_integer_are_404_on_every_route(app, client, auth, make_user,
                                                             seed_plan):
    """Every route with an id, for an admin (who may open everything): 2³¹ is a 404, not
    PostgreSQL's "integer out of range" as a 500; 2³¹−1 still reaches the view."""
    rules = int_rules(app)
    assert len(rules) >= 10
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    answers = {}
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        answers[rule.endpoint, "big"] = client.open(path_with(rule, BIG), method=method).status_code
        answers[rule.endpoint, "max"] = client.open(path_with(rule, BIG - 1),
                                                    method=method).status_code
    assert {key: code for key, code in answers.items() if key[1] == "big" and code != 404} == {}
    assert {key: code for key, code in answers.items() if code >= 500} == {}
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(f"/items/{BIG}")


def test_a_crlf_or_backslash_in_next_is_not_followed(client, make_user):
    """After login, `next` with a CR/LF (header injection) or a backslash goes to the start page
    instead of a 500 or another site."""
    user = make_user("officer")
    for target in ("/plans/%0d%0aSet-Cookie:%20x=1", "/%0aevil", "/\\evil.example/",
                   "/plans/%09x"):
        response = client.post(f"/login?next={target}",
                               data={"email": user.email, "password": "mat-khau-thu-nghiem"})
        assert response.status_code == 302, target
        assert response.location == "/", target
        client.post("/logout")
    response = client.post("/login?next=/plans/mine",
                           data={"email": user.email, "password": "mat-khau-thu-nghiem"})
    assert response.location == "/plans/mine"


def test_a_stale_status_form_is_a_conflict_not_an_invalid_choice(client, seed_plan):
    """The item moved on since the page was opened, so the chosen status is no longer offered:
    409 with the documented "someone else changed it" message, the typed note kept."""
    client.post("/login", data={"email": "chuyenvien@demo.local",
                                "password": "chuyenvien-demo-2020"})
    assert client.post("/items/1/status", data={"status": "in_progress", "version": "1"}
                       ).status_code == 302
    stale = client.post("/items/1/status", data={
        "status": "in_progress", "note": "Ghi chú tôi vừa gõ", "version": "1"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Người khác vừa thay đổi" in page and "Lựa chọn không hợp lệ" not in page
    assert "Ghi chú tôi vừa gõ" in page
    assert db.session.get(Item, 1).version == 2
    # A bad choice on a current page is still a plain 400.
    assert client.post("/items/1/status", data={"status": "in_progress", "version": "2"}
                       ).status_code == 400


def test_pages_are_not_cached_and_https_gets_hsts(client, auth, make_user):
    """Pages are sent "no-store" but static files are not; HTTPS answers carry HSTS, plain HTTP
    ones do not."""
    auth.login(make_user("officer"))
    page = client.get("/plans/")
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in page.headers        # plain HTTP, not production
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.fixture
def production(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setattr(ProductionConfig, "TRACKER_BASE_URL", "https://theodoi.tinh.gov.vn")
    return ProductionConfig


def test_production_refuses_a_short_secret_key_and_sends_hsts(production, monkeypatch):
    """Production refuses to start with a secret key under 32 characters, and sends HSTS behind
    its TLS proxy."""
    for weak in ("x", "a" * 31, "dev-only-not-secret"):
        monkeypatch.setattr(production, "SECRET_KEY", weak)
        with pytest.raises(RuntimeError, match="at least 32"):
            create_app(production)
    monkeypatch.setattr(production, "SECRET_KEY", "k" * 32)
    app = create_app(production)
    response = app.test_client().get("/login", base_url="http://theodoi.tinh.gov.vn")
    assert "Strict-Transport-Security" in response.headers   # behind a TLS proxy


def test_seed_demo_is_refused_in_production(app, runner):
    """`flask seed-demo` is refused in production and creates nothing."""
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "refused with TRACKER_ENV=production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    app.config["ENV_NAME"] = "testing"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0


def test_a_nul_in_an_e_mail_field_is_dropped_not_an_error(client, make_user):
    """An e-mail typed with a NUL (or a zero-width character) in it is cleaned before any
    query: on PostgreSQL a NUL in a query is an error, which must never be a 500."""
    make_user("officer", "Sở Công Thương")
    for address in ("an\x00@so.gov.vn", "\u200ban@so.gov.vn", "\x00"):
        assert client.post("/password/forgot", data={"email": address}).status_code in (200, 302, 400)
        assert client.post("/login", data={"email": address, "password": "x"}).status_code in (200, 400)
