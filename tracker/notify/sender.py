"""Drain the outbox: batches over one SMTP connection, back-off on temporary failures.

A message is marked sent only after the server accepted it, and each outcome is
committed at once, so a crash mid-batch loses nothing: what was not sent stays pending.
Batches are claimed first, so any number of senders may run at once (see "claims").
Nothing here runs inside a web request: requests only queue (tracker/mailer.py), the
scheduler or `flask reminders send` sends, with MAIL_TIMEOUT on every SMTP exchange.
Digests are written at send time from their notices, after checking again that the
recipient is active and the items still call for it; an empty digest is cancelled.
"""
from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_mail import Connection, Message

from tracker.clock import today_in
from tracker.extensions import db
from tracker.mailer import NO_SERVER
from tracker.models import MessageKind, MessageStatus, Notice, OutboxMessage, Proposal, User
from tracker.notices import DIGEST_ORDER, NoticeKind
from tracker.periods import format_date
from tracker.statuses import is_ended
from tracker.web import external_url, status_label

log = logging.getLogger(__name__)
BATCH_SIZE = 50


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
    """
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


# ---- claims ----------------------------------------------------------------------------------
# A sender takes its batch by writing a fresh token and an expiry on the rows
# (`claim_token`, `claimed_until`) in one short committed transaction, only where no live
# claim is: on PostgreSQL the candidates are read with SELECT … FOR UPDATE SKIP LOCKED, so
# concurrent senders split the queue without waiting; on SQLite the UPDATE re-checks the
# condition under the database's write lock. The rows are then read back by token: exactly
# this sender's. Each outcome releases its row; a claim left by a crashed sender expires
# (MAIL_CLAIM_SECONDS) and the row is taken again, with the Message-ID fixed before the
# first attempt.


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


def _release(message: OutboxMessage) -> None:
    message.claim_token, message.claimed_until = None, None


def _message_id() -> str:
    return make_msgid(domain=urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname
                      or "localhost")


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
            _release(message)
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
                        _release(rest)
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
        return f"no answer from the mail server within {current_app.config['MAIL_TIMEOUT']} s"
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
        _release(message)
        result.sent += 1
    return True


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _temporary_failure(message: OutboxMessage, error: str, now: datetime, max_attempts: int,
                       result: DrainResult, counted: bool = False) -> None:
    if not counted:
        message.attempts += 1
    message.last_error = result.last_error = error
    _release(message)
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
    _release(message)
    result.failed += 1


def _prepare_batch(batch: list[OutboxMessage], today: date, result: DrainResult
                   ) -> list[OutboxMessage]:
    """Check every message again just before sending, and write the digests' text now:
    three queries for the whole batch (users, notices, items), none per message."""
    user_ids = {m.user_id for m in batch if m.user_id}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} \
        if user_ids else {}
    digests = [m for m in batch if m.kind == MessageKind.DIGEST]
    lines = digest_lines([m.id for m in digests], today) if digests else {}
    ready, views = [], {}
    for message in batch:
        user = users.get(message.user_id)
        if user is not None and not user.active:
            _cancel(message, "recipient deactivated", result)
        elif message.kind == MessageKind.DIGEST and not lines.get(message.id):
            _cancel(message, "nothing left to say: every item has ended", result)
        else:
            if message.kind == MessageKind.DIGEST:
                render_digest(message, user, lines[message.id], views)
            ready.append(message)
    return ready


def _cancel(message: OutboxMessage, why: str, result: DrainResult) -> None:
    message.status, message.last_error = MessageStatus.CANCELLED.value, why
    _release(message)
    result.cancelled += 1


@dataclass
class DigestLine:
    kind: str
    proposal: Proposal
    days: int  # days left (negative: late)
    stage: int


def digest_lines(message_ids: list[int], today: date) -> dict[int, list[DigestLine]]:
    """Each digest's notices still worth sending: overdue first, then due soon, then changes,
    each group by due date. Items that have ended since planning are dropped."""
    notices = db.session.execute(
        sa.select(Notice.message_id, Notice.kind, Notice.proposal_id, Notice.stage)
        .where(Notice.message_id.in_(message_ids))
    ).all()
    proposal_ids = {n.proposal_id for n in notices}
    proposals = {p.id: p for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_(proposal_ids))
        .options(so.joinedload(Proposal.lead_agency))
    )} if proposal_ids else {}
    by_message: dict[int, dict[tuple[str, int], DigestLine]] = defaultdict(dict)
    for message_id, kind, proposal_id, stage in notices:
        proposal = proposals.get(proposal_id)
        if proposal is None or (kind in (NoticeKind.DUE_SOON, NoticeKind.OVERDUE)
                                and is_ended(proposal.status)):
            continue
        days = (proposal.due_date - today).days if proposal.due_date else 0
        lines = by_message[message_id]
        if (kind, proposal_id) not in lines or stage < lines[(kind, proposal_id)].stage:
            lines[(kind, proposal_id)] = DigestLine(kind, proposal, days, stage)
    return {
        message_id: sorted(lines.values(), key=lambda line: (
            DIGEST_ORDER[line.kind], line.proposal.due_date or today, line.proposal.id))
        for message_id, lines in by_message.items()
    }


@dataclass(frozen=True)
class LineView:
    """One digest line as printed; the same item reads the same for every recipient of a
    batch in one language, so it is worded once and reused."""

    kind: str
    title: str
    agency: str
    period: str
    deadline: str
    when: str
    late: bool
    link: str


def _line_view(line: DigestLine) -> LineView:
    proposal = line.proposal
    if line.kind == NoticeKind.STATUS:
        when = status_label(proposal.status)
    elif line.days < 0:
        when = ngettext("%(num)d day late", "%(num)d days late", -line.days)
    elif line.days == 0:
        when = _("due today")
    else:
        when = ngettext("%(num)d day left", "%(num)d days left", line.days)
    return LineView(line.kind, proposal.title, proposal.lead_agency.name, proposal.due_period,
                    format_date(proposal.due_date) if proposal.due_date else "", when,
                    line.days <= 0 and line.kind != NoticeKind.STATUS,
                    external_url("proposals.show", proposal_id=proposal.id))


def render_digest(message: OutboxMessage, user: User | None, lines: list[DigestLine],
                  views: dict | None = None) -> None:
    """Write the digest in the recipient's language; `views` caches worded lines."""
    views = {} if views is None else views
    locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        groups: dict[str, list[LineView]] = defaultdict(list)
        for line in lines:
            key = (locale, line.kind, line.proposal.id, line.days)
            if key not in views:
                views[key] = _line_view(line)
            groups[line.kind].append(views[key])
        subject = digest_subject(groups, lines)
        context = dict(groups=groups, subject=subject, recipient_name=user.name if user else "",
                       list_link=external_url("plans.mine"))
        message.subject = subject
        message.recipient_name = user.name if user else ""
        message.body_text = render_template("email/digest.txt", **context)
        message.body_html = render_template("email/digest.html", **context)


def digest_subject(groups: dict[str, list], lines: list[DigestLine]) -> str:
    """`[Nhắc việc] 3 đề án đến hạn trình trong 7 ngày`, or the overdue count first."""
    overdue, changes = groups.get(NoticeKind.OVERDUE, []), groups.get(NoticeKind.STATUS, [])
    soon = [line for line in lines if line.kind == NoticeKind.DUE_SOON]
    parts = []
    if overdue:
        parts.append(ngettext("%(num)d item overdue", "%(num)d items overdue", len(overdue)))
    if soon:
        horizon = max(line.days for line in soon)
        parts.append(ngettext("%(num)d item due within %(days)d days",
                              "%(num)d items due within %(days)d days", len(soon), days=horizon)
                     if horizon > 0 else
                     ngettext("%(num)d item due today", "%(num)d items due today", len(soon)))
    if changes:
        parts.append(ngettext("%(num)d status change", "%(num)d status changes", len(changes)))
    return _("[Reminder]") + " " + ", ".join(parts)
