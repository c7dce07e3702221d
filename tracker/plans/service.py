"""Plans and their items: queries for the pages, commands for the forms."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.agencies import AgencyDirectory
from tracker.agency_names import lead_names
from tracker.appendix.layout import next_number
from tracker.extensions import db
from tracker.models import (
    Agency,
    Item,
    JournalEntry,
    JournalKind,
    Plan,
    PlanSection,
    item_coordinators,
    item_leads,
    plan_agencies,
)
from tracker.periods import parse_period
from tracker.services import check_version
from tracker.statuses import ENDED, Status


@dataclass(frozen=True)
class ItemFilters:
    """The plan page's filters, already validated (unknown values dropped)."""

    lead_agency_id: int | None = None
    due_period: str | None = None
    status: str | None = None
    approving_level: str | None = None
    overdue_only: bool = False
    # Items with a postponement request waiting for a manager ("chờ duyệt").
    pending_only: bool = False
    # Items due soon ("sắp đến hạn"): open, deadline from today to `due_soon_until`, the last
    # deadline in the reminder window (None: no reminder is set, nothing is due soon).
    due_soon_only: bool = False
    due_soon_until: date | None = None
    # Items waiting for their lead agency's answer: returned, or a request just refused.
    answer_only: bool = False
    # Open items with no change since `quiet_since` (the start of a day, in UTC).
    quiet_only: bool = False
    quiet_since: datetime | None = None

    @property
    def narrows(self) -> bool:
        """Is any filter set (does `apply` add a condition)?"""
        return bool(self.lead_agency_id or self.due_period or self.status
                    or self.approving_level or self.overdue_only or self.due_soon_only
                    or self.pending_only or self.answer_only or self.quiet_only)

    def apply(self, query: sa.Select, today: date) -> sa.Select:
        if self.lead_agency_id:
            query = query.where(led_by(self.lead_agency_id))
        if self.due_period:
            query = query.where(Item.due_period == self.due_period)
        if self.status:
            query = query.where(Item.status == self.status)
        if self.approving_level:
            query = query.where(Item.approving_level == self.approving_level)
        if self.overdue_only:
            query = query.where(overdue(today))
        if self.due_soon_only:
            query = query.where(due_soon(today, self.due_soon_until))
        if self.pending_only:
            query = query.where(awaiting_decision())
        if self.answer_only:
            query = query.where(awaiting_answer())
        if self.quiet_only:
            query = query.where(quiet(self.quiet_since))
        return query


OPEN = tuple(status.value for status in Status if status not in ENDED)


def is_open() -> sa.ColumnElement[bool]:
    """Condition on Item: its status does not end the tracking (as IN, which the
    status indexes serve)."""
    return Item.status.in_(OPEN)


def overdue(today: date) -> sa.ColumnElement[bool]:
    """Condition on Item: statuses.is_overdue."""
    return sa.and_(is_open(), Item.due_date.is_not(None), Item.due_date < today)


def due_soon(today: date, until: date | None) -> sa.ColumnElement[bool]:
    """Condition on Item: statuses.is_due_soon."""
    if until is None:
        return sa.false()
    return sa.and_(is_open(), Item.due_date.is_not(None),
                   Item.due_date.between(today, until))


def awaiting_decision() -> sa.ColumnElement[bool]:
    """Condition on Item: a postponement or withdrawal request waits for a manager's
    decision."""
    # Two selects, each served by its own index (an OR of the columns scanned every item).
    waiting = sa.union(
        sa.select(Item.id).where(Item.requested_due_period.is_not(None)),
        sa.select(Item.id).where(Item.withdrawal_requested.is_(True)))
    return Item.id.in_(waiting)


def awaiting_answer() -> sa.ColumnElement[bool]:
    """Condition on Item: open, and its lead agency must answer: the item was returned
    for revision, or the latest entry of its journal is a refused request (the stored flag
    of plans/refusals.py). Each of the two through its own index, never every open item
    tested."""
    return sa.or_(Item.status == Status.RETURNED.value,
                  sa.and_(Item.refusal_unanswered.is_(True), is_open()))


def quiet(since: datetime | None) -> sa.ColumnElement[bool]:
    """Condition on Item: open, and nothing changed or journaled since `since` (a note
    counts as an update: every journal entry sets the item's `updated_at`, see
    tracker/search/index.py; statuses.quiet_since)."""
    if since is None:
        return sa.false()
    return sa.and_(is_open(), Item.updated_at < since)


def led_by(agency_id: int) -> sa.ColumnElement[bool]:
    """Condition on Item: the agency leads the item, alone or with others."""
    co_led = sa.select(item_leads.c.item_id).where(item_leads.c.agency_id == agency_id)
    return sa.or_(Item.lead_agency_id == agency_id, Item.id.in_(co_led))


def involved_plan_ids(agency_id: int) -> sa.Select:
    """Plans in which the agency leads, co-leads or coordinates at least one item: read from
    `plan_agency` (tracker/involvement.py), which the items' writes keep in step."""
    return sa.select(plan_agencies.c.plan_id).where(plan_agencies.c.agency_id == agency_id)


def agency_involved(agency_id: int, plan_id: int) -> bool:
    """Does the agency lead or coordinate an item of this plan?"""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        plan_agencies.c.agency_id == agency_id, plan_agencies.c.plan_id == plan_id))))


# The statements of an item's page are built once, with the id as a parameter: building a
# select() with its loader options costs more CPU than running it from SQLAlchemy's cache.
ITEM_WITH_PLAN = (sa.select(Item).where(Item.id == sa.bindparam("item_id"))
                  .options(so.joinedload(Item.lead_agency), so.joinedload(Item.plan),
                           so.joinedload(Item.section)))


def load_item(item_id: int) -> Item | None:
    """One item with its plan, section and agencies (its page, its forms): two queries."""
    item = db.session.scalar(ITEM_WITH_PLAN, {"item_id": item_id})
    if item is not None and {"coordinators", "leads"} & sa.inspect(item).unloaded:
        load_linked_agencies(item)  # not over collections the session has (maybe changed)
    return item


def _linked_agencies_query() -> sa.Select:
    links = sa.union_all(
        sa.select(item_coordinators.c.agency_id.label("agency_id"), sa.literal(False).label("lead"))
        .where(item_coordinators.c.item_id == sa.bindparam("item_id")),
        sa.select(item_leads.c.agency_id, sa.literal(True))
        .where(item_leads.c.item_id == sa.bindparam("item_id")),
    ).subquery()
    return (sa.select(Agency, links.c.lead).join(links, links.c.agency_id == Agency.id)
            .order_by(Agency.name, Agency.id))


LINKED_AGENCIES = _linked_agencies_query()


def load_linked_agencies(item: Item) -> None:
    """Fill the item's `coordinators` and `leads` (by name) with one query. Two selectinloads
    cost two queries; joining both collections to the item multiplies rows, and SQLite plans
    those nested outer joins with a scan of the link tables."""
    linked: dict[bool, list[Agency]] = {False: [], True: []}
    for agency, lead in db.session.execute(LINKED_AGENCIES, {"item_id": item.id}):
        linked[bool(lead)].append(agency)
    so.attributes.set_committed_value(item, "coordinators", linked[False])
    so.attributes.set_committed_value(item, "leads", linked[True])


def plan_summaries(agency_id: int | None) -> list[tuple[Plan, int]]:
    """The plans an agency may see (all, for None), with their number of items, newest first."""
    counts = (
        sa.select(Item.plan_id, sa.func.count().label("n"))
        .group_by(Item.plan_id)
        .subquery()
    )
    query = (
        sa.select(Plan, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.plan_id == Plan.id)
        .order_by(Plan.id.desc())
    )
    if agency_id is not None:
        query = query.where(sa.or_(Plan.owner_agency_id == agency_id,
                                   Plan.id.in_(involved_plan_ids(agency_id))))
    return [(plan, n) for plan, n in db.session.execute(query)]


def items_query(plan_id: int, filters: ItemFilters, today: date) -> sa.Select:
    query = (
        sa.select(Item)
        .where(Item.plan_id == plan_id)
        .options(so.joinedload(Item.lead_agency))
        .order_by(Item.position, Item.id)
    )
    return filters.apply(query, today)


@dataclass(frozen=True)
class PlanCounts:
    """The plan page's counts: items per status, and the overdue, due soon and waiting ones."""

    statuses: dict[str, int]
    overdue: int
    due_soon: int
    pending: int


def plan_counts(plan_id: int, today: date, due_soon_until: date | None) -> PlanCounts:
    """Every count of the plan page in one query (grouped by status, flags counted beside)."""
    rows = db.session.execute(
        sa.select(Item.status, sa.func.count(),
                  sa.func.count().filter(overdue(today)),
                  sa.func.count().filter(due_soon(today, due_soon_until)),
                  sa.func.count().filter(awaiting_decision()))
        .where(Item.plan_id == plan_id)
        .group_by(Item.status)
    ).all()
    statuses = {status.value: 0 for status in Status}
    statuses.update({status: n for status, n, *_ in rows})
    return PlanCounts(statuses, *(sum(row[i] or 0 for row in rows) for i in (2, 3, 4)))


@dataclass(frozen=True)
class FilterChoices:
    agencies: list[tuple[int, str]]
    periods: list[str]
    levels: list[str]


def filter_choices(plan_id: int) -> FilterChoices:
    """The values present in the plan, so filters offer only what can match."""
    return filter_choices_where(Item.plan_id == plan_id)


def filter_choices_where(scope: sa.ColumnElement[bool]) -> FilterChoices:
    """The values present among the items in `scope` (a plan, or every visible plan). The
    lead filter offers every agency an item names as lead, co-leads too: it matches them
    (led_by), and so do the start page's agency table and its links."""
    leads = sa.union(sa.select(Item.lead_agency_id).where(scope),
                     sa.select(item_leads.c.agency_id)
                     .join(Item, Item.id == item_leads.c.item_id).where(scope))
    agencies = db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(leads)).order_by(Agency.name)
    ).all()
    periods = db.session.execute(
        sa.select(Item.due_period, sa.func.min(Item.due_date))
        .where(scope)
        .group_by(Item.due_period)
    ).all()
    # Dated periods in deadline order, open texts ("Thường xuyên") last.
    periods.sort(key=lambda row: (row[1] is None, row[1] or date.min, row[0]))
    levels = db.session.scalars(
        sa.select(Item.approving_level)
        .where(scope, Item.approving_level != "")
        .distinct()
        .order_by(Item.approving_level)
    ).all()
    return FilterChoices([tuple(a) for a in agencies], [p for p, _ in periods], list(levels))


def plan_owners_where(scope: sa.ColumnElement[bool]) -> list[tuple[int, str]]:
    """(id, name) of the agencies owning the plans of the items in `scope`, by name."""
    owners = sa.select(Plan.owner_agency_id).join(Item, Item.plan_id == Plan.id).where(scope)
    return [tuple(row) for row in db.session.execute(
        sa.select(Agency.id, Agency.name).where(Agency.id.in_(owners)).order_by(Agency.name))]


def visible_plans(agency_id: int | None) -> sa.ColumnElement[bool]:
    """Condition on Item: the item belongs to a plan the agency may see (every plan, for
    None). The plan ids (a few hundred at most) are read first, in their own query, and
    given to the item query as a list: inside it, PostgreSQL joined them to every item
    matched before narrowing."""
    if agency_id is None:
        return sa.true()
    return Item.plan_id.in_(visible_plan_ids(agency_id))


def visible_plan_ids(agency_id: int) -> list[int]:
    """The plans the agency owns, or in which it leads, co-leads or coordinates an item."""
    owned = sa.select(Plan.id).where(Plan.owner_agency_id == agency_id)
    return list(db.session.scalars(sa.union(owned, involved_plan_ids(agency_id))))


def create_plan(title: str, owner: Agency, attached_to: str = "", appendix_label: str = "",
                layout: dict | None = None) -> Plan:
    plan = Plan(title=title, owner_agency=owner, attached_to=strip_attached_to(attached_to),
                appendix_label=appendix_label, layout=layout)
    db.session.add(plan)
    return plan


def update_plan(plan: Plan, expected_version: int | None, *, title: str, owner: Agency,
                attached_to: str, appendix_label: str = "") -> None:
    check_version(plan, expected_version)
    plan.title = title
    plan.owner_agency = owner
    plan.attached_to = strip_attached_to(attached_to)
    plan.appendix_label = appendix_label


def strip_attached_to(text: str) -> str:
    """Keep only the inside of "(Kèm theo …)", however the user typed it."""
    text = (text or "").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    for prefix in ("ban hành kèm theo", "kèm theo"):
        if text.casefold().startswith(prefix):
            return text[len(prefix):].strip()
    return text


def next_position(plan_id: int) -> int:
    last = db.session.scalar(sa.select(sa.func.max(Item.position)).where(Item.plan_id == plan_id))
    return (last or 0) + 1


@dataclass
class ItemFields:
    """What a manager types for one item (the appendix's six columns, plus notes)."""

    title: str
    lead_agency_name: str
    coordination: str
    due_period: str
    approving_level: str
    notes: str = ""
    position: int | None = None
    # An imported row, kept as published: the cells' own text beside what is computed.
    published: PublishedCells | None = None


@dataclass
class PublishedCells:
    """What a row of a published list says beyond the six columns (see Item)."""

    lead_text: str = ""
    lead_names: list[str] = field(default_factory=list)   # the agencies the lead cell names
    number_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    sub_rows: list[dict[str, str]] = field(default_factory=list)
    merged_up: list[str] = field(default_factory=list)
    section: PlanSection | None = None


def plan_sections(plan_id: int) -> list[tuple[int, str]]:
    """(id, text) of the headings of an imported list, in order: where a new item may go."""
    return [tuple(row) for row in db.session.execute(
        sa.select(PlanSection.id, PlanSection.text)
        .where(PlanSection.plan_id == plan_id, PlanSection.kind == "heading")
        .order_by(PlanSection.position))]


def typed_published_cells(plan: Plan, *, lead_text: str, number_text: str,
                          section_id: int | None, extra: dict[str, str],
                          keep_number: bool = False) -> PublishedCells:
    """What a manager typed for an item of an imported list. Without a number, a new item
    takes the one after the last of its section ("1.3" → "1.4")."""
    section = db.session.get(PlanSection, section_id) if section_id else None
    if section is not None and section.plan_id != plan.id:
        section = None
    if not number_text and not keep_number:
        numbers = db.session.scalars(
            sa.select(Item.number_text).where(
                Item.plan_id == plan.id,
                Item.section_id == section.id if section else Item.section_id.is_(None))
            .order_by(Item.position, Item.id)).all()
        number_text = next_number(numbers)
    return PublishedCells(lead_text=lead_text, lead_names=lead_names(lead_text),
                          number_text=number_text, extra={k: v for k, v in extra.items() if v},
                          section=section)


def add_item(plan: Plan, fields: ItemFields, directory: AgencyDirectory,
                 actor_user_id: int | None = None, actor_agency_id: int | None = None) -> Item:
    """Create an item; raises PeriodError for a bad due period. The journal records its creation.

    A typed period is stored in its canonical form ("quý 3/2020" → "Quý III/2020"); a
    published one as published ("Quí IV-2025"), its deadline computed beside it.
    """
    published = fields.published
    period = parse_period(fields.due_period) if fields.due_period else None
    deadline = period.deadline() if period is not None else None
    if published is not None:
        period_text = fields.due_period
    else:
        period_text = period.label if period is not None else ""
    names = (published.lead_names if published and published.lead_names
             else [fields.lead_agency_name])
    leads = list({id(agency): agency for agency in
                  (directory.find_or_create(name) for name in names)}.values())
    extra = dict(published.extra) if published else {}
    if published and published.merged_up:
        extra["_merged_up"] = list(published.merged_up)
    item = Item(
        plan=plan,
        position=fields.position or next_position(plan.id),
        title=fields.title,
        lead_agency=leads[0],
        leads=leads,
        lead_text=published.lead_text if published else "",
        number_text=published.number_text if published else "",
        section=published.section if published else None,
        extra=extra or None,
        sub_rows=(published.sub_rows or None) if published else None,
        coordination=fields.coordination,
        coordinators=directory.mentioned_in(
            "\n".join([fields.coordination] + [sub.get("coordination", "") for sub in
                                               (published.sub_rows if published else [])])),
        due_period=period_text,
        due_date=deadline,
        original_due_period=period_text,
        original_due_date=deadline,
        approving_level=fields.approving_level,
        notes=fields.notes,
        status=Status.NOT_STARTED.value,
    )
    db.session.add(item)
    item.journal.append(JournalEntry(
        user_id=actor_user_id, agency_id=actor_agency_id, kind=JournalKind.CREATED.value,
        new_status=Status.NOT_STARTED.value,
    ))
    return item


def my_items_query(agency_id: int, manages_owned_plans: bool, sees_every_plan: bool,
                   today: date, filters: ItemFilters | None = None) -> sa.Select:
    """Open items the user's agency must act on: those it leads or coordinates (its officers
    are reminded of both), and (for a manager) those of the plans it owns, or of every plan
    in the consolidating office. By deadline."""
    query = (sa.select(Item)
             .join(Plan, Plan.id == Item.plan_id)
             .options(so.joinedload(Item.lead_agency), so.contains_eager(Item.plan))
             .where(is_open(), mine(agency_id, manages_owned_plans, sees_every_plan))
             .order_by(Item.due_date.is_(None), Item.due_date, Item.id))
    return (filters or ItemFilters()).apply(query, today)


def mine(agency_id: int, manages_owned_plans: bool, sees_every_plan: bool
         ) -> sa.ColumnElement[bool]:
    """Condition on Item (with Plan joined): the items of "My items", whatever their
    status (see my_items_query)."""
    if manages_owned_plans and sees_every_plan:
        return sa.true()
    condition = sa.or_(led_by(agency_id), coordinated_by(agency_id))
    if manages_owned_plans:
        condition = sa.or_(condition, Plan.owner_agency_id == agency_id)
    return condition


def coordinated_by(agency_id: int) -> sa.ColumnElement[bool]:
    """Condition on Item: the agency is linked as a coordinating agency."""
    return Item.id.in_(sa.select(item_coordinators.c.item_id)
                           .where(item_coordinators.c.agency_id == agency_id))


def only_coordinated(agency_id: int, item_ids: Collection[int]) -> set[int]:
    """Of `item_ids` (a page of a list), those the agency coordinates without leading: one
    query, for their "Phối hợp" mark."""
    if not item_ids:
        return set()
    return set(db.session.scalars(sa.select(Item.id).where(
        Item.id.in_(list(item_ids)), coordinated_by(agency_id), ~led_by(agency_id))))


def decisions_scope(agency_id: int, sees_every_plan: bool) -> sa.ColumnElement[bool]:
    """Condition on Item: the items whose requests a manager of `agency_id` decides
    (those of the plans it owns; every plan, for the consolidating office or an admin)."""
    if sees_every_plan:
        return sa.true()
    return Item.plan_id.in_(sa.select(Plan.id).where(Plan.owner_agency_id == agency_id))


def waiting_decisions(scope: sa.ColumnElement[bool]) -> int:
    """How many postponement requests in `scope` wait for a decision (counted from the
    two requests' indexes: every page of those who decide shows this number)."""
    waiting = sa.union(
        sa.select(Item.id).where(Item.requested_due_period.is_not(None), scope),
        sa.select(Item.id).where(Item.withdrawal_requested.is_(True), scope)).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(waiting)) or 0


def _waiting_count(owner_agency_id) -> sa.Select:
    """`waiting_decisions`' count read the other way round: the waiting requests from their
    two indexes first (a handful), then their plans' owner. The scope's way reads every item
    of the owner's plans (SQLite: ~0.8 ms for a 5,000-item plan, on every page). A period
    asked for is text, so `>= ''` holds exactly when it is set; SQLite answers that one from
    the index, not IS NOT NULL."""
    asked = sa.union(
        sa.select(Item.id, Item.plan_id).where(Item.requested_due_period.is_not(None),
                                               Item.requested_due_period >= ""),
        sa.select(Item.id, Item.plan_id).where(Item.withdrawal_requested.is_(True)),
    ).subquery()
    query = sa.select(sa.func.count()).select_from(asked)
    if owner_agency_id is not None:
        query = query.join(Plan, Plan.id == asked.c.plan_id).where(
            Plan.owner_agency_id == owner_agency_id)
    return query


# The page header's count (tracker.web.waiting_decisions_count), built once with the agency as
# a parameter: building the union costs more than running it from SQLAlchemy's cache.
WAITING_EVERYWHERE = _waiting_count(None)
WAITING_OWNED = _waiting_count(sa.bindparam("agency_id"))


def waiting_decisions_of(agency_id: int, sees_every_plan: bool) -> int:
    """`waiting_decisions(decisions_scope(agency_id, sees_every_plan))`, the same number from
    the prebuilt statements (tests/test_throughput.py compares them)."""
    if sees_every_plan:
        return db.session.scalar(WAITING_EVERYWHERE) or 0
    return db.session.scalar(WAITING_OWNED, {"agency_id": agency_id}) or 0
