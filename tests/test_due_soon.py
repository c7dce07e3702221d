"""Due soon (“Sắp đến hạn”): an open item whose first reminder has come and whose deadline has
not passed, by the same settings and calendar as the reminders. Plain values, no database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.notify.planner import ItemFacts, ReminderRules, UserFacts, plan_notices
from tracker.statuses import due_soon_until, is_due_soon
from tracker.workdays import WorkCalendar

D = date
ONE_DAY = timedelta(days=1)
# An admin day off (Fri 4/9/2026) and a worked Saturday (22/8/2026), on top of the holidays.
CALENDAR = WorkCalendar(extra_days_off=[D(2026, 9, 4)], extra_working_days=[D(2026, 8, 22)])
# Around Tết 2026 (16–20/2) and 30/4–1/5, the admin's days, ordinary weeks and a year's end.
DAYS = [D(2026, 2, 1) + ONE_DAY * i for i in range(40)] \
    + [D(2026, 4, 20) + ONE_DAY * i for i in range(20)] \
    + [D(2026, 8, 15) + ONE_DAY * i for i in range(25)] \
    + [D(2026, 12, 20) + ONE_DAY * i for i in range(15)]


def reminded_by(due: date, today: date, window: int, working_days: bool) -> bool:
    """The reminders' own rule: the first reminder, `window` days before `due`, has come."""
    return CALENDAR.day_before(due, window, working_days=working_days) <= today


@pytest.mark.parametrize("working_days", [False, True], ids=["calendar days", "working days"])
@pytest.mark.parametrize("window", [0, 1, 3, 7, 14, 30])
def test_due_soon_is_every_deadline_the_first_reminder_has_reached(window, working_days):
    """The deadlines due soon on a day are exactly those from that day on whose first
    reminder day (moved back to a working day) is not after it: checked against the
    reminders' rule for each day around Tết, 30/4, an admin day off and a worked Saturday."""
    for today in DAYS:
        until = due_soon_until(today, window, CALENDAR, working_days=working_days)
        for offset in range(0, window * 2 + 20):
            due = today + ONE_DAY * offset
            assert (due <= until) is reminded_by(due, today, window, working_days), \
                (today, due, until)


def test_due_soon_without_any_reminder_stage():
    """No reminder stage set: nothing is ever due soon (the deadline day itself neither)."""
    assert due_soon_until(D(2026, 11, 30), None, CALENDAR) is None
    assert not is_due_soon("in_progress", D(2026, 11, 30), D(2026, 11, 30), None)


@pytest.mark.parametrize("status,due,expected", [
    ("in_progress", D(2026, 12, 14), True),     # the first reminder's day (14 days before)
    ("not_started", D(2026, 11, 30), True),     # the deadline day itself
    ("postponed", D(2026, 12, 1), True),
    ("in_progress", D(2026, 12, 15), False),    # not reminded yet
    ("in_progress", D(2026, 11, 29), False),    # late: overdue, not due soon
    ("submitted", D(2026, 12, 1), False),       # ended
    ("approved", D(2026, 12, 1), False),
    ("withdrawn", D(2026, 12, 1), False),
    ("in_progress", None, False),               # "Thường xuyên": no deadline
])
def test_due_soon_rule(status, due, expected):
    """Monday 30/11/2026, reminders 14 calendar days ahead: open items due from today to
    14/12 are due soon."""
    today = D(2026, 11, 30)
    until = due_soon_until(today, 14, CALENDAR)
    assert until == D(2026, 12, 14)
    assert is_due_soon(status, due, today, until) is expected


def test_a_weekend_deadline_is_due_soon_when_its_moved_reminder_came():
    """Stage 0 only, Friday 4/12/2026: the reminders for Saturday's and Sunday's deadlines
    come today (moved back), so those are due soon; Monday's comes on Monday."""
    until = due_soon_until(D(2026, 12, 4), 0, CALENDAR)
    assert until == D(2026, 12, 6)


@pytest.mark.parametrize("rules", [ReminderRules(), ReminderRules(working_days=True),
                                   ReminderRules(stages=(5, 1)), ReminderRules(stages=(0,))],
                         ids=["default", "working days", "5 and 1", "deadline day"])
def test_due_soon_starts_with_the_lead_officers_first_reminder(rules):
    """An item is due soon from the day its lead officer gets the first reminder until its
    deadline: the badge follows the reminders, day by day (Tết 2026 included)."""
    officer = UserFacts(1, "a@sct.local", "Trần Văn An", "officer", 1)
    for due in (D(2026, 2, 23), D(2026, 3, 1), D(2026, 5, 4)):
        item = ItemFacts(1, "Đề án", "in_progress", due, "", 1, 1)
        day = due - timedelta(days=60)
        reminded = False
        while day <= due + ONE_DAY * 2:
            reminded = reminded or bool(plan_notices([item], [officer], [], rules, day, CALENDAR))
            until = due_soon_until(day, max(rules.stages), CALENDAR, working_days=rules.working_days)
            assert is_due_soon(item.status, due, day, until) is (reminded and day <= due), (due, day)
            day += ONE_DAY
