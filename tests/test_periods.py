"""Tests for parsing the submission time ("Thời gian trình") of proposals (tracker.periods)."""
from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracker.periods import (
    Period,
    PeriodError,
    format_date,
    parse_date,
    parse_period,
    quarter_label,
)
from tracker.workdays import DEFAULT_CALENDAR, WorkCalendar

# Letters only Vietnamese uses among Latin scripts: a message without any is not Vietnamese.
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@cache
def _package_year(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def package_says_working(day: date) -> bool:
    """Independent oracle: the holidays package's own working-day rule."""
    return _package_year(day.year).is_working_day(day)


QUARTER_III_2020 = Period("quarter", 2020, 3, None, "Quý III/2020")
MONTH_9_2020 = Period("month", 2020, 9, None, "Tháng 9/2020")
FIRST_HALF_2020 = Period("half", 2020, 1, None, "6 tháng đầu năm 2020")
SECOND_HALF_2020 = Period("half", 2020, 2, None, "6 tháng cuối năm 2020")
YEAR_2021 = Period("year", 2021, None, None, "Năm 2021")
DATE_15_10_2020 = Period("date", 2020, None, date(2020, 10, 15), "15/10/2020")
DATE_5_1_2021 = Period("date", 2021, None, date(2021, 1, 5), "5/1/2021")

ACCEPTED = [
    ("Quý III/2020", QUARTER_III_2020),
    ("Quý 3/2020", QUARTER_III_2020),
    ("quý III năm 2020", QUARTER_III_2020),
    ("Quý  III / 2020", QUARTER_III_2020),
    ("Quý III - 2020", QUARTER_III_2020),
    ("Quý 03/2020", QUARTER_III_2020),
    ("QUÝ IV/2020", Period("quarter", 2020, 4, None, "Quý IV/2020")),
    ("quý i/2021", Period("quarter", 2021, 1, None, "Quý I/2021")),
    ("Quý II/2021", Period("quarter", 2021, 2, None, "Quý II/2021")),
    ("Tháng 9/2020", MONTH_9_2020),
    ("tháng 09/2020", MONTH_9_2020),
    ("Tháng 9 năm 2020", MONTH_9_2020),
    ("THÁNG 9-2020", MONTH_9_2020),
    ("Tháng 12/2020", Period("month", 2020, 12, None, "Tháng 12/2020")),
    ("6 tháng đầu năm 2020", FIRST_HALF_2020),
    ("06 tháng đầu năm 2020", FIRST_HALF_2020),
    ("6 tháng cuối năm 2020", SECOND_HALF_2020),
    ("6 tháng cuối 2020", SECOND_HALF_2020),
    ("6 Tháng Đầu Năm 2020", FIRST_HALF_2020),
    ("Năm 2021", YEAR_2021),
    ("năm 2021", YEAR_2021),
    ("15/10/2020", DATE_15_10_2020),
    ("15-10-2020", DATE_15_10_2020),
    ("ngày 15/10/2020", DATE_15_10_2020),
    ("Ngày 15 tháng 10 năm 2020", DATE_15_10_2020),
    ("15 tháng 10 năm 2020", DATE_15_10_2020),
    ("2020-10-15", DATE_15_10_2020),
    ("5/1/2021", DATE_5_1_2021),
    ("05/01/2021", DATE_5_1_2021),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_forms(text: str, expected: Period) -> None:
    """Every tolerated spelling parses to the same period, whose text is the canonical label."""
    period = parse_period(text)
    assert period == expected
    assert period.label == expected.text
    assert period.has_deadline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (nfd("Quý III/2020"), QUARTER_III_2020),
        (nfd("tháng 9 năm 2020"), MONTH_9_2020),
        (nfd("6 tháng cuối năm 2020"), SECOND_HALF_2020),
        (nfd("Năm 2021"), YEAR_2021),
        (nfd("Ngày 15 tháng 10 năm 2020"), DATE_15_10_2020),
        ("  Quý III/2020  ", QUARTER_III_2020),
        ("Quý\u00a0III/2020", QUARTER_III_2020),  # non-breaking space
        ("Quý\tIII\u2009/\u20092020", QUARTER_III_2020),  # tab and thin spaces
        ("Quý\nIII\n/\n2020", QUARTER_III_2020),
        ("\u200bQuý III/2020", QUARTER_III_2020),  # zero-width space pasted from Word
        ("6\u00a0tháng   đầu\u00a0năm\u202f2020", FIRST_HALF_2020),
        ("Tháng  9  /  2020", MONTH_9_2020),
        ("15 / 10 / 2020", DATE_15_10_2020),
        (nfd("QUÝ III / 2020"), QUARTER_III_2020),
    ],
)
def test_unicode_form_and_spacing_are_ignored(text: str, expected: Period) -> None:
    """NFD input, upper case and any whitespace (incl. non-breaking) parse like the clean text."""
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "verbatim"),
    [
        ("Thường xuyên", "Thường xuyên"),
        ("Theo Thông tư mới", "Theo Thông tư mới"),
        ("Khi có hướng dẫn của Bộ", "Khi có hướng dẫn của Bộ"),
        ("  Khi có  hướng dẫn \n", "Khi có  hướng dẫn"),  # only surrounding whitespace goes
        (nfd("Thường xuyên"), "Thường xuyên"),  # stored in NFC
        ("Năm học 2021-2022", "Năm học 2021-2022"),  # "năm" not followed by digits
        ("Theo kế hoạch", "Theo kế hoạch"),
        ("Khi có phát sinh", "Khi có phát sinh"),
        ("Theo lộ trình được giao tại Kế hoạch số 02-KH/BCĐTW",  # a dash, but not a range
         "Theo lộ trình được giao tại Kế hoạch số 02-KH/BCĐTW"),
        # A start with no end has no deadline.
        ("Bắt đầu triển khai từ năm 2026", "Bắt đầu triển khai từ năm 2026"),
        ("Từ năm 2026", "Từ năm 2026"),
        ("Năm 2026 và các năm tiếp theo", "Năm 2026 và các năm tiếp theo"),
        ("Từ Quý III/2026 trở đi", "Từ Quý III/2026 trở đi"),
        # A deadline word before free text, or before a period spelt as no period is.
        ("Trước khi Luật có hiệu lực", "Trước khi Luật có hiệu lực"),
        ("Trong 6 tháng kể từ ngày ký", "Trong 6 tháng kể từ ngày ký"),
        ("Trong Quý III", "Trong Quý III"),
        ("Hằng năm (trước 15/12)", "Hằng năm (trước 15/12)"),
        ("Sau khi Quý III/2020 kết thúc", "Sau khi Quý III/2020 kết thúc"),
    ],
)
def test_open_text(text: str, verbatim: str) -> None:
    """Text that does not look like a period is kept verbatim (NFC, trimmed) with no deadline."""
    period = parse_period(text)
    assert period == Period("open", None, None, None, verbatim)
    assert unicodedata.is_normalized("NFC", period.text)
    assert period.label == verbatim
    assert period.last_day is None
    assert not period.has_deadline
    assert period.deadline() is None


ERRORS = [
    # (input, a fragment naming what was expected)
    ("Quý V/2020", "từ I đến IV"),
    ("Quý 0/2020", "từ I đến IV"),
    ("Quý IIII/2020", "từ I đến IV"),
    ("Quý III", "Quý III/2020"),
    ("Quý III/20", "4 chữ số"),
    ("Quý III/02020", "4 chữ số"),
    ("Quý III/2020 abc", "Quý III/2020"),
    ("Quý III/2020.", "Quý III/2020"),
    ("Quý III/1899", "từ 1900 đến 2200"),
    ("Quý III/2201", "từ 1900 đến 2200"),
    ("31/11/2020", "tháng 11 chỉ có 30 ngày"),
    ("29/2/2021", "tháng 2 năm 2021 chỉ có 28 ngày"),
    ("13/13/2020", "tháng phải từ 1 đến 12"),
    ("0/1/2020", "ngày phải từ 1 đến 31"),
    ("15/10/20", "4 chữ số"),
    ("15/10/02020", "4 chữ số"),
    ("15/10/2020 abc", "ngày/tháng/năm"),
    ("15/10-2020", "ngày/tháng/năm"),
    ("9/2020", "ngày/tháng/năm"),
    ("ngày 31/11/2020", "tháng 11 chỉ có 30 ngày"),
    ("Ngày 15 tháng 10", "ngày/tháng/năm"),
    ("Tháng 13/2020", "từ 1 đến 12"),
    ("Tháng 0/2020", "từ 1 đến 12"),
    ("Tháng 9", "Tháng 9/2020"),
    ("Tháng 9/2020 xyz", "Tháng 9/2020"),
    ("Năm 20", "4 chữ số"),
    ("Năm 2021 và 2022", "Năm 2021"),
    ("7 tháng đầu năm 2020", "6 tháng đầu năm"),
    ("6 tháng giữa năm 2020", "6 tháng đầu năm"),
    ("6 tháng đầu năm 20", "4 chữ số"),
    (nfd("Quý V/2020"), "từ I đến IV"),
    ("32/1/2020", "ngày phải từ 1 đến 31"),
    ("2201", "từ 1900 đến 2200"),
    ("1899 - 2020", "từ 1900 đến 2200"),
    ("2030 - 2025", "kết thúc sau khi bắt đầu"),
    ("Năm 2030 - 2025", "kết thúc sau khi bắt đầu"),
    ("Quý II/2026 - Quý IV/2025", "kết thúc sau khi bắt đầu"),
    ("Quý III - I/2026", "kết thúc sau khi bắt đầu"),
    ("Tháng 12 - 11/2025", "kết thúc sau khi bắt đầu"),
    ("Năm 2025 - Tháng 12/2025", "kết thúc sau khi bắt đầu"),  # overlapping
    ("Quý IV/2025 - Quý V/2026", "từ I đến IV"),
    ("Quý I - V/2024", "từ I đến IV"),
    ("Tháng 11 - 13/2025", "từ 1 đến 12"),
    ("Quý I - II/24", "4 chữ số"),
    ("Tháng 11/2025 - 31/11/2025", "tháng 11 chỉ có 30 ngày"),
    ("Trước ngày 31/11/2025", "tháng 11 chỉ có 30 ngày"),
    ("Trước Quý V/2026", "từ I đến IV"),
    ("Chậm nhất ngày 32/1/2026", "ngày phải từ 1 đến 31"),
    ("Trong tháng 13/2025", "từ 1 đến 12"),
]


@pytest.mark.parametrize(("text", "expected_form"), ERRORS)
def test_errors_for_text_that_looks_like_a_period(text: str, expected_form: str) -> None:
    """Text that looks like a period but is not one is refused with a Vietnamese message
    that names the expected form and echoes the input."""
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert VIETNAMESE.search(message)
    assert expected_form in message
    assert unicodedata.normalize("NFC", text).strip() in message


def test_error_message_wording() -> None:
    """The message tells the user the allowed range, an example and what they typed."""
    with pytest.raises(PeriodError) as caught:
        parse_period("Quý V/2020")
    assert str(caught.value) == (
        'Quý phải từ I đến IV (ví dụ "Quý III/2020"), không phải "Quý V/2020".'
    )


@pytest.mark.parametrize("text", ["", "   ", "\u00a0\t\n", "\u200b"])
def test_empty_is_an_error(text: str) -> None:
    """An empty submission time is refused, not stored as open text."""
    with pytest.raises(PeriodError, match="Thời gian trình không được để trống"):
        parse_period(text)


def test_period_error_is_a_value_error() -> None:
    """Callers that catch ValueError (e.g. form validators) also catch PeriodError."""
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(("text", "_"), ACCEPTED)
def test_labels_round_trip(text: str, _: Period) -> None:
    """Parsing a period's label gives the same period back."""
    period = parse_period(text)
    assert parse_period(period.label) == period


@pytest.mark.parametrize(
    ("text", "last_day"),
    [
        ("Quý I/2020", date(2020, 3, 31)),
        ("Quý II/2020", date(2020, 6, 30)),
        ("Quý III/2020", date(2020, 9, 30)),
        ("Quý IV/2020", date(2020, 12, 31)),
        ("Tháng 2/2020", date(2020, 2, 29)),  # leap year
        ("Tháng 2/2021", date(2021, 2, 28)),
        ("Tháng 2/1900", date(1900, 2, 28)),  # 1900 is not a leap year
        ("Tháng 4/2020", date(2020, 4, 30)),
        ("6 tháng đầu năm 2020", date(2020, 6, 30)),
        ("6 tháng cuối năm 2020", date(2020, 12, 31)),
        ("Năm 2021", date(2021, 12, 31)),
        ("15/10/2020", date(2020, 10, 15)),
    ],
)
def test_last_day(text: str, last_day: date) -> None:
    """last_day is the last calendar day of the period, or the date itself."""
    assert parse_period(text).last_day == last_day


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("Quý IV/2022", date(2023, 1, 3)),  # Sat 31/12, Sun 1/1, observed New Year Mon 2/1
        ("Quý III/2020", date(2020, 9, 30)),  # Wednesday
        ("Quý IV/2020", date(2020, 12, 31)),  # Thursday
        ("6 tháng đầu năm 2023", date(2023, 6, 30)),  # Friday
        ("Tháng 1/2023", date(2023, 1, 31)),  # Tuesday
        ("Quý III/2023", date(2023, 10, 2)),  # Saturday 30/9 -> Monday
        ("12/2/2021", date(2021, 2, 17)),  # inside Tết 2021
        ("Tháng 4/2023", date(2023, 5, 4)),  # Sun 30/4, holidays 1–3/5/2023
        ("Năm 2023", date(2024, 1, 2)),  # Sunday 31/12/2023, New Year Monday
        ("Tháng 8/2026", date(2026, 9, 3)),  # 31/8 swapped day off, 1–2/9 National Day
    ],
)
def test_deadline_moves_to_next_working_day(text: str, deadline: date) -> None:
    """The deadline is the last day, or the next working day if that is a day off
    (Bộ luật Dân sự 2015, Điều 148 khoản 5)."""
    assert parse_period(text).deadline() == deadline


def test_deadline_uses_the_given_calendar() -> None:
    """Admin days off push a deadline later; a worked Saturday can be the deadline itself."""
    q3_2020 = parse_period("Quý III/2020")  # Wednesday 30/9/2020
    assert q3_2020.deadline(WorkCalendar(extra_days_off=[date(2020, 9, 30)])) == date(2020, 10, 1)
    q3_2023 = parse_period("Quý III/2023")  # Saturday 30/9/2023
    worked = WorkCalendar(extra_working_days=[date(2023, 9, 30)])
    assert q3_2023.deadline(worked) == date(2023, 9, 30)


@pytest.mark.parametrize(
    ("year", "quarter", "label"),
    [
        (2020, 1, "Quý I/2020"),
        (2020, 2, "Quý II/2020"),
        (2020, 3, "Quý III/2020"),
        (2021, 4, "Quý IV/2021"),
    ],
)
def test_quarter_label(year: int, quarter: int, label: str) -> None:
    """Quarter labels use Roman numerals, as in official plans."""
    assert quarter_label(year, quarter) == label


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_label_rejects_bad_quarter(quarter: int) -> None:
    """There are only four quarters."""
    with pytest.raises(PeriodError):
        quarter_label(2020, quarter)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2020, 5, 29), "29/5/2020"),
        (date(2021, 1, 5), "5/1/2021"),
        (date(2020, 12, 31), "31/12/2020"),
    ],
)
def test_format_date(day: date, text: str) -> None:
    """Vietnamese short dates have no leading zeros."""
    assert format_date(day) == text


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("20/9/2020", date(2020, 9, 20)),
        ("05/01/2021", date(2021, 1, 5)),
        ("20-9-2020", date(2020, 9, 20)),
        ("2020-09-20", date(2020, 9, 20)),
        (" 20 / 9 / 2020 ", date(2020, 9, 20)),
        ("29/2/2020", date(2020, 2, 29)),
    ],
)
def test_parse_date(text: str, day: date) -> None:
    """parse_date reads d/m/yyyy with or without leading zeros, with "/" or "-", and ISO dates."""
    assert parse_date(text) == day


EXPECTED_DATE_FORM = "Ngày phải ghi theo dạng ngày/tháng/năm, ví dụ 29/5/2020"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/11/2020", 'Ngày không hợp lệ: "31/11/2020" (tháng 11 chỉ có 30 ngày).'),
        ("29/2/2021", 'Ngày không hợp lệ: "29/2/2021" (tháng 2 năm 2021 chỉ có 28 ngày).'),
        ("2020-13-01", 'Ngày không hợp lệ: "2020-13-01" (tháng phải từ 1 đến 12).'),
        ("hôm qua", f'{EXPECTED_DATE_FORM}, không phải "hôm qua".'),
        ("20.9.2020", f'{EXPECTED_DATE_FORM}, không phải "20.9.2020".'),
        ("", "Ngày không được để trống."),
    ],
)
def test_parse_date_errors(text: str, message: str) -> None:
    """Invalid dates are refused with a Vietnamese message saying why."""
    with pytest.raises(PeriodError) as caught:
        parse_date(text)
    assert str(caught.value) == message


years = st.integers(min_value=1900, max_value=2200)
FAST = settings(max_examples=100, deadline=None, database=None)


def check_deadline(period: Period) -> None:
    """deadline >= last_day, is a working day, and no working day lies in [last_day, deadline)."""
    deadline = period.deadline()
    assert deadline is not None and period.last_day is not None
    assert deadline >= period.last_day
    assert package_says_working(deadline)
    day = period.last_day
    while day < deadline:
        assert not package_says_working(day)
        day += timedelta(days=1)


@FAST
@given(year=years, quarter=st.integers(min_value=1, max_value=4))
def test_quarter_property(year: int, quarter: int) -> None:
    """Any quarter: the label round-trips and the deadline is the first working day from its end."""
    period = parse_period(quarter_label(year, quarter))
    assert (period.kind, period.year, period.number) == ("quarter", year, quarter)
    assert parse_period(period.label) == period
    assert period.last_day.month == 3 * quarter
    assert (period.last_day + timedelta(days=1)).day == 1
    check_deadline(period)


@FAST
@given(year=years, month=st.integers(min_value=1, max_value=12))
def test_month_property(year: int, month: int) -> None:
    """Any month: the label round-trips and the deadline is the first working day from its end."""
    period = parse_period(f"tháng {month:02d} năm {year}")
    assert (period.kind, period.year, period.number) == ("month", year, month)
    assert parse_period(period.label) == period
    assert period.label == f"Tháng {month}/{year}"
    assert period.last_day.month == month
    assert (period.last_day + timedelta(days=1)).day == 1
    check_deadline(period)


@FAST
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_date_property(day: date) -> None:
    """Any date in range: short and ISO forms round-trip, and the date parses as a period."""
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    period = parse_period(format_date(day))
    assert period == Period("date", day.year, None, day, format_date(day))
    check_deadline(period)


# Forms found in published task lists (2025): bare years, ranges, deadline words, recurrences.


def year(y: int) -> Period:
    return Period("year", y, None, None, f"Năm {y}")


def quarter(y: int, q: int) -> Period:
    return Period("quarter", y, q, None, quarter_label(y, q))


def month(y: int, m: int) -> Period:
    return Period("month", y, m, None, f"Tháng {m}/{y}")


def on(y: int, m: int, d: int) -> Period:
    return Period("date", y, None, date(y, m, d), f"{d}/{m}/{y}")


def span(first: Period, last: Period, label: str) -> Period:
    return Period("range", None, None, None, label, (first, last))


def before(bound: Period, label: str) -> Period:
    return Period("before", None, None, None, label, (bound,))


YEARS_2026_2030 = span(year(2026), year(2030), "2026 - 2030")
YEARS_2025_2030 = span(year(2025), year(2030), "2025 - 2030")
BEFORE_30_11_2025 = before(on(2025, 11, 30), "Trước ngày 30/11/2025")

# (text, period, deadline with DEFAULT_CALENDAR)
PUBLISHED_FORMS = [
    # Years, bare or with "Năm".
    ("2025", year(2025), date(2025, 12, 31)),
    ("2026", year(2026), date(2026, 12, 31)),
    ("Năm 2025", year(2025), date(2025, 12, 31)),
    # Ranges of years: due at the end of the last year.
    ("2025 - 2030", YEARS_2025_2030, date(2030, 12, 31)),
    ("2026-2030", YEARS_2026_2030, date(2030, 12, 31)),
    ("2026 - 2030", YEARS_2026_2030, date(2030, 12, 31)),
    ("Năm 2025 - 2026", span(year(2025), year(2026), "2025 - 2026"), date(2026, 12, 31)),
    ("Năm 2025-2030", YEARS_2025_2030, date(2030, 12, 31)),
    ("2025 - 2035", span(year(2025), year(2035), "2025 - 2035"), date(2035, 12, 31)),
    ("Giai đoạn 2026-2030", YEARS_2026_2030, date(2030, 12, 31)),
    ("2025–2030", YEARS_2025_2030, date(2030, 12, 31)),  # en dash
    ("Năm 2025 - Năm 2030", YEARS_2025_2030, date(2030, 12, 31)),
    ("Từ 2025 đến 2030", YEARS_2025_2030, date(2030, 12, 31)),
    ("Trong giai đoạn 2026 - 2030", YEARS_2026_2030, date(2030, 12, 31)),
    # Ranges of quarters and months.
    ("Quý IV/2025- Quý II/2026",
     span(quarter(2025, 4), quarter(2026, 2), "Quý IV/2025 - Quý II/2026"), date(2026, 6, 30)),
    ("Quý IV/2025 - Quý II/2026",
     span(quarter(2025, 4), quarter(2026, 2), "Quý IV/2025 - Quý II/2026"), date(2026, 6, 30)),
    # Sunday 30/6/2024 -> Monday.
    ("Quý I-II/2024", span(quarter(2024, 1), quarter(2024, 2), "Quý I - II/2024"),
     date(2024, 7, 1)),
    ("Quý I - II/2024", span(quarter(2024, 1), quarter(2024, 2), "Quý I - II/2024"),
     date(2024, 7, 1)),
    ("Tháng 11-12/2025", span(month(2025, 11), month(2025, 12), "Tháng 11 - 12/2025"),
     date(2025, 12, 31)),
    # Saturday 28/2/2026 -> Monday 2/3.
    ("Tháng 11/2025 - Tháng 2/2026",
     span(month(2025, 11), month(2026, 2), "Tháng 11/2025 - Tháng 2/2026"), date(2026, 3, 2)),
    ("Tháng 12/2025 - Quý I/2026",
     span(month(2025, 12), quarter(2026, 1), "Tháng 12/2025 - Quý I/2026"), date(2026, 3, 31)),
    ("Từ Quý IV/2025 đến Quý II/2026",
     span(quarter(2025, 4), quarter(2026, 2), "Quý IV/2025 - Quý II/2026"), date(2026, 6, 30)),
    ("2025 - 2025", year(2025), date(2025, 12, 31)),  # a range of one period is that period
    # Quarter spellings.
    ("Quí IV-2025", quarter(2025, 4), date(2025, 12, 31)),
    ("Quý III Năm 2026", quarter(2026, 3), date(2026, 9, 30)),
    ("Quý III năm 2026", quarter(2026, 3), date(2026, 9, 30)),
    ("quý 3/2026", quarter(2026, 3), date(2026, 9, 30)),
    ("Quý III - 2026", quarter(2026, 3), date(2026, 9, 30)),
    # Months.
    ("Tháng 06/2026", month(2026, 6), date(2026, 6, 30)),
    ("Tháng 6/2026", month(2026, 6), date(2026, 6, 30)),
    ("Tháng 02/2026", month(2026, 2), date(2026, 3, 2)),  # Saturday 28/2
    ("Tháng 12 năm 2025", month(2025, 12), date(2025, 12, 31)),
    # Dates.
    ("01/01/2026", on(2026, 1, 1), date(2026, 1, 2)),  # New Year's Day
    ("31/12/2025", on(2025, 12, 31), date(2025, 12, 31)),
    ("18/10/2025", on(2025, 10, 18), date(2025, 10, 20)),  # Saturday
    ("30/06/2025", on(2025, 6, 30), date(2025, 6, 30)),
    ("ngày 15/10/2025", on(2025, 10, 15), date(2025, 10, 15)),
    # "Trước" is strict: the day before, then Article 148 (Saturday 29/11 -> Monday 1/12).
    ("Trước ngày 30/11/2025", BEFORE_30_11_2025, date(2025, 12, 1)),
    ("Trước 30/11/2025", BEFORE_30_11_2025, date(2025, 12, 1)),
    ("Hoàn thành trước ngày 30/11/2025", BEFORE_30_11_2025, date(2025, 12, 1)),
    ("Trước ngày 18/11/2025", before(on(2025, 11, 18), "Trước ngày 18/11/2025"),
     date(2025, 11, 17)),  # Tuesday 18/11: due Monday 17/11
    ("Trước 15/10/2020", before(on(2020, 10, 15), "Trước ngày 15/10/2020"), date(2020, 10, 14)),
    ("Trước tháng 12/2025", before(month(2025, 12), "Trước tháng 12/2025"), date(2025, 12, 1)),
    ("Trước Quý III/2026", before(quarter(2026, 3), "Trước quý III/2026"), date(2026, 6, 30)),
    ("Trước năm 2026", before(year(2026), "Trước năm 2026"), date(2025, 12, 31)),
    # "Chậm nhất" (at the latest) is the date itself: Sunday 30/11 -> Monday 1/12.
    ("Chậm nhất ngày 30/11/2025", on(2025, 11, 30), date(2025, 12, 1)),
    ("Chậm nhất 30/11/2025", on(2025, 11, 30), date(2025, 12, 1)),
    # "Within", "end of", "until the end of" a period: that period.
    ("Trong tháng 12/2025", month(2025, 12), date(2025, 12, 31)),
    ("Trong quý IV/2025", quarter(2025, 4), date(2025, 12, 31)),
    ("Trong năm 2026", year(2026), date(2026, 12, 31)),
    ("Cuối năm 2025", year(2025), date(2025, 12, 31)),
    ("Cuối quý IV/2025", quarter(2025, 4), date(2025, 12, 31)),
    ("Đến hết năm 2025", year(2025), date(2025, 12, 31)),
]


@pytest.mark.parametrize(("text", "expected", "deadline"), PUBLISHED_FORMS)
def test_published_forms(text: str, expected: Period, deadline: date) -> None:
    """Forms printed in real task lists parse to the expected period, label and deadline,
    and the label parses back to the same period."""
    period = parse_period(text)
    assert period == expected
    assert period.label == expected.text
    assert parse_period(period.label) == period
    assert period.has_deadline
    assert period.deadline(DEFAULT_CALENDAR) == deadline
    check_deadline(period)


def test_range_is_due_at_the_end_of_its_last_period() -> None:
    """A range's last day is its last period's; its first period only orders it."""
    period = parse_period("Quý IV/2025 - Quý II/2026")
    assert period.kind == "range"
    assert period.parts == (quarter(2025, 4), quarter(2026, 2))
    assert period.last_day == date(2026, 6, 30)


def test_before_is_due_the_day_before() -> None:
    """"Trước ngày X" ends the day before X; "Chậm nhất ngày X" ends on X."""
    assert parse_period("Trước ngày 18/11/2025").last_day == date(2025, 11, 17)
    assert parse_period("Chậm nhất ngày 18/11/2025").last_day == date(2025, 11, 18)
    assert parse_period("Trước tháng 1/2026").last_day == date(2025, 12, 31)


RECURRING = [
    "Hằng năm", "Hàng năm", "Định kỳ hằng năm", "Định kỳ hằng quý", "Hằng quý", "Hằng tháng",
    "Định kỳ hàng tháng", "Định kì 6 tháng",
]


@pytest.mark.parametrize("text", [*RECURRING, "  hằng  năm ", nfd("Định kỳ hằng quý")])
def test_recurring(text: str) -> None:
    """A recurring task keeps its text (NFC, trimmed) and has no single deadline."""
    period = parse_period(text)
    verbatim = unicodedata.normalize("NFC", text).strip()
    assert period == Period("recurring", None, None, None, verbatim)
    assert period.label == verbatim
    assert parse_period(period.label) == period
    assert not period.has_deadline
    assert period.last_day is None
    assert period.deadline() is None


# Every period text printed in the real tables of tests/fixtures/real_appendices, per set:
# (set, text, kind, deadline with DEFAULT_CALENDAR).
REAL_APPENDIX_PERIODS = [
    # bo-vhttdl-6225-2025 (Bộ VHTTDL, Công văn 6225/BVHTTDL-VP), "Thời hạn hoàn thành"
    ("bo-vhttdl-6225-2025", "Tháng 12/2025", "month", date(2025, 12, 31)),
    ("bo-vhttdl-6225-2025", "Tháng 11/2025", "month", date(2025, 12, 1)),  # Sunday 30/11
    ("bo-vhttdl-6225-2025", "01/01/2026", "date", date(2026, 1, 2)),  # New Year's Day
    ("bo-vhttdl-6225-2025", "01/03/2026", "date", date(2026, 3, 2)),  # Sunday
    ("bo-vhttdl-6225-2025", "31/12/2025", "date", date(2025, 12, 31)),
    ("bo-vhttdl-6225-2025", "Theo lộ trình được giao tại Kế hoạch số 02-KH/BCĐTW", "open", None),
    # chinh-phu-394-2025 (Chính phủ, Nghị quyết 394/NQ-CP), "Thời hạn hoàn thành"
    ("chinh-phu-394-2025", "2030", "year", date(2030, 12, 31)),
    # dong-nai-179-2025 (UBND tỉnh Đồng Nai, Kế hoạch 179/KH-UBND), "Thời gian thực hiện"
    ("dong-nai-179-2025", "2026 - 2030", "range", date(2030, 12, 31)),
    ("dong-nai-179-2025", "2026-2030", "range", date(2030, 12, 31)),
    ("dong-nai-179-2025", "2025", "year", date(2025, 12, 31)),
    ("dong-nai-179-2025", "2026", "year", date(2026, 12, 31)),
    # thu-tuong-2629-2025 (Thủ tướng, Quyết định 2629/QĐ-TTg), "Thời gian thực hiện"
    ("thu-tuong-2629-2025", "Tháng 12/2025", "month", date(2025, 12, 31)),
    ("thu-tuong-2629-2025", "Tháng 12/2026", "month", date(2026, 12, 31)),
    ("thu-tuong-2629-2025", "Tháng 3/2026", "month", date(2026, 3, 31)),
    ("thu-tuong-2629-2025", "Tháng 02/2026", "month", date(2026, 3, 2)),  # Saturday 28/2
    ("thu-tuong-2629-2025", "Tháng 06/2026", "month", date(2026, 6, 30)),
    ("thu-tuong-2629-2025", "Tháng 6/2026", "month", date(2026, 6, 30)),
    ("thu-tuong-2629-2025", "Tháng 8/2026", "month", date(2026, 9, 3)),  # 31/8–2/9 days off
    ("thu-tuong-2629-2025", "Năm 2026", "year", date(2026, 12, 31)),
    ("thu-tuong-2629-2025", "Năm 2025-2026", "range", date(2026, 12, 31)),
    ("thu-tuong-2629-2025", "Năm 2025-2030", "range", date(2030, 12, 31)),
    ("thu-tuong-2629-2025", "Bắt đầu triển khai từ năm 2026", "open", None),
    # vpcp-624-2025 (Văn phòng Chính phủ, Thông báo 624/TB-VPCP), "Thời hạn hoàn thành"
    ("vpcp-624-2025", "18/10/2025", "date", date(2025, 10, 20)),  # Saturday
    ("vpcp-624-2025", "30/06/2025", "date", date(2025, 6, 30)),
    ("vpcp-624-2025", "31/05/2025", "date", date(2025, 6, 2)),  # Saturday
    ("vpcp-624-2025", "31/10/2025", "date", date(2025, 10, 31)),
    ("vpcp-624-2025", "30/09/2025", "date", date(2025, 9, 30)),
    # bac-ninh-144-2025 has no period column.
]


@pytest.mark.parametrize(("source", "text", "kind", "deadline"), REAL_APPENDIX_PERIODS)
def test_real_appendix_periods(source: str, text: str, kind: str, deadline: date | None) -> None:
    """Every period printed in the real published tables parses, with the expected deadline."""
    period = parse_period(text)
    assert period.kind == kind
    assert period.deadline(DEFAULT_CALENDAR) == deadline
    assert parse_period(period.label) == period


# Kept in the repository with their sources (tests/fixtures/real_appendices/README.md).
REAL_APPENDICES = Path(__file__).resolve().parent / "fixtures" / "real_appendices"


def test_real_appendix_periods_are_all_listed() -> None:
    """The list above holds every text of the tables' period columns (so a new set is noticed)."""
    listed = {(source, text) for source, text, _, _ in REAL_APPENDIX_PERIODS}
    found = set()
    for path in sorted(REAL_APPENDICES.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as file:
            header, *rows = csv.reader(file, delimiter="\t")
        columns = [i for i, name in enumerate(header) if name.startswith(("Thời gian", "Thời hạn"))]
        for row in rows:
            if columns and len(row) == len(header) and row[columns[0]].strip():
                if row[columns[0]] not in ("Thời gian thực hiện", "Thời hạn hoàn thành"):
                    found.add((path.stem, row[columns[0]]))
    assert found and found <= listed


def first_day(period: Period) -> date:
    """Independent oracle: the first calendar day of a single period."""
    match period.kind:
        case "quarter":
            return date(period.year, 3 * period.number - 2, 1)
        case "month":
            return date(period.year, period.number, 1)
        case "half":
            return date(period.year, 6 * period.number - 5, 1)
        case "year":
            return date(period.year, 1, 1)
        case "date":
            return period.day
    raise AssertionError(period.kind)


single_periods = st.one_of(
    st.builds(lambda y, q: parse_period(quarter_label(y, q)), years, st.integers(1, 4)),
    st.builds(lambda y, m: parse_period(f"Tháng {m}/{y}"), years, st.integers(1, 12)),
    st.builds(lambda y, h: parse_period(f"6 tháng {('đầu', 'cuối')[h]} năm {y}"),
              years, st.integers(0, 1)),
    st.builds(lambda y: parse_period(str(y)), years),
    st.builds(lambda d: parse_period(format_date(d)),
              st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))),
)


@FAST
@given(first=years, last=years, spelling=st.sampled_from(
    ["{0}-{1}", "{0} - {1}", "Năm {0} - {1}", "Năm {0}–Năm {1}", "Giai đoạn {0}-{1}",
     "Từ năm {0} đến năm {1}"]))
def test_year_range_property(first: int, last: int, spelling: str) -> None:
    """Any two years: a range due at the end of the later one, or an error if reversed."""
    text = spelling.format(first, last)
    if last < first:
        with pytest.raises(PeriodError, match="kết thúc sau khi bắt đầu"):
            parse_period(text)
        return
    period = parse_period(text)
    assert parse_period(period.label) == period
    assert period.last_day == date(last, 12, 31)
    if first == last:
        assert period == year(first)
    else:
        assert period == span(year(first), year(last), f"{first} - {last}")
    check_deadline(period)


@FAST
@given(first=single_periods, last=single_periods, dash=st.sampled_from([" - ", "-", " – ", "- "]))
def test_range_property(first: Period, last: Period, dash: str) -> None:
    """Any two periods: a range if the second begins after the first ends, the period itself
    if they are equal, otherwise an error; a range's label round-trips and it is due at the
    end of its second period."""
    text = f"{first.label}{dash}{last.label}"
    if first == last:
        assert parse_period(text) == first
    elif first_day(last) <= first.last_day:
        with pytest.raises(PeriodError, match="kết thúc sau khi bắt đầu"):
            parse_period(text)
    else:
        period = parse_period(text)
        assert (period.kind, period.parts) == ("range", (first, last))
        assert parse_period(period.label) == period
        assert parse_period(period.label.upper()) == period
        assert period.last_day == last.last_day
        check_deadline(period)


@FAST
@given(bound=single_periods, spelling=st.sampled_from(
    ["Trước {}", "trước {}", "Hoàn thành trước {}"]))
def test_before_property(bound: Period, spelling: str) -> None:
    """"Trước X" for any period or date X: due the day before X begins; the label round-trips."""
    assume(first_day(bound) > date(1900, 1, 1))
    inner = f"ngày {bound.label}" if bound.kind == "date" else bound.label
    period = parse_period(spelling.format(inner))
    assert (period.kind, period.parts) == ("before", (bound,))
    assert parse_period(period.label) == period
    assert period.label.startswith("Trước ")
    assert period.last_day == first_day(bound) - timedelta(days=1)
    check_deadline(period)
