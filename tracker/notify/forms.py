import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectChoice, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.fields import CleanStringField, VietDateField, max_length
from tracker.forms import Form as FlaskForm
from tracker.notices import NoticeKind


class SettingsForm(FlaskForm):
    stages = CleanStringField(_l("Reminder days before the deadline"), validators=[
        InputRequired(_l("Enter the days, e.g. 14, 7, 3, 1, 0.")), max_length(100)])
    working_days = BooleanField(_l("Count these days as working days"))
    overdue_interval = IntegerField(_l("Days between overdue alerts"), validators=[
        InputRequired(_l("Enter a number of days.")),
        NumberRange(1, 90, _l("Enter a number from 1 to 90."))])
    escalate_after = IntegerField(_l("Alerts before the consolidating office is told"), validators=[
        InputRequired(_l("Enter a number.")), NumberRange(0, 50, _l("Enter a number from 0 to 50."))])
    send_time = CleanStringField(_l("Daily sending time (hh:mm)"), validators=[
        InputRequired(_l("Enter a time such as 07:00.")), max_length(5)])

    def validate_stages(self, field):
        parts = [p.strip() for p in field.data.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and int(p) <= 365 for p in parts):
            raise ValidationError(_l("Write whole numbers of days from 0 to 365, separated by commas."))
        field.data = ",".join(str(n) for n in sorted({int(p) for p in parts}, reverse=True))

    def validate_send_time(self, field):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", field.data)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError(_l("Enter a time such as 07:00."))
        field.data = f"{int(match[1]):02d}:{match[2]}"


class CalendarDayForm(FlaskForm):
    day = VietDateField(_l("Date"), validators=[InputRequired(_l("Enter a date, e.g. 22/8/2026."))])
    working = BooleanField(_l("A working day (e.g. a worked Saturday); unticked: a day off"))
    note = CleanStringField(_l("Note"), validators=[max_length(200)])


class NotificationsForm(FlaskForm):
    kinds = SelectMultipleField(
        _l("E-mails I receive"),
        choices=[SelectChoice(NoticeKind.DUE_SOON.value, _l("Reminders before a deadline")),
                 SelectChoice(NoticeKind.OVERDUE.value, _l("Overdue alerts")),
                 SelectChoice(NoticeKind.STATUS.value, _l("Status changes"))],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
