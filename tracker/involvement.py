"""Which agencies take part in which plan (`plan_agency`): each agency that leads, co-leads
or coordinates at least one of the plan's items.

An officer sees the lists his agency owns or takes part in. Reading that from the items'
links on every page joined each of his agency's thousands of links to its item (10 ms for
the busiest department of 100,000 items, on every search); this table answers it from one
index. It is derived data: the commit hook of tracker/search/index.py rewrites the rows of
every plan whose items were added, deleted, moved or given other agencies, in the same
transaction, and `flask search-index` rebuilds it whole.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from tracker.models import Item, item_coordinators, item_leads, plan_agencies

BATCH = 500


def _links(plan_ids: list[int] | None) -> sa.CompoundSelect:
    """(plan, agency) for every lead, co-lead and coordinator of the items of `plan_ids`
    (every plan for None), each pair once."""
    led = sa.select(Item.plan_id, Item.lead_agency_id.label("agency_id"))
    co_led = (sa.select(Item.plan_id, item_leads.c.agency_id)
              .join(item_leads, item_leads.c.item_id == Item.id))
    coordinated = (sa.select(Item.plan_id, item_coordinators.c.agency_id)
                   .join(item_coordinators, item_coordinators.c.item_id == Item.id))
    if plan_ids is not None:
        led, co_led, coordinated = (select.where(Item.plan_id.in_(plan_ids))
                                    for select in (led, co_led, coordinated))
    return sa.union(led, co_led, coordinated)


def refresh(conn: sa.Connection, plan_ids: Iterable[int]) -> None:
    """Bring the rows of `plan_ids` in step with their items: only the pairs that changed
    are written (a status update changes none, and writes nothing)."""
    ordered = sorted({i for i in plan_ids if i is not None})
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start:start + BATCH]
        wanted = {tuple(row) for row in conn.execute(_links(batch))}
        stored = {tuple(row) for row in conn.execute(
            sa.select(plan_agencies.c.plan_id, plan_agencies.c.agency_id)
            .where(plan_agencies.c.plan_id.in_(batch)))}
        if stored - wanted:
            conn.execute(sa.delete(plan_agencies).where(
                plan_agencies.c.plan_id == sa.bindparam("plan"),
                plan_agencies.c.agency_id == sa.bindparam("agency")),
                [{"plan": plan, "agency": agency} for plan, agency in stored - wanted])
        if wanted - stored:
            conn.execute(sa.insert(plan_agencies),
                         [{"plan_id": plan, "agency_id": agency}
                          for plan, agency in wanted - stored])


def plans_of(conn: sa.Connection, agency_ids: Iterable[int]) -> set[int]:
    """The plans in which the agencies take part, by their items' links or by the stored
    rows (after links were moved with bulk statements, both are to be refreshed)."""
    agencies = list(agency_ids)
    if not agencies:
        return set()
    return set(conn.scalars(sa.union(
        sa.select(Item.plan_id).where(Item.lead_agency_id.in_(agencies)),
        sa.select(Item.plan_id).join(item_leads, item_leads.c.item_id == Item.id)
        .where(item_leads.c.agency_id.in_(agencies)),
        sa.select(Item.plan_id).join(item_coordinators, item_coordinators.c.item_id == Item.id)
        .where(item_coordinators.c.agency_id.in_(agencies)),
        sa.select(plan_agencies.c.plan_id).where(plan_agencies.c.agency_id.in_(agencies)))))


def rebuild(conn: sa.Connection) -> int:
    """Every row again, from the links (after a restore or a bulk load that bypassed the
    session). Returns the number of rows."""
    conn.execute(sa.delete(plan_agencies))
    links = _links(None).subquery()
    conn.execute(sa.insert(plan_agencies).from_select(
        ["plan_id", "agency_id"], sa.select(links.c.plan_id, links.c.agency_id)))
    return conn.scalar(sa.select(sa.func.count()).select_from(plan_agencies)) or 0
