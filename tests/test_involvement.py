"""`plan_agency` (tracker/involvement.py), which agencies take part in which plan, is derived
from the items' links: after every kind of write that changes them, committed through the
session, it equals what the links say. A rolled-back write leaves it as it was, and a
status update writes nothing to it. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker import involvement
from tracker.admin.service import merge_agencies
from tracker.extensions import db
from tracker.models import Agency, Item, Plan, User, plan_agencies
from tracker.plans.service import agency_involved, visible_plan_ids


def stored() -> set[tuple[int, int]]:
    return set(counts())


def counts() -> dict[tuple[int, int], int]:
    """(plan, agency) → the number of its items the agency leads, as stored."""
    return {(plan, agency): leads for plan, agency, leads in db.session.execute(
        sa.select(plan_agencies.c.plan_id, plan_agencies.c.agency_id, plan_agencies.c.leads))}


def from_links() -> set[tuple[int, int]]:
    return set(counted_from_links())


def counted_from_links() -> dict[tuple[int, int], int]:
    """What the items' links say, computed here without the module's query."""
    found: dict[tuple[int, int], int] = {}
    for item in db.session.scalars(sa.select(Item).options(
            sa.orm.selectinload(Item.leads), sa.orm.selectinload(Item.coordinators))):
        for agency in {item.lead_agency_id} | {a.id for a in item.coordinators}:
            found.setdefault((item.plan_id, agency), 0)
        for agency in item.leads:
            found[item.plan_id, agency.id] = found.get((item.plan_id, agency.id), 0) + 1
    return found


@pytest.fixture
def world(app):
    """Two plans of Sở Công Thương; five agencies."""
    names = ["Sở Công Thương", "Sở Tài chính", "Sở Nội vụ", "Sở Y tế", "Sở Tài chánh"]
    agencies = [Agency(name) for name in names]
    db.session.add_all(agencies)
    db.session.flush()
    plans = [Plan(title=title, owner_agency=agencies[0]) for title in ("A", "B")]
    db.session.add_all(plans)
    db.session.commit()
    return agencies, plans


def add_item(plan: Plan, position: int, lead: Agency, co_leads=(), coordinators=()) -> Item:
    item = Item(plan=plan, position=position, title=f"Đề án {position}", lead_agency=lead,
                due_period="Quý I/2026", original_due_period="Quý I/2026")
    item.leads = [lead, *co_leads]
    item.coordinators = list(coordinators)
    db.session.add(item)
    return item


def test_every_write_keeps_the_table_equal_to_the_links(world):
    """New items, other coordinators, another lead, an item moved to another list, a
    deleted item, an agency merge (bulk statements) and a deleted list: after each commit
    the table is what the links say, with the number of items each agency leads."""
    (owner, finance, home, health, typo), (plan_a, plan_b) = world
    first = add_item(plan_a, 1, finance, coordinators=[home])
    second = add_item(plan_a, 2, owner, co_leads=[health])
    third = add_item(plan_b, 1, typo, coordinators=[finance])
    db.session.commit()
    assert counts() == counted_from_links() == {
        (plan_a.id, finance.id): 1, (plan_a.id, home.id): 0, (plan_a.id, owner.id): 1,
        (plan_a.id, health.id): 1, (plan_b.id, typo.id): 1, (plan_b.id, finance.id): 0}

    first.coordinators = [health]               # Sở Nội vụ leaves plan A
    db.session.commit()
    assert (plan_a.id, home.id) not in stored() and stored() == from_links()

    second.lead_agency = home                   # a new lead, by the relationship
    second.leads = [home]
    db.session.commit()
    assert (plan_a.id, home.id) in stored() and stored() == from_links()

    third.plan = plan_a                         # moved: plan B has no item left
    db.session.commit()
    assert not {pair for pair in stored() if pair[0] == plan_b.id}
    assert counts() == counted_from_links()
    assert counts()[plan_a.id, finance.id] == 1 and counts()[plan_a.id, typo.id] == 1

    fourth = add_item(plan_a, 4, finance, co_leads=[typo])
    db.session.commit()
    assert counts()[plan_a.id, finance.id] == 2 and counts()[plan_a.id, typo.id] == 2

    db.session.delete(first)
    db.session.commit()
    assert stored() == from_links()

    admin = User(email="admin@example.vn", name="Quản trị", role="admin", agency=owner)
    admin.set_password("mat-khau-du-dai-1")
    db.session.add(admin)
    db.session.commit()
    merge_agencies(admin, typo, finance)       # bulk statements, then mark_agency
    db.session.commit()
    assert counts() == counted_from_links()
    assert all(agency != typo.id for _, agency in stored())
    # The third item and the fourth (which named both as leads): one link each, the kept one.
    assert counts()[plan_a.id, finance.id] == 2 and fourth.id

    db.session.delete(plan_a)
    db.session.commit()
    assert stored() == from_links() == set()


def test_what_an_agency_sees_comes_from_the_table(world):
    """The lists an agency sees, and whether it takes part in one, follow the table:
    coordinating one item is enough; owning a list is still enough without an item."""
    (owner, finance, home, health, _typo), (plan_a, plan_b) = world
    add_item(plan_a, 1, finance, coordinators=[home])
    db.session.commit()
    assert sorted(visible_plan_ids(home.id)) == [plan_a.id]
    assert agency_involved(home.id, plan_a.id) and not agency_involved(home.id, plan_b.id)
    assert not agency_involved(health.id, plan_a.id)
    assert sorted(visible_plan_ids(owner.id)) == sorted([plan_a.id, plan_b.id])   # owned


def test_a_rolled_back_write_leaves_the_table_as_it_was(world):
    """A flushed then rolled-back item leaves no pair behind."""
    (_owner, finance, home, _health, _typo), (plan_a, _plan_b) = world
    add_item(plan_a, 1, finance)
    db.session.commit()
    before = stored()
    add_item(plan_a, 2, home)
    db.session.flush()
    db.session.rollback()
    assert stored() == before == from_links()


def test_a_status_update_writes_nothing_to_the_table(world, count_queries):
    """The commonest write (a status) neither reads nor writes the table."""
    (_owner, finance, _home, _health, _typo), (plan_a, _plan_b) = world
    item = add_item(plan_a, 1, finance)
    db.session.commit()
    item.status = "in_progress"
    with count_queries() as statements:
        db.session.commit()
    assert statements and not [s for s in statements if "plan_agency" in s]


def test_a_rebuild_gives_the_same_rows(world):
    """`flask search-index` rebuilds the table whole to the rows the commits kept."""
    (owner, finance, home, health, _typo), (plan_a, plan_b) = world
    add_item(plan_a, 1, finance, co_leads=[health], coordinators=[home])
    add_item(plan_b, 1, owner, coordinators=[finance, home])
    db.session.commit()
    kept = counts()
    assert involvement.rebuild(db.session.connection()) == len(kept)
    db.session.commit()
    assert counts() == kept == counted_from_links()
