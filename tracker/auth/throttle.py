"""Sign-in throttling, counted in the database so every worker process agrees.

After LIMIT failed attempts for one e-mail, or from one address, within WINDOW,
further attempts wait until the oldest of those failures leaves the window.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import LoginAttempt

LIMIT = 5
WINDOW = timedelta(minutes=15)


def retry_after(email: str, address: str, now: datetime) -> timedelta | None:
    """How long this e-mail or address must wait, or None if it may try now."""
    waits = []
    for column, value in ((LoginAttempt.email, email), (LoginAttempt.address, address)):
        recent = db.session.scalars(
            sa.select(LoginAttempt.created_at)
            .where(column == value, LoginAttempt.created_at > now - WINDOW)
            .order_by(LoginAttempt.created_at.desc())
            .limit(LIMIT)
        ).all()
        if len(recent) >= LIMIT:
            waits.append(min(recent) + WINDOW - now)
    return max(waits) if waits else None


def record_failure(email: str, address: str, now: datetime) -> None:
    db.session.add(LoginAttempt(email=email, address=address, created_at=now))


def forget_old(now: datetime) -> None:
    """Failures older than the window count for nothing; drop them."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at <= now - WINDOW))
