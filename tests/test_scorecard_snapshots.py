"""Frozen scorecards: the periods ending at a cut-off are frozen once; a frozen figure never
changes, whatever is edited afterwards, and past periods are read from it (page and CLI)."""
from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from scorecard_fixture import PERIOD, load_into_database
from scorecard_reference import load_items
from test_scorecard_web import table_figures

from tracker.extensions import db
from tracker.models import Item, JournalEntry, JournalKind, ScorecardSnapshot
from tracker.scorecard.counting import count_scorecard
from tracker.scorecard.jobs import run_freeze
from tracker.scorecard.snapshots import card_of, freeze, ids_behind, last_cutoff_before, periods_ending
from tracker.scoring import COUNT_FIELDS, Bucket, ReportPeriod, items_in, scorecard

NOW = datetime(2026, 3, 15, 0, 30, tzinfo=UTC)
PAGE = "/scorecard?kind=quarter&year=2026&quarter=1"


def test_periods_ending_at_a_cut_off():
    """A cut-off day ends the month, and the quarter, half-year and year at their last month."""
    assert [kind for kind, _p in periods_ending(date(2026, 12, 14), 14)] == [
        "month", "quarter", "half", "year"]
    assert [kind for kind, _p in periods_ending(date(2026, 6, 14), 14)] == [
        "month", "quarter", "half"]
    assert [kind for kind, _p in periods_ending(date(2026, 4, 14), 14)] == ["month"]
    assert periods_ending(date(2026, 4, 15), 14) == []
    assert last_cutoff_before(date(2026, 3, 15), 14) == date(2026, 3, 14)
    assert last_cutoff_before(date(2026, 3, 14), 14) == date(2026, 2, 14)


def test_freeze_once(app):
    """Each period is frozen once: a second run on a later day adds nothing."""
    load_into_database()
    assert run_freeze(date(2026, 3, 15), NOW) == ["Tháng 3/2026", "Quý I/2026"]
    assert run_freeze(date(2026, 3, 20), NOW) == []    # a second run adds nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScorecardSnapshot)) == 2


def submit_late(item_id: int, on: date) -> None:
    """An edit after the freeze: the item is recorded as submitted, with a Tờ trình dated
    before the cut-off."""
    item = db.session.get(Item, item_id)
    item.status = "submitted"
    db.session.add(JournalEntry(item_id=item_id, kind=JournalKind.STATUS.value,
                                old_status="in_progress", new_status="submitted",
                                document_ref="99/TTr-SCT", document_date=on))
    db.session.commit()


def test_a_frozen_month_does_not_change_after_an_edit(app, client, auth, make_user, runner,
                                                      tmp_path):
    """After the freeze, item 4 (due 2/3, overdue at the cut-off) is recorded as submitted
    on 13/3:
    the live figures change, the frozen quarter (page, items behind it, CLI) does not."""
    ids = load_into_database()
    run_freeze(date(2026, 3, 15), NOW)
    admin = make_user("admin", "Văn phòng UBND tỉnh")
    auth.login(admin)
    before = table_figures(client.get(PAGE).get_data(as_text=True))
    live_before = table_figures(client.get(PAGE + "&as_of=14/3/2026").get_data(as_text=True))
    assert before == live_before       # frozen as the live count was at the cut-off

    submit_late(ids[4], date(2026, 3, 13))

    page = client.get(PAGE).get_data(as_text=True)
    assert "Đã chốt ngày" in page
    assert table_figures(page) == before
    live_after = table_figures(client.get(PAGE + "&as_of=14/3/2026").get_data(as_text=True))
    assert live_after != before
    assert live_after[1][1] == before[1][1] + 1     # one more late (due 2/3), live
    assert live_after[1][3] == before[1][3] - 1     # one fewer overdue, live
    # The items behind the frozen overdue number still include item 4.
    behind = client.get(PAGE.replace("/scorecard?", "/scorecard/items?") + "&count=overdue")
    assert "Nhiệm vụ số 4 của" in behind.get_data(as_text=True)

    out = tmp_path / "q1.csv"
    result = runner.invoke(args=["report", "scorecard", "--from", "15/12/2025", "--as-of",
                                 "14/3/2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    total = lines[-1]
    assert total[0] == "Tổng cộng"
    assert int(total[2]) == before[1][0] and int(total[5]) == before[1][3]


def test_freeze_command(app, runner):
    """report freeze freezes on a cut-off day and refuses another day in Vietnamese."""
    load_into_database()
    result = runner.invoke(args=["report", "freeze", "--day", "14/3/2026"])
    assert result.exit_code == 0 and "Tháng 3/2026" in result.output
    result = runner.invoke(args=["report", "freeze", "--day", "15/3/2026"])
    assert result.exit_code != 0 and "không phải ngày chốt" in result.output


def test_scheduler_freezes_after_the_cut_off(app):
    """The scheduler's freeze job (the morning after the cut-off) goes through the lease and
    the same sweep."""
    from tracker.notify.scheduler import ReminderScheduler

    load_into_database()
    ReminderScheduler(app).freeze(NOW)
    db.session.remove()
    labels = set(db.session.scalars(sa.select(ScorecardSnapshot.period_label)))
    assert labels == {"Tháng 3/2026", "Quý I/2026"}


def test_a_frozen_period_whose_months_are_frozen_reads_no_item(app, client, auth, make_user,
                                                               count_queries):
    """Quý I/2026 and its three months frozen: the page reads the snapshots only."""
    load_into_database()
    for day in (date(2026, 1, 14), date(2026, 2, 14), date(2026, 3, 14)):
        run_freeze(day + timedelta(days=1), NOW)
    auth.login(make_user("admin", "Văn phòng UBND tỉnh"))
    client.get(PAGE)
    with count_queries() as statements:
        page = client.get(PAGE).get_data(as_text=True)
    assert "Đã chốt ngày" in page
    assert not [s for s in statements if "journal_entry" in s]


def test_frozen_figures_equal_the_live_count_and_the_reference(app):
    """On the 42 hand-computed items, each period frozen on 14/3/2026 (the month and Quý
    I/2026) holds, per agency, the figures the live SQL scorecard gives for the same period
    at its last day, and those of the rules of scoring.py over the items read from the
    journal; the ids behind every number are the reference's."""
    load_into_database()
    snapshots = freeze(date(2026, 3, 14), 14)
    assert [s.period_label for s in snapshots] == ["Tháng 3/2026", "Quý I/2026"]
    assert (snapshots[1].period_start, snapshots[1].period_end) == (PERIOD.start, PERIOD.end)
    items = load_items(sa.true(), "Asia/Ho_Chi_Minh")

    def figures(card):
        return ([(row.agency_id, row.agency, *(getattr(row, f) for f in COUNT_FIELDS))
                 for row in card.rows], [getattr(card.totals, f) for f in COUNT_FIELDS])

    for snapshot in snapshots:
        period = ReportPeriod(snapshot.period_start, snapshot.period_end, snapshot.period_label)
        frozen = card_of(snapshot, period)
        assert figures(frozen) == figures(count_scorecard(sa.true(), period, period.end))
        assert figures(frozen) == figures(scorecard(items, period, period.end))
        assert frozen.totals.with_deadline > 0
        for which in Bucket:
            for row in frozen.rows:
                assert sorted(ids_behind(snapshot, which, row.agency_id)) == sorted(
                    item.id for item in items_in(items, period, period.end, which,
                                                 row.agency_id))


def test_a_period_s_numbers_and_items_come_from_one_read(app, count_queries):
    """Each period frozen reads its items once: its numbers are counted from the rows whose
    ids it keeps, so a write between two reads cannot make them disagree."""
    load_into_database()
    with count_queries() as statements:
        snapshots = freeze(date(2026, 3, 14), 14)
    reads = [s for s in statements if re.search(r"\bFROM item\b", s)]
    assert len(snapshots) == 2 and len(reads) == 2
    for snapshot in snapshots:
        for row in snapshot.rows:
            for which in Bucket:
                assert row[which.value] == len(
                    snapshot.items.get(which.value, {}).get(str(row["agency_id"]), []))
