"""Queue e-mail: a message is a row written with the change that caused it, and is sent
after the commit by the worker (sender.py). With no MAIL_SERVER configured it is kept,
marked "not sent: no mail server configured", and admins read it on the outbox page.

Everything that mails goes through `queue_message` (or `queue_for_active_account`); who
of an agency receives it is the one rule of recipients.py, fed here from the database.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from tracker.extensions import db
from tracker.models import Agency, MessageStatus, OutboxMessage, Role, User
from tracker.models._types import utcnow
from tracker.notices import parse_muted
from tracker.outbox.recipients import AgencyFacts, Recipient, UserFacts, agency_audience, merge


def render_message(kind: str, recipient: str, subject: str, template: str, *,
                   recipient_name: str = "", locale: str | None = None,
                   user_id: int | None = None, **context) -> dict[str, Any]:
    """The outbox row of a message: templates/email/<template>.txt and .html rendered in the
    recipient's language. The recipient's account is `user_id` (or a `user` in the context)."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        context.update(recipient_name=recipient_name)
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    if user_id is None:
        user_id = getattr(context.get("user"), "id", None)
    return dict(kind=kind, recipient=recipient, recipient_name=recipient_name, subject=subject,
                body_text=text, body_html=html, user_id=user_id,
                status=MessageStatus.PENDING.value)


def queue_message(kind: str, recipient: str, subject: str, template: str, **options
                  ) -> OutboxMessage:
    """Render the message (`render_message`) and queue it. If the recipient's account is
    deactivated before sending, the message is cancelled."""
    message = OutboxMessage(**render_message(kind, recipient, subject, template, **options))
    db.session.add(message)
    return message


def queue_for_active_account(user_id: int, values: dict[str, Any]) -> None:
    """Queue a rendered message (`render_message`) only if the account `user_id` exists and
    is active, in one INSERT … SELECT: the same statement and the same work whether it writes
    a row or none, so a reset request cannot tell by its timing whether an address has an
    account."""
    columns = OutboxMessage.__table__.c
    values = dict(values, attempts=0, created_at=utcnow())
    row = sa.select(*(sa.literal(value, columns[name].type) for name, value in values.items())
                    ).where(User.id == user_id, User.active)
    db.session.execute(sa.insert(OutboxMessage).from_select(list(values), row))


class Audience(NamedTuple):
    """An agency addressed in some roles; `with_mailbox`: the mail goes to its desk too."""

    agency_id: int
    roles: tuple[Role, ...]
    with_mailbox: bool = True


def agency_recipients(kind: str, agency_id: int, roles: Iterable[Role] = (Role.OFFICER,)
                      ) -> list[Recipient]:
    """Who of the agency (its users in `roles`, its shared mailbox) receives `kind`."""
    return recipients_of(kind, [Audience(agency_id, tuple(roles))])


def recipients_of(kind: str, audiences: Iterable[Audience]) -> list[Recipient]:
    """Who receives `kind` sent to these audiences, by the one rule (recipients.py): each
    agency's users in its roles, its mailbox where asked, each address once. Two queries."""
    audiences = list(audiences)
    if not audiences:
        return []
    agency_ids = {audience.agency_id for audience in audiences}
    users: dict[int, list[UserFacts]] = defaultdict(list)
    for user in load_user_facts(User.agency_id.in_(agency_ids)):
        users[user.agency_id].append(user)
    agencies = {agency.id: agency for agency in load_agency_facts(Agency.id.in_(agency_ids))}
    return merge(agency_audience(kind, audience.roles, users[audience.agency_id],
                                 agencies.get(audience.agency_id),
                                 with_mailbox=audience.with_mailbox)
                 for audience in audiences)


def load_user_facts(*where: sa.ColumnElement[bool]) -> list[UserFacts]:
    """Users as the recipient rule reads them, by e-mail; one query, only the columns needed."""
    rows = db.session.execute(
        sa.select(User.id, User.email, User.name, User.role, User.agency_id, User.active,
                  User.locale, User.muted_notices).where(*where).order_by(User.email))
    return [UserFacts(id=r.id, email=r.email, name=r.name, role=r.role, agency_id=r.agency_id,
                      active=r.active, locale=r.locale or "vi", muted=parse_muted(r.muted_notices))
            for r in rows]


def load_agency_facts(*where: sa.ColumnElement[bool]) -> list[AgencyFacts]:
    """Agencies, deactivated ones too (the rule decides what they get); one query."""
    rows = db.session.execute(sa.select(Agency.id, Agency.shared_mailbox,
                                        Agency.is_consolidating_office, Agency.active).where(*where))
    return [AgencyFacts(id=r.id, shared_mailbox=r.shared_mailbox,
                        is_consolidating_office=r.is_consolidating_office, active=r.active)
            for r in rows]
