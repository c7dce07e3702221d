"""Load the items of an appendix once (a constant number of queries) and build its table.

One plan, a filtered part of it, or the consolidated list across every plan the
user may see: the same two queries (items with their lead agency and plan, and
the note of each item's latest status change), whatever the number of rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.appendix.layout import PLAN_HEADERS, PLAN_KEYS, PlanLayout
from tracker.appendix.table import (
    AppendixTable,
    Grouping,
    ItemSnapshot,
    Numbering,
    SectionSnapshot,
    attached_line,
    build_published_table,
    build_table,
)
from tracker.extensions import db
from tracker.models import Agency, Item, JournalEntry, JournalKind, Plan, PlanSection
from tracker.periods import format_date
from tracker.plans.service import ItemFilters, plan_owners_where, visible_plans
from tracker.statuses import VI_LABELS, Status, document_phrase

CONSOLIDATED_TITLE = "Danh mục đề án, văn bản trình Ủy ban nhân dân tỉnh"


@dataclass(frozen=True)
class AppendixOptions:
    """What the user asked for: which items, which columns, how grouped and numbered."""

    filters: ItemFilters = field(default_factory=ItemFilters)
    with_status: bool = False
    grouping: Grouping = Grouping.NONE
    numbering: Numbering = Numbering.CONTINUOUS


def consolidated_items_query(scope: sa.ColumnElement[bool], filters: ItemFilters,
                             today: date) -> sa.Select:
    """The consolidated page's items, by deadline (open texts last), with lead agency and plan."""
    query = (
        sa.select(Item).join(Plan, Plan.id == Item.plan_id).where(scope)
        .options(so.joinedload(Item.lead_agency), so.contains_eager(Item.plan))
        .order_by(Item.due_date.is_(None), Item.due_date, Plan.id, Item.position)
    )
    return filters.apply(query, today)


@dataclass(frozen=True)
class ConsolidatedScope:
    """Which items the consolidated list holds, and the agencies whose lists it may be cut to."""

    scope: sa.ColumnElement[bool]               # a condition on Item
    owners: list[tuple[int, str]]               # (id, name) of the owners of the lists seen
    owner_id: int | None = None                 # the one chosen, if any

    @property
    def owner_name(self) -> str | None:
        return dict(self.owners).get(self.owner_id)


def consolidated_scope(agency_id: int | None, owner: str | None) -> ConsolidatedScope:
    """The items of every list the agency sees (every list, for None), or only of the lists
    of `owner` (an agency id as the query string gives it) when he owns some of those."""
    scope = visible_plans(agency_id)
    owners = plan_owners_where(scope)
    owner_id = next((i for i, _name in owners if str(i) == owner), None)
    if owner_id is not None:
        scope = sa.and_(scope, Item.plan_id.in_(
            sa.select(Plan.id).where(Plan.owner_agency_id == owner_id)))
    return ConsolidatedScope(scope, owners, owner_id)


@dataclass(frozen=True)
class LastStatus:
    """What an item's latest status change said: its note, and the document it cited."""

    note: str = ""
    document: str = ""


def last_statuses(item_ids: sa.Select) -> dict[int, LastStatus]:
    """The latest change of each item `item_ids` selects to the status it has now: its note
    and document (an item put back on the list in its former status prints what brought it
    there, not its withdrawal)."""
    latest = (
        sa.select(sa.func.max(JournalEntry.id))
        .join(Item, Item.id == JournalEntry.item_id)
        .where(JournalEntry.item_id.in_(item_ids),
               JournalEntry.kind == JournalKind.STATUS.value,
               JournalEntry.new_status == Item.status)
        .group_by(JournalEntry.item_id)
    )
    rows = db.session.execute(
        sa.select(JournalEntry.item_id, JournalEntry.note, JournalEntry.document_ref,
                  JournalEntry.document_date).where(JournalEntry.id.in_(latest))
    )
    return {item_id: LastStatus(note or "", decision_phrase(ref, issued_on))
            for item_id, note, ref, issued_on in rows}


# A postponed or withdrawn item prints the document of the decision that made it so.
DECIDED_BY_LETTER = frozenset({Status.POSTPONED, Status.WITHDRAWN})


def decision_phrase(ref: str | None, issued_on: date | None) -> str:
    """The document of a decision on a postponement, as printed: "Công văn số 12/UBND-KT ngày
    5/10/2020" (a reference that names its kind, "Thông báo số …", is kept as typed)."""
    if not ref and issued_on is None:
        return ""
    ref = (ref or "").strip()
    # document_phrase keeps a reference that names its kind, and prefixes any other.
    if ref and document_phrase(Status.SUBMITTED, ref, None) != ref:
        ref = f"Công văn số {ref}"
    return document_phrase(Status.SUBMITTED, ref, issued_on) if ref else \
        f"Văn bản ngày {format_date(issued_on)}"


def filters_subtitle(filters: ItemFilters, lead_agency_name: str | None) -> str:
    """The line under the title of a filtered list, saying what was left out (in Vietnamese,
    as the printed document always is)."""
    parts = []
    if lead_agency_name:
        parts.append(f"Cơ quan chủ trì: {lead_agency_name}")
    if filters.due_period:
        parts.append(f"Thời gian trình: {filters.due_period}")
    if filters.status:
        parts.append(f"Tình trạng: {VI_LABELS[Status(filters.status)]}")
    if filters.approving_level:
        parts.append(f"Cấp trình: {filters.approving_level}")
    if filters.overdue_only:
        parts.append("Chỉ các đề án trễ hạn")
    if filters.due_soon_only:
        parts.append("Chỉ các đề án sắp đến hạn")
    if filters.pending_only:
        parts.append("Chỉ các đề án có đề nghị chờ duyệt")
    if filters.answer_only:
        parts.append("Chỉ các đề án chờ cơ quan chủ trì trả lời")
    if filters.quiet_only:
        parts.append("Chỉ các đề án lâu chưa cập nhật")
    return "; ".join(parts)


def appendix_table(scope: sa.ColumnElement[bool], options: AppendixOptions, *, title: str,
                   attached_to: str, today: date, lead_agency_name: str | None = None,
                   label: str = "", owner_name: str | None = None,
                   plan: Plan | None = None, subtitle: str = "",
                   public_text: Callable[[str], str] | None = None) -> AppendixTable:
    """The table of the items in `scope` (a condition on Item) that pass the filters.

    `public_text`, when given, makes the public table: see tracker/public/service.py.

    `subtitle`, when given, is printed under the title instead of the lines the tracker
    writes there (the list's owner, the filters, the date of the progress).

    Rows come plan by plan, each plan in its own order; grouping then regroups them. One
    imported `plan` prints as published (its columns, headings, STT) unless regrouped;
    a consolidated list prints the columns its plans have in common.
    """
    # Plain columns, not ORM entities: building 5,000 Item objects cost more than
    # printing them (bench/bench_published.py). Columns the table will not print are NULL
    # literals: a date or JSON column costs a conversion per row (a fifth of a 5,000-row
    # CSV on SQLite) for nothing.
    layout = PlanLayout.from_json(plan.layout) if plan is not None else None
    status, own = options.with_status, layout is not None

    def wanted(column, needed: bool):
        return column if needed else sa.null()

    query = (
        sa.select(Item.id, Item.title, Agency.name.label("lead_agency"),
                  Item.coordination, Item.original_due_period, Item.due_period,
                  wanted(Item.due_date, status), Item.approving_level, Item.status,
                  wanted(Item.submission_ref, status), wanted(Item.outcome_ref, status),
                  wanted(Item.notes, status), wanted(Item.requested_due_period, status),
                  wanted(Item.withdrawal_requested, status),
                  Plan.title.label("plan_title"),
                  wanted(Item.number_text, own), Item.lead_text, wanted(Item.extra, own),
                  wanted(Item.sub_rows, own), wanted(Item.section_id, own))
        .join(Plan, Plan.id == Item.plan_id)
        .join(Agency, Agency.id == Item.lead_agency_id)
        .where(scope)
        .order_by(Plan.id, Item.position, Item.id)
    )
    query = options.filters.apply(query, today)
    # On the session's connection (Core), not through the ORM: the rows are plain values
    # anyway, and the ORM's result handling cost half the time for 5,000 rows.
    rows = db.session.connection().execute(query).all()
    notes = {}
    if options.with_status and rows:
        item_ids = options.filters.apply(
            sa.select(Item.id).join(Plan, Plan.id == Item.plan_id).where(scope), today)
        notes = last_statuses(item_ids)
    # Positional: a Row's attribute lookup, 20 per item, cost more than building the item.
    snapshots = [
        ItemSnapshot(
            title, lead_agency, coordination, original_due_period, due_period, due_date,
            approving_level, status, submission_ref,
            # A postponed or withdrawn item prints the document of the decision.
            (notes[item_id].document if item_id in notes else "")
            if status in DECIDED_BY_LETTER else outcome_ref,
            item_notes or "", notes[item_id].note if item_id in notes else "",
            requested_due_period, bool(withdrawal_requested), plan_title, number_text or "",
            lead_text, extra, tuple(sub_rows) if sub_rows else None, section_id,
        )
        for (item_id, title, lead_agency, coordination, original_due_period, due_period,
             due_date, approving_level, status, submission_ref, outcome_ref, item_notes,
             requested_due_period, withdrawal_requested, plan_title, number_text, lead_text,
             extra, sub_rows, section_id) in rows
    ]
    if public_text is not None:
        # The public progress page (tracker/public): the items' own notes stay inside, and
        # the documents and reasons it prints pass through `public_text`.
        for snapshot in snapshots:
            snapshot.notes = ""
            snapshot.last_status_note = public_text(snapshot.last_status_note)
            snapshot.submission_ref = public_text(snapshot.submission_ref or "") or None
            snapshot.outcome_ref = public_text(snapshot.outcome_ref or "") or None
    subtitle_parts = [f"Đơn vị lập danh mục: {owner_name}" if owner_name else "",
                      filters_subtitle(options.filters, lead_agency_name)]
    if options.with_status:
        subtitle_parts.append(f"Tình hình thực hiện đến ngày {format_date(today)}")
    subtitle = subtitle or "\n".join(part for part in subtitle_parts if part)
    if layout is not None and options.grouping == Grouping.NONE:
        sections = [SectionSnapshot(section.id, section.kind,
                                    tuple(tuple(cell) for cell in section.cells))
                    for section in db.session.scalars(
                        sa.select(PlanSection).where(PlanSection.plan_id == plan.id)
                        .order_by(PlanSection.position))]
        complete = options.filters == ItemFilters()
        return build_published_table(
            title, layout.attached_line or attached_line(attached_to), layout.columns,
            sections, snapshots, with_status=options.with_status, today=today,
            complete=complete, subtitle=subtitle, label=label.upper(),
            lines_after=layout.lines_after)
    if layout is not None:
        columns = layout.columns
    else:
        columns = common_columns(scope) if plan is None else None
    return build_table(title, attached_to, snapshots, with_status=options.with_status,
                       today=today, grouping=options.grouping, numbering=options.numbering,
                       subtitle=subtitle, label=label, columns=columns,
                       published_attached_line=layout.attached_line if layout else "")


def common_columns(scope: sa.ColumnElement[bool]) -> list[tuple[str, str]]:
    """The columns of a list across plans: the seed's six, without "Cấp trình" when none of
    the plans has it (imported lists without that column). One query on the plans."""
    layouts = db.session.scalars(
        sa.select(Plan.layout).where(Plan.id.in_(sa.select(Item.plan_id).where(scope))))
    shapes = [PlanLayout.from_json(data) for data in layouts]
    with_level = not shapes or any(layout is None or layout.has("approving_level")
                                   for layout in shapes)
    columns = list(zip(PLAN_KEYS, PLAN_HEADERS, strict=True))
    return columns if with_level else columns[:-1]

