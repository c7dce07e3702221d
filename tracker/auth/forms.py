from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from tracker.fields import max_length
from tracker.forms import Form as FlaskForm


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 max_length(254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         max_length(200)])
    remember = BooleanField(_l("Remember me"))


class EmptyForm(FlaskForm):
    """A POST-only button (log out, switch language) that still carries CSRF."""
