"""Drain the outbox: batches over one SMTP connection, back-off on temporary failures.

A message is marked sent only after the server accepted it, and each outcome is
committed at once, so a crash mid-batch loses nothing: what was not sent stays pending.
Digests are written at send time from their notices, after checking again that the
recipient is active and the items still call for it; an empty digest is cancelled.
"""
from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_mail import Message

from tracker.clock import today_in
from tracker.extensions import db, mail
from tracker.mailer import NO_SERVER
from tracker.models import MessageStatus, Notice, OutboxMessage, Proposal, User
from tracker.statuses import is_ended

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


def send_now(messages: list[OutboxMessage]) -> DrainResult:
    """Send these pending messages at once (an invitation, a reset link) over one connection."""
    result = DrainResult()
    if messages:
        _send_batch(messages, datetime.now(UTC), current_app.config["MAIL_MAX_ATTEMPTS"],
                    result)
    return result


def drain_outbox(now: datetime, *, limit: int | None = None) -> DrainResult:
    """Send every pending message that is due, in batches; return the counts."""
    result = DrainResult()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    seen: set[int] = set()
    while limit is None or result.sent + result.failed + result.cancelled < limit:
        batch = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.PENDING.value,
                   sa.or_(OutboxMessage.next_attempt_at.is_(None),
                          OutboxMessage.next_attempt_at <= now),
                   OutboxMessage.id.not_in(seen) if seen else sa.true())
            .order_by(OutboxMessage.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            break
        seen.update(m.id for m in batch)
        if not _send_batch(batch, now, max_attempts, result):
            break  # the server is unreachable: the rest waits for the next flush
    return result


def _send_batch(batch: list[OutboxMessage], now: datetime, max_attempts: int,
                result: DrainResult) -> bool:
    today = today_in(current_app.config["TRACKER_TIMEZONE"], now)
    ready = [m for m in batch if _prepare(m, today, result)]
    db.session.commit()
    if not ready:
        return True
    if not current_app.config.get("MAIL_SERVER"):
        for message in ready:
            message.status, message.last_error = MessageStatus.HELD.value, NO_SERVER
            result.held += 1
        db.session.commit()
        return True
    try:
        connection = mail.connect()
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unavailable: %s", error)
        for message in ready:
            _temporary_failure(message, str(error), now, max_attempts, result)
        db.session.commit()
        return False
    result.connections += 1
    try:
        for message in ready:
            _send_one(connection, message, now, max_attempts, result)
            db.session.commit()
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            pass
    return True


def _send_one(connection, message: OutboxMessage, now: datetime, max_attempts: int,
              result: DrainResult) -> None:
    message.attempts += 1
    recipient = (message.recipient_name, message.recipient) if message.recipient_name \
        else message.recipient
    try:
        connection.send(Message(subject=message.subject, recipients=[recipient],
                                body=message.body_text, html=message.body_html))
    except smtplib.SMTPServerDisconnected as error:
        message.attempts -= 1
        _temporary_failure(message, str(error), now, max_attempts, result)
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
    else:
        message.status, message.sent_at, message.last_error = MessageStatus.SENT.value, now, None
        result.sent += 1


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _temporary_failure(message: OutboxMessage, error: str, now: datetime, max_attempts: int,
                       result: DrainResult, counted: bool = False) -> None:
    if not counted:
        message.attempts += 1
    message.last_error = error
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED.value
        result.failed += 1
    else:
        base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
        message.next_attempt_at = now + timedelta(seconds=base * 2 ** (message.attempts - 1))
        result.retried += 1


def _permanent_failure(message: OutboxMessage, answer: str, result: DrainResult) -> None:
    message.status, message.last_error = MessageStatus.FAILED.value, answer
    result.failed += 1


def _prepare(message: OutboxMessage, today: date, result: DrainResult) -> bool:
    """Check the message again just before sending; write a digest's text now."""
    user = db.session.get(User, message.user_id) if message.user_id else None
    if user is not None and not user.active:
        return _cancel(message, "recipient deactivated", result)
    if message.kind != "digest":
        return True
    lines = digest_lines(message.id, today)
    if not lines:
        return _cancel(message, "nothing left to say: every item has ended", result)
    render_digest(message, user, lines)
    return True


def _cancel(message: OutboxMessage, why: str, result: DrainResult) -> bool:
    message.status, message.last_error = MessageStatus.CANCELLED.value, why
    result.cancelled += 1
    return False


@dataclass
class DigestLine:
    kind: str
    proposal: Proposal
    days: int  # days left (negative: late)
    stage: int


def digest_lines(message_id: int, today: date) -> list[DigestLine]:
    """The digest's notices still worth sending: overdue first, then due soon, then changes,
    each group by due date. Items that have ended since planning are dropped."""
    notices = db.session.scalars(
        sa.select(Notice).where(Notice.message_id == message_id)
    ).all()
    proposals = {p.id: p for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_({n.proposal_id for n in notices}))
        .options(so.joinedload(Proposal.lead_agency), so.joinedload(Proposal.plan))
    )}
    lines: dict[tuple[str, int], DigestLine] = {}
    for notice in notices:
        proposal = proposals.get(notice.proposal_id)
        if proposal is None:
            continue
        if notice.kind in ("due_soon", "overdue") and is_ended(proposal.status):
            continue
        days = (proposal.due_date - today).days if proposal.due_date else 0
        key = (notice.kind, proposal.id)
        if key not in lines or notice.stage < lines[key].stage:
            lines[key] = DigestLine(notice.kind, proposal, days, notice.stage)
    order = {"overdue": 0, "due_soon": 1, "status": 2}
    return sorted(lines.values(), key=lambda line: (order[line.kind], line.proposal.due_date
                                                     or today, line.proposal.id))


def render_digest(message: OutboxMessage, user: User | None, lines: list[DigestLine]) -> None:
    locale = (user.locale if user else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    groups: dict[str, list[DigestLine]] = defaultdict(list)
    for line in lines:
        groups[line.kind].append(line)
    with force_locale(locale):
        subject = digest_subject(groups)
        context = dict(groups=groups, user=user, subject=subject,
                       recipient_name=user.name if user else "",
                       list_link=url_for("plans.mine", _external=True),
                       item_link=lambda p: url_for("proposals.show", proposal_id=p.id,
                                                   _external=True))
        message.subject = subject
        message.recipient_name = user.name if user else ""
        message.body_text = render_template("email/digest.txt", **context)
        message.body_html = render_template("email/digest.html", **context)


def digest_subject(groups: dict[str, list[DigestLine]]) -> str:
    """`[Nhắc việc] 3 đề án đến hạn trình trong 7 ngày`, or the overdue count first."""
    overdue, soon, changes = groups.get("overdue", []), groups.get("due_soon", []), \
        groups.get("status", [])
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
