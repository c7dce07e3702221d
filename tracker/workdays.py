"""Vietnamese working-day calendar.

Deadlines that fall on a day off move to the next working day, so the app needs
to know which days the provincial offices actually work.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> holidays.HolidayBase:
    """The package's Vietnamese holidays of one year, built once per process: building them
    (lunar Tết and the rest) cost an item page a tenth of its time, a calendar being made
    per request. Only read: a lookup of a day of another year would add that year to it."""
    return holidays.country_holidays("VN", years=year)


class WorkCalendar:
    """Vietnamese working days: Mon–Fri minus public holidays, adjusted by the admin.

    Public holidays come from the `holidays` package (country VN: lunar Tết,
    observed days and the Government's published day swaps). The admin can add
    days off and working days the package does not know yet, e.g. a worked
    Saturday 22/8/2026 swapped for Monday 31/8/2026. An extra working day wins
    over everything else, so a swap can be entered without removing anything.
    """

    def __init__(
        self,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        self._by_year: dict[int, holidays.HolidayBase] = {}

    def _holidays(self, year: int) -> holidays.HolidayBase:
        """Holidays of one year, built on first use: deadlines only touch a few years."""
        if year not in self._by_year:
            self._by_year[year] = public_holidays(year)
        return self._by_year[year]

    def is_holiday(self, day: date) -> bool:
        """True for a public holiday or an admin day off that is not overridden as worked."""
        if day in self.extra_working_days:
            return False
        return day in self.extra_days_off or day in self._holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        """True when offices are open on `day`."""
        if day in self.extra_working_days:
            return True
        if self.is_holiday(day):
            return False
        if day.weekday() >= 5:
            # Saturdays the Government made working days in exchange for a bridge day off.
            return day in self._holidays(day.year).weekend_workdays
        return True

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day on or before `day`."""
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def day_before(self, day: date, n: int, *, working_days: bool = False) -> date:
        """`n` days before `day` (working days when `working_days`), moved back to a working
        day: when a reminder `n` days before a deadline comes, never later than announced."""
        if working_days:
            nominal = self.add_working_days(day, -n) if n else day
        else:
            nominal = day - timedelta(days=n)
        return self.previous_working_day(nominal)

    def add_working_days(self, day: date, n: int) -> date:
        """Move `n` working days forward (or back if negative); `day` itself is not counted."""
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day


DEFAULT_CALENDAR = WorkCalendar()
