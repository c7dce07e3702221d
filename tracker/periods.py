"""The submission time ("Thời gian trình") of a proposal, as written in plans.

Plans write it as a quarter, month, half-year, year or date in several spellings,
or as free text ("Thường xuyên"). Parsing it gives one canonical label and a
deadline; text that looks like a period but is malformed is rejected rather
than silently kept as free text, because free text has no deadline.
"""
from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from .workdays import DEFAULT_CALENDAR, WorkCalendar

MIN_YEAR = 1900
MAX_YEAR = 2200

_ROMAN = ("I", "II", "III", "IV")
_QUARTER_NUMBERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_HALF_PARTS = ("đầu", "cuối")

# Whitespace runs, including non-breaking and zero-width spaces pasted from Word/Excel.
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
_NOT_LETTER = r"(?![^\W\d_])"
# Between number and year: "/", "-", an en dash, or the word "năm".
_SEP = r"(?: ?[/\-–] ?| năm )"

# Prefixes that commit the text to being a period (it must then parse fully).
_QUARTER_START = re.compile(rf"qu[ýí]{_NOT_LETTER}")
_MONTH_START = re.compile(rf"tháng{_NOT_LETTER}")
_HALF_START = re.compile(rf"\d+ ?tháng{_NOT_LETTER}")
_YEAR_START = re.compile(r"năm ?\d")
# "ngày 15…", a d/m/y shape (possibly followed by garbage), or only digits and separators.
_DATE_START = re.compile(r"ngày ?\d|\d+ ?[/\-–] ?\d+ ?[/\-–]|[\d /\-–]*\d[\d /\-–]*$")

_QUARTER = re.compile(rf"qu[ýí] ?([^\W\d_]+|\d+){_SEP}(\d+)")
_MONTH = re.compile(rf"tháng ?(\d+){_SEP}(\d+)")
_HALF = re.compile(r"(\d+) ?tháng (đầu|cuối)(?: năm)? (\d+)")
_YEAR = re.compile(r"năm ?(\d+)")
_LONG_DATE = re.compile(r"(?:ngày ?)?(\d+) tháng (\d+) năm (\d+)")
_SHORT_DATE = re.compile(r"(?:ngày ?)?(\d+) ?([/\-–]) ?(\d+) ?\2 ?(\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class PeriodError(ValueError):
    """Text that looks like a period but is not one; str() is the Vietnamese message to show."""


@dataclass(frozen=True)
class Period:
    """A parsed submission time; `text` is the canonical label, or the verbatim text for "open"."""

    kind: str  # "quarter" | "month" | "half" | "year" | "date" | "open"
    year: int | None
    number: int | None  # quarter 1–4, month 1–12, half 1–2; None otherwise
    day: date | None  # for kind "date"
    text: str

    @property
    def label(self) -> str:
        """Canonical Vietnamese form, so equal periods display (and compare) the same."""
        match self.kind:
            case "quarter":
                return quarter_label(self.year, self.number)
            case "month":
                return f"Tháng {self.number}/{self.year}"
            case "half":
                return f"6 tháng {_HALF_PARTS[self.number - 1]} năm {self.year}"
            case "year":
                return f"Năm {self.year}"
            case "date":
                return format_date(self.day)
            case "open":
                return self.text
        raise ValueError(f"unknown period kind: {self.kind!r}")

    @property
    def last_day(self) -> date | None:
        """Last calendar day of the period (the date itself for "date"); None for open text."""
        match self.kind:
            case "quarter":
                return _month_end(self.year, self.number * 3)
            case "month":
                return _month_end(self.year, self.number)
            case "half":
                return _month_end(self.year, self.number * 6)
            case "year":
                return date(self.year, 12, 31)
            case "date":
                return self.day
        return None

    @property
    def has_deadline(self) -> bool:
        return self.kind != "open"

    def deadline(self, calendar: WorkCalendar = DEFAULT_CALENDAR) -> date | None:
        """Last day, moved to the next working day if it is a day off.

        Bộ luật Dân sự 2015, Điều 148 khoản 5: a time limit ending on a weekend or
        holiday ends on the following working day.
        """
        last = self.last_day
        return None if last is None else calendar.next_working_day(last)


def quarter_label(year: int, quarter: int) -> str:
    """Canonical quarter label with a Roman numeral, as used in official plans: "Quý III/2020"."""
    if not 1 <= quarter <= 4:
        raise PeriodError(f"Quý phải từ I đến IV, không phải {quarter}.")
    return f"Quý {_ROMAN[quarter - 1]}/{year}"


def format_date(day: date) -> str:
    """Vietnamese short date without leading zeros: 29/5/2020."""
    return f"{day.day}/{day.month}/{day.year}"


def parse_date(text: str) -> date:
    """Parse "20/9/2020", "05/01/2021", "20-9-2020" or ISO "2020-09-20"."""
    shown = unicodedata.normalize("NFC", text).strip()
    key = _clean(text)
    if not key:
        raise PeriodError("Ngày không được để trống.")
    return _parse_date_key(key, shown)


def parse_period(text: str) -> Period:
    """Parse a submission time; anything that does not look like a period is kept as open text."""
    shown = unicodedata.normalize("NFC", text).strip()
    key = _clean(text)
    if not key:
        raise PeriodError("Thời gian trình không được để trống.")
    if _QUARTER_START.match(key):
        return _parse_quarter(key, shown)
    if _MONTH_START.match(key):
        return _parse_month(key, shown)
    if _HALF_START.match(key):
        if _LONG_DATE.fullmatch(key):  # "15 tháng 10 năm 2020"
            return _date_period(_parse_date_key(key, shown))
        return _parse_half(key, shown)
    if _YEAR_START.match(key):
        return _parse_year(key, shown)
    if _DATE_START.match(key):
        return _date_period(_parse_date_key(key, shown))
    return Period("open", None, None, None, shown)


def _clean(text: str) -> str:
    """Lower-cased NFC text with whitespace collapsed: one spelling per form for the regexes."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip().lower()


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _check_year(digits: str, shown: str, example: str) -> int:
    year = int(digits)
    if len(digits) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            f"Năm phải có 4 chữ số, từ {MIN_YEAR} đến {MAX_YEAR} "
            f'(ví dụ "{example}"), không phải "{shown}".'
        )
    return year


def _parse_quarter(key: str, shown: str) -> Period:
    match = _QUARTER.fullmatch(key)
    if not match:
        raise PeriodError(f'Quý phải ghi theo dạng "Quý III/2020", không phải "{shown}".')
    quarter = _QUARTER_NUMBERS.get(match[1].lstrip("0"))
    if quarter is None:
        raise PeriodError(f'Quý phải từ I đến IV (ví dụ "Quý III/2020"), không phải "{shown}".')
    year = _check_year(match[2], shown, "Quý III/2020")
    return _period("quarter", year, quarter)


def _parse_month(key: str, shown: str) -> Period:
    match = _MONTH.fullmatch(key)
    if not match:
        raise PeriodError(f'Tháng phải ghi theo dạng "Tháng 9/2020", không phải "{shown}".')
    month = int(match[1])
    if not 1 <= month <= 12:
        raise PeriodError(f'Tháng phải từ 1 đến 12 (ví dụ "Tháng 9/2020"), không phải "{shown}".')
    year = _check_year(match[2], shown, "Tháng 9/2020")
    return _period("month", year, month)


def _parse_half(key: str, shown: str) -> Period:
    match = _HALF.fullmatch(key)
    if not match or int(match[1]) != 6:
        raise PeriodError(
            'Nửa năm phải ghi "6 tháng đầu năm 2020" hoặc "6 tháng cuối năm 2020", '
            f'không phải "{shown}".'
        )
    year = _check_year(match[3], shown, "6 tháng đầu năm 2020")
    return _period("half", year, _HALF_PARTS.index(match[2]) + 1)


def _parse_year(key: str, shown: str) -> Period:
    match = _YEAR.fullmatch(key)
    if not match:
        raise PeriodError(f'Năm phải ghi theo dạng "Năm 2021", không phải "{shown}".')
    return _period("year", _check_year(match[1], shown, "Năm 2021"), None)


def _period(kind: str, year: int, number: int | None) -> Period:
    """Build a period whose text is its canonical label, so labels round-trip."""
    label = Period(kind, year, number, None, "").label
    return Period(kind, year, number, None, label)


def _date_period(day: date) -> Period:
    return Period("date", day.year, None, day, format_date(day))


def _parse_date_key(key: str, shown: str) -> date:
    if match := _ISO_DATE.fullmatch(key):
        year, month, day = match.groups()
    elif match := _LONG_DATE.fullmatch(key):
        day, month, year = match.groups()
    elif match := _SHORT_DATE.fullmatch(key):
        day, _, month, year = match.groups()
    else:
        raise PeriodError(
            f'Ngày phải ghi theo dạng ngày/tháng/năm, ví dụ 29/5/2020, không phải "{shown}".'
        )
    return _make_date(day, month, year, shown)


def _make_date(day_digits: str, month_digits: str, year_digits: str, shown: str) -> date:
    """Build the date, explaining in Vietnamese which part is out of range."""
    year, month, day = int(year_digits), int(month_digits), int(day_digits)
    if len(year_digits) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        reason = f"năm phải có 4 chữ số, từ {MIN_YEAR} đến {MAX_YEAR}"
    elif not 1 <= month <= 12:
        reason = "tháng phải từ 1 đến 12"
    elif not 1 <= day <= 31:
        reason = "ngày phải từ 1 đến 31"
    elif day > (days := monthrange(year, month)[1]):
        in_year = f" năm {year}" if month == 2 else ""
        reason = f"tháng {month}{in_year} chỉ có {days} ngày"
    else:
        return date(year, month, day)
    raise PeriodError(f'Ngày không hợp lệ: "{shown}" ({reason}).')
