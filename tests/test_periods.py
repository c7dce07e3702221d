"""Tests for parsing the submission time ("Thời gian trình") of proposals (tracker.periods)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import cache

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.periods import (
    Period,
    PeriodError,
    format_date,
    parse_date,
    parse_period,
    quarter_label,
)
from tracker.workdays import WorkCalendar

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
        ("Trước 15/10/2020", "Trước 15/10/2020"),  # does not start with a period
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
    ("2020", "ngày/tháng/năm"),
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
