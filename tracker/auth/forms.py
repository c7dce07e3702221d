"""Forms of the sign-in and account pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.fields import CleanEmailField, CleanStringField, VietDateField, max_length
from tracker.forms import Form as FlaskForm
from tracker.models import User
from tracker.notices import NoticeKind
from tracker.passwords import password_problems


class LoginForm(FlaskForm):
    email = CleanEmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 max_length(254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         max_length(200)])
    remember = BooleanField(_l("Remember me"))


class ForgotPasswordForm(FlaskForm):
    email = CleanEmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 max_length(254)])


class SetPasswordForm(FlaskForm):
    """A new password for `user`, typed twice; every rule it breaks is shown at once, with
    whatever else is wrong."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")), max_length(200)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords are not the same."))])

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field) -> None:
        """The password rules (tracker.passwords), for a password typed within its length."""
        if not field.errors:
            field.errors.extend(password_problems(field.data, self.user.email, self.user.name))


class ChangePasswordForm(SetPasswordForm):
    """One's own new password, with the current one."""

    current = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password.")), max_length(200)])

    def validate_current(self, field) -> None:
        if not field.errors and not self.user.check_password(field.data):
            raise ValidationError(_l("The current password is wrong."))


class NotificationsForm(FlaskForm):
    """The e-mails one chooses to receive (the unticked kinds are muted)."""

    kinds = SelectMultipleField(
        _l("E-mails I receive"),
        choices=[SelectChoice(NoticeKind.DUE_SOON.value, _l("Reminders before a deadline")),
                 SelectChoice(NoticeKind.OVERDUE.value, _l("Overdue alerts")),
                 SelectChoice(NoticeKind.STATUS.value, _l("Status changes"))],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class ApiTokenForm(FlaskForm):
    """A new API token: what it is for, and the last day it works (none: until revoked)."""

    name = CleanStringField(_l("Name (what uses the token)"), validators=[
        DataRequired(_l("Give the token a name (what uses it).")), max_length(100)])
    expires_on = VietDateField(_l("Valid until (optional, e.g. 31/12/2026)"),
                               validators=[max_length(30)])
