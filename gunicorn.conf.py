"""gunicorn -c gunicorn.conf.py wsgi:app — every worker starts the reminder scheduler;
the database lease lets exactly one of them run the jobs at a time."""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))


def post_worker_init(worker):
    app = worker.wsgi
    if app.config.get("SCHEDULER_AUTOSTART", True):
        from tracker.notify.scheduler import start_scheduler

        start_scheduler(app)
