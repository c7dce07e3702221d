from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, NFCText, UTCDateTime, utcnow


class ReminderSettings(db.Model):
    """The admin-editable reminder rules (a single row; defaults from issue #4)."""

    __tablename__ = "reminder_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stages: so.Mapped[str] = so.mapped_column(sa.String(100), default="14,7,3,1,0")
    working_days: so.Mapped[bool] = so.mapped_column(default=False)
    overdue_interval: so.Mapped[int] = so.mapped_column(default=7)
    escalate_after: so.Mapped[int] = so.mapped_column(default=2)
    send_time: so.Mapped[str] = so.mapped_column(sa.String(5), default="07:00")

    @property
    def stage_list(self) -> tuple[int, ...]:
        return tuple(sorted({int(s) for s in self.stages.split(",") if s.strip()}, reverse=True))


class CalendarException(db.Model):
    """A day the holidays package gets wrong for us: an extra day off, or a worked Saturday."""

    __tablename__ = "calendar_exception"

    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    working: so.Mapped[bool]
    note: so.Mapped[str] = so.mapped_column(NFCString(200), default="")


class Notice(db.Model):
    """One notice for one recipient (a reminder stage, an overdue alert, a status change).

    The unique dedupe key makes planning the same day twice, or in two processes, add nothing.
    Notices of one recipient and day travel in one digest e-mail (`message`).
    """

    __tablename__ = "notice"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    dedupe_key: so.Mapped[str] = so.mapped_column(sa.String(400), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # a NoticeKind (tracker/notices.py)
    item_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("item.id", ondelete="CASCADE"), index=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    stage: so.Mapped[int]
    planned_for: so.Mapped[date] = so.mapped_column(index=True)
    message_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbox_message.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class SchedulerRun(db.Model):
    """The log of scheduled (and command-line) runs: when, how many planned, sent, failed."""

    __tablename__ = "scheduler_run"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job: so.Mapped[str] = so.mapped_column(sa.String(20))
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    for_day: so.Mapped[date | None]
    planned: so.Mapped[int] = so.mapped_column(default=0)
    sent: so.Mapped[int] = so.mapped_column(default=0)
    retried: so.Mapped[int] = so.mapped_column(default=0)
    failed: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(NFCText)


class SchedulerLease(db.Model):
    """Who runs the jobs: one process at a time holds the lease until it expires."""

    __tablename__ = "scheduler_lease"

    name: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(80))
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
