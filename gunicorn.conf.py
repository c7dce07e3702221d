"""gunicorn -c gunicorn.conf.py wsgi:app — the web processes (deploy/tracker-web.service).

In production the reminder jobs run in their own process (`flask --app wsgi worker`) and
the web with SCHEDULER_AUTOSTART=0. Left at its default (1), every gunicorn worker starts
the scheduler too and the database lease lets exactly one of them run the jobs.
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))

# Sync workers serve one request each; gunicorn kills one that is silent this long. Set on
# purpose above the slowest legitimate request, a large export rendered in the request
# (a 5,000-item PDF: 13 s at normal load, 31 s under load, issue 10), which the default
# 30 s killed; a request past two minutes is stuck and its worker is better restarted.
# nginx waits a little longer (proxy_read_timeout 130s in deploy/nginx/tracker.conf) so
# that it is gunicorn, not the proxy, that gives up first.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
# On a restart (systemctl restart/reload), requests in progress get this long to finish.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))

# The proxy in front (nginx on the same machine). gunicorn trusts X-Forwarded-Proto only
# from these addresses; the app itself reads X-Forwarded-For/-Proto through ProxyFix with
# TRUSTED_PROXIES (tracker.register_proxies), which must count the same proxies.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access and error logs on stdout/stderr: the journal keeps them (journalctl -u tracker-web).
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker):
    app = worker.wsgi
    if app.config.get("SCHEDULER_AUTOSTART", True):
        from tracker.notify.scheduler import start_scheduler

        start_scheduler(app)
