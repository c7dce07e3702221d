"""Accounts: look-up and password check."""
from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models import User


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password")


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None."""
    user = db.session.scalar(sa.select(User).where(User.email == User.normalise_email(email)))
    if user is None:
        # Same cost as a wrong password, so timing does not reveal which e-mails exist.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.active or not user.check_password(password):
        return None
    return user
