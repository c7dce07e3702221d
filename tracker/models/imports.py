from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import UTCDateTime, utcnow


class ImportDraft(db.Model):
    """An uploaded or pasted appendix between its preview and its confirmation.

    Holds the tables as read (cells only, JSON), so the confirmation re-checks
    exactly what the preview showed; deleted once saved, cancelled or a day old.
    """

    __tablename__ = "import_draft"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # Into an existing plan, or (None) a new one described by the three fields below.
    plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    owner_agency_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agency.id"))
    attached_to: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    appendix_label: so.Mapped[str] = so.mapped_column(sa.String(50), default="", server_default="")
    source_name: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    # [{"label": …, "rows": [[cell, …], …]}, …] and which one is being imported.
    tables: so.Mapped[list] = so.mapped_column(sa.JSON)
    table_index: so.Mapped[int] = so.mapped_column(default=0)
