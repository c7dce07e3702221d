"""One item: its page's queries, status updates and field edits, each journaled; the
updates and decisions queue the mail and digest notices they call for."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from tracker.agencies import AgencyDirectory
from tracker.clock import local_datetime
from tracker.extensions import db
from tracker.items import notices
from tracker.models import Item, JournalEntry, JournalKind, Plan, User
from tracker.notify.service import queue_status_notices
from tracker.periods import PeriodError, format_date, parse_period
from tracker.plans.service import ItemFields
from tracker.services import FieldError, check_version, raise_field_errors
from tracker.statuses import (
    NEEDS_DECISION,
    NEEDS_DOCUMENT,
    NEEDS_NEW_PERIOD,
    NEEDS_REASON,
    Status,
    TransitionError,
    check_transition,
    document_phrase,
)
from tracker.text import N_
from tracker.webhooks.events import record_journal_events

# Built once, with the id as a parameter (as plans.service.ITEM_WITH_PLAN).
JOURNAL = (sa.select(JournalEntry).where(JournalEntry.item_id == sa.bindparam("item_id"))
           .options(so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
                    so.joinedload(JournalEntry.attachments))
           .order_by(JournalEntry.id.desc()))


def journal_of(item_id: int) -> list[JournalEntry]:
    """The item's history, newest first, with who, which agency and the documents' files:
    one query (few entries carry a file, so joining them adds few rows)."""
    return list(db.session.scalars(JOURNAL, {"item_id": item_id}).unique())


@dataclass
class StatusUpdate:
    """What an officer posts: a new status (or none, for a plain note) and its evidence."""

    new_status: str | None
    note: str = ""
    document_ref: str = ""
    document_date: date | None = None
    new_period: str = ""


REQUESTS = frozenset({JournalKind.POSTPONEMENT_REQUESTED, JournalKind.WITHDRAWAL_REQUESTED})


def post_status_update(item: Item, update: StatusUpdate, *, actor: User,
                       expected_version: int | None, needs_approval: bool = False,
                       today: date) -> JournalEntry:
    """Apply one update by `actor` and journal it. Raises ConflictError, FieldError.

    A plain note overwrites nothing, so only a status change is refused on a stale version.
    An officer's postponement or withdrawal is only a request (`needs_approval`): the item
    keeps its status and deadline until a manager decides, and the managers are mailed. A
    status change that matters goes into the next digests (`queue_status_notices`).
    """
    if update.new_status:
        check_version(item, expected_version)
    entry = JournalEntry(user_id=actor.id, agency_id=actor.agency_id, note=update.note,
                         kind=JournalKind.COMMENT.value)
    raise_field_errors(status_update_problems(item, update, today=today))
    if update.new_status:
        new = Status(update.new_status)
        entry.document_ref = update.document_ref or None
        entry.document_date = update.document_date
        if new in NEEDS_DECISION and needs_approval:
            _record_request(item, entry, new, update.new_period)
        else:
            _apply_status(item, entry, new, update.new_period)
            if new == Status.SUBMITTED:
                item.submission_ref = document_phrase(new, update.document_ref,
                                                          update.document_date)
            if new == Status.APPROVED:
                item.outcome_ref = document_phrase(new, update.document_ref,
                                                       update.document_date)
    _add_to_journal(item, [entry])
    if entry.kind in REQUESTS:
        notices.request_made(item, entry, actor.name)
    queue_status_notices(item, entry, today)
    record_journal_events(item, entry)
    return entry


def status_update_problems(item: Item, update: StatusUpdate, *,
                           today: date | None = None) -> list[tuple[str, str]]:
    """Every reason to refuse the update, as (form field, message): all of them, so that
    the form shows them at once."""
    if not update.new_status:
        return [] if update.note else [("note", _("Write a note, or choose a new status."))]
    new = Status(update.new_status)
    try:
        check_transition(item.status, new)
    except TransitionError:
        return [("status", _("This status cannot follow the current one."))]
    return [*_evidence_problems(new, update, item.due_date),
            *_document_date_problems(update.document_date, today)]


def request_waiting(item: Item) -> Status | None:
    """The change an officer asked for and a manager has not yet decided, if any."""
    if item.withdrawal_requested:
        return Status.WITHDRAWN
    if item.requested_due_period:
        return Status.POSTPONED
    return None


def _record_request(item: Item, entry: JournalEntry, new: Status, new_period: str) -> None:
    """One request at a time: it waits on the item until a manager decides."""
    if request_waiting(item) is not None:
        raise FieldError("status", _("A request is already waiting for a manager's decision."))
    if new == Status.POSTPONED:
        entry.kind = JournalKind.POSTPONEMENT_REQUESTED.value
        entry.new_due_period = item.requested_due_period = parse_period(new_period).label
    else:
        entry.kind = JournalKind.WITHDRAWAL_REQUESTED.value
        item.withdrawal_requested = True


def _apply_status(item: Item, entry: JournalEntry, new: Status, new_period: str) -> None:
    entry.kind = JournalKind.STATUS.value
    entry.old_status, entry.new_status = item.status, new.value
    if new in NEEDS_NEW_PERIOD:
        period = parse_period(new_period)
        entry.new_due_period = period.label
        item.due_period, item.due_date = period.label, period.deadline()
        item.requested_due_period = None
    if new == Status.WITHDRAWN:
        item.withdrawal_requested = False
    item.status = new.value


def decide_request(item: Item, *, approve: bool, reason: str, actor: User,
                   expected_version: int | None, document_ref: str = "",
                   document_date: date | None = None, today: date) -> JournalEntry:
    """A manager (`actor`) approves or refuses (with a reason) the waiting request, citing the
    letter of the decision when there is one. An approved postponement moves the deadline
    (the original stays); an approved withdrawal takes the item off the list, the officer's
    reason with it unless the manager gives his own. The lead agency is mailed the decision;
    the status it sets goes into the next digests."""
    check_version(item, expected_version)
    asked = request_waiting(item)
    if asked is None:
        raise FieldError("decision", _("There is no request to decide."))
    raise_field_errors(decision_problems(approve=approve, reason=reason,
                                         document_date=document_date, today=today))
    entry = JournalEntry(user_id=actor.id, agency_id=actor.agency_id, note=reason,
                         document_ref=document_ref or None, document_date=document_date)
    if asked == Status.POSTPONED:
        entry.new_due_period = item.requested_due_period
    if approve:
        _approve(item, entry, asked, reason)
    elif asked == Status.POSTPONED:
        entry.kind = JournalKind.POSTPONEMENT_REFUSED.value
        item.requested_due_period = None
    else:
        entry.kind = JournalKind.WITHDRAWAL_REFUSED.value
        item.withdrawal_requested = False
    _add_to_journal(item, [entry])
    notices.request_decided(item, entry, asked, approve, actor.name)
    queue_status_notices(item, entry, today)
    record_journal_events(item, entry, decided=asked == Status.POSTPONED)
    return entry


def _approve(item: Item, entry: JournalEntry, asked: Status, reason: str) -> None:
    try:
        check_transition(item.status, asked)
    except TransitionError:
        raise FieldError("decision", _("The item can no longer be postponed.")
                         if asked == Status.POSTPONED
                         else _("The item can no longer be withdrawn.")) from None
    if asked == Status.POSTPONED:
        # The deadline may have moved since the request (an edit of the item).
        requested = parse_period(item.requested_due_period)
        raise_field_errors(_later_problems(requested.label, requested.deadline(),
                                           item.due_date, "decision"))
    elif not reason:
        entry.note = _request_reason(item.id)
    _apply_status(item, entry, asked, item.requested_due_period or "")


def _request_reason(item_id: int) -> str:
    """The reason the officer gave with his withdrawal request (printed with the decision)."""
    return db.session.scalar(
        sa.select(JournalEntry.note)
        .where(JournalEntry.item_id == item_id,
               JournalEntry.kind == JournalKind.WITHDRAWAL_REQUESTED.value)
        .order_by(JournalEntry.id.desc()).limit(1)
    ) or ""


def reinstate(item: Item, *, reason: str, actor: User,
              expected_version: int | None) -> JournalEntry:
    """A manager (`actor`) reverses a withdrawal: the item is back on the list in the status
    it had before it was withdrawn (journaled, as everything is); the lead agency is mailed."""
    check_version(item, expected_version)
    if item.status != Status.WITHDRAWN:
        raise FieldError("reason", _("Only a withdrawn item can be put back on the list."))
    if not reason:
        raise FieldError("reason", _("Give the reason."))
    before = db.session.scalar(
        sa.select(JournalEntry.old_status)
        .where(JournalEntry.item_id == item.id,
               JournalEntry.new_status == Status.WITHDRAWN.value)
        .order_by(JournalEntry.id.desc()).limit(1)
    )
    restored = Status(before) if before and before != Status.WITHDRAWN else Status.NOT_STARTED
    entry = JournalEntry(user_id=actor.id, agency_id=actor.agency_id, note=reason,
                         kind=JournalKind.REINSTATED.value, old_status=item.status,
                         new_status=restored.value)
    item.status = restored.value
    _add_to_journal(item, [entry])
    notices.reinstated(item, entry, actor.name)
    record_journal_events(item, entry)
    return entry


def decision_problems(*, approve: bool, reason: str, document_date: date | None,
                      today: date | None) -> list[tuple[str, str]]:
    """Every reason to refuse a decision on a request, as (form field, message)."""
    problems = [] if approve or reason else [("reason", _("Give the reason for refusing."))]
    return problems + _document_date_problems(document_date, today)


def edit_notes(item: Item, notes: str, *, user_id: int, agency_id: int,
               expected_version: int | None) -> JournalEntry | None:
    """The item's own "Ghi chú", which the lead agency keeps up to date."""
    check_version(item, expected_version)
    if notes == item.notes:
        return None
    entry = JournalEntry(user_id=user_id, agency_id=agency_id, kind=JournalKind.EDIT.value,
                         field="notes", old_value=item.notes, new_value=notes)
    item.notes = notes
    _add_to_journal(item, [entry])
    return entry


def _add_to_journal(item: Item, entries: list[JournalEntry]) -> None:
    """Add rows without loading the item's whole history."""
    for entry in entries:
        entry.item_id = item.id
    db.session.add_all(entries)


def _evidence_problems(new: Status, update: StatusUpdate,
                       due_date: date | None) -> list[tuple[str, str]]:
    problems = []
    if new in NEEDS_DOCUMENT:
        if not update.document_ref:
            problems.append(("document_ref", _("Enter the number of the document.")))
        if update.document_date is None:
            problems.append(("document_date", _("Enter the date of the document.")))
    if new in NEEDS_REASON and not update.note:
        problems.append(("note", _("Give the reason.")))
    if new in NEEDS_NEW_PERIOD:
        problems.extend(_new_period_problems(update.new_period, due_date))
    return problems


def _new_period_problems(text: str, due_date: date | None) -> list[tuple[str, str]]:
    if not text:
        return [("new_period", _("Enter the new submission time, e.g. Quý IV/2020."))]
    try:
        period = parse_period(text)
    except PeriodError as error:
        return [("new_period", str(error))]
    if not period.has_deadline:
        return [("new_period", _("A postponement needs a period with a deadline."))]
    return _later_problems(period.label, period.deadline(), due_date, "new_period")


def _document_date_problems(document_date: date | None,
                            today: date | None) -> list[tuple[str, str]]:
    """Evidence must be plausible: a document is not dated after today (the tracker's day)."""
    if document_date is not None and today is not None and document_date > today:
        return [("document_date", _("The document date cannot be after today (%(today)s).",
                                    today=format_date(today)))]
    return []


_DATED = re.compile(r"ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", re.IGNORECASE)


def plan_date(plan: Plan, tz_name: str) -> date:
    """The list's own date: the one in its "Kèm theo Báo cáo số … ngày 29/5/2020 …" line when
    it has one, else the day it was entered in the tracker."""
    match = _DATED.search(plan.attached_to or "")
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    return local_datetime(plan.created_at, tz_name).date()


def early_document_warning(plan: Plan, document_date: date | None, tz_name: str) -> str | None:
    """A document dated before the list itself is accepted, but worth a second look."""
    if document_date is None:
        return None
    listed_on = plan_date(plan, tz_name)
    if document_date >= listed_on:
        return None
    return _("The document is dated %(date)s, before the list itself (%(plan_date)s). It was "
             "saved: check the date.", date=format_date(document_date),
             plan_date=format_date(listed_on))


def _later_problems(label: str, deadline: date, due_date: date | None,
                    field: str) -> list[tuple[str, str]]:
    """A postponement moves the deadline later: a period ending on or before the current
    deadline is refused."""
    if due_date is not None and deadline <= due_date:
        return [(field, _(
            "A postponement must move the deadline later: %(period)s ends on %(new)s, "
            "not after the current deadline %(current)s.",
            period=label, new=format_date(deadline), current=format_date(due_date)))]
    return []


# Labels of the fields an edit journals, for the history on the item page.
FIELD_LABELS = {
    "title": N_("Title"),
    "lead_agency": N_("Lead agency"),
    "coordination": N_("Coordinating agencies"),
    "due_period": N_("Submission time"),
    "approving_level": N_("Approving level"),
    "notes": N_("Notes"),
    "position": N_("No."),
    "number_text": N_("No. as printed"),
    "section": N_("Section"),
    "extra": N_("Column of the list"),
}


def edit_item(item: Item, fields: ItemFields, directory: AgencyDirectory, *,
                  user_id: int, agency_id: int, expected_version: int | None) -> list[JournalEntry]:
    """Change the item's fields; one journal entry per field that changed."""
    check_version(item, expected_version)
    entries: list[JournalEntry] = []

    def record(field: str, old: str, new: str) -> None:
        if old != new:
            entries.append(JournalEntry(user_id=user_id, agency_id=agency_id,
                                        kind=JournalKind.EDIT.value, field=field,
                                        old_value=old, new_value=new))

    for field in ("title", "coordination", "approving_level", "notes"):
        new_value = getattr(fields, field)
        record(field, getattr(item, field), new_value)
        setattr(item, field, new_value)
    if fields.position and fields.position != item.position:
        record("position", str(item.position), str(fields.position))
        item.position = fields.position
    published = fields.published
    if published is not None:
        # An item of an imported list: its cells stay as typed, as published ones are.
        record("number_text", item.number_text, published.number_text)
        item.number_text = published.number_text
        if published.section is not item.section:
            record("section", item.section.text if item.section else "",
                   published.section.text if published.section else "")
            item.section = published.section
        old_extra = {k: v for k, v in (item.extra or {}).items() if not k.startswith("_")}
        for key in sorted(set(old_extra) | set(published.extra)):
            record("extra", old_extra.get(key, ""), published.extra.get(key, ""))
        kept = {k: v for k, v in (item.extra or {}).items() if k.startswith("_")}
        item.extra = {**kept, **published.extra} or None
        if published.lead_text != (item.lead_text or item.lead_agency.name):
            record("lead_agency", item.lead_text or item.lead_agency.name,
                   published.lead_text)
            leads = list({id(a): a for a in (directory.find_or_create(name)
                                             for name in published.lead_names)}.values())
            item.lead_text = published.lead_text
            item.lead_agency, item.leads = leads[0], leads
    else:
        lead = directory.find_or_create(fields.lead_agency_name)
        if lead is not item.lead_agency:
            record("lead_agency", item.lead_agency.name, lead.name)
            item.lead_agency = lead
            item.leads = [lead]
    item.coordinators = directory.mentioned_in(fields.coordination)
    period = parse_period(fields.due_period) if fields.due_period else None
    period_text = (fields.due_period if published is not None
                   else period.label if period is not None else "")
    deadline = period.deadline() if period is not None else None
    if period_text != item.due_period:
        record("due_period", item.due_period, period_text)
        if item.due_period == item.original_due_period:
            # A correction of the plan as filed, not a postponement: the original changes too.
            item.original_due_period = period_text
            item.original_due_date = deadline
        item.due_period, item.due_date = period_text, deadline
    _add_to_journal(item, entries)
    return entries
