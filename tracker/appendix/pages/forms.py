"""Forms of the appendix's pages: the consolidated list's options, the import."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import Field, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from tracker.appendix import readers
from tracker.appendix.service import CONSOLIDATED_TITLE
from tracker.fields import CleanStringField, CleanTextAreaField, max_length
from tracker.forms import Form
from tracker.plans.forms import AppendixOptionsForm

# What the title and the line under it may hold in print (longer is cut).
TITLE_MAX, SUBTITLE_MAX = 500, 1000


class ConsolidatedOptionsForm(AppendixOptionsForm):
    """The consolidated list's options: also one department's lists only, and the title and
    the line under it, which the office writes for each report."""

    owner = SelectField(_l("Lists of"), coerce=str)
    title = CleanStringField(_l("List title"), default=CONSOLIDATED_TITLE)
    subtitle = CleanTextAreaField(_l("Line under the title"))

    def printed_title(self) -> str:
        return (self.title.data or CONSOLIDATED_TITLE)[:TITLE_MAX]

    def printed_subtitle(self) -> str:
        return (self.subtitle.data or "")[:SUBTITLE_MAX]


class ImportForm(Form):
    """Upload a file or paste a table, to add to an existing list."""

    upload = FileField(_l("File (Word .docx, Excel .xlsx or .csv)"))
    # Not cleaned like other text: the tabs between cells matter (cells are cleaned one by one).
    pasted = TextAreaField(_l("…or paste the table copied from Word or Excel"),
                           validators=[Optional()])
    # What the clipboard held as HTML when the table was pasted (set by app.js): Word and
    # Excel put the table there with its merged cells, which the plain text loses.
    pasted_html = HiddenField(validators=[Optional()])

    def source_field(self) -> Field:
        """Where the table came from: the file, when one was chosen, else the pasted text."""
        return self.upload if getattr(self.upload.data, "filename", "") else self.pasted

    def read_source(self) -> tuple[str, list[readers.SourceTable]] | None:
        """The name and tables of the uploaded file or of the pasted text; None when there
        is none or it cannot be read, which is said on its field."""
        upload = self.upload.data
        try:
            if getattr(upload, "filename", ""):
                return upload.filename, readers.read_upload(upload.read(), upload.filename)
            if self.pasted.data:
                from_html = (readers.read_pasted_html(self.pasted_html.data)
                             if self.pasted_html.data else None)
                return _("pasted table"), [from_html or readers.read_pasted(self.pasted.data)]
        except readers.ReadError as error:
            self.source_field().errors.append(str(error))
            return None
        self.upload.errors.append(_("Choose a file or paste a table."))
        return None


class NewPlanImportForm(ImportForm):
    """Upload or paste, creating a new list."""

    # Optional here: left empty, it is taken from the title lines above the file's table.
    title = CleanTextAreaField(_l("List title"), validators=[Optional(), max_length(1000)])
    owner_agency_id = SelectField(
        _l("Owner agency"), coerce=int,
        validators=[InputRequired(_l("Choose the agency that owns this list."))],
    )
    attached_to = CleanStringField(
        _l("Attached to (the “Kèm theo …” line)"), validators=[Optional(), max_length(500)]
    )


class ConfirmImportForm(Form):
    """The preview's buttons; the agency choices arrive as `agency-<n>` fields."""

    table_index = SelectField(_l("Table"), coerce=int, validators=[Optional()])
