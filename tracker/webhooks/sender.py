"""POST the due webhook deliveries: claimed in batches as the outbox's messages are
(tracker/outbox/claims.py), signed, with a timeout, retried with exponential back-off.

Each request carries `X-Tracker-Event`, `X-Tracker-Delivery` (the delivery's id, the same
on every retry), `X-Tracker-Timestamp` (Unix seconds) and
`X-Tracker-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`.
A 2xx answer delivers; anything else (another code, no answer, a refused target) is
retried until WEBHOOK_MAX_ATTEMPTS, then the delivery has failed. Redirects are not
followed (a 3xx is a failure): the target was checked, where it redirects to was not.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context

from tracker.extensions import db
from tracker.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tracker.outbox.claims import claim_batch, release
from tracker.webhooks.targets import Target, TargetRefused, check_target

log = logging.getLogger(__name__)
EXCERPT = 500  # characters of the receiver's answer kept on the delivery
# What a delivery stores as its answer when the reason is ours (shown through
# service.answer_label, in the reader's language).
SUBSCRIPTION_OFF = "subscription deactivated"
TARGET_REFUSED = "target refused"
NO_ANSWER = "no answer within {seconds} s"


@dataclass
class SendResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Tracker-Signature value: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send_due(now: datetime) -> SendResult:
    """Send every pending delivery that is due, one claimed batch at a time.

    :raise RuntimeError: called inside a web request, which only queues.
    """
    if has_request_context():
        raise RuntimeError("webhooks are sent by the worker, never inside a web request")
    result = SendResult()
    seen: set[int] = set()
    seconds = current_app.config["WEBHOOK_CLAIM_SECONDS"]
    while True:
        claim, batch, looked_at = claim_batch(now, exclude=seen, model=WebhookDelivery,
                                              claim_seconds=seconds)
        if not looked_at:
            break
        seen.update(looked_at)
        subscriptions = {s.id: s for s in db.session.scalars(
            sa.select(WebhookSubscription)
            .where(WebhookSubscription.id.in_({d.subscription_id for d in batch})))}
        for delivery in batch:
            _send_one(delivery, subscriptions[delivery.subscription_id], now, result)
            db.session.commit()
    return result


def _send_one(delivery: WebhookDelivery, subscription: WebhookSubscription, now: datetime,
              result: SendResult) -> None:
    if not subscription.active:
        delivery.status, delivery.last_response = DeliveryStatus.CANCELLED.value, SUBSCRIPTION_OFF
        release(delivery)
        result.cancelled += 1
        return
    delivery.attempts += 1
    try:
        target = check_target(subscription.target_url,
                              allow_private=subscription.allow_private_target)
        code, answer = post(target, delivery, subscription.secret, now)
    except TargetRefused as refused:
        log.warning("webhook delivery %s: target refused: %s", delivery.id, refused)
        _failure(delivery, None, TARGET_REFUSED, now, result)
    except (OSError, ValueError, http.client.HTTPException) as error:  # ValueError: a bad URL
        _failure(delivery, None, _describe(error), now, result)
    else:
        if 200 <= code < 300:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED.value, now
            delivery.last_status_code, delivery.last_response = code, answer
            delivery.next_attempt_at = None
            release(delivery)
            result.delivered += 1
        else:
            _failure(delivery, code, answer, now, result)


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return NO_ANSWER.format(seconds=current_app.config["WEBHOOK_TIMEOUT"])
    return f"{error.__class__.__name__}: {error}"[:EXCERPT]


def _failure(delivery: WebhookDelivery, code: int | None, answer: str, now: datetime,
             result: SendResult) -> None:
    delivery.last_status_code, delivery.last_response = code, answer
    release(delivery)
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED.value, None
        result.failed += 1
        log.warning("webhook delivery %s failed for good: %s %s", delivery.id, code, answer)
    else:
        base = current_app.config["WEBHOOK_RETRY_BASE_SECONDS"]
        delivery.next_attempt_at = now + timedelta(seconds=base * 2 ** (delivery.attempts - 1))
        result.retried += 1


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the checked address, whatever the host's name resolves to now."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is checked against the host's name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, delivery: WebhookDelivery, secret: str, now: datetime
         ) -> tuple[int, str]:
    """POST the delivery's payload to `target`; (status code, the answer's first characters)."""
    body = delivery.payload.encode()
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "User-Agent": "tracker-webhooks/1",
               "X-Tracker-Event": delivery.event_kind, "X-Tracker-Delivery": str(delivery.id),
               "X-Tracker-Timestamp": timestamp,
               "X-Tracker-Signature": sign(secret, timestamp, body)}
    factory = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = factory(target, current_app.config["WEBHOOK_TIMEOUT"])
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(EXCERPT * 4).decode(errors="replace")[:EXCERPT]
        return response.status, answer
    finally:
        connection.close()
