"""Record webhook events: one delivery row per active subscription interested in the event,
added in the transaction of the change itself (as the outbox's e-mails are), so a change
rolled back is told to nobody, and sent afterwards by the worker (sender.py).

An event's id is fixed by what it is about (`status_changed:<journal entry>`,
`item_overdue:<item>:<alert number>`), and a delivery is unique per (event, subscription):
recording the same event twice (a planning rerun) adds nothing.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import (
    Agency,
    DeliveryStatus,
    Item,
    JournalEntry,
    JournalKind,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from tracker.models._types import utcnow
from tracker.outbox.links import external_url


@dataclass
class Event:
    kind: WebhookEvent
    id: str
    item: Item
    details: dict[str, Any]


def item_payload(item: Item, lead_agency: str) -> dict[str, Any]:
    """What every event says of its item: the published period and the computed deadline."""
    return {"id": item.id, "title": item.title, "plan_id": item.plan_id,
            "lead_agency": lead_agency, "status": item.status,
            "due_period": item.due_period,
            "deadline": item.due_date.isoformat() if item.due_date else None}


def payload(event: Event, lead_agency: str, occurred_at: datetime) -> str:
    return json.dumps({
        "event": event.kind.value, "id": event.id,
        "occurred_at": occurred_at.isoformat(timespec="seconds"),
        "item": item_payload(event.item, lead_agency),
        **event.details,
        "link": external_url("items.show", item_id=event.item.id),
    }, ensure_ascii=False, separators=(",", ":"))


def record(events: Iterable[Event]) -> int:
    """Queue each event for every active subscription that wants it; returns the rows
    offered (a duplicate is ignored). One query when nobody subscribed."""
    events = list(events)
    if not events:
        return 0
    subscriptions = db.session.execute(
        sa.select(WebhookSubscription.id, WebhookSubscription.events)
        .where(WebhookSubscription.active)).all()
    wanted = {kind: [sid for sid, kinds in subscriptions if kind in kinds.split(",")]
              for kind in {e.kind.value for e in events}}
    events = [e for e in events if wanted[e.kind.value]]
    if not events:
        return 0
    agency_ids = {e.item.lead_agency_id for e in events}
    names = dict(db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))).all())
    now = utcnow()
    rows = []
    for event in events:
        body = payload(event, names.get(event.item.lead_agency_id, ""), now)
        rows += [dict(subscription_id=sid, event_id=event.id, event_kind=event.kind.value,
                      payload=body, created_at=now, status=DeliveryStatus.PENDING.value,
                      attempts=0) for sid in wanted[event.kind.value]]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(WebhookDelivery.__table__).on_conflict_do_nothing(
        index_elements=["event_id", "subscription_id"]), rows)
    return len(rows)


def journal_events(item: Item, entry: JournalEntry, *, decided: bool = False) -> list[Event]:
    """The events of one journal entry: a status change, a postponement requested, and (a
    manager's `decided` answer to a postponement request) the decision."""
    db.session.flush()  # the entry's id is the event's
    events = []
    if entry.kind == JournalKind.POSTPONEMENT_REQUESTED:
        events.append(Event(WebhookEvent.POSTPONEMENT_REQUESTED,
                            f"postponement_requested:{entry.id}", item,
                            {"requested_due_period": entry.new_due_period}))
    if decided:
        approved = entry.kind != JournalKind.POSTPONEMENT_REFUSED
        events.append(Event(WebhookEvent.POSTPONEMENT_DECIDED,
                            f"postponement_decided:{entry.id}", item,
                            {"approved": approved, "requested_due_period": entry.new_due_period,
                             "document_ref": entry.document_ref,
                             "document_date": entry.document_date.isoformat()
                             if entry.document_date else None}))
    if entry.new_status and entry.old_status != entry.new_status:
        events.append(Event(WebhookEvent.STATUS_CHANGED, f"status_changed:{entry.id}", item,
                            {"old_status": entry.old_status, "new_status": entry.new_status}))
    return events


def record_journal_events(item: Item, entry: JournalEntry, *, decided: bool = False) -> int:
    """Record the events of `entry` (see `journal_events`), in the caller's transaction."""
    return record(journal_events(item, entry, decided=decided))


def record_overdue(alerts: Iterable[tuple[int, int]]) -> int:
    """Record an `item_overdue` event for each (item id, overdue alert number) the reminder
    planner sent today: once per alert, whatever the number of recipients or reruns."""
    alerts = sorted(set(alerts))
    if not alerts or not db.session.scalar(sa.select(sa.exists().where(
            WebhookSubscription.active,
            WebhookSubscription.events.contains(WebhookEvent.ITEM_OVERDUE.value)))):
        return 0
    items = {item.id: item for item in db.session.scalars(
        sa.select(Item).where(Item.id.in_({item_id for item_id, _number in alerts})))}
    return record(Event(WebhookEvent.ITEM_OVERDUE, f"item_overdue:{item_id}:{number}",
                        items[item_id], {"overdue_alert": number})
                  for item_id, number in alerts if item_id in items)
