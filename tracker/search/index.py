"""Keep the search index (and each item's time of last activity, and which agencies take
part in which plan: tracker/involvement.py) in step with the items: every write goes
through here.

Items are written in many places (the forms, decisions, imports, the demo, agency merges),
always through one SQLAlchemy session. A listener on that session notes, at each flush,
what changed (an item, a journal entry citing a document, a list's reference, an agency's
name) and, just before the transaction commits, rewrites the index rows of the items
concerned: a constant number of queries per batch of items, in the same transaction, so
the index never shows what a rolled-back write would have said.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker import involvement
from tracker.models import (
    Agency,
    Item,
    ItemSearch,
    JournalEntry,
    Plan,
    item_coordinators,
    item_leads,
)
from tracker.models._types import utcnow
from tracker.search.text import fold, item_text

BATCH = 500
_PENDING = "search_index_pending"


@dataclass
class Pending:
    items: set[int] = field(default_factory=set)
    # Items that got a journal entry: their `updated_at` becomes the time of their latest
    # activity, a note included (the start page's "no update for N working days").
    journaled: set[int] = field(default_factory=set)
    plans: set[int] = field(default_factory=set)
    agencies: set[int] = field(default_factory=set)
    # Plans whose items were added, deleted, moved or given other agencies: the agencies
    # taking part in them are counted again.
    involving: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.items or self.plans or self.agencies or self.journaled
                    or self.involving)


def mark_agency(session: so.Session, agency_id: int) -> None:
    """Reindex the items of an agency whose links were moved with bulk statements (a merge)."""
    session.info.setdefault(_PENDING, Pending()).agencies.add(agency_id)


_WATCHED = (Item, JournalEntry, Plan, Agency)
# What an item's plan and agencies are made of: a change to one of them changes which
# agencies take part in its plan.
_TAKING_PART = ("plan_id", "plan", "lead_agency_id", "lead_agency", "leads", "coordinators")


def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@sa.event.listens_for(so.Session, "after_flush")
def _note_changes(session: so.Session, flush_context) -> None:
    pending = session.info.setdefault(_PENDING, Pending())
    for obj in session.new | session.dirty:
        if isinstance(obj, Item):
            pending.items.add(obj.id)
            if obj in session.new or _changed(obj, *_TAKING_PART):
                pending.involving.add(obj.plan_id)
                pending.involving.update(sa.inspect(obj).attrs.plan_id.history.deleted)
        elif isinstance(obj, JournalEntry):
            pending.journaled.add(obj.item_id)
            if obj.document_ref:
                pending.items.add(obj.item_id)
        elif isinstance(obj, Plan) and obj.id is not None and _changed(obj, "attached_to"):
            pending.plans.add(obj.id)
        elif isinstance(obj, Agency) and obj.id is not None and _changed(obj, "name"):
            pending.agencies.add(obj.id)
    pending.involving.update(obj.plan_id for obj in session.deleted if isinstance(obj, Item))


@sa.event.listens_for(so.Session, "before_commit")
def _write_changes(session: so.Session) -> None:
    if not session.info.get(_PENDING) and not any(
            isinstance(obj, _WATCHED)
            for obj in (*session.new, *session.dirty, *session.deleted)):
        return   # nothing of ours: the commit goes on untouched (its own flush and listeners)
    session.flush()   # what commit would flush next: noted by _note_changes
    pending = session.info.pop(_PENDING, None)
    if pending:
        conn = session.connection()
        if pending.journaled:
            # A plain UPDATE: the item's version (its forms' conflict check) stays as it is.
            conn.execute(sa.update(Item).where(Item.id.in_(pending.journaled))
                         .values(updated_at=utcnow()))
        reindex(conn, pending)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget_changes(session: so.Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def reindex(conn: sa.Connection, pending: Pending) -> None:
    """Rewrite the index rows of the items `pending` names, directly or by list or agency."""
    ids = set(pending.items)
    if pending.plans:
        ids.update(conn.scalars(sa.select(Item.id).where(Item.plan_id.in_(pending.plans))))
    if pending.agencies:
        agencies = list(pending.agencies)
        ids.update(conn.scalars(sa.union(
            sa.select(Item.id).where(Item.lead_agency_id.in_(agencies)),
            sa.select(item_leads.c.item_id).where(item_leads.c.agency_id.in_(agencies)),
            sa.select(item_coordinators.c.item_id)
            .where(item_coordinators.c.agency_id.in_(agencies)))))
    ordered = sorted(i for i in ids if i is not None)
    for start in range(0, len(ordered), BATCH):
        write_rows(conn, ordered[start:start + BATCH])
    involving = set(pending.involving)
    if pending.agencies:
        involving |= involvement.plans_of(conn, pending.agencies)
    if involving:
        involvement.refresh(conn, involving)


def rebuild(conn: sa.Connection) -> int:
    """Index every item again (after a restore, or a bulk load that bypassed the session)."""
    conn.execute(sa.delete(ItemSearch))
    ids = list(conn.scalars(sa.select(Item.id).order_by(Item.id)))
    for start in range(0, len(ids), BATCH):
        write_rows(conn, ids[start:start + BATCH], replace=False)
    return len(ids)


def write_rows(conn: sa.Connection, ids: list[int], *, replace: bool = True) -> None:
    """The index rows of a batch of items, from four queries whatever the batch's size."""
    agencies: dict[int, list[str]] = defaultdict(list)
    links = sa.union(
        sa.select(Item.id.label("item"), Item.lead_agency_id.label("agency"))
        .where(Item.id.in_(ids)),
        sa.select(item_leads.c.item_id, item_leads.c.agency_id)
        .where(item_leads.c.item_id.in_(ids)),
        sa.select(item_coordinators.c.item_id, item_coordinators.c.agency_id)
        .where(item_coordinators.c.item_id.in_(ids)),
    ).subquery()
    for item, name in conn.execute(sa.select(links.c.item, Agency.name)
                                   .join(Agency, Agency.id == links.c.agency)
                                   .order_by(links.c.item, Agency.name)):
        agencies[item].append(name)
    documents: dict[int, list[str]] = defaultdict(list)
    for item, ref in conn.execute(sa.select(JournalEntry.item_id, JournalEntry.document_ref)
                                  .where(JournalEntry.item_id.in_(ids),
                                         JournalEntry.document_ref.is_not(None))
                                  .order_by(JournalEntry.id)):
        documents[item].append(ref)
    rows = [
        {"item_id": row.id, "title": fold(row.title), "plan_id": row.plan_id,
         "due_date": row.due_date,
         "body": item_text(title=row.title, notes=row.notes, coordination=row.coordination,
                           lead_text=row.lead_text, agencies=agencies[row.id],
                           documents=[row.submission_ref, row.outcome_ref, *documents[row.id]],
                           list_reference=row.attached_to)}
        for row in conn.execute(
            sa.select(Item.id, Item.plan_id, Item.due_date, Item.title, Item.notes,
                      Item.coordination, Item.lead_text, Item.submission_ref,
                      Item.outcome_ref, Plan.attached_to)
            .join(Plan, Plan.id == Item.plan_id).where(Item.id.in_(ids)))
    ]
    if replace:
        conn.execute(sa.delete(ItemSearch).where(ItemSearch.item_id.in_(ids)))
    if rows:
        conn.execute(sa.insert(ItemSearch), rows)


def index_items(conn: sa.Connection, ids: Iterable[int]) -> None:
    reindex(conn, Pending(items=set(ids)))
