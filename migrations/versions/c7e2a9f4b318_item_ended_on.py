"""item.ended_on: the day an item's ending was documented, for the scorecard

Revision ID: c7e2a9f4b318
Revises: 5b2b79246c1f
Create Date: 2026-12-01 09:00:00.000000

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7e2a9f4b318'
down_revision = '5b2b79246c1f'
branch_labels = None
depends_on = None

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
BATCH = 1000


def _timezone() -> str:
    try:
        from flask import current_app
        return current_app.config.get("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)
    except RuntimeError:   # run outside the app
        return DEFAULT_TIMEZONE


def backfill(conn, tz_name: str) -> None:
    """Frozen copy of the rule (scorecard.service.ended_dates at this revision): withdrawn,
    the date of its latest withdrawal; submitted or issued, of its latest submission, else
    of its latest issue; an entry without a document date counts on the local day it was
    recorded."""
    tz = ZoneInfo(tz_name)
    rows = conn.execute(sa.text(
        "SELECT journal_entry.item_id, journal_entry.new_status, journal_entry.document_date, "
        "journal_entry.created_at, item.status FROM journal_entry "
        "JOIN item ON item.id = journal_entry.item_id "
        "WHERE journal_entry.kind = 'status' "
        "AND journal_entry.new_status IN ('submitted', 'approved', 'withdrawn') "
        "AND item.status IN ('submitted', 'approved', 'withdrawn') "
        "ORDER BY journal_entry.id"))
    latest: dict[tuple[int, str], object] = {}
    statuses: dict[int, str] = {}
    for item_id, new_status, document_date, created_at, status in rows:
        if document_date is None and created_at is not None:
            if isinstance(created_at, str):
                created_at = datetime.fromisoformat(created_at)
            if created_at.tzinfo is None:
                created_at = created_at.replace(tzinfo=UTC)
            document_date = created_at.astimezone(tz).date()
        elif isinstance(document_date, str):
            document_date = datetime.fromisoformat(document_date).date()
        latest[item_id, new_status] = document_date
        statuses[item_id] = status
    writes = []
    for item_id, status in statuses.items():
        day = (latest.get((item_id, 'withdrawn')) if status == 'withdrawn'
               else latest.get((item_id, 'submitted')) or latest.get((item_id, 'approved')))
        if day is not None:
            writes.append({"item_id": item_id, "day": day})
    item = sa.table("item", sa.column("id", sa.Integer), sa.column("ended_on", sa.Date))
    update = (sa.update(item).where(item.c.id == sa.bindparam("item_id"))
              .values(ended_on=sa.bindparam("day")))
    for start in range(0, len(writes), BATCH):
        conn.execute(update, writes[start:start + BATCH])


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
    backfill(op.get_bind(), _timezone())
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index('ix_item_scorecard',
                              ['due_date', 'lead_agency_id', 'status', 'ended_on'], unique=False)


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_scorecard')
        batch_op.drop_column('ended_on')
