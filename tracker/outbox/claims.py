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
from tracker.models import MessageStatus, OutboxMessage

BATCH_SIZE = 50


def _clock() -> datetime:
    """Claims run on the real clock, even when a drain is dated otherwise (`--today`)."""
    return datetime.now(UTC)


@dataclass
class Claim:
    token: str
    ttl: timedelta
    renewed_at: float  # time.monotonic() of the claim or its last renewal

    def due_for_renewal(self) -> bool:
        return time.monotonic() - self.renewed_at > self.ttl.total_seconds() / 3

    def renew(self) -> set[int]:
        """Push the expiry of the rows still ours; return their ids (a row we lost, after a
        pause longer than the claim, belongs to another sender now and is left alone)."""
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.claim_token == self.token)
            .values(claimed_until=_clock() + self.ttl),
            execution_options={"synchronize_session": False})
        db.session.commit()
        self.renewed_at = time.monotonic()
        return set(db.session.scalars(sa.select(OutboxMessage.id)
                                      .where(OutboxMessage.claim_token == self.token)))


def _claimable(now: datetime, clock: datetime):
    return sa.and_(OutboxMessage.status == MessageStatus.PENDING.value,
                   sa.or_(OutboxMessage.next_attempt_at.is_(None),
                          OutboxMessage.next_attempt_at <= now),
                   sa.or_(OutboxMessage.claimed_until.is_(None),
                          OutboxMessage.claimed_until < clock))


def claim_batch(now: datetime, *, exclude: Collection[int] = (), size: int = BATCH_SIZE
                ) -> tuple[Claim, list[OutboxMessage], list[int]]:
    """Claim up to `size` due, unclaimed messages for this sender alone (committed).

    Returns the claim, the messages it holds, and the ids looked at (some may have gone to
    another sender between the look and the claim).
    """
    clock = _clock()
    claim = Claim(uuid.uuid4().hex, timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"]),
                  time.monotonic())
    condition = _claimable(now, clock)
    candidates = sa.select(OutboxMessage.id).where(condition)
    if exclude:
        candidates = candidates.where(OutboxMessage.id.not_in(exclude))
    ids = list(db.session.scalars(candidates.order_by(OutboxMessage.id).limit(size)
                                  .with_for_update(skip_locked=True)))
    if not ids:
        db.session.rollback()
        return claim, [], []
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids), condition)
        .values(claim_token=claim.token, claimed_until=clock + claim.ttl),
        execution_options={"synchronize_session": False})
    db.session.commit()
    batch = list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.claim_token == claim.token)
        .order_by(OutboxMessage.id).execution_options(populate_existing=True)))
    return claim, batch, ids



def release(message: OutboxMessage) -> None:
    """Give the row back: sent, failed or to be retried, it is no longer this sender's."""
    message.claim_token, message.claimed_until = None, None
