"""The reminder schedule (APScheduler 3): daily planning at the send time, a flush every minute.

Only one process runs the jobs: every run first takes (or renews) a lease row in the
database, which works on SQLite and PostgreSQL and across gunicorn workers. The scheduler
starts with `flask run` (in the serving process only, reloader or not), in each gunicorn
worker unless SCHEDULER_AUTOSTART=0 (gunicorn.conf.py; the lease elects one), or alone
with `flask worker` (alias `flask scheduler`), the production layout. No other command,
and no test, starts it. The lease's renewal, every minute, is the worker's heartbeat
that /healthz reports (tracker/health.py).

Several workers (on one machine or several) share one database: one holds the lease and
plans and flushes; when it dies, another takes the lease once it expires
(SCHEDULER_LEASE_SECONDS) and, at its next flush, plans the day if the dead holder had not
recorded the day's planning (a planner killed mid-transaction leaves nothing behind), then
sends what the dead one left (its claimed rows once their claim expires: outbox/claims.py).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from tracker.extensions import db
from tracker.logs import log_context, new_run_id
from tracker.models import SchedulerLease, SchedulerRun

log = logging.getLogger(__name__)
LEASE_NAME = "reminders"
LEASE_TTL = timedelta(minutes=3)   # SCHEDULER_LEASE_SECONDS's default


def lease_ttl(app: Flask) -> timedelta:
    """How long the lease lasts unrenewed (SCHEDULER_LEASE_SECONDS)."""
    return timedelta(seconds=app.config.get("SCHEDULER_LEASE_SECONDS",
                                            LEASE_TTL.total_seconds()))


def acquire_lease(holder: str, now: datetime, ttl: timedelta = LEASE_TTL) -> bool:
    """Take the lease if it is free or expired, or renew it if we hold it."""
    expires = now + ttl
    updated = db.session.execute(
        sa.update(SchedulerLease)
        .where(SchedulerLease.name == LEASE_NAME,
               sa.or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
        .values(holder=holder, expires_at=expires)
    ).rowcount
    if updated:
        db.session.commit()
        return True
    if db.session.get(SchedulerLease, LEASE_NAME) is not None:
        db.session.rollback()
        return False
    try:
        db.session.add(SchedulerLease(name=LEASE_NAME, holder=holder, expires_at=expires))
        db.session.commit()
        return True
    except sa.exc.IntegrityError:  # another process inserted it first
        db.session.rollback()
        return False


@contextmanager
def surviving(job: str, now: datetime) -> Iterator[None]:
    """Run one job so that its failure, whatever it is, ends that run only: logged with the
    traceback, written to the run log for the admins when the database allows, and the
    schedule goes on (the next flush, tomorrow's planning). Each line logged meanwhile
    carries the job and the run's id."""
    with log_context(job=job, run_id=new_run_id()):
        try:
            yield
        except Exception as error:  # noqa: BLE001 — any failure of one run, by design
            log.exception("reminder job %r failed", job)
            db.session.rollback()
            try:
                db.session.add(SchedulerRun(job=job, started_at=now, finished_at=datetime.now(UTC),
                                            error=f"{error.__class__.__name__}: {error}"[:2000]))
                db.session.commit()
            except Exception:  # noqa: BLE001 — the database itself may be what failed
                db.session.rollback()
                log.exception("could not record the failure of %r", job)


class ReminderScheduler:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.tz = ZoneInfo(app.config["TRACKER_TIMEZONE"])
        self.scheduler = BackgroundScheduler(timezone=self.tz)
        self.lease_ttl = lease_ttl(app)
        # One planning at a time in this process: the daily job, the start-up catch-up and
        # a flush's catch-up may meet; the one that finds it taken leaves it to the other.
        self._planning = threading.Lock()

    def _lease(self, now: datetime) -> bool:
        return acquire_lease(self.holder, now, self.lease_ttl)

    @contextmanager
    def _renewing(self) -> Iterator[None]:
        """Renew the lease every third of its length while the block runs, from a thread
        of its own: a day's planning is one long transaction, and a lease left to expire
        meanwhile let another worker plan the same day at the same time."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease_ttl.total_seconds() / 3):
                with self.app.app_context():
                    try:
                        if not self._lease(datetime.now(UTC)):
                            return
                    except Exception:  # noqa: BLE001 — the next renewal may work
                        log.warning("could not renew the lease", exc_info=True)
                        db.session.rollback()

        thread = threading.Thread(target=renew, name="lease-renewal", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def start(self) -> None:
        with self.app.app_context():
            from tracker.notify.service import reminder_settings

            hour, minute = (int(x) for x in reminder_settings().send_time.split(":"))
            db.session.commit()
        defaults = dict(coalesce=True, max_instances=1, misfire_grace_time=3600,
                        replace_existing=True)
        self.scheduler.add_job(self.plan, CronTrigger(hour=hour, minute=minute, timezone=self.tz),
                               id="plan", **defaults)
        # The first flush runs at once: mail queued while no scheduler ran goes out, and the
        # lease (the heartbeat /healthz reads) is taken without waiting a minute.
        self.scheduler.add_job(self.flush, "interval",
                               seconds=self.app.config.get("SCHEDULER_FLUSH_SECONDS", 60),
                               id="flush",
                               next_run_time=datetime.now(self.tz), **defaults)
        # Large PDFs asked for on the web (tracker/appendix/jobs.py): each job is claimed, so
        # every process with a scheduler may take them, lease or not.
        self.scheduler.add_job(self.exports, "interval", seconds=5, id="exports", **defaults)
        # The scorecard's periods are frozen the morning after each cut-off (and at start-up,
        # after downtime): a period already frozen is left as it is.
        self.scheduler.add_job(self.freeze, CronTrigger(hour=0, minute=30, timezone=self.tz),
                               id="freeze-scorecard", **defaults)
        self.scheduler.add_job(self.freeze, id="freeze-catch-up", **defaults)
        # Webhook deliveries are claimed as exports are: every process may send them.
        self.scheduler.add_job(self.webhooks, "interval", seconds=30, id="webhooks", **defaults)
        # After downtime: the day's planning runs now if its time has passed unplanned.
        self.scheduler.add_job(self.catch_up, id="catch-up", **defaults)
        self.scheduler.start()
        log.info("reminder scheduler started (%s), planning daily at %02d:%02d", self.holder,
                 hour, minute)

    def shutdown(self, wait: bool = False) -> None:
        """Stop; with `wait`, also let a job in progress finish (its database work with it)."""
        self.scheduler.shutdown(wait=wait)

    def plan(self, now: datetime | None = None, *, unless_planned: bool = False) -> None:
        """Plan today (by `now`) if this process holds the lease; with `unless_planned`, only
        if today's planning has not been recorded yet (a catch-up)."""
        from tracker.notify.jobs import planned_already, run_planning

        now = now or datetime.now(UTC)
        if not self._planning.acquire(blocking=False):
            return  # this process is planning the day already
        try:
            with self.app.app_context(), surviving("plan", now):
                day = now.astimezone(self.tz).date()
                if self._lease(now) and not (unless_planned and planned_already(day)):
                    with self._renewing():
                        run_planning(day, now)
                db.session.commit()
        finally:
            self._planning.release()

    def flush(self, now: datetime | None = None) -> None:
        from tracker.notify.jobs import run_flush

        now = now or datetime.now(UTC)
        holding = missed = False
        with self.app.app_context(), surviving("send", now):
            holding = self._lease(now)
            missed = holding and self.planning_missed(now)
        if not holding:
            return
        if missed:
            # The holder that planned today died before recording it (or the planning
            # failed): the lease's new holder plans it before sending, or the day's
            # reminders would wait for tomorrow.
            self.plan(now, unless_planned=True)
        with self.app.app_context(), surviving("send", now):
            if self._lease(now):
                # A long flush renews the lease between batches; the outbox rows are claimed
                # one batch at a time, so even a second holder would send nothing twice.
                run_flush(now, keep_going=lambda: self._lease(datetime.now(UTC)))

    def planning_missed(self, now: datetime) -> bool:
        """Is today's sending time past with today's planning not recorded? (Commits.)"""
        from tracker.notify.jobs import planned_already
        from tracker.notify.service import reminder_settings

        local = now.astimezone(self.tz)
        hour, minute = (int(x) for x in reminder_settings().send_time.split(":"))
        due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        missed = local >= due and not planned_already(local.date())
        db.session.commit()
        return missed

    def exports(self, now: datetime | None = None) -> None:
        from tracker.appendix.jobs import run_export_jobs

        now = now or datetime.now(UTC)
        with self.app.app_context(), surviving("exports", now):
            run_export_jobs(now)

    def freeze(self, now: datetime | None = None) -> None:
        from tracker.scorecard.jobs import run_freeze

        now = now or datetime.now(UTC)
        with self.app.app_context(), surviving("freeze", now):
            if self._lease(now):
                run_freeze(now.astimezone(self.tz).date(), now)

    def webhooks(self, now: datetime | None = None) -> None:
        from tracker.notify.jobs import run_webhooks

        now = now or datetime.now(UTC)
        with self.app.app_context(), surviving("webhooks", now):
            run_webhooks(now)

    def catch_up(self, now: datetime | None = None) -> None:
        """After downtime: plan today now if its sending time has passed and it is unplanned."""
        now = now or datetime.now(UTC)
        missed = False
        with self.app.app_context(), surviving("plan", now):
            missed = self.planning_missed(now)
        if missed:
            self.plan(now, unless_planned=True)


def starts_with_this_command() -> bool:
    """True in the process that serves `flask run` (the reloader's child, if it reloads)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        from flask.helpers import get_debug_flag

        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def start_scheduler(app: Flask) -> ReminderScheduler:
    scheduler = ReminderScheduler(app)
    scheduler.start()
    app.extensions["reminder_scheduler"] = scheduler
    return scheduler
