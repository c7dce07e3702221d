from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow


class Attachment(db.Model):
    """The file of the document a journal entry cites (its Tờ trình, Quyết định, Công văn).

    The bytes live in the document folder (TRACKER_DOCUMENT_FOLDER) under `stored_name`, a
    generated name; the user's own file name is only offered back on download. Like the
    journal, rows are only ever added.
    """

    __tablename__ = "attachment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("item.id", ondelete="CASCADE"), index=True)
    journal_entry_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("journal_entry.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    original_name: so.Mapped[str] = so.mapped_column(NFCString(255))
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    media_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))

    entry: so.Mapped[JournalEntry] = so.relationship(  # noqa: F821
        back_populates="attachments", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.original_name!r}>"
