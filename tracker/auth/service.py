"""Accounts: look-up, password check, invitations and resets."""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.tokens import make_token
from tracker.extensions import db
from tracker.models import MessageKind, OutboxMessage, User
from tracker.outbox.links import external_url
from tracker.outbox.queue import queue_for_active_account, queue_message, render_message


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


def send_invitation(user: User) -> OutboxMessage:
    """Queue the invitation, with a link to choose a password (the request only queues)."""
    with force_locale(user.locale or "vi"):
        subject = _("[Proposal tracker] Your account is ready: choose a password")
    link = external_url("auth.accept_invitation", token=make_token(user, "invite"))
    return queue_message(MessageKind.INVITATION, user.email, subject, "invitation",
                         recipient_name=user.name, locale=user.locale, user=user, link=link)


class _NoAccount(NamedTuple):
    """Stands for the account an address does not have, so that a reset request does the same
    work either way: the link is made and the mail rendered, and nothing is queued."""

    email: str
    id: int = 0  # no account has it: ids start at 1
    session_version: int = 0
    name: str = ""
    locale: str | None = None


def request_password_reset(email: str) -> None:
    """Queue a reset link for the active account at `email`, with the same work (queries,
    token, rendering, statement) whether or not there is one: the time an answer takes must
    not tell whether an address has an account. The request only queues; the worker sends."""
    user = find_user(email) or _NoAccount(User.normalise_email(email))
    with force_locale(user.locale or "vi"):
        subject = _("[Proposal tracker] Choose a new password")
    link = external_url("auth.reset_password", token=make_token(user, "reset"))
    queue_for_active_account(user.id, render_message(
        MessageKind.PASSWORD_RESET, user.email, subject, "password_reset", recipient_name=user.name,
        locale=user.locale, user_id=user.id, link=link))
