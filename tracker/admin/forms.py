"""Forms of the admin pages: invitations, users, agencies, the reminders, the calendar and
the webhooks."""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.admin.service import agency_name_taken, email_taken
from tracker.fields import CleanEmailField, CleanStringField, VietDateField, max_length
from tracker.forms import Form as FlaskForm
from tracker.models import Agency, DeliveryStatus, User, WebhookEvent
from tracker.models.user import ROLE_LABELS, Role

# A plain address, no display name: what a Vietnamese agency's mail server hands out.
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def email_address(form, field) -> None:
    """Normalise the address as accounts are stored (trimmed, lower case), then check its shape."""
    field.data = User.normalise_email(field.data or "")
    if not EMAIL.fullmatch(field.data):
        raise ValidationError(_l("Enter a valid e-mail address, e.g. ten@congthuong.gov.vn."))


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, _l(ROLE_LABELS[role])) for role in Role]


def required(message) -> list:
    """Present in the POST (an edit form never falls back on the stored value) and not blank
    once cleaned."""
    return [InputRequired(message), DataRequired(message)]


class _AccountForm(FlaskForm):
    name = CleanStringField(_l("Full name"), validators=[
        *required(_l("Enter the person’s full name.")), max_length(200)])
    agency_id = SelectField(_l("Agency"), coerce=int,
                            validators=[InputRequired(_l("Choose an agency."))])
    role = SelectField(_l("Role"), choices=role_choices(), default=Role.OFFICER.value,
                       validators=[InputRequired(_l("Choose a role."))])

    def __init__(self, *args, agencies: Iterable[Agency] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = [SelectChoice(agency.id, agency.name) for agency in agencies]


class InviteForm(_AccountForm):
    email = CleanEmailField(_l("E-mail"), validators=[
        DataRequired(_l("Enter the e-mail address.")), max_length(254), email_address])

    def validate_email(self, field) -> None:
        if not field.errors and email_taken(field.data):
            raise ValidationError(_l("A user with this e-mail address already exists."))


class UserForm(_AccountForm):
    """Name, role and agency; the e-mail is the sign-in name and stays as invited."""


class AgencyForm(FlaskForm):
    name = CleanStringField(_l("Name"), validators=[
        *required(_l("Enter the agency’s name.")), max_length(255)])
    shared_mailbox = CleanEmailField(_l("Shared mailbox (văn thư)"), validators=[
        Optional(), max_length(254), email_address])
    is_consolidating_office = BooleanField(_l("Consolidating office (sees every plan)"))
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, agency: Agency | None = None, **kwargs) -> None:
        super().__init__(*args, obj=agency, **kwargs)
        self.editing_id = agency.id if agency is not None else None

    def validate_name(self, field) -> None:
        if not field.errors and agency_name_taken(field.data, self.editing_id):
            raise ValidationError(_l("An agency with this name already exists."))


class MergeAgencyForm(FlaskForm):
    """Merge the agency of the page into the one chosen here, which is kept."""

    into = SelectField(_l("Agency to keep"), coerce=int,
                       validators=[InputRequired(_l("Choose the agency to keep."))])
    confirm = BooleanField(_l("I understand: everything moves to the agency kept, and this "
                              "agency is deleted."),
                           validators=[DataRequired(_l("Tick the box to confirm the merge."))])

    def __init__(self, *args, agencies: Iterable[Agency] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.into.choices = [SelectChoice(agency.id, agency.name if agency.active else
                                          _l("%(name)s (inactive)", name=agency.name))
                             for agency in agencies]
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


# What each webhook event is called on the admin pages.
WEBHOOK_EVENT_LABELS = {
    WebhookEvent.STATUS_CHANGED: _l("Status changed"),
    WebhookEvent.POSTPONEMENT_REQUESTED: _l("Postponement requested"),
    WebhookEvent.POSTPONEMENT_DECIDED: _l("Postponement decided"),
    WebhookEvent.ITEM_OVERDUE: _l("Item overdue"),
}

DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
    DeliveryStatus.CANCELLED: _l("Cancelled"),
}


class WebhookForm(FlaskForm):
    """A webhook subscription: where to POST, which events, and the explicit SSRF opt-out."""

    name = CleanStringField(_l("Name"), validators=[Optional(), max_length(200)])
    target_url = CleanStringField(_l("Target URL"), validators=[
        *required(_l("Enter the address to send to.")), max_length(2000)])
    events = SelectMultipleField(
        _l("Events"), choices=[SelectChoice(e.value, label)
                               for e, label in WEBHOOK_EVENT_LABELS.items()],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    allow_private_target = BooleanField(_l("Allow a target on a private network"))
    active = BooleanField(_l("Active"), default=True)
