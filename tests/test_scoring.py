"""The scorecard's rules (tracker/scoring.py) on plain values: report periods cut off on the
14th, the four counts, the rate, and the hand-computed fixture of 42 items."""
from __future__ import annotations

from datetime import date

import pytest
from scorecard_fixture import (
    AS_OF,
    EXPECTED,
    EXPECTED_MARCH,
    EXPECTED_MARCH_TOTAL,
    EXPECTED_TOTAL,
    ITEMS,
    PERIOD,
    score_items,
)

from tracker.scoring import (
    Bucket,
    ScoreItem,
    bucket,
    half_period,
    items_in,
    month_of,
    month_period,
    months_between,
    quarter_period,
    range_period,
    scorecard,
    year_period,
)


def figures(row):
    return (row.on_time, row.late, row.open_in_time, row.overdue, row.no_deadline,
            row.withdrawn, row.total, row.rate_text)


def test_report_periods_follow_the_decree_cut_off():
    """Nghị định 09/2019 Điều 12: the 15th of one month to the 14th of the next."""
    assert (month_period(2026, 3).start, month_period(2026, 3).end) == (date(2026, 2, 15),
                                                                       date(2026, 3, 14))
    assert month_period(2026, 1).start == date(2025, 12, 15)
    assert (quarter_period(2026, 1).start, quarter_period(2026, 1).end) == (
        date(2025, 12, 15), date(2026, 3, 14))
    assert quarter_period(2026, 3).label == "Quý III/2026"
    assert (half_period(2026, 1).start, half_period(2026, 1).end) == (date(2025, 12, 15),
                                                                     date(2026, 6, 14))
    assert (half_period(2026, 2).start, half_period(2026, 2).end) == (date(2026, 6, 15),
                                                                     date(2026, 12, 14))
    assert (year_period(2026).start, year_period(2026).end) == (date(2025, 12, 15),
                                                               date(2026, 12, 14))
    assert year_period(2026).dates == "15/12/2025 – 14/12/2026"


def test_cut_off_day_is_a_setting():
    """Another cut-off day moves every boundary; 31 gives calendar months."""
    assert (month_period(2026, 3, 20).start, month_period(2026, 3, 20).end) == (
        date(2026, 2, 21), date(2026, 3, 20))
    assert (month_period(2026, 2, 31).start, month_period(2026, 2, 31).end) == (
        date(2026, 2, 1), date(2026, 2, 28))
    assert month_of(date(2026, 3, 14)) == (2026, 3)
    assert month_of(date(2026, 3, 15)) == (2026, 4)
    assert month_of(date(2026, 12, 15)) == (2027, 1)
    assert months_between((2025, 11), (2026, 2)) == [(2025, 11), (2025, 12), (2026, 1),
                                                     (2026, 2)]


def test_any_range():
    """A date range includes both ends, is labelled in Vietnamese and may not run backwards."""
    period = range_period(date(2026, 1, 1), date(2026, 1, 31))
    assert date(2026, 1, 31) in period and date(2026, 2, 1) not in period
    assert period.label == "Từ 1/1/2026 đến 31/1/2026"
    with pytest.raises(ValueError):
        range_period(date(2026, 2, 1), date(2026, 1, 1))


def item(status="in_progress", due=date(2026, 1, 20), ended=None, **kwargs):
    return ScoreItem(1, 1, "Sở A", status, due, ended_on=ended, **kwargs)


def test_the_four_counts_at_the_as_of_date():
    """On time on or before the deadline; late after; open and not past it is in time; open
    and past it is overdue, the deadline day itself not late (statuses.is_overdue)."""
    period = PERIOD
    assert bucket(item("submitted", ended=date(2026, 1, 20)), period, AS_OF) == Bucket.ON_TIME
    assert bucket(item("submitted", ended=date(2026, 1, 21)), period, AS_OF) == Bucket.LATE
    assert bucket(item(due=date(2026, 3, 10)), period, AS_OF) == Bucket.OPEN_IN_TIME
    assert bucket(item(due=date(2026, 3, 9)), period, AS_OF) == Bucket.OVERDUE
    # Completed after the as-of date: not completed then.
    assert bucket(item("approved", ended=date(2026, 3, 11)), period, AS_OF) == Bucket.OVERDUE
    assert bucket(item("submitted", due=date(2026, 3, 12), ended=date(2026, 3, 11)),
                  period, AS_OF) == Bucket.OPEN_IN_TIME
    # A late completion stays late, whenever it is looked at.
    late = item("submitted", ended=date(2026, 2, 1))
    assert {bucket(late, period, day) for day in (date(2026, 2, 1), date(2026, 12, 31))} == {
        Bucket.LATE}
    # Outside the period: not counted.
    assert bucket(item(due=date(2026, 3, 31)), period, AS_OF) is None
    assert bucket(item(due=date(2025, 12, 14)), period, AS_OF) is None


def test_no_deadline_and_withdrawn_apart():
    """Items without a deadline and withdrawn items are counted apart, never in the rate."""
    assert bucket(item(due=None), PERIOD, AS_OF) == Bucket.NO_DEADLINE
    assert bucket(item("withdrawn", ended=date(2026, 1, 2)), PERIOD, AS_OF) == Bucket.WITHDRAWN
    # Ended before the period began: not in it.
    assert bucket(item("submitted", due=None, ended=date(2025, 12, 1)), PERIOD, AS_OF) is None
    assert bucket(item("withdrawn", due=None, ended=date(2025, 12, 1)), PERIOD, AS_OF) is None
    card = scorecard([item(due=None), item("withdrawn", ended=date(2026, 1, 2))], PERIOD, AS_OF)
    assert card.totals.total == 1 and card.totals.due == 0 and card.totals.rate is None


def test_rate_is_on_time_over_due():
    """The Government Office's example: 2,501 of 2,723 tasks due = 91.8 %."""
    items = [item("submitted", ended=date(2026, 1, 20))] * 2501 + [item()] * 222
    card = scorecard(items, PERIOD, AS_OF)
    assert card.totals.due == 2723 and card.totals.rate_text == "91,8"


def test_fixture_has_six_agencies_and_forty_items():
    """The hand-computed fixture has at least 40 items over 6 agencies."""
    assert len(ITEMS) >= 40 and len({row[0] for row in ITEMS}) == 6


def test_hand_computed_fixture_quarter():
    """The 42 items of scorecard_fixture give exactly the counts worked out by hand."""
    card = scorecard(score_items(), PERIOD, AS_OF)
    assert {row.agency: figures(row) for row in card.rows} == EXPECTED
    assert figures(card.totals) == EXPECTED_TOTAL
    # Each item lands where the table says.
    for n, found in enumerate(score_items()):
        assert (bucket(found, PERIOD, AS_OF) or None) == (
            Bucket(ITEMS[n][5]) if ITEMS[n][5] else None), ITEMS[n]


def test_hand_computed_fixture_month():
    """The fixture's March figures match the hand-computed ones."""
    card = scorecard(score_items(), month_period(2026, 3), AS_OF)
    assert {row.agency: figures(row) for row in card.rows} == EXPECTED_MARCH
    assert figures(card.totals) == EXPECTED_MARCH_TOTAL


def test_items_behind_a_number():
    """The items behind a number are exactly those the number counts."""
    items = score_items()
    overdue = items_in(items, PERIOD, AS_OF, Bucket.OVERDUE, agency_id=1)
    assert [found.id for found in overdue] == [4, 8]
    assert len(items_in(items, PERIOD, AS_OF, None)) == EXPECTED_TOTAL[6] + EXPECTED_TOTAL[5]
