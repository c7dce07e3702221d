from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

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
from tracker.statuses import Status, allowed_next


class StatusUpdateForm(FlaskForm):
    status = SelectField(_l("New status"), coerce=str, default="")
    note = CleanTextAreaField(_l("Note / reason"), validators=[Optional(), max_length(4000)])
    document_ref = CleanStringField(
        _l("Document number (Tờ trình, Quyết định)"), validators=[Optional(), max_length(300)]
    )
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    new_period = PeriodField(_l("New submission time"), validators=[Optional(), max_length(200)])
    version = VersionField()

    def offer_statuses(self, current: str, *, may_change_status: bool = True,
                       request_waiting: bool = False) -> None:
        """The transitions the status model allows from `current`, plus "note only".

        Someone who may only comment gets "note only"; while a postponement request waits,
        another cannot be made.
        """
        next_statuses = sorted(allowed_next(current), key=list(Status).index) \
            if may_change_status else []
        if request_waiting:
            next_statuses = [s for s in next_statuses if s != Status.POSTPONED]
        self.status.choices = [SelectChoice("", _l("— no change, note only —"))] \
            + status_choices(next_statuses)
        if not may_change_status:
            # A note is all this user can post: asking for a status too would mislead.
            self.note.validators = [DataRequired(_l("Write your comment or note.")),
                                    *self.note.validators]


class PostponementDecisionForm(FlaskForm):
    decision = SelectField(choices=[SelectChoice("approve", _l("Approve")),
                                    SelectChoice("refuse", _l("Refuse"))],
                           validators=[InputRequired()])
    reason = CleanTextAreaField(_l("Reason (required to refuse)"),
                                validators=[Optional(), max_length(4000)])
    # The letter that carries the decision, when there is one (printed with it).
    document_ref = CleanStringField(_l("Document number (Công văn, Thông báo)"),
                                    validators=[Optional(), max_length(300)])
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    version = VersionField()


class NotesForm(FlaskForm):
    notes = CleanTextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    version = VersionField()
