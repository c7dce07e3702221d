"""The scorecard's choices: a GET form (no CSRF); a value not offered is ignored, a date that
cannot be read is an error shown on the form."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from tracker.fields import VietDateField
from tracker.periods import quarter_label
from tracker.scoring import (
    ReportPeriod,
    half_period,
    month_of,
    month_period,
    quarter_period,
    range_period,
    year_period,
)

KINDS = [SelectChoice("month", _l("Month")), SelectChoice("quarter", _l("Quarter")),
         SelectChoice("half", _l("Half-year")), SelectChoice("year", _l("Year")),
         SelectChoice("range", _l("Date range"))]


class ScorecardForm(FlaskForm):
    """Which period, and which items: every list, one list, or one agency's lists."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Period"), choices=KINDS, coerce=str, default="month")
    year = SelectField(_l("Year"), coerce=str)
    month = SelectField(_l("Month"), coerce=str,
                        choices=[SelectChoice(str(m), f"Tháng {m}") for m in range(1, 13)])
    quarter = SelectField(_l("Quarter"), coerce=str, choices=[
        SelectChoice(str(q), quarter_label(2000, q).split("/")[0]) for q in range(1, 5)])
    half = SelectField(_l("Half-year"), coerce=str, choices=[
        SelectChoice("1", _l("First half")), SelectChoice("2", _l("Second half"))])
    start = VietDateField(_l("From (day/month/year)"))
    end = VietDateField(_l("To (day/month/year)"))
    as_of = VietDateField(_l("Figures as of (day/month/year)"))
    plan = SelectField(_l("List"), coerce=str)
    owner = SelectField(_l("Lists of"), coerce=str)

    def offer(self, today: date, plans: list[tuple[int, str]],
              owners: list[tuple[int, str]]) -> None:
        years = range(today.year + 1, today.year - 10, -1)
        self.year.choices = [SelectChoice(str(y)) for y in years]
        anything = SelectChoice("", _l("All"))
        self.plan.choices = [anything] + [SelectChoice(str(i), t[:80]) for i, t in plans]
        self.owner.choices = [anything] + [SelectChoice(str(i), n) for i, n in owners]

    def chosen(self, field) -> str | None:
        offered = {choice.value for choice in field.choices if choice.value}
        return field.data if field.data in offered else None

    def period(self, today: date, cutoff_day: int) -> ReportPeriod | None:
        """The period asked for (this report month by default); None when the range is
        wrong (the form then carries the message)."""
        year_now, month_now = month_of(today, cutoff_day)
        year = int(self.chosen(self.year) or year_now)
        kind = self.chosen(self.kind) or "month"
        self.kind.data = kind
        self.year.data = str(year)
        if kind == "month":
            month = int(self.chosen(self.month) or month_now)
            self.month.data = str(month)
            return month_period(year, month, cutoff_day)
        if kind == "quarter":
            quarter = int(self.chosen(self.quarter) or (month_now - 1) // 3 + 1)
            self.quarter.data = str(quarter)
            return quarter_period(year, quarter, cutoff_day)
        if kind == "half":
            half = int(self.chosen(self.half) or (1 if month_now <= 6 else 2))
            self.half.data = str(half)
            return half_period(year, half, cutoff_day)
        if kind == "year":
            return year_period(year, cutoff_day)
        return self._range()

    def as_of_date(self, period: ReportPeriod, today: date) -> date | None:
        """The day the figures are taken: as asked, else the period's end or today while
        it runs. None when the date cannot be read (the form carries the message)."""
        if not self.as_of.validate(self):
            return None
        if self.as_of.date is not None:
            return self.as_of.date
        return min(period.end, today)

    def _range(self) -> ReportPeriod | None:
        ok = all(field.validate(self) for field in (self.start, self.end))
        if not ok:
            return None
        if self.start.date is None or self.end.date is None:
            (self.start if self.start.date is None else self.end).errors = [
                _l("Enter both dates of the range, as day/month/year (e.g. 15/2/2026).")]
            return None
        if self.start.date > self.end.date:
            self.end.errors = [_l("The range must end on or after the day it starts.")]
            return None
        return range_period(self.start.date, self.end.date)
