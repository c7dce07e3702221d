"""Webhooks: events are queued with the change, signed, POSTed by the worker to a real
receiver, retried with back-off, refused on private networks unless allowed (SSRF)."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.items.service import StatusUpdate, decide_request, post_status_update
from tracker.models import (
    DeliveryStatus,
    Item,
    SchedulerRun,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.notify.jobs import run_webhooks
from tracker.webhooks import service
from tracker.webhooks.targets import TargetRefused, check_target, is_private

NOW = datetime(2020, 9, 16, 1, 0, tzinfo=UTC)
BASE = 60  # WEBHOOK_RETRY_BASE_SECONDS by default


class Receiver:
    """A real HTTP server on 127.0.0.1 answering the codes it is given, then 200."""

    def __init__(self, codes: list[int]) -> None:
        self.codes, self.requests = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"busy, try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks?x=1"


@contextmanager
def receiving(codes: list[int] = ()) -> Iterator[Receiver]:
    receiver = Receiver(codes)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join()


def subscribe(url: str, events=("status_changed",), *, allow_private=True,
              active=True) -> WebhookSubscription:
    subscription = service.create_subscription(name="Hệ thống văn bản", target_url=url,
                                               events=list(events),
                                               allow_private_target=allow_private)
    subscription.active = active
    db.session.commit()
    return subscription


def verified(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does (the README's three lines)."""
    expected = hmac.new(secret.encode(), headers["X-Tracker-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, headers["X-Tracker-Signature"])


def submit(item: Item, actor, status="in_progress", **fields) -> None:
    post_status_update(item, StatusUpdate(status, note="Đang làm", **fields), actor=actor,
                       expected_version=None, today=date(2020, 9, 1))


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_receiver_gets_each_event_once_signed_after_two_retries(app, officer):
    """The receiver answers 500 twice, then 200: the same delivery (same id, same body,
    each signed) is POSTed three times on the back-off schedule, then logged delivered
    once; a later run sends nothing more."""
    with receiving([500, 500]) as receiver:
        subscription = subscribe(receiver.url)
        item = db.session.get(Item, 1)
        submit(item, officer)
        db.session.commit()
        assert run_webhooks(NOW).retried == 1
        assert run_webhooks(NOW + timedelta(seconds=BASE - 1)).retried == 0  # not due yet
        assert run_webhooks(NOW + timedelta(seconds=BASE)).retried == 1
        assert run_webhooks(NOW + timedelta(seconds=BASE + 2 * BASE - 1)).delivered == 0
        assert run_webhooks(NOW + timedelta(seconds=3 * BASE)).delivered == 1
        assert run_webhooks(NOW + timedelta(days=1)).delivered == 0
    assert len(receiver.requests) == 3
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        (DeliveryStatus.DELIVERED, 3, 200)
    assert delivery.delivered_at == NOW + timedelta(seconds=3 * BASE)
    for headers, body in receiver.requests:
        assert verified(subscription.secret, headers, body)
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Tracker-Event"] == "status_changed"
        assert headers["X-Tracker-Delivery"] == str(delivery.id)
        assert body == receiver.requests[0][1]
    assert receiver.requests[0][0]["X-Tracker-Timestamp"] == str(int(NOW.timestamp()))
    payload = json.loads(receiver.requests[0][1])
    assert payload["event"] == "status_changed"
    assert payload["id"].startswith("status_changed:")
    assert datetime.fromisoformat(payload["occurred_at"]).tzinfo is not None
    assert payload["item"] == {"id": 1, "title": item.title, "plan_id": item.plan_id,
                               "lead_agency": "Sở Công Thương", "status": "in_progress",
                               "due_period": item.due_period,
                               "deadline": item.due_date.isoformat()}
    assert (payload["old_status"], payload["new_status"]) == ("not_started", "in_progress")
    assert payload["link"] == "https://theodoi.example.vn/items/1"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchedulerRun)
                             .where(SchedulerRun.job == "webhooks")) == 3


def test_a_wrong_secret_does_not_verify(app, officer):
    """The signature covers the timestamp and the body with the subscription's own secret."""
    with receiving() as receiver:
        subscription = subscribe(receiver.url)
        submit(db.session.get(Item, 1), officer)
        db.session.commit()
        run_webhooks(NOW)
    headers, body = receiver.requests[0]
    assert verified(subscription.secret, headers, body)
    assert not verified("another secret", headers, body)
    assert not verified(subscription.secret, headers, body.replace(b"in_progress", b"approved"))


def test_a_delivery_fails_after_the_last_attempt(app, officer):
    """A receiver that always answers 500: retried until WEBHOOK_MAX_ATTEMPTS, then failed
    with the answer's code and excerpt; a resend gives it every attempt again."""
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    with receiving([500] * 5) as receiver:
        subscribe(receiver.url)
        submit(db.session.get(Item, 1), officer)
        db.session.commit()
        run_webhooks(NOW)
        assert run_webhooks(NOW + timedelta(hours=1)).failed == 1
        (delivery,) = deliveries()
        assert (delivery.status, delivery.attempts, delivery.last_status_code,
                delivery.last_response) == ("failed", 2, 500, "busy, try later")
        assert service.resend(delivery)
        db.session.commit()
        assert run_webhooks(NOW + timedelta(hours=2)).retried == 1
    assert len(receiver.requests) == 3


def test_each_event_goes_to_the_subscriptions_that_want_it(app, officer, manager):
    """A postponement request and its approval: the request, the decision and the status
    change each reach the subscriptions that chose them, once; a deactivated subscription
    gets nothing, and one deactivated after queueing has its delivery cancelled."""
    with receiving() as receiver:
        every = subscribe(receiver.url, ["status_changed", "postponement_requested",
                                         "postponement_decided", "item_overdue"])
        subscribe(receiver.url, ["status_changed"], active=False)
        later_off = subscribe(receiver.url, ["postponement_decided"])
        item = db.session.get(Item, 1)
        post_status_update(item, StatusUpdate("postponed", note="Chờ số liệu",
                                              new_period="Quý IV/2020"),
                           actor=officer, expected_version=None, needs_approval=True,
                           today=date(2020, 9, 1))
        decide_request(item, approve=True, reason="", actor=manager, expected_version=None,
                       document_ref="12/QĐ-UBND", document_date=date(2020, 9, 2),
                       today=date(2020, 9, 2))
        db.session.commit()
        later_off.active = False
        db.session.commit()
        result = run_webhooks(NOW)
    assert (result.delivered, result.cancelled) == (3, 1)
    kinds = [(headers["X-Tracker-Event"], json.loads(body)) for headers, body in receiver.requests]
    assert [kind for kind, _payload in kinds] == \
        ["postponement_requested", "postponement_decided", "status_changed"]
    assert kinds[0][1]["requested_due_period"] == "Quý IV/2020"
    assert kinds[1][1]["approved"] is True
    assert kinds[1][1]["document_ref"] == "12/QĐ-UBND"
    assert kinds[2][1]["item"]["deadline"] == "2020-12-31"
    assert {d.subscription_id for d in deliveries()} == {every.id, later_off.id}


def test_a_rolled_back_status_update_queues_nothing(app, officer):
    """The delivery is written in the transaction of the change: rolled back, no event."""
    subscribe("http://127.0.0.1:9/")
    submit(db.session.get(Item, 1), officer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1
    db.session.rollback()
    assert deliveries() == []


def test_an_overdue_alert_is_an_event_once(app, seed_plan):
    """The reminder planning's overdue alerts become one event per item and alert, however
    many recipients and however many times the day is planned."""
    from tracker.notify.jobs import run_planning

    subscribe("http://127.0.0.1:9/", ["item_overdue"])
    day = date(2021, 3, 1)  # every item of the 2020 seed plan is overdue
    run_planning(day, NOW)
    first = deliveries()
    run_planning(day, NOW)
    assert first and len(deliveries()) == len(first)
    assert {d.event_kind for d in first} == {"item_overdue"}
    assert len({d.event_id for d in first}) == len(first)
    assert all(json.loads(d.payload)["overdue_alert"] >= 1 for d in first)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.1.1", "172.16.0.1", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "::"])
def test_private_addresses_are_refused(address):
    """Loopback, private, link-local, multicast, reserved, and IPv4 inside IPv6."""
    assert is_private(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
                                     "::ffff:93.184.216.34"])
def test_public_addresses_pass(address):
    """A public address, also written as IPv4-mapped IPv6, is a valid target."""
    assert not is_private(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://10.0.0.5:8080/x",
                                 "https://169.254.169.254/latest", "http://[::1]/",
                                 "http://[::ffff:10.0.0.1]/", "http://localhost/"])
def test_a_private_target_needs_the_flag(app, url):
    """Refused without "allow private", with the reason; accepted with it."""
    with pytest.raises(TargetRefused):
        check_target(url, allow_private=False)
    assert check_target(url, allow_private=True).port in (80, 443, 8080)


@pytest.mark.parametrize("url", ["ftp://example.com/", "http:///x", "javascript:alert(1)",
                                 "http://user:pw@example.com/", "http://example.com:99999/",
                                 "http://no-such-host.invalid/", "http://example.com/a b",
                                 "http://example.com/\r\nX-Injected: 1", "http://exämple.vn/"])
def test_a_bad_target_is_refused(app, url):
    """Not http(s), no host, credentials in the URL, a bad port, a host that does not
    resolve: refused even with private networks allowed."""
    with pytest.raises(TargetRefused):
        check_target(url, allow_private=True)


def test_the_target_is_checked_again_at_send_time(app, officer):
    """A subscription whose target became private (DNS changed; here: the flag taken back)
    is not sent to: the delivery fails with the reason, retried as any failure."""
    with receiving() as receiver:
        subscription = subscribe(receiver.url)
        subscription.allow_private_target = False
        db.session.commit()
        submit(db.session.get(Item, 1), officer)
        db.session.commit()
        assert run_webhooks(NOW).retried == 1
    assert receiver.requests == []
    (delivery,) = deliveries()
    assert delivery.last_response == "target refused"


def test_redirects_are_not_followed(app, officer):
    """A 3xx is a failed attempt: where it points was never checked."""
    with receiving([302]) as receiver:
        subscribe(receiver.url)
        submit(db.session.get(Item, 1), officer)
        db.session.commit()
        assert run_webhooks(NOW).retried == 1
    assert len(receiver.requests) == 1
    assert deliveries()[0].last_status_code == 302


# ---- the admin pages -------------------------------------------------------------------------

@pytest.fixture
def admin_client(client, auth, make_user, seed_plan):
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    return client


def form(url="http://127.0.0.1:8080/hook", **fields) -> dict:
    return {"name": "Hệ thống văn bản", "target_url": url,
            "events": ["status_changed", "item_overdue"], **fields}


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://10.1.2.3/hook",
                                 "http://169.254.169.254/latest", "http://[::1]/hook"])
def test_the_form_refuses_a_private_target_without_the_flag(admin_client, url):
    """A loopback, private or link-local target is refused on the form with a clear
    Vietnamese message; ticking "allow a private network" accepts it."""
    response = admin_client.post("/admin/webhooks/new", data=form(url))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "trỏ tới một địa chỉ loopback, mạng nội bộ hoặc dải dành riêng" in page
    assert "Cho phép địa chỉ nhận trong mạng nội bộ" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookSubscription)) == 0
    response = admin_client.post("/admin/webhooks/new",
                                 data=form(url, allow_private_target="y"))
    assert response.status_code == 302
    (subscription,) = service.subscriptions()
    assert (subscription.target_url, subscription.allow_private_target, subscription.active) == \
        (url, True, True)
    assert subscription.event_list == ["status_changed", "item_overdue"]


def test_the_secret_is_shown_once(admin_client):
    """The app generates the secret; the page after creation shows it, the next one not."""
    response = admin_client.post("/admin/webhooks/new", data=form(allow_private_target="y"))
    (subscription,) = service.subscriptions()
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    first = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert subscription.secret in first
    again = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert subscription.secret not in again
    assert subscription.secret not in admin_client.get("/admin/webhooks").get_data(as_text=True)


def test_the_form_needs_an_event_and_a_web_address(admin_client):
    """No event, or a non-http address: refused in Vietnamese, nothing created."""
    response = admin_client.post("/admin/webhooks/new", data=form(events=[]))
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một sự kiện." in response.get_data(as_text=True)
    response = admin_client.post("/admin/webhooks/new", data=form("file:///etc/passwd"))
    assert response.status_code == 400
    assert "phải bắt đầu bằng http:// hoặc https://" in response.get_data(as_text=True)
    assert service.subscriptions() == []


def test_edit_and_stop_a_subscription(admin_client, officer):
    """An edit keeps the secret; the private-network check applies to edits too; a
    deactivated subscription gets no event."""
    admin_client.post("/admin/webhooks/new", data=form(allow_private_target="y"))
    (subscription,) = service.subscriptions()
    secret = subscription.secret
    url = f"/admin/webhooks/{subscription.id}"
    response = admin_client.post(url, data=form("http://10.0.0.9/", active="y"))
    assert response.status_code == 400
    assert "mạng nội bộ" in response.get_data(as_text=True)
    response = admin_client.post(url, data=form("http://10.0.0.9/", active="y",
                                                allow_private_target="y",
                                                events=["postponement_requested"]))
    assert response.status_code == 302
    db.session.refresh(subscription)
    assert (subscription.target_url, subscription.event_list, subscription.secret) == \
        ("http://10.0.0.9/", ["postponement_requested"], secret)
    assert admin_client.post(f"{url}/deactivate").status_code == 302
    db.session.refresh(subscription)
    assert not subscription.active
    post_status_update(db.session.get(Item, 1),
                       StatusUpdate("postponed", note="Chờ", new_period="Quý IV/2020"),
                       actor=officer, expected_version=None, needs_approval=True,
                       today=date(2020, 9, 1))
    db.session.commit()
    assert deliveries() == []


def test_the_delivery_log_shows_the_answer_and_resends_a_failed_one(app, admin_client, officer):
    """The log shows each delivery's status, attempts and the receiver's answer; a failed
    delivery is queued again by its button."""
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 1
    with receiving([503]) as receiver:
        subscribe(receiver.url)
        submit(db.session.get(Item, 1), officer)
        db.session.commit()
        assert run_webhooks(NOW).failed == 1
    page = admin_client.get("/admin/webhooks/deliveries").get_data(as_text=True)
    assert "Thất bại" in page and "Hệ thống nhận trả lời 503: busy, try later" in page
    assert "Thay đổi trạng thái" in page
    (delivery,) = deliveries()
    assert admin_client.post(f"/admin/webhooks/deliveries/{delivery.id}/resend").status_code == 302
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert "Đang chờ" in admin_client.get("/admin/webhooks/deliveries?status=pending") \
        .get_data(as_text=True)
