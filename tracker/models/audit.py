from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCText, UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One administrative action (agencies, users): who, when, what changed. Never rewritten."""

    __tablename__ = "audit_entry"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    target_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    target_id: so.Mapped[int]
    # "field: old → new" lines, as shown on the admin journal page.
    details: so.Mapped[str] = so.mapped_column(NFCText, default="")

    actor: so.Mapped[User | None] = so.relationship(lazy="raise_on_sql")  # noqa: F821


class LoginAttempt(db.Model):
    """Failed sign-ins, kept in the database so every worker process sees the same count."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_email_at", "email", "created_at"),
                      sa.Index("ix_login_attempt_address_at", "address", "created_at"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    address: so.Mapped[str] = so.mapped_column(sa.String(64))


class UsedToken(db.Model):
    """Invitation and reset links already used: each works once."""

    __tablename__ = "used_token"

    digest: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    used_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
