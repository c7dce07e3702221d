"""Tests for the Vietnamese working-day calendar (tracker.workdays)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.workdays import DEFAULT_CALENDAR, WorkCalendar


@cache
def _package_year(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def package_says_working(day: date) -> bool:
    """Independent oracle: the holidays package's own working-day rule."""
    return _package_year(day.year).is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 9, 30),  # Wednesday
        date(2021, 2, 9),  # Tuesday before Tết 2021
        date(2021, 2, 17),  # first day back after Tết 2021
        date(2023, 1, 3),  # Tuesday after the observed New Year holiday
        date(2026, 8, 22),  # Saturday worked in exchange for Monday 31/8/2026 (package swap)
    ],
)
def test_working_days(day: date) -> None:
    """Ordinary weekdays, and Saturdays the Government declared worked, are working days."""
    assert DEFAULT_CALENDAR.is_working_day(day)
    assert not DEFAULT_CALENDAR.is_holiday(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 10, 3),  # Saturday
        date(2020, 10, 4),  # Sunday
        date(2026, 8, 29),  # Saturday next to the swapped one
    ],
)
def test_weekends_are_days_off_but_not_holidays(day: date) -> None:
    """Saturdays and Sundays are not worked, yet are not public holidays."""
    assert not DEFAULT_CALENDAR.is_working_day(day)
    assert not DEFAULT_CALENDAR.is_holiday(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2021, 1, 1),  # New Year
        *(date(2021, 2, d) for d in range(10, 17)),  # Tết 2021, Wed 10/2 – Tue 16/2
        date(2021, 5, 3),  # Labour Day observed (1/5/2021 was a Saturday)
        date(2023, 1, 2),  # New Year observed (1/1/2023 was a Sunday)
        date(2023, 9, 4),  # National Day observed
        date(2026, 8, 31),  # bridge day off swapped with Saturday 22/8/2026
        date(2100, 1, 1),  # far years are built on demand
    ],
)
def test_public_holidays_are_days_off(day: date) -> None:
    """Public holidays from the package (lunar Tết, observed and swapped days) are not worked."""
    assert DEFAULT_CALENDAR.is_holiday(day)
    assert not DEFAULT_CALENDAR.is_working_day(day)


def test_extra_working_day_saturday() -> None:
    """An admin extra working day makes a Saturday a working day."""
    calendar = WorkCalendar(extra_working_days=[date(2026, 8, 22)])
    assert calendar.is_working_day(date(2026, 8, 22))
    # A Saturday the package does not know about: off by default, worked when declared.
    saturday = date(2026, 10, 10)
    assert not DEFAULT_CALENDAR.is_working_day(saturday)
    assert WorkCalendar(extra_working_days=[saturday]).is_working_day(saturday)


def test_extra_working_day_wins_over_holiday_and_day_off() -> None:
    """Extra working days win over public holidays and over the admin's own days off."""
    tet = date(2021, 2, 15)
    calendar = WorkCalendar(extra_days_off=[tet], extra_working_days=[tet])
    assert calendar.is_working_day(tet)
    assert not calendar.is_holiday(tet)


def test_extra_day_off_monday() -> None:
    """An admin extra day off makes a weekday a holiday."""
    calendar = WorkCalendar(extra_days_off=[date(2026, 8, 31)])
    assert not calendar.is_working_day(date(2026, 8, 31))
    monday = date(2026, 10, 12)
    assert DEFAULT_CALENDAR.is_working_day(monday)
    calendar = WorkCalendar(extra_days_off=[monday])
    assert not calendar.is_working_day(monday)
    assert calendar.is_holiday(monday)


def test_extra_days_accept_any_iterable() -> None:
    """Extra days may come from a generator (e.g. a database query) and are kept."""
    calendar = WorkCalendar(extra_days_off=(d for d in [date(2026, 10, 12)]))
    assert not calendar.is_working_day(date(2026, 10, 12))
    assert not calendar.is_working_day(date(2026, 10, 12))  # not a spent generator


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 9, 30), date(2020, 9, 30)),  # already a working day
        (date(2020, 10, 3), date(2020, 10, 5)),  # Saturday -> Monday
        (date(2021, 2, 10), date(2021, 2, 17)),  # through Tết 2021
        (date(2022, 12, 31), date(2023, 1, 3)),  # weekend + observed New Year, across years
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    """next_working_day returns the first working day on or after the day."""
    assert DEFAULT_CALENDAR.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 9, 30), date(2020, 9, 30)),
        (date(2020, 10, 4), date(2020, 10, 2)),  # Sunday -> Friday
        (date(2021, 2, 16), date(2021, 2, 9)),  # back through Tết 2021
        (date(2023, 1, 2), date(2022, 12, 30)),  # back across years
    ],
)
def test_previous_working_day(day: date, expected: date) -> None:
    """previous_working_day returns the last working day on or before the day."""
    assert DEFAULT_CALENDAR.previous_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2021, 2, 6), 0, date(2021, 2, 6)),  # n=0: unchanged, even on a Saturday
        (date(2021, 2, 5), 1, date(2021, 2, 8)),  # Friday + 1 -> Monday
        (date(2021, 2, 9), 1, date(2021, 2, 17)),  # over Tết 2021
        (date(2021, 2, 9), 2, date(2021, 2, 18)),
        (date(2021, 2, 8), 3, date(2021, 2, 18)),
        (date(2021, 2, 12), 1, date(2021, 2, 17)),  # from inside Tết
        (date(2021, 2, 17), -1, date(2021, 2, 9)),  # backwards over Tết
        (date(2021, 2, 18), -3, date(2021, 2, 8)),
        (date(2021, 2, 12), -1, date(2021, 2, 9)),
        (date(2022, 12, 30), 1, date(2023, 1, 3)),  # across years
    ],
)
def test_add_working_days(day: date, n: int, expected: date) -> None:
    """add_working_days skips weekends and holidays, either way; the start day is not counted."""
    assert DEFAULT_CALENDAR.add_working_days(day, n) == expected


def test_add_working_days_uses_extra_days() -> None:
    """Admin days off and worked Saturdays change the count."""
    calendar = WorkCalendar(
        extra_days_off=[date(2026, 10, 12)], extra_working_days=[date(2026, 10, 10)]
    )
    assert DEFAULT_CALENDAR.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 12)
    assert calendar.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 13)


days = st.dates(min_value=date(1995, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=150, deadline=None, database=None)
@given(day=days)
def test_matches_package_working_days(day: date) -> None:
    """Without admin changes the calendar agrees with the holidays package on every day."""
    assert DEFAULT_CALENDAR.is_working_day(day) == package_says_working(day)


@settings(max_examples=100, deadline=None, database=None)
@given(day=days, n=st.integers(min_value=1, max_value=30))
def test_add_working_days_counts_exactly_n(day: date, n: int) -> None:
    """add_working_days(day, n) lands on a working day with exactly n working days in (day, result];
    going back n from there returns to the last working day on or before day."""
    result = DEFAULT_CALENDAR.add_working_days(day, n)
    assert package_says_working(result)
    span = [day + timedelta(days=i) for i in range(1, (result - day).days + 1)]
    assert sum(map(package_says_working, span)) == n
    back = DEFAULT_CALENDAR.add_working_days(result, -n)
    assert back == DEFAULT_CALENDAR.previous_working_day(day)
