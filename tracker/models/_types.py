"""Column helpers shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from tracker.text import clean


def utcnow() -> datetime:
    return datetime.now(UTC)


class NFCText(TypeDecorator):
    """Text stored NFC-normalised and trimmed, whatever form the browser sent."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else clean(value)


class NFCString(NFCText):
    impl = sa.String
    cache_ok = True


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite too (which drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
