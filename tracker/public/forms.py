"""Publishing a plan."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired

from tracker.fields import max_length
from tracker.forms import Form


class PublishForm(Form):
    slug = StringField(_l("Public address"), validators=[
        DataRequired(_l("Choose the page's address.")), max_length(80)])
