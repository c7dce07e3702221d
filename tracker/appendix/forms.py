from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from tracker.appendix.service import CONSOLIDATED_TITLE
from tracker.appendix.table import Grouping, Numbering
from tracker.fields import CleanStringField, CleanTextAreaField, max_length
from tracker.forms import Form
from tracker.plans.forms import ItemFilterForm

GROUPINGS = [
    SelectChoice(Grouping.NONE.value, _l("No groups")),
    SelectChoice(Grouping.QUARTER.value, _l("By quarter")),
    SelectChoice(Grouping.LEAD.value, _l("By lead agency")),
    SelectChoice(Grouping.PLAN.value, _l("By list")),
]
NUMBERINGS = [
    SelectChoice(Numbering.CONTINUOUS.value, _l("Continuous numbering")),
    SelectChoice(Numbering.PER_GROUP.value, _l("Numbering restarts in each group")),
]


class AppendixOptionsForm(ItemFilterForm):
    """The plan page's filters plus the appendix's own choices (a GET form, junk ignored)."""

    progress = BooleanField(_l("With progress columns"))
    group = SelectField(_l("Groups"), choices=GROUPINGS, coerce=str)
    numbering = SelectField(_l("Numbering"), choices=NUMBERINGS, coerce=str)

    def grouping(self) -> Grouping:
        values = {g.value for g in Grouping}
        return Grouping(self.group.data) if self.group.data in values else Grouping.NONE

    def numbering_choice(self) -> Numbering:
        values = {n.value for n in Numbering}
        value = self.numbering.data
        return Numbering(value) if value in values else Numbering.CONTINUOUS


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
