"""Claims: a sender takes its batch before sending it, so any number of senders (the
scheduler, `flask reminders send`, several machines) may drain one outbox at once and each
message goes through one sender only.

A sender takes its batch by writing a fresh token and an expiry on the rows
(`claim_token`, `claimed_until`) in one short committed transaction, only where no live
claim is: on PostgreSQL the candidates are read with SELECT … FOR UPDATE SKIP LOCKED, so
concurrent senders split the queue without waiting; on SQLite the UPDATE re-checks the
condition under the database's write lock. The rows are then read back by token: exactly
this sender's. Each outcome releases its row; a claim left by a crashed sender expires
(MAIL_CLAIM_SECONDS) and the row is taken again, with the Message-ID fixed before the
first attempt.

The webhooks' deliveries (tracker/webhooks/sender.py) are claimed the same way: any model
with `id`, `status`, `next_attempt_at`, `claim_token` and `claimed_until` may be passed.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.extensions import db
from tracker.models import OutboxMessage

BATCH_SIZE = 50


def _clock() -> datetime:
    """Claims run on the real clock, even when a drain is dated otherwise (`--today`)."""
    return datetime.now(UTC)


@dataclass
class Claim:
    token: str
    ttl: timedelta
    renewed_at: float  # time.monotonic() of the claim or its last renewal
    model: type = OutboxMessage

    def due_for_renewal(self) -> bool:
        return time.monotonic() - self.renewed_at > self.ttl.total_seconds() / 3

    def renew(self) -> set[int]:
        """Push the expiry of the rows still ours; return their ids (a row we lost, after a
        pause longer than the claim, belongs to another sender now and is left alone)."""
        model = self.model
        db.session.execute(
            sa.update(model).where(model.claim_token == self.token)
            .values(claimed_until=_clock() + self.ttl),
            execution_options={"synchronize_session": False})
        db.session.commit()
        self.renewed_at = time.monotonic()
        return set(db.session.scalars(sa.select(model.id).where(model.claim_token == self.token)))


PENDING = "pending"  # the status of a row waiting to be sent, in every claimed model


def _claimable(model, now: datetime, clock: datetime):
    return sa.and_(model.status == PENDING,
                   sa.or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                   sa.or_(model.claimed_until.is_(None), model.claimed_until < clock))


def claim_batch(now: datetime, *, exclude: Collection[int] = (), size: int = BATCH_SIZE,
                model: type = OutboxMessage, claim_seconds: int | None = None
                ) -> tuple[Claim, list, list[int]]:
    """Claim up to `size` due, unclaimed rows of `model` (the outbox's messages unless told)
    for this sender alone (committed), for `claim_seconds` (MAIL_CLAIM_SECONDS unless told).

    Returns the claim, the rows it holds, and the ids looked at (some may have gone to
    another sender between the look and the claim).
    """
    clock = _clock()
    seconds = claim_seconds or current_app.config["MAIL_CLAIM_SECONDS"]
    claim = Claim(uuid.uuid4().hex, timedelta(seconds=seconds), time.monotonic(), model)
    condition = _claimable(model, now, clock)
    candidates = sa.select(model.id).where(condition)
    if exclude:
        candidates = candidates.where(model.id.not_in(exclude))
    ids = list(db.session.scalars(candidates.order_by(model.id).limit(size)
                                  .with_for_update(skip_locked=True)))
    if not ids:
        db.session.rollback()
        return claim, [], []
    db.session.execute(
        sa.update(model).where(model.id.in_(ids), condition)
        .values(claim_token=claim.token, claimed_until=clock + claim.ttl),
        execution_options={"synchronize_session": False})
    db.session.commit()
    batch = list(db.session.scalars(
        sa.select(model).where(model.claim_token == claim.token)
        .order_by(model.id).execution_options(populate_existing=True)))
    return claim, batch, ids



def release(row) -> None:
    """Give the row back: sent, failed or to be retried, it is no longer this sender's."""
    row.claim_token, row.claimed_until = None, None
