"""Prometheus metrics (prometheus_client), served at /metrics by tracker/health.py.

Two kinds, so that several gunicorn workers answer the same:
- request counts and latencies, by endpoint (the route's name, never the raw path: a
  bounded set of series), counted in each process. Under gunicorn they are shared through
  prometheus_client's multiprocess mode: gunicorn.conf.py gives every worker the same
  PROMETHEUS_MULTIPROC_DIR (a fresh folder of its own unless set), each process writes its
  values there, and a scrape, whichever worker answers it, adds them all up.
- the state of the outbox and of the worker, read from the database at scrape time (the
  same in every process): queue depth and the age of the oldest pending message, the last
  successful planning day, the worker's heartbeat.

Who may read them: the client addresses in METRICS_ALLOWED (networks; the local machine by
default), or anyone presenting `Authorization: Bearer <METRICS_TOKEN>` when that is set.
Anyone else gets a 404, as if there were no such page.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage, SchedulerRun

disable_created_metrics()  # no `…_created` series beside each counter and histogram

# Up to the web timeout (WEB_TIMEOUT, 120 s): exports are slow on purpose, pages are not.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "none"  # the endpoint label of a request that matched no route (a 404)

REQUEST_SECONDS = Histogram(
    "tracker_http_request_duration_seconds",
    "Time to answer a request (until the response's headers), by route",
    ["method", "endpoint"], buckets=LATENCY_BUCKETS)
REQUESTS = Counter(
    "tracker_http_requests", "Requests answered, by route and status code",
    ["method", "endpoint", "status"])
OUTBOX_STATES = (MessageStatus.PENDING, MessageStatus.HELD, MessageStatus.FAILED)


def register(app: Flask) -> None:
    """Check the access settings at start-up and count every request."""
    app.extensions["metrics_allowed"] = allowed_networks(app.config.get("METRICS_ALLOWED") or [])

    @app.after_request
    def observe_request(response):
        started = g.get("request_started")  # set first thing by tracker.logs
        method = request.method if request.method in METHODS else "other"
        endpoint = request.endpoint or UNMATCHED
        if started is not None:
            REQUEST_SECONDS.labels(method, endpoint).observe(time.perf_counter() - started)
        REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
        return response


def allowed_networks(values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(value, strict=False) for value in values]
    except ValueError as error:
        raise RuntimeError(f"METRICS_ALLOWED: {error}") from error


def scrape_allowed() -> bool:
    """The client address (as ProxyFix gives it behind TRUSTED_PROXIES) in METRICS_ALLOWED,
    or the METRICS_TOKEN bearer token."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in current_app.extensions["metrics_allowed"])


def outbox_state(now: datetime) -> dict:
    """Messages waiting (pending: to send; held: no mail server; failed: given up) and the
    age of the oldest one still to send. One query."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(), sa.func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(OUTBOX_STATES)).group_by(OutboxMessage.status)).all()
    counts = {status: 0 for status in OUTBOX_STATES}
    oldest = None
    for status, count, first in rows:
        counts[status] = count
        if status == MessageStatus.PENDING:
            oldest = first
    return {"counts": counts,
            "oldest_pending_age_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0}


def last_planning() -> tuple[date | None, datetime | None]:
    """The last day planned successfully and when that run started (a failed run is logged
    without a day)."""
    day, started = db.session.execute(
        sa.select(sa.func.max(SchedulerRun.for_day), sa.func.max(SchedulerRun.started_at))
        .where(SchedulerRun.job == "plan", SchedulerRun.for_day.is_not(None))).one()
    return day, started


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def day_timestamp(day: date, timezone: str) -> float:
    """Midnight at the start of `day` in the tracker's time zone, as a Unix time."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(timezone)).timestamp()


class DatabaseCollector:
    """The gauges read from the database for this scrape (`state` is None when it did not
    answer): the outbox, the worker's lease, the last successful planning."""

    def __init__(self, state: dict | None, now: datetime, timezone: str) -> None:
        self.state, self.now, self.timezone = state, now, timezone

    def collect(self):
        yield _gauge("tracker_database_up", "1 if the database answered this scrape, else 0",
                     1 if self.state is not None else 0)
        if self.state is None:
            return
        outbox, worker = self.state["outbox"], self.state["worker"]
        messages = GaugeMetricFamily("tracker_outbox_messages",
                                     "Outbox messages not sent, by status (pending is the queue)",
                                     labels=["status"])
        for status, count in outbox["counts"].items():
            messages.add_metric([str(status)], count)
        yield messages
        yield _gauge("tracker_outbox_oldest_pending_age_seconds",
                     "Age of the oldest pending outbox message (0 when none is pending)",
                     outbox["oldest_pending_age_seconds"])
        yield _gauge("tracker_worker_alive", "1 while a worker holds the scheduler lease",
                     1 if worker["alive"] else 0)
        if worker["heartbeat_age_seconds"] is not None:
            yield _gauge("tracker_worker_heartbeat_age_seconds",
                         "Seconds since the worker last renewed its lease (every minute)",
                         worker["heartbeat_age_seconds"])
        day, started = self.state["planning"]
        if day is not None:
            yield _gauge("tracker_reminders_last_planned_day_timestamp_seconds",
                         "The last day the reminder planning ran for successfully "
                         "(its midnight, local time, as a Unix time)",
                         day_timestamp(day, self.timezone))
            yield _gauge("tracker_reminders_last_planning_age_seconds",
                         "Seconds since the last successful reminder planning started",
                         max(0.0, (self.now - started).total_seconds()))


class _Together:
    def __init__(self, *collectors) -> None:
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def request_metrics():
    """This process's request metrics, or, in multiprocess mode (gunicorn), every process's."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path)
    return registry


def exposition(state: dict | None, now: datetime, accept: str | None) -> tuple[bytes, str]:
    """The scrape's body and content type (text format, or OpenMetrics if asked for)."""
    encoder, content_type = choose_encoder(accept or "")
    database = DatabaseCollector(state, now, current_app.config["TRACKER_TIMEZONE"])
    return encoder(_Together(request_metrics(), database)), content_type
