"""Drain the outbox: batches over one SMTP connection, back-off on temporary failures.

A message is marked sent only after the server accepted it, and each outcome is
committed at once, so a crash mid-batch loses nothing: what was not sent stays pending.
Batches are claimed first, so any number of senders may run at once (claims.py).
Nothing here runs inside a web request (`drain_outbox` refuses to): requests only queue
(queue.py), the scheduler or `flask reminders send` sends, with MAIL_TIMEOUT on every SMTP
exchange. Just before sending, every message is checked again (a deactivated recipient's
is cancelled) and the kinds written at send time are written by their composer
(composers.py; the digest's lives in notify/digest.py), which may cancel one with nothing
left to say.
"""
from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_mail import Connection, Message

from tracker.clock import today_in
from tracker.extensions import db
from tracker.models import MessageStatus, OutboxMessage, User
from tracker.outbox.claims import Claim, claim_batch, release
from tracker.outbox.composers import composer_for
from tracker.outbox.labels import NO_ANSWER, NO_SERVER, RECIPIENT_DEACTIVATED
from tracker.outbox.links import mail_domain

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    held: int = 0
    connections: int = 0
    last_error: str | None = None   # the last failure's words, for the run log


def drain_outbox(now: datetime, *, limit: int | None = None,
                 keep_going: Callable[[], bool] | None = None) -> DrainResult:
    """Send every pending message that is due, in claimed batches; return the counts.

    Any number of senders (scheduler, `flask reminders send`, several machines) may drain at
    once: each batch is claimed first, so every message goes through one sender only.
    `keep_going` is asked between batches (the scheduler renews its lease there).

    :raise RuntimeError: called inside a web request, which only queues.
    """
    if has_request_context():
        raise RuntimeError("the outbox is drained by the worker, never inside a web request")
    result = DrainResult()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    seen: set[int] = set()
    while limit is None or result.sent + result.failed + result.cancelled < limit:
        claim, batch, looked_at = claim_batch(now, exclude=seen)
        if not looked_at:
            break
        seen.update(looked_at)
        if batch and not _send_batch(batch, claim, now, max_attempts, result):
            break  # the server is unreachable: the rest waits for the next flush
        if keep_going is not None and not keep_going():
            break
    return result


def _message_id() -> str:
    return make_msgid(domain=mail_domain())


def _send_batch(batch: list[OutboxMessage], claim: Claim, now: datetime, max_attempts: int,
                result: DrainResult) -> bool:
    today = today_in(current_app.config["TRACKER_TIMEZONE"], now)
    ready = _prepare_batch(batch, today, result)
    for message in ready:
        # Fixed before the first attempt and committed with it: a resend after a crash
        # between the server's 250 and our commit carries the same Message-ID.
        message.message_id_header = message.message_id_header or _message_id()
    session = db.session()
    # The batch's messages stay loaded across the commits below: each commit records one
    # outcome of this process; reloading every message after it cost one query per mail.
    session.expire_on_commit = False
    try:
        session.commit()
        return _deliver(ready, claim, now, max_attempts, result)
    finally:
        session.expire_on_commit = True


# C901: the life of one SMTP connection (no server, no connection, a claim to renew or
# lost, a dead server mid-batch, the close); each branch is an outcome the tests name.
def _deliver(ready: list[OutboxMessage], claim: Claim, now: datetime,  # noqa: C901
             max_attempts: int, result: DrainResult) -> bool:
    """Send the prepared messages over one SMTP connection, committing after each one."""
    if not ready:
        return True
    if not current_app.config.get("MAIL_SERVER"):
        for message in ready:
            message.status, message.last_error = MessageStatus.HELD.value, NO_SERVER
            release(message)
            result.held += 1
        db.session.commit()
        return True
    try:
        connection = TimedConnection(current_app.extensions["mail"]).__enter__()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unavailable: %s", error)
        for message in ready:
            _temporary_failure(message, _describe(error), now, max_attempts, result)
        db.session.commit()
        return False
    result.connections += 1
    ours = {message.id for message in ready}
    try:
        for position, message in enumerate(ready):
            if claim.due_for_renewal():
                ours = claim.renew()
            if message.id not in ours:
                log.warning("outbox message %s: claim lost to another sender, skipped",
                            message.id)
                continue
            usable = _send_one(connection, message, now, max_attempts, result)
            db.session.commit()
            if not usable:
                # A dead or silent server: the rest of the batch goes back to the queue for
                # the next flush rather than waiting out one timeout each.
                for rest in ready[position + 1:]:
                    if rest.id in ours:
                        release(rest)
                db.session.commit()
                return False
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            pass
    return True


class TimedConnection(Connection):
    """Flask-Mail's connection with MAIL_TIMEOUT on the connect and on every command.

    Flask-Mail opens smtplib.SMTP without a timeout, so a server that accepts and never
    answers held the sender (and the web request, and the scheduler's job) for ever.
    """

    def configure_host(self) -> smtplib.SMTP:
        state, timeout = self.mail, current_app.config["MAIL_TIMEOUT"]
        factory = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = factory(state.server, state.port, timeout=timeout)
        try:
            host.set_debuglevel(int(state.debug))
            if state.use_tls:
                host.starttls()
            if state.username and state.password:
                host.login(state.username, state.password)
        except BaseException:
            host.close()
            raise
        return host


def _describe(error: BaseException) -> str:
    # smtplib reports a read that timed out as "Connection unexpectedly closed: timed out".
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return NO_ANSWER.format(seconds=current_app.config["MAIL_TIMEOUT"])
    return str(error) or error.__class__.__name__


def _send_one(connection, message: OutboxMessage, now: datetime, max_attempts: int,
              result: DrainResult) -> bool:
    """Send one message and record the outcome; False if the connection is lost."""
    message.attempts += 1
    recipient = (message.recipient_name, message.recipient) if message.recipient_name \
        else message.recipient
    email = Message(subject=message.subject, recipients=[recipient], body=message.body_text,
                    html=message.body_html)
    email.msgId = message.message_id_header or email.msgId
    try:
        connection.send(email)
    except smtplib.SMTPServerDisconnected as error:
        message.attempts -= 1
        _temporary_failure(message, _describe(error), now, max_attempts, result)
        return False
    except smtplib.SMTPRecipientsRefused as error:
        answers = "; ".join(f"{code} {text.decode(errors='replace')}"
                            for code, text in error.recipients.values())
        if any(code >= 500 for code, _ in error.recipients.values()):
            _permanent_failure(message, answers, result)
        else:
            _temporary_failure(message, answers, now, max_attempts, result, counted=True)
    except smtplib.SMTPResponseException as error:
        answer = f"{error.smtp_code} {_decode(error.smtp_error)}"
        if error.smtp_code >= 500:
            _permanent_failure(message, answer, result)
        else:
            _temporary_failure(message, answer, now, max_attempts, result, counted=True)
    except OSError as error:   # a timeout, a reset: smtplib's own errors are OSErrors too
        message.attempts -= 1
        _temporary_failure(message, _describe(error), now, max_attempts, result)
        return False
    else:
        message.status, message.sent_at, message.last_error = MessageStatus.SENT.value, now, None
        release(message)
        result.sent += 1
    return True


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _temporary_failure(message: OutboxMessage, error: str, now: datetime, max_attempts: int,
                       result: DrainResult, counted: bool = False) -> None:
    if not counted:
        message.attempts += 1
    message.last_error = result.last_error = error
    release(message)
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED.value
        result.failed += 1
    else:
        base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
        message.next_attempt_at = now + timedelta(seconds=base * 2 ** (message.attempts - 1))
        result.retried += 1


def _permanent_failure(message: OutboxMessage, answer: str, result: DrainResult) -> None:
    message.status, message.last_error = MessageStatus.FAILED.value, answer
    result.last_error = answer
    release(message)
    result.failed += 1


def _prepare_batch(batch: list[OutboxMessage], today: date, result: DrainResult
                   ) -> list[OutboxMessage]:
    """Check every message again just before sending and have the kinds written at send time
    written now: one query for the recipients' accounts, and the composers' own (the
    digest's: two for the whole batch), none per message."""
    user_ids = {m.user_id for m in batch if m.user_id}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} \
        if user_ids else {}
    live: list[OutboxMessage] = []
    for message in batch:
        user = users.get(message.user_id)
        if user is not None and not user.active:
            _cancel(message, RECIPIENT_DEACTIVATED, result)
        else:
            live.append(message)
    by_kind: dict[str, list[OutboxMessage]] = defaultdict(list)
    for message in live:
        by_kind[message.kind].append(message)
    nothing_to_say: dict[int, str] = {}
    for kind, messages in by_kind.items():
        composer = composer_for(kind)
        if composer is not None:
            nothing_to_say.update(composer(messages, users, today))
    ready = []
    for message in live:
        if message.id in nothing_to_say:
            _cancel(message, nothing_to_say[message.id], result)
        else:
            ready.append(message)
    return ready


def _cancel(message: OutboxMessage, why: str, result: DrainResult) -> None:
    message.status, message.last_error = MessageStatus.CANCELLED.value, why
    release(message)
    result.cancelled += 1
