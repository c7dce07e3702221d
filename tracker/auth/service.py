"""Accounts: look-up, password check, invitations and resets."""
from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.tokens import make_token
from tracker.extensions import db
from tracker.mailer import queue_message
from tracker.models import MessageKind, OutboxMessage, User
from tracker.web import external_url


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password")


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds "<id>.<session_version>"; an old version is void."""
    user_part, _, version_part = str(user_id).partition(".")
    try:
        user = db.session.get(User, int(user_part))
        version = int(version_part)
    except (TypeError, ValueError):
        return None
    if user is None or user.session_version != version:
        return None
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == User.normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None."""
    user = find_user(email)
    if user is None:
        # Same cost as a wrong password, so timing does not reveal which e-mails exist.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.active or not user.check_password(password):
        return None
    return user


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session and outstanding link issued before it."""
    user.set_password(password)
    user.end_sessions()


def _link_message(user: User, purpose: str, kind: MessageKind, subject: str) -> OutboxMessage:
    endpoint = "auth.accept_invitation" if purpose == "invite" else "auth.reset_password"
    link = external_url(endpoint, token=make_token(user, purpose))
    return queue_message(kind, user.email, subject, kind.value, recipient_name=user.name,
                         locale=user.locale, user=user, link=link)


def send_invitation(user: User) -> OutboxMessage:
    with force_locale(user.locale or "vi"):
        subject = _("[Proposal tracker] Your account is ready: choose a password")
    return _link_message(user, "invite", MessageKind.INVITATION, subject)


def send_password_reset(user: User) -> OutboxMessage:
    with force_locale(user.locale or "vi"):
        subject = _("[Proposal tracker] Choose a new password")
    return _link_message(user, "reset", MessageKind.PASSWORD_RESET, subject)
