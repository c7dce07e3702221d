"""The subscriptions and their delivery log, for the admin pages (they commit)."""
from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from tracker.services import raise_field_errors
from tracker.webhooks.sender import NO_ANSWER, SUBSCRIPTION_OFF, TARGET_REFUSED
from tracker.webhooks.targets import TargetRefused, check_target

_NO_ANSWER = re.compile(NO_ANSWER.replace("{seconds}", r"([\d.]+)"))


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def _checked(target_url: str, events: list[str], allow_private_target: bool) -> str:
    """The events as stored. Raises FieldError (the URL refused, no event chosen: both)."""
    problems = []
    try:
        check_target(target_url, allow_private=allow_private_target)
    except TargetRefused as refused:
        problems.append(("target_url", refused.translated()))
    known = [e.value for e in WebhookEvent if e.value in events]
    if not known:
        problems.append(("events", _("Choose at least one event.")))
    raise_field_errors(problems)
    return ",".join(known)


def create_subscription(*, name: str, target_url: str, events: list[str],
                        allow_private_target: bool) -> WebhookSubscription:
    """A new active subscription with a fresh secret. Raises FieldError."""
    subscription = WebhookSubscription(
        name=name, target_url=target_url.strip(), secret=new_secret(),
        events=_checked(target_url, events, allow_private_target),
        allow_private_target=allow_private_target, active=True)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def update_subscription(subscription: WebhookSubscription, *, name: str, target_url: str,
                        events: list[str], allow_private_target: bool, active: bool) -> None:
    """Change a subscription (its secret stays). Raises FieldError."""
    subscription.events = _checked(target_url, events, allow_private_target)
    subscription.name, subscription.target_url = name, target_url.strip()
    subscription.allow_private_target, subscription.active = allow_private_target, active


def subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(sa.select(WebhookSubscription)
                                   .order_by(WebhookSubscription.id)))


def deliveries_query(subscription_id: int | None = None, status: str | None = None
                     ) -> sa.Select[tuple[WebhookDelivery]]:
    """The delivery log, newest first, with each delivery's subscription."""
    query = (sa.select(WebhookDelivery).options(so.joinedload(WebhookDelivery.subscription))
             .order_by(WebhookDelivery.id.desc()))
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return query


def resend(delivery: WebhookDelivery) -> bool:
    """Queue a failed or cancelled delivery again, its attempts forgotten (the same row: an
    event still reaches a subscriber through one delivery). False for any other."""
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED):
        return False
    delivery.status, delivery.attempts, delivery.next_attempt_at = \
        DeliveryStatus.PENDING.value, 0, None
    return True


def answer_label(delivery: WebhookDelivery) -> str:
    """The delivery's last answer in the reader's language: our own reasons translated, the
    receiver's code and the start of its answer quoted."""
    answer = delivery.last_response or ""
    if answer == SUBSCRIPTION_OFF:
        return _("Cancelled: the subscription was deactivated.")
    if answer == TARGET_REFUSED:
        return _("Not sent: the target address was refused (it leads to a private network "
                 "address, or cannot be found).")
    if match := _NO_ANSWER.fullmatch(answer):
        return _("The receiver did not answer within %(seconds)s seconds.",
                 seconds=match[1].removesuffix(".0"))
    if delivery.last_status_code is not None:
        return _("The receiver answered %(code)s: %(answer)s", code=delivery.last_status_code,
                 answer=answer) if answer else \
            _("The receiver answered %(code)s.", code=delivery.last_status_code)
    return _("Sending failed: %(error)s", error=answer) if answer else ""
