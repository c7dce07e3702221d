from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow


class FeedScope(StrEnum):
    """What a calendar feed holds: the owner's items ("my items"), an agency's, a plan's."""

    MINE = "mine"
    AGENCY = "agency"
    PLAN = "plan"


class FeedToken(db.Model):
    """The secret of one calendar (and Atom) feed URL. Calendar clients cannot send headers,
    so the secret is in the URL; only its SHA-256 is stored, the URL is shown once. A feed
    shows what its owner may read when it is fetched, never more; revoked, it is a 404."""

    __tablename__ = "feed_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    scope_kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    # The agency's or the plan's id; None for "my items".
    scope_id: so.Mapped[int | None]
    # What the owner sees in his list of feeds ("Sở Công Thương", a plan's title).
    label: so.Mapped[str] = so.mapped_column(NFCString(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship(lazy="raise_on_sql")  # noqa: F821

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
