"""Any number of senders drain one outbox: rows are claimed, so each mail goes out once."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from helpers import outbox_rows

from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage, SchedulerLease
from tracker.notify.scheduler import ReminderScheduler
from tracker.outbox.claims import claim_batch
from tracker.outbox.sender import drain_outbox


def queue(count: int) -> None:
    db.session.add_all(OutboxMessage(kind="test", recipient=f"nguoinhan{i}@so.gov.vn",
                                     subject=f"Thư số {i}", body_text=f"Nội dung {i}",
                                     status=MessageStatus.PENDING.value)
                       for i in range(count))
    db.session.commit()


def drain_in_threads(app, senders: int) -> list:
    barrier = threading.Barrier(senders)
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                barrier.wait()
                results.append(drain_outbox(datetime.now(UTC)))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


@pytest.mark.parametrize("senders", [2, 3])
def test_overlapping_senders_deliver_each_mail_exactly_once(app, smtp_server, senders):
    """Senders started together over 121 messages (more than two batches each) against the
    real SMTP server: every message arrives once, is marked sent once, and no claim is left."""
    queue(121)
    results = drain_in_threads(app, senders)
    received = Counter(m.envelope_to[0] for m in smtp_server.messages)
    assert len(received) == 121 and set(received.values()) == {1}
    assert sum(r.sent for r in results) == 121
    messages = outbox_rows()
    assert {m.status for m in messages} == {MessageStatus.SENT.value}
    assert {(m.claim_token, m.claimed_until) for m in messages} == {(None, None)}
    # The Message-ID on the wire is the one kept on the row.
    on_the_wire = {m.envelope_to[0]: m.message["Message-ID"] for m in smtp_server.messages}
    assert on_the_wire == {m.recipient: m.message_id_header for m in messages}
    assert len(set(on_the_wire.values())) == 121


def test_a_crashed_senders_claim_expires_and_the_resend_keeps_its_message_id(app, smtp_server):
    """A sender dies after the server's 250 and before its commit (the stated window): its
    claim blocks other senders until it expires, then the rest is sent by another; the
    message sent twice carries the same Message-ID both times, so it is recognisable."""
    app.config["MAIL_CLAIM_SECONDS"] = 2
    queue(3)

    def crash(session):
        if any(isinstance(o, OutboxMessage) and o.status == MessageStatus.SENT.value
               for o in session.dirty):
            raise RuntimeError("the sender died before recording the send")

    sa.event.listen(so.Session, "before_commit", crash)
    try:
        with pytest.raises(RuntimeError, match="died"):
            drain_outbox(datetime.now(UTC))
    finally:
        sa.event.remove(so.Session, "before_commit", crash)
    db.session.rollback()
    assert len(smtp_server.messages) == 1
    claimed = outbox_rows()
    assert all(m.claim_token and m.status == MessageStatus.PENDING.value for m in claimed)

    assert drain_outbox(datetime.now(UTC)).sent == 0      # the claim is still alive
    assert len(smtp_server.messages) == 1
    time.sleep(2.2)
    assert drain_outbox(datetime.now(UTC)).sent == 3      # expired: another sender takes it
    received = Counter(m.message["Message-ID"] for m in smtp_server.messages)
    assert sorted(received.values()) == [1, 1, 2]
    [twice] = [mid for mid, n in received.items() if n == 2]
    assert twice == claimed[0].message_id_header
    assert {m.status for m in outbox_rows()} == {MessageStatus.SENT.value}


# Row locks are PostgreSQL's (SQLite re-checks the claim in its UPDATE): PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_claims_skip_rows_another_transaction_holds(app):
    """On PostgreSQL a sender reads its candidates with FOR UPDATE SKIP LOCKED: rows locked by
    another sender's claim in progress are skipped, not waited for."""
    assert db.engine.dialect.name == "postgresql"
    queue(60)
    with db.engine.connect() as other:
        other.execute(sa.text("SELECT id FROM outbox_message WHERE id <= 50 FOR UPDATE"))
        db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
        claim, batch, _ = claim_batch(datetime.now(UTC))
        assert [m.id for m in batch] == list(range(51, 61))
        other.rollback()
    claim, batch, _ = claim_batch(datetime.now(UTC))
    assert [m.id for m in batch] == list(range(1, 51))


def test_a_live_claim_is_left_alone_and_an_expired_one_is_taken(app):
    queue(2)
    first, batch, _ = claim_batch(datetime.now(UTC))
    assert len(batch) == 2
    second, nothing, _ = claim_batch(datetime.now(UTC))
    assert nothing == []
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == 1)
                       .values(claimed_until=datetime(2020, 1, 1, tzinfo=UTC)))
    db.session.commit()
    third, taken, _ = claim_batch(datetime.now(UTC))
    assert [m.id for m in taken] == [1] and taken[0].claim_token == third.token
    assert first.renew() == {2}     # the first sender still holds row 2, no longer row 1


def test_the_scheduler_renews_its_lease_during_a_long_flush(app):
    """The lease taken at the flush's start is renewed between batches, so a flush longer
    than the lease does not hand the jobs to another process halfway."""
    queue(120)   # three batches; no mail server: each is held
    started = datetime(2020, 9, 23, 1, 0, tzinfo=UTC)
    before = datetime.now(UTC)
    ReminderScheduler(app).flush(started)
    lease = db.session.get(SchedulerLease, "reminders")
    assert lease.expires_at > before
    assert {m.status for m in outbox_rows()} == {MessageStatus.HELD.value}
