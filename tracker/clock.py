"""The tracker's notion of "today": a calendar day in its configured time zone."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def today_in(tz_name: str, now: datetime | None = None) -> date:
    """The local date in `tz_name` at instant `now` (default: the current instant)."""
    now = now or datetime.now(UTC)
    return now.astimezone(ZoneInfo(tz_name)).date()


def local_datetime(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz_name))
