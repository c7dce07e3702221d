"""E-mail through the outbox: a message is a row written with the change that caused it,
and is sent after the commit. With no MAIL_SERVER configured it is kept, marked
"not sent: no mail server configured", and admins read it on the outbox page.

Everything that sends mail goes through `queue_message`; `tracker/notify/sender.py`
sends (batches, retries with back-off) and the scheduler flushes the outbox every minute.
A web request only queues: no SMTP conversation ever holds a request (or its worker).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from tracker.extensions import db
from tracker.models import Agency, MessageKind, MessageStatus, OutboxMessage, Role, User
from tracker.notices import NoticeKind, parse_muted

NO_SERVER = "not sent: no mail server configured"


def queue_message(kind: MessageKind, recipient: str, subject: str, template: str, *,
                  recipient_name: str = "", locale: str | None = None,
                  user_id: int | None = None, **context) -> OutboxMessage:
    """Render templates/email/<template>.txt and .html in the recipient's language and queue them.

    The recipient's account (`user_id`, or a `user` in the context): if he is deactivated
    before sending, the message is cancelled.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        context.update(recipient_name=recipient_name)
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    if user_id is None:
        user_id = getattr(context.get("user"), "id", None)
    message = OutboxMessage(kind=kind.value, recipient=recipient, recipient_name=recipient_name,
                            subject=subject, body_text=text, body_html=html, user_id=user_id,
                            status=MessageStatus.PENDING.value)
    db.session.add(message)
    return message


class Recipient(NamedTuple):
    email: str
    name: str
    locale: str | None
    user_id: int | None     # None for an agency's shared mailbox


def agency_recipients(agency_id: int, roles: Iterable[Role] = (Role.OFFICER,), *,
                      unless_muted: NoticeKind | None = None) -> list[Recipient]:
    """An agency's active users in `roles` (less those who muted `unless_muted`), plus its
    shared mailbox."""
    return recipients_of([(agency_id, tuple(roles))], mailbox_of=agency_id,
                         unless_muted=unless_muted)


def recipients_of(audiences: Iterable[tuple[int, tuple[Role, ...]]], *,
                  mailbox_of: int | None = None, unless_muted: NoticeKind | None = None
                  ) -> list[Recipient]:
    """The active users of each (agency, roles) audience, by e-mail, without those who muted
    the kind `unless_muted`; then the shared mailbox of the agency `mailbox_of`. Two queries."""
    audiences = list(audiences)
    if not audiences:
        return []
    users = db.session.execute(
        sa.select(User.email, User.name, User.locale, User.id, User.muted_notices)
        .where(User.active, sa.or_(*(
            sa.and_(User.agency_id == agency_id, User.role.in_([r.value for r in roles]))
            for agency_id, roles in audiences)))
        .order_by(User.email)
    ).all()
    recipients = [Recipient(email, name, locale, user_id)
                  for email, name, locale, user_id, muted in users
                  if unless_muted is None or unless_muted not in parse_muted(muted)]
    if mailbox_of is not None:
        mailbox = db.session.scalar(sa.select(Agency.shared_mailbox)
                                    .where(Agency.id == mailbox_of))
        if mailbox and mailbox not in {r.email for r in recipients}:
            recipients.append(Recipient(mailbox, "", None, None))
    return recipients
