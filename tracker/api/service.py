"""The API's queries: the plans service's filters and scopes, loaded for a JSON page in a
constant number of queries."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Item, JournalEntry
from tracker.plans.service import ItemFilters, items_query, visible_plans

ITEM_LISTS = (so.joinedload(Item.lead_agency), so.selectinload(Item.leads),
              so.selectinload(Item.coordinators))
ENTRY_PARTS = (so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
               so.selectinload(JournalEntry.attachments))


def items_page(plan_id: int | None, filters: ItemFilters, today: date, *, scope_agency: int | None,
               limit: int, offset: int) -> tuple[int, list[Item]]:
    """(total, page) of the items of one plan, or of every plan the agency may see
    (`scope_agency`; None: every plan), filtered as the plan page filters them."""
    if plan_id is not None:
        query = items_query(plan_id, filters, today)
    else:
        query = filters.apply(sa.select(Item).where(visible_plans(scope_agency))
                              .order_by(Item.plan_id, Item.position, Item.id), today)
    total = db.session.scalar(sa.select(sa.func.count(Item.id)).where(query.whereclause))
    items = list(db.session.scalars(query.options(*ITEM_LISTS).limit(limit).offset(offset))
                 .unique())
    return total or 0, items


def load_item_lists(item: Item) -> Item:
    """The item again with everything its JSON shows (after a write, or for its own page)."""
    return db.session.scalar(sa.select(Item).where(Item.id == item.id)
                             .options(*ITEM_LISTS, so.joinedload(Item.plan))
                             .execution_options(populate_existing=True))


def journal_entry(entry_id: int) -> JournalEntry:
    return db.session.scalar(sa.select(JournalEntry).where(JournalEntry.id == entry_id)
                             .options(*ENTRY_PARTS))
