"""gunicorn -c gunicorn.conf.py wsgi:app — the web processes (deploy/tracker-web.service).

In production the reminder jobs run in their own process (`flask --app wsgi worker`) and
the web with SCHEDULER_AUTOSTART=0. Left at its default (1), every gunicorn worker starts
the scheduler too and the database lease lets exactly one of them run the jobs.
"""
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

from tracker.logs import formatter_for, resolve_format

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

# Sync workers serve one request each; gunicorn kills one that is silent this long. Set on
# purpose above the slowest legitimate request: a PDF of up to TRACKER_PDF_BACKGROUND_ROWS
# (1,000) rows printed in the request (2–5 s; larger ones go to the worker, issue 10), a
# 30,000-item DOCX/XLSX (a few seconds), under load; a request past two minutes is stuck
# and its worker is better restarted.
# nginx waits a little longer (proxy_read_timeout 130s in deploy/nginx/tracker.conf) so
# that it is gunicorn, not the proxy, that gives up first.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
# On a restart (systemctl restart/reload), requests in progress get this long to finish.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))

# The proxy in front (nginx on the same machine). gunicorn trusts X-Forwarded-Proto only
# from these addresses; the app itself reads X-Forwarded-For/-Proto through ProxyFix with
# TRUSTED_PROXIES (tracker.register_proxies), which must count the same proxies.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs on stdout/stderr: the journal keeps them (journalctl -u tracker-web). With JSON logs
# (LOG_FORMAT, the production default) the app writes one line per request itself (method,
# path, status, duration, request id, user; tracker/logs.py), so gunicorn's access log is off
# unless ACCESS_LOG names a destination; gunicorn's own messages are JSON lines too.
LOG_FORMAT = resolve_format(os.environ.get("LOG_FORMAT"), os.environ.get("TRACKER_ENV"))
accesslog = os.environ.get("ACCESS_LOG", None if LOG_FORMAT == "json" else "-")
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class JsonLogger(Logger):
    """gunicorn's logger with the app's JSON lines."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter_for("json"))


if LOG_FORMAT == "json":
    logger_class = JsonLogger

# Prometheus metrics (tracker/metrics.py): every worker writes its request counts into one
# folder, and /metrics, whichever worker answers, adds them up. Set here, before a worker
# imports prometheus_client: PROMETHEUS_MULTIPROC_DIR if given, else a folder of our own
# (removed on exit; the marker keeps it ours when a reload reads this file again).
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tracker-metrics-")
    os.environ["TRACKER_METRICS_DIR_MADE"] = "1"


def on_starting(server):
    """A given folder may hold the counts of an earlier run: start from zero."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("TRACKER_METRICS_DIR_MADE") == "1":
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker):
    app = worker.wsgi
    if app.config.get("SCHEDULER_AUTOSTART", True):
        from tracker.notify.scheduler import start_scheduler

        start_scheduler(app)
