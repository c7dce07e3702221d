"""Jinja filters and globals shared by every page."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_babel import get_locale, gettext

from tracker import policy
from tracker.clock import local_datetime, today_in
from tracker.periods import format_date
from tracker.statuses import LABELS, Status, is_overdue


def tracker_today() -> date:
    return today_in(current_app.config["TRACKER_TIMEZONE"])


def status_label(code: str) -> str:
    return gettext(LABELS[Status(code)])


def vndate(value: date | None) -> str:
    return format_date(value) if value else ""


def vndatetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = local_datetime(value, current_app.config["TRACKER_TIMEZONE"])
    return f"{format_date(local.date())} {local:%H:%M}"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(vndate=vndate, vndatetime=vndatetime, status_label=status_label)
    app.jinja_env.globals.update(policy=policy, tracker_today=tracker_today, is_overdue=is_overdue,
                                 Status=Status, get_locale=get_locale)


MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET inside the database's integer range


def page_number() -> int:
    """The `?page=` of a list, clamped to 1 … MAX_PAGE (junk or huge numbers are not errors)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, always on TRACKER_BASE_URL, the address users reach
    the tracker at. Never built from the request: its Host header is whatever the client
    sent, and a reset link on someone else's host hands him the token."""
    base = urlsplit(current_app.config["TRACKER_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
