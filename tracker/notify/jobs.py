"""The jobs, as plain functions the scheduler and the command line both call.

Each run is logged (`scheduler_run`) with its counts; each is an idempotent sweep: the
unique keys on notices and digests make a second run of the same day add nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import SchedulerRun
from tracker.notify import planner
from tracker.notify.service import plan_day, write_notices
from tracker.outbox.sender import DrainResult, drain_outbox
from tracker.webhooks.sender import SendResult, send_due

log = logging.getLogger(__name__)


def run_planning(today: date, now: datetime, *, dry_run: bool = False
                 ) -> tuple[list[planner.PlannedNotice], int]:
    """Plan `today`; unless `dry_run`, store the notices and digests. Returns (notices, new)."""
    notices = plan_day(today)
    if dry_run:
        db.session.rollback()
        return notices, 0
    added = write_notices(notices, today)
    db.session.add(SchedulerRun(job="plan", started_at=now, finished_at=datetime.now(now.tzinfo),
                                for_day=today, planned=added))
    db.session.commit()
    log.info("planned %s: %d notices, %d new", today.isoformat(), len(notices), added,
             extra={"for_day": today.isoformat(), "notices": len(notices), "new": added})
    return notices, added


def run_flush(now: datetime, keep_going: Callable[[], bool] | None = None) -> DrainResult:
    """Drain the outbox (any number of these may run at once: rows are claimed) and log the
    run if it did anything. `keep_going` is asked between batches."""
    result = drain_outbox(now, keep_going=keep_going)
    if result.sent or result.failed or result.retried or result.cancelled or result.held:
        db.session.add(SchedulerRun(job="send", started_at=now, finished_at=datetime.now(now.tzinfo),
                                    sent=result.sent, retried=result.retried, failed=result.failed,
                                    error=result.last_error))
        db.session.commit()
        log.info("outbox: %d sent, %d to retry, %d failed, %d cancelled, %d held", result.sent,
                 result.retried, result.failed, result.cancelled, result.held,
                 extra={"sent": result.sent, "retried": result.retried, "failed": result.failed,
                        "cancelled": result.cancelled, "held": result.held})
    return result


def run_webhooks(now: datetime) -> SendResult:
    """POST the due webhook deliveries (claimed, so any number may run at once) and log the
    run if it did anything."""
    result = send_due(now)
    if result.delivered or result.failed or result.retried or result.cancelled:
        db.session.add(SchedulerRun(job="webhooks", started_at=now,
                                    finished_at=datetime.now(now.tzinfo), sent=result.delivered,
                                    retried=result.retried, failed=result.failed))
        db.session.commit()
        log.info("webhooks: %d delivered, %d to retry, %d failed, %d cancelled",
                 result.delivered, result.retried, result.failed, result.cancelled)
    return result


def planned_already(day: date) -> bool:
    """Has the planning of `day` run (so start-up need not catch up)?"""
    return db.session.scalar(sa.select(sa.exists().where(
        SchedulerRun.job == "plan", SchedulerRun.for_day == day))) or False
