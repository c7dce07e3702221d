"""Logs: one JSON object per line in production, with the request's id (README, "Production").

LOG_FORMAT chooses: `json` (the production default), `text` (development), or `none`, which
leaves logging as the host set it up (the tests: pytest's capture). Every request writes one
line (logger `tracker.request`): method, path, endpoint, status, duration, client address,
request id, and the user's id when signed in. Never a form, a query string, a token in a
path, a password or an e-mail body.

The request id comes from the proxy (nginx sets `X-Request-ID` to its `$request_id`); a
missing or odd-looking one is replaced by a fresh one. It is sent back in the response's
`X-Request-ID` and is on every line logged while the request runs. The worker's lines carry
the job and its run id instead (`log_context`).
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("json", "text", "none")
REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may look like: nginx's $request_id (32 hex digits), a UUID, or any
# other short token of safe characters. Anything else (too long, spaces, quotes, newlines)
# is not written into the logs: a new id is made instead.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
# URL parts that are secrets: a path with one is logged as its rule ("/invitation/<token>").
SECRET_ARGS = frozenset({"token"})
MAX_LOGGED_PATH = 300

request_log = logging.getLogger("tracker.request")
# The worker's fields (job, run id), as pairs: a context variable's default must not change.
_context: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "log_context", default=())


def resolve_format(value: str | None, env_name: str | None) -> str:
    """LOG_FORMAT as configured; unset: JSON in production, text elsewhere."""
    value = (value or "").strip().lower() or ("json" if env_name == "production" else "text")
    if value not in FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


class TrackerJsonFormatter(JsonFormatter):
    """time (ISO 8601, UTC, milliseconds), level, logger, message, the process id (which
    gunicorn worker), then the extra fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger",
                                        "process": "pid"},
                         json_ensure_ascii=False)

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """For a terminal: the request's id ("-" outside a request) before the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_id)s: %(message)s",
                         defaults={"request_id": "-"})


class ContextFilter(logging.Filter):
    """Adds the request id and the signed-in user's id (or the worker's job) to a record."""

    def filter(self, record):
        for key, value in current_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to the sys.stderr of the moment (a test's capture, the journal), not the one
    there was when the handler was made."""

    tracker = True

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def formatter_for(kind: str) -> logging.Formatter:
    return TrackerJsonFormatter() if kind == "json" else TextFormatter()


def configure_logging(kind: str, level: str = "INFO") -> None:
    """The process's logging: one handler on the root logger, to stderr (the journal keeps
    it), in place of any there was (gunicorn's, an earlier app's in the same process)."""
    if kind == "none":
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(formatter_for(kind))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())


def current_context() -> dict[str, str | int]:
    """What the current request or job adds to each line."""
    fields: dict[str, str | int] = dict(_context.get())
    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            fields["request_id"] = request_id
        user_id = signed_in_user_id()
        if user_id is not None:
            fields["user_id"] = user_id
    return fields


def signed_in_user_id() -> int | None:
    """The user Flask-Login loaded for this request, if any, without loading it (a log call
    must not run a query) nor reading an expired attribute."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa.inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Within the block every line logged carries these fields (the worker: job, run id)."""
    token = _context.set((*_context.get(), *fields.items()))
    try:
        yield
    finally:
        _context.reset(token)


def new_run_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(value: str | None) -> str:
    """The proxy's id if it looks like one, else a new one."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return new_run_id()


def logged_path() -> str:
    """The request's path for a log: the rule instead where the path holds a secret."""
    if request.url_rule is not None and SECRET_ARGS & set(request.view_args or ()):
        return request.url_rule.rule
    return request.path[:MAX_LOGGED_PATH]


def register(app: Flask) -> None:
    """Configure the process's logging from LOG_FORMAT/LOG_LEVEL; give each request an id
    and a line in the log."""
    kind = resolve_format(app.config.get("LOG_FORMAT"), app.config.get("ENV_NAME"))
    configure_logging(kind, app.config.get("LOG_LEVEL") or "INFO")
    if kind != "none":
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)  # the root handler writes app.logger's lines

    def start_request():
        g.request_started = time.perf_counter()
        g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))

    # First of all before_request functions: the host check and the login redirect are timed
    # and logged like any other answer.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)

    @app.after_request
    def log_request(response):
        """Registered before the other after_request functions, so it runs last and logs the
        status that leaves."""
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if request_log.isEnabledFor(logging.INFO):
            started = g.get("request_started")
            duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
            path = logged_path()
            request_log.info("%s %s %s", request.method, path, response.status_code, extra={
                "method": request.method, "path": path, "endpoint": request.endpoint,
                "status": response.status_code, "duration_ms": duration_ms,
                "remote_addr": request.remote_addr})
        return response
