"""E-mail through the outbox: a message is a row written with the change that caused it,
and is sent after the commit. With no MAIL_SERVER configured it is kept, marked
"not sent: no mail server configured", and admins read it on the outbox page.

The reminders work (issue #4) adds retries, batching and the scheduled flush on top
of this table; everything that sends mail goes through `queue_message`.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

from tracker.extensions import db, mail
from tracker.models import Agency, MessageStatus, OutboxMessage, Role, User

log = logging.getLogger(__name__)
NO_SERVER = "not sent: no mail server configured"


def queue_message(kind: str, recipient: str, subject: str, template: str, *,
                  recipient_name: str = "", locale: str | None = None, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html in the recipient's language and queue them."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        context.update(recipient_name=recipient_name)
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    message = OutboxMessage(kind=kind, recipient=recipient, recipient_name=recipient_name,
                            subject=subject, body_text=text, body_html=html,
                            status=MessageStatus.PENDING.value)
    db.session.add(message)
    return message


def deliver_pending(messages: Iterable[OutboxMessage]) -> None:
    """Send queued messages now, over one connection; record each outcome. Never raises."""
    messages = [m for m in messages if m.status == MessageStatus.PENDING.value]
    if not messages:
        return
    if not current_app.config.get("MAIL_SERVER"):
        for message in messages:
            message.status, message.last_error = MessageStatus.HELD.value, NO_SERVER
        db.session.commit()
        return
    try:
        with mail.connect() as connection:
            for message in messages:
                _send_one(connection, message)
    except (OSError, smtplib.SMTPException) as error:  # could not connect at all
        log.warning("mail server unavailable: %s", error)
        for message in messages:
            if message.status == MessageStatus.PENDING.value:
                message.attempts += 1
                message.last_error = str(error)
    db.session.commit()


def _send_one(connection, message: OutboxMessage) -> None:
    message.attempts += 1
    recipient = (message.recipient_name, message.recipient) if message.recipient_name \
        else message.recipient
    try:
        connection.send(Message(subject=message.subject, recipients=[recipient],
                                body=message.body_text, html=message.body_html))
    except smtplib.SMTPRecipientsRefused as error:
        message.status, message.last_error = MessageStatus.FAILED.value, str(error.recipients)
    except smtplib.SMTPResponseException as error:
        message.last_error = f"{error.smtp_code} {error.smtp_error!r}"
        if error.smtp_code >= 500:
            message.status = MessageStatus.FAILED.value
    else:
        message.status, message.sent_at = MessageStatus.SENT.value, datetime.now(UTC)
        message.last_error = None


def agency_recipients(agency_id: int, roles: Iterable[Role] = (Role.OFFICER,)
                      ) -> list[tuple[str, str, str | None]]:
    """(e-mail, name, locale) of an agency's active users in `roles`, plus its shared mailbox."""
    users = db.session.execute(
        sa.select(User.email, User.name, User.locale)
        .where(User.agency_id == agency_id, User.active, User.role.in_([r.value for r in roles]))
        .order_by(User.email)
    ).all()
    recipients = [tuple(u) for u in users]
    mailbox = db.session.scalar(sa.select(Agency.shared_mailbox).where(Agency.id == agency_id))
    if mailbox and mailbox not in {u[0] for u in recipients}:
        recipients.append((mailbox, "", None))
    return recipients
