"""Publishing a plan's progress, and what its public page, open data and feed hold: the
public text of tracker/public/redact.py, from the same queries as the printed appendix."""
from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.appendix.service import (
    DECIDED_BY_LETTER,
    AppendixOptions,
    appendix_table,
    last_statuses,
)
from tracker.appendix.table import AppendixTable, ItemSnapshot, progress_text
from tracker.extensions import db
from tracker.feeds.atom import PUBLIC_KINDS, Change
from tracker.feeds.service import recent_changes
from tracker.models import Agency, Item, JournalEntry, Plan, User
from tracker.models._types import utcnow
from tracker.public.opendata import OpenItem
from tracker.public.redact import redactor
from tracker.statuses import VI_LABELS, Status, is_overdue

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_LENGTH = (3, 80)
REASONED = frozenset({Status.POSTPONED.value, Status.WITHDRAWN.value, Status.RETURNED.value})


def published_plan(slug: str) -> Plan | None:
    """The plan published under `slug`; None when there is none, or it was taken down."""
    if not SLUG.fullmatch(slug or "") or len(slug) > SLUG_LENGTH[1]:
        return None
    return db.session.scalar(sa.select(Plan).where(Plan.public_slug == slug,
                                                   Plan.published_at.is_not(None)))


def suggested_slug(plan: Plan) -> str:
    """The plan's title in ASCII words ("Danh mục đề án 2020" → "danh-muc-de-an-2020-7")."""
    ascii_title = unicodedata.normalize("NFKD", plan.title.replace("đ", "d").replace("Đ", "D"))
    ascii_title = ascii_title.encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_title)
    base = "-".join(words)[:60].strip("-") or "danh-muc"
    return f"{base}-{plan.id}"


def slug_problems(slug: str, plan_id: int) -> list[str]:
    if not SLUG.fullmatch(slug) or not SLUG_LENGTH[0] <= len(slug) <= SLUG_LENGTH[1]:
        return [_("Use 3 to 80 lowercase letters without accents, digits and hyphens "
                  "(e.g. danh-muc-2020).")]
    taken = db.session.scalar(sa.select(Plan.id).where(Plan.public_slug == slug,
                                                       Plan.id != plan_id))
    return [_("Another plan is published at this address.")] if taken else []


def publish(plan: Plan, slug: str) -> None:
    plan.public_slug = slug
    plan.published_at = utcnow()


def unpublish(plan: Plan) -> None:
    """Take the page, data and feed down (404); the slug is kept for a later publication."""
    plan.published_at = None


def public_text():
    """The redactor of the public pages: every account holder's name and any e-mail."""
    return redactor(db.session.scalars(sa.select(User.name)))


def public_table(plan: Plan, today: date) -> AppendixTable:
    """The plan's progress appendix, as printed, with the public text only."""
    return appendix_table(Item.plan_id == plan.id, AppendixOptions(with_status=True),
                          title=plan.title, attached_to=plan.attached_to, today=today,
                          label=plan.appendix_label, plan=plan, public_text=public_text(),
                          subtitle=f"Tình hình thực hiện đến ngày {today.day}/{today.month}/"
                                   f"{today.year}")


def last_update(plan_id: int) -> datetime | None:
    """When the plan's items last changed (an item's row, or its journal)."""
    item = db.session.scalar(sa.select(sa.func.max(Item.updated_at))
                             .where(Item.plan_id == plan_id))
    entry = db.session.scalar(sa.select(sa.func.max(JournalEntry.created_at))
                              .join(Item, Item.id == JournalEntry.item_id)
                              .where(Item.plan_id == plan_id))
    moments = [_aware(moment) for moment in (item, entry) if moment is not None]
    return max(moments) if moments else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_items(plan: Plan, today: date) -> list[OpenItem]:
    """One record per item of the plan, in list order (two queries)."""
    redact = public_text()
    rows = db.session.connection().execute(
        sa.select(Item.id, Item.number_text, Item.position, Item.title,
                  Item.lead_text, Agency.name, Item.coordination,
                  Item.approving_level, Item.original_due_period,
                  Item.original_due_date, Item.due_period, Item.due_date,
                  Item.status, Item.submission_ref, Item.outcome_ref,
                  Item.requested_due_period, Item.withdrawal_requested,
                  Item.updated_at)
        .join(Agency, Agency.id == Item.lead_agency_id)
        .where(Item.plan_id == plan.id)
        .order_by(Item.position, Item.id)).all()
    notes = last_statuses(sa.select(Item.id).where(Item.plan_id == plan.id))
    items = []
    for (item_id, number_text, position, title, lead_text, lead_name, coordination, level,
         original_period, original_date, period, due_date, status, submission_ref, outcome_ref,
         requested_period, withdrawal_requested, updated_at) in rows:
        last = notes.get(item_id)
        reason = redact(last.note) if last is not None and status in REASONED else ""
        if status in DECIDED_BY_LETTER:
            document = last.document if last is not None else ""
        elif status == Status.SUBMITTED:
            document = submission_ref or ""
        elif status == Status.APPROVED:
            document = outcome_ref or ""
        else:
            document = ""
        document = redact(document)
        snapshot = ItemSnapshot(title, lead_name, coordination, original_period, period, due_date,
                                level, status, redact(submission_ref or "") or None,
                                document if status in DECIDED_BY_LETTER
                                else redact(outcome_ref or "") or None,
                                "", reason, requested_period, withdrawal_requested)
        items.append(OpenItem(
            number=number_text or str(position), title=title, lead_agency=lead_text or lead_name,
            coordination=coordination, approving_level=level,
            original_due_period=original_period, original_due_date=original_date,
            due_period=period, due_date=due_date,
            postponed=(period, due_date) != (original_period, original_date),
            status=status, status_label=VI_LABELS[Status(status)],
            progress=progress_text(snapshot), document=document, reason=reason,
            overdue=is_overdue(status, due_date, today), updated_at=_aware(updated_at)))
    return items


def public_changes(plan: Plan) -> list[Change]:
    """The changes a public feed lists: items added, status changes and decisions."""
    return recent_changes(Item.plan_id == plan.id, kinds=PUBLIC_KINDS)
