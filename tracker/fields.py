"""Form fields for the tracker's Vietnamese inputs: periods, dates, documents."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, IntegerField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from tracker.documents import EXTENSIONS, KINDS, DocumentError, check_document, format_size
from tracker.periods import PeriodError, parse_date, parse_period
from tracker.statuses import LABELS, Status
from tracker.text import clean


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters (this has %(length)d)."))


def status_choices(statuses=None) -> list[SelectChoice]:
    """The statuses (all, unless told) as the options of a select, labelled in the user's
    language: the list's filter and the item's update form."""
    statuses = list(Status) if statuses is None else statuses
    return [SelectChoice(s.value, _l(LABELS[s])) for s in statuses]


class CleanStringField(StringField):
    """A one-line text field whose data is NFC, without zero-width characters or NUL."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean(self.data).replace("\n", " ") if self.data is not None else None


class CleanEmailField(EmailField):
    """An e-mail address as typed, NFC, without zero-width characters or NUL (a NUL sent to
    PostgreSQL is an error, not a miss)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean(self.data).strip() if self.data is not None else None


class CleanTextAreaField(TextAreaField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean(self.data) if self.data is not None else None


class PeriodField(CleanStringField):
    """"Quý III/2020", "Tháng 9/2020", a date, or an open text such as "Thường xuyên"."""

    def pre_validate(self, form):
        if self.data:
            try:
                parse_period(self.data)
            except PeriodError as error:
                raise ValidationError(str(error)) from None


class VietDateField(CleanStringField):
    """A date typed the Vietnamese way (29/5/2020); `.date` holds the parsed value."""

    date = None

    def pre_validate(self, form):
        self.date = None
        if self.data:
            try:
                self.date = parse_date(self.data)
            except PeriodError as error:
                raise ValidationError(str(error)) from None


class VersionField(IntegerField):
    """The record version the form was loaded with (optimistic locking); an edit must carry it."""

    widget = HiddenInput()

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [
            InputRequired(_l("The form is out of date. Reload the page and try again.")),
        ])
        super().__init__(_l("Version"), **kwargs)


class DocumentFileField(FileField):
    """The file of the document an update cites, checked by its content
    (`tracker.documents.check_document`); `.document` holds the accepted file, or None when
    none was chosen. The browser is told the limit, so that a file over it is refused before
    it is sent (app.js); the server checks again."""

    document = None

    def pre_validate(self, form):
        self.document = None
        upload = self.data
        if upload is None or not getattr(upload, "filename", None):
            return
        upload.stream.seek(0)
        try:
            self.document = check_document(upload.stream.read(), upload.filename,
                                           current_app.config["TRACKER_DOCUMENT_MAX_BYTES"])
        except DocumentError as error:
            raise ValidationError(str(error)) from None

    def __call__(self, **kwargs):
        limit = current_app.config["TRACKER_DOCUMENT_MAX_BYTES"]
        kwargs.setdefault("accept", ",".join([*EXTENSIONS, *(k.media_type for k in KINDS.values())]))
        kwargs.setdefault("data_max_bytes", limit)
        kwargs.setdefault("data_too_big", _("This file is larger than the %(limit)s allowed: "
                                            "attach a smaller copy.", limit=format_size(limit)))
        return super().__call__(**kwargs)
