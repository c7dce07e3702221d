from flask_babel import lazy_gettext as _l
from tracker.forms import Form as FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=200)])
    remember = BooleanField(_l("Remember me"))


class EmptyForm(FlaskForm):
    """A POST-only button (log out, switch language) that still carries CSRF."""
