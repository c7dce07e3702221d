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


class ThrottleCounter(db.Model):
    """Attempts counted under one key ("login-account:<e-mail>", "login-address:<ip>" …),
    in the database so every worker process sees the same count (see auth/throttle.py)."""

    __tablename__ = "throttle_counter"

    key: so.Mapped[str] = so.mapped_column(sa.String(400), primary_key=True)
    count: so.Mapped[int] = so.mapped_column(default=0)
    # The next attempt under this key waits until then.
    not_before: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)


class UsedToken(db.Model):
    """Invitation and reset links already used: each works once."""

    __tablename__ = "used_token"

    digest: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    used_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
