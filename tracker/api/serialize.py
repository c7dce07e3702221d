"""The JSON shapes of the API (documented in openapi.py): dates in ISO 8601, each period
both as published ("Quý III/2020") and as the deadline computed from it."""
from __future__ import annotations

from datetime import date, datetime

from flask import g, url_for
from flask_babel import gettext

from tracker.models import Agency, Item, JournalEntry, Plan
from tracker.scoring import ScoreRow
from tracker.statuses import LABELS, is_overdue


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def agency_ref(agency: Agency | None) -> dict | None:
    return None if agency is None else {"id": agency.id, "name": agency.name}


def agency_json(agency: Agency) -> dict:
    return {"id": agency.id, "name": agency.name,
            "is_consolidating_office": agency.is_consolidating_office, "active": agency.active}


def plan_json(plan: Plan, items_count: int) -> dict:
    return {
        "id": plan.id, "title": plan.title, "owner_agency": agency_ref(plan.owner_agency),
        "attached_to": plan.attached_to, "appendix_label": plan.appendix_label,
        "created_at": iso(plan.created_at), "version": plan.version, "items_count": items_count,
        "url": url_for("plans.show", plan_id=plan.id, _external=True),
    }


def status_json(code: str) -> dict:
    """The status and its label in the request's language (translated once per request: a
    page of items asks for the same few)."""
    if "api_status_labels" not in g:
        g.api_status_labels = {status.value: gettext(label) for status, label in LABELS.items()}
    return {"code": code, "label": g.api_status_labels[code]}


def item_url(item_id: int) -> str:
    """The item's page, from a base built once per request (url_for per row was a fifth of a
    page of 100 items)."""
    if "api_item_url" not in g:
        g.api_item_url = url_for("items.show", item_id=1, _external=True)[:-len("/1")]
    return f"{g.api_item_url}/{item_id}"


def item_json(item: Item, today: date,
              links: tuple[list[dict], list[dict]] | None = None) -> dict:
    """An item; its `lead_agency` must be loaded, and its `leads` and `coordinators` unless
    `links` gives them (a page's, read as rows: api/service.agency_links)."""
    if links is None:
        links = ([agency_ref(a) for a in item.leads], [agency_ref(a) for a in item.coordinators])
    leads, coordinators = links
    return {
        "id": item.id, "plan_id": item.plan_id, "position": item.position,
        "number": item.number_text or str(item.position), "title": item.title,
        "lead_agency": agency_ref(item.lead_agency),
        "lead_text": item.lead_text or item.lead_agency.name,
        "leads": leads,
        "coordination": item.coordination,
        "coordinators": coordinators,
        "due_period": item.due_period, "due_date": iso(item.due_date),
        "original_due_period": item.original_due_period,
        "original_due_date": iso(item.original_due_date),
        "requested_due_period": item.requested_due_period,
        "withdrawal_requested": item.withdrawal_requested,
        "approving_level": item.approving_level,
        "status": status_json(item.status),
        "overdue": is_overdue(item.status, item.due_date, today),
        "submission_ref": item.submission_ref, "outcome_ref": item.outcome_ref,
        "notes": item.notes, "updated_at": iso(item.updated_at), "version": item.version,
        "url": item_url(item.id),
    }


def entry_json(entry: JournalEntry) -> dict:
    """A journal entry; its `user`, `agency` and `attachments` must be loaded."""
    return {
        "id": entry.id, "item_id": entry.item_id, "created_at": iso(entry.created_at),
        "kind": entry.kind,
        "user": None if entry.user is None else {"id": entry.user.id, "name": entry.user.name},
        "agency": agency_ref(entry.agency), "api_token_name": entry.api_token_name,
        "old_status": entry.old_status, "new_status": entry.new_status,
        "field": entry.field, "old_value": entry.old_value, "new_value": entry.new_value,
        "note": entry.note or "", "document_ref": entry.document_ref,
        "document_date": iso(entry.document_date), "new_due_period": entry.new_due_period,
        "documents": [{"id": a.id, "name": a.original_name, "media_type": a.media_type,
                       "size": a.size,
                       "url": url_for("items.document", item_id=entry.item_id,
                                      attachment_id=a.id, _external=True)}
                      for a in entry.attachments],
    }


def score_row_json(row: ScoreRow) -> dict:
    """One lead agency's counts (or the totals, `agency_id` null); `rate` in percent."""
    return {"agency_id": row.agency_id, "agency": row.agency, "total": row.total,
            "on_time": row.on_time, "late": row.late, "open_in_time": row.open_in_time,
            "overdue": row.overdue, "no_deadline": row.no_deadline, "withdrawn": row.withdrawn,
            "rate": None if row.rate is None else round(row.rate, 1)}
