"""Load a plan's items once (constant number of queries) and build its appendix table."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.appendix.table import AppendixTable, ItemSnapshot, build_table
from tracker.extensions import db
from tracker.models import JournalEntry, JournalKind, Plan, Proposal


def last_status_notes(plan_id: int) -> dict[int, str]:
    """The note of each item's latest status change, for one plan, in one query."""
    latest = (
        sa.select(sa.func.max(JournalEntry.id))
        .join(Proposal, Proposal.id == JournalEntry.proposal_id)
        .where(Proposal.plan_id == plan_id, JournalEntry.kind == JournalKind.STATUS.value)
        .group_by(JournalEntry.proposal_id)
    )
    rows = db.session.execute(
        sa.select(JournalEntry.proposal_id, JournalEntry.note).where(JournalEntry.id.in_(latest))
    )
    return {proposal_id: note for proposal_id, note in rows}


def plan_table(plan: Plan, *, with_status: bool, today: date) -> AppendixTable:
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.plan_id == plan.id)
        .options(so.joinedload(Proposal.lead_agency))
        .order_by(Proposal.position, Proposal.id)
    )
    notes = last_status_notes(plan.id) if with_status else {}
    snapshots = (
        ItemSnapshot(
            title=p.title, lead_agency=p.lead_agency.name, coordination=p.coordination,
            original_due_period=p.original_due_period, due_period=p.due_period,
            due_date=p.due_date, approving_level=p.approving_level, status=p.status,
            submission_ref=p.submission_ref, outcome_ref=p.outcome_ref, notes=p.notes,
            last_status_note=notes.get(p.id, ""), requested_due_period=p.requested_due_period,
        )
        for p in proposals
    )
    return build_table(plan.title, plan.attached_to, snapshots, with_status=with_status, today=today)
