"""The scorecard of the task-tracking rules: per lead agency, the four official counts.

Plain Python (no Flask, no database): the page, the snapshots, the command line and the
periodic report all ask `scorecard()`, so one rule gives every figure. The rules, as in
docs/scorecard.md:

- An item is **completed** when it was submitted (Đã trình) or issued (Đã ban hành / phê
  duyệt), on the date of that document (the Tờ trình, or the Quyết định when it has no
  Tờ trình). An item completed after the as-of date was not completed at the as-of date.
- Its **deadline in force** is the current one, after approved postponements; the
  original is kept beside it for display. A stored deadline already falls on a working
  day: a period ending on a weekend or holiday is due the next working day (periods.py,
  Bộ luật Dân sự 2015 Điều 148), so a Tờ trình dated that next working day is on time.
- An item belongs to a period when its deadline in force falls in it (each item counts in
  exactly one period, so the months of a year add up to the year). Then, at the as-of date:
  completed on or before the deadline → **on time**; completed after it → **late** (and
  stays late); not completed and the deadline not passed → **open, in time**; not completed
  and the deadline passed (`statuses.is_overdue`, the deadline day itself is not late) →
  **overdue**.
- Items with **no deadline** (Thường xuyên, Hằng năm …) and **withdrawn** items are counted
  apart, never in the rate; each is counted in a period unless it ended (completed or
  withdrawn) before the period began.
- **On-time rate** = on time ÷ items due, where the items due are those whose outcome is
  known at the as-of date: completed (on time or late) or overdue. Items open and in time
  are not yet due. No item due: no rate (shown "—").
- Report periods follow Nghị định 09/2019 Điều 12: data is cut off on the 14th (a
  setting, 1–28; 29 or more means calendar months), so "Tháng 3/2026" runs from 15/2/2026
  to 14/3/2026, a quarter from the 15th of the month before it to the 14th of its last
  month, a half-year and a year from 15/12 of the year before to 14/6 and 14/12.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from tracker.periods import format_date, quarter_label
from tracker.statuses import Status, is_overdue

DEFAULT_CUTOFF_DAY = 14
_ONE_DAY = timedelta(days=1)
COMPLETED = frozenset({Status.SUBMITTED, Status.APPROVED})


class Bucket(StrEnum):
    """Where one item falls in a period's scorecard."""

    ON_TIME = "on_time"            # hoàn thành đúng hạn
    LATE = "late"                  # hoàn thành quá hạn
    OPEN_IN_TIME = "open_in_time"  # chưa hoàn thành, còn trong hạn
    OVERDUE = "overdue"            # quá hạn chưa hoàn thành
    NO_DEADLINE = "no_deadline"    # không có thời hạn
    WITHDRAWN = "withdrawn"        # đã rút khỏi danh mục


# The official Vietnamese headings, in print whatever the interface language.
VI_HEADINGS: dict[Bucket, str] = {
    Bucket.ON_TIME: "Hoàn thành đúng hạn",
    Bucket.LATE: "Hoàn thành quá hạn",
    Bucket.OPEN_IN_TIME: "Chưa hoàn thành trong hạn",
    Bucket.OVERDUE: "Quá hạn chưa hoàn thành",
    Bucket.NO_DEADLINE: "Không có thời hạn",
    Bucket.WITHDRAWN: "Đã rút khỏi danh mục",
}


class ScoreItem(NamedTuple):
    """What the scorecard needs of one item, as plain values (a tuple: 100,000 are built
    for a year's page)."""

    id: int
    lead_agency_id: int
    lead_agency: str
    status: str
    due_date: date | None            # the deadline in force (after approved postponements)
    original_due_date: date | None = None
    # The date of the document that completed it (submitted or issued), or of the
    # withdrawal; None while it is open.
    ended_on: date | None = None


@dataclass(frozen=True)
class ReportPeriod:
    """A closed range of days; `start` None is "since the beginning", `end` None "no end"."""

    start: date | None
    end: date | None
    label: str = ""

    def __contains__(self, day: date) -> bool:
        return ((self.start is None or day >= self.start)
                and (self.end is None or day <= self.end))

    @property
    def dates(self) -> str:
        """"15/2/2026 – 14/3/2026" (the page and the report print it under the label)."""
        start = format_date(self.start) if self.start else "…"
        end = format_date(self.end) if self.end else "…"
        return f"{start} – {end}"


def _cutoff(year: int, month: int, cutoff_day: int) -> date:
    """The cut-off day of a month (the month's last day when the setting is past it)."""
    if cutoff_day <= 28:
        return date(year, month, cutoff_day)
    return date(year + month // 12, month % 12 + 1, 1) - _ONE_DAY


def _months_back(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - months
    return index // 12, index % 12 + 1


def _report_range(year: int, first_month: int, last_month: int, cutoff_day: int,
                  label: str) -> ReportPeriod:
    """From the day after the cut-off of the month before `first_month` to the cut-off of
    `last_month` (Nghị định 09/2019 Điều 12)."""
    before = _months_back(year, first_month, 1)
    return ReportPeriod(_cutoff(*before, cutoff_day) + _ONE_DAY, _cutoff(year, last_month, cutoff_day),
                  label)


def month_period(year: int, month: int, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> ReportPeriod:
    """"Tháng 3/2026": 15/2/2026 – 14/3/2026 with the default cut-off."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    return _report_range(year, month, month, cutoff_day, f"Tháng {month}/{year}")


def quarter_period(year: int, quarter: int, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> ReportPeriod:
    """"Quý I/2026": 15/12/2025 – 14/3/2026."""
    return _report_range(year, quarter * 3 - 2, quarter * 3, cutoff_day,
                         quarter_label(year, quarter))


def half_period(year: int, half: int, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> ReportPeriod:
    """"6 tháng đầu năm 2026": 15/12/2025 – 14/6/2026; the second half 15/6 – 14/12."""
    if half not in (1, 2):
        raise ValueError(f"half {half}")
    label = f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}"
    return _report_range(year, half * 6 - 5, half * 6, cutoff_day, label)


def year_period(year: int, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> ReportPeriod:
    """"Năm 2026": 15/12/2025 – 14/12/2026."""
    return _report_range(year, 1, 12, cutoff_day, f"Năm {year}")


def range_period(start: date | None, end: date | None) -> ReportPeriod:
    """Any range of days, e.g. a calendar month; `start` after `end` is an error."""
    if start and end and start > end:
        raise ValueError("start after end")
    label = (f"Từ {format_date(start)} đến {format_date(end)}" if start and end
             else f"Đến {format_date(end)}" if end
             else f"Từ {format_date(start)}" if start else "Tất cả")
    return ReportPeriod(start, end, label)


def month_of(day: date, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> tuple[int, int]:
    """The report month (year, month) a day belongs to: 15/3/2026 is in "Tháng 4/2026"."""
    if day <= _cutoff(day.year, day.month, cutoff_day):
        return day.year, day.month
    return _months_back(day.year, day.month, -1)


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Report months from `first` to `last` inclusive, as (year, month)."""
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = _months_back(year, month, -1)
    return months


def completed_by(item: ScoreItem, as_of: date) -> bool:
    """Was the item completed (submitted or issued) on or before `as_of`?"""
    return (item.status in COMPLETED and item.ended_on is not None
            and item.ended_on <= as_of)


def bucket(item: ScoreItem, period: ReportPeriod, as_of: date) -> Bucket | None:
    """Where the item falls in the period's scorecard at `as_of`; None if not in the period."""
    if item.status == Status.WITHDRAWN or item.due_date is None:
        ended_before = (item.ended_on is not None and period.start is not None
                        and item.ended_on < period.start)
        if item.status == Status.WITHDRAWN:
            if item.due_date is not None:
                return Bucket.WITHDRAWN if item.due_date in period else None
            return None if ended_before else Bucket.WITHDRAWN
        return None if ended_before else Bucket.NO_DEADLINE
    if item.due_date not in period:
        return None
    if completed_by(item, as_of):
        return Bucket.ON_TIME if item.ended_on <= item.due_date else Bucket.LATE
    # Not completed at as-of: its status then was an open one, whatever it is now.
    status_then = item.status if item.status not in COMPLETED else Status.IN_PROGRESS
    if is_overdue(status_then, item.due_date, as_of):
        return Bucket.OVERDUE
    return Bucket.OPEN_IN_TIME


@dataclass
class ScoreRow:
    """One lead agency's counts in a period (or the totals, `agency_id` None)."""

    agency_id: int | None
    agency: str
    on_time: int = 0
    late: int = 0
    open_in_time: int = 0
    overdue: int = 0
    no_deadline: int = 0
    withdrawn: int = 0

    def count(self, which: Bucket) -> int:
        return getattr(self, which.value)

    def count_of(self, name: str) -> int:
        """A count by its field name ("on_time" …), as templates ask."""
        return getattr(self, Bucket(name).value)

    def add(self, which: Bucket, n: int = 1) -> None:
        setattr(self, which.value, getattr(self, which.value) + n)

    @property
    def with_deadline(self) -> int:
        return self.on_time + self.late + self.open_in_time + self.overdue

    @property
    def total(self) -> int:
        """"Tổng số": every item on the list in the period, with or without a deadline
        (withdrawn items are off the list and counted apart)."""
        return self.with_deadline + self.no_deadline

    @property
    def due(self) -> int:
        """Items whose outcome is known at the as-of date: the rate's denominator."""
        return self.on_time + self.late + self.overdue

    @property
    def rate(self) -> float | None:
        """On-time rate in percent (None when nothing is due)."""
        return 100.0 * self.on_time / self.due if self.due else None

    @property
    def rate_text(self) -> str:
        """"91,8" (Vietnamese decimal comma, one decimal) or "—"."""
        return format_rate(self.rate)


def format_rate(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate:.1f}".replace(".", ",")


COUNT_FIELDS = ("on_time", "late", "open_in_time", "overdue", "no_deadline", "withdrawn")


@dataclass
class Scorecard:
    """One row per lead agency (by name), and the totals."""

    period: ReportPeriod
    as_of: date
    rows: list[ScoreRow] = field(default_factory=list)
    totals: ScoreRow = field(default_factory=lambda: ScoreRow(None, "Tổng cộng"))


def scorecard(items: Iterable[ScoreItem], period: ReportPeriod, as_of: date) -> Scorecard:
    """Count the items in the period, at `as_of`, per lead agency."""
    rows: dict[int, ScoreRow] = {}
    card = Scorecard(period, as_of)
    for item in items:
        which = bucket(item, period, as_of)
        if which is None:
            continue
        row = rows.get(item.lead_agency_id)
        if row is None:
            row = rows[item.lead_agency_id] = ScoreRow(item.lead_agency_id, item.lead_agency)
        row.add(which)
        card.totals.add(which)
    card.rows = sorted(rows.values(), key=lambda r: (r.agency.casefold(), r.agency_id))
    return card


def items_in(items: Iterable[ScoreItem], period: ReportPeriod, as_of: date, which: Bucket | None,
             agency_id: int | None = None) -> list[ScoreItem]:
    """The items behind one number of the scorecard (`which` None: every item counted)."""
    chosen = []
    for item in items:
        found = bucket(item, period, as_of)
        if found is None or (which is not None and found != which):
            continue
        if agency_id is not None and item.lead_agency_id != agency_id:
            continue
        chosen.append(item)
    return chosen


def days_overdue(item: ScoreItem, as_of: date) -> int:
    """Calendar days past the deadline in force at `as_of` (0 when not overdue)."""
    if item.due_date is None or as_of <= item.due_date:
        return 0
    return (as_of - item.due_date).days


def monthly_totals(items: Iterable[ScoreItem], months: list[tuple[int, int]], today: date,
                   cutoff_day: int = DEFAULT_CUTOFF_DAY) -> list[tuple[ReportPeriod, ScoreRow]]:
    """The totals of each report month, each seen at its own end (or `today` while it runs),
    in one pass: an item with a deadline is counted in one month only, its deadline's."""
    periods = {month: month_period(*month, cutoff_day) for month in months}
    totals = {month: ScoreRow(None, "Tổng cộng") for month in months}
    for item in items:
        if item.due_date is None or item.status == Status.WITHDRAWN:
            continue
        month = month_of(item.due_date, cutoff_day)
        if month not in periods:
            continue
        period = periods[month]
        which = bucket(item, period, min(period.end, today))
        if which is not None:
            totals[month].add(which)
    return [(periods[month], totals[month]) for month in months]
