"""The submission time ("Thời gian trình") of a proposal, as written in plans.

Plans write it as a quarter, month, half-year, year or date in several spellings,
as a range of those, as a deadline word before one of them, as a recurrence, or as
free text ("Thường xuyên"). Parsing it gives one canonical label and a deadline;
text that looks like a period but is malformed is rejected rather than silently
kept as free text, because free text has no deadline.

Kinds, with their canonical labels (every label parses back to an equal Period):

- "quarter" "Quý III/2020", "month" "Tháng 9/2020", "half" "6 tháng đầu năm 2020",
  "year" "Năm 2021" (also written "2021"), "date" "15/10/2020".
- "range": two of the above, due at the end of the second. Labels: "2026 - 2030"
  for years (as plans print "Giai đoạn 2026-2030"), "Quý I - II/2024" and
  "Tháng 11 - 12/2025" within one year, otherwise "Quý IV/2025 - Quý II/2026".
  The second period must begin after the first ends ("2030 - 2025" is an error);
  a range of one period ("2025 - 2025") is that period.
- "before": "Trước ngày 30/11/2025", "Trước tháng 12/2025". "Trước" is strict, so
  the last day is the day before the date, or before the period begins (30/11/2025
  for "Trước tháng 12/2025"); a reminder a day early is safe, a day late is not.
  Article 148 still applies to that last day, so "Trước ngày 30/11/2025" (the day
  before is a Saturday) is due Monday 1/12/2025, never later than "30/11/2025".
  "Chậm nhất ngày X" ("at the latest on X") is X itself, kind "date".
- "recurring": "Hằng năm", "Định kỳ hằng quý", "Hàng tháng"… The label is the text
  as given. It has no deadline: a recurring task has no single stable deadline,
  and inventing the next occurrence would make the item overdue every period.
- "open": any other text, kept verbatim, no deadline. So is a period that is
  open-ended ("Từ năm 2026", "Năm 2026 và các năm tiếp theo").

Words that only say "by the end of" are dropped: "Trong tháng 12/2025" and
"Cuối tháng 12/2025" are "Tháng 12/2025", "Giai đoạn 2026-2030" is "2026 - 2030".
"""
from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .i18n import _
from .workdays import DEFAULT_CALENDAR, WorkCalendar

MIN_YEAR = 1900
MAX_YEAR = 2200

_ROMAN = ("I", "II", "III", "IV")
_QUARTER_NUMBERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_HALF_PARTS = ("đầu", "cuối")

# Whitespace runs, including non-breaking and zero-width spaces pasted from Word/Excel.
_SPACES = re.compile(r"[\s\u200b\ufeff]+")
# Hyphens, dashes and the minus sign, all read as "-".
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_NOT_LETTER = r"(?![^\W\d_])"
# Between number and year: "/", "-", or the word "năm".
_SEP = r"(?: ?[/\-] ?| năm )"

# Prefixes that commit the text to being a period (it must then parse fully).
_QUARTER_START = re.compile(rf"qu[ýí]{_NOT_LETTER}")
_MONTH_START = re.compile(rf"tháng{_NOT_LETTER}")
_HALF_START = re.compile(rf"\d+ ?tháng{_NOT_LETTER}")
_YEAR_START = re.compile(r"năm ?\d")
# "ngày 15…", a d/m/y shape (possibly followed by garbage), or only digits and separators.
_DATE_START = re.compile(r"ngày ?\d|\d+ ?[/\-] ?\d+ ?[/\-]|[\d /\-]*\d[\d /\-]*$")

_QUARTER = re.compile(rf"qu[ýí] ?([^\W\d_]+|\d+){_SEP}(\d+)")
_MONTH = re.compile(rf"tháng ?(\d+){_SEP}(\d+)")
_HALF = re.compile(r"(\d+) ?tháng (đầu|cuối)(?: năm)? (\d+)")
_YEAR = re.compile(r"năm ?(\d+)")
_BARE_YEAR = re.compile(r"\d{4}")
_LONG_DATE = re.compile(r"(?:ngày ?)?(\d+) tháng (\d+) năm (\d+)")
_SHORT_DATE = re.compile(r"(?:ngày ?)?(\d+) ?([/\-]) ?(\d+) ?\2 ?(\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

# Ranges within one year: "Quý I-II/2024", "Quý I - Quý II năm 2024", "Tháng 11-12/2025".
_QUARTER_RANGE = re.compile(rf"qu[ýí] ?([^\W\d_]+|\d+) ?- ?(?:qu[ýí] ?)?([^\W\d_]+|\d+){_SEP}(\d+)")
_MONTH_RANGE = re.compile(rf"tháng ?(\d+) ?- ?(?:tháng ?)?(\d+){_SEP}(\d+)")
# Where a range may be split into its two periods.
_RANGE_SEP = re.compile(r" ?- ?| đến (?:hết )?")

# Deadline words: "Trước (ngày) X" is due the day before X; the others are X itself.
_DONE = r"(?:hoàn thành |thực hiện )?"
_BEFORE = re.compile(rf"{_DONE}trước (.+)")
_BY = re.compile(
    rf"{_DONE}(?:chậm nhất(?: là)?(?: vào)?|(?:trong )?giai đoạn|trong|vào|cuối|đến hết|đến|hết)"
    r" (.+)"
)
_FROM = re.compile(r"từ (.+)")
_RECURRING = re.compile(
    r"(?:định k[ỳì],? )?(?:hằng|hàng|mỗi) (?:năm|quý|quí|tháng|tuần)"
    r"|định k[ỳì](?: \d+ tháng(?: một lần)?| (?:năm|quý|quí|tháng))?"
)
# A start with no end: "Năm 2026 và các năm tiếp theo", "Từ Quý III/2026 trở đi".
_OPEN_ENDED = re.compile(r"các năm (?:tiếp theo|sau)|trở đi")


class PeriodError(ValueError):
    """Text that looks like a period but is not one; str() is the Vietnamese message to show."""


class _FormError(PeriodError):
    """The text does not have the shape of the period it starts like (as opposed to a
    number out of range): inside a longer phrase it is free text, not a mistake."""


@dataclass(frozen=True)
class Period:
    """A parsed submission time; `text` is the canonical label, or the verbatim text for
    "open" and "recurring"."""

    # "quarter" | "month" | "half" | "year" | "date" | "range" | "before" | "recurring" | "open"
    kind: str
    year: int | None
    number: int | None  # quarter 1–4, month 1–12, half 1–2; None otherwise
    day: date | None  # for kind "date"
    text: str
    # "range": (first, last); "before": (the period it comes before,); () otherwise.
    parts: tuple[Period, ...] = ()

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
            case "range":
                return _range_label(*self.parts)
            case "before":
                (bound,) = self.parts
                if bound.kind == "date":
                    return f"Trước ngày {bound.label}"
                return f"Trước {bound.label[0].lower()}{bound.label[1:]}"
            case "open" | "recurring":
                return self.text
        raise ValueError(f"unknown period kind: {self.kind!r}")

    @property
    def last_day(self) -> date | None:
        """Last calendar day of the period (the date itself for "date", the end of the last
        period for "range", the day before for "before"); None without a deadline."""
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
            case "range":
                return self.parts[-1].last_day
            case "before":
                return _first_day(self.parts[0]) - timedelta(days=1)
        return None

    @property
    def has_deadline(self) -> bool:
        """False for open text and recurring tasks, which have no single deadline."""
        return self.kind not in ("open", "recurring")

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
        raise PeriodError(_("The quarter must be I to IV, not %(quarter)s.", quarter=quarter))
    return f"Quý {_ROMAN[quarter - 1]}/{year}"


def format_date(day: date) -> str:
    """Vietnamese short date without leading zeros: 29/5/2020."""
    return f"{day.day}/{day.month}/{day.year}"


def parse_date(text: str) -> date:
    """Parse "20/9/2020", "05/01/2021", "20-9-2020" or ISO "2020-09-20"."""
    shown = unicodedata.normalize("NFC", text).strip()
    key = _clean(text)
    if not key:
        raise PeriodError(_("The date must not be empty."))
    return _parse_date_key(key, shown)


def parse_period(text: str) -> Period:
    """Parse a submission time; anything that does not look like a period is kept as open text."""
    shown = unicodedata.normalize("NFC", text).strip()
    key = _clean(text)
    if not key:
        raise PeriodError(_("The submission time must not be empty."))
    # The input with whitespace collapsed but its case kept, to quote part of it in a message.
    display = _SPACES.sub(" ", shown).strip()
    if len(display) != len(key):  # a letter whose lower case is longer: quote the key instead
        display = key
    return _parse(key, shown, display)


def _parse(key: str, shown: str, display: str) -> Period:
    if _OPEN_ENDED.search(key):
        return Period("open", None, None, None, shown)
    if _RECURRING.fullmatch(key):
        return Period("recurring", None, None, None, shown)
    if match := _BEFORE.fullmatch(key):
        start = match.start(1)
        bound = _phrase_part(key[start:], shown, display[start:], single=True)
        if bound is None:
            return Period("open", None, None, None, shown)
        return _canonical(Period("before", None, None, None, "", (bound,)))
    if match := _BY.fullmatch(key):
        start = match.start(1)
        return (_phrase_part(key[start:], shown, display[start:])
                or Period("open", None, None, None, shown))
    if match := _FROM.fullmatch(key):  # "Từ 2025 đến 2030"; "Từ năm 2026" alone is open-ended
        start = match.start(1)
        return (_parse_range(key[start:], shown, display[start:])
                or Period("open", None, None, None, shown))
    return _parse_periods(key, shown, display)


def _phrase_part(key: str, shown: str, display: str, *, single: bool = False) -> Period | None:
    """The period after a deadline word, or None if the phrase is free text ("Trước khi…").

    Messages quote the whole phrase. A period misspelt inside a phrase ("Trong 6 tháng
    kể từ…") is free text, but a number out of range ("Trước ngày 31/11/2025") is an error.
    """
    try:
        period = _parse_single(key, shown) if single else _parse_periods(key, shown, display)
    except _FormError:
        return None
    return period if period.has_deadline else None


def _parse_periods(key: str, shown: str, display: str) -> Period:
    """One period or a range of two; open text if it does not look like either."""
    try:
        period = _parse_single(key, shown)
    except _FormError as error:
        form_error: _FormError | None = error
    else:
        if period.has_deadline:
            return period
        form_error = None
    if period_range := _parse_range(key, shown, display):
        return period_range
    if form_error:
        raise form_error
    return Period("open", None, None, None, shown)


def _parse_single(key: str, shown: str) -> Period:
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
    if _BARE_YEAR.fullmatch(key):
        return _period("year", _check_year(key, shown, "2021"), None)
    if _DATE_START.match(key):
        return _date_period(_parse_date_key(key, shown))
    return Period("open", None, None, None, shown)


def _parse_range(key: str, shown: str, display: str) -> Period | None:
    """A range ("2026-2030", "Quý I-II/2024", "Tháng 11/2025 - Quý I/2026"), or None."""
    if match := _QUARTER_RANGE.fullmatch(key):
        first, last = (_QUARTER_NUMBERS.get(number.lstrip("0")) for number in match.group(1, 2))
        if first is None or last is None:
            raise PeriodError(_('The quarters must be I to IV (e.g. "%(example)s"), not '
                                '"%(text)s".', example="Quý I - II/2024", text=shown))
        year = _check_year(match[3], shown, "Quý I - II/2024")
        return _range(_period("quarter", year, first), _period("quarter", year, last), shown)
    if match := _MONTH_RANGE.fullmatch(key):
        first, last = int(match[1]), int(match[2])
        if not (1 <= first <= 12 and 1 <= last <= 12):
            raise PeriodError(_('The month must be 1 to 12 (e.g. "%(example)s"), not "%(text)s".',
                                example="Tháng 11 - 12/2025", text=shown))
        year = _check_year(match[3], shown, "Tháng 11 - 12/2025")
        return _range(_period("month", year, first), _period("month", year, last), shown)
    # Split at each dash or "đến" in turn: both sides must be periods ("15/10-2020" is not).
    part_error: PeriodError | None = None
    for separator in _RANGE_SEP.finditer(key):
        sides = []
        for start, end in ((0, separator.start()), (separator.end(), len(key))):
            try:
                sides.append(_parse_single(key[start:end].strip(), display[start:end].strip()))
            except _FormError:
                break
            except PeriodError as error:
                part_error = part_error or error
                break
        if len(sides) == 2 and all(side.has_deadline for side in sides):
            return _range(*sides, shown)
    if part_error:
        raise PeriodError(_('%(error)s (in "%(text)s").', error=str(part_error).rstrip("."),
                            text=shown))
    return None


def _range(first: Period, last: Period, shown: str) -> Period:
    if first == last:
        return first
    if _first_day(last) <= first.last_day:
        raise PeriodError(_('A range must end after it starts ("%(last)s" must come after '
                            '"%(first)s"), not "%(text)s".', last=last.label, first=first.label,
                            text=shown))
    return _canonical(Period("range", None, None, None, "", (first, last)))


def _range_label(first: Period, last: Period) -> str:
    if first.kind == last.kind == "year":
        return f"{first.year} - {last.year}"
    if first.kind == last.kind == "quarter" and first.year == last.year:
        return f"Quý {_ROMAN[first.number - 1]} - {_ROMAN[last.number - 1]}/{last.year}"
    if first.kind == last.kind == "month" and first.year == last.year:
        return f"Tháng {first.number} - {last.number}/{last.year}"
    return f"{first.label} - {last.label}"


def _clean(text: str) -> str:
    """Lower-cased NFC text with whitespace collapsed and dashes as "-": one spelling per form
    for the regexes. Its length is that of the collapsed text (each dash stays one character)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return _DASHES.sub("-", text).lower()


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _first_day(period: Period) -> date:
    """First calendar day of a single period or range."""
    match period.kind:
        case "quarter":
            return date(period.year, period.number * 3 - 2, 1)
        case "month":
            return date(period.year, period.number, 1)
        case "half":
            return date(period.year, period.number * 6 - 5, 1)
        case "year":
            return date(period.year, 1, 1)
        case "date":
            return period.day
        case "range":
            return _first_day(period.parts[0])
    raise ValueError(f"period kind without a first day: {period.kind!r}")


def _check_year(digits: str, shown: str, example: str) -> int:
    year = int(digits)
    if len(digits) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(_('The year must have 4 digits, from %(min)d to %(max)d (e.g. '
                            '"%(example)s"), not "%(text)s".', min=MIN_YEAR, max=MAX_YEAR,
                            example=example, text=shown))
    return year


def _parse_quarter(key: str, shown: str) -> Period:
    match = _QUARTER.fullmatch(key)
    if not match:
        raise _FormError(_('Write the quarter as "%(example)s", not "%(text)s".',
                           example="Quý III/2020", text=shown))
    quarter = _QUARTER_NUMBERS.get(match[1].lstrip("0"))
    if quarter is None:
        raise PeriodError(_('The quarters must be I to IV (e.g. "%(example)s"), not '
                            '"%(text)s".', example="Quý III/2020", text=shown))
    year = _check_year(match[2], shown, "Quý III/2020")
    return _period("quarter", year, quarter)


def _parse_month(key: str, shown: str) -> Period:
    match = _MONTH.fullmatch(key)
    if not match:
        raise _FormError(_('Write the month as "%(example)s", not "%(text)s".',
                           example="Tháng 9/2020", text=shown))
    month = int(match[1])
    if not 1 <= month <= 12:
        raise PeriodError(_('The month must be 1 to 12 (e.g. "%(example)s"), not "%(text)s".',
                            example="Tháng 9/2020", text=shown))
    year = _check_year(match[2], shown, "Tháng 9/2020")
    return _period("month", year, month)


def _parse_half(key: str, shown: str) -> Period:
    match = _HALF.fullmatch(key)
    if not match or int(match[1]) != 6:
        raise _FormError(_('Write a half-year as "%(first)s" or "%(second)s", not "%(text)s".',
                           first="6 tháng đầu năm 2020", second="6 tháng cuối năm 2020",
                           text=shown))
    year = _check_year(match[3], shown, "6 tháng đầu năm 2020")
    return _period("half", year, _HALF_PARTS.index(match[2]) + 1)


def _parse_year(key: str, shown: str) -> Period:
    match = _YEAR.fullmatch(key)
    if not match:
        raise _FormError(_('Write the year as "%(example)s", not "%(text)s".',
                           example="Năm 2021", text=shown))
    return _period("year", _check_year(match[1], shown, "Năm 2021"), None)


def _period(kind: str, year: int, number: int | None) -> Period:
    """Build a period whose text is its canonical label, so labels round-trip."""
    return _canonical(Period(kind, year, number, None, ""))


def _canonical(period: Period) -> Period:
    return replace(period, text=period.label)


def _date_period(day: date) -> Period:
    return Period("date", day.year, None, day, format_date(day))


def _parse_date_key(key: str, shown: str) -> date:
    if match := _ISO_DATE.fullmatch(key):
        year, month, day = match.groups()
    elif match := _LONG_DATE.fullmatch(key):
        day, month, year = match.groups()
    elif match := _SHORT_DATE.fullmatch(key):
        day, _separator, month, year = match.groups()
    else:
        raise _FormError(
            _('Write the date as day/month/year, e.g. 29/5/2020, not "%(text)s".', text=shown)
        )
    return _make_date(day, month, year, shown)


def _make_date(day_digits: str, month_digits: str, year_digits: str, shown: str) -> date:
    """Build the date, explaining in Vietnamese which part is out of range."""
    year, month, day = int(year_digits), int(month_digits), int(day_digits)
    if len(year_digits) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        reason = _("the year must have 4 digits, from %(min)d to %(max)d", min=MIN_YEAR,
                   max=MAX_YEAR)
    elif not 1 <= month <= 12:
        reason = _("the month must be 1 to 12")
    elif not 1 <= day <= 31:
        reason = _("the day must be 1 to 31")
    elif day > (days := monthrange(year, month)[1]):
        if month == 2:
            reason = _("February %(year)d has only %(days)d days", year=year, days=days)
        else:
            reason = _("month %(month)d has only %(days)d days", month=month, days=days)
    else:
        return date(year, month, day)
    raise PeriodError(_('Invalid date: "%(text)s" (%(reason)s).', text=shown, reason=reason))
