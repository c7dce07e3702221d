from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow


class ExportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    """A large PDF made by the worker instead of a web request (issue 10, defect 8).

    The web request builds the print page (fast) and leaves it in the export folder; the
    worker prints it with Chromium (slow) next to it. Only the user who asked may see it.
    """

    __tablename__ = "export_job"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default=ExportState.QUEUED.value,
                                             index=True)
    # The name the file is saved as, and how many rows it prints (said on the waiting page).
    file_name: so.Mapped[str] = so.mapped_column(NFCString(255))
    rows: so.Mapped[int] = so.mapped_column(default=0)
    # A worker that took the job and died: after this the job may be taken again.
    claimed_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.state}>"
