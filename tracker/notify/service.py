"""Reminders against the database: load the facts, plan a day, write notices and digests.

The rules themselves are in `planner.py` (pure); this module only feeds it and stores its
answer. Every query here is a set query: the number of statements does not grow with
the number of items or users.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import (
    CalendarException,
    Item,
    MessageKind,
    MessageStatus,
    Notice,
    OutboxMessage,
    Plan,
    ReminderSettings,
    Role,
    User,
    item_coordinators,
    item_leads,
)
from tracker.notices import NoticeKind
from tracker.notify import planner
from tracker.outbox.queue import Audience, load_agency_facts, load_user_facts, recipients_of
from tracker.statuses import ENDED, Status, due_soon_until
from tracker.webhooks.events import record_overdue
from tracker.workdays import WorkCalendar


def reminder_settings() -> ReminderSettings:
    """The single settings row, created with the defaults on first use."""
    settings = db.session.scalar(sa.select(ReminderSettings).order_by(ReminderSettings.id))
    if settings is None:
        settings = ReminderSettings(stages="14,7,3,1,0", working_days=False, overdue_interval=7,
                                    escalate_after=2, send_time="07:00")
        db.session.add(settings)
        db.session.flush()
    return settings


def rules_from(settings: ReminderSettings) -> planner.ReminderRules:
    return planner.ReminderRules(stages=settings.stage_list, working_days=settings.working_days,
                                 overdue_interval=settings.overdue_interval,
                                 escalate_after=settings.escalate_after)


# Built once (each page that shows "due soon" reads them): building a statement costs more
# CPU than running it from SQLAlchemy's cache.
CALENDAR_DAYS = sa.select(CalendarException.day, CalendarException.working)
FIRST_SETTINGS = sa.select(ReminderSettings).order_by(ReminderSettings.id).limit(1)


def work_calendar() -> WorkCalendar:
    """The holidays package plus the admin's extra days off and worked Saturdays."""
    rows = db.session.execute(CALENDAR_DAYS).all()
    return WorkCalendar(extra_days_off=[d for d, working in rows if not working],
                        extra_working_days=[d for d, working in rows if working])


def calendar_days() -> list[CalendarException]:
    """The admin's extra days off and worked days, by date."""
    return list(db.session.scalars(sa.select(CalendarException).order_by(CalendarException.day)))


def set_calendar_day(day: date, *, working: bool, note: str = "") -> CalendarException:
    """Make `day` an extra day off, or a worked day (a worked Saturday), whatever it was."""
    row = db.session.get(CalendarException, day)
    if row is None:
        row = CalendarException(day=day)
        db.session.add(row)
    row.working, row.note = working, note
    return row


def remove_calendar_day(day: date) -> bool:
    """Forget an extra day off or worked day; False when `day` was none."""
    row = db.session.get(CalendarException, day)
    if row is None:
        return False
    db.session.delete(row)
    return True


def due_soon_window(today: date) -> date | None:
    """The last deadline that is due soon on `today`, by the reminder settings and calendar
    the reminders use (statuses.due_soon_until). Two queries; nothing is written, so a page
    may ask (a missing settings row means the defaults, as for the reminders)."""
    settings = db.session.scalar(FIRST_SETTINGS)
    rules = planner.ReminderRules() if settings is None else rules_from(settings)
    return due_soon_until(today, max(rules.stages, default=None), work_calendar(),
                          working_days=rules.working_days)


def load_items() -> list[planner.ItemFacts]:
    """Every open item with a deadline, with its coordinators: two queries. Only the columns
    the planner reads are loaded (titles are read for the notices kept, when printed)."""
    open_items = (sa.select(Item.id, Item.status, Item.due_date,
                            Item.lead_agency_id, Plan.owner_agency_id)
                  .join(Plan, Plan.id == Item.plan_id)
                  .where(Item.status.not_in([s.value for s in ENDED]),
                         Item.due_date.is_not(None)))
    coordinators: dict[int, set[int]] = defaultdict(set)
    open_ids = open_items.with_only_columns(Item.id).scalar_subquery()
    for item_id, agency_id in db.session.execute(
        sa.select(item_coordinators.c.item_id, item_coordinators.c.agency_id)
        .where(item_coordinators.c.item_id.in_(open_ids))
    ):
        coordinators[item_id].add(agency_id)
    leads: dict[int, set[int]] = defaultdict(set)
    for item_id, agency_id in db.session.execute(
        sa.select(item_leads.c.item_id, item_leads.c.agency_id)
        .where(item_leads.c.item_id.in_(open_ids))
    ):
        leads[item_id].add(agency_id)
    no_one = frozenset()
    return [
        planner.ItemFacts(id=item_id, title="", status=status, due_date=due_date, due_period="",
                          lead_agency_id=lead_id, owner_agency_id=owner_id,
                          coordinator_ids=frozenset(coordinators[item_id])
                          if item_id in coordinators else no_one,
                          co_lead_ids=frozenset(leads[item_id] - {lead_id})
                          if item_id in leads else no_one)
        for item_id, status, due_date, lead_id, owner_id in db.session.execute(open_items)
    ]


def plan_day(today: date) -> list[planner.PlannedNotice]:
    """The notices due on `today`, as the pure planner decides them (every user and agency
    is loaded as the recipient rule reads them, the same loaders as for queued mail)."""
    return planner.plan_notices(load_items(), load_user_facts(), load_agency_facts(),
                                rules_from(reminder_settings()), today, work_calendar())


def _insert_ignoring_duplicates(model, rows: list[dict], key: str) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the unique `key`, on PostgreSQL and SQLite alike."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # Core, not ORM: no per-row bookkeeping for bulk rows
    db.session.execute(insert(table).on_conflict_do_nothing(index_elements=[key]), rows)


def write_notices(notices: Iterable[planner.PlannedNotice], today: date) -> int:
    """Store the day's notices (a rerun adds nothing), each already in its recipient's digest
    of the day, and gather the notices still waiting from earlier days into it too.
    Returns how many notices were new.

    The digests are written first so the notices go in with their message id: updating
    100,000 fresh rows afterwards cost PostgreSQL more than inserting them.
    """
    notices = list(notices)
    digests = _open_digests(today, {n.recipient_email: n.recipient_user_id for n in notices})
    rows = [dict(dedupe_key=n.dedupe_key, kind=n.kind, item_id=n.item_id,
                 recipient=n.recipient_email, user_id=n.recipient_user_id, stage=n.stage,
                 planned_for=today, message_id=digests.get(n.recipient_email)) for n in notices]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Notice))
    _insert_ignoring_duplicates(Notice, rows, "dedupe_key")
    added = db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) - before
    if added > 1000 and db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics after a big insert, or PostgreSQL may join the digests by a
        # nested loop believing the tables empty (seen: 46 s instead of 0.3 s).
        db.session.execute(sa.text("ANALYZE notice"))
    attach_waiting_notices(today)
    _drop_empty_digests(today)
    record_overdue((n.item_id, n.stage) for n in notices if n.kind == NoticeKind.OVERDUE)
    return added


def _todays_digests(today: date) -> sa.ColumnElement[bool]:
    """Today's digests still to be sent (one sent already takes nothing more today)."""
    prefix = digest_key(today, "")
    return sa.and_(OutboxMessage.kind == MessageKind.DIGEST.value,
                   OutboxMessage.status == MessageStatus.PENDING.value,
                   OutboxMessage.dedupe_key >= prefix, OutboxMessage.dedupe_key < prefix + "\uffff")


def _open_digests(today: date, recipients: dict[str, int | None]) -> dict[str, int]:
    """Today's digest for each recipient of today's notices and each with notices still
    waiting (created if missing); recipient → message id."""
    waiting = db.session.execute(
        sa.select(Notice.recipient, sa.func.max(Notice.user_id))
        .where(Notice.message_id.is_(None), Notice.planned_for <= today)
        .group_by(Notice.recipient)
    ).all()
    for recipient, user_id in waiting:
        recipients.setdefault(recipient, user_id)
    if not recipients:
        return {}
    _insert_ignoring_duplicates(OutboxMessage, [
        dict(kind=MessageKind.DIGEST.value, dedupe_key=digest_key(today, recipient),
             recipient=recipient, user_id=user_id, recipient_name="", subject="", body_text="",
             status=MessageStatus.PENDING.value, attempts=0)
        for recipient, user_id in recipients.items()
    ], "dedupe_key")
    if len(recipients) > 1000 and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE outbox_message"))
    return dict(db.session.execute(
        sa.select(OutboxMessage.recipient, OutboxMessage.id).where(_todays_digests(today))).all())


def attach_waiting_notices(today: date) -> None:
    """Notices still outside any e-mail (earlier days', status changes) join the recipient's
    pending digest of the day, which `_open_digests` made sure exists."""
    # UPDATE … FROM (PostgreSQL; SQLite ≥ 3.33): one join, not a sub-select per notice.
    db.session.execute(
        sa.update(Notice)
        .where(Notice.message_id.is_(None), Notice.planned_for <= today,
               OutboxMessage.recipient == Notice.recipient,
               OutboxMessage.dedupe_key == sa.literal(digest_key(today, "")) + Notice.recipient,
               OutboxMessage.status == MessageStatus.PENDING.value)
        .values(message_id=OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )


def _drop_empty_digests(today: date) -> None:
    """A digest opened for a recipient whose notices were all planned before (a rerun, a
    notice already sent) has nothing to say: it is removed, not sent empty."""
    has_notice = sa.exists().where(Notice.message_id == OutboxMessage.id)
    db.session.execute(sa.delete(OutboxMessage).where(_todays_digests(today), ~has_notice)
                       .execution_options(synchronize_session=False))


def digest_key(day: date, recipient: str) -> str:
    return f"digest:{day.isoformat()}:{recipient}"


DECIDING_ROLES = frozenset({Role.MANAGER.value, Role.ADMIN.value})
STATUS_CHANGES_TOLD = frozenset({Status.SUBMITTED, Status.APPROVED, Status.RETURNED,
                                 Status.POSTPONED, Status.WITHDRAWN})


def queue_status_notices(item: Item, entry, today: date) -> int:
    """A change that matters becomes a notice for the owner agency's managers and the lead
    agencies' officers (and their mailboxes: the recipient rule of outbox/recipients.py),
    except the manager who made it; it travels in their next digest, once per change."""
    if entry.new_status not in STATUS_CHANGES_TOLD:
        return 0
    db.session.flush()  # the journal entry's id is part of the dedupe key
    owner_id = db.session.scalar(sa.select(Plan.owner_agency_id).where(Plan.id == item.plan_id))
    lead_ids = [item.lead_agency_id] + sorted(set(db.session.scalars(
        sa.select(item_leads.c.agency_id).where(item_leads.c.item_id == item.id)
    )) - {item.lead_agency_id})
    recipients = recipients_of(NoticeKind.STATUS, [
        Audience(owner_id, (Role.MANAGER,), with_mailbox=False),
        *(Audience(lead_id, (Role.OFFICER,)) for lead_id in lead_ids)])
    if entry.user_id is not None and db.session.scalar(
            sa.select(User.role).where(User.id == entry.user_id)) in DECIDING_ROLES:
        # A manager is not told of his own decision; an officer's digest keeps his own
        # changes, as it always has.
        recipients = [r for r in recipients if r.user_id != entry.user_id]
    _insert_ignoring_duplicates(Notice, [
        dict(dedupe_key=f"status:{entry.id}:{r.email.lower()}", kind=NoticeKind.STATUS.value,
             item_id=item.id, recipient=r.email, user_id=r.user_id, stage=0,
             planned_for=today)
        for r in recipients
    ], "dedupe_key")
    return len(recipients)
