from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from tracker.fields import (
    CleanStringField,
    CleanTextAreaField,
    PeriodField,
    VersionField,
    VietDateField,
    max_length,
)
from tracker.forms import Form as FlaskForm
from tracker.plans.forms import status_choices
from tracker.statuses import allowed_next


class StatusUpdateForm(FlaskForm):
    status = SelectField(_l("New status"), coerce=str, default="")
    note = CleanTextAreaField(_l("Note / reason"), validators=[Optional(), max_length(4000)])
    document_ref = CleanStringField(
        _l("Document number (Tờ trình, Quyết định)"), validators=[Optional(), max_length(300)]
    )
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    new_period = PeriodField(_l("New submission time"), validators=[Optional(), max_length(200)])
    version = VersionField()

    def offer_statuses(self, current: str) -> None:
        """Only the transitions the status model allows from `current`, plus "note only"."""
        next_statuses = sorted(allowed_next(current), key=lambda s: list(type(s)).index(s))
        self.status.choices = [("", _l("— no change, note only —"))] + status_choices(next_statuses)
