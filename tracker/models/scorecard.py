from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, UTCDateTime, utcnow


class ScorecardSnapshot(db.Model):
    """A report period's scorecard of the whole province, frozen at its cut-off: what was
    published never changes afterwards (tracker/scorecard/snapshots.py). Rows only added."""

    __tablename__ = "scorecard_snapshot"
    __table_args__ = (sa.UniqueConstraint("period_start", "period_end"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # "month" | "quarter" | "half" | "year"
    period_kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    period_label: so.Mapped[str] = so.mapped_column(NFCString(50))
    period_start: so.Mapped[date]
    period_end: so.Mapped[date] = so.mapped_column(index=True)
    as_of: so.Mapped[date]
    frozen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # [{"agency_id", "agency", "on_time", "late", "open_in_time", "overdue", "no_deadline",
    #   "withdrawn"}, …] by agency name; the names as they were then.
    rows: so.Mapped[list] = so.mapped_column(sa.JSON)
    # {bucket: {agency id: [item ids]}}: the items behind each frozen number.
    items: so.Mapped[dict] = so.mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<ScorecardSnapshot {self.period_label} {self.period_start}–{self.period_end}>"
