"""The demo shows the product at its best on any date: `seed-demo --today-relative` adds a
list whose deadlines sit around today, with items overdue, due soon, waiting for a decision
and done, whatever today is (Tết, a year's end, a weekend)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.demo import current_title, load_demo
from tracker.extensions import db
from tracker.models import Item, JournalEntry, Plan
from tracker.notify.service import reminder_settings
from tracker.statuses import is_ended, is_overdue
from tracker.web import tracker_today


def current_items(today: date) -> list[Item]:
    return list(db.session.scalars(
        sa.select(Item).join(Plan).where(Plan.title == current_title(today))
        .options(so.joinedload(Item.lead_agency)).order_by(Item.position)))


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2027, 2, 8), date(2026, 12, 31),
                                   date(2027, 1, 1), date(2026, 8, 22), date(2030, 6, 15)])
def test_the_list_around_today_has_every_state(app, today):
    """Overdue items, items due within the reminder window, a postponement request waiting,
    items submitted and approved with their documents, and one for later; every document
    dated on or before today and after the list's own date."""
    load_demo(today)
    db.session.commit()
    items = current_items(today)
    window = max(reminder_settings().stage_list)
    open_items = [item for item in items if not is_ended(item.status)]
    overdue = [item for item in open_items if is_overdue(item.status, item.due_date, today)]
    due_soon = [item for item in open_items
                if item.due_date and today <= item.due_date <= today + timedelta(days=window)]
    assert len(overdue) >= 2 and len(due_soon) >= 2
    assert {item.status for item in items} >= {"submitted", "approved", "in_progress",
                                                 "consulting", "not_started"}
    assert [item.requested_due_period for item in items if item.requested_due_period]
    assert any(item.due_date > today + timedelta(days=window) for item in open_items)
    assert {item.lead_agency.name for item in items} == {"Sở Công Thương", "Sở Tài chính"}
    dates = db.session.scalars(sa.select(JournalEntry.document_date)
                               .where(JournalEntry.document_date.is_not(None))).all()
    assert dates and all(today - timedelta(days=45) <= day <= today for day in dates)


def test_seed_demo_today_relative_loads_once(app, runner):
    """The command adds the list of today's year once; run again, it adds nothing; without
    the option, the demo is the seed report only."""
    result = runner.invoke(args=["seed-demo", "--today-relative"])
    assert result.exit_code == 0, result.output
    today = tracker_today()
    assert "deadlines around" in result.output
    count = len(current_items(today))
    assert count >= 8
    assert runner.invoke(args=["seed-demo", "--today-relative"]).exit_code == 0
    assert len(current_items(today)) == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2


def test_the_plain_demo_is_the_seed_report_only(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalars(sa.select(Plan.title)).all() == [
        "DANH MỤC ĐỀ ÁN, VĂN BẢN TRÌNH UBND TỈNH, CHỦ TỊCH UBND TỈNH 6 THÁNG CUỐI NĂM 2020"]
