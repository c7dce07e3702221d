from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow
from tracker.notices import NoticeKind, format_muted, parse_muted
from tracker.policy import Role
from tracker.text import N_

__all__ = ["ROLE_LABELS", "Role", "User"]

ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.MANAGER: N_("Manager"),
    Role.OFFICER: N_("Officer"),
    Role.VIEWER: N_("Viewer"),
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(NFCString(200))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(20))
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    # Part of the login cookie: bumping it (new password, deactivation) ends every session.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    # The notice kinds the user turned off, comma-separated: read and written through
    # `muted_kinds` (tracker/notices.py parses it).
    muted_notices: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    agency: so.Mapped[Agency] = so.relationship(lazy="joined")  # noqa: F821

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        # scrypt (werkzeug's default) everywhere but in tests, which lower the cost for speed.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() \
            else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return self.has_usable_password() and check_password_hash(self.password_hash, password)

    @property
    def muted_kinds(self) -> frozenset[NoticeKind]:
        """The notice kinds the user turned off."""
        return parse_muted(self.muted_notices)

    @muted_kinds.setter
    def muted_kinds(self, kinds: Iterable[str]) -> None:
        self.muted_notices = format_muted(kinds)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every login cookie issued so far (this one included)."""
        self.session_version += 1

    def has_usable_password(self) -> bool:
        return not self.password_hash.startswith("!")

    def set_unusable_password(self) -> None:
        """An invited user has no password until he follows his invitation link."""
        self.password_hash = "!" + secrets.token_hex(16)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
