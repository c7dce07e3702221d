"""Who is asking: the bearer token of every API request, never the session cookie.

The token's user becomes `current_user` for the request, so the views ask the same policy
with the same user the web pages would: a token has its user's role and agency, no more.
Each token is rate-limited (auth/throttle.py, counted in the database for every worker).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import AnonymousUserMixin

from tracker.api.problems import ApiProblem
from tracker.auth.api_tokens import find_token, mark_used
from tracker.auth.throttle import RateLimit, take_in_window
from tracker.extensions import db
from tracker.web import tracker_today

# Readable without a token: the description of the API itself.
OPEN_ENDPOINTS = frozenset({"api.openapi", "api.docs"})
WINDOW = timedelta(minutes=1)


def rate_limit() -> RateLimit:
    return RateLimit("api-token", current_app.config["API_RATE_LIMIT"], WINDOW)


def bearer_secret() -> str | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def commit_without_waiting_for_disk() -> None:
    """Commit the request's count and the token's last use without waiting for PostgreSQL to
    flush its log to disk: a crash may forget the last moment's counts, which costs nothing,
    while waiting for the flush was most of an API read's time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
    db.session.commit()


def authenticate():
    """Set the acting user from `Authorization: Bearer …`; 401 without a usable token, 429
    past the token's rate. Whatever cookie came along is ignored."""
    g.api_token = None
    if request.endpoint in OPEN_ENDPOINTS:
        return None   # nothing private: the docs page keeps the site's header for its reader
    g._login_user = AnonymousUserMixin()   # Flask-Login's current user: never the cookie's
    secret = bearer_secret()
    token = find_token(secret, tracker_today()) if secret else None
    if token is None:
        raise ApiProblem(401, _("Send a valid API token: Authorization: Bearer <token>. "
                                "A revoked or expired token is refused."),
                         headers={"WWW-Authenticate": 'Bearer realm="api"'})
    user, name = token.user, token.name
    now = datetime.now(UTC)
    wait = take_in_window(rate_limit(), str(token.id), now)
    if wait is None:
        mark_used(token, now)
    commit_without_waiting_for_disk()
    g._login_user = user
    g.api_token = name
    refresh()   # the language may have been chosen before the user was known
    if wait is not None:
        seconds = max(1, int(wait.total_seconds() + 0.999))
        raise ApiProblem(429, _("This token made too many requests. Try again in %(seconds)d "
                                "seconds.", seconds=seconds),
                         headers={"Retry-After": str(seconds)})
    return None
