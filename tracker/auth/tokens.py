"""Signed, expiring, single-use links for invitations and password resets (itsdangerous)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tracker.extensions import db
from tracker.models import UsedToken, User

LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=2)}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"tracker-{purpose}")


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"user": user.id, "session": user.session_version})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_token(token: str, purpose: str) -> User | None:
    """The user the link was made for, or None if it is forged, expired, used or superseded."""
    max_age = int(LIFETIMES[purpose].total_seconds())
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or db.session.get(UsedToken, _digest(token)) is not None:
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data.get("user"), int) else None
    # A new password (or deactivation) bumps session_version: older links die with it.
    if user is None or not user.active or user.session_version != data.get("session"):
        return None
    return user


def consume_token(token: str) -> None:
    db.session.add(UsedToken(digest=_digest(token)))
