"""Which lists an agency sees (`visible_plans`): those it owns, and those where it leads,
co-leads or coordinates an item — their ids read first as one UNION (docs/scaling.md: ORed
INs took over 80 s at 1,000,000 items), then one IN over that list in the item query."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Agency, Item, Plan, item_coordinators, item_leads
from tracker.plans.service import visible_plans


def make_plan(owner: Agency, title: str) -> Plan:
    plan = Plan(title=title, owner_agency=owner)
    db.session.add(plan)
    db.session.flush()
    return plan


def make_item(plan: Plan, lead: Agency, position: int) -> Item:
    item = Item(plan_id=plan.id, position=position, title=f"Đề án {position}",
                lead_agency_id=lead.id, due_period="Quý I/2026",
                original_due_period="Quý I/2026")
    db.session.add(item)
    db.session.flush()
    db.session.execute(sa.insert(item_leads).values(item_id=item.id, agency_id=lead.id))
    return item


def test_an_agency_sees_the_lists_it_owns_leads_co_leads_or_coordinates(app):
    """Owned, led, co-led and coordinated lists are visible with all their items; a list
    the agency has no part in is not."""
    me, other = Agency("Sở Tài chính"), Agency("Sở Nội vụ")
    db.session.add_all([me, other])
    db.session.flush()
    owned, led, co_led, coordinated, foreign = (make_plan(owner, title) for owner, title in (
        (me, "owned"), (other, "led"), (other, "co-led"), (other, "coordinated"),
        (other, "foreign")))
    make_item(owned, other, 1)
    make_item(led, me, 1)
    make_item(led, other, 2)
    shared = make_item(co_led, other, 1)
    db.session.execute(sa.insert(item_leads).values(item_id=shared.id, agency_id=me.id))
    helped = make_item(coordinated, other, 1)
    db.session.execute(sa.insert(item_coordinators).values(item_id=helped.id, agency_id=me.id))
    make_item(foreign, other, 1)
    db.session.commit()

    seen = db.session.execute(sa.select(Plan.title, sa.func.count())
                              .join(Item, Item.plan_id == Plan.id)
                              .where(visible_plans(me.id)).group_by(Plan.title)).all()
    assert dict(seen) == {"owned": 1, "led": 2, "co-led": 1, "coordinated": 1}


def test_the_condition_is_one_in_over_the_plan_ids_read_first(app):
    """The plan ids are read first, in one query (one UNION, no OR: PostgreSQL estimated
    ORed INs at half the items), and the item condition is one IN over that list, with no
    subquery for the planner to join to every item matched."""
    me = Agency("Sở Tài chính")
    db.session.add(me)
    db.session.flush()
    agency_id, plan_id = me.id, make_plan(me, "owned").id
    db.session.commit()
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        condition = visible_plans(agency_id)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 1 and "UNION" in statements[0].upper()
    assert " OR " not in statements[0].upper()
    compiled = condition.compile(compile_kwargs={"literal_binds": True})
    assert str(compiled) == f"item.plan_id IN ({plan_id})"
