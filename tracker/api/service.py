"""The API's queries: the plans service's filters and scopes, loaded for a JSON page in a
constant number of queries."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, item_coordinators, item_leads
from tracker.plans.service import ItemFilters, items_query, visible_plans

ITEM_LISTS = (so.joinedload(Item.lead_agency), so.selectinload(Item.leads),
              so.selectinload(Item.coordinators))
# A page of items reads its agencies' lists as plain rows (AgencyLinks), not as ORM
# collections: building an Agency per link was a third of a 100-item page's time.
PAGE_PARTS = (so.joinedload(Item.lead_agency),)
LEADS, COORDINATORS = 0, 1


AgencyLinks = dict[int, tuple[list[dict], list[dict]]]


def agency_links(item_ids: list[int]) -> AgencyLinks:
    """Per item, its lead agencies and its coordinating agencies as `{"id", "name"}`, each
    list by name as `Item.leads` / `Item.coordinators` order them: one query."""
    links = sa.union_all(
        sa.select(item_leads.c.item_id, item_leads.c.agency_id, sa.literal(LEADS).label("kind"))
        .where(item_leads.c.item_id.in_(item_ids)),
        sa.select(item_coordinators.c.item_id, item_coordinators.c.agency_id,
                  sa.literal(COORDINATORS).label("kind"))
        .where(item_coordinators.c.item_id.in_(item_ids)),
    ).subquery()
    rows = db.session.execute(
        sa.select(links.c.item_id, links.c.kind, Agency.id, Agency.name)
        .join(Agency, Agency.id == links.c.agency_id).order_by(Agency.name, Agency.id))
    found: AgencyLinks = {item_id: ([], []) for item_id in item_ids}
    for item_id, kind, agency_id, name in rows:
        found[item_id][kind].append({"id": agency_id, "name": name})
    return found

ENTRY_PARTS = (so.joinedload(JournalEntry.user), so.joinedload(JournalEntry.agency),
               so.selectinload(JournalEntry.attachments))


def items_page(plan_id: int | None, filters: ItemFilters, today: date, *, scope_agency: int | None,
               limit: int, offset: int) -> tuple[int, list[Item], AgencyLinks]:
    """(total, page, the page's agency lists) of the items of one plan, or of every plan the
    agency may see (`scope_agency`; None: every plan), filtered as the plan page filters
    them."""
    if plan_id is not None:
        query = items_query(plan_id, filters, today)
    else:
        query = filters.apply(sa.select(Item).where(visible_plans(scope_agency))
                              .order_by(Item.plan_id, Item.position, Item.id), today)
    total = db.session.scalar(sa.select(sa.func.count(Item.id)).where(query.whereclause))
    items = list(db.session.scalars(query.options(*PAGE_PARTS).limit(limit).offset(offset)))
    return total or 0, items, agency_links([item.id for item in items])


def load_item_lists(item: Item) -> Item:
    """The item again with everything its JSON shows (after a write, or for its own page)."""
    return db.session.scalar(sa.select(Item).where(Item.id == item.id)
                             .options(*ITEM_LISTS, so.joinedload(Item.plan))
                             .execution_options(populate_existing=True))


def journal_entry(entry_id: int) -> JournalEntry:
    return db.session.scalar(sa.select(JournalEntry).where(JournalEntry.id == entry_id)
                             .options(*ENTRY_PARTS))
