"""Which agencies take part in which plan (`plan_agency`): each agency that leads, co-leads
or coordinates at least one of the plan's items, and how many of them it leads.

An officer sees the lists his agency owns or takes part in. Reading that from the items'
links on every page joined each of his agency's thousands of links to its item (10 ms for
the busiest department of 100,000 items, on every search); this table answers it from one
index, and the province's start page counts each agency's items from these few rows
rather than from every link. It is derived data: the commit hook of
tracker/search/index.py rewrites the rows of every plan whose items were added, deleted,
moved or given other agencies, in the same transaction, and `flask search-index` rebuilds
it whole.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from tracker.models import Item, item_coordinators, item_leads, plan_agencies

BATCH = 500


def _links() -> sa.Subquery:
    """(plan, agency, lead) for every agency an item names: its lead (0), each lead link
    (1: what `leads` counts) and each coordinator (0)."""
    led = sa.select(Item.plan_id, Item.lead_agency_id.label("agency_id"),
                    sa.literal(0).label("lead"))
    co_led = (sa.select(Item.plan_id, item_leads.c.agency_id, sa.literal(1))
              .join(item_leads, item_leads.c.item_id == Item.id))
    coordinated = (sa.select(Item.plan_id, item_coordinators.c.agency_id, sa.literal(0))
                   .join(item_coordinators, item_coordinators.c.item_id == Item.id))
    return sa.union_all(led, co_led, coordinated).subquery("links")


def _pairs(plan_ids: list[int] | None) -> sa.Select:
    """(plan, agency, leads) for every agency the items of `plan_ids` (every plan for None)
    name as lead, co-lead or coordinator; `leads` counts its lead links (item_lead_agency)."""
    links = _links()
    select = (sa.select(links.c.plan_id, links.c.agency_id, sa.func.sum(links.c.lead))
              .group_by(links.c.plan_id, links.c.agency_id))
    return select if plan_ids is None else select.where(links.c.plan_id.in_(plan_ids))


def refresh(conn: sa.Connection, plan_ids: Iterable[int]) -> None:
    """Bring the rows of `plan_ids` in step with their items: only the rows that changed
    are written (a status update changes none, and is not even asked about)."""
    ordered = sorted({i for i in plan_ids if i is not None})
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start:start + BATCH]
        wanted = {(plan, agency): leads for plan, agency, leads in conn.execute(_pairs(batch))}
        stored = {(plan, agency): leads for plan, agency, leads in conn.execute(
            sa.select(plan_agencies.c.plan_id, plan_agencies.c.agency_id, plan_agencies.c.leads)
            .where(plan_agencies.c.plan_id.in_(batch)))}
        where = (plan_agencies.c.plan_id == sa.bindparam("plan"),
                 plan_agencies.c.agency_id == sa.bindparam("agency"))
        gone = [{"plan": plan, "agency": agency} for plan, agency in stored.keys() - wanted.keys()]
        if gone:
            conn.execute(sa.delete(plan_agencies).where(*where), gone)
        changed = [{"plan": plan, "agency": agency, "count": leads}
                   for (plan, agency), leads in wanted.items()
                   if (plan, agency) in stored and stored[plan, agency] != leads]
        if changed:
            conn.execute(sa.update(plan_agencies).where(*where)
                         .values(leads=sa.bindparam("count")), changed)
        new = [{"plan_id": plan, "agency_id": agency, "leads": leads}
               for (plan, agency), leads in wanted.items() if (plan, agency) not in stored]
        if new:
            conn.execute(sa.insert(plan_agencies), new)


def plans_of(conn: sa.Connection, agency_ids: Iterable[int]) -> set[int]:
    """The plans in which the agencies take part, by their items' links or by the stored
    rows (after links were moved with bulk statements, both are to be refreshed)."""
    agencies = list(agency_ids)
    if not agencies:
        return set()
    links = _links()
    return set(conn.scalars(sa.union(
        sa.select(links.c.plan_id).where(links.c.agency_id.in_(agencies)),
        sa.select(plan_agencies.c.plan_id).where(plan_agencies.c.agency_id.in_(agencies)))))


def rebuild(conn: sa.Connection) -> int:
    """Every row again, from the links (after a restore or a bulk load that bypassed the
    session). Returns the number of rows."""
    conn.execute(sa.delete(plan_agencies))
    conn.execute(sa.insert(plan_agencies).from_select(["plan_id", "agency_id", "leads"],
                                                      _pairs(None)))
    return conn.scalar(sa.select(sa.func.count()).select_from(plan_agencies)) or 0
