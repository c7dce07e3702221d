from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker.fields import (
    CleanStringField,
    CleanTextAreaField,
    DocumentFileField,
    PeriodField,
    VersionField,
    VietDateField,
    max_length,
)
from tracker.forms import Form as FlaskForm
from tracker.plans.forms import status_choices
from tracker.statuses import NEEDS_DECISION, REQUEST_LABELS, Status, allowed_next


class StatusUpdateForm(FlaskForm):
    status = SelectField(_l("New status"), coerce=str, default="")
    note = CleanTextAreaField(_l("Note / reason"), validators=[Optional(), max_length(4000)])
    document_ref = CleanStringField(
        _l("Document number (Tờ trình, Quyết định)"), validators=[Optional(), max_length(300)]
    )
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    document_file = DocumentFileField(_l("File of the document"))
    new_period = PeriodField(_l("New submission time"), validators=[Optional(), max_length(200)])
    version = VersionField()

    def offer_statuses(self, current: str, *, may_change_status: bool = True,
                       request_waiting: bool = False, asks: bool = False) -> None:
        """The transitions the status model allows from `current`, plus "note only".

        Someone who may only comment gets "note only"; one whose postponement or withdrawal
        is a request (`asks`) is offered them in those words; while a request waits, no other
        can be made.
        """
        next_statuses = sorted(allowed_next(current), key=list(Status).index) \
            if may_change_status else []
        if request_waiting:
            next_statuses = [s for s in next_statuses if s not in NEEDS_DECISION]
        choices = status_choices(next_statuses)
        if asks:
            choices = [SelectChoice(c.value, _l(REQUEST_LABELS[Status(c.value)]))
                       if c.value in REQUEST_LABELS else c for c in choices]
        self.status.choices = [SelectChoice("", _l("— no change, note only —"))] + choices
        if not may_change_status:
            # A note is all this user can post: asking for a status too would mislead.
            self.note.validators = [DataRequired(_l("Write your comment or note.")),
                                    *self.note.validators]


class RequestDecisionForm(FlaskForm):
    """A manager's answer to a waiting postponement or withdrawal request."""

    decision = SelectField(choices=[SelectChoice("approve", _l("Approve")),
                                    SelectChoice("refuse", _l("Refuse"))],
                           validators=[InputRequired()])
    reason = CleanTextAreaField(_l("Reason (required to refuse)"),
                                validators=[Optional(), max_length(4000)])
    # The letter that carries the decision, when there is one (printed with it).
    document_ref = CleanStringField(_l("Document number (Công văn, Thông báo)"),
                                    validators=[Optional(), max_length(300)])
    document_date = VietDateField(_l("Document date"), validators=[Optional(), max_length(30)])
    # Its own id: the page also shows the status form's document field.
    document_file = DocumentFileField(_l("File of the document"), id="decision_document_file")
    version = VersionField()


class ReinstateForm(FlaskForm):
    """A manager puts a withdrawn item back on the list, saying why."""

    reason = CleanTextAreaField(_l("Reason"), validators=[InputRequired(_l("Give the reason.")),
                                                          max_length(4000)])
    version = VersionField()


class NotesForm(FlaskForm):
    notes = CleanTextAreaField(_l("Notes"), validators=[Optional(), max_length(4000)])
    version = VersionField()
