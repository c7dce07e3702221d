"""The subscriptions and their delivery log, for the admin pages (they commit)."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from tracker.services import FieldError
from tracker.webhooks.targets import TargetRefused, check_target


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def _checked(target_url: str, events: list[str], allow_private_target: bool) -> str:
    """The events as stored. Raises FieldError (the URL refused, no event chosen)."""
    try:
        check_target(target_url, allow_private=allow_private_target)
    except TargetRefused as refused:
        raise FieldError("target_url", refused.translated()) from None
    known = [e.value for e in WebhookEvent if e.value in events]
    if not known:
        raise FieldError("events", _("Choose at least one event."))
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
