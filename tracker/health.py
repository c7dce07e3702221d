"""/healthz for the proxy, systemd and monitoring: is the database reachable, is a worker
running the jobs? And /metrics for Prometheus (tracker/metrics.py). No login; the host
check applies as everywhere (TRUSTED_HOSTS)."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, jsonify, request

from tracker import metrics as prometheus
from tracker.extensions import db
from tracker.models import SchedulerLease, SchedulerRun
from tracker.notify.scheduler import LEASE_NAME, lease_ttl

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 with the database's and the worker's state; 503 if the database is down.

    A dead worker is reported (`worker.alive`), not a 503: the web still serves pages, and
    a proxy must not take it out of service for that.
    """
    try:
        state = worker_state(datetime.now(UTC))
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        log.warning("health check: database unreachable", exc_info=True)
        db.session.rollback()
        return jsonify(database="unreachable"), 503
    return jsonify(database="ok", worker=state)


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for METRICS_ALLOWED addresses or the METRICS_TOKEN bearer; a
    404 for anyone else. A database that does not answer is `tracker_database_up 0`."""
    if not prometheus.scrape_allowed():
        abort(404)
    now = datetime.now(UTC)
    try:
        state = {"worker": worker_state(now), "outbox": prometheus.outbox_state(now),
                 "planning": prometheus.last_planning()}
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        log.warning("metrics: database unreachable", exc_info=True)
        db.session.rollback()
        state = None
    body, content_type = prometheus.exposition(state, now, request.headers.get("Accept"))
    return Response(body, content_type=content_type)


def worker_state(now: datetime) -> dict:
    """The heartbeat (the lease, renewed by every flush, once a minute) and the last runs."""
    lease = db.session.get(SchedulerLease, LEASE_NAME)
    last = dict(db.session.execute(
        sa.select(SchedulerRun.job, sa.func.max(SchedulerRun.started_at))
        .group_by(SchedulerRun.job)).all())
    planned_day = db.session.scalar(sa.select(sa.func.max(SchedulerRun.for_day))
                                    .where(SchedulerRun.job == "plan"))
    heartbeat = lease.expires_at - lease_ttl(current_app) if lease else None
    return {
        # Alive while the lease holds: a holder that stopped renewing it for
        # SCHEDULER_LEASE_SECONDS has lost it to any other worker.
        "alive": bool(lease and lease.expires_at > now),
        "heartbeat_age_seconds": _age(heartbeat, now),
        "last_planning_age_seconds": _age(last.get("plan"), now),
        "last_planned_day": planned_day.isoformat() if planned_day else None,
        "last_send_age_seconds": _age(last.get("send"), now),
    }


def _age(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))
