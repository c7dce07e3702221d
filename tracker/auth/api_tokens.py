"""API tokens: made and revoked by their user (account page, `flask api-token`), found from
an `Authorization: Bearer …` header. The secret is shown once and only its SHA-256 digest is
kept; a token acts as its user, so what it may do is what the policy lets the user do."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.services import FieldError

SCHEME = "trk_"          # every secret starts so (easy to spot in a leaked file)
PREFIX_LENGTH = 12        # "trk_" and 8 characters of the secret, shown on the account page
NAME_MAX = 100
# last_used_at is written at most this often, so a busy token does not write on every request.
LAST_USED_GRAIN = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_problems(name: str, expires_on: date | None, today: date) -> list[tuple[str, str]]:
    """Every reason to refuse a new token, as (field, message)."""
    problems = []
    if not name.strip():
        problems.append(("name", _("Give the token a name (what uses it).")))
    elif len(name.strip()) > NAME_MAX:
        problems.append(("name", _("At most %(n)d characters.", n=NAME_MAX)))
    if expires_on is not None and expires_on < today:
        problems.append(("expires_on", _("The expiry date cannot be before today.")))
    return problems


def create_token(user: User, name: str, expires_on: date | None, *,
                 today: date) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret (shown once). Raises FieldError."""
    problems = token_problems(name, expires_on, today)
    if problems:
        raise FieldError(*problems[0], *problems[1:])
    secret = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), prefix=secret[:PREFIX_LENGTH],
                     digest=digest(secret), expires_on=expires_on)
    db.session.add(token)
    return token, secret


def tokens_of(user_id: int) -> list[ApiToken]:
    """A user's tokens, the newest first (revoked ones too: they stay on record)."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.id.desc())))


def revoke(token: ApiToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now


def find_token(secret: str, today: date) -> ApiToken | None:
    """The usable token with this secret, its user loaded; None if unknown, revoked, expired,
    or its user deactivated."""
    if not secret.startswith(SCHEME) or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.digest == digest(secret))
                              .options(so.joinedload(ApiToken.user)))
    if token is None or not token.usable_on(today) or not token.user.active:
        return None
    return token


def mark_used(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN:
        token.last_used_at = now
