"""The schedule: one process holds the lease; no command but `run`/`scheduler` starts it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import SchedulerLease, SchedulerRun
from tracker.notify.scheduler import ReminderScheduler, acquire_lease


def test_one_holder_at_a_time_until_the_lease_expires(app):
    """The scheduler lease has one holder at a time, who may renew it; another takes it only
    once it expires."""
    now = datetime(2020, 9, 23, 0, 0, tzinfo=UTC)
    assert acquire_lease("worker-a", now)
    assert not acquire_lease("worker-b", now + timedelta(minutes=1))
    assert acquire_lease("worker-a", now + timedelta(minutes=2))        # renewal
    assert not acquire_lease("worker-b", now + timedelta(minutes=4))    # renewed until 00:05
    assert acquire_lease("worker-b", now + timedelta(minutes=6))        # a dead holder's lease
    assert db.session.get(SchedulerLease, "reminders").holder == "worker-b"


def test_commands_do_not_start_the_scheduler(runner, app):
    """`flask db upgrade`, `flask reminders …` and the tests never start it as a side effect."""
    assert "reminder_scheduler" not in app.extensions
    result = runner.invoke(args=["reminders", "plan", "--today", "2020-09-16", "--dry-run"])
    assert result.exit_code == 0
    assert "reminder_scheduler" not in app.extensions
    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "SCHEDULER_AUTOSTART": True})
    assert "reminder_scheduler" not in fresh.extensions  # not under `flask run`


def test_missed_planning_runs_at_start_up_once(app, seed_plan):
    """Started after the send time with today unplanned, the scheduler plans today at once;
    before the send time it waits; a second process the same day plans nothing more."""
    early = datetime(2020, 9, 16, 23, 30, tzinfo=UTC)      # 06:30 on 17/9 in Hà Nội
    late = datetime(2020, 9, 16, 2, 0, tzinfo=UTC)         # 09:00 on 16/9 in Hà Nội
    ReminderScheduler(app).catch_up(early)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerRun)) == 0
    ReminderScheduler(app).catch_up(late)
    runs = db.session.scalars(sa.select(SchedulerRun)).all()
    assert [(r.job, r.for_day.isoformat(), r.planned) for r in runs] == [("plan", "2020-09-16", 2)]
    ReminderScheduler(app).catch_up(late + timedelta(minutes=10))
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerRun)) == 1


def test_the_background_scheduler_starts_and_stops(app):
    """The background scheduler starts with its planning job at 07:00 and its flush job, and stops cleanly."""
    scheduler = ReminderScheduler(app)
    scheduler.start()
    try:
        assert {job.id for job in scheduler.scheduler.get_jobs()} >= {"plan", "flush"}
        plan_job = scheduler.scheduler.get_job("plan")
        assert str(plan_job.trigger).startswith("cron[hour='7', minute='0'")
    finally:
        # Let the start-up catch-up job end: left running, it raced the next test's TRUNCATE
        # on PostgreSQL (a deadlock now and then).
        scheduler.shutdown(wait=True)


def plan_runs() -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [(r.job, r.for_day.isoformat(), r.planned) for r in db.session.scalars(
        sa.select(SchedulerRun).where(SchedulerRun.job == "plan").order_by(SchedulerRun.id))]


def test_the_next_holder_plans_a_day_whose_planner_died(app, seed_plan):
    """A worker took the lease and was killed while planning (its transaction, notices and
    run record went with it; its daily job had fired). Another worker, once the lease has
    expired, plans the day at its next flush, before sending; later flushes plan nothing
    more. (Before, the day went unplanned: a restarted worker's start-up catch-up met the
    dead holder's lease, and the other workers' daily jobs had passed.)"""
    late = datetime(2020, 9, 16, 2, 0, tzinfo=UTC)         # 09:00 on 16/9 in Hà Nội
    dead, survivor = ReminderScheduler(app), ReminderScheduler(app)
    assert acquire_lease(dead.holder, late)                 # … and was killed planning
    survivor.catch_up(late + timedelta(seconds=5))          # a restart: the lease is held
    survivor.flush(late + timedelta(minutes=1))
    assert plan_runs() == []
    expired = late + survivor.lease_ttl + timedelta(seconds=1)
    survivor.flush(expired)
    assert db.session.get(SchedulerLease, "reminders").holder == survivor.holder
    assert plan_runs() == [("plan", "2020-09-16", 2)]
    survivor.flush(expired + timedelta(minutes=1))
    survivor.catch_up(expired + timedelta(minutes=2))
    assert plan_runs() == [("plan", "2020-09-16", 2)]


def test_the_lease_and_the_flush_interval_are_settings(app):
    """SCHEDULER_LEASE_SECONDS and SCHEDULER_FLUSH_SECONDS shape the lease and the flush job
    (3 minutes and 1 minute unless set); /healthz counts the heartbeat by the same lease."""
    assert ReminderScheduler(app).lease_ttl == timedelta(minutes=3)
    app.config.update(SCHEDULER_LEASE_SECONDS=4, SCHEDULER_FLUSH_SECONDS=1)
    scheduler = ReminderScheduler(app)
    assert scheduler.lease_ttl == timedelta(seconds=4)
    now = datetime.now(UTC)
    assert acquire_lease("worker-a", now, scheduler.lease_ttl)
    assert not acquire_lease("worker-b", now + timedelta(seconds=3), scheduler.lease_ttl)
    assert acquire_lease("worker-b", now + timedelta(seconds=5), scheduler.lease_ttl)
    scheduler.start()
    try:
        assert scheduler.scheduler.get_job("flush").trigger.interval == timedelta(seconds=1)
    finally:
        scheduler.shutdown(wait=True)
    health = app.test_client().get("/healthz").get_json()["worker"]
    assert health["alive"] is True and health["heartbeat_age_seconds"] <= 1


def test_the_lease_is_renewed_during_a_long_planning(app, monkeypatch):
    """A day's planning is one transaction: the lease is renewed meanwhile, so a planning
    longer than the lease does not let another worker take the jobs (and plan the same day
    at the same time)."""
    import time

    from tracker.notify import jobs

    app.config["SCHEDULER_LEASE_SECONDS"] = 1
    scheduler = ReminderScheduler(app)
    taken_meanwhile = []

    def slow_planning(day, now):
        time.sleep(2.5)
        taken_meanwhile.append(acquire_lease("another-worker", datetime.now(UTC),
                                             scheduler.lease_ttl))

    monkeypatch.setattr(jobs, "run_planning", slow_planning)
    scheduler.plan(datetime.now(UTC))
    assert taken_meanwhile == [False]
    assert db.session.get(SchedulerLease, "reminders").holder == scheduler.holder
