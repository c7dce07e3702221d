"""Feed tokens (create, find, revoke), and the items and changes a feed holds: one query
each, checked against what the feed's owner may read when it is fetched."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from tracker import policy
from tracker.extensions import db
from tracker.feeds.atom import Change
from tracker.feeds.calendar import ItemEvent
from tracker.models import (
    Agency,
    FeedScope,
    FeedToken,
    Item,
    JournalEntry,
    JournalKind,
    Plan,
    User,
)
from tracker.models._types import utcnow
from tracker.outbox.links import external_url_builder
from tracker.plans.service import agency_involved, led_by, mine, visible_plans
from tracker.statuses import VI_LABELS, Status

# The newest changes an Atom feed lists (clients keep what they fetched before).
ATOM_ENTRIES = 100


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_feed(user: User, kind: FeedScope, scope_id: int | None, label: str
                ) -> tuple[FeedToken, str]:
    """A new feed for `user`, and its secret (shown once: only its digest is kept)."""
    secret = secrets.token_urlsafe(32)
    feed = FeedToken(token_hash=digest(secret), user_id=user.id, scope_kind=kind.value,
                     scope_id=scope_id, label=label[:300])
    db.session.add(feed)
    return feed, secret


def user_feeds(user_id: int) -> list[FeedToken]:
    """The user's live feeds, newest first."""
    return list(db.session.scalars(
        sa.select(FeedToken).where(FeedToken.user_id == user_id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())))


def revoke_feed(feed: FeedToken) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()


def live_feed(secret: str) -> FeedToken | None:
    """The feed of a secret URL, with its owner; None when unknown, revoked, or its owner's
    account is deactivated."""
    if not secret or len(secret) > 100:
        return None
    feed = db.session.scalar(
        sa.select(FeedToken).where(FeedToken.token_hash == digest(secret),
                                   FeedToken.revoked_at.is_(None))
        .options(so.joinedload(FeedToken.user)))
    return feed if feed is not None and feed.user.active else None


def feed_scope(feed: FeedToken) -> sa.ColumnElement[bool] | None:
    """Condition on Item (with Plan joined): the feed's items its owner may read now;
    None when he may no longer read what the feed is about (the feed answers 404)."""
    owner = feed.user
    every = policy.sees_every_plan(owner)
    readable = visible_plans(None if every else owner.agency_id)
    match feed.scope_kind:
        case FeedScope.MINE:
            return sa.and_(readable, mine(owner.agency_id, policy.can_create_plans(owner), every))
        case FeedScope.AGENCY:
            if feed.scope_id is None or not policy.can_subscribe_agency(owner, feed.scope_id):
                return None
            return sa.and_(readable, led_by(feed.scope_id))
        case FeedScope.PLAN:
            plan = db.session.get(Plan, feed.scope_id) if feed.scope_id else None
            if plan is None or not policy.can_read_plan(
                    owner, plan.owner_agency_id, lambda: agency_involved(owner.agency_id, plan.id)):
                return None
            return Item.plan_id == plan.id
    return None


def deadline_moved() -> sa.ColumnElement[bool]:
    """Condition on JournalEntry: the entry moved the item's deadline (an approved
    postponement, or an edit of the period)."""
    return sa.or_(
        sa.and_(JournalEntry.kind == JournalKind.STATUS.value,
                JournalEntry.new_due_period.is_not(None)),
        sa.and_(JournalEntry.kind == JournalKind.EDIT.value, JournalEntry.field == "due_period"))


def calendar_events(scope: sa.ColumnElement[bool]) -> list[ItemEvent]:
    """The events of the items in `scope`: those with a deadline in force (not an open text
    such as "Thường xuyên", not withdrawn), by deadline. SEQUENCE is the number of times the
    deadline moved, read from the journal (which is never rewritten), so it only grows."""
    moves = (sa.select(sa.func.count()).select_from(JournalEntry)
             .where(JournalEntry.item_id == Item.id, deadline_moved())
             .correlate(Item).scalar_subquery())
    rows = db.session.connection().execute(
        sa.select(Item.id, Item.title, Item.lead_text, Agency.name, Item.status,
                  Item.due_period, Item.due_date, Item.updated_at, Plan.title, moves)
        .join(Plan, Plan.id == Item.plan_id)
        .join(Agency, Agency.id == Item.lead_agency_id)
        .where(scope, Item.due_date.is_not(None),
               Item.status != Status.WITHDRAWN.value)
        .order_by(Item.due_date, Item.id)).all()
    # The item pages' links differ by their last segment only: built once, not 2,000 times.
    item_url = external_url_builder()("items.show", item_id=1)
    assert item_url.endswith("/1")
    item_url = item_url[:-1]
    labels = {status.value: label for status, label in VI_LABELS.items()}
    return [ItemEvent(item_id, title, lead_text or lead_name, labels[status], due_period, due_date,
                      f"{item_url}{item_id}", sequence or 0,
                      _aware(updated_at), plan_title)
            for (item_id, title, lead_text, lead_name, status, due_period, due_date, updated_at,
                 plan_title, sequence) in rows]


def _aware(moment: datetime) -> datetime:
    """Core rows skip the UTCDateTime type's result processing on some drivers: SQLite
    returns naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def tracker_host() -> str:
    """The host of TRACKER_BASE_URL: the domain of the events' UIDs and the Atom ids."""
    return urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"


def recent_changes(scope: sa.ColumnElement[bool], *, kinds: tuple[str, ...] | None = None,
                   limit: int = ATOM_ENTRIES) -> list[Change]:
    """The newest journal entries of the items in `scope` (newest first), with the item's
    title and the agency that made the change; `kinds` keeps only those kinds."""
    acting = so.aliased(Agency)
    query = (sa.select(JournalEntry.id, JournalEntry.created_at, JournalEntry.item_id,
                       Item.title, JournalEntry.kind, JournalEntry.old_status,
                       JournalEntry.new_status, JournalEntry.field, JournalEntry.old_value,
                       JournalEntry.new_value, JournalEntry.note, JournalEntry.document_ref,
                       JournalEntry.document_date, JournalEntry.new_due_period, acting.name)
             .join(Item, Item.id == JournalEntry.item_id)
             .join(Plan, Plan.id == Item.plan_id)
             .outerjoin(acting, acting.id == JournalEntry.agency_id)
             .where(scope)
             .order_by(JournalEntry.id.desc()).limit(limit))
    if kinds is not None:
        query = query.where(JournalEntry.kind.in_(kinds))
    return [Change(entry_id, _aware(created_at), item_id, title, kind, old_status, new_status,
                   field, old_value, new_value, note or "", document_ref, document_date,
                   new_due_period, agency or "")
            for (entry_id, created_at, item_id, title, kind, old_status, new_status, field,
                 old_value, new_value, note, document_ref, document_date, new_due_period,
                 agency) in db.session.connection().execute(query)]


def feed_label(kind: FeedScope, scope_id: int | None, owner: User) -> str | None:
    """What the feed is about, in words; None when the owner may not subscribe to it."""
    match kind:
        case FeedScope.MINE:
            return ""
        case FeedScope.AGENCY:
            agency = db.session.get(Agency, scope_id) if scope_id else None
            if agency is None or not policy.can_subscribe_agency(owner, agency.id):
                return None
            return agency.name
        case FeedScope.PLAN:
            plan = db.session.get(Plan, scope_id) if scope_id else None
            if plan is None or not policy.can_read_plan(
                    owner, plan.owner_agency_id, lambda: agency_involved(owner.agency_id, plan.id)):
                return None
            return plan.title
    return None
