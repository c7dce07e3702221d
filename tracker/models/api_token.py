from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow


class ApiToken(db.Model):
    """A user's key to the REST API (`Authorization: Bearer …`): it acts as its user, with
    his role and agency. Only a SHA-256 digest of the secret is kept; its first characters
    (`prefix`) tell the user's tokens apart on the account page."""

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(NFCString(100))
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    digest: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The last day the token works (in the tracker's time zone); None: until revoked.
    expires_on: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship(lazy="raise_on_sql")  # noqa: F821

    def usable_on(self, today: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or today <= self.expires_on)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… {self.name!r}>"
