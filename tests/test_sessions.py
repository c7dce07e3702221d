"""Signing out ends the session on the server: a cookie copied before (the session's or the
"remember me" one) no longer signs anyone in; a new password ends the other sessions."""
from __future__ import annotations

from conftest import PASSWORD

NEW_PASSWORD = "mot-mat-khau-moi-dai"


def sign_in(client, user, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def with_cookie(app, name: str, value: str):
    """Another browser holding only a copy of one cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def test_a_session_cookie_copied_before_sign_out_is_void_after(app, client, make_user,
                                                               seed_plan):
    """Copied before sign-out, the session cookie neither reads nor writes afterwards."""
    user = make_user("officer")
    sign_in(client, user)
    copied = cookie(client, "session")
    assert with_cookie(app, "session", copied).get("/plans/").status_code == 200
    assert client.post("/logout").status_code == 302
    thief = with_cookie(app, "session", copied)
    response = thief.get("/plans/")
    assert response.status_code == 302 and "/login" in response.location
    assert thief.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).status_code == 302
    assert client.get("/plans/").status_code == 302
    sign_in(client, user)     # the account itself is fine: a new sign-in works
    assert client.get("/plans/").status_code == 200


def test_the_remember_cookie_is_cleared_and_void_after_sign_out(app, client, make_user,
                                                                seed_plan):
    """The "remember me" cookie is Lax, deleted by sign-out, and a copy of it is void."""
    user = make_user("officer")
    response = sign_in(client, user, remember=True)
    set_cookie = [h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("remember_token=")]
    assert set_cookie and "SameSite=Lax" in set_cookie[0] and "HttpOnly" in set_cookie[0]
    remembered = cookie(client, "remember_token")
    assert with_cookie(app, "remember_token", remembered).get("/plans/").status_code == 200
    response = client.post("/logout")
    assert any(h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    assert with_cookie(app, "remember_token", remembered).get("/plans/").status_code == 302


def test_a_new_password_voids_other_remember_cookies(app, client, make_user, seed_plan):
    """Changing the password ends every other session, remembered ones included; the
    session that changed it continues."""
    user = make_user("officer")
    laptop = app.test_client()
    sign_in(laptop, user, remember=True)
    remembered = cookie(laptop, "remember_token")
    sign_in(client, user)
    assert client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).status_code == 302
    assert client.get("/plans/").status_code == 200
    assert laptop.get("/plans/").status_code == 302
    assert with_cookie(app, "remember_token", remembered).get("/plans/").status_code == 302
