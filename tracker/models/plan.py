from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models._types import NFCString, NFCText, UTCDateTime, utcnow
from tracker.statuses import Status

item_coordinators = sa.Table(
    "item_coordinator",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True, index=True),
)

# Every agency a lead cell names ("Bộ CHQS tỉnh; UBND cấp xã"), the first one being
# `Item.lead_agency`: all of them may update the item and are reminded.
item_leads = sa.Table(
    "item_lead_agency",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True, index=True),
)


# Which agencies take part in which plan: each agency that leads, co-leads or coordinates
# at least one of its items, and how many of them it leads (its `item_lead_agency` links).
# Derived from the items' links and kept in step at every commit (tracker/involvement.py):
# the lists an agency may see are one index read, its number of items a sum over its plans.
plan_agencies = sa.Table(
    "plan_agency",
    db.metadata,
    sa.Column("agency_id", sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("plan_id", sa.ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True,
              index=True),
    sa.Column("leads", sa.Integer, nullable=False, default=0, server_default="0"),
)


class Plan(db.Model):
    """One printed list: "Danh mục đề án, văn bản trình …" and its items."""

    __tablename__ = "plan"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(NFCText)
    owner_agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency.id"), index=True)
    # The inside of the "(Kèm theo …)" line, e.g. "Báo cáo số 351/BC-SCT ngày 29/5/2020 của Sở Công Thương".
    attached_to: so.Mapped[str] = so.mapped_column(NFCText, default="")
    # The "Phụ lục" line above the title ("Phụ lục", "Phụ lục II" when a report has several);
    # empty: no such line, as in the seed report.
    appendix_label: so.Mapped[str] = so.mapped_column(sa.String(50), default="",
                                                      server_default="")
    # The list's own shape when it was imported ("as published"), None for a list made in
    # the tracker (the seed's six columns): see `tracker.appendix.layout.PlanLayout`.
    layout: so.Mapped[dict | None] = so.mapped_column(sa.JSON(none_as_null=True))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The public progress page /public/plans/<public_slug>: shown while `published_at` is
    # set (a manager's opt-in); unpublishing clears the date and keeps the slug for next time.
    public_slug: so.Mapped[str | None] = so.mapped_column(sa.String(80), unique=True)
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    version: so.Mapped[int] = so.mapped_column(default=1)

    owner_agency: so.Mapped[Agency] = so.relationship(lazy="joined")  # noqa: F821
    items: so.Mapped[list[Item]] = so.relationship(
        back_populates="plan", order_by="Item.position", lazy="raise_on_sql",
        cascade="all, delete-orphan",
    )
    sections: so.Mapped[list[PlanSection]] = so.relationship(
        back_populates="plan", order_by="PlanSection.position", lazy="raise_on_sql",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Plan {self.id} {self.title[:40]!r}>"


class PlanSection(db.Model):
    """A row of a published list that is not an item: a group heading ("I | Hoàn thiện thể
    chế") or a header row repeated inside the table, kept with its cells as published.
    The items under it (up to the next section) point to it."""

    __tablename__ = "plan_section"
    __table_args__ = (sa.Index("ix_plan_section_plan_position", "plan_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"))
    position: so.Mapped[int]
    # "heading" | "header" (a header row repeated inside the table)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10), default="heading")
    # The row as published: [[text, columns spanned], …] covering the plan's columns.
    cells: so.Mapped[list] = so.mapped_column(sa.JSON)
    # The heading as one line ("I. Hoàn thiện thể chế"), for choosing a section and grouping.
    text: so.Mapped[str] = so.mapped_column(NFCText, default="")

    plan: so.Mapped[Plan] = so.relationship(back_populates="sections", lazy="raise_on_sql")


class Item(db.Model):
    """One row of a plan: a proposal or document an agency will submit."""

    __tablename__ = "item"
    __table_args__ = (
        sa.Index("ix_item_plan_position", "plan_id", "position"),
        # The start page's counts and lists: open items by deadline (with the id, so that the
        # agency table's join reads the index alone on PostgreSQL), and by last change.
        sa.Index("ix_item_status_due_date", "status", "due_date", "id"),
        sa.Index("ix_item_status_updated_at", "status", "updated_at"),
        # The requests waiting for a decision (counted on every page of those who decide).
        sa.Index("ix_item_requested_due_period", "requested_due_period"),
        sa.Index("ix_item_withdrawal_requested", "withdrawal_requested"),
        # The scorecard's grouped counts read these four columns only (scorecard/counting.py).
        sa.Index("ix_item_scorecard", "due_date", "lead_agency_id", "status", "ended_on"),
        # The few items whose last journal entry is a refused request (awaiting an answer).
        sa.Index("ix_item_refusal_unanswered", "refusal_unanswered"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan.id", ondelete="CASCADE"))
    position: so.Mapped[int]
    title: so.Mapped[str] = so.mapped_column(NFCText)
    lead_agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency.id"), index=True)
    # The lead cell as published ("Sở KH&CN", "Bộ CHQS tỉnh; UBND cấp xã"); "" for an item made
    # in the tracker, printed as the lead agency's name. The agencies it names: `leads`.
    lead_text: so.Mapped[str] = so.mapped_column(NFCText, default="", server_default="")
    # The STT cell as published ("1.1", "5.2.3", "1."); "" when the table numbers the row.
    number_text: so.Mapped[str] = so.mapped_column(NFCString(50), default="", server_default="")
    section_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("plan_section.id", ondelete="SET NULL"), index=True)
    # Cells of the list's own columns ("Sản phẩm đầu ra", "Kết quả") by column key.
    extra: so.Mapped[dict | None] = so.mapped_column(sa.JSON(none_as_null=True))
    # Further lines of one item in the source (a second lead agency with its own
    # coordinating agencies), as {column key: text}; the other cells are merged down.
    sub_rows: so.Mapped[list | None] = so.mapped_column(sa.JSON(none_as_null=True))
    # Printed verbatim; the agencies it names are linked in `coordinators`.
    coordination: so.Mapped[str] = so.mapped_column(NFCText, default="")
    # The period in force: as published (or as typed, canonical), then the canonical label
    # of an approved postponement; the deadline computed from it beside it.
    due_period: so.Mapped[str] = so.mapped_column(NFCString(200), index=True)
    due_date: so.Mapped[date | None] = so.mapped_column(index=True)
    # What the filed plan said; a postponement changes due_* only.
    original_due_period: so.Mapped[str] = so.mapped_column(NFCString(200))
    original_due_date: so.Mapped[date | None]
    # An officer's postponement request waiting for a manager: "xin lùi sang Quý IV/2020 — chờ duyệt".
    requested_due_period: so.Mapped[str | None] = so.mapped_column(NFCString(200))
    # An officer's withdrawal request waiting for a manager (the reason is in the journal).
    withdrawal_requested: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    approving_level: so.Mapped[str] = so.mapped_column(NFCString(200), default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=Status.NOT_STARTED, index=True)
    submission_ref: so.Mapped[str | None] = so.mapped_column(NFCText)
    outcome_ref: so.Mapped[str | None] = so.mapped_column(NFCText)
    notes: so.Mapped[str] = so.mapped_column(NFCText, default="")
    # The day its current ending was documented (submitted, issued or withdrawn), read from
    # the journal and kept in step by tracker/scorecard/ended.py; None while it is open.
    ended_on: so.Mapped[date | None]
    # The latest entry of its journal is a refused request, which its lead agency must
    # answer (any later entry does); kept in step by tracker/plans/refusals.py.
    refusal_unanswered: so.Mapped[bool] = so.mapped_column(default=False,
                                                          server_default=sa.false())
    # The last change or journal entry (a note too: tracker/search/index.py sets it).
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    plan: so.Mapped[Plan] = so.relationship(back_populates="items", lazy="raise_on_sql")
    lead_agency: so.Mapped[Agency] = so.relationship(lazy="raise_on_sql")  # noqa: F821
    coordinators: so.Mapped[list[Agency]] = so.relationship(  # noqa: F821
        secondary=item_coordinators, lazy="raise_on_sql", order_by="Agency.name"
    )
    leads: so.Mapped[list[Agency]] = so.relationship(  # noqa: F821
        secondary=item_leads, lazy="raise_on_sql", order_by="Agency.name"
    )
    section: so.Mapped[PlanSection | None] = so.relationship(lazy="raise_on_sql")
    journal: so.Mapped[list[JournalEntry]] = so.relationship(
        back_populates="item", lazy="raise_on_sql", cascade="all, delete-orphan",
        order_by="desc(JournalEntry.id)",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Item {self.id} #{self.position} {self.status}>"


class JournalKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    COMMENT = "comment"
    EDIT = "edit"
    POSTPONEMENT_REQUESTED = "postponement_requested"
    POSTPONEMENT_REFUSED = "postponement_refused"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWAL_REFUSED = "withdrawal_refused"
    # A manager puts a withdrawn item back on the list (old_status → new_status as journaled).
    REINSTATED = "reinstated"


class JournalEntry(db.Model):
    """One change to a proposal. Rows are only ever added: the history is never rewritten."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        # An item's latest entries (is it quiet? what did the last one say?), from the index alone.
        sa.Index("ix_journal_entry_item_created", "item_id", "created_at"),
        # The latest entries of many items (the start page's feed), from the index alone.
        sa.Index("ix_journal_entry_item_id", "item_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id", ondelete="CASCADE"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # Null for changes made from the command line (an import).
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    agency_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agency.id"))
    # Indexed: the start page looks for the refused requests among all entries.
    kind: so.Mapped[str] = so.mapped_column(sa.String(30), index=True)
    old_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    new_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    field: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    old_value: so.Mapped[str | None] = so.mapped_column(NFCText)
    new_value: so.Mapped[str | None] = so.mapped_column(NFCText)
    note: so.Mapped[str] = so.mapped_column(NFCText, default="")
    document_ref: so.Mapped[str | None] = so.mapped_column(NFCText)
    document_date: so.Mapped[date | None]
    new_due_period: so.Mapped[str | None] = so.mapped_column(NFCString(200))
    # The name of the API token the change came through (None: the web pages, a command),
    # as it was then: the history keeps it when the token is revoked.
    api_token_name: so.Mapped[str | None] = so.mapped_column(NFCString(100))

    item: so.Mapped[Item] = so.relationship(back_populates="journal", lazy="raise_on_sql")
    user: so.Mapped[User | None] = so.relationship(lazy="raise_on_sql")  # noqa: F821
    agency: so.Mapped[Agency | None] = so.relationship(lazy="raise_on_sql")  # noqa: F821
    # The files of the documents it cites (see Attachment), loaded with the journal.
    attachments: so.Mapped[list[Attachment]] = so.relationship(  # noqa: F821
        back_populates="entry", lazy="raise_on_sql", order_by="Attachment.id",
        cascade="all, delete-orphan", passive_deletes=True)
