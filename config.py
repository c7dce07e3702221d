"""Configuration classes, read from the environment.

`create_app()` picks one by `TRACKER_ENV` (development by default); tests pass a
dict or a class of their own.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TRACKER_TIMEZONE = os.environ.get("TRACKER_TIMEZONE", "Asia/Ho_Chi_Minh")
    # Where users reach the tracker: the links in e-mails sent outside a request.
    TRACKER_BASE_URL = os.environ.get("TRACKER_BASE_URL", "http://127.0.0.1:5000")
    # The host names the app answers to (comma-separated); a request with any other Host
    # header is refused with 400. Unset: the host of TRACKER_BASE_URL, plus localhost and
    # 127.0.0.1 except in production (see tracker.configure).
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    # How many reverse proxies stand in front of the app (nginx alone: 1). Their
    # X-Forwarded-For gives the client address that sign-in throttling counts; 0 (the
    # default) ignores that header, as a client can write anything into it.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "vi")
    BABEL_DEFAULT_TIMEZONE = TRACKER_TIMEZONE
    LANGUAGES = ("vi", "en")
    ITEMS_PER_PAGE = 50
    # The REST API (/api/v1): requests per minute one token may make (then 429), and the
    # largest page of a list (`limit`).
    API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "600"))
    API_MAX_LIMIT = 500
    # The start page lists, for their managers, the open items with no update (no change, no
    # note) for this many working days.
    TRACKER_QUIET_AFTER_WORKING_DAYS = int(os.environ.get("TRACKER_QUIET_AFTER_WORKING_DAYS",
                                                          "10"))
    # Uploads (appendix files) and pasted tables; a larger request is refused with 413.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 5 * 1024 * 1024
    # The file of a Tờ trình / Quyết định / Công văn attached to an update: at most this size
    # (the forms that carry one accept a request this much larger than MAX_CONTENT_LENGTH,
    # see tracker/web.py), kept in this folder (default: <instance folder>/documents).
    TRACKER_DOCUMENT_MAX_BYTES = int(os.environ.get("TRACKER_DOCUMENT_MAX_BYTES",
                                                    str(20 * 1024 * 1024)))
    TRACKER_DOCUMENT_FOLDER = os.environ.get("TRACKER_DOCUMENT_FOLDER") or None
    # Headless Chromium for PDF downloads; found on PATH (chromium, google-chrome …) if unset.
    CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or None
    # A PDF of more rows than this is made by the worker (tracker/appendix/jobs.py): the user
    # waits on a page that becomes a download link; the pages and PDFs are kept a day in this
    # folder (default: <instance folder>/exports; shared storage when several machines run).
    TRACKER_PDF_BACKGROUND_ROWS = int(os.environ.get("TRACKER_PDF_BACKGROUND_ROWS", "1000"))
    # The scorecard's monthly cut-off (Nghị định 09/2019: the 14th); the scheduler freezes the
    # month's figures that day. 29 or more: the month's last day (calendar months).
    SCORECARD_CUTOFF_DAY = int(os.environ.get("SCORECARD_CUTOFF_DAY", "14"))
    TRACKER_EXPORT_FOLDER = os.environ.get("TRACKER_EXPORT_FOLDER") or None
    # Where those files (documents, export pages and PDFs) are kept (tracker/storage.py):
    # "folder" (the default: the two folders above, one shared folder when several machines
    # run) or "s3": one bucket of S3-compatible object storage (AWS, MinIO, Ceph …), which
    # needs the extra `s3` (boto3). The endpoint is unset for AWS itself; the keys, unset,
    # come from boto3's own chain (AWS_ACCESS_KEY_ID …, an instance role). Downloads pass
    # through the app after its permission check (no presigned links).
    TRACKER_STORAGE = os.environ.get("TRACKER_STORAGE", "folder")
    TRACKER_S3_BUCKET = os.environ.get("TRACKER_S3_BUCKET") or None
    TRACKER_S3_ENDPOINT_URL = os.environ.get("TRACKER_S3_ENDPOINT_URL") or None
    TRACKER_S3_REGION = os.environ.get("TRACKER_S3_REGION") or None
    TRACKER_S3_PREFIX = os.environ.get("TRACKER_S3_PREFIX", "")  # e.g. "tracker/"
    TRACKER_S3_ACCESS_KEY_ID = os.environ.get("TRACKER_S3_ACCESS_KEY_ID") or None
    TRACKER_S3_SECRET_ACCESS_KEY = os.environ.get("TRACKER_S3_SECRET_ACCESS_KEY") or None
    TRACKER_S3_TIMEOUT = float(os.environ.get("TRACKER_S3_TIMEOUT", "10"))  # connect, each read

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Remember me" keeps a browser signed in this long (Flask-Login's default is 365 days).
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # none: mail stays in the outbox
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
    MAIL_RETRY_BASE_SECONDS = int(os.environ.get("MAIL_RETRY_BASE_SECONDS", "60"))
    # How long a sender's claim on a batch of the outbox lasts (renewed while it sends);
    # after that a crashed sender's messages are taken by another.
    MAIL_CLAIM_SECONDS = int(os.environ.get("MAIL_CLAIM_SECONDS", "300"))
    # Seconds to wait for the mail server on connecting and on each command; a server that
    # never answers then costs one timeout per flush, not the sender for ever.
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # Webhooks (tracker/webhooks/): seconds to wait for the receiver (connect, and each
    # read), tries before a delivery has failed, the first retry's delay (doubled each time).
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
    WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "6"))
    WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "60"))
    WEBHOOK_CLAIM_SECONDS = int(os.environ.get("WEBHOOK_CLAIM_SECONDS", "300"))
    # Start the reminder scheduler with `flask run` / gunicorn (see tracker/notify/scheduler.py).
    SCHEDULER_AUTOSTART = _bool("SCHEDULER_AUTOSTART", True)
    # The jobs' lease (one worker at a time plans and flushes): seconds it lasts unrenewed
    # before another worker takes over from a dead holder; the outbox is flushed (and the
    # lease renewed, the heartbeat) every SCHEDULER_FLUSH_SECONDS. Keep the lease well above
    # the flush interval. The multi-node test (tests/test_multinode.py) shortens both.
    SCHEDULER_LEASE_SECONDS = int(os.environ.get("SCHEDULER_LEASE_SECONDS", "180"))
    SCHEDULER_FLUSH_SECONDS = int(os.environ.get("SCHEDULER_FLUSH_SECONDS", "60"))
    # Logs on stderr: "json" (one object per line; the default in production), "text" (the
    # default elsewhere) or "none" (logging left as the host set it up). See tracker/logs.py.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Who may read /metrics (tracker/metrics.py): client addresses or networks, and/or a
    # bearer token (any address). Unset: this machine only; empty: nobody but the token.
    METRICS_ALLOWED = _list("METRICS_ALLOWED") if "METRICS_ALLOWED" in os.environ \
        else ["127.0.0.1", "::1"]
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Theo dõi đề án <no-reply@localhost>")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes; production keeps scrypt
    SCHEDULER_AUTOSTART = False  # no test starts the scheduler as a side effect
    LOG_FORMAT = "none"  # pytest captures the logs; a test may ask for "json"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # A database error in the log shows the statement, not its values (a password hash,
    # an e-mail's body).
    SQLALCHEMY_ENGINE_OPTIONS = {**Config.SQLALCHEMY_ENGINE_OPTIONS, "hide_parameters": True}


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
